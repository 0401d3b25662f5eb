/*
 * The storage target: where every storage kernel of a run does its I/O, and the safety
 * rules around it. It is run-level state, opened by the first storage kernel that needs it:
 *
 *  - `--target DIR` (default: the run directory): viobench makes a private directory
 *    DIR/viobench-storage.XXXXXX and a test file of --size in it, writes every block before
 *    any read kernel runs (so reads hit real blocks, not holes), and removes both at the
 *    end of the run, on Ctrl-C and SIGTERM (vb_cleanup_add; async-signal-safe unlink).
 *  - `--target FILE|BLOCKDEV`: not created by viobench, so read-only. Write kernels are
 *    refused (skipped with the reason) unless --allow-destructive-writes, and even then a
 *    block device that is mounted, used as swap or held by dm/md is refused, and the
 *    device is opened O_EXCL so the kernel itself rejects one that is in use.
 *
 * I/O is O_DIRECT where the file system allows it; where it does not (ramfs, tmpfs on old
 * kernels) the target says direct: false and a warning is printed, instead of quietly
 * measuring the page cache. Alignment is the file system's direct-I/O alignment (statx
 * STATX_DIOALIGN) or the device's logical block size. Failures (missing or read-only
 * target, not enough space) are one clear message, reported once, with nothing left behind.
 */
#include "storage.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "log.h"
#include "units.h"

#define FILL_CHUNK (1u << 20)

/* The run's target: one per run, in vb_opts.run->storage (see kernel.h), created by the
   first storage kernel that needs it. */
struct st_run {
    int state; /* 0 not opened, 1 ready, -errno failed */
    int reported;
    char msg[700];
    int rw_state; /* user targets: 0 not tried, 1 writable, -errno failed */
    int rw_reported;
    char rw_msg[700];
    struct st_target t;
    char dir[PATH_MAX];  /* private directory we created, "" when none */
    char file[PATH_MAX]; /* test file we created, "" when none */
    int cleanup_id;
    unsigned maj, min; /* device numbers of the target, for the in-use check */
    int have_dev;
};

/* Async-signal-safe: may run from the second Ctrl-C's handler. */
static void tg_cleanup(void *arg)
{
    struct st_run *tg = arg;
    if (tg->t.fd >= 0) {
        close(tg->t.fd);
        tg->t.fd = -1;
    }
    if (tg->file[0]) {
        unlink(tg->file);
        tg->file[0] = 0;
    }
    if (tg->dir[0]) {
        rmdir(tg->dir);
        tg->dir[0] = 0;
    }
}

/* Remove what was created, close, and start afresh (the struct stays). */
static void tg_reset(struct st_run *tg)
{
    if (tg->cleanup_id > 0)
        vb_cleanup_run(tg->cleanup_id);
    else
        tg_cleanup(tg);
    memset(tg, 0, sizeof(*tg));
    tg->t.fd = -1;
}

void st_target_close(struct vb_run_state *run)
{
    if (!run || !run->storage)
        return;
    tg_reset(run->storage);
    free(run->storage);
    run->storage = NULL;
}

static int fail(struct st_run *tg, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(struct st_run *tg, int err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tg->msg, sizeof(tg->msg), fmt, ap);
    va_end(ap);
    return err;
}

/* File system type of fd from the mount table ("ext4", "tmpfs"...). */
static void fs_type_of(int fd, char *buf, size_t len)
{
    struct stat st;
    char line[4096];
    FILE *f;

    snprintf(buf, len, "unknown");
    if (fstat(fd, &st))
        return;
    if (S_ISBLK(st.st_mode)) {
        snprintf(buf, len, "blockdev");
        return;
    }
    f = fopen("/proc/self/mountinfo", "re");
    if (!f)
        return;
    while (fgets(line, sizeof(line), f)) {
        unsigned ma, mi;
        char *sep = strstr(line, " - ");
        if (sscanf(line, "%*u %*u %u:%u", &ma, &mi) == 2 && ma == major(st.st_dev) &&
            mi == minor(st.st_dev) && sep && sscanf(sep + 3, "%31s", buf) == 1)
            break;
    }
    fclose(f);
}

