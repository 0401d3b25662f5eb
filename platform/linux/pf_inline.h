/*
 * Linux: the platform functions that sit on measurement hot paths, inline.
 * The build picks this file through -Iplatform/linux; see platform/platform.h.
 */
#ifndef VB_PF_INLINE_H
#define VB_PF_INLINE_H

#include <stdint.h>
#include <time.h>

/* Monotonic clock in ns (CLOCK_MONOTONIC, served by the vDSO). */
static inline uint64_t pf_clock_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* Raw monotonic clock in ns (CLOCK_MONOTONIC_RAW: no NTP slewing), for calibration. */
static inline uint64_t pf_clock_raw_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC_RAW, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

#define PF_CLOCK_NAME "clock_gettime(CLOCK_MONOTONIC)"

#endif
