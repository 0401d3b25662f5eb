/*
 * Storage kernels, internal interfaces. The storage module is split by concern:
 * storage_rows.c (the generated rows and their shared valid/setup), storage_target.c (the
 * run's test file or device, its safety rules and its removal), storage_device.c (what
 * block device is behind the target, from sysfs), storage_uring.c and storage_psync.c
 * (the measured loops). Only the storage files and the storage unit test include this.
 */
#ifndef VB_STORAGE_H
#define VB_STORAGE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "kernel.h"
#include "storage_rules.h"  /* st_target_refuses (shared with Windows) */
#include "storage_stream.h" /* patterns, default sizes, the offset stream (shared with Windows) */

enum st_engine {
    ST_URING,        /* io_uring, registered buffers and files */
    ST_URING_SQPOLL, /* the same with a kernel submission thread */
    ST_URING_IOPOLL, /* the same with polled completions */
    ST_PSYNC,        /* pread/pwrite, one at a time */
    ST_FLUSH,        /* pwrite 4 KiB + fdatasync */
    ST_NOP,          /* io_uring NOP: the ring without I/O */
};

/* One row's parameters (vb_kernel.arg). */
struct st_spec {
    enum st_engine engine;
    enum st_pattern pattern;
    unsigned bs; /* bytes per I/O */
    unsigned qd; /* I/Os in flight */
};

/* An engine's name as it appears in row names and info. */
const char *st_engine_name(enum st_engine e);

/* The run's target, once opened (storage_target.c). */
struct st_target {
    char path[4096];     /* the file or device I/O goes to */
    int created;         /* 1: viobench created (and will remove) the file */
    int blockdev;        /* 1: a block device, 0: a regular file */
    int fd;              /* O_DIRECT when direct, read-only unless writable */
    int writable;        /* fd is open for writing */
    int direct;          /* O_DIRECT in effect */
    uint64_t size;       /* bytes usable for I/O, a multiple of align */
    unsigned align;      /* offset and length alignment (logical block size) */
    unsigned mem_align;  /* buffer alignment */
    char fs_type[32];    /* "ext4", "tmpfs" ... or "blockdev" */
    double fill_s;       /* seconds spent writing the new file, 0 when not created */
    char disk[64];       /* block device behind it ("vda"), "" when none */
    int io_poll;         /* the device has polled queues: 1, 0, -1 unknown */
    char driver[64];     /* driver of the device ("virtio_blk"), "" when unknown */
    char no_direct[128]; /* why O_DIRECT is off, "" when on */
};

/*
 * The target for a kernel that writes (want_write) or only reads. Opens, creates and
 * fills the test file on first use (all run-level state, removed at the end of the run
 * through vb_cleanup_add). Returns 0 with *t set; 1 when the kernel must be skipped (why
 * filled: a refused write, or an earlier target failure already reported); -errno with a
 * one-line reason in why (the runner appends strerror).
 */
int st_target_get(const struct vb_opts *o, int want_write, const struct st_target **t, char *why,
                  size_t len);
/* Close and remove everything the run's target created now (also what the run-end cleanup
   does), and forget the target so the next st_target_get starts afresh. */
void st_target_close(struct vb_run_state *run);

/* Block-device facts for the file system or device of fd (storage_device.c): the disk
   name, driver and queue attributes from sysfs; 0 or -errno (-ENODEV: no block device). */
struct st_device {
    char name[64];       /* the device itself ("vda1", "dm-0", "loop0") */
    char disk[64];       /* its whole disk ("vda"), the same when not a partition */
    char driver[64];     /* first driver up the device chain ("virtio_blk", "nvme") */
    json_t *facts;       /* object for context.json (owned by the caller) */
    int io_poll;         /* queue/io_poll of the disk, -1 unknown */
    unsigned logical_bs; /* queue/logical_block_size, 0 unknown */
};
int st_device_of(unsigned maj, unsigned min, struct st_device *d);
/* Major:minor of the device a regular file lives on, or of a block device itself. */
int st_device_numbers(int fd, unsigned *maj, unsigned *min);
/* 1 when the block device maj:min, one of its partitions or holders is mounted or used as
   swap (where in what, up to len), 0 when not, -errno. */
int st_device_in_use(unsigned maj, unsigned min, char *what, size_t len);
/* For a loop device maj:min: device and inode of its backing file; 0 or -errno (-ENOENT: not
   a loop device or not attached). */
int st_loop_backing(unsigned maj, unsigned min, dev_t *dev, ino_t *ino);
/* 1 when a loop device other than maj:min (0:0 for none) is backed by the file ino on dev and
   is itself in use ("attached as loop0, and loop0 is mounted at /mnt" in what, up to len),
   0 when not. */
int st_image_in_use(dev_t dev, ino_t ino, unsigned maj, unsigned min, char *what, size_t len);

/* What every storage kernel counts besides its histogram. */
struct st_tally {
    uint64_t ios, errors, short_ios, reads, writes;
    int first_errno;
    uint64_t first_err_off;
    uint64_t cpu0_ns; /* process user+system at the start of the window */
};
/* Open a window's tally (reads getrusage). */
void st_tally_begin(struct st_tally *t);
/* Put errors, short_ios, cpu_per_io_ns (and for randrw read_ios, write_ios) on the row;
   fail the window when every I/O failed. Returns 0 or -EIO. */
int st_tally_end(struct st_tally *t, struct vb_meas *m, const struct st_spec *sp, const char *what);

/* Allocate n page-aligned buffers of bs bytes, filled with incompressible bytes; NULL on
   ENOMEM. Free with st_buffers_free(p, n * bs). */
void *st_buffers_alloc(size_t bytes, uint64_t seed);
void st_buffers_free(void *p, size_t bytes);

/* Shared setup for target-based kernels: target, alignment and size checks. 0, 1 (skip)
   or -errno, as vb_kernel.setup. */
int st_setup_common(const struct vb_kernel *k, const struct vb_opts *o, const struct st_target **t,
                    char *why, size_t len);
/* Row details every storage kernel reports (new object). */
json_t *st_describe_common(const struct st_spec *sp, const struct st_target *t);

/* Engines (storage_uring.c, storage_psync.c). */
int st_uring_setup(const struct vb_kernel *k, const struct vb_opts *o, void **state, char *why,
                   size_t len);
int st_uring_sample(void *state, struct vb_meas *m);
json_t *st_uring_describe(void *state);
void st_uring_teardown(void *state);
int st_nop_setup(const struct vb_kernel *k, const struct vb_opts *o, void **state, char *why,
                 size_t len);
int st_nop_sample(void *state, struct vb_meas *m);
json_t *st_nop_describe(void *state);
void st_nop_teardown(void *state);
int st_psync_setup(const struct vb_kernel *k, const struct vb_opts *o, void **state, char *why,
                   size_t len);
int st_psync_sample(void *state, struct vb_meas *m);
json_t *st_psync_describe(void *state);
void st_psync_teardown(void *state);

/* The storage rows (also in measure/kernels/modules.h). */
const struct vb_kernel *storage_kernels(size_t *n);

#endif
