/*
 * The storage safety rules both storage sides (measure/kernels/linux/storage_target.c and
 * measure/kernels/windows/storage_win_target.c) apply before a kernel touches the user's --target,
 * kept in one place so Linux and Windows refuse exactly the same writes with the same
 * words. Portable: only the C library's stat().
 */
#ifndef VB_STORAGE_RULES_H
#define VB_STORAGE_RULES_H

#include <stddef.h>

#include "kernel.h"

/* valid()'s static check: 1 with a one-line reason in why when a write kernel (want_write)
   must not write to the user's --target (an existing file or device viobench did not
   create, no --allow-destructive-writes), else 0. A directory or a missing target is 0. */
int st_target_refuses(const struct vb_opts *o, int want_write, char *why, size_t len);

#endif
