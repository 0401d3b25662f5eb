/*
 * compare's decision rule, kept apart from the table so that it can be tested alone and
 * read in one place (docs/verdicts.md says the same in words).
 *
 * The unit of evidence is the repetition: every iteration row of every run contributes
 * one value per metric (its own percentile, mean, real_time ...), and each repetition
 * weighs the same. Samples inside one repetition are not independent draws from the
 * machine: run-to-run (repetition-to-repetition) variance is what a verdict must beat,
 * which pooled within-run histograms ignore.
 *
 *   value   geometric mean of a side's repetitions (changes are ratios);
 *   test    Welch's t-test on the logarithms of the repetitions, two-sided, with its CI of
 *           the ratio of geometric means; with 5 or more repetitions a side, one
 *           repetition far from all the others (a noisy window: a jump of at least 20%
 *           and twice the others' spread) is left out, and the reason says so;
 *   rows    Benjamini-Hochberg adjusted p-values over every row of the table (an_bh);
 *   called  regressed/improved when the adjusted p < alpha and |change| >= min-change;
 *   else    unstable (a side's repetitions form distinct modes, or most ran in noisy
 *           windows), inconclusive (fewer than 3 repetitions a side, or a CI reaching past
 *           +-min-change with too few repetitions to resolve it at 80% power for the
 *           spread seen: the number needed is given), or no significant change.
 */
#include "analyze.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const an_verdict_names[AV_NSTATES] = {"no significant change", "regressed", "improved",
                                                  "inconclusive", "unstable"};

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

double an_t_ppf(double p, double df)
{
    double lo = 0, hi = 1e6;
    if (!(p > 0 && p < 1) || !(df > 0))
        return NAN;
    if (p < 0.5)
        return -an_t_ppf(1 - p, df);
    for (int i = 0; i < 200; i++) {
        double mid = (lo + hi) / 2;
        if (an_t_sf(mid, df) > 1 - p)
            lo = mid;
        else
            hi = mid;
    }
    return (lo + hi) / 2;
}

void an_bh(const double *p, int n, double *q)
{
    int *idx = malloc(sizeof(int) * (size_t)(n > 0 ? n : 1)), m = 0;
    double run = 1;
    if (!idx) {
        for (int i = 0; i < n; i++)
            q[i] = isfinite(p[i]) ? fmin(1, p[i] * n) : NAN; /* Bonferroni: still safe */
        return;
    }
    for (int i = 0; i < n; i++) {
        q[i] = NAN;
        if (isfinite(p[i]))
            idx[m++] = i;
    }
    /* sort the finite p-values' indices ascending (insertion: tables are small) */
    for (int i = 1; i < m; i++)
        for (int j = i; j > 0 && p[idx[j - 1]] > p[idx[j]]; j--) {
            int t = idx[j];
            idx[j] = idx[j - 1];
            idx[j - 1] = t;
        }
    for (int r = m - 1; r >= 0; r--) {
        run = fmin(run, p[idx[r]] * m / (r + 1));
        q[idx[r]] = fmin(1, run);
    }
    free(idx);
}

/* Distinct modes among n > 1 sorted values: the largest jump between neighbours is at least
   20% and more than twice the relative spread inside either part. Writes the two
   parts' geometric means and sizes; 1 when found. */
static int modes(const double *v, int n, double *m1, int *n1, double *m2, int *n2)
{
    int best = -1;
    double jump = 1;
    for (int i = 0; i + 1 < n; i++)
        if (v[i] > 0 && v[i + 1] / v[i] > jump) {
            jump = v[i + 1] / v[i];
            best = i;
        }
    if (best < 0 || jump < 1.20)
        return 0;
    {
        double s1 = v[best] / v[0] - 1, s2 = v[n - 1] / v[best + 1] - 1, l1 = 0, l2 = 0;
        if (jump - 1 <= 2 * fmax(s1, s2))
            return 0;
        for (int i = 0; i <= best; i++)
            l1 += log(v[i]);
        for (int i = best + 1; i < n; i++)
            l2 += log(v[i]);
        *n1 = best + 1;
        *n2 = n - best - 1;
        *m1 = exp(l1 / *n1);
        *m2 = exp(l2 / *n2);
    }
    return 1;
}

