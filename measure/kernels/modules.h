/*
 * Kernel modules. A module is one file of related kernels that returns its rows through a
 * vb_kernel_module_fn; each platform lists the modules it builds, in table order, in
 * measure/kernels/<platform>/modules.c.
 */
#ifndef VB_MODULES_H
#define VB_MODULES_H

#include "kernel.h"

/* The platform's module list, ended by NULL. */
extern const vb_kernel_module_fn vb_modules[];

/* Portable modules (measure/kernels/). */
const struct vb_kernel *timer_tsc_kernels(size_t *n);
const struct vb_kernel *exit_kernels(size_t *n);

/* Linux modules (measure/kernels/linux/). */
const struct vb_kernel *timer_clock_kernels(size_t *n);
const struct vb_kernel *timer_wake_kernels(size_t *n);
const struct vb_kernel *timer_clocksource_kernels(size_t *n);
const struct vb_kernel *net_kernels(size_t *n);
const struct vb_kernel *storage_kernels(size_t *n);

/* Windows modules (measure/kernels/windows/). */
const struct vb_kernel *timer_win_kernels(size_t *n);
const struct vb_kernel *net_win_kernels(size_t *n);
const struct vb_kernel *storage_iocp_kernels(size_t *n);

#endif
