/*
 * storage/...: the Windows storage rows, named as on Linux with the engine Windows has:
 *
 *   storage/iocp/<pattern>/bs:B/qd:Q   unbuffered, write-through overlapped I/O on an I/O
 *                                      completion port, Q requests outstanding: each
 *                                      completion is recorded (submit to dequeue) and the
 *                                      slot is submitted again at once, as fio's windowsaio
 *                                      and DiskSpd do
 *   storage/flush                      a 4 KiB random write, then FlushFileBuffers: the
 *                                      flush path through the virtual disk to the host
 *
 * Patterns randread, randwrite, read, write, randrw (70% reads), as on Linux. The quick suite
 * runs 4k randread and randwrite at QD1 and QD32 and flush; the full suite sweeps bs
 * 4k..1m (x4 steps) and QD 1..128 (x2 steps) for every pattern. The target and its safety
 * rules are storage_win_target.c's.
 */
#include "storage_win.h"

#include "modules.h"
#include "platform.h"
#include "units.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BATCH 64 /* completions dequeued per call */

enum sw_engine { SW_IOCP, SW_FLUSH };

struct sw_spec {
    enum sw_engine engine;
    enum st_pattern pattern;
    unsigned bs, qd;
};

struct slot {
    OVERLAPPED ov; /* first: a completion's OVERLAPPED* is the slot */
    uint8_t *buf;
    uint64_t t0; /* ts ticks at submission */
    uint64_t off;
    int write;
};

struct iocp_state {
    const struct sw_spec *sp;
    const struct sw_target *t;
    HANDLE port; /* the target's completion port (run-wide: a file joins one port for life) */
    HANDLE ev;   /* flush: the event of its one write */
    struct slot *slots;
    uint8_t *mem;
    size_t mem_bytes;
    struct st_stream stream;
    uint64_t ios, errors, short_ios, reads, writes, cpu0;
    DWORD first_err;
    uint64_t first_err_off;
};

static int sw_valid(const struct vb_kernel *k, const struct vb_opts *o, char *why, size_t len)
{
    const struct sw_spec *sp = k->arg;
    return st_target_refuses(o, sp->engine == SW_FLUSH || st_pattern_writes(sp->pattern), why, len);
}

static void sw_teardown(void *state)
{
    struct iocp_state *s = state;
    if (s->ev)
        CloseHandle(s->ev);
    if (s->mem)
        VirtualFree(s->mem, 0, MEM_RELEASE);
    free(s->slots);
    free(s);
}

static int sw_setup(const struct vb_kernel *k, const struct vb_opts *o, void **state, char *why,
                    size_t len)
{
    const struct sw_spec *sp = k->arg;
    struct iocp_state *s = calloc(1, sizeof(*s));
    int ret, writes = sp->engine == SW_FLUSH || st_pattern_writes(sp->pattern);

    if (!s)
        return -ENOMEM;
    s->sp = sp;
    ret = sw_target_get(o, writes, &s->t, why, len);
    if (ret) {
        free(s);
        return ret;
    }
    if (sp->bs % s->t->align || sp->bs > s->t->size) {
        snprintf(why, len, "bs %u does not fit the target (%u-byte sectors, %llu bytes)", sp->bs,
                 s->t->align, (unsigned long long)s->t->size);
        free(s);
        return 1;
    }
    s->slots = calloc(sp->qd, sizeof(*s->slots));
    s->mem_bytes = (size_t)sp->bs * sp->qd;
    s->mem = VirtualAlloc(NULL, s->mem_bytes, MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE);
    if (!s->slots || !s->mem) {
        sw_teardown(s);
        return -ENOMEM;
    }
    st_stream_init(&s->stream, STP_RANDREAD, 8, 8, (uint64_t)(uintptr_t)s->mem);
    for (size_t i = 0; i < s->mem_bytes / 8; i++)
        ((uint64_t *)s->mem)[i] = st_rand(&s->stream);
    for (unsigned i = 0; i < sp->qd; i++)
        s->slots[i].buf = s->mem + (size_t)i * sp->bs;
    if (sp->engine == SW_FLUSH) {
        s->ev = CreateEventA(NULL, TRUE, FALSE, NULL);
        if (!s->ev) {
            sw_teardown(s);
            return -ENOMEM;
        }
    } else if (!(s->port = sw_target_port(o, why, len))) {
        sw_teardown(s);
        return -EIO;
    }
    *state = s;
    return 0;
}

static void note_error(struct iocp_state *s, DWORD e, uint64_t off)
{
    if (!s->errors++) {
        s->first_err = e;
        s->first_err_off = off;
    }
}

