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
 *           the ratio of geometric means; when both sides hold 2 or more runs whose means
 *           scatter more than their repetitions explain (F-test, p < 0.05), the runs are
 *           the unit instead (Welch's t over the run means); with 5 or more repetitions a side, one
 *           repetition far from all the others (a noisy window: a jump of at least 20%
 *           and twice the others' spread) is left out, and the reason says so;
 *   one or two runs a side (and runs not already the unit), or three or more when other
 *           stored runs of the pairing add to theirs: the runs are the unit:
 *           Student's t of the change over the scatter of one run's value measured on the
 *           pairing's other stored runs (drift.c, in->drift_*), with that scatter's degrees
 *           of freedom; with fewer than 2 of them, inconclusive;
 *   rows    Benjamini-Hochberg adjusted p-values over every row of the table (an_bh);
 *   called  regressed/improved when the adjusted p < alpha and |change| >= min-change;
 *   else    unstable (a side's repetitions form distinct modes; or one side's windows were
 *           preempted by other tasks at least 4 times as often as the other side's and often
 *           enough to reach the metric's tail (a quarter of it: 0.25% of the samples for a
 *           p99), and it is the slower side: the difference may be the machine's other
 *           load; or most ran in noisy
 *           windows and the CI is neither wholly past nor wholly inside +-min-change),
 *           inconclusive (fewer than 3 repetitions a side, or a CI reaching past
 *           +-min-change with too few repetitions to resolve it at 80% power for the
 *           spread seen: the number needed is given), or no significant change.
 */
#include "analyze.h"
#include "reps.h"

#include <errno.h>
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
    double *c = malloc(sizeof(double) * (size_t)(n > 0 ? n : 1));
    struct reps_modes m;

    if (!c)
        return NULL;
    memcpy(c, x, sizeof(double) * (size_t)n);
    qsort(c, (size_t)n, sizeof(double), cmp_dbl);
    *kept = n;
    if (n > 2 && reps_modes_sorted(c, n, &m)) {
        if (n >= 5 && (m.n[0] == 1 || m.n[1] == 1)) {
            /* one repetition far from the others: a noisy window, left out and said */
            v->outlier[s] = m.n[0] == 1 ? c[0] : c[n - 1];
            if (m.n[0] == 1)
                memmove(c, c + 1, sizeof(double) * (size_t)(n - 1));
            *kept = n - 1;
        } else if (!v->unstable) {
            v->unstable = 1;
            v->mode[0] = m.m[0];
            v->mode[1] = m.m[1];
            v->nmode[0] = m.n[0];
            v->nmode[1] = m.n[1];
            v->mode_side = s;
        }
    }
    return c;
}

int an_run_sums(const double *x, const int *run, int n, double *s, double *ss, double *k, int max)
{
    int nr = 0;

    memset(s, 0, sizeof(double) * (size_t)max);
    memset(ss, 0, sizeof(double) * (size_t)max);
    memset(k, 0, sizeof(double) * (size_t)max);
    for (int i = 0; i < n; i++) {
        int r = run[i];
        if (r < 0 || r >= max || !(x[i] > 0) || !isfinite(x[i]))
            continue;
        s[r] += log(x[i]);
        ss[r] += log(x[i]) * log(x[i]);
        k[r]++;
        if (r + 1 > nr)
            nr = r + 1;
    }
    return nr;
}

/* How many values a side (repetitions or runs) resolve a change of d in the logs at 80%
   power and two-sided alpha, for values whose log variance is var; at least least. */
static int needed(double var, double d, double alpha, int least)
{
    double z = an_norm_ppf(1 - alpha / 2) + an_norm_ppf(0.8);
    int n = (int)ceil(2 * z * z * var / (d * d)) + 1;
    return n < least ? least : n;
}

/* Runs as the unit: when both sides hold 2 or more runs and the run means (of the logs)
   scatter more than the repetitions inside them explain (F-test, p < 0.05; or one
   repetition per run), the test is Welch's t over the run means instead. */
