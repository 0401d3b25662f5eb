/*
 * cp_eval: how well the analyzer's change-point detection (analyze/edivisive.c) finds known
 * shifts. Generates synthetic series with Gaussian noise of a given coefficient of
 * variation, half of them with 1 to 3 injected level shifts of at least MIN% (random sign,
 * up to 3x MIN, at least 10 points apart and from the ends), half without any, runs
 * an_edivisive with the trend command's defaults, and prints:
 *   detection: share of injected shifts found within +-1 point of the truth
 *   false alarms: share of shift-free series with any change point reported
 *   spurious: change points on shifted series more than 1 point from every truth
 *
 *   oracle: share found within +-1 by least squares knowing the true segmentation (the
 *     best any detector can locate a shift in this noise: the bound for "detection")
 *
 *   cp_eval [SERIES [LENGTH [CV% [MIN% [SEED [REPS]]]]]]   (defaults 1000 100 3 5 1 1)
 *
 * REPS > 1 makes each point the median of REPS runs with that noise (a version measured
 * REPS times), as `viobench analyze trend` takes the median of a version's runs.
 *
 * Exit status 0; the numbers are for scripts/bench-analyze and the README.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "analyze.h"

static double gauss(uint64_t *s)
{
    double u = an_rand(s), v = an_rand(s);
    if (u < 1e-300)
        u = 1e-300;
    return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

int main(int argc, char **argv)
{
    int nseries = argc > 1 ? atoi(argv[1]) : 1000, len = argc > 2 ? atoi(argv[2]) : 100;
    double cv = (argc > 3 ? atof(argv[3]) : 3) / 100,
           minshift = (argc > 4 ? atof(argv[4]) : 5) / 100;
    uint64_t seed = argc > 5 ? strtoull(argv[5], NULL, 0) : 1;
    int reps = argc > 6 ? atoi(argv[6]) : 1;
    long oracle = 0;
    struct an_cp_opts o = {.pvalue = 0.001, .min_rel = 0, .min_seg = 3};
    double *x = malloc(sizeof(double) * (size_t)len);
    struct an_cp cps[64];
    long shifts = 0, found = 0, spurious = 0, clean = 0, alarms = 0;

    if (!x || len < 30 || nseries < 2 || reps < 1) {
        fprintf(stderr, "usage: cp_eval [SERIES [LENGTH>=30 [CV%% [MIN%% [SEED [REPS]]]]]]\n");
        return 2;
    }
    for (int s = 0; s < nseries; s++) {
        int with = s % 2 == 0, nsh = 0, at[3];
        double level = 100 * (1 + 9 * an_rand(&seed)); /* any scale: 100 to 1000 ns */
        if (with) {
            nsh = 1 + (int)(an_rand(&seed) * 3);
            if (nsh > (len - 20) / 15)
                nsh = (len - 20) / 15 > 0 ? (len - 20) / 15 : 1;
            for (int k = 0; k < nsh; k++) {
                int ok, pos;
                do { /* at least 10 from the ends and from each other */
                    pos = 10 + (int)(an_rand(&seed) * (len - 20));
                    ok = 1;
                    for (int j = 0; j < k; j++)
                        ok &= abs(pos - at[j]) >= 10;
                } while (!ok);
                at[k] = pos;
            }
        }
        for (int i = 0; i < len; i++)
            x[i] = level;
        /* each shift multiplies the level from its position on */
        for (int k = 0; k < nsh; k++) {
            double mag = minshift * (1 + 2 * an_rand(&seed));
            double f = an_rand(&seed) < 0.5 ? 1 + mag : 1 / (1 + mag);
            for (int i = at[k]; i < len; i++)
                x[i] *= f;
        }
        for (int i = 0; i < len; i++) {
            double r[64];
            for (int k = 0; k < reps && k < 64; k++)
                r[k] = x[i] * (1 + cv * gauss(&seed));
            x[i] = an_median(r, reps < 64 ? reps : 64);
        }
        /* the oracle: least-squares location of each shift between its true neighbours */
        for (int k = 0; k < nsh; k++) {
            int lo = 0, hi = len, bt = -1;
            double best = -1;
            for (int j = 0; j < nsh; j++) {
                if (at[j] < at[k] && at[j] > lo)
                    lo = at[j];
                if (at[j] > at[k] && at[j] < hi)
                    hi = at[j];
            }
            for (int t = lo + 1; t < hi; t++) {
                double s1 = 0, s2 = 0, d;
                for (int i = lo; i < t; i++)
                    s1 += x[i];
                for (int i = t; i < hi; i++)
                    s2 += x[i];
                d = s1 / (t - lo) - s2 / (hi - t);
                d = (double)(t - lo) * (hi - t) / (hi - lo) * d * d;
                if (d > best) {
                    best = d;
                    bt = t;
                }
            }
            oracle += abs(bt - at[k]) <= 1;
        }
        int n = an_edivisive(x, len, &o, cps, 64);
        if (n < 0)
            return 1;
        if (!with) {
            clean++;
            alarms += n > 0;
            continue;
        }
        shifts += nsh;
        for (int k = 0; k < nsh; k++) {
            int hit = 0;
            int best = 1000;
            for (int j = 0; j < n; j++) {
                hit |= abs(cps[j].index - at[k]) <= 1;
                if (abs(cps[j].index - at[k]) < best)
                    best = abs(cps[j].index - at[k]);
            }
            found += hit;
            if (!hit && getenv("CP_EVAL_DEBUG"))
                fprintf(stderr, "miss: shift at %d, nearest change point %d away\n", at[k], best);
        }
        for (int j = 0; j < n; j++) {
            int near = 0;
            for (int k = 0; k < nsh; k++)
                near |= abs(cps[j].index - at[k]) <= 1;
            spurious += !near;
        }
    }
    printf("cp_eval: %d series of %d points, noise CV %.1f%% per run, %d run%s per point, "
           "shifts >= %.0f%% (to %.0f%%)\n",
           nseries, len, cv * 100, reps, reps == 1 ? "" : "s (median)", minshift * 100,
           minshift * 300);
    printf("detection: %.1f%% of %ld injected shifts found within +-1 point\n",
           100.0 * (double)found / (double)shifts, shifts);
    printf("oracle: %.1f%% located within +-1 by least squares knowing the true segments\n",
           100.0 * (double)oracle / (double)shifts);
    printf("false alarms: %.1f%% of %ld shift-free series\n",
           100.0 * (double)alarms / (double)clean, clean);
    printf("spurious: %ld change points more than 1 point from any injected shift\n", spurious);
    free(x);
    return 0;
}
