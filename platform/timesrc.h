/*
 * The time source behind every measured sample, decided once per run.
 *
 * The TSC is used when it can be trusted for this run: the CPU says it is invariant
 * (CPUID 0x80000007 EDX bit 8) and either the measuring thread is pinned to one CPU or a
 * cross-CPU check passes: CPU 0 and each other CPU hand a token back and forth 20,000 times,
 * each reading the TSC while holding it, and the TSC must never step back across a
 * hand-over. (fio's check instead tags TSC reads with an atomic sequence number; a vCPU
 * preempted between the two makes it report mismatches a strict hand-over does not show.) Its rate is calibrated against
 * CLOCK_MONOTONIC_RAW. Otherwise the source is clock_gettime(CLOCK_MONOTONIC). Inside many
 * VMs the TSCs of the vCPUs are offset from each other, so unpinned runs fall back there.
 * The choice, the checks behind it, the resolution and the read overhead go into every run.
 *
 * `vb_ts` is public because ts_now() is inline on every measured loop.
 */
#ifndef VB_TIMESRC_H
#define VB_TIMESRC_H

#include <stdint.h>

#include "platform.h"
#include "x86.h"

enum ts_kind { TS_CLOCK = 0, TS_TSC = 1 };
enum ts_mode { TS_AUTO = 0, TS_WANT_TSC, TS_WANT_CLOCK };

struct timesrc {
    enum ts_kind kind;
    double ns_per_tick;     /* 1 for the clock; 1e9 / tsc_hz for the TSC */
    double tsc_hz;          /* calibrated TSC rate (also measured when the clock is used) */
    double overhead_ns;     /* median cost of reading the source twice back to back */
    double resolution_ns;   /* smallest step the source shows */
    int tsc_invariant;      /* CPUID says invariant TSC */
    int tsc_cross_cpu;      /* 1 passed, 0 failed, -1 not run (pinned or single CPU) */
    uint64_t tsc_backsteps; /* backward steps seen by the cross-CPU check */
    double tsc_check_sensitivity_ns; /* shortest CPU-to-CPU hand-over in the check: offsets
                                        between CPUs smaller than this go unseen */
    char name[48];                   /* "tsc" or "clock_gettime(CLOCK_MONOTONIC)" */
    char reason[256];                /* one line: why this source */
};

extern struct timesrc vb_ts;

/*
 * Decide the time source for this run. pinned_cpu is the CPU the measuring thread is
 * pinned to, or -1. Takes about 100 ms (calibration and checks). Returns 0, or -EINVAL when
 * TS_WANT_TSC is asked on a machine without an invariant TSC.
 */
int ts_init(enum ts_mode mode, int pinned_cpu);

/* Current time in source ticks; cheapest read, for per-operation timestamps. */
static inline uint64_t ts_now(void)
{
    if (vb_ts.kind == TS_TSC)
        return x86_rdtsc();
    return pf_clock_ns();
}

/* Start of a timed region (ordered: earlier work has finished). */
static inline uint64_t ts_begin(void)
{
    if (vb_ts.kind == TS_TSC)
        return x86_tsc_begin();
    return pf_clock_ns();
}

/* End of a timed region (ordered: the region has finished). */
static inline uint64_t ts_end(void)
{
    if (vb_ts.kind == TS_TSC)
        return x86_tsc_end();
    return pf_clock_ns();
}

/* Ticks to ns. */
static inline double ts_to_ns(uint64_t ticks)
{
    return (double)ticks * vb_ts.ns_per_tick;
}

/* ns to ticks (rounded down). */
static inline uint64_t ts_from_ns(double ns)
{
    return (uint64_t)(ns / vb_ts.ns_per_tick);
}

#endif
