/*
 * Metrics and sets: what a figure is called (p99, iops ...), how it is read from a result
 * row (its histogram first, then its counters and Google Benchmark fields), how it is
 * printed and parsed with units, and how the rows of many runs merge into one "set" per
 * side of a comparison, per matrix cell or per point of a series.
 */
#include "analyze.h"
#include "reps.h"
#include "units.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct an_metric_def an_metrics[AM_NMETRICS] = {
    [AM_P50] = {"p50", "p50", 50, 0, "ns", "p50_ns"},
    [AM_P90] = {"p90", "p90", 90, 0, "ns", "p90_ns"},
    [AM_P99] = {"p99", "p99", 99, 0, "ns", "p99_ns"},
    [AM_P999] = {"p99.9", "p999", 99.9, 0, "ns", "p999_ns"},
    [AM_P9999] = {"p99.99", "p9999", 99.99, 0, "ns", "p9999_ns"},
    [AM_MIN] = {"min", "min", 0, 0, "ns", "min_ns"},
    [AM_MAX] = {"max", "max", 100, 0, "ns", "max_ns"},
    [AM_MEAN] = {"mean", "mean", -1, 0, "ns", NULL},
    [AM_REAL] = {"real_time", "real_time", -1, 0, "ns", NULL},
    [AM_CPU] = {"cpu_time", "cpu_time", -1, 0, "ns", NULL},
    [AM_IOPS] = {"iops", "iops", -1, 1, "ops/s", NULL},
    [AM_BW] = {"bandwidth", "bandwidth", -1, 1, "B/s", NULL},
};

int an_metric_parse(const char *s)
{
    static const struct {
        const char *alias;
        int m;
    } aliases[] = {
        {"median", AM_P50},          {"p999", AM_P999},
        {"p9999", AM_P9999},         {"items_per_second", AM_IOPS},
        {"throughput", AM_IOPS},     {"ops", AM_IOPS},
        {"bytes_per_second", AM_BW}, {"bw", AM_BW},
        {"real", AM_REAL},           {"cpu", AM_CPU},
    };
    for (int m = 0; m < AM_NMETRICS; m++)
        if (strcmp(s, an_metrics[m].name) == 0)
            return m;
    for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
        if (strcmp(s, aliases[i].alias) == 0)
            return aliases[i].m;
    return -1;
}

const char *an_fmt_value(int metric, double v, char *buf, size_t len)
{
    char t[32];

    if (!isfinite(v)) {
        snprintf(buf, len, "-");
        return buf;
    }
    if (metric == AM_IOPS)
        snprintf(buf, len, "%s/s", units_fmt_count(v, t, sizeof(t)));
    else if (metric == AM_BW)
        snprintf(buf, len, "%s/s", units_fmt_size(v, t, sizeof(t)));
    else
        units_fmt_duration(v, buf, len);
    return buf;
}

int an_parse_value(int metric, const char *s, double *out)
{
    char tmp[64];
    size_t n = strlen(s);

    if (metric == AM_IOPS)
        return units_parse_rate(s, out);
    if (metric == AM_BW) {
        uint64_t b;
        if (n >= sizeof(tmp))
            return -EINVAL;
        memcpy(tmp, s, n + 1);
        if (n > 2 && strcmp(tmp + n - 2, "/s") == 0)
            tmp[n - 2] = 0;
        if (units_parse_size(tmp, &b))
            return -EINVAL;
        *out = (double)b;
        return 0;
    }
    return units_parse_duration(s, 1.0, out);
}

double an_row_value(const struct vb_row *w, int m)
{
    return an_row_value_h(w, NULL, m);
}