/* Mean and sample variance of the logs of the positive values; how many there were. */
static int log_stats(const double *x, int n, double *mean, double *var)
{
    double s = 0, ss = 0;
    int k = 0;
    for (int i = 0; i < n; i++)
        if (x[i] > 0 && isfinite(x[i])) {
            double l = log(x[i]);
            s += l;
            ss += l * l;
            k++;
        }
    *mean = k ? s / k : NAN;
    *var = k > 1 ? fmax(ss - s * s / k, 0) / (k - 1) : NAN;
    return k;
}

/* One side sorted, with a lone outlying repetition (n >= 5) dropped and distinct modes
   found: fills v's mode or outlier fields for side s. Returns the values kept (malloc'ed,
   sorted) and their number in *kept; NULL on ENOMEM. */
static double *side_values(const double *x, int n, int s, struct an_verdict *v, int *kept)
{
    double *c = malloc(sizeof(double) * (size_t)(n > 0 ? n : 1)), m1, m2;
    int n1, n2;

    if (!c)
        return NULL;
    memcpy(c, x, sizeof(double) * (size_t)n);
    qsort(c, (size_t)n, sizeof(double), cmp_dbl);
    *kept = n;
    if (n > 2 && modes(c, n, &m1, &n1, &m2, &n2)) {
        if (n >= 5 && (n1 == 1 || n2 == 1)) {
            /* one repetition far from the others: a noisy window, left out and said */
            v->outlier[s] = n1 == 1 ? c[0] : c[n - 1];
            if (n1 == 1)
                memmove(c, c + 1, sizeof(double) * (size_t)(n - 1));
            *kept = n - 1;
        } else if (!v->unstable) {
            v->unstable = 1;
            v->mode[0] = m1;
            v->mode[1] = m2;
            v->nmode[0] = n1;
            v->nmode[1] = n2;
            v->mode_side = s;
        }
    }
    return c;
}

void an_verdict_test(const struct an_verdict_in *in, struct an_verdict *v)
{
    double ma, mb, va, vb, *ca, *cb;
    int na, nb, ka, kb;

    memset(v, 0, sizeof(*v));
    v->p = v->q = v->lo = v->hi = v->outlier[0] = v->outlier[1] = NAN;
    ca = side_values(in->a, in->na, 0, v, &ka);
    cb = side_values(in->b, in->nb, 1, v, &kb);
    na = ca ? log_stats(ca, ka, &ma, &va) : 0;
    nb = cb ? log_stats(cb, kb, &mb, &vb) : 0;
    free(ca);
    free(cb);
    v->na = na;
    v->nb = nb;
    v->va = na ? exp(ma) : NAN;
    v->vb = nb ? exp(mb) : NAN;
    v->change = na && nb ? exp(mb - ma) - 1 : NAN;
    if (na >= 2 && nb >= 2) {
        double se2 = va / na + vb / nb, df, t;
        double sp = sqrt(((na - 1) * va + (nb - 1) * vb) / fmax(na + nb - 2, 1));
        if (se2 > 0) {
            df = se2 * se2 / ((va / na) * (va / na) / (na - 1) + (vb / nb) * (vb / nb) / (nb - 1));
            t = (mb - ma) / sqrt(se2);
            v->p = fmin(1, 2 * an_t_sf(fabs(t), df));
            t = an_t_ppf(0.5 + in->level / 2, df);
            v->lo = exp(mb - ma - t * sqrt(se2)) - 1;
            v->hi = exp(mb - ma + t * sqrt(se2)) - 1;
        } else {
            v->p = ma == mb ? 1 : 0;
            v->lo = v->hi = v->change;
        }
        v->cv = sp; /* the log-scale spread, about the coefficient of variation */
        if (in->min_change > 0) {
            double d = log1p(in->min_change);
            double z = an_norm_ppf(1 - in->alpha / 2) + an_norm_ppf(0.8);
            v->need = (int)ceil(2 * z * z * sp * sp / (d * d)) + 1;
            if (v->need < 3)
                v->need = 3;
        }
    }
    if (!v->unstable) {
        if (in->noisy_a * 2 > in->na && in->na > 0)
            v->unstable = 2, v->mode_side = 0;
        else if (in->noisy_b * 2 > in->nb && in->nb > 0)
            v->unstable = 2, v->mode_side = 1;
    }
}

