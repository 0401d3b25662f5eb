/*
 * Capacity sweeps, shared by `analyze capacity` and `analyze plot capacity`. A sweep is a
 * family of rows that differ only in load: storage rows "storage/uring/<pattern>/bs:<size>/
 * qd:<depth>" (queue depth), network rows ".../flows:<F>" (concurrent connections, closed
 * loop) or rows run at several open-loop rates (the target_rate counter, `viobench run
 * --rate`). Each point of a family is one load level of one pairing, merged over its runs:
 * throughput X (median items_per_second over repetitions: IOPS or transactions/s), p99 (the
 * merged histogram's) and mean latency W (the merged histogram's mean).
 *
 * Little's law (L = X W) checks a point: with a closed loop of N outstanding operations
 * (QD, flows) the measured X W should be N; the ratio X W / N far from 1 means the load
 * generator did not keep N in flight (submission batching, a saturated CPU) or the
 * latency does not cover the whole operation.
 */
#include "analyze.h"
#include "log.h"
#include "match.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The load level of a row: "qd:N" or "flows:N" in its name (family gets "qd:*"), else the
   target_rate counter. 0 when the row is not part of a sweep. */
static int sweep_level(const struct vb_row *w, const char *name, char *family, size_t flen,
                       int *kind, double *level)
{
    static const char *const comps[] = {"qd:", "flows:"};
    for (int k = 0; k < 2; k++) {
        const char *p = strstr(name, comps[k]);
        char *end;
        if (!p || (p != name && p[-1] != '/'))
            continue;
        *level = strtod(p + strlen(comps[k]), &end);
        if (end == p + strlen(comps[k]) || (*end && *end != '/'))
            continue;
        snprintf(family, flen, "%.*s%s*%s", (int)(p - name), name, comps[k], end);
        *kind = k == 0 ? AN_LOAD_QD : AN_LOAD_FLOWS;
        return 1;
    }
    *level = vb_row_counter(w, "target_rate");
    if (isfinite(*level) && *level > 0) {
        snprintf(family, flen, "%s", name);
        *kind = AN_LOAD_RATE;
        return 1;
    }
    /* net/tcp_rr/size:64 is the one-flow point of net/tcp_rr/size:64/flows:* */
    *level = vb_row_counter(w, "flows");
    if (isfinite(*level) && *level >= 1) {
        snprintf(family, flen, "%s/flows:*", name);
        *kind = AN_LOAD_FLOWS;
        return 1;
    }
    return 0;
}

struct acc {
    struct an_cap *cap;
    const char *filter;
};

static struct an_cap_point *point_get(struct an_cap *c, const char *pairing, const char *family,
                                      int kind, double level)
{
    struct an_cap_point *p;
    for (size_t i = 0; i < c->n; i++) {
        p = &c->p[i];
        if (p->kind == kind && p->level == level && strcmp(p->family, family) == 0 &&
            strcmp(p->pairing, pairing) == 0)
            return p;
    }
    if (c->n == c->capn) {
        size_t nc = c->capn ? c->capn * 2 : 64;
        struct an_cap_point *np = realloc(c->p, nc * sizeof(*np));
        if (!np)
            return NULL;
        c->p = np;
        c->capn = nc;
    }
    p = &c->p[c->n];
    memset(p, 0, sizeof(*p));
    p->kind = kind;
    p->level = level;
    if (!(p->family = strdup(family)) || !(p->pairing = strdup(pairing)) ||
        !(p->hist = calloc(1, sizeof(*p->hist))))
        return NULL;
    c->n++;
    return p;
}

