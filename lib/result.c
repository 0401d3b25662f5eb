/*
 * The in-memory result model: rows, counters, errors and Google Benchmark-style aggregates.
 * Serialisation lives in result_json.c, result_csv.c and result_dir.c.
 */
#include "result.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int vb_run_init(struct vb_run *r)
{
    memset(r, 0, sizeof(*r));
    r->context = json_object();
    return r->context ? 0 : -ENOMEM;
}

static void row_free(struct vb_row *row)
{
    free(row->name);
    free(row->run_name);
    free(row->aggregate_name);
    free(row->label);
    free(row->error_message);
    for (size_t i = 0; i < row->ncounters; i++)
        free(row->counters[i].name);
    free(row->counters);
    json_decref(row->info);
    hist_free(row->hist);
}

void vb_run_free(struct vb_run *r)
{
    for (size_t i = 0; i < r->nrows; i++)
        row_free(&r->rows[i]);
    free(r->rows);
    json_decref(r->context);
    memset(r, 0, sizeof(*r));
}

struct vb_row *vb_run_add_row(struct vb_run *r, const char *name)
{
    struct vb_row *row;

    if (r->nrows == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 32;
        struct vb_row *n = realloc(r->rows, cap * sizeof(*n));
        if (!n)
            return NULL;
        r->rows = n;
        r->cap = cap;
    }
    row = &r->rows[r->nrows];
    memset(row, 0, sizeof(*row));
    row->name = strdup(name);
    row->run_name = strdup(name);
    if (!row->name || !row->run_name) {
        free(row->name);
        free(row->run_name);
        return NULL;
    }
    strcpy(row->time_unit, "ns");
    row->bytes_per_second = NAN;
    row->items_per_second = NAN;
    row->threads = 1;
    row->repetitions = 1;
    r->nrows++;
    return row;
}

int vb_row_set_counter(struct vb_row *row, const char *name, double value)
{
    for (size_t i = 0; i < row->ncounters; i++)
        if (strcmp(row->counters[i].name, name) == 0) {
            row->counters[i].value = value;
            return 0;
        }
    return vb_row_add_counter(row, name, value);
}

int vb_row_add_counter(struct vb_row *row, const char *name, double value)
{
    struct vb_counter *n;

    /* The array's capacity is ncounters rounded up to a power of two (at least 8): grow
       geometrically, so appending many counters stays linear. */
    if (row->ncounters >= 8 && (row->ncounters & (row->ncounters - 1)) == 0) {
        n = realloc(row->counters, 2 * row->ncounters * sizeof(*n));
        if (!n)
            return -ENOMEM;
        row->counters = n;
    } else if (!row->counters) {
        if (!(row->counters = malloc(8 * sizeof(*n))))
            return -ENOMEM;
    }
    n = row->counters;
    n[row->ncounters].name = strdup(name);
    if (!n[row->ncounters].name)
        return -ENOMEM;
    n[row->ncounters].value = value;
    row->ncounters++;
    return 0;
}

double vb_row_counter(const struct vb_row *row, const char *name)
{
    for (size_t i = 0; i < row->ncounters; i++)
        if (strcmp(row->counters[i].name, name) == 0)
            return row->counters[i].value;
    return NAN;
}

double vb_row_preempt(const struct vb_row *row)
{
    double ic = vb_row_counter(row, "invol_csw"), ns = vb_row_counter(row, "samples");
    return isfinite(ic) && ic >= 0 && ns > 0 ? ic / ns : NAN;
}

int vb_row_set_error(struct vb_row *row, int skipped, const char *msg)
{
    char *m = strdup(msg ? msg : "");
    if (!m)
        return -ENOMEM;
    free(row->error_message);
    row->error_message = m;
    row->error_occurred = 1;
    row->skipped = skipped;
    return 0;
}

