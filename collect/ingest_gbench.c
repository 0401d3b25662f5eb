/*
 * Google Benchmark JSON from any program: rows through lib/result.h's reader (which checks
 * every field's type), the context kept whole, and each row object kept as read, so that
 * `viobench export --format gbench-json` gives back the file's content unchanged.
 */
#include "ingest.h"
#include "jsonx.h"
#include "store_int.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

void ingest_make_run_id(struct ingest_item *it, const char *prefix)
{
    char d[32] = "";
    if (it->start[0])
        snprintf(d, sizeof(d), "%.4s%.2s%.2s-%.2s%.2s%.2s-", it->start, it->start + 5,
                 it->start + 8, it->start + 11, it->start + 14, it->start + 17);
    snprintf(it->run_id, sizeof(it->run_id), "%s-%s%.12s", prefix, d, it->hash);
}

int ingest_gbench(json_t *root, struct ingest_item *it, char *err, size_t errlen)
{
    const json_t *ctx, *arr = json_object_get(root, "benchmarks");
    const char *exe, *slash;

    if (vb_read_gbench_json(root, &it->run, err, errlen))
        return -EINVAL;
    if (json_array_size(arr) == 0) {
        snprintf(err, errlen, "no benchmark rows (empty \"benchmarks\")");
        return -EINVAL;
    }
    it->source = "gbench";
    it->raw_rows = json_incref((json_t *)arr);
    ctx = it->run.context;
    if (store_norm_time(jx_str(ctx, "date", ""), it->start, sizeof(it->start)))
        it->start[0] = 0;
    exe = jx_str(ctx, "executable", "");
    slash = strrchr(exe, '/');
    snprintf(it->tool, sizeof(it->tool), "%s", slash ? slash + 1 : *exe ? exe : "gbench");
    snprintf(it->tool_version, sizeof(it->tool_version), "%s", jx_str(ctx, "viobench_version", ""));
    snprintf(it->host, sizeof(it->host), "%s", jx_str(ctx, "host_name", ""));
    it->complete = !json_is_false(json_object_get(ctx, "complete"));
    if (json_is_object(json_object_get(ctx, "labels"))) {
        const char *k;
        json_t *v;
        json_object_foreach(json_object_get(ctx, "labels"), k, v)
        {
            if (json_is_string(v))
                json_object_set(it->labels, k, v);
        }
    }
    /* results.json that viobench wrote names its run: keep the id so that the file and
       its run directory cannot be stored as two runs. */
    if (json_object_get(ctx, "viobench_format") && *jx_str(ctx, "run_id", ""))
        snprintf(it->run_id, sizeof(it->run_id), "%s", jx_str(ctx, "run_id", ""));
    else
        ingest_make_run_id(it, "gbench");
    return 0;
}
