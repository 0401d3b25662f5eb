/*
 * Bootstrap confidence intervals of a change between two sides, from their histograms.
 *
 * Percentiles (p50, p99, p99.9 ...): the bootstrap resamples the N recorded values of a
 * histogram with replacement and takes the nearest-rank percentile of each resample. That
 * distribution has a closed form, so no resampling loop (and no Monte-Carlo error) is
 * needed: the resample's percentile is at or below bucket k exactly when at least r =
 * ceil(p N) of the N draws fall at or below bucket k, and that count is Binomial(N, F_k)
 * with F_k the histogram's cumulative share, so
 *     P(Q* <= v_k) = P(Binomial(N, F_k) >= r) = I_{F_k}(r, N - r + 1)
 * (the regularized incomplete beta). This is the limit of the Monte-Carlo bootstrap as the
 * number of resamples grows (the "exact bootstrap" of a quantile). Values are the bucket
 * midpoints clamped to [min, max], as hist_percentile reports them. The change b/a - 1 of
 * two independent sides has the distribution of all pairs of support points, whose
 * percentile interval is the CI. Assumption: the recorded values are independent draws,
 * so this interval covers sampling noise inside a run, not run-to-run variation (which the
 * U test over repetitions covers; see cmd_compare.c for the decision rule).
 *
 * Means: the bootstrap distribution of a mean of N values is normal with variance s^2/N to
 * a very good approximation at the sample sizes of a run; the ratio uses the delta method.
 *
 * Repetition-level figures (iops, bandwidth, real_time without histograms): a Monte-Carlo
 * percentile bootstrap of the ratio of medians, each side resampled independently B times
 * from a fixed seed (AN_BOOT_SEED), so a report is reproducible; percentiles of the B
 * statistics interpolate linearly as numpy's percentile does.
 */
#include "analyze.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

double an_rand(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    return (double)(z >> 11) / 9007199254740992.0;
}

void an_dist_free(struct an_dist *d)
{
    free(d->v);
    free(d->p);
    d->v = d->p = NULL;
    d->n = 0;
}

int an_boot_percentile_counts(const double *vals, const uint64_t *counts, int n, double pct,
                              struct an_dist *out)
{
    double N = 0, cum = 0, prev = 0, r, q, sd;
    int k = 0;

    memset(out, 0, sizeof(*out));
    for (int i = 0; i < n; i++)
        N += (double)counts[i];
    if (N <= 0 || !(pct > 0 && pct < 100))
        return -EINVAL;
    r = ceil(pct / 100 * N);
    if (r < 1)
        r = 1;
    q = r / N;
    sd = sqrt(fmax(q * (1 - q), 1 / N) / N);
    out->v = malloc((size_t)n * sizeof(double));
    out->p = malloc((size_t)n * sizeof(double));
    if (!out->v || !out->p) {
        an_dist_free(out);
        return -ENOMEM;
    }
    for (int i = 0; i < n; i++) {
        double F, G, z;
        if (!counts[i])
            continue;
        cum += (double)counts[i];
        F = cum / N;
        z = (F - q) / sd;
        /* Far from the percentile the tail is below 1e-20: skip the special function. */
        G = F >= 1 ? 1 : z < -12 ? 0 : z > 12 ? 1 : an_betainc(r, N - r + 1, F);
        if (G - prev > 1e-12) {
            if (k > 0 && out->v[k - 1] == vals[i])
                out->p[k - 1] += G - prev;
            else {
                out->v[k] = vals[i];
                out->p[k] = G - prev;
                k++;
            }
        }
        prev = G;
        if (G >= 1)
            break;
    }
    out->n = k;
    return 0;
}

int an_boot_percentile(const struct an_hist *h, double pct, struct an_dist *out)
{
    double *vals;
    int ret;

    if (!h || !h->count)
        return -EINVAL;
    if (!(vals = malloc((size_t)h->n * sizeof(*vals))))
        return -ENOMEM;
    for (int k = 0; k < h->n; k++)
        vals[k] = an_hist_value(h, k);
    ret = an_boot_percentile_counts(vals, h->cnt, h->n, pct, out);
    free(vals);
    return ret;
}

/* P(b / a - 1 <= t) for independent a ~ da, b ~ db: for each a_i, the mass of db at or
   below a_i (1 + t), walked with one pointer since a_i (1 + t) grows with i. */
static double ratio_cdf(const struct an_dist *da, const struct an_dist *db, double t)
{
    double F = 0, cb = 0;
    int j = 0;
    for (int i = 0; i < da->n; i++) {
        double x = da->v[i] * (1 + t);
        while (j < db->n && db->v[j] <= x)
            cb += db->p[j++];
        F += da->p[i] * cb;
    }
    return F;
}

