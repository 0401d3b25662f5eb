/*
 * The Windows storage target, with the Linux target's safety rules
 * (measure/kernels/linux/storage_target.c):
 *
 *  - `--target DIR` (default: the run directory): a private directory
 *    DIR\viobench-storage.<pid>-<n> and a test file of --size in it, opened unbuffered and
 *    write-through (FILE_FLAG_NO_BUFFERING | FILE_FLAG_WRITE_THROUGH: the page cache and the
 *    disk cache are both out of the path) and FILE_FLAG_DELETE_ON_CLOSE, so Windows removes
 *    the file when its handle closes, even when the process is killed. Every block is
 *    written before any read kernel runs (reads hit real blocks, not unwritten extents);
 *    the file and the directory go at the end of the run and on Ctrl-C (vb_cleanup_add).
 *  - `--target FILE`: not created by viobench, so opened read-only; write kernels skip
 *    with the reason unless --allow-destructive-writes. Raw volumes and disks (\\.\...)
 *    are refused: their sizes and the volume locks they need are left out on Windows.
 *
 * Alignment is the volume's physical sector size for performance (at least its logical
 * sector size; unbuffered I/O requires it for offsets, lengths and buffers).
 */
#include "storage_win.h"

#include "log.h"
#include "units.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define FILL_CHUNK (1u << 20)

/* The run's target: one per run, in vb_opts.run->storage (see kernel.h), created by the
   first storage kernel that needs it. */
struct st_run {
    int state; /* 0 not opened, 1 ready, -errno failed (reported once) */
    char msg[700];
    struct sw_target t;
    char dir[MAX_PATH]; /* private directory we created, "" when none */
    HANDLE port;        /* completion port of t.h, NULL until an IOCP kernel asks */
    int rw_state;       /* user FILE targets: 0 not tried, 1 writable, -errno failed */
    char rw_msg[700];
};

/* Run-end and Ctrl-C cleanup: closing the handle deletes our file (DELETE_ON_CLOSE), then
   the directory goes. Idempotent. */
static void tg_cleanup(void *arg)
{
    struct st_run *tg = arg;
    HANDLE h = tg->t.h, port = tg->port;
    if (port) {
        tg->port = NULL;
        CloseHandle(port);
    }
    if (h != INVALID_HANDLE_VALUE) {
        tg->t.h = INVALID_HANDLE_VALUE;
        CloseHandle(h);
    }
    if (tg->t.created && tg->t.path[0])
        DeleteFileA(tg->t.path); /* only if the handle was never opened with delete-on-close */
    if (tg->dir[0]) {
        RemoveDirectoryA(tg->dir);
        tg->dir[0] = 0;
    }
}

static int win_err(DWORD e)
{
    switch (e) {
    case ERROR_FILE_NOT_FOUND:
    case ERROR_PATH_NOT_FOUND:
        return ENOENT;
    case ERROR_ACCESS_DENIED:
    case ERROR_SHARING_VIOLATION:
        return EACCES;
    case ERROR_DISK_FULL:
    case ERROR_HANDLE_DISK_FULL:
        return ENOSPC;
    case ERROR_INVALID_PARAMETER:
        return EINVAL;
    default:
        return EIO;
    }
}

/* Sector alignment and file system name of an open file. */
static void volume_facts(struct st_run *tg, HANDLE h)
{
    FILE_STORAGE_INFO si;
    wchar_t fs[32];

    tg->t.align = 0;
    if (GetFileInformationByHandleEx(h, FileStorageInfo, &si, sizeof(si))) {
        tg->t.align = si.PhysicalBytesPerSectorForPerformance;
        if (tg->t.align < si.LogicalBytesPerSector)
            tg->t.align = si.LogicalBytesPerSector;
    }
    if (tg->t.align < 512 || tg->t.align > 65536 || (tg->t.align & (tg->t.align - 1)))
        tg->t.align = 4096; /* unknown: the common large sector */
    snprintf(tg->t.fs_type, sizeof(tg->t.fs_type), "unknown");
    if (GetVolumeInformationByHandleW(h, NULL, 0, NULL, NULL, NULL, fs, 32))
        snprintf(tg->t.fs_type, sizeof(tg->t.fs_type), "%ls", fs);
}