/* Submit one I/O from a slot. 0, or the Windows error when it could not start. */
static DWORD submit(struct iocp_state *s, struct slot *sl, HANDLE h)
{
    BOOL ok;
    memset(&sl->ov, 0, sizeof(sl->ov));
    sl->off = st_stream_next(&s->stream, &sl->write);
    sl->ov.Offset = (DWORD)sl->off;
    sl->ov.OffsetHigh = (DWORD)(sl->off >> 32);
    sl->t0 = ts_now();
    ok = sl->write ? WriteFile(h, sl->buf, s->sp->bs, NULL, &sl->ov)
                   : ReadFile(h, sl->buf, s->sp->bs, NULL, &sl->ov);
    if (!ok && GetLastError() != ERROR_IO_PENDING)
        return GetLastError();
    return 0;
}

static uint64_t process_cpu(void)
{
    uint64_t u = 0, k = 0;
    pf_process_cpu_ns(&u, &k);
    return u + k;
}

static int tally_end(struct iocp_state *s, struct vb_meas *m, const char *what)
{
    uint64_t cpu = process_cpu() - s->cpu0;
    vb_meas_counter(m, "errors", (double)s->errors);
    vb_meas_counter(m, "short_ios", (double)s->short_ios);
    vb_meas_counter(m, "cpu_per_io_ns", s->ios ? (double)cpu / (double)s->ios : 0);
    if (s->sp->pattern == STP_RANDRW && s->sp->engine == SW_IOCP) {
        vb_meas_counter(m, "read_ios", (double)s->reads);
        vb_meas_counter(m, "write_ios", (double)s->writes);
    }
    if (s->errors) {
        vb_meas_info(m, "first_error",
                     json_sprintf("%s at offset %llu: Windows error %lu", what,
                                  (unsigned long long)s->first_err_off,
                                  (unsigned long)s->first_err));
        if (s->ios == 0) {
            vb_meas_fail(m, "every %s failed: Windows error %lu (first at offset %llu)", what,
                         (unsigned long)s->first_err, (unsigned long long)s->first_err_off);
            return -EIO;
        }
    }
    return 0;
}

static void tally_begin(struct iocp_state *s)
{
    s->ios = s->errors = s->short_ios = s->reads = s->writes = 0;
    s->cpu0 = process_cpu();
}

static int iocp_sample(void *state, struct vb_meas *m)
{
    struct iocp_state *s = state;
    const struct sw_spec *sp = s->sp;
    HANDLE h = s->t->h;
    unsigned inflight = 0;

    st_stream_init(&s->stream, sp->pattern, sp->bs, s->t->size,
                   (uint64_t)pf_clock_ns() ^ (uint64_t)sp->qd);
    tally_begin(s);
    for (unsigned i = 0; i < sp->qd; i++) {
        DWORD e = submit(s, &s->slots[i], h);
        if (e)
            note_error(s, e, s->slots[i].off);
        else
            inflight++;
    }
    while (inflight) {
        OVERLAPPED_ENTRY ent[BATCH];
        ULONG n = 0;
        int open = vb_meas_running(m);
        if (!GetQueuedCompletionStatusEx(s->port, ent, BATCH, &n, 5000, FALSE)) {
            vb_meas_fail(m, "no I/O completion within 5 s (%u in flight)", inflight);
            CancelIo(h);
            return -ETIMEDOUT;
        }
        for (ULONG i = 0; i < n; i++) {
            struct slot *sl = (struct slot *)ent[i].lpOverlapped;
            uint64_t t1 = ts_now();
            DWORD got = 0;
            inflight--;
            if (!GetOverlappedResult(h, &sl->ov, &got, FALSE))
                note_error(s, GetLastError(), sl->off);
            else if (ent[i].dwNumberOfBytesTransferred != sp->bs)
                s->short_ios++;
            else {
                vb_meas_record(m, ts_to_ns(t1 - sl->t0));
                vb_meas_add(m, 0, sp->bs);
                s->ios++;
                s->writes += sl->write;
                s->reads += !sl->write;
            }
            if (open && vb_meas_running(m)) {
                DWORD e = submit(s, sl, h);
                if (e)
                    note_error(s, e, sl->off);
                else
                    inflight++;
            }
        }
    }
    return tally_end(s, m, "overlapped I/O");
}

