/*
 * timer/read/<clock>: the cost of one clock_gettime() for each POSIX clock a Linux guest
 * offers. Under a hypervisor these go through the vDSO and the current clocksource
 * (kvm-clock, Hyper-V's TSC page, tsc, or a trapping hpet/acpi_pm), so their cost is one of
 * the first things that differs between pairings.
 */
#include "kernel.h"
#include "modules.h"

#include <errno.h>
#include <string.h>
#include <stdio.h>
#include <time.h>

static int clock_valid(const struct vb_kernel *k, const struct vb_opts *o, char *why, size_t len)
{
    struct timespec t;
    (void)o;
    if (clock_gettime(*(const clockid_t *)k->arg, &t)) {
        snprintf(why, len, "clock_gettime: %s", strerror(errno));
        return 1;
    }
    return 0;
}

static int clock_batch(void *state, uint64_t n)
{
    clockid_t id = *(const clockid_t *)state;
    struct timespec t;
    long sink = 0;
    for (uint64_t i = 0; i < n; i++) {
        clock_gettime(id, &t);
        sink += t.tv_nsec;
    }
    __asm__ __volatile__("" ::"r"(sink));
    return 0;
}

static const clockid_t ids[] = {CLOCK_MONOTONIC, CLOCK_MONOTONIC_RAW, CLOCK_REALTIME,
                                CLOCK_BOOTTIME, CLOCK_MONOTONIC_COARSE};

#define CLOCK_ROW(nm, i, what)                                                                   \
    {                                                                                            \
        .name = "timer/read/" nm, .category = "timer", .suites = VB_SUITE_QUICK | VB_SUITE_FULL, \
        .help = "one clock_gettime(" what ")", .valid = clock_valid, .batch = clock_batch,       \
        .arg = &ids[i],                                                                          \
    }

static const struct vb_kernel rows[] = {
    CLOCK_ROW("monotonic", 0, "CLOCK_MONOTONIC"),
    CLOCK_ROW("monotonic_raw", 1, "CLOCK_MONOTONIC_RAW"),
    CLOCK_ROW("realtime", 2, "CLOCK_REALTIME"),
    CLOCK_ROW("boottime", 3, "CLOCK_BOOTTIME"),
    CLOCK_ROW("monotonic_coarse", 4, "CLOCK_MONOTONIC_COARSE"),
};

const struct vb_kernel *timer_clock_kernels(size_t *n)
{
    *n = sizeof(rows) / sizeof(rows[0]);
    return rows;
}
