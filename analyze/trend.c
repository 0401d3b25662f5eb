/*
 * Series over versions, shared by `analyze trend` and `analyze plot trend`: every run's
 * value of the --by key (a version key, e.g. kernel or hypervisor_version) is a point on
 * the x axis; runs are grouped into pairings by the --group keys (by default the pairing
 * keys that are not versions: hypervisor, guest_os, cpu_model, clocksource) and one series
 * is drawn per benchmark x pairing. A point's value is the median over every measured row
 * (repetitions of every run) of that version, and every repetition's value is kept with
 * it. Points are ordered by semantic version (semver.c) when every value is a version,
 * else by the earliest start of a run with that value (the date fallback).
 *
 * Change points: E-divisive means over the points places a change (edivisive.c); the
 * change is then tested over the repetitions on both sides (Welch's t on the logarithms of
 * every repetition of the points between the neighbouring changes, p < --pvalue); but
 * when the points scatter more than their repetitions explain (an F-test), versions
 * differ by more than repetition noise and the test is over the point values instead, so
 * version-to-version scatter with tight repetitions is not called a change. A short
 * history (7 versions x 3 repetitions) thus has 21 values to decide with, not 7. What a
 * threshold of AN_NEAR_P would add is kept as near-misses.
 *
 * Without --metric, rows that lack the default metric (Google Benchmark programs: no
 * histogram, no p50) use real_time, per series, and the series says so.
 */
#include "analyze.h"
#include "log.h"
#include "match.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A string -> index map, open addressing (FNV-1a). */
struct smap {
    size_t cap, n;
    char **keys;
    int *vals;
};

