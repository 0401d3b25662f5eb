/*
 * Statistical tests the analyzer decides with: the Mann-Whitney U test over repetitions
 * (what Google Benchmark's compare.py runs, through scipy), Welch's t-test for change
 * points (what Apache Otava uses in place of permutations), and the special functions
 * they need (normal tail and quantile, regularized incomplete beta, Student's t tail).
 *
 * The U test follows scipy.stats.mannwhitneyu(x, y, alternative="two-sided") with its
 * defaults, so results match compare.py and the scipy fixtures in tests/fixtures/analyze:
 * method "auto" picks the exact null distribution when one sample has at most 8 values and
 * no value is tied, else the normal approximation with the tie-corrected variance and a
 * continuity correction of 0.5; p = 2 * P(U >= max(U1, U2)), clipped to 1.
 */
#include "analyze.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

double an_norm_sf(double z)
{
    return 0.5 * erfc(z / M_SQRT2);
}

/* Acklam's rational approximation refined by one Halley step (|error| < 1e-12). */
double an_norm_ppf(double p)
{
    static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,
                               -2.759285104469687e+02, 1.383577518672690e+02,
                               -3.066479806614716e+01, 2.506628277459239e+00};
    static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02,
                               -1.556989798598866e+02, 6.680131188771972e+01,
                               -1.328068155288572e+01};
    static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01,
                               -2.400758277161838e+00, -2.549732539343734e+00,
                               4.374664141464968e+00,  2.938163982698783e+00};
    static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                               3.754408661907416e+00};
    double q, r, x, e, u;

    if (p <= 0)
        return -INFINITY;
    if (p >= 1)
        return INFINITY;
    if (p < 0.02425) {
        q = sqrt(-2 * log(p));
        x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
            ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    } else if (p > 1 - 0.02425) {
        q = sqrt(-2 * log(1 - p));
        x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
            ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    } else {
        q = p - 0.5;
        r = q * q;
        x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
            (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
    }
    e = 0.5 * erfc(-x / M_SQRT2) - p;
    u = e * sqrt(2 * M_PI) * exp(x * x / 2);
    return x - u / (1 + x * u / 2);
}

/* Continued fraction of the incomplete beta (modified Lentz). */
static double betacf(double a, double b, double x)
{
    const double tiny = 1e-300;
    double c = 1, d = 1 - (a + b) * x / (a + 1), h;
    int maxit = 200 + (int)(10 * sqrt(fmax(a, b)));

    if (fabs(d) < tiny)
        d = tiny;
    d = 1 / d;
    h = d;
    for (int m = 1; m <= maxit; m++) {
        double m2 = 2.0 * m, aa, del;
        aa = m * (b - m) * x / ((a + m2 - 1) * (a + m2));
        d = 1 + aa * d;
        c = 1 + aa / c;
        d = fabs(d) < tiny ? 1 / tiny : 1 / d;
        c = fabs(c) < tiny ? tiny : c;
        h *= d * c;
        aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1));
        d = 1 + aa * d;
        c = 1 + aa / c;
        d = fabs(d) < tiny ? 1 / tiny : 1 / d;
        c = fabs(c) < tiny ? tiny : c;
        del = d * c;
        h *= del;
        if (fabs(del - 1) < 1e-15)
            break;
    }
    return h;
}

double an_betainc(double a, double b, double x)
{
    double lbt;

    if (x <= 0)
        return 0;
    if (x >= 1)
        return 1;
    lbt = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x);
    if (x < (a + 1) / (a + b + 2))
        return exp(lbt) * betacf(a, b, x) / a;
    return 1 - exp(lbt) * betacf(b, a, 1 - x) / b;
}

double an_t_sf(double t, double df)
{
    double p;
    if (!isfinite(t))
        return t > 0 ? 0 : 1;
    p = 0.5 * an_betainc(df / 2, 0.5, df / (df + t * t));
    return t > 0 ? p : 1 - p;
}

double an_welch_p(double n1, double s1, double ss1, double n2, double s2, double ss2)
{
    double m1, m2, v1, v2, se2, t, df;

    if (n1 < 2 || n2 < 2)
        return 1;
    m1 = s1 / n1;
    m2 = s2 / n2;
    v1 = fmax(ss1 - s1 * m1, 0) / (n1 - 1);
    v2 = fmax(ss2 - s2 * m2, 0) / (n2 - 1);
    se2 = v1 / n1 + v2 / n2;
    if (!(se2 > 0))
        return m1 == m2 ? 1 : 0;
    t = (m2 - m1) / sqrt(se2);
    df = se2 * se2 / ((v1 / n1) * (v1 / n1) / (n1 - 1) + (v2 / n2) * (v2 / n2) / (n2 - 1));
    return fmin(1, 2 * an_t_sf(fabs(t), df));
}

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