double vb_time_unit_scale(const char *unit)
{
    if (strcmp(unit, "ns") == 0)
        return 1;
    if (strcmp(unit, "us") == 0)
        return 1e-3;
    if (strcmp(unit, "ms") == 0)
        return 1e-6;
    if (strcmp(unit, "s") == 0)
        return 1e-9;
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* mean, median, stddev (sample) and cv of n values; v is sorted in place. */
static void stats(double *v, size_t n, double out[4])
{
    double sum = 0, ss = 0, mean;
    for (size_t i = 0; i < n; i++)
        sum += v[i];
    mean = sum / (double)n;
    for (size_t i = 0; i < n; i++)
        ss += (v[i] - mean) * (v[i] - mean);
    qsort(v, n, sizeof(*v), cmp_double);
    out[0] = mean;
    out[1] = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    out[2] = n > 1 ? sqrt(ss / (double)(n - 1)) : 0;
    out[3] = mean != 0 ? out[2] / mean : 0;
}

/* Indices of the measured iteration rows named run_name, in order. */
static size_t members(const struct vb_run *r, const char *run_name, size_t *idx)
{
    size_t n = 0;
    for (size_t i = 0; i < r->nrows; i++) {
        const struct vb_row *w = &r->rows[i];
        if (w->run_type == VB_ITERATION && !w->error_occurred && strcmp(w->run_name, run_name) == 0)
            idx[n++] = i;
    }
    return n;
}

static int add_aggregates_for(struct vb_run *r, const char *run_name, const size_t *idx, size_t n)
{
    static const char *agg[4] = {"mean", "median", "stddev", "cv"};
    double *v = malloc(n * sizeof(*v));
    double rt[4], ct[4], bps[4], ips[4];
    int ret = -ENOMEM;
    struct vb_row first;

    if (!v)
        return -ENOMEM;
    first = r->rows[idx[0]]; /* shallow copy: r->rows moves as rows are added */
#define COLLECT(expr, out)                             \
    do {                                               \
        for (size_t k = 0; k < n; k++) {               \
            const struct vb_row *w = &r->rows[idx[k]]; \
            v[k] = (expr);                             \
        }                                              \
        stats(v, n, out);                              \
    } while (0)
    COLLECT(w->real_time, rt);
    COLLECT(w->cpu_time, ct);
    COLLECT(w->bytes_per_second, bps);
    COLLECT(w->items_per_second, ips);
    for (int a = 0; a < 4; a++) {
        char name[1024];
        struct vb_row *row;
        snprintf(name, sizeof(name), "%s_%s", run_name, agg[a]);
        row = vb_run_add_row(r, name);
        if (!row)
            goto out;
        free(row->run_name);
        row->run_name = strdup(run_name);
        row->aggregate_name = strdup(agg[a]);
        if (!row->run_name || !row->aggregate_name)
            goto out;
        row->run_type = VB_AGGREGATE;
        row->aggregate_is_pct = a == 3;
        row->repetitions = (int)n;
        row->threads = first.threads;
        row->iterations = n;
        memcpy(row->time_unit, first.time_unit, sizeof(row->time_unit));
        row->real_time = rt[a];
        row->cpu_time = ct[a];
        row->bytes_per_second = bps[a];
        row->items_per_second = ips[a];
        for (size_t c = 0; c < first.ncounters; c++) {
            double cs[4];
            const char *cname = r->rows[idx[0]].counters[c].name;
            COLLECT(vb_row_counter(w, cname), cs);
            if (vb_row_set_counter(&r->rows[r->nrows - 1], cname, cs[a]))
                goto out;
        }
    }
#undef COLLECT
    ret = 0;
out:
    free(v);
    return ret;
}

int vb_run_add_aggregates(struct vb_run *r)
{
    size_t nrows = r->nrows, *idx = malloc((nrows ? nrows : 1) * sizeof(*idx));
    int ret = 0;

    if (!idx)
        return -ENOMEM;
    for (size_t i = 0; i < nrows && !ret; i++) {
        const struct vb_row *w = &r->rows[i];
        size_t n;
        char *run_name;
        if (w->run_type != VB_ITERATION || w->error_occurred || w->repetition_index != 0)
            continue;
        n = members(r, w->run_name, idx);
        if (n < 2)
            continue;
        run_name = strdup(w->run_name);
        if (!run_name) {
            ret = -ENOMEM;
            break;
        }
        ret = add_aggregates_for(r, run_name, idx, n);
        free(run_name);
    }
    free(idx);
    return ret;
}
