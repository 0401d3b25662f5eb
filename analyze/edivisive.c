/*
 * Change points in a series (one benchmark's figure over versions): E-divisive means
 * (Matteson and James, "A nonparametric approach for multiple change point analysis of
 * multivariate data", JASA 2014) with the significance test Apache Otava (formerly Hunter,
 * after MongoDB's Daly et al., ICPE 2020) uses instead of permutations: Welch's t-test
 * between the segments either side of a candidate, a p-value threshold (default 0.001)
 * and an optional minimum magnitude.
 *
 * Procedure: binary segmentation. In a segment [s, e), every split tau with at least
 * min_seg points each side gets the energy statistic (alpha = 1)
 *   q(tau) = m n / (m + n) * (2/(m n) C - 2/(m (m-1)) W_L - 2/(n (n-1)) W_R)
 * where C sums |x_i - x_j| across the split and W_L, W_R within each side; the best split
 * is kept when its t-test p-value is below the threshold (and the means differ by at least
 * min_rel), and both halves are searched again. Finally, as Otava does, every kept change
 * is re-tested between its neighbouring changes and the weakest one failing the threshold
 * is dropped, until all pass.
 *
 * Complexity: for univariate data the three sums for all splits of a segment of n points
 * come from two passes with a Fenwick tree over value ranks (count and sum of smaller
 * values), O(n log n) per segment instead of the O(n^2) distance matrix; a series of n
 * points with k changes costs O(n log n (k + 1)).
 */
#include "analyze.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* How far (points) the least-squares refinement may move a change. */
#define AN_CP_REFINE 5

struct work {
    const double *x;
    const struct an_cp_opts *o;
    int *rank;         /* rank of each point in its segment */
    double *cnt, *sum; /* Fenwick trees over ranks */
    double *wl, *wr;   /* within-sums of [s, tau) and [tau, e) */
    struct ridx {
        double v;
        int i;
    } * ord;
    int *cps, ncps, cap;
};

static int cmp_ridx(const void *a, const void *b)
{
    double x = ((const struct ridx *)a)->v, y = ((const struct ridx *)b)->v;
    return x < y ? -1 : x > y;
}

static void fw_add(double *t, int n, int i, double v)
{
    for (i++; i <= n; i += i & -i)
        t[i] += v;
}

static double fw_sum(const double *t, int i) /* sum of entries [0, i) */
{
    double s = 0;
    for (; i > 0; i -= i & -i)
        s += t[i];
    return s;
}

/* Sum of |x_k - x_j| over the points j already added, for a new point k of rank r. */
static double dist_sum(struct work *w, int r, double xk, double tot_cnt, double tot_sum)
{
    double c_lt = fw_sum(w->cnt, r), s_lt = fw_sum(w->sum, r);
    return xk * c_lt - s_lt + (tot_sum - s_lt) - xk * (tot_cnt - c_lt);
}

/* Best split of [s, e) by the energy statistic, or (at >= 0) the statistic at split at;
   -1 when the segment is too short. */
static int best_split(struct work *w, int s, int e, int at, double *qbest)
{
    int n = e - s, ms = w->o->min_seg, best = -1;
    double tc = 0, ts = 0, acc = 0;

    if (n < 2 * ms)
        return -1;
    for (int i = 0; i < n; i++) {
        w->ord[i].v = w->x[s + i];
        w->ord[i].i = i;
    }
    qsort(w->ord, (size_t)n, sizeof(*w->ord), cmp_ridx);
    for (int r = 0; r < n; r++) /* equal values share the lowest rank: distance 0 */
        w->rank[w->ord[r].i] =
            r > 0 && w->ord[r].v == w->ord[r - 1].v ? w->rank[w->ord[r - 1].i] : r;
    /* Forward: wl[t] = within-sum of the first t points. */
    memset(w->cnt, 0, sizeof(double) * (size_t)(n + 1));
    memset(w->sum, 0, sizeof(double) * (size_t)(n + 1));
    w->wl[0] = 0;
    for (int t = 0; t < n; t++) {
        double xk = w->x[s + t];
        acc += dist_sum(w, w->rank[t], xk, tc, ts);
        fw_add(w->cnt, n, w->rank[t], 1);
        fw_add(w->sum, n, w->rank[t], xk);
        tc += 1;
        ts += xk;
        w->wl[t + 1] = acc;
    }
    /* Backward: wr[t] = within-sum of points t..n-1. */
    memset(w->cnt, 0, sizeof(double) * (size_t)(n + 1));
    memset(w->sum, 0, sizeof(double) * (size_t)(n + 1));
    tc = ts = acc = 0;
    w->wr[n] = 0;
    for (int t = n - 1; t >= 0; t--) {
        double xk = w->x[s + t];
        acc += dist_sum(w, w->rank[t], xk, tc, ts);
        fw_add(w->cnt, n, w->rank[t], 1);
        fw_add(w->sum, n, w->rank[t], xk);
        tc += 1;
        ts += xk;
        w->wr[t] = acc;
    }
    *qbest = -INFINITY;
    for (int t = ms; t <= n - ms; t++) {
        double m = t, k = n - t, within_l = m > 1 ? 2 * w->wl[t] / (m * (m - 1)) : 0;
        double within_r = k > 1 ? 2 * w->wr[t] / (k * (k - 1)) : 0;
        double cross = w->wl[n] - w->wl[t] - w->wr[t];
        double q = m * k / (m + k) * (2 * cross / (m * k) - within_l - within_r);
        if (at >= 0) {
            if (s + t == at) {
                *qbest = q;
                return at;
            }
        } else if (q > *qbest) {
            *qbest = q;
            best = s + t;
        }
    }
    return best;
}

