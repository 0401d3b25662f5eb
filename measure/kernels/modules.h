/*
 * Kernel modules. A module is one file of related kernels that returns its rows through a
 * vb_kernel_module_fn, with an optional check of the options it reads (struct vb_module);
 * each platform lists the modules it builds, in table order, in
 * measure/kernels/<platform>/modules.c.
 */
#ifndef VB_MODULES_H
#define VB_MODULES_H

#include "kernel.h"

/* The platform's module list, ended by a row with rows NULL. */
extern const struct vb_module vb_modules[];

/* Portable option checks (the modules' check_opts hooks): net_opts.c, timer_opts.c,
   storage_opts.c. The net options are --peer, --vsock-peer, --flows, --rate, --net-io,
   --busy-poll, --peer-cpu; the timer ones --interval and --rt-priority; the storage ones
   --target and --allow-destructive-writes. */
int net_check_opts(const struct vb_opts *o, char *msg, size_t len);
int timer_check_opts(const struct vb_opts *o, char *msg, size_t len);
int storage_check_opts(const struct vb_opts *o, char *msg, size_t len); /* --target */

/* Portable modules (measure/kernels/). */
const struct vb_kernel *timer_tsc_kernels(size_t *n);
const struct vb_kernel *exit_kernels(size_t *n);
const struct vb_kernel *net_kernels(size_t *n); /* net_flow.c over the platform's net_io_*.c */

/* Linux modules (measure/kernels/linux/). */
const struct vb_kernel *timer_clock_kernels(size_t *n);
const struct vb_kernel *timer_wake_kernels(size_t *n);
const struct vb_kernel *timer_clocksource_kernels(size_t *n);
const struct vb_kernel *storage_kernels(size_t *n);

/* Windows modules (measure/kernels/windows/). */
const struct vb_kernel *timer_win_kernels(size_t *n);
const struct vb_kernel *storage_iocp_kernels(size_t *n);

#endif
