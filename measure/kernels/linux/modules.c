/*
 * Linux: the kernel modules of this build, in table order, each with the check of the
 * options it reads (run once before a run starts, in this order).
 */
#include "modules.h"

const struct vb_module vb_modules[] = {
    {timer_clock_kernels, NULL},            /* timer/read/<clock> */
    {timer_tsc_kernels, NULL},              /* timer/read/rdtsc[p] */
    {timer_clocksource_kernels, NULL},      /* timer/clocksource/<name> */
    {timer_wake_kernels, timer_check_opts}, /* timer/wake/<method>: --interval ... */
    {exit_kernels, NULL},                   /* exit/... */
    {net_kernels, net_check_opts},          /* net/...: --peer, --flows ... */
    {storage_kernels, storage_check_opts},  /* storage/...: --target */
    {NULL, NULL},
};
