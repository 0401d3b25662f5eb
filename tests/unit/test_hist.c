/*
 * Histogram tests: percentile error bound against exact percentiles on random data of
 * several shapes, merge, the lossless text round trip, range edges and malformed text.
 */
#include "check.h"
#include "hist.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

static uint64_t rng = 88172645463325252ull;

static double urand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (double)(rng >> 11) / 9007199254740992.0;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Nearest-rank percentile of sorted values. */
static double exact(const double *v, size_t n, double p)
{
    size_t rank = (size_t)ceil(p / 100.0 * (double)n);
    if (rank < 1)
        rank = 1;
    return v[rank - 1];
}

static void check_shape(const char *shape, double (*gen)(void))
{
    enum { N = 200000 };
    static double v[N];
    static const double ps[] = {1, 10, 25, 50, 75, 90, 99, 99.9, 99.99};
    struct hist *h = hist_new();
    double worst = 0;

    for (size_t i = 0; i < N; i++) {
        v[i] = gen();
        hist_record(h, v[i]);
    }
    qsort(v, N, sizeof(v[0]), cmp);
    for (size_t i = 0; i < sizeof(ps) / sizeof(ps[0]); i++) {
        double e = exact(v, N, ps[i]), got = hist_percentile(h, ps[i]);
        double rel = fabs(got - e) / e;
        if (rel > worst)
            worst = rel;
        CHECK(rel <= 0.01, "%s p%g: got %.6g, exact %.6g (%.3f%%)", shape, ps[i], got, e,
              100 * rel);
    }
    CHECK(hist_count(h) == N, "%s count %llu", shape, (unsigned long long)hist_count(h));
    CHECK(hist_min(h) == v[0] && hist_max(h) == v[N - 1], "%s min/max not exact", shape);
    CHECK(hist_percentile(h, 100) == v[N - 1], "%s p100 is not max", shape);
    printf("%s: worst percentile error %.3f%%\n", shape, 100 * worst);
    hist_free(h);
}

static double g_uniform(void)
{
    return 100 + 900 * urand(); /* 100..1000 ns */
}

static double g_lognormal(void)
{
    double u1 = urand() + 1e-12, u2 = urand();
    double z = sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
    return exp(9 + 1.5 * z); /* median ~8 us, long tail */
}

static double g_bimodal(void)
{
    return urand() < 0.9 ? 20 + urand() * 5 : 6000 + urand() * 3000;
}

static double g_wide(void)
{
    return pow(10, urand() * 11); /* 1 ns .. 100 s */
}

static void test_merge(void)
{
    struct hist *a = hist_new(), *b = hist_new(), *all = hist_new();
    for (int i = 0; i < 50000; i++) {
        double x = g_lognormal(), y = g_bimodal();
        hist_record(a, x);
        hist_record(b, y);
        hist_record(all, x);
        hist_record(all, y);
    }
    hist_merge(a, b);
    CHECK(hist_count(a) == hist_count(all), "merged count");
    CHECK(memcmp(a->counts, all->counts, sizeof(a->counts)) == 0, "merged buckets differ");
    CHECK(hist_min(a) == hist_min(all) && hist_max(a) == hist_max(all), "merged min/max");
    CHECK(fabs(hist_mean(a) - hist_mean(all)) <= 1e-9 * hist_mean(all), "merged mean");
    CHECK(hist_percentile(a, 99) == hist_percentile(all, 99), "merged p99");
    hist_free(a);
    hist_free(b);
    hist_free(all);
}

static void test_roundtrip(void)
{
    struct hist *h = hist_new(), *back = NULL;
    char name[64], err[128];
    FILE *f = tmpfile();
    int ret;

    for (int i = 0; i < 10000; i++)
        hist_record(h, g_wide());
    hist_record(h, 0);    /* underflow */
    hist_record(h, -5);   /* underflow */
    hist_record(h, 1e12); /* overflow: 1000 s */
    hist_write(h, "timer/read/x#0", f);
    rewind(f);
    ret = hist_read(f, &back, name, sizeof(name), err, sizeof(err));
    CHECK(ret == 1, "read returned %d (%s)", ret, err);
    if (back) {
        CHECK(strcmp(name, "timer/read/x#0") == 0, "name '%s'", name);
        CHECK(memcmp(back, h, sizeof(*h)) == 0, "round trip is not lossless");
        CHECK(back->underflow == 2 && back->overflow == 1, "under/overflow %llu/%llu",
              (unsigned long long)back->underflow, (unsigned long long)back->overflow);
        CHECK(hist_max(back) == 1e12 && hist_min(back) == -5, "exact min/max kept");
    }
    {
        struct hist *none = NULL;
        CHECK(hist_read(f, &none, name, sizeof(name), err, sizeof(err)) == 0 && !none,
              "EOF not reported");
    }
    fclose(f);
    hist_free(back);
    hist_free(h);
}

