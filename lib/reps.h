/*
 * How viobench combines the repetitions of one benchmark, written once for every place that
 * prints a figure (the run's console table, the analyzer's compare, gate, matrix ...): each
 * repetition weighs the same, and a figure is the geometric mean of the per-repetition
 * values. Repetitions that fall into distinct modes (an unpinned thread landing on another
 * CPU, a noisy window) are found here too, so that no summary hides a mode.
 */
#ifndef VB_REPS_H
#define VB_REPS_H

#define REPS_AGGREGATION "geometric mean over repetitions, each weighing the same"

/* Two distinct modes among repetitions: geometric means m[0] < m[1] of n[0] and n[1] values. */
struct reps_modes {
    double m[2];
    int n[2];
};

/* The geometric mean of n values (any unit); the median when a value is 0 or negative; NAN
   when n <= 0. */
double reps_geomean(const double *v, int n);

/* The median of n values (not changed); NAN when n <= 0 or out of memory. */
double reps_median(const double *v, int n);

/* The share of samples (a fraction) that preemptions must reach to move percentile pct
   (50 to 100): a quarter of its tail (p99: 0.0025); 0 for other pct. */
double reps_preempt_reach(double pct);

/* Distinct modes among n >= 3 values sorted ascending: the largest jump between neighbours
   is at least 20% and more than twice the relative spread inside either part. 1 when found
   (and *out filled), 0 otherwise. */
int reps_modes_sorted(const double *sorted, int n, struct reps_modes *out);

/* reps_modes_sorted on an unsorted array (copied, not changed). 1 found, 0 not, -ENOMEM. */
int reps_modes(const double *v, int n, struct reps_modes *out);

#endif