double an_row_value_h(const struct vb_row *w, const struct an_hist *sh, int m)
{
    const struct an_metric_def *d = &an_metrics[m];
    double scale = vb_time_unit_scale(w->time_unit);

    if (sh && sh->count && (m == AM_MEAN || d->pct >= 0))
        return m == AM_MEAN  ? an_hist_mean(sh)
               : m == AM_MIN ? sh->min
               : m == AM_MAX ? sh->max
                             : an_hist_percentile(sh, d->pct);
    switch (m) {
    case AM_MEAN:
        if (w->hist && hist_count(w->hist))
            return hist_mean(w->hist);
        /* real_time is the mean per operation */
        __attribute__((fallthrough));
    case AM_REAL:
        return scale > 0 && !w->aggregate_is_pct ? w->real_time / scale : NAN;
    case AM_CPU:
        return scale > 0 && !w->aggregate_is_pct ? w->cpu_time / scale : NAN;
    case AM_IOPS:
        return w->items_per_second;
    case AM_BW:
        return w->bytes_per_second;
    default:
        if (w->hist && hist_count(w->hist))
            return m == AM_MIN   ? hist_min(w->hist)
                   : m == AM_MAX ? hist_max(w->hist)
                                 : hist_percentile(w->hist, d->pct);
        return vb_row_counter(w, d->counter);
    }
}

struct an_bench *an_set_find(const struct an_set *s, const char *name)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->b[i].name, name) == 0)
            return &s->b[i];
    return NULL;
}

/* The bench for a row: the hint first (rows of a run come in the same order), then all. */
static struct an_bench *bench_get(struct an_set *s, const char *name, size_t *hint)
{
    struct an_bench *b;

    if (*hint < s->n && strcmp(s->b[*hint].name, name) == 0)
        return &s->b[*hint];
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->b[i].name, name) == 0) {
            *hint = i + 1;
            return &s->b[i];
        }
    if (s->n == s->cap) {
        size_t nc = s->cap ? s->cap * 2 : 64;
        struct an_bench *nb = realloc(s->b, nc * sizeof(*nb));
        if (!nb)
            return NULL;
        s->b = nb;
        s->cap = nc;
    }
    b = &s->b[s->n];
    memset(b, 0, sizeof(*b));
    b->flows = b->rate = NAN;
    b->first = s->seq++;
    if (!(b->name = strdup(name)))
        return NULL;
    *hint = ++s->n;
    return b;
}

static int bench_add_row(struct an_bench *b, struct vb_row *w, struct an_hist **sh, int run)
{
    if (w->error_occurred) {
        if (!b->skip && b->nrows == 0 &&
            !(b->skip = strdup(w->error_message ? w->error_message : "error")))
            return -ENOMEM;
        return 0;
    }
    if (b->nrows == b->cap) {
        int nc = b->cap ? b->cap * 2 : 4;
        double *nv = realloc(b->vals, (size_t)nc * AM_NMETRICS * sizeof(*nv));
        int *nr;
        if (!nv)
            return -ENOMEM;
        b->vals = nv;
        if (!(nr = realloc(b->runs, (size_t)nc * sizeof(*nr))))
            return -ENOMEM;
        b->runs = nr;
        if (!(nv = realloc(b->preempt, (size_t)nc * sizeof(*nv))))
            return -ENOMEM;
        b->preempt = nv;
        b->cap = nc;
    }
    for (int m = 0; m < AM_NMETRICS; m++)
        AN_VAL(b, b->nrows, m) = an_row_value_h(w, *sh, m);
    b->noisy += vb_row_counter(w, "noisy") > 0;
    b->runs[b->nrows] = run;
    b->preempt[b->nrows] = vb_row_preempt(w);
    if (b->nrows == 0) {
        free(b->skip);
        b->skip = NULL;
        if (w->info)
            b->info = json_incref(w->info);
        b->flows = vb_row_counter(w, "flows");
        b->rate = vb_row_counter(w, "target_rate");
    }
    if (*sh && (*sh)->count) {
        if (!b->hist && b->nohist == 0 && b->nrows == 0) {
            b->hist = *sh; /* taken over */
            *sh = NULL;
        } else if (b->hist && an_hist_add(b->hist, *sh)) {
            return -ENOMEM;
        }
    } else {
        b->nohist++;
        an_hist_free(b->hist);
        b->hist = NULL;
    }
    b->nrows++;
    return 0;
}

