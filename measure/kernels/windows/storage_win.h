/*
 * Windows storage kernels, internal interfaces: the run's target and its safety rules
 * (storage_win_target.c) and the IOCP engine with its rows (storage_iocp.c). Names,
 * patterns, options and rules follow the Linux storage kernels (measure/kernels/linux/storage.h);
 * the patterns and the offset stream are the very same code (measure/kernels/storage_stream.h).
 */
#ifndef VB_STORAGE_WIN_H
#define VB_STORAGE_WIN_H

#include <windows.h>

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel.h"
#include "storage_rules.h"  /* st_target_refuses (shared with Linux) */
#include "storage_stream.h" /* patterns, default sizes, the offset stream (shared with Linux) */

/* The run's target, once opened. */
struct sw_target {
    char path[MAX_PATH]; /* the file I/O goes to */
    int created;         /* 1: viobench created it (and deletes it) */
    HANDLE h;            /* unbuffered, write-through, overlapped */
    int writable;        /* h is open for writing */
    uint64_t size;       /* bytes usable for I/O, a multiple of align */
    unsigned align;      /* offset, length and buffer alignment (sector size) */
    char fs_type[32];    /* "NTFS", "ReFS" ... */
    double fill_s;       /* seconds spent writing the new file */
};

/*
 * The target for a kernel that writes (want_write) or only reads: opened (and for --target
 * DIR created and filled) on first use; removed at the end of the run and on Ctrl-C.
 * 0 with *t; 1 to skip (why filled); -errno with the reason in why.
 */
int sw_target_get(const struct vb_opts *o, int want_write, const struct sw_target **t, char *why,
                  size_t len);
/* The target's I/O completion port (created on first use; a file joins one port for
   life, so every IOCP kernel of the run shares it and drains it before returning). NULL
   with the reason in why. */
HANDLE sw_target_port(const struct vb_opts *o, char *why, size_t len);

#endif