/* Device facts into the target and context.json (kernel_context.storage). */
static void describe_target(struct st_run *tg, const struct vb_opts *o)
{
    struct st_device d;
    json_t *ctx;
    int ret = st_device_numbers(tg->t.fd, &tg->maj, &tg->min);

    if (ret == 0)
        ret = st_device_of(tg->maj, tg->min, &d);
    tg->have_dev = ret == 0;
    tg->t.io_poll = -1;
    if (ret == 0) {
        snprintf(tg->t.disk, sizeof(tg->t.disk), "%s", d.disk);
        snprintf(tg->t.driver, sizeof(tg->t.driver), "%s", d.driver);
        tg->t.io_poll = d.io_poll;
        if (tg->t.align == 0 && d.logical_bs)
            tg->t.align = d.logical_bs;
    }
    if (tg->t.align == 0)
        tg->t.align = 4096;
    if (tg->t.mem_align < 4096)
        tg->t.mem_align = 4096; /* buffers are page-aligned anyway */
    ctx = json_pack("{s:s, s:s?, s:s, s:b, s:I, s:b, s:s?, s:i, s:i, s:s, s:f}", "path", tg->t.path,
                    "target_option", o->target, "kind", tg->t.blockdev ? "blockdev" : "file",
                    "created_by_viobench", tg->t.created, "size_bytes", (json_int_t)tg->t.size,
                    "direct", tg->t.direct, "no_direct_reason",
                    tg->t.no_direct[0] ? tg->t.no_direct : NULL, "alignment", (int)tg->t.align,
                    "memory_alignment", (int)tg->t.mem_align, "fs_type", tg->t.fs_type,
                    "fill_seconds", tg->t.fill_s);
    if (!ctx) {
        if (ret == 0)
            json_decref(d.facts);
        return;
    }
    if (ret == 0)
        json_object_set_new(ctx, "device", d.facts);
    else
        json_object_set_new(ctx, "device_error",
                            json_string(ret == -ENODEV ? "not on a block device" : strerror(-ret)));
    vb_run_context("storage", ctx);
}

/* Direct-I/O alignment from statx (Linux 6.1+); leaves zeros when unknown. */
static void dio_align(struct st_run *tg, int fd)
{
    struct statx sx;
    if (statx(fd, "", AT_EMPTY_PATH, STATX_DIOALIGN, &sx) == 0 && (sx.stx_mask & STATX_DIOALIGN) &&
        sx.stx_dio_offset_align) {
        tg->t.align = sx.stx_dio_offset_align;
        tg->t.mem_align = sx.stx_dio_mem_align;
    }
}

/* Reopen path with O_DIRECT (flags otherwise the same); keep the buffered fd when the file
   system refuses, with the reason. Returns the fd to use. */
static int reopen_direct(struct st_run *tg, int fd, const char *path, int flags)
{
    int dfd = open(path, flags | O_DIRECT | O_CLOEXEC);
    if (dfd >= 0) {
        close(fd);
        tg->t.direct = 1;
        return dfd;
    }
    tg->t.direct = 0;
    snprintf(tg->t.no_direct, sizeof(tg->t.no_direct), "O_DIRECT refused: %s", strerror(errno));
    return fd;
}

/* Write every block of the new file (large sequential writes). 0 or -errno. */
static int fill_file(struct st_run *tg, uint64_t size)
{
    size_t chunk = size < FILL_CHUNK ? (size_t)size : FILL_CHUNK;
    uint64_t off = 0, t0 = pf_clock_ns();
    char *buf = st_buffers_alloc(chunk, 0x5eed);
    int ret = 0;

    if (!buf)
        return -ENOMEM;
    while (off < size) {
        size_t n = size - off < chunk ? (size_t)(size - off) : chunk;
        ssize_t w;
        if (vb_interrupted) {
            ret = -EINTR;
            break;
        }
        /* stamp every 4 KiB block with its offset: no two blocks alike (no dedup) */
        for (size_t b = 0; b + 8 <= n; b += 4096) {
            uint64_t v = off + b;
            memcpy(buf + b, &v, sizeof(v));
        }
        w = pwrite(tg->t.fd, buf, n, (off_t)off);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            ret = -errno;
            break;
        }
        if (w == 0) {
            ret = -ENOSPC;
            break;
        }
        off += (uint64_t)w;
    }
    if (ret == 0 && fdatasync(tg->t.fd))
        ret = -errno;
    st_buffers_free(buf, chunk);
    tg->t.fill_s = (double)(pf_clock_ns() - t0) / NS_PER_S;
    return ret;
}

static uint64_t default_size(const struct vb_opts *o)
{
    if (o->target_size)
        return o->target_size;
    return o->suite == VB_SUITE_QUICK ? ST_QUICK_SIZE : ST_FULL_SIZE;
}

