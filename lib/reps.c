/*
 * Combining repetitions (reps.h): the one aggregation every printed figure uses, and the
 * distinct-modes test that flags repetitions which do not belong to one distribution.
 */
#include "reps.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double reps_median(const double *v, int n)
{
    double tmp[64], *c, med;

    if (n <= 0)
        return NAN;
    c = n <= 64 ? tmp : malloc(sizeof(double) * (size_t)n);
    if (!c)
        return NAN;
    memcpy(c, v, sizeof(double) * (size_t)n);
    qsort(c, (size_t)n, sizeof(double), cmp_dbl);
    med = n % 2 ? c[n / 2] : (c[n / 2 - 1] + c[n / 2]) / 2;
    if (c != tmp)
        free(c);
    return med;
}

double reps_geomean(const double *v, int n)
{
    double s = 0;

    if (n <= 0)
        return NAN;
    for (int i = 0; i < n; i++) {
        if (!(v[i] > 0))
            return reps_median(v, n);
        s += log(v[i]);
    }
    return exp(s / n);
}

double reps_preempt_reach(double pct)
{
    return pct >= 50 && pct < 100 ? (1 - pct / 100) / 4 : 0;
}

int reps_modes_sorted(const double *v, int n, struct reps_modes *out)
{
    int best = -1;
    double jump = 1, s1, s2, l1 = 0, l2 = 0;

    if (n < 3)
        return 0;
    for (int i = 0; i + 1 < n; i++)
        if (v[i] > 0 && v[i + 1] / v[i] > jump) {
            jump = v[i + 1] / v[i];
            best = i;
        }
    if (best < 0 || jump < 1.20)
        return 0;
    s1 = v[best] / v[0] - 1;
    s2 = v[n - 1] / v[best + 1] - 1;
    if (jump - 1 <= 2 * fmax(s1, s2))
        return 0;
    for (int i = 0; i <= best; i++)
        l1 += log(v[i]);
    for (int i = best + 1; i < n; i++)
        l2 += log(v[i]);
    out->n[0] = best + 1;
    out->n[1] = n - best - 1;
    out->m[0] = exp(l1 / out->n[0]);
    out->m[1] = exp(l2 / out->n[1]);
    return 1;
}

int reps_modes(const double *v, int n, struct reps_modes *out)
{
    double tmp[64], *c;
    int found;

    if (n < 3)
        return 0;
    c = n <= 64 ? tmp : malloc(sizeof(double) * (size_t)n);
    if (!c)
        return -ENOMEM;
    memcpy(c, v, sizeof(double) * (size_t)n);
    qsort(c, (size_t)n, sizeof(double), cmp_dbl);
    found = reps_modes_sorted(c, n, out);
    if (c != tmp)
        free(c);
    return found;
}
