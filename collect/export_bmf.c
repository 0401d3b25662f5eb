/*
 * `viobench export --format bmf`: one stored run as Bencher Metric Format JSON, the input
 * of `bencher run --adapter json`. Each benchmark (its name as viobench prints it) gets
 * three measures in ns: "latency" (the built-in measure: mean per operation),
 * "p50-latency" and "p99-latency" (custom measures, to be created in the Bencher project
 * with these slugs). value is the figure over all repetitions (from their merged
 * histograms), lower_value and upper_value the lowest and highest single repetition: the
 * spread a Bencher threshold sees, not a confidence interval (analyze compare gives
 * those). With one repetition all three are equal.
 */
#include "export.h"
#include "log.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>

static const char *const slugs[FIG_N] = {"latency", "p50-latency", "p99-latency"};

int export_bmf(FILE *f, struct store *s, const struct store_run_info *r)
{
    struct vb_run run;
    struct export_fig *fig = NULL;
    json_t *doc = NULL;
    size_t n = 0;
    int ret;

    if ((ret = export_load(s, r, &run)))
        return ret;
    ret = -ENOMEM;
    if (export_figures(&run, &fig, &n) || !(doc = json_object()))
        goto out;
    for (size_t i = 0; i < n; i++) {
        json_t *b = json_object();
        if (!b || json_object_set_new(doc, fig[i].name, b))
            goto out;
        for (int k = 0; k < FIG_N; k++) {
            json_t *m;
            if (isnan(fig[i].v[k]))
                continue;
            m = json_pack("{s:f}", "value", fig[i].v[k]);
            if (!m || json_object_set_new(b, slugs[k], m))
                goto out;
            if (!isnan(fig[i].lo[k]) &&
                (json_object_set_new(m, "lower_value", json_real(fig[i].lo[k])) ||
                 json_object_set_new(m, "upper_value", json_real(fig[i].hi[k]))))
                goto out;
        }
    }
    ret = 0;
    if (!n) {
        vb_err("export: bmf: run %s has no measured rows", r->run_id);
        ret = -ENOENT;
    } else if (json_dumpf(doc, f, JSON_INDENT(2) | JSON_REAL_PRECISION(10)) || fputc('\n', f) < 0)
        ret = -EIO;
out:
    if (ret == -ENOMEM)
        vb_err("export: bmf: out of memory");
    json_decref(doc);
    free(fig);
    vb_run_free(&run);
    return ret;
}