/* Create, fill and open a test file in dir. 0 or -errno (tg->msg set). */
static int create_in(struct st_run *tg, const struct vb_opts *o, const char *dir)
{
    uint64_t size = default_size(o);
    char sz[32], avail_s[32];
    sigset_t block, old;
    struct statvfs vfs;
    int fd, ret;

    /* the directory must exist before its cleanup is registered, and a second Ctrl-C
       in between must not leave it behind: hold the signals over the two steps */
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGHUP);
    sigprocmask(SIG_BLOCK, &block, &old);
    if (strlen(dir) + 64 > sizeof(tg->dir)) {
        sigprocmask(SIG_SETMASK, &old, NULL);
        return fail(tg, -ENAMETOOLONG, "--target %.200s...", dir);
    }
    memcpy(tg->dir, dir, strlen(dir) + 1);
    strcat(tg->dir, "/viobench-storage.XXXXXX");
    if (!mkdtemp(tg->dir)) {
        ret = -errno;
        tg->dir[0] = 0;
        sigprocmask(SIG_SETMASK, &old, NULL);
        return fail(tg, ret, "--target %s: cannot create the test file there", dir);
    }
    memcpy(tg->file, tg->dir, strlen(tg->dir) + 1);
    strcat(tg->file, "/testfile");
    tg->cleanup_id = vb_cleanup_add(tg_cleanup, tg);
    sigprocmask(SIG_SETMASK, &old, NULL);
    if (tg->cleanup_id < 0) {
        tg_cleanup(tg);
        return fail(tg, -ENOSPC, "--target %s: too many cleanups registered", dir);
    }
    memcpy(tg->t.path, tg->file, sizeof(tg->t.path));
    tg->t.created = 1;
    fd = open(tg->file, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        ret = -errno;
        return fail(tg, ret, "--target %s: cannot create the test file", dir);
    }
    tg->t.fd = reopen_direct(tg, fd, tg->file, O_RDWR);
    tg->t.writable = 1;
    fs_type_of(tg->t.fd, tg->t.fs_type, sizeof(tg->t.fs_type));
    dio_align(tg, tg->t.fd);
    if (tg->t.align > 1)
        size -= size % (tg->t.align > 4096 ? tg->t.align : 4096);
    tg->t.size = size;
    units_fmt_size((double)size, sz, sizeof(sz));
    /* ramfs and some others report no size at all (f_blocks 0): nothing to check there */
    if (fstatvfs(tg->t.fd, &vfs) == 0 && vfs.f_blocks &&
        (uint64_t)vfs.f_bavail * vfs.f_frsize < size) {
        units_fmt_size((double)vfs.f_bavail * (double)vfs.f_frsize, avail_s, sizeof(avail_s));
        return fail(tg, -ENOSPC, "--target %s: no room for a %s test file (%s free; see --size)",
                    dir, sz, avail_s);
    }
    if (fallocate(tg->t.fd, 0, 0, (off_t)size) && errno != EOPNOTSUPP) {
        ret = -errno;
        return fail(tg, ret, "--target %s: cannot allocate a %s test file (see --size)", dir, sz);
    }
    ret = fill_file(tg, size);
    if (ret == -EINTR)
        return fail(tg, ret, "--target %s: interrupted while writing the test file", dir);
    if (ret)
        return fail(tg, ret, "--target %s: cannot write the %s test file (see --size)", dir, sz);
    return 0;
}

/* Open an existing file or block device read-only. 0 or -errno (tg->msg set). */
static int open_existing(struct st_run *tg, const struct vb_opts *o, const struct stat *st)
{
    const char *p = o->target;
    int fd = open(p, O_RDONLY | O_CLOEXEC);

    if (fd < 0)
        return fail(tg, -errno, "--target %s", p);
    if (strlen(p) >= sizeof(tg->t.path)) {
        close(fd);
        return fail(tg, -ENAMETOOLONG, "--target %.200s...", p);
    }
    memcpy(tg->t.path, p, strlen(p) + 1);
    tg->t.blockdev = S_ISBLK(st->st_mode);
    tg->t.fd = reopen_direct(tg, fd, p, O_RDONLY);
    fs_type_of(tg->t.fd, tg->t.fs_type, sizeof(tg->t.fs_type));
    if (tg->t.blockdev) {
        uint64_t bytes = 0;
        int lbs = 0;
        if (ioctl(tg->t.fd, BLKGETSIZE64, &bytes) || ioctl(tg->t.fd, BLKSSZGET, &lbs))
            return fail(tg, -errno, "--target %s: cannot read the device's size", p);
        tg->t.size = bytes;
        tg->t.align = lbs > 0 ? (unsigned)lbs : 512;
        tg->t.mem_align = tg->t.align;
    } else {
        tg->t.size = (uint64_t)st->st_size;
        dio_align(tg, tg->t.fd);
    }
    if (o->target_size && o->target_size < tg->t.size)
        tg->t.size = o->target_size;
    if (tg->t.align > 1)
        tg->t.size -= tg->t.size % (tg->t.align > 4096 ? tg->t.align : 4096);
    if (tg->t.size == 0)
        return fail(tg, -EINVAL, "--target %s: smaller than one 4 KiB block", p);
    return 0;
}