static void expect_bad(const char *text, const char *what)
{
    FILE *f = tmpfile();
    struct hist *h = NULL;
    char name[64], err[128] = "";
    fputs(text, f);
    rewind(f);
    CHECK(hist_read(f, &h, name, sizeof(name), err, sizeof(err)) < 0 && !h && err[0],
          "malformed (%s) accepted", what);
    fclose(f);
}

static void test_malformed(void)
{
    expect_bad("nonsense\n1:1\n", "bad magic");
    expect_bad("viobench-hist 9 x count=1 underflow=0 overflow=0 min=1 max=1 sum=1 sumsq=1\n"
               "300:1\n",
               "future version");
    expect_bad("viobench-hist 1 x count=2 underflow=0 overflow=0 min=1 max=1 sum=1 sumsq=1\n"
               "300:1\n",
               "count mismatch");
    expect_bad("viobench-hist 1 x count=1 underflow=0 overflow=0 min=1 max=1 sum=1 sumsq=1\n"
               "999999:1\n",
               "bucket out of range");
    expect_bad("viobench-hist 1 x count=1 underflow=0 overflow=0 min=1 max=1 sum=1 sumsq=1\n",
               "missing bucket line");
    expect_bad("viobench-hist 1 x count=1 underflow=0 overflow=0 min=1 max=1 sum=1 sumsq=1\n"
               "12:x\n",
               "bad count");
    /* impossible numbers (issue 15): the analyzer's reader refuses them like collect */
    expect_bad("viobench-hist 1 x count=1 underflow=0 overflow=0 min=nan max=1 sum=1 sumsq=1\n"
               "300:1\n",
               "min=nan");
    expect_bad("viobench-hist 1 x count=1 underflow=0 overflow=0 min=1 max=inf sum=1 sumsq=1\n"
               "300:1\n",
               "max=inf");
    expect_bad("viobench-hist 1 x count=1 underflow=0 overflow=0 min=1 max=1 sum=1 sumsq=1\n"
               "300:18446744073709551615 301:2\n",
               "bucket counts wrapping uint64");
    expect_bad("viobench-hist 1 x count=1 underflow=-1 overflow=0 min=1 max=1 sum=1 sumsq=1\n"
               "300:1\n",
               "negative underflow");
    expect_bad("viobench-hist 1 x count=1 underflow=0 overflow=0 min=1 max=1 sum=1 sumsq=-1\n"
               "300:1\n",
               "negative sumsq");
    expect_bad("viobench-hist 1 x count=1 underflow=0 overflow=0 min=-5 max=1 sum=1 sumsq=1\n"
               "300:1\n",
               "negative min without underflow");
    expect_bad("viobench-hist 1 x count=1 underflow=0 overflow=0 min=2 max=1 sum=1 sumsq=1\n"
               "300:1\n",
               "min above max");
    expect_bad("viobench-hist 1 x count=1 underflow=0 overflow=0 min=1 max=1 sum=1 sumsq=1\n"
               "300:-1\n",
               "negative bucket count");
}

static void test_edges(void)
{
    struct hist *h = hist_new();
    CHECK(hist_percentile(h, 50) == 0 && hist_mean(h) == 0 && hist_stddev(h) == 0,
          "empty histogram");
    /* Bucket width is at most 1/128 of its lower bound across the whole range. */
    for (int i = 0; i < HIST_NBUCKETS - 1; i++) {
        double lo = hist_bucket_low(i), hi = hist_bucket_low(i + 1);
        if ((hi - lo) / lo > 1.0 / 128 + 1e-12) {
            CHECK(0, "bucket %d too wide: %g..%g", i, lo, hi);
            break;
        }
    }
    CHECK(hist_bucket_of(1.0) >= 0 && hist_bucket_low(hist_bucket_of(1.0)) <= 1.0,
          "1 ns lands in a bucket at or below it");
    CHECK(hist_bucket_of(100e9) < HIST_NBUCKETS, "100 s is inside the range");
    hist_record(h, 5);
    hist_record(h, 7);
    CHECK(fabs(hist_stddev(h) - sqrt(2.0)) < 1e-12, "stddev %g", hist_stddev(h));
    hist_free(h);
}

int main(void)
{
    check_shape("uniform", g_uniform);
    check_shape("lognormal", g_lognormal);
    check_shape("bimodal", g_bimodal);
    check_shape("wide", g_wide);
    test_merge();
    test_roundtrip();
    test_malformed();
    test_edges();
    return check_done("test_hist");
}