/* Write every block of the new file once (unbuffered, 1 MiB at a time). 0 or -errno. */
static int fill(struct st_run *tg, HANDLE h, uint64_t size, char *why, size_t len)
{
    HANDLE ev = CreateEventA(NULL, TRUE, FALSE, NULL);
    uint8_t *buf = VirtualAlloc(NULL, FILL_CHUNK, MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE);
    struct st_stream s;
    uint64_t t0 = pf_clock_ns();
    int ret = 0;

    if (!ev || !buf) {
        ret = -ENOMEM;
        goto out;
    }
    st_stream_init(&s, STP_RANDREAD, 8, FILL_CHUNK, (uint64_t)GetCurrentProcessId());
    for (size_t i = 0; i < FILL_CHUNK / 8; i++)
        ((uint64_t *)buf)[i] = st_rand(&s); /* incompressible, as on Linux */
    for (uint64_t off = 0; off < size && !vb_interrupted; off += FILL_CHUNK) {
        OVERLAPPED ov = {.hEvent = ev};
        DWORD n = (DWORD)(size - off < FILL_CHUNK ? size - off : FILL_CHUNK), done = 0;
        ov.Offset = (DWORD)off;
        ov.OffsetHigh = (DWORD)(off >> 32);
        if ((!WriteFile(h, buf, n, NULL, &ov) && GetLastError() != ERROR_IO_PENDING) ||
            !GetOverlappedResult(h, &ov, &done, TRUE) || done != n) {
            ret = -win_err(GetLastError());
            snprintf(why, len, "writing the test file %s at offset %llu: %s", tg->t.path,
                     (unsigned long long)off, strerror(-ret));
            goto out;
        }
    }
    if (vb_interrupted)
        ret = -EINTR;
    tg->t.fill_s = (double)(pf_clock_ns() - t0) / 1e9;
out:
    if (buf)
        VirtualFree(buf, 0, MEM_RELEASE);
    if (ev)
        CloseHandle(ev);
    return ret;
}

static int open_created(struct st_run *tg, const struct vb_opts *o, const char *parent, char *why,
                        size_t len)
{
    static LONG seq;
    uint64_t size = o->target_size               ? o->target_size
                    : o->suite == VB_SUITE_QUICK ? ST_QUICK_SIZE
                                                 : ST_FULL_SIZE;
    LARGE_INTEGER li;
    char sz[32];
    int ret;

    snprintf(tg->dir, sizeof(tg->dir), "%s\\viobench-storage.%lu-%ld", parent,
             (unsigned long)GetCurrentProcessId(), (long)InterlockedIncrement(&seq));
    if (!CreateDirectoryA(tg->dir, NULL)) {
        ret = -win_err(GetLastError());
        snprintf(why, len, "--target %s: cannot create a directory there: %s", parent,
                 strerror(-ret));
        tg->dir[0] = 0;
        return ret;
    }
    snprintf(tg->t.path, sizeof(tg->t.path), "%s\\testfile", tg->dir);
    tg->t.created = 1;
    vb_cleanup_add(tg_cleanup, tg);
    tg->t.h = CreateFileA(tg->t.path, GENERIC_READ | GENERIC_WRITE | DELETE, 0, NULL, CREATE_NEW,
                          FILE_FLAG_NO_BUFFERING | FILE_FLAG_WRITE_THROUGH | FILE_FLAG_OVERLAPPED |
                              FILE_FLAG_DELETE_ON_CLOSE,
                          NULL);
    if (tg->t.h == INVALID_HANDLE_VALUE) {
        ret = -win_err(GetLastError());
        snprintf(why, len, "--target %s: cannot create the test file: %s", parent, strerror(-ret));
        return ret;
    }
    tg->t.writable = 1;
    volume_facts(tg, tg->t.h);
    size -= size % tg->t.align;
    li.QuadPart = (LONGLONG)size;
    if (!SetFilePointerEx(tg->t.h, li, NULL, FILE_BEGIN) || !SetEndOfFile(tg->t.h)) {
        ret = -win_err(GetLastError());
        snprintf(why, len, "--target %s: cannot make a %s test file: %s", parent,
                 units_fmt_size((double)size, sz, sizeof(sz)), strerror(-ret));
        return ret;
    }
    tg->t.size = size;
    return fill(tg, tg->t.h, size, why, len);
}