static void by_runs(const struct an_verdict_in *in, struct an_verdict *v)
{
    enum { MAXR = 256 };
    double s[2][MAXR], ss[2][MAXR], k[2][MAXR], ssr = 0, dfr = 0, inv_k = 0, ssp = 0;
    double pm[2] = {0, 0}, pss[2] = {0, 0}, pn[2] = {0, 0}, f, pf;
    int nr[2] = {0, 0};

    for (int side = 0; side < 2; side++) {
        const int *run = side ? in->run_b : in->run_a;
        if (!run)
            return;
        nr[side] = an_run_sums(side ? in->b : in->a, run, side ? in->nb : in->na, s[side], ss[side],
                               k[side], MAXR);
        for (int r = 0; r < nr[side]; r++) {
            double m;
            if (!k[side][r])
                continue;
            m = s[side][r] / k[side][r];
            ssr += ss[side][r] - s[side][r] * m;
            dfr += k[side][r] - 1;
            inv_k += 1 / k[side][r];
            pm[side] += m;
            pss[side] += m * m;
            pn[side]++;
        }
    }
    v->nruns_a = (int)pn[0];
    v->nruns_b = (int)pn[1];
    if (pn[0] < 2 || pn[1] < 2)
        return;
    for (int side = 0; side < 2; side++)
        ssp += pss[side] - pm[side] * pm[side] / pn[side];
    if (dfr > 0 && ssr > 0) {
        f = (ssp / (pn[0] + pn[1] - 2)) / (ssr / dfr * inv_k / (pn[0] + pn[1]));
        pf = f > 0 ? an_betainc(dfr / 2, (pn[0] + pn[1] - 2) / 2,
                                dfr / (dfr + (pn[0] + pn[1] - 2) * f))
                   : 1;
    } else {
        pf = 0; /* one repetition per run: the runs are all there is */
    }
    if (!(pf < 0.05))
        return;
    v->by_runs = dfr > 0 ? 1 : 2;
    {
        double ma = pm[0] / pn[0], mb = pm[1] / pn[1];
        double va = (pss[0] - pm[0] * ma) / (pn[0] - 1), vb = (pss[1] - pm[1] * mb) / (pn[1] - 1);
        double se2 = va / pn[0] + vb / pn[1], sp;
        v->va = exp(ma);
        v->vb = exp(mb);
        v->change = exp(mb - ma) - 1;
        v->p = an_welch_p(pn[0], pm[0], pss[0], pn[1], pm[1], pss[1]);
        if (se2 > 0) {
            double df = se2 * se2 /
                        ((va / pn[0]) * (va / pn[0]) / (pn[0] - 1) +
                         (vb / pn[1]) * (vb / pn[1]) / (pn[1] - 1));
            double t = an_t_ppf(0.5 + in->level / 2, df);
            v->lo = exp(mb - ma - t * sqrt(se2)) - 1;
            v->hi = exp(mb - ma + t * sqrt(se2)) - 1;
        } else {
            v->lo = v->hi = v->change;
        }
        sp = sqrt(fmax(((pn[0] - 1) * va + (pn[1] - 1) * vb) / (pn[0] + pn[1] - 2), 0));
        v->cv = sp;
        if (in->min_change > 0)
            v->need = needed(sp * sp, log1p(in->min_change), in->alpha, 3);
    }
}

/* A side of one or two runs: its repetitions cannot show how far whole runs land apart (and
   two runs a side hardly: the F-test of by_runs missed runs 14% apart in A/A pairs); sides
   of three or more when other runs of the pairing add to their own (drift.c). With
   the scatter of run values measured on other runs of the pairing and the sides' own
   (in->drift_df >= 2), the runs are the unit: the change over the standard error of a
   difference of run means, Student's t with the scatter's degrees of freedom (the
   prediction of one more run from its history). Without it, the row is left to
   an_verdict_decide to call inconclusive. */
static void drift_test(const struct an_verdict_in *in, struct an_verdict *v)
{
    double ra = v->nruns_a > 0 ? v->nruns_a : 1, rb = v->nruns_b > 0 ? v->nruns_b : 1;
    double se2, diff, t;

    if (in->drift_df < 2 || !(in->drift_var >= 0)) {
        v->drift = 1;
        return;
    }
    v->drift = 2;
    v->drift_cv = sqrt(in->drift_var);
    se2 = in->drift_var * (1 / ra + 1 / rb);
    if (!(se2 > 0) || !isfinite(v->change))
        return;
    diff = log1p(v->change);
    v->p = fmin(1, 2 * an_t_sf(fabs(diff) / sqrt(se2), in->drift_df));
    t = an_t_ppf(0.5 + in->level / 2, in->drift_df);
    v->lo = exp(diff - t * sqrt(se2)) - 1;
    v->hi = exp(diff + t * sqrt(se2)) - 1;
    if (in->min_change > 0)
        v->need_runs = needed(in->drift_var, log1p(in->min_change), in->alpha, 2);
}

