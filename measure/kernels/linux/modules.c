/*
 * Linux: the kernel modules of this build, in table order.
 */
#include "modules.h"

const vb_kernel_module_fn vb_modules[] = {
    timer_clock_kernels,       /* timer/read/<clock> */
    timer_tsc_kernels,         /* timer/read/rdtsc[p] */
    timer_clocksource_kernels, /* timer/clocksource/<name> */
    timer_wake_kernels,        /* timer/wake/<method> */
    exit_kernels,              /* exit/... */
    net_kernels,               /* net/... */
    storage_kernels,           /* storage/... */
    NULL,
};
