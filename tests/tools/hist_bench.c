/*
 * hist_bench: what one hist_record() costs, the figure behind "at most 5 ns per sample"
 * (scripts/bench-core). Records COUNT values (default 100M) drawn log-uniformly from 1 ns to
 * 1 s, the spread a latency histogram really sees, from a table small enough to stay in
 * cache, so the figure is the histogram's cost and not memory bandwidth. Runs ROUNDS rounds
 * and prints the median ns per sample; the loop that only reads the table is timed too and
 * printed for reference (not subtracted).
 *
 *   hist_bench [COUNT [ROUNDS]]
 */
#include "hist.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define TABLE 65536 /* values, 512 KiB: stays in L2 */

static double now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    uint64_t count = argc > 1 ? strtoull(argv[1], NULL, 10) : 100000000ull;
    int rounds = argc > 2 ? atoi(argv[2]) : 5;
    double *v = malloc(TABLE * sizeof(*v)), rec[64], base[64], sink = 0;
    uint64_t x = 88172645463325252ull, per;
    struct hist *h = hist_new();

    if (count < 1000 || rounds < 1 || rounds > 64) {
        fprintf(stderr, "usage: hist_bench [COUNT>=1000 [ROUNDS 1-64]]\n");
        return 2;
    }
    if (!v || !h)
        return 1;
    for (int i = 0; i < TABLE; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17; /* xorshift64 */
        v[i] = pow(10, 9.0 * (double)(x >> 11) / 9007199254740992.0);
    }
    per = count / (uint64_t)rounds;
    for (int r = 0; r < rounds; r++) {
        double t0 = now_ns();
        for (uint64_t i = 0; i < per; i++)
            hist_record(h, v[i & (TABLE - 1)]);
        rec[r] = (now_ns() - t0) / (double)per;
        t0 = now_ns();
        for (uint64_t i = 0; i < per; i++) {
            sink += v[i & (TABLE - 1)];
            __asm__ __volatile__("" : "+x"(sink));
        }
        base[r] = (now_ns() - t0) / (double)per;
    }
    if (hist_count(h) != per * (uint64_t)rounds) {
        fprintf(stderr, "hist_bench: recorded %llu, expected %llu\n",
                (unsigned long long)hist_count(h), (unsigned long long)(per * (uint64_t)rounds));
        return 1;
    }
    qsort(rec, (size_t)rounds, sizeof(double), cmp);
    qsort(base, (size_t)rounds, sizeof(double), cmp);
    printf("ns_per_sample: %.3f\n", rec[rounds / 2]);
    printf("loop_only_ns: %.3f\n", base[rounds / 2]);
    printf("samples: %llu in %d rounds; p50 of the values %.0f ns\n",
           (unsigned long long)hist_count(h), rounds, hist_percentile(h, 50));
    hist_free(h);
    free(v);
    return sink == -1 ? 3 : 0;
}
