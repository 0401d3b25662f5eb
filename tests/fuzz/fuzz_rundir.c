/*
 * Fuzz a whole run directory as the collector reads it (collect/ingest_run.c): the input is
 * context.json, results.json and histograms.txt separated by FUZZ_SEP lines (a missing
 * third part means no histograms.txt). ingest_rundir_parse() applies the checks of
 * lib/result_dir.c's reader (format version, Google Benchmark rows, histograms matched to
 * rows, straight into the store's encoding) and the run's own fields; the same histograms
 * then go through lib's reader, vb_read_histograms(), over the rows read.
 */
#include "fuzz.h"
#include "ingest.h"

#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *parts[3], err[512];
    size_t lens[3];
    int n = fuzz_split(data, size, parts, lens, 3);
    struct ingest_rundir d = {{0}, {0}};
    struct ingest_item it;

    if (n < 2)
        goto out;
    for (int i = 0; i < n; i++) {
        d.buf[i] = parts[i];
        d.len[i] = lens[i];
    }
    if (ingest_item_init(&it))
        abort();
    if (ingest_rundir_parse("fuzz", &d, &it, err, sizeof(err)) == 0 && n == 3) {
        /* lib's reader over the same rows (their histograms taken by the first reader are
           in it.hists, not on the rows) */
        FILE *f = fmemopen(parts[2], lens[2] ? lens[2] : 1, "r");
        if (f) {
            vb_read_histograms(f, &it.run, err, sizeof(err));
            fclose(f);
        }
    }
    ingest_item_free(&it);
out:
    fuzz_parts_free(parts, n);
    return 0;
}