static void moments(const double *x, int s, int e, double *n, double *sum, double *ss)
{
    *n = e - s;
    *sum = *ss = 0;
    for (int i = s; i < e; i++) {
        *sum += x[i];
        *ss += x[i] * x[i];
    }
}

/* p-value and relative magnitude of a change at t between [s, t) and [t, e): the caller's
   test when it gave one (e.g. over the repetitions behind the points), else Welch's t. */
static double test_split(const struct an_cp_opts *o, const double *x, int s, int t, int e,
                         double *rel)
{
    double n1, s1, q1, n2, s2, q2;
    if (o->test)
        return o->test(o->arg, s, t, e, rel);
    moments(x, s, t, &n1, &s1, &q1);
    moments(x, t, e, &n2, &s2, &q2);
    *rel = s1 != 0 ? (s2 / n2) / (s1 / n1) - 1 : INFINITY;
    return an_welch_p(n1, s1, q1, n2, s2, q2);
}

static int add_cp(struct work *w, int t)
{
    if (w->ncps == w->cap) {
        int nc = w->cap ? w->cap * 2 : 16;
        int *n = realloc(w->cps, sizeof(*n) * (size_t)nc);
        if (!n)
            return -ENOMEM;
        w->cps = n;
        w->cap = nc;
    }
    w->cps[w->ncps++] = t;
    return 0;
}

static int segment(struct work *w, int s, int e)
{
    double q, rel, p;
    int t = best_split(w, s, e, -1, &q);

    if (t < 0)
        return 0;
    p = test_split(w->o, w->x, s, t, e, &rel);
    if (!(p < w->o->pvalue) || fabs(rel) < w->o->min_rel)
        return 0;
    if (add_cp(w, t))
        return -ENOMEM;
    if (segment(w, s, t) || segment(w, t, e))
        return -ENOMEM;
    return 0;
}

static int cmp_int(const void *a, const void *b)
{
    return *(const int *)a - *(const int *)b;
}

int an_edivisive(const double *x, int n, const struct an_cp_opts *o, struct an_cp *out, int max)
{
    struct work w = {.x = x, .o = o};
    int ret = -ENOMEM, k = 0;

    if (n < 2 * (o->min_seg > 0 ? o->min_seg : 1))
        return 0;
    w.rank = malloc(sizeof(int) * (size_t)n);
    w.cnt = malloc(sizeof(double) * (size_t)(n + 1));
    w.sum = malloc(sizeof(double) * (size_t)(n + 1));
    w.wl = malloc(sizeof(double) * (size_t)(n + 1));
    w.wr = malloc(sizeof(double) * (size_t)(n + 1));
    w.ord = malloc(sizeof(*w.ord) * (size_t)n);
    if (!w.rank || !w.cnt || !w.sum || !w.wl || !w.wr || !w.ord)
        goto out;
    if (segment(&w, 0, n))
        goto out;
    if (w.ncps > 1)
        qsort(w.cps, (size_t)w.ncps, sizeof(int), cmp_int);
    /* Re-test each change between its neighbours; drop the weakest failing one. */
    for (;;) {
        int worst = -1;
        double wp = 0;
        for (int i = 0; i < w.ncps; i++) {
            int s = i ? w.cps[i - 1] : 0, e = i + 1 < w.ncps ? w.cps[i + 1] : n;
            double rel, p = test_split(o, x, s, w.cps[i], e, &rel);
            if ((!(p < o->pvalue) || fabs(rel) < o->min_rel) && (worst < 0 || p > wp)) {
                worst = i;
                wp = p;
            }
        }
        if (worst < 0)
            break;
        memmove(&w.cps[worst], &w.cps[worst + 1], sizeof(int) * (size_t)(w.ncps - worst - 1));
        w.ncps--;
    }
    /* Locate each change by least squares between its neighbours, within a few points of
       where the energy statistic put it: for a shift in level, the split maximizing
       m n / (m + n) (mean_L - mean_R)^2 is the maximum-likelihood location, which the
       energy statistic (made for any change of distribution) finds less precisely. */
    for (int i = 0; i < w.ncps; i++) {
        int s = i ? w.cps[i - 1] : 0, e = i + 1 < w.ncps ? w.cps[i + 1] : n, best = w.cps[i];
        double bss = -1;
        for (int t = w.cps[i] - AN_CP_REFINE; t <= w.cps[i] + AN_CP_REFINE; t++) {
            double n1, s1, q1, n2, s2, q2, d;
            if (t - s < o->min_seg || e - t < o->min_seg)
                continue;
            moments(x, s, t, &n1, &s1, &q1);
            moments(x, t, e, &n2, &s2, &q2);
            d = s1 / n1 - s2 / n2;
            if (n1 * n2 / (n1 + n2) * d * d > bss) {
                bss = n1 * n2 / (n1 + n2) * d * d;
                best = t;
            }
        }
        w.cps[i] = best;
    }
    for (int i = 0; i < w.ncps && k < max; i++, k++) {
        int s = i ? w.cps[i - 1] : 0, e = i + 1 < w.ncps ? w.cps[i + 1] : n, t = w.cps[i];
        double n1, s1, q1, n2, s2, q2, rel;
        moments(x, s, t, &n1, &s1, &q1);
        moments(x, t, e, &n2, &s2, &q2);
        out[k].index = t;
        out[k].before = s1 / n1;
        out[k].after = s2 / n2;
        out[k].p = test_split(o, x, s, t, e, &rel);
        best_split(&w, s, e, t, &out[k].q);
    }
    ret = k;
out:
    free(w.rank);
    free(w.cnt);
    free(w.sum);
    free(w.wl);
    free(w.wr);
    free(w.ord);
    free(w.cps);
    return ret;
}
