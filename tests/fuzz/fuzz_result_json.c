/*
 * Fuzz lib/result_json.c: results.json of a run directory (from any guest) and Google
 * Benchmark JSON from any program are read by vb_read_gbench_json(). A document that reads
 * is written back (vb_write_gbench_json into memory), as export does with stored runs.
 * "threads" of 1e300 was once cast to int: regressions/fuzz_result_json/.
 */
#include "fuzz.h"
#include "result.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_error_t je;
    json_t *root = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &je);
    struct vb_run r;
    char err[512], *out = NULL;
    size_t outlen = 0;

    if (!root)
        return 0;
    if (vb_run_init(&r))
        abort();
    if (vb_read_gbench_json(root, &r, err, sizeof(err)) == 0) {
        FILE *f = open_memstream(&out, &outlen);
        if (!f)
            abort();
        vb_write_gbench_json(&r, f);
        fclose(f);
        free(out);
    }
    vb_run_free(&r);
    json_decref(root);
    return 0;
}
