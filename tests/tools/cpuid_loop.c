/*
 * cpuid_loop: does viobench's exit/cpuid/leaf:0x0 report what a plain CPUID loop sees
 * (scripts/bench-core, goal within 2%)? CPUID exits cost several microseconds and vary with
 * the host's load, so the two sides are measured in one process, alternating every ROUND
 * (ABBA order, so drift hits both alike):
 *   A  the table's exit/cpuid/leaf:0x0 row through the real runner (warm-up, adaptive
 *      batching, the measured window): the row's real_time, i.e. what `viobench run` prints;
 *   B  CPUID in inline asm (not lib/x86.h, so it shares no code with the kernel) for the
 *      same time: elapsed clock_gettime time / CPUIDs.
 * Prints each round, the median of each side, and the median over rounds of the paired
 * ratio A/B (the figure: pairing cancels the host's drift between rounds).
 *
 *   cpuid_loop [ROUNDS [ROUND_SECONDS]]      defaults: 41 rounds of 0.1 s per side
 */
#include "harness.h"
#include "timesrc.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

/* B: the plain loop, mean ns per CPUID over `secs`. */
static double plain_loop(double secs)
{
    double t0 = now_ns(), t1;
    uint64_t n = 0;
    uint32_t sink = 0;

    do {
        for (int i = 0; i < 100; i++) {
            uint32_t a = 0, b, c = 0, d;
            __asm__ __volatile__("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
            sink += a;
        }
        n += 100;
        t1 = now_ns();
    } while (t1 - t0 < secs * 1e9);
    __asm__ __volatile__("" ::"r"(sink));
    return (t1 - t0) / (double)n;
}

/* A: the kernel row through the runner, its real_time in ns; < 0 on failure. */
static double runner_once(const struct runner_cfg *cfg, struct plan_item *it)
{
    struct vb_run run;
    double v = -1;

    if (vb_run_init(&run))
        return -1;
    if (runner_run(cfg, it, 1, &run) == 0 && run.nrows == 1 && !run.rows[0].error_occurred)
        v = run.rows[0].real_time;
    vb_run_free(&run);
    return v;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 41;
    double secs = argc > 2 ? atof(argv[2]) : 0.1, a[1000], b[1000], ratio[1000];
    struct vb_opts o = {.cpu = -1};
    struct runner_cfg cfg = {.opts = &o, .repetitions = 1, .noise_threshold_pct = 100};
    struct plan_item it = {.k = vb_kernel_find("exit/cpuid/leaf:0x0")};

    if (rounds < 1 || rounds > 1000 || !(secs >= 0.01 && secs <= 60)) {
        fprintf(stderr, "usage: cpuid_loop [ROUNDS 1-1000 [ROUND_SECONDS 0.01-60]]\n");
        return 2;
    }
    if (!it.k) {
        fprintf(stderr, "cpuid_loop: no exit/cpuid/leaf:0x0 in this build\n");
        return 1;
    }
    o.min_time_ns = secs * 1e9;
    o.warmup_ns = secs * 1e9 / 5 < 1e8 ? secs * 1e9 / 5 : 1e8;
    ts_init(TS_AUTO, -1);
    for (int r = 0; r < rounds; r++) {
        if (r % 2 == 0) {
            a[r] = runner_once(&cfg, &it);
            b[r] = plain_loop(secs);
        } else {
            b[r] = plain_loop(secs);
            a[r] = runner_once(&cfg, &it);
        }
        if (a[r] < 0) {
            fprintf(stderr, "cpuid_loop: the runner failed in round %d\n", r + 1);
            return 1;
        }
        ratio[r] = a[r] / b[r];
        printf("round %d: viobench %.1f ns, loop %.1f ns, ratio %.4f\n", r + 1, a[r], b[r],
               ratio[r]);
    }
    qsort(ratio, (size_t)rounds, sizeof(double), cmp);
    qsort(a, (size_t)rounds, sizeof(double), cmp);
    qsort(b, (size_t)rounds, sizeof(double), cmp);
    printf("viobench_ns: %.1f\n", a[rounds / 2]);
    printf("loop_ns: %.1f\n", b[rounds / 2]);
    printf("ratio_of_medians: %.4f\n", a[rounds / 2] / b[rounds / 2]);
    printf("median_ratio: %.4f\n", ratio[rounds / 2]);
    printf("time source: %s\n", vb_ts.name);
    return 0;
}