double an_median(double *v, int n)
{
    if (n <= 0)
        return NAN;
    qsort(v, (size_t)n, sizeof(*v), cmp_dbl);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

struct ranked {
    double v;
    int side;
};

static int cmp_ranked(const void *a, const void *b)
{
    return cmp_dbl(&((const struct ranked *)a)->v, &((const struct ranked *)b)->v);
}

/* Null distribution counts of U for sizes m, n: f[k] = arrangements with U = k, by the
   recurrence f(m, n, k) = f(m-1, n, k-n) + f(m, n-1, k) (Mann and Whitney 1947), built up
   over i <= m, j <= n. Returns the P(U >= k) tail in out[k]; -ENOMEM. */
static int mwu_exact_sf(int m, int n, double *sf)
{
    int K = m * n;
    size_t stride = (size_t)K + 1;
    double *f = calloc((size_t)(n + 1) * stride * 2, sizeof(*f)), *prev, *cur, total = 0;

    if (!f)
        return -ENOMEM;
    /* Rolling over i: prev = f(i-1, ., .), cur = f(i, ., .); row j holds k = 0..K. */
    prev = f;
    cur = f + (size_t)(n + 1) * stride;
    for (int j = 0; j <= n; j++)
        prev[(size_t)j * stride] = 1; /* f(0, j, 0) = 1 */
    for (int i = 1; i <= m; i++) {
        memset(cur, 0, (size_t)(n + 1) * stride * sizeof(*cur));
        cur[0] = 1; /* f(i, 0, 0) = 1 */
        for (int j = 1; j <= n; j++)
            for (int k = 0; k <= i * j; k++) {
                double v = cur[(size_t)(j - 1) * stride + (size_t)k];
                if (k >= j)
                    v += prev[(size_t)j * stride + (size_t)(k - j)];
                cur[(size_t)j * stride + (size_t)k] = v;
            }
        double *t = prev;
        prev = cur;
        cur = t;
    }
    for (int k = 0; k <= K; k++)
        total += prev[(size_t)n * stride + (size_t)k];
    double acc = 0;
    for (int k = K; k >= 0; k--) {
        acc += prev[(size_t)n * stride + (size_t)k];
        sf[k] = acc / total;
    }
    free(f);
    return 0;
}

int an_mwu(const double *x, int nx, const double *y, int ny, struct an_mwu *out)
{
    int n = nx + ny, ties = 0;
    struct ranked *r;
    double r1 = 0, tie_term = 0, u1, u2, u, lc;

    if (nx < 1 || ny < 1)
        return -EINVAL;
    if (!(r = malloc((size_t)n * sizeof(*r))))
        return -ENOMEM;
    for (int i = 0; i < nx; i++)
        r[i] = (struct ranked){x[i], 0};
    for (int i = 0; i < ny; i++)
        r[nx + i] = (struct ranked){y[i], 1};
    qsort(r, (size_t)n, sizeof(*r), cmp_ranked);
    for (int i = 0; i < n;) {
        int j = i;
        while (j + 1 < n && r[j + 1].v == r[i].v)
            j++;
        double rank = (i + j) / 2.0 + 1, t = j - i + 1;
        for (int k = i; k <= j; k++)
            if (r[k].side == 0)
                r1 += rank;
        if (t > 1) {
            ties = 1;
            tie_term += t * t * t - t;
        }
        i = j + 1;
    }
    free(r);
    u1 = r1 - nx * (nx + 1) / 2.0;
    u2 = (double)nx * ny - u1;
    u = fmax(u1, u2);
    out->u = u1;
    /* log C(n, nx): the smallest two-sided exact p-value is 2 / C(n, nx). */
    lc = lgamma(n + 1.0) - lgamma(nx + 1.0) - lgamma(ny + 1.0);
    out->pmin = fmin(1, 2 * exp(-lc));
    out->exact = !ties && (nx <= 8 || ny <= 8);
    /* Beyond about 1e8 steps the exact table is too slow; the approximation is then
       accurate anyway (the other sample is in the thousands). */
    if (out->exact && (double)nx * ny * nx * ny > 1e8)
        out->exact = 0;
    if (out->exact) {
        double *sf = malloc(((size_t)nx * (size_t)ny + 1) * sizeof(*sf));
        if (!sf || mwu_exact_sf(nx, ny, sf)) {
            free(sf);
            return -ENOMEM;
        }
        out->p = 2 * sf[(int)u];
        free(sf);
    } else {
        double s = sqrt(nx * (double)ny / 12 * ((n + 1) - tie_term / ((double)n * (n - 1))));
        double z = (u - nx * (double)ny / 2 - 0.5) / s;
        out->p = s > 0 ? 2 * an_norm_sf(z) : 1;
    }
    if (out->p > 1)
        out->p = 1;
    if (isnan(out->p))
        out->p = 1;
    return 0;
}

double an_rand(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    return (double)(z >> 11) / 9007199254740992.0;
}
