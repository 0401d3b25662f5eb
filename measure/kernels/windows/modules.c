/*
 * Windows: the kernel modules of this build, in table order. The rdtsc/rdtscp rows and
 * exit/... are the portable modules, so they carry the same names as on Linux.
 */
#include "modules.h"

const vb_kernel_module_fn vb_modules[] = {
    timer_win_kernels,    /* timer/read/{qpc,precise_filetime}, timer/wake/{waitable_timer,sleep} */
    timer_tsc_kernels,    /* timer/read/rdtsc[p] */
    exit_kernels,         /* exit/... */
    storage_iocp_kernels, /* storage/iocp/..., storage/flush */
    net_win_kernels,      /* net/... */
    NULL,
};