static int flush_sample(void *state, struct vb_meas *m)
{
    struct iocp_state *s = state;
    struct slot *sl = &s->slots[0];
    HANDLE h = s->t->h;

    st_stream_init(&s->stream, STP_RANDWRITE, s->sp->bs, s->t->size, (uint64_t)pf_clock_ns());
    tally_begin(s);
    while (vb_meas_running(m)) {
        DWORD done = 0, e = 0;
        uint64_t t0;
        ResetEvent(s->ev);
        memset(&sl->ov, 0, sizeof(sl->ov));
        sl->off = st_stream_next(&s->stream, &sl->write);
        sl->ov.Offset = (DWORD)sl->off;
        sl->ov.OffsetHigh = (DWORD)(sl->off >> 32);
        /* the low bit keeps this completion off the target's completion port */
        sl->ov.hEvent = (HANDLE)((uintptr_t)s->ev | 1);
        t0 = ts_now();
        if ((!WriteFile(h, sl->buf, s->sp->bs, NULL, &sl->ov) &&
             GetLastError() != ERROR_IO_PENDING) ||
            WaitForSingleObject(s->ev, 5000) != WAIT_OBJECT_0 ||
            !GetOverlappedResult(h, &sl->ov, &done, FALSE))
            e = GetLastError();
        else if (!FlushFileBuffers(h))
            e = GetLastError();
        if (e) {
            note_error(s, e, sl->off);
            if (s->errors > 100 && s->ios == 0)
                break;
            continue;
        }
        vb_meas_record(m, ts_to_ns(ts_now() - t0));
        vb_meas_add(m, 0, s->sp->bs);
        s->ios++;
    }
    return tally_end(s, m, "WriteFile+FlushFileBuffers");
}

static json_t *sw_describe(void *state)
{
    const struct iocp_state *s = state;
    const struct sw_spec *sp = s->sp;
    json_t *d = json_pack(
        "{s:s, s:s, s:I, s:I, s:s, s:I, s:b, s:b, s:b, s:I, s:s, s:s, s:s}", "engine",
        sp->engine == SW_FLUSH ? "flush" : "iocp", "pattern", st_pattern_name(sp->pattern), "bs",
        (json_int_t)sp->bs, "qd", (json_int_t)sp->qd, "target", s->t->path, "file_size",
        (json_int_t)s->t->size, "direct", 1, "write_through", 1, "created_by_viobench",
        s->t->created, "alignment", (json_int_t)s->t->align, "fs_type", s->t->fs_type, "latency",
        sp->engine == SW_FLUSH ? "write submitted to FlushFileBuffers returned"
                               : "submit to completion dequeued, per I/O",
        "time_source", vb_ts.name);
    if (d && sp->pattern == STP_RANDRW && sp->engine == SW_IOCP)
        json_object_set_new(d, "rwmix_read", json_integer(ST_RWMIX_READ));
    return d;
}

static const unsigned sweep_bs[] = {4096, 16384, 65536, 262144, 1048576};
static const unsigned sweep_qd[] = {1, 2, 4, 8, 16, 32, 64, 128};
#define NBS  (sizeof(sweep_bs) / sizeof(sweep_bs[0]))
#define NQD  (sizeof(sweep_qd) / sizeof(sweep_qd[0]))
#define NROW (5 * NBS * NQD + 1)

const struct vb_kernel *storage_iocp_kernels(size_t *n)
{
    static struct vb_kernel rows[NROW];
    static struct sw_spec specs[NROW];
    static char names[NROW][64], helps[NROW][128];
    static size_t count;

    if (!count) {
        const unsigned both = VB_SUITE_QUICK | VB_SUITE_FULL;
        for (int p = STP_RANDREAD; p <= STP_RANDRW; p++)
            for (size_t b = 0; b < NBS; b++)
                for (size_t q = 0; q < NQD; q++) {
                    char sz[16];
                    int quick = sweep_bs[b] == 4096 && p <= STP_RANDWRITE &&
                                (sweep_qd[q] == 1 || sweep_qd[q] == 32);
                    units_fmt_name_size(sweep_bs[b], sz, sizeof(sz));
                    specs[count] =
                        (struct sw_spec){SW_IOCP, (enum st_pattern)p, sweep_bs[b], sweep_qd[q]};
                    snprintf(names[count], sizeof(names[count]), "storage/iocp/%s/bs:%s/qd:%u",
                             st_pattern_name(p), sz, sweep_qd[q]);
                    snprintf(helps[count], sizeof(helps[count]),
                             "one %s %s I/O, %u in flight (unbuffered, write-through, IOCP)", sz,
                             st_pattern_name(p), sweep_qd[q]);
                    rows[count] = (struct vb_kernel){
                        .name = names[count],
                        .category = "storage",
                        .suites = quick ? both : VB_SUITE_FULL,
                        .flags = VB_K_PROCESS_CPU,
                        .help = helps[count],
                        .valid = sw_valid,
                        .setup = sw_setup,
                        .sample = iocp_sample,
                        .describe = sw_describe,
                        .teardown = sw_teardown,
                        .arg = &specs[count],
                    };
                    count++;
                }
        specs[count] = (struct sw_spec){SW_FLUSH, STP_RANDWRITE, 4096, 1};
        rows[count] = (struct vb_kernel){
            .name = "storage/flush",
            .category = "storage",
            .suites = both,
            .flags = VB_K_PROCESS_CPU,
            .help = "one 4 KiB random write followed by FlushFileBuffers",
            .valid = sw_valid,
            .setup = sw_setup,
            .sample = flush_sample,
            .describe = sw_describe,
            .teardown = sw_teardown,
            .arg = &specs[count],
        };
        count++;
    }
    *n = count;
    return rows;
}