double an_preempt_reach(int metric)
{
    if (metric == AM_MEAN || metric == AM_MAX)
        return 1e-4;
    return metric == AM_MIN ? 0 : reps_preempt_reach(an_metrics[metric].pct);
}

/* One side's windows were preempted by other tasks far more than the other's (at least 4
   times as often, and in enough samples to reach the metric's tail), and that side is the
   slower one (change: B over A minus one): the difference may be the other tasks. A side
   preempted more that is still the faster one is not explained by them. */
static int preempt_confounds(const struct an_verdict_in *in, double change)
{
    double reach = an_preempt_reach(in->metric), hi, lo;

    if (!(reach > 0) || !isfinite(in->pre_a) || !isfinite(in->pre_b) || !isfinite(change))
        return 0;
    hi = fmax(in->pre_a, in->pre_b);
    lo = fmin(in->pre_a, in->pre_b);
    if (!(hi >= reach && hi >= 4 * lo))
        return 0;
    return in->pre_b > in->pre_a ? change > 0 : change < 0;
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
        if (in->min_change > 0)
            v->need = needed(sp * sp, log1p(in->min_change), in->alpha, 3);
    }
    by_runs(in, v);
    /* Against the pairing's run scatter: a side of one or two runs, unless its runs are
       already the unit; sides of three or more when other stored runs add to their own
       (then whatever the sides' own F-test said). */
    if (in->run_a && in->run_b && na >= 2 && nb >= 2 &&
        (v->nruns_a < 3 || v->nruns_b < 3 ? !v->by_runs
                                          : in->drift_df > v->nruns_a + v->nruns_b - 2)) {
        v->by_runs = 0;
        drift_test(in, v);
    }
    if (!v->unstable && preempt_confounds(in, v->change)) {
        v->unstable = 3;
        v->mode_side = in->pre_b > in->pre_a;
        v->pre[0] = in->pre_a;
        v->pre[1] = in->pre_b;
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
    } else if (v->unstable == 3) {
        const char *hs = v->mode_side ? "B" : "A", *ls = v->mode_side ? "A" : "B";
        double hi = v->pre[v->mode_side], lo = v->pre[!v->mode_side];
        v->state = AV_UNSTABLE;
        if (lo > 0)
            snprintf(v->reason, sizeof(v->reason),
                     "%s's windows were preempted by other tasks %.0fx as often as %s's (in "
                     "%.3g%% of samples against %.3g%%): the difference may be the machine's "
                     "other load",
                     hs, hi / lo, ls, hi * 100, lo * 100);
        else
            snprintf(v->reason, sizeof(v->reason),
                     "%s's windows were preempted by other tasks in %.3g%% of samples, %s's "
                     "never: the difference may be the machine's other load",
                     hs, hi * 100, ls);
    } else if (v->unstable == 2 &&
               !(sig && (v->lo >= in->min_change || v->hi <= -in->min_change)) &&
               !(v->na >= 3 && v->nb >= 3 && v->lo > -in->min_change && v->hi < in->min_change)) {
        v->state = AV_UNSTABLE;
        snprintf(v->reason, sizeof(v->reason),
                 "most repetitions of %s ran in noisy windows (steal or interrupts)",
                 v->mode_side ? "B" : "A");
    } else if (v->by_runs && (v->nruns_a < 3 || v->nruns_b < 3)) {
        v->state = AV_INCONCLUSIVE;
        snprintf(v->reason, sizeof(v->reason),
                 "runs differ more than their repetitions explain, and %d and %d runs are too "
                 "few: at least 3 a side",
                 v->nruns_a, v->nruns_b);
    } else if (v->na < 3 || v->nb < 3) {
        v->state = AV_INCONCLUSIVE;
        snprintf(v->reason, sizeof(v->reason),
                 "%d and %d repetitions: run-to-run variance needs at least 3 a side", v->na,
                 v->nb);
        if (v->need > 3)
            snprintf(v->reason + strlen(v->reason), sizeof(v->reason) - strlen(v->reason),
                     " (about %d to resolve %.3g%%)", v->need, in->min_change * 100);
    } else if (v->drift == 1) {
        v->state = AV_INCONCLUSIVE;
        snprintf(v->reason, sizeof(v->reason),
                 "%s one run, and no other stored runs of its pairing show how far runs drift "
                 "apart: compare 2 or more runs a side, or collect earlier runs",
                 v->nruns_a < 2 && v->nruns_b < 2 ? "each side holds"
                 : v->nruns_a < 2                 ? "A holds"
                                                  : "B holds");
    } else if (sig) {
        v->state = worse > 0 ? AV_REGRESSED : AV_IMPROVED;
    } else if (v->drift == 2 && in->min_change > 0 &&
               v->need_runs > (v->nruns_a < v->nruns_b ? v->nruns_a : v->nruns_b) &&
               !(v->lo > -in->min_change && v->hi < in->min_change)) {
        double d = fabs(log1p(v->change));
        v->state = AV_INCONCLUSIVE;
        snprintf(v->reason, sizeof(v->reason),
                 "runs of this pairing scatter %.1f%% (%d runs): about %d runs a side are "
                 "needed to resolve %.3g%%",
                 v->drift_cv * 100, in->drift_runs, v->need_runs, in->min_change * 100);
        if (isfinite(d) && d > log1p(in->min_change)) {
            /* a change larger than min-change needs fewer to confirm: say how many */
            size_t o = strlen(v->reason);
            snprintf(v->reason + o, sizeof(v->reason) - o, ", %d to confirm one of %+.0f%%",
                     needed(in->drift_var, d, in->alpha, 2), v->change * 100);
        }
    } else if (v->drift != 2 && in->min_change > 0 && v->need > (v->na < v->nb ? v->na : v->nb) &&
               !(v->lo > -in->min_change && v->hi < in->min_change)) {
        v->state = AV_INCONCLUSIVE;
        snprintf(v->reason, sizeof(v->reason),
                 "%s spread %.1f%%: about %d a side are needed to "
                 "resolve %.3g%%",
                 v->by_runs ? "runs" : "repetitions", v->cv * 100, v->need, in->min_change * 100);
    } else {
        v->state = AV_SAME;
    }
    if (v->unstable == 2 && v->state != AV_UNSTABLE) {
        /* noisy windows, yet the whole interval is past min-change (or inside it) */
        size_t o = strlen(v->reason);
        snprintf(v->reason + o, sizeof(v->reason) - o,
                 "%smost repetitions of %s ran in noisy windows, but the whole CI is %s "
                 "+-min-change",
                 o ? "; " : "", v->mode_side ? "B" : "A", v->state == AV_SAME ? "inside" : "past");
    }
    if (v->by_runs && v->state != AV_INCONCLUSIVE && v->state != AV_UNSTABLE) {
        size_t o = strlen(v->reason);
        snprintf(v->reason + o, sizeof(v->reason) - o, "%sruns as the unit (%d and %d; %s)",
                 o ? "; " : "", v->nruns_a, v->nruns_b,
                 v->by_runs == 2 ? "one repetition each"
                                 : "they differ more than their repetitions explain");
    }
    if (v->drift == 2 && v->state != AV_INCONCLUSIVE && v->state != AV_UNSTABLE) {
        size_t o = strlen(v->reason);
        snprintf(v->reason + o, sizeof(v->reason) - o,
                 "%sruns as the unit (%d and %d; a run scatters %.1f%%, from %d runs of this "
                 "pairing)",
                 o ? "; " : "", v->nruns_a, v->nruns_b, v->drift_cv * 100, in->drift_runs);
    }
    for (int k = 0; k < 2; k++)
        if (isfinite(v->outlier[k]) && !v->by_runs) {
            size_t o = strlen(v->reason);
            snprintf(v->reason + o, sizeof(v->reason) - o,
                     "%s1 repetition of %s left out (%s, far from the others)", o ? "; " : "",
                     k ? "B" : "A", an_fmt_value(in->metric, v->outlier[k], b1, sizeof(b1)));
        }
}

