/*
 * Linux: the kernel modules of this build, in table order.
 */
#include "modules.h"

const vb_kernel_module_fn vb_modules[] = {
    timer_clock_kernels, timer_tsc_kernels, exit_kernels, storage_kernels, NULL,
};
