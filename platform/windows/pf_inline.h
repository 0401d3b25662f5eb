/*
 * Windows: the platform clock the measurement core reads. QueryPerformanceCounter needs
 * <windows.h>, which this header keeps out of every portable file (its macros collide with
 * ordinary names), so pf_clock_ns() is a plain call into platform_windows.c here: a few ns
 * on top of QPC itself. The TSC time source, when it is chosen, is inline as on Linux.
 * The build picks this file through -Iplatform/windows; see platform/platform.h.
 */
#ifndef VB_PF_INLINE_H
#define VB_PF_INLINE_H

#include <stdint.h>

/* Monotonic clock in ns: QueryPerformanceCounter scaled by its frequency. */
uint64_t pf_clock_ns(void);
/* The same counter (QPC is never slewed by time synchronisation), for calibration. */
uint64_t pf_clock_raw_ns(void);

#define PF_CLOCK_NAME "QueryPerformanceCounter"

#endif