void an_verdict_decide(const struct an_verdict_in *in, struct an_verdict *v)
{
    char b1[48], b2[48];
    int sig = isfinite(v->q) && v->q < in->alpha && isfinite(v->change) &&
              fabs(v->change) >= in->min_change;
    double worse = in->higher_better ? -v->change : v->change;

    v->reason[0] = 0;
    if (v->unstable == 1) {
        v->state = AV_UNSTABLE;
        snprintf(v->reason, sizeof(v->reason),
                 "%s has distinct modes: %s (%d rep%s), %s (%d rep%s)", v->mode_side ? "B" : "A",
                 an_fmt_value(in->metric, v->mode[0], b1, sizeof(b1)), v->nmode[0],
                 v->nmode[0] == 1 ? "" : "s", an_fmt_value(in->metric, v->mode[1], b2, sizeof(b2)),
                 v->nmode[1], v->nmode[1] == 1 ? "" : "s");
    } else if (v->unstable == 2) {
        v->state = AV_UNSTABLE;
        snprintf(v->reason, sizeof(v->reason),
                 "most repetitions of %s ran in noisy windows (steal or interrupts)",
                 v->mode_side ? "B" : "A");
    } else if (v->na < 3 || v->nb < 3) {
        v->state = AV_INCONCLUSIVE;
        snprintf(v->reason, sizeof(v->reason),
                 "%d and %d repetitions: run-to-run variance needs at least 3 a side", v->na,
                 v->nb);
        if (v->need > 3)
            snprintf(v->reason + strlen(v->reason), sizeof(v->reason) - strlen(v->reason),
                     " (about %d to resolve %.3g%%)", v->need, in->min_change * 100);
    } else if (sig) {
        v->state = worse > 0 ? AV_REGRESSED : AV_IMPROVED;
    } else if (in->min_change > 0 && v->need > (v->na < v->nb ? v->na : v->nb) &&
               !(v->lo > -in->min_change && v->hi < in->min_change)) {
        v->state = AV_INCONCLUSIVE;
        snprintf(v->reason, sizeof(v->reason),
                 "repetitions spread %.1f%%: about %d a side are needed to resolve %.3g%%",
                 v->cv * 100, v->need, in->min_change * 100);
    } else {
        v->state = AV_SAME;
    }
    for (int k = 0; k < 2; k++)
        if (isfinite(v->outlier[k])) {
            size_t o = strlen(v->reason);
            snprintf(v->reason + o, sizeof(v->reason) - o,
                     "%s1 repetition of %s left out (%s, far from the others)", o ? "; " : "",
                     k ? "B" : "A", an_fmt_value(in->metric, v->outlier[k], b1, sizeof(b1)));
        }
}

int an_rep_modes(const double *x, int n, int metric, char *buf, size_t len)
{
    double *c, m1, m2;
    int n1, n2, found;
    char b1[48], b2[48];

    buf[0] = 0;
    if (n < 3 || !(c = malloc(sizeof(double) * (size_t)n)))
        return 0;
    memcpy(c, x, sizeof(double) * (size_t)n);
    qsort(c, (size_t)n, sizeof(double), cmp_dbl);
    found = modes(c, n, &m1, &n1, &m2, &n2);
    free(c);
    if (found)
        snprintf(buf, len, "repetitions in distinct modes: %s (%d), %s (%d)",
                 an_fmt_value(metric, m1, b1, sizeof(b1)), n1,
                 an_fmt_value(metric, m2, b2, sizeof(b2)), n2);
    return found;
}
