/*
 * Per-benchmark figures of a stored run for the exports that carry summaries rather than
 * histograms (Bencher, Otava): the mean, p50 and p99 over all repetitions, and the lowest
 * and highest repetition of each, so a consumer sees both the figure and its spread. With
 * histograms (viobench, fio json+, HdrHistogram imports) the figure comes from the merged
 * histogram of the repetitions; without (Google Benchmark imports, plain fio) it is the
 * median of the repetitions' own figures.
 */
#include "export.h"
#include "hist.h"
#include "log.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int export_load(struct store *s, const struct store_run_info *r, struct vb_run *run)
{
    if (vb_run_init(run))
        return -ENOMEM;
    if (store_load_run(s, r->id, run)) {
        vb_err("export: run %s: %s", r->run_id, store_errmsg(s));
        vb_run_free(run);
        return -EIO;
    }
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* A repetition's figure k in ns, NAN when it has none. */
static double rep_fig(const struct vb_row *w, int k)
{
    double scale = vb_time_unit_scale(w->time_unit);
    if (w->hist && hist_count(w->hist))
        return k == FIG_MEAN  ? hist_mean(w->hist)
               : k == FIG_P50 ? hist_percentile(w->hist, 50)
                              : hist_percentile(w->hist, 99);
    if (k == FIG_MEAN)
        return scale > 0 ? w->real_time / scale : NAN;
    return vb_row_counter(w, k == FIG_P50 ? "p50_ns" : "p99_ns");
}

static int one(const struct vb_run *run, size_t first, struct export_fig *f)
{
    size_t nrep = 0;
    double *vals = malloc(run->nrows * sizeof(*vals));
    struct hist *merged = hist_new();
    int all_hist = 1;

    if (!vals || !merged) {
        free(vals);
        hist_free(merged);
        return -ENOMEM;
    }
    f->name = run->rows[first].run_name;
    for (size_t i = first; i < run->nrows; i++) {
        const struct vb_row *w = &run->rows[i];
        if (w->run_type != VB_ITERATION || w->error_occurred || strcmp(w->run_name, f->name))
            continue;
        nrep++;
        if (w->hist && hist_count(w->hist))
            hist_merge(merged, w->hist);
        else
            all_hist = 0;
    }
    f->reps = (int)nrep;
    for (int k = 0; k < FIG_N; k++) {
        size_t m = 0;
        for (size_t i = first; i < run->nrows; i++) {
            const struct vb_row *w = &run->rows[i];
            double v;
            if (w->run_type != VB_ITERATION || w->error_occurred || strcmp(w->run_name, f->name))
                continue;
            if (!isnan(v = rep_fig(w, k)))
                vals[m++] = v;
        }
        qsort(vals, m, sizeof(*vals), cmp_double);
        f->lo[k] = m ? vals[0] : NAN;
        f->hi[k] = m ? vals[m - 1] : NAN;
        if (all_hist && hist_count(merged))
            f->v[k] = k == FIG_MEAN  ? hist_mean(merged)
                      : k == FIG_P50 ? hist_percentile(merged, 50)
                                     : hist_percentile(merged, 99);
        else
            f->v[k] = !m ? NAN : m % 2 ? vals[m / 2] : (vals[m / 2 - 1] + vals[m / 2]) / 2;
    }
    free(vals);
    hist_free(merged);
    return 0;
}

int export_figures(const struct vb_run *run, struct export_fig **out, size_t *n)
{
    struct export_fig *v = calloc(run->nrows ? run->nrows : 1, sizeof(*v));

    *n = 0;
    if (!v)
        return -ENOMEM;
    for (size_t i = 0; i < run->nrows; i++) {
        const struct vb_row *w = &run->rows[i];
        size_t j;
        if (w->run_type != VB_ITERATION || w->error_occurred)
            continue;
        for (j = 0; j < *n && strcmp(v[j].name, w->run_name); j++)
            ;
        if (j < *n)
            continue;
        if (one(run, i, &v[*n])) {
            free(v);
            return -ENOMEM;
        }
        (*n)++;
    }
    *out = v;
    return 0;
}