static int on_run(const struct store_run_info *ri, struct vb_run *r, struct an_rowhists *h,
                  void *arg)
{
    struct acc *a = arg;
    char pairing[1024], family[512];

    an_pairing_label(ri, pairing, sizeof(pairing));
    for (size_t i = 0; i < r->nrows; i++) {
        const struct vb_row *w = &r->rows[i];
        const char *name = w->run_name ? w->run_name : w->name;
        struct an_cap_point *p;
        double level, x;
        int kind;
        if (w->run_type != VB_ITERATION || w->error_occurred)
            continue;
        if (a->filter && !match_filter(a->filter, name))
            continue;
        if (!sweep_level(w, name, family, sizeof(family), &kind, &level))
            continue;
        if (!(p = point_get(a->cap, pairing, family, kind, level)))
            goto nomem;
        x = w->items_per_second;
        if (isfinite(x)) {
            double *nx = realloc(p->xs, sizeof(double) * (size_t)(p->nx + 1));
            if (!nx)
                goto nomem;
            p->xs = nx;
            p->xs[p->nx++] = x;
        }
        if (an_rowhists_get(h, i) && an_rowhists_get(h, i)->count) {
            if (an_hist_add(p->hist, an_rowhists_get(h, i)))
                goto nomem;
        } else if (w->hist && hist_count(w->hist)) {
            if (an_hist_merge(p->hist, w->hist))
                goto nomem;
        } else {
            double *nl = realloc(p->p99s, sizeof(double) * (size_t)(p->np99 + 1));
            double *nm = realloc(p->means, sizeof(double) * (size_t)(p->np99 + 1));
            if (nl)
                p->p99s = nl;
            if (nm)
                p->means = nm;
            if (!nl || !nm)
                goto nomem;
            p->p99s[p->np99] = vb_row_counter(w, "p99_ns");
            p->means[p->np99++] = an_row_value(w, AM_MEAN);
        }
    }
    return 0;
nomem:
    vb_err("out of memory");
    return -1;
}

static int cmp_point(const void *x, const void *y)
{
    const struct an_cap_point *a = x, *b = y;
    int c = strcmp(a->pairing, b->pairing);
    if (!c)
        c = strcmp(a->family, b->family);
    if (!c)
        c = a->level < b->level ? -1 : a->level > b->level;
    return c;
}

int an_capacity_build(struct an_ctx *c, const char *const *words, int nwords, const char *since,
                      const char *until, const char *filter, struct an_cap *out)
{
    struct acc a = {.cap = out, .filter = filter};

    memset(out, 0, sizeof(*out));
    if (an_each_input(c, words, nwords, since, until, 0, on_run, &a))
        return -1;
    if (out->n == 0) {
        vb_err("%s: no sweep in the selected runs%s%s (rows named .../qd:N or .../flows:N, or "
               "run at several --rate values)",
               c->cmd, filter ? " matching " : "", filter ? filter : "");
        return -1;
    }
    qsort(out->p, out->n, sizeof(*out->p), cmp_point);
    for (size_t i = 0; i < out->n; i++) {
        struct an_cap_point *p = &out->p[i];
        p->x = p->nx ? an_median(p->xs, p->nx) : NAN;
        if (p->hist->count) {
            p->p99 = an_hist_percentile(p->hist, 99);
            p->mean = an_hist_mean(p->hist);
        } else {
            p->p99 = an_median(p->p99s, p->np99);
            p->mean = an_median(p->means, p->np99);
        }
        p->inflight = p->x * p->mean / 1e9;
        p->little = p->kind == AN_LOAD_RATE ? NAN : p->inflight / p->level;
    }
    return 0;
}

void an_capacity_free(struct an_cap *c)
{
    for (size_t i = 0; i < c->n; i++) {
        free(c->p[i].family);
        free(c->p[i].pairing);
        free(c->p[i].xs);
        free(c->p[i].p99s);
        free(c->p[i].means);
        an_hist_free(c->p[i].hist);
    }
    free(c->p);
    memset(c, 0, sizeof(*c));
}

int an_capacity_knee(const struct an_cap *c, size_t from, size_t to, double budget, int *nonmono)
{
    int best = -1;
    double bv = -1, hi = 0;
    int over = 0;

    /* p99 falling by more than 10% as the load rises: the sweep is not monotonic */
    *nonmono = -1;
    for (size_t i = from; i < to; i++) {
        const struct an_cap_point *p = &c->p[i];
        if (!isfinite(p->p99))
            continue;
        if (*nonmono < 0 && hi > 0 && p->p99 < 0.9 * hi)
            *nonmono = (int)i;
        hi = fmax(hi, p->p99);
    }
    for (size_t i = from; i < to; i++) {
        const struct an_cap_point *p = &c->p[i];
        double v;
        if (!isfinite(p->x) || !isfinite(p->p99) || !(p->p99 > 0))
            continue;
        /* with a budget, the knee is the last load before the first one over it */
        if (isfinite(budget) && (over || p->p99 > budget)) {
            over = 1;
            continue;
        }
        v = isfinite(budget) ? p->x : p->x / p->p99; /* Kleinrock's power without a budget */
        if (v > bv) {
            bv = v;
            best = (int)i;
        }
    }
    return best;
}

const char *an_load_name(int kind)
{
    return kind == AN_LOAD_QD ? "qd" : kind == AN_LOAD_FLOWS ? "flows" : "rate";
}