/* Smallest t with P(b / a - 1 <= t) >= q: bisection on the step function, which ends at
   the jump (a pair value b_j / a_i - 1) within relative 1e-12. */
static double ratio_quantile(const struct an_dist *da, const struct an_dist *db, double total,
                             double q)
{
    double lo = db->v[0] / da->v[da->n - 1] - 1, hi = db->v[db->n - 1] / da->v[0] - 1;

    lo -= 1e-9 * (1 + fabs(lo));
    if (ratio_cdf(da, db, lo) >= q * total)
        return lo;
    for (int k = 0; k < 200 && hi - lo > 1e-12 * (1 + fabs(hi)); k++) {
        double mid = lo + (hi - lo) / 2;
        if (ratio_cdf(da, db, mid) >= q * total - 1e-12)
            hi = mid;
        else
            lo = mid;
    }
    return hi;
}

int an_change_ci(const struct an_dist *da, const struct an_dist *db, double level, double *lo,
                 double *hi)
{
    double ta = 0, tb = 0, a = (1 - level) / 2;

    *lo = *hi = NAN;
    if (da->n == 0 || db->n == 0 || !(da->v[0] > 0))
        return 0;
    for (int i = 0; i < da->n; i++)
        ta += da->p[i];
    for (int j = 0; j < db->n; j++)
        tb += db->p[j];
    *lo = ratio_quantile(da, db, ta * tb, a);
    *hi = ratio_quantile(da, db, ta * tb, 1 - a);
    return 0;
}

/* numpy's default ("linear") percentile of sorted values. */
static double pct_linear(const double *s, int n, double q)
{
    double pos = q * (n - 1);
    int i = (int)floor(pos);
    if (i >= n - 1)
        return s[n - 1];
    return s[i] + (pos - i) * (s[i + 1] - s[i]);
}

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int an_boot_reps_ci(const double *x, int nx, const double *y, int ny, int B, uint64_t seed,
                    double level, double *lo, double *hi)
{
    double *st, *rx, *ry;
    uint64_t s = seed;
    int k = 0;

    *lo = *hi = NAN;
    if (nx < 1 || ny < 1 || B < 1)
        return -EINVAL;
    if (!(st = malloc((size_t)B * sizeof(*st))))
        return -ENOMEM;
    if (!(rx = malloc((size_t)(nx + ny) * sizeof(*rx)))) {
        free(st);
        return -ENOMEM;
    }
    ry = rx + nx;
    for (int b = 0; b < B; b++) {
        double mx, my;
        for (int i = 0; i < nx; i++)
            rx[i] = x[(int)(an_rand(&s) * nx)];
        for (int i = 0; i < ny; i++)
            ry[i] = y[(int)(an_rand(&s) * ny)];
        mx = an_median(rx, nx);
        my = an_median(ry, ny);
        if (mx > 0)
            st[k++] = my / mx - 1;
    }
    free(rx);
    if (k) {
        qsort(st, (size_t)k, sizeof(*st), cmp_dbl);
        *lo = pct_linear(st, k, (1 - level) / 2);
        *hi = pct_linear(st, k, 1 - (1 - level) / 2);
    }
    free(st);
    return 0;
}

double an_reps_change(const double *x, int nx, const double *y, int ny)
{
    double *t = malloc((size_t)(nx + ny) * sizeof(*t)), mx, my;
    if (!t || nx < 1 || ny < 1) {
        free(t);
        return NAN;
    }
    memcpy(t, x, (size_t)nx * sizeof(*t));
    memcpy(t + nx, y, (size_t)ny * sizeof(*t));
    mx = an_median(t, nx);
    my = an_median(t + nx, ny);
    free(t);
    return mx > 0 ? my / mx - 1 : NAN;
}

void an_mean_change_ci(const struct an_hist *a, const struct an_hist *b, double level, double *lo,
                       double *hi)
{
    double ma = an_hist_mean(a), mb = an_hist_mean(b), sa, sb, ratio, se, z;

    *lo = *hi = NAN;
    if (!(ma > 0) || a->count < 2 || b->count < 2)
        return;
    sa = an_hist_stddev(a) / sqrt((double)a->count);
    sb = an_hist_stddev(b) / sqrt((double)b->count);
    ratio = mb / ma;
    se = ratio * sqrt((sa / ma) * (sa / ma) + (mb > 0 ? (sb / mb) * (sb / mb) : 0));
    z = an_norm_ppf(1 - (1 - level) / 2);
    *lo = ratio - z * se - 1;
    *hi = ratio + z * se - 1;
}