static int open_user_file(struct st_run *tg, const struct vb_opts *o, char *why, size_t len)
{
    LARGE_INTEGER sz;
    int ret;

    if (strncmp(o->target, "\\\\.\\", 4) == 0 || strncmp(o->target, "//./", 4) == 0) {
        snprintf(why, len, "--target %s: raw volumes and disks are not supported on Windows",
                 o->target);
        return -EINVAL;
    }
    snprintf(tg->t.path, sizeof(tg->t.path), "%s", o->target);
    tg->t.h = CreateFileA(
        o->target, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, OPEN_EXISTING,
        FILE_FLAG_NO_BUFFERING | FILE_FLAG_WRITE_THROUGH | FILE_FLAG_OVERLAPPED, NULL);
    if (tg->t.h == INVALID_HANDLE_VALUE) {
        ret = -win_err(GetLastError());
        snprintf(why, len, "--target %s: %s", o->target, strerror(-ret));
        return ret;
    }
    vb_cleanup_add(tg_cleanup, tg);
    volume_facts(tg, tg->t.h);
    if (!GetFileSizeEx(tg->t.h, &sz)) {
        snprintf(why, len, "--target %s: cannot read its size", o->target);
        return -EIO;
    }
    tg->t.size = (uint64_t)sz.QuadPart - (uint64_t)sz.QuadPart % tg->t.align;
    if (tg->t.size == 0) {
        snprintf(why, len, "--target %s: smaller than one %u-byte sector", o->target, tg->t.align);
        return -EINVAL;
    }
    return 0;
}

/* Reopen a user's FILE for writing (--allow-destructive-writes). 0 or -errno. */
static int open_writable(struct st_run *tg, char *why, size_t len)
{
    HANDLE h =
        CreateFileA(tg->t.path, GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE,
                    NULL, OPEN_EXISTING,
                    FILE_FLAG_NO_BUFFERING | FILE_FLAG_WRITE_THROUGH | FILE_FLAG_OVERLAPPED, NULL);
    if (h == INVALID_HANDLE_VALUE) {
        int e = win_err(GetLastError());
        snprintf(why, len, "--target %s: cannot open for writing: %s", tg->t.path, strerror(e));
        return -e;
    }
    if (tg->port) { /* the read-only handle's port goes with it */
        CloseHandle(tg->port);
        tg->port = NULL;
    }
    CloseHandle(tg->t.h);
    tg->t.h = h;
    tg->t.writable = 1;
    return 0;
}

HANDLE sw_target_port(const struct vb_opts *o, char *why, size_t len)
{
    struct st_run *tg = o->run ? o->run->storage : NULL;

    if (!tg) {
        snprintf(why, len, "storage: no target opened");
        return NULL;
    }
    if (!tg->port && tg->t.h != INVALID_HANDLE_VALUE) {
        tg->port = CreateIoCompletionPort(tg->t.h, NULL, 0, 1);
        if (!tg->port)
            snprintf(why, len, "CreateIoCompletionPort: Windows error %lu", GetLastError());
    }
    return tg->port;
}

static void publish(struct st_run *tg, const struct vb_opts *o)
{
    vb_run_context("storage", json_pack("{s:s, s:s?, s:s, s:b, s:I, s:b, s:b, s:i, s:s, s:f}",
                                        "path", tg->t.path, "target_option", o->target, "kind",
                                        "file", "created_by_viobench", tg->t.created, "size_bytes",
                                        (json_int_t)tg->t.size, "direct", 1, "write_through", 1,
                                        "alignment", (int)tg->t.align, "fs_type", tg->t.fs_type,
                                        "fill_seconds", tg->t.fill_s));
}

int sw_target_get(const struct vb_opts *o, int want_write, const struct sw_target **t, char *why,
                  size_t len)
{
    struct st_run *tg;
    struct stat st;
    int ret;

    if (st_target_refuses(o, want_write, why, len))
        return 1;
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
        o->run->storage->t.h = INVALID_HANDLE_VALUE;
    }
    tg = o->run->storage;
    if (tg->state == 0) {
        if (o->target && stat(o->target, &st) == 0 && !S_ISDIR(st.st_mode))
            ret = open_user_file(tg, o, tg->msg, sizeof(tg->msg));
        else
            ret = open_created(tg, o, o->target ? o->target : o->run_dir, tg->msg, sizeof(tg->msg));
        tg->state = ret ? ret : 1;
        if (ret) {
            vb_err("run: storage: %s", tg->msg);
            tg_cleanup(tg);
        } else {
            publish(tg, o);
        }
    }
    if (tg->state < 0) {
        snprintf(why, len, "the storage target failed earlier: %s", tg->msg);
        return 1;
    }
    if (want_write && !tg->t.writable) {
        if (tg->rw_state == 0)
            tg->rw_state = open_writable(tg, tg->rw_msg, sizeof(tg->rw_msg)) ? -EACCES : 1;
        if (tg->rw_state < 0) {
            snprintf(why, len, "%s", tg->rw_msg);
            return 1;
        }
    }
    *t = &tg->t;
    return 0;
}