int an_rep_modes(const double *x, int n, int metric, char *buf, size_t len)
{
    struct reps_modes m;
    char b1[48], b2[48];

    buf[0] = 0;
    if (reps_modes(x, n, &m) <= 0)
        return 0;
    snprintf(buf, len, "repetitions in distinct modes: %s (%d), %s (%d)",
             an_fmt_value(metric, m.m[0], b1, sizeof(b1)), m.n[0],
             an_fmt_value(metric, m.m[1], b2, sizeof(b2)), m.n[1]);
    return 1;
}

int an_vrow_metrics(const struct an_bench *x, const struct an_bench *y, const int *want, int nwant,
                    int *out)
{
    int n = 0;
    if (nwant) {
        for (int i = 0; i < nwant && i < AM_NMETRICS; i++)
            out[n++] = want[i];
        return n;
    }
    if (x->hist && y->hist) {
        double nmin = fmin((double)x->hist->count, (double)y->hist->count) /
                      fmax(1, fmax(x->nrows, y->nrows));
        out[n++] = AM_P50;
        /* A percentile needs at least 10 values above it in each repetition. */
        if (nmin * 0.01 >= 10)
            out[n++] = AM_P99;
        if (nmin * 0.001 >= 10)
            out[n++] = AM_P999;
        return n;
    }
    out[n++] = AM_REAL;
    return n;
}