static int tg_open(struct st_run *tg, const struct vb_opts *o)
{
    struct stat st;
    int ret;

    tg->t.fd = -1;
    if (!o->target) {
        if (!o->run_dir)
            return fail(tg, -EINVAL, "no --target and no run directory");
        ret = create_in(tg, o, o->run_dir);
    } else if (stat(o->target, &st)) {
        ret = fail(tg, -errno, "--target %s", o->target);
    } else if (S_ISDIR(st.st_mode)) {
        ret = create_in(tg, o, o->target);
    } else if (S_ISREG(st.st_mode) || S_ISBLK(st.st_mode)) {
        ret = open_existing(tg, o, &st);
    } else {
        ret = fail(tg, -EINVAL, "--target %s: not a directory, regular file or block device",
                   o->target);
    }
    if (ret) {
        char msg[sizeof(tg->msg)];
        memcpy(msg, tg->msg, sizeof(msg)); /* nothing left behind, the reason kept */
        tg_reset(tg);
        memcpy(tg->msg, msg, sizeof(msg));
        tg->state = ret;
        return ret;
    }
    describe_target(tg, o);
    if (!tg->t.direct)
        vb_warn("storage: %s: %s; results measure the page cache (direct: false)", tg->t.path,
                tg->t.no_direct);
    else if (strcmp(tg->t.fs_type, "tmpfs") == 0)
        vb_warn("storage: %s is on tmpfs: results measure memory, not a disk", tg->t.path);
    tg->state = 1;
    return 0;
}

/* Make a user's target writable (--allow-destructive-writes given). 0, 1 refused, -errno. */
static int open_writable(struct st_run *tg, char *why, size_t len)
{
    char what[512];
    int fd;
    const char *whose = ""; /* what an image's other attachment is said of */
    int used = 0;

    if (tg->t.blockdev) {
        dev_t bdev;
        ino_t bino;
        used = tg->have_dev ? st_device_in_use(tg->maj, tg->min, what, sizeof(what)) : 0;
        if (used <= 0 && tg->have_dev && st_loop_backing(tg->maj, tg->min, &bdev, &bino) == 0) {
            used = st_image_in_use(bdev, bino, tg->maj, tg->min, what, sizeof(what));
            whose = "its image is also ";
        }
    } else {
        struct stat st;
        if (fstat(tg->t.fd, &st) == 0)
            used = st_image_in_use(st.st_dev, st.st_ino, 0, 0, what, sizeof(what));
        whose = "it is ";
    }
    if (used > 0) {
        snprintf(why, len, "refusing to write to %s: %s%s (even with --allow-destructive-writes)",
                 tg->t.path, whose, what);
        return 1;
    }
    fd = open(tg->t.path,
              O_RDWR | O_CLOEXEC | (tg->t.blockdev ? O_EXCL : 0) | (tg->t.direct ? O_DIRECT : 0));
    if (fd < 0 && errno == EBUSY) {
        snprintf(why, len,
                 "refusing to write to %s: the kernel says it is in use (mounted, swap or held "
                 "by another device)",
                 tg->t.path);
        return 1;
    }
    if (fd < 0) {
        int err = -errno;
        snprintf(tg->rw_msg, sizeof(tg->rw_msg), "--target %.600s: cannot open for writing",
                 tg->t.path);
        return err;
    }
    close(tg->t.fd);
    tg->t.fd = fd;
    tg->t.writable = 1;
    return 0;
}

int st_target_get(const struct vb_opts *o, int want_write, const struct st_target **t, char *why,
                  size_t len)
{
    struct st_run *tg;
    int ret;

    if (!o->run) {
        snprintf(why, len, "storage: no run state (vb_opts.run)");
        return -EINVAL;
    }
    if (!o->run->storage) {
        o->run->storage = calloc(1, sizeof(*o->run->storage));
        if (!o->run->storage) {
            snprintf(why, len, "storage: out of memory");
            return -ENOMEM;
        }
        o->run->storage->t.fd = -1;
    }
    tg = o->run->storage;

    if (tg->state == 0)
        tg_open(tg, o);
    if (tg->state < 0) {
        if (tg->reported) {
            snprintf(why, len, "storage target unusable (error reported above: %s)", tg->msg);
            return 1;
        }
        tg->reported = 1;
        snprintf(why, len, "%s", tg->msg);
        return tg->state;
    }
    if (want_write && !tg->t.writable) {
        if (st_target_refuses(o, 1, why, len))
            return 1;
        if (tg->rw_state == 0) {
            ret = open_writable(tg, why, len);
            if (ret > 0)
                return 1; /* refused now; checked again next time */
            tg->rw_state = ret ? ret : 1;
        }
        if (tg->rw_state < 0) {
            if (tg->rw_reported) {
                snprintf(why, len, "%s (reported above)", tg->rw_msg);
                return 1;
            }
            tg->rw_reported = 1;
            snprintf(why, len, "%s", tg->rw_msg);
            return tg->rw_state;
        }
    }
    *t = &tg->t;
    return 0;
}