static uint64_t fnv(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

/* Index of key, inserting it with value next when absent; -1 on ENOMEM. */
static int smap_get(struct smap *m, const char *key, int next, int *inserted)
{
    size_t i;
    *inserted = 0;
    if ((m->n + 1) * 2 > m->cap) {
        size_t nc = m->cap ? m->cap * 2 : 256;
        char **nk = calloc(nc, sizeof(*nk));
        int *nv = calloc(nc, sizeof(*nv));
        if (!nk || !nv) {
            free(nk);
            free(nv);
            return -1;
        }
        for (size_t k = 0; k < m->cap; k++)
            if (m->keys[k]) {
                size_t j = fnv(m->keys[k]) & (nc - 1);
                while (nk[j])
                    j = (j + 1) & (nc - 1);
                nk[j] = m->keys[k];
                nv[j] = m->vals[k];
            }
        free(m->keys);
        free(m->vals);
        m->keys = nk;
        m->vals = nv;
        m->cap = nc;
    }
    for (i = fnv(key) & (m->cap - 1); m->keys[i]; i = (i + 1) & (m->cap - 1))
        if (strcmp(m->keys[i], key) == 0)
            return m->vals[i];
    if (!(m->keys[i] = strdup(key)))
        return -1;
    m->vals[i] = next;
    m->n++;
    *inserted = 1;
    return next;
}

static void smap_free(struct smap *m)
{
    for (size_t i = 0; i < m->cap; i++)
        free(m->keys[i]);
    free(m->keys);
    free(m->vals);
}

/* Points scattering more than their repetitions explain at this level make the points,
   not the repetitions, the unit of trend's test. */
#define AN_TREND_SCATTER_P 0.05

struct pt {
    int vid;
    double v;
};

/* Repetition-level test of a change between points [s, t) and [t, e) of a series, on the
   logarithms. When the points scatter more than their repetitions explain (an F-test of
   the variance of the point means around their side's mean against the repetitions'
   variance / repetitions per point, p < AN_TREND_SCATTER_P), versions differ by more than
   repetition noise and the points are the unit: Welch's t over the point values. Else
   every repetition is: Welch's t over all of them. */
static double reps_test(void *arg, int s, int t, int e, double *rel)
{
    const struct an_series *se = arg;
    double n[2] = {0, 0}, sum[2] = {0, 0}, ss[2] = {0, 0}, pn[2] = {0, 0}, ps[2] = {0, 0},
           pss[2] = {0, 0}, ssr = 0, dfr = 0, inv_k = 0;

    for (int i = s; i < e; i++) {
        int side = i >= t, k = 0;
        double m = 0, q = 0;
        for (int j = 0; j < se->nvals[i]; j++) {
            double v = se->vals[se->off[i] + j];
            if (!(v > 0))
                continue;
            n[side]++;
            sum[side] += log(v);
            ss[side] += log(v) * log(v);
            m += log(v);
            q += log(v) * log(v);
            k++;
        }
        if (!k)
            continue;
        ssr += q - m * m / k;
        dfr += k - 1;
        inv_k += 1.0 / k;
        m /= k;
        pn[side]++;
        ps[side] += m;
        pss[side] += m * m;
    }
    *rel = n[0] && n[1] ? exp(sum[1] / n[1] - sum[0] / n[0]) - 1 : 0;
    {
        double dfp = pn[0] + pn[1] - 2, ssp = 0, f, pf = 1;
        for (int k = 0; k < 2; k++)
            if (pn[k] > 0)
                ssp += pss[k] - ps[k] * ps[k] / pn[k];
        if (dfp > 0 && dfr > 0 && ssr > 0) {
            /* var of point means vs what the repetitions predict (mean 1/k per point) */
            f = (ssp / dfp) / (ssr / dfr * inv_k / (pn[0] + pn[1]));
            pf = f > 0 ? an_betainc(dfr / 2, dfp / 2, dfr / (dfr + dfp * f)) : 1;
        } else if (dfp > 0 && ssp > 0) {
            pf = 0; /* one value per point: the points are all there is */
        }
        if (pf < AN_TREND_SCATTER_P)
            return pn[0] >= 2 && pn[1] >= 2 ? an_welch_p(pn[0], ps[0], pss[0], pn[1], ps[1], pss[1])
                                            : 1;
    }
    return an_welch_p(n[0], sum[0], ss[0], n[1], sum[1], ss[1]);
}

struct build {
    const struct an_trend_opts *o;
    struct an_trend *t;
    struct smap vmap, smap;
    struct pt **pts; /* per series */
    int *npts, *cappts;
    size_t scap;
    char **group_keys;
    int ngroup;
};

static int add_point(struct build *b, int si, int vid, double v)
{
    if (b->npts[si] == b->cappts[si]) {
        int nc = b->cappts[si] ? b->cappts[si] * 2 : 16;
        struct pt *np = realloc(b->pts[si], sizeof(*np) * (size_t)nc);
        if (!np)
            return -1;
        b->pts[si] = np;
        b->cappts[si] = nc;
    }
    b->pts[si][b->npts[si]++] = (struct pt){vid, v};
    return 0;
}

static int new_series(struct build *b, const char *bench, const char *group)
{
    struct an_trend *t = b->t;
    if (t->nseries == b->scap) {
        size_t nc = b->scap ? b->scap * 2 : 64;
        struct an_series *ns = realloc(t->s, nc * sizeof(*ns));
        struct pt **np = realloc(b->pts, nc * sizeof(*np));
        int *nn = realloc(b->npts, nc * sizeof(*nn)), *nca;
        if (ns)
            t->s = ns;
        if (np)
            b->pts = np;
        if (nn)
            b->npts = nn;
        nca = realloc(b->cappts, nc * sizeof(*nca));
        if (nca)
            b->cappts = nca;
        if (!ns || !np || !nn || !nca)
            return -1;
        b->scap = nc;
    }
    memset(&t->s[t->nseries], 0, sizeof(t->s[0]));
    t->s[t->nseries].bench = strdup(bench);
    t->s[t->nseries].group = strdup(group);
    b->pts[t->nseries] = NULL;
    b->npts[t->nseries] = b->cappts[t->nseries] = 0;
    if (!t->s[t->nseries].bench || !t->s[t->nseries].group)
        return -1;
    return (int)t->nseries++;
}

static int on_run(const struct store_run_info *ri, struct vb_run *r, struct an_rowhists *h,
                  void *arg)
{
    (void)h;
    struct build *b = arg;
    struct an_trend *t = b->t;
    const char *v = an_run_key(ri, b->o->by);
    char group[1024] = "", label[1024] = "", key[2048], opts[512];
    int vid, ins;

    if (!*v) {
        t->runs_without_key++;
        return 0;
    }
    if ((vid = smap_get(&b->vmap, v, t->nversions, &ins)) < 0)
        goto nomem;
    if (ins) {
        char **nv = realloc(t->versions, sizeof(*nv) * (size_t)(t->nversions + 1));
        char(*ns)[32] = realloc(t->vstart, sizeof(*ns) * (size_t)(t->nversions + 1));
        if (nv)
            t->versions = nv;
        if (ns)
            t->vstart = ns;
        if (!nv || !ns || !(t->versions[t->nversions] = strdup(v)))
            goto nomem;
        snprintf(t->vstart[t->nversions], 32, "%s", ri->start);
        t->nversions++;
    } else if (ri->start[0] && (!t->vstart[vid][0] || strcmp(ri->start, t->vstart[vid]) < 0)) {
        snprintf(t->vstart[vid], 32, "%s", ri->start);
    }
    t->runs_used++;
    an_options_sig(r->context, opts, sizeof(opts));
    for (int i = 0; i < b->ngroup; i++) {
        const char *gv = an_run_key(ri, b->group_keys[i]);
        snprintf(group + strlen(group), sizeof(group) - strlen(group), "%s%s=%s", i ? " " : "",
                 b->group_keys[i], gv);
        if (*gv) /* the label leaves out keys the run does not know */
            snprintf(label + strlen(label), sizeof(label) - strlen(label), "%s%s=%s",
                     *label ? " " : "", b->group_keys[i], gv);
    }
    for (size_t i = 0; i < r->nrows; i++) {
        const struct vb_row *w = &r->rows[i];
        const char *name = w->run_name ? w->run_name : w->name;
        double val;
        int si, metric = b->o->metric;
        if (w->run_type != VB_ITERATION || w->error_occurred)
            continue;
        if (b->o->filter && !match_filter(b->o->filter, name))
            continue;
        val = an_row_value(w, metric);
        if (!isfinite(val) && b->o->metric_default) {
            metric = AM_REAL; /* no histogram: Google Benchmark's own figure */
            val = an_row_value(w, metric);
        }
        if (!isfinite(val))
            continue;
        snprintf(key, sizeof(key), "%s\x1f%s\x1f%d\x1f%s", group, name, metric, opts);
        if ((si = smap_get(&b->smap, key, (int)t->nseries, &ins)) < 0)
            goto nomem;
        if (ins && *opts) {
            /* runs with other result-changing options are their own series, named so */
            char l2[1600];
            snprintf(l2, sizeof(l2), "%s%s[%s]", label, *label ? " " : "", opts);
            if (new_series(b, name, l2) != si)
                goto nomem;
        } else if (ins && new_series(b, name, *label ? label : "-") != si) {
            goto nomem;
        }
        if (ins) {
            t->s[si].metric = metric;
            t->nfallback += metric != b->o->metric;
        }
        if (add_point(b, si, vid, val))
            goto nomem;
    }
    return 0;
nomem:
    vb_err("out of memory");
    return -1;
}

static int cmp_pt(const void *a, const void *b, void *rank)
{
    const int *r = rank;
    int x = r[((const struct pt *)a)->vid], y = r[((const struct pt *)b)->vid];
    return x - y;
}

static int cmp_vid(const void *a, const void *b, void *trend)
{
    const struct an_trend *t = trend;
    int x = *(const int *)a, y = *(const int *)b, c;
    if (t->semver && (c = an_vercmp(t->versions[x], t->versions[y])))
        return c;
    if ((c = strcmp(t->vstart[x], t->vstart[y])))
        return c;
    return strcmp(t->versions[x], t->versions[y]);
}

/* Order the versions and turn each series' points into per-version medians. */
static int finish(struct build *b)
{
    struct an_trend *t = b->t;
    int *order = malloc(sizeof(int) * (size_t)(t->nversions + 1));
    int *rank = malloc(sizeof(int) * (size_t)(t->nversions + 1));
    double *tmp = NULL;
    size_t tcap = 0;

    if (!order || !rank)
        goto nomem;
    t->semver = 1;
    for (int i = 0; i < t->nversions; i++) {
        order[i] = i;
        t->semver &= an_is_version(t->versions[i]);
    }
    qsort_r(order, (size_t)t->nversions, sizeof(int), cmp_vid, t);
    for (int i = 0; i < t->nversions; i++)
        rank[order[i]] = i;
    t->order = order;
    order = NULL;
    for (size_t si = 0; si < t->nseries; si++) {
        struct an_series *s = &t->s[si];
        struct pt *p = b->pts[si];
        int n = b->npts[si], k = 0;
        qsort_r(p, (size_t)n, sizeof(*p), cmp_pt, rank);
        s->x = malloc(sizeof(int) * (size_t)n);
        s->y = malloc(sizeof(double) * (size_t)n);
        s->nvals = malloc(sizeof(int) * (size_t)n);
        s->off = malloc(sizeof(int) * (size_t)n);
        s->vals = malloc(sizeof(double) * (size_t)(n > 0 ? n : 1));
        if (!s->x || !s->y || !s->nvals || !s->off || !s->vals)
            goto nomem;
        for (int i = 0; i < n; i++)
            s->vals[i] = p[i].v; /* in point order: point k's values are contiguous */
        if ((size_t)n > tcap) {
            free(tmp);
            tcap = (size_t)n;
            if (!(tmp = malloc(sizeof(double) * tcap)))
                goto nomem;
        }
        for (int i = 0; i < n;) {
            int j = i, m = 0;
            while (j < n && p[j].vid == p[i].vid)
                tmp[m++] = p[j++].v;
            s->x[k] = rank[p[i].vid];
            s->off[k] = i;
            s->y[k] = an_median(tmp, m);
            s->nvals[k] = m;
            k++;
            i = j;
        }
        s->n = k;
    }
    free(rank);
    free(tmp);
    return 0;
nomem:
    free(order);
    free(rank);
    free(tmp);
    vb_err("out of memory");
    return -1;
}

int an_trend_build(struct an_ctx *c, const char *const *words, int nwords, const char *since,
                   const char *until, const struct an_trend_opts *o, struct an_trend *t)
{
    static const char *const def_group = "hypervisor,guest,guest_os,cpu_model,clocksource";
    struct build b = {.o = o, .t = t};
    char *groups = strdup(o->group ? o->group : def_group), *save = NULL, *tok;
    int ret = -1;

    memset(t, 0, sizeof(*t));
    t->metric = o->metric;
    if (!groups)
        return -1;
    for (tok = strtok_r(groups, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        char **ng;
        if (strcmp(tok, o->by) == 0 || !*tok)
            continue;
        if (!an_key_known(c, tok)) {
            vb_err("%s: --group: unknown key '%s'", c->cmd, tok);
            goto out;
        }
        if (!(ng = realloc(b.group_keys, sizeof(*ng) * (size_t)(b.ngroup + 1))))
            goto out;
        b.group_keys = ng;
        b.group_keys[b.ngroup++] = tok;
    }
    if (an_each_input(c, words, nwords, since, until, 1, on_run, &b))
        goto out;
    if (t->nversions == 0) {
        vb_err("%s: no selected run has a value for --by %s", c->cmd, o->by);
        goto out;
    }
    if (t->nseries == 0) {
        vb_err("%s: no measured %s values in the selected runs%s%s", c->cmd,
               an_metrics[o->metric].name, o->filter ? " for --filter " : "",
               o->filter ? o->filter : "");
        goto out;
    }
    if (finish(&b))
        goto out;
    for (size_t i = 0; i < t->nseries; i++) {
        struct an_series *s = &t->s[i];
        struct an_cp_opts cp = o->cp;
        int max = s->n / (o->cp.min_seg > 0 ? o->cp.min_seg : 1) + 1, n;
        if (!(s->cp = calloc((size_t)max, sizeof(*s->cp))) ||
            !(s->near = calloc((size_t)max, sizeof(*s->near))))
            goto out;
        cp.test = reps_test;
        cp.arg = s;
        if ((n = an_edivisive(s->y, s->n, &cp, s->cp, max)) < 0)
            goto out;
        s->ncp = n;
        /* near-misses: what a looser threshold finds that this one did not */
        if (cp.pvalue < AN_NEAR_P) {
            struct an_cp *loose = calloc((size_t)max, sizeof(*loose));
            int nl;
            cp.pvalue = AN_NEAR_P;
            if (!loose || (nl = an_edivisive(s->y, s->n, &cp, loose, max)) < 0) {
                free(loose);
                goto out;
            }
            for (int k = 0; k < nl; k++) {
                int found = 0;
                for (int j = 0; j < s->ncp; j++)
                    found |= abs(s->cp[j].index - loose[k].index) <= 1;
                if (!found)
                    s->near[s->nnear++] = loose[k];
            }
            free(loose);
        }
    }
    ret = 0;
out:
    for (size_t i = 0; i < t->nseries && b.pts; i++)
        free(b.pts[i]);
    free(b.pts);
    free(b.npts);
    free(b.cappts);
    free(b.group_keys);
    free(groups);
    smap_free(&b.vmap);
    smap_free(&b.smap);
    return ret;
}

void an_trend_free(struct an_trend *t)
{
    for (size_t i = 0; i < t->nseries; i++) {
        free(t->s[i].bench);
        free(t->s[i].group);
        free(t->s[i].x);
        free(t->s[i].y);
        free(t->s[i].nvals);
        free(t->s[i].off);
        free(t->s[i].vals);
        free(t->s[i].cp);
        free(t->s[i].near);
    }
    free(t->s);
    for (int i = 0; i < t->nversions; i++)
        free(t->versions[i]);
    free(t->versions);
    free(t->vstart);
    free(t->order);
    memset(t, 0, sizeof(*t));
}