int an_vrow_test(struct an_vrow *r, const struct an_bench *x, const struct an_bench *y, int m,
                 double alpha, double level, double min_change, const struct an_drift *d)
{
    int na = an_bench_reps(x, m, NULL, 0), nb = an_bench_reps(y, m, NULL, 0);

    memset(r, 0, sizeof(*r));
    if (na == 0 || nb == 0)
        return 0;
    r->x = x;
    r->y = y;
    r->m = m;
    r->u.p = NAN;
    if (!(r->ra = malloc(sizeof(double) * (size_t)na)) ||
        !(r->rb = malloc(sizeof(double) * (size_t)nb)) ||
        !(r->runa = malloc(sizeof(int) * (size_t)na)) ||
        !(r->runb = malloc(sizeof(int) * (size_t)nb))) {
        an_vrow_free(r);
        return -1;
    }
    an_bench_reps(x, m, r->ra, na);
    an_bench_reps(y, m, r->rb, nb);
    an_bench_rep_runs(x, m, r->runa, na);
    an_bench_rep_runs(y, m, r->runb, nb);
    r->in = (struct an_verdict_in){.a = r->ra,
                                   .b = r->rb,
                                   .run_a = r->runa,
                                   .run_b = r->runb,
                                   .na = na,
                                   .nb = nb,
                                   .noisy_a = x->noisy,
                                   .noisy_b = y->noisy,
                                   .metric = m,
                                   .higher_better = an_metrics[m].higher_better,
                                   .alpha = alpha,
                                   .level = level,
                                   .min_change = min_change,
                                   .pre_a = an_bench_preempt(x),
                                   .pre_b = an_bench_preempt(y)};
    if (an_drift_of(d, x, y, m, &r->in.drift_var, &r->in.drift_df, &r->in.drift_runs))
        r->in.drift_df = 0;
    an_verdict_test(&r->in, &r->v);
    if (an_mwu(r->ra, na, r->rb, nb, &r->u))
        r->u.p = NAN;
    return 1;
}

int an_vrows_decide(struct an_vrow *rows, size_t n)
{
    double *p, *q;

    if (!n)
        return 0;
    p = malloc(sizeof(double) * n);
    q = malloc(sizeof(double) * n);
    if (!p || !q) {
        free(p);
        free(q);
        return -ENOMEM;
    }
    for (size_t i = 0; i < n; i++)
        p[i] = rows[i].v.p;
    an_bh(p, (int)n, q);
    for (size_t i = 0; i < n; i++) {
        rows[i].v.q = q[i];
        an_verdict_decide(&rows[i].in, &rows[i].v);
    }
    free(p);
    free(q);
    return 0;
}

void an_vrow_free(struct an_vrow *r)
{
    free(r->ra);
    free(r->rb);
    free(r->runa);
    free(r->runb);
    r->ra = r->rb = NULL;
    r->runa = r->runb = NULL;
}