int an_set_add_run(struct an_set *s, struct vb_run *r, struct an_rowhists *h)
{
    size_t hint = 0;
    int iter_rows = 0;

    for (size_t i = 0; i < r->nrows; i++)
        iter_rows += r->rows[i].run_type == VB_ITERATION;
    for (size_t i = 0; i < r->nrows; i++) {
        struct vb_row *w = &r->rows[i];
        struct an_bench *b;
        const char *name = w->run_name ? w->run_name : w->name;
        /* Aggregates only count when a program reported nothing else (median rows). */
        if (w->run_type == VB_AGGREGATE &&
            (iter_rows || !w->aggregate_name || strcmp(w->aggregate_name, "median") != 0))
            continue;
        struct an_hist *sh = an_rowhists_take(h, i);
        if (!sh && w->hist && hist_count(w->hist) && !(sh = an_hist_from(w->hist)))
            return -ENOMEM;
        if (!(b = bench_get(s, name, &hint)) || bench_add_row(b, w, &sh, (int)s->nruns)) {
            an_hist_free(sh);
            return -ENOMEM;
        }
        an_hist_free(sh); /* not taken over (merged, or an error row) */
    }
    s->nruns++;
    return 0;
}

void an_set_free(struct an_set *s)
{
    for (size_t i = 0; i < s->n; i++) {
        free(s->b[i].name);
        an_hist_free(s->b[i].hist);
        free(s->b[i].vals);
        free(s->b[i].runs);
        free(s->b[i].preempt);
        json_decref(s->b[i].info);
        free(s->b[i].skip);
    }
    free(s->b);
    free(s->label);
    free(s->ids);
    free(s->run_ids);
    memset(s, 0, sizeof(*s));
}

int an_bench_rep_runs(const struct an_bench *b, int metric, int *out, int max)
{
    int n = 0;
    for (int r = 0; r < b->nrows; r++) {
        if (!isfinite(AN_VAL(b, r, metric)))
            continue;
        if (out && n < max)
            out[n] = b->runs ? b->runs[r] : 0;
        n++;
    }
    return n;
}

double an_bench_preempt(const struct an_bench *b)
{
    double tmp[64], *v = tmp, med = NAN;
    int n = 0;

    if (!b->preempt || b->nrows == 0)
        return NAN;
    if (b->nrows > 64 && !(v = malloc((size_t)b->nrows * sizeof(*v))))
        return NAN;
    for (int r = 0; r < b->nrows; r++)
        if (isfinite(b->preempt[r]))
            v[n++] = b->preempt[r];
    if (n * 2 >= b->nrows && n > 0)
        med = reps_median(v, n);
    if (v != tmp)
        free(v);
    return med;
}

int an_bench_reps(const struct an_bench *b, int metric, double *out, int max)
{
    int n = 0;
    for (int r = 0; r < b->nrows; r++) {
        double v = AN_VAL(b, r, metric);
        if (!isfinite(v))
            continue;
        if (out && n < max)
            out[n] = v;
        n++;
    }
    return n;
}

double an_bench_value(const struct an_bench *b, int metric)
{
    double tmp[64], *v = tmp, med;
    int n;

    /* extremes are the extremes of everything; every other figure combines the
       repetitions, each weighing the same (AN_AGGREGATION) */
    if (b->hist && b->hist->count) {
        if (metric == AM_MIN)
            return b->hist->min;
        if (metric == AM_MAX)
            return b->hist->max;
    }
    n = an_bench_reps(b, metric, NULL, 0);
    if (n == 0)
        return NAN;
    if (n > 64 && !(v = malloc((size_t)n * sizeof(*v))))
        return NAN;
    an_bench_reps(b, metric, v, n);
    med = metric == AM_MAX ? v[0] : metric == AM_MIN ? v[0] : 0;
    if (metric == AM_MAX || metric == AM_MIN) {
        for (int i = 1; i < n; i++)
            med = metric == AM_MAX ? fmax(med, v[i]) : fmin(med, v[i]);
    } else {
        med = reps_geomean(v, n); /* zeros: the median */
    }
    if (v != tmp)
        free(v);
    return med;
}

int an_parse_frac(const char *s, double *out)
{
    char *end;
    double v = strtod(s, &end);

    if (end == s || !isfinite(v) || v < 0)
        return -EINVAL;
    if (*end == '%' && end[1] == 0)
        v /= 100;
    else if (*end)
        return -EINVAL;
    *out = v;
    return 0;
}
