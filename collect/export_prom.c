/*
 * `viobench export --format prometheus`: stored runs as Prometheus text exposition 0.0.4,
 * for a Pushgateway or node_exporter's textfile collector. Per run and benchmark (all its
 * repetitions merged) two families in base units (seconds):
 *   viobench_latency_seconds            histogram: _bucket{le} cumulative ending at +Inf,
 *                                       _sum, _count
 *   viobench_latency_quantiles_seconds  summary: the exact p50/p90/p99/p99.9 viobench
 *                                       computes, _sum, _count
 * labelled with run_id, benchmark, source, tool_version and the pairing keys (values
 * escaped as the format asks). viobench's 5,000-odd buckets would make huge series, so
 * the histogram's boundaries are every 16th of them: 2^e x (1 + j/8), eight per octave,
 * always on edges of viobench's own buckets, so every cumulative count is exact and a
 * quantile Prometheus interpolates inside a bucket is off by at most its width (6.25% to
 * 12.5%); the summary carries the exact figures. One file uses one set of boundaries, the
 * span of all its data, so its series add up by le.
 */
#include "export.h"
#include "hist.h"
#include "log.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define GROUP 16 /* viobench buckets per Prometheus bucket */

struct series {
    char labels[4096];
    const char *bench; /* while its run is loaded */
    struct hist *h;
};

struct all {
    struct series *v;
    size_t n, cap;
};

static void put_label(char *buf, size_t len, size_t *o, const char *k, const char *v)
{
    if (*o + 8 + strlen(k) >= len)
        return;
    *o += (size_t)snprintf(buf + *o, len - *o, "%s%s=\"", *o ? "," : "", k);
    for (; *v && *o + 4 < len; v++) {
        if (*v == '\\' || *v == '"') {
            buf[(*o)++] = '\\';
            buf[(*o)++] = *v;
        } else if (*v == '\n') {
            buf[(*o)++] = '\\';
            buf[(*o)++] = 'n';
        } else {
            buf[(*o)++] = *v;
        }
    }
    buf[(*o)++] = '"';
    buf[*o] = 0;
}

static void run_labels(const struct store_run_info *r, const char *bench, char *buf, size_t len)
{
    size_t o = 0;
    buf[0] = 0;
    put_label(buf, len, &o, "run_id", r->run_id);
    put_label(buf, len, &o, "benchmark", bench);
    put_label(buf, len, &o, "source", r->source);
    put_label(buf, len, &o, "tool_version", r->tool_version);
    for (int k = 0; k < SP_NKEYS; k++)
        put_label(buf, len, &o, store_pairing_keys[k], r->pairing.v[k]);
}

/* The series of one run: one per benchmark with a measured histogram. */
static int add_run(struct store *s, const struct store_run_info *r, struct all *a)
{
    struct vb_run run;
    size_t first = a->n;
    int ret = export_load(s, r, &run);

    if (ret)
        return ret;
    for (size_t i = 0; i < run.nrows && !ret; i++) {
        const struct vb_row *w = &run.rows[i];
        size_t j;
        if (w->run_type != VB_ITERATION || !w->hist || !hist_count(w->hist))
            continue;
        for (j = first; j < a->n && strcmp(a->v[j].bench, w->run_name); j++)
            ;
        if (j == a->n) {
            if (a->n == a->cap) {
                size_t nc = a->cap ? a->cap * 2 : 16;
                struct series *nv = realloc(a->v, nc * sizeof(*nv));
                if (!nv) {
                    ret = -ENOMEM;
                    break;
                }
                a->v = nv;
                a->cap = nc;
            }
            if (!(a->v[j].h = hist_new())) {
                ret = -ENOMEM;
                break;
            }
            a->v[j].bench = w->run_name;
            run_labels(r, w->run_name, a->v[j].labels, sizeof(a->v[j].labels));
            a->n++;
        }
        hist_merge(a->v[j].h, w->hist);
    }
    for (size_t j = first; j < a->n; j++)
        a->v[j].bench = NULL;
    vb_run_free(&run);
    if (ret == -ENOMEM)
        vb_err("export: prometheus: out of memory");
    return ret;
}

static void put_bucket(FILE *f, const char *labels, double le_s, uint64_t c)
{
    fprintf(f, "viobench_latency_seconds_bucket{%s,le=\"%.10g\"} %llu\n", labels, le_s,
            (unsigned long long)c);
}

static void write_all(FILE *f, const struct all *a)
{
    static const double q[] = {0.5, 0.9, 0.99, 0.999};
    int g0 = HIST_NBUCKETS / GROUP, g1 = -1;

    for (size_t i = 0; i < a->n; i++)
        for (int b = 0; b < HIST_NBUCKETS; b++)
            if (a->v[i].h->counts[b]) {
                if (b / GROUP < g0)
                    g0 = b / GROUP;
                if (b / GROUP > g1)
                    g1 = b / GROUP;
            }
    fprintf(f, "# HELP viobench_latency_seconds Latency of one operation measured by viobench, "
               "all repetitions of a benchmark in a run.\n"
               "# TYPE viobench_latency_seconds histogram\n");
    for (size_t i = 0; i < a->n; i++) {
        const struct hist *h = a->v[i].h;
        uint64_t cum = 0;
        for (int b = 0; b < g0 * GROUP; b++)
            cum += h->counts[b];
        for (int g = g0; g <= g1; g++) {
            for (int b = g * GROUP; b < (g + 1) * GROUP; b++)
                cum += h->counts[b];
            put_bucket(f, a->v[i].labels, hist_bucket_low((g + 1) * GROUP) * 1e-9, cum);
        }
        fprintf(f, "viobench_latency_seconds_bucket{%s,le=\"+Inf\"} %llu\n", a->v[i].labels,
                (unsigned long long)hist_count(h));
        fprintf(f, "viobench_latency_seconds_sum{%s} %.17g\n", a->v[i].labels, h->sum * 1e-9);
        fprintf(f, "viobench_latency_seconds_count{%s} %llu\n", a->v[i].labels,
                (unsigned long long)hist_count(h));
    }
    fprintf(f, "# HELP viobench_latency_quantiles_seconds Exact latency percentiles of the same "
               "histograms, as viobench computes them.\n"
               "# TYPE viobench_latency_quantiles_seconds summary\n");
    for (size_t i = 0; i < a->n; i++) {
        const struct hist *h = a->v[i].h;
        for (size_t k = 0; k < sizeof(q) / sizeof(q[0]); k++)
            fprintf(f, "viobench_latency_quantiles_seconds{%s,quantile=\"%g\"} %.10g\n",
                    a->v[i].labels, q[k], hist_percentile(h, q[k] * 100) * 1e-9);
        fprintf(f, "viobench_latency_quantiles_seconds_sum{%s} %.17g\n", a->v[i].labels,
                h->sum * 1e-9);
        fprintf(f, "viobench_latency_quantiles_seconds_count{%s} %llu\n", a->v[i].labels,
                (unsigned long long)hist_count(h));
    }
}

int export_prometheus(FILE *f, struct store *s, const struct store_run_info *runs, size_t n)
{
    struct all a = {0};
    int ret = 0;

    for (size_t i = 0; i < n && !ret; i++)
        ret = add_run(s, &runs[i], &a);
    if (!ret && !a.n) {
        vb_err("export: prometheus: no selected run has histograms (Google Benchmark and plain "
               "fio imports carry none)");
        ret = -ENOENT;
    }
    if (!ret)
        write_all(f, &a);
    for (size_t i = 0; i < a.n; i++)
        hist_free(a.v[i].h);
    free(a.v);
    return ret;
}
