/*
 * `viobench export --format otava-csv`: stored runs as the CSV input of Apache Otava
 * (formerly Hunter), whose change-point detection then runs over our store. One line per
 * run, oldest first: time (the run's start, ISO 8601 UTC), the attributes run_id, source,
 * tool_version, the pairing keys and one column per label key of any selected run, then
 * for every benchmark three metric columns in ns, "<benchmark>.mean_ns",
 * "<benchmark>.p50_ns" and "<benchmark>.p99_ns" (all repetitions merged; empty where a
 * run lacks the benchmark). Runs without a start time are left out with a warning: Otava
 * orders by time. docs/collect.md has a matching Otava configuration.
 */
#include "csv.h"
#include "export.h"
#include "hist.h"
#include "log.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const suffix[FIG_N] = {".mean_ns", ".p50_ns", ".p99_ns"};

struct run_figs {
    struct vb_run run;
    struct export_fig *fig;
    size_t n;
};

static int is_fixed(const char *k)
{
    if (!strcmp(k, "time") || !strcmp(k, "run_id") || !strcmp(k, "source") ||
        !strcmp(k, "tool_version"))
        return 1;
    for (int i = 0; i < SP_NKEYS; i++)
        if (!strcmp(k, store_pairing_keys[i]))
            return 1;
    return 0;
}

static void put_num(FILE *f, double v)
{
    fputc(',', f);
    if (!isnan(v))
        fprintf(f, "%.10g", v);
}

static void write_csv(FILE *f, const struct store_run_info *runs, const struct run_figs *rf,
                      size_t n, json_t *labels, json_t *benches)
{
    const char *k;
    json_t *v;
    size_t bi;

    fputs("time,run_id,source,tool_version", f);
    for (int i = 0; i < SP_NKEYS; i++)
        fprintf(f, ",%s", store_pairing_keys[i]);
    json_object_foreach(labels, k, v)
    {
        fputc(',', f);
        csv_put_field(f, k, 0);
    }
    json_array_foreach(benches, bi, v)
    {
        for (int m = 0; m < FIG_N; m++) {
            char col[1200];
            snprintf(col, sizeof(col), "%s%s", json_string_value(v), suffix[m]);
            fputc(',', f);
            csv_put_field(f, col, 0);
        }
    }
    fputc('\n', f);
    for (size_t r = 0; r < n; r++) {
        if (!runs[r].start[0])
            continue;
        csv_put_field(f, runs[r].start, 0);
        fputc(',', f);
        csv_put_field(f, runs[r].run_id, 0);
        fputc(',', f);
        csv_put_field(f, runs[r].source, 0);
        fputc(',', f);
        csv_put_field(f, runs[r].tool_version, 0);
        for (int i = 0; i < SP_NKEYS; i++) {
            fputc(',', f);
            csv_put_field(f, runs[r].pairing.v[i], 0);
        }
        json_object_foreach(labels, k, v)
        {
            fputc(',', f);
            csv_put_field(f, json_string_value(json_object_get(runs[r].labels, k)), 0);
        }
        json_array_foreach(benches, bi, v)
        {
            const struct export_fig *x = NULL;
            for (size_t j = 0; j < rf[r].n && !x; j++)
                if (!strcmp(rf[r].fig[j].name, json_string_value(v)))
                    x = &rf[r].fig[j];
            for (int m = 0; m < FIG_N; m++)
                put_num(f, x ? x->v[m] : NAN);
        }
        fputc('\n', f);
    }
}

int export_otava(FILE *f, struct store *s, const struct store_run_info *runs, size_t n)
{
    struct run_figs *rf = calloc(n ? n : 1, sizeof(*rf));
    json_t *labels = json_object(), *benches = json_array(), *seen = json_object();
    size_t loaded = 0;
    int ret = -ENOMEM;

    if (!rf || !labels || !benches || !seen)
        goto out;
    for (; loaded < n; loaded++) {
        const char *k;
        json_t *v;
        if (!runs[loaded].start[0]) {
            vb_warn("export: otava-csv: run %s has no start time: left out (Otava needs one)",
                    runs[loaded].run_id);
            continue;
        }
        if ((ret = export_load(s, &runs[loaded], &rf[loaded].run)))
            goto out;
        ret = -ENOMEM;
        if (export_figures(&rf[loaded].run, &rf[loaded].fig, &rf[loaded].n)) {
            vb_run_free(&rf[loaded].run);
            goto out;
        }
        for (size_t j = 0; j < rf[loaded].run.nrows; j++) {
            /* the figures are taken: keep only the names of a run, not its histograms */
            hist_free(rf[loaded].run.rows[j].hist);
            rf[loaded].run.rows[j].hist = NULL;
        }
        json_object_foreach(runs[loaded].labels, k, v)
        {
            if (!is_fixed(k) && json_object_set(labels, k, json_true()))
                goto out_loaded;
        }
        for (size_t j = 0; j < rf[loaded].n; j++) {
            const char *name = rf[loaded].fig[j].name;
            if (json_object_get(seen, name))
                continue;
            if (json_object_set_new(seen, name, json_true()) ||
                json_array_append_new(benches, json_string(name)))
                goto out_loaded;
        }
    }
    ret = 0;
    if (!json_array_size(benches)) {
        vb_err("export: otava-csv: no selected run has measured rows");
        ret = -ENOENT;
    } else {
        write_csv(f, runs, rf, n, labels, benches);
    }
    goto out;
out_loaded:
    loaded++;
out:
    if (ret == -ENOMEM)
        vb_err("export: otava-csv: out of memory");
    for (size_t i = 0; rf && i < loaded; i++) {
        free(rf[i].fig);
        vb_run_free(&rf[i].run);
    }
    free(rf);
    json_decref(labels);
    json_decref(benches);
    json_decref(seen);
    return ret;
}
