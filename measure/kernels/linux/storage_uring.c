/*
 * The io_uring engine (liburing): storage/uring[-sqpoll|-iopoll]/<pattern>/bs:B/qd:Q and
 * storage/uring/nop. It keeps Q I/Os in flight on the run's target with O_DIRECT, registered
 * buffers and a registered file, and records every I/O's latency from just before the
 * io_uring_enter() that submits it to the moment its completion is reaped (one timestamp per
 * enter and per reaped batch, from the run's time source: the TSC when trusted, else
 * CLOCK_MONOTONIC). Unlike fio's clat, which starts after io_uring_enter returns, this
 * includes the submission path (block layer, the virtqueue kick and its VM exit).
 *
 * The loop is lean on purpose, because CPU per I/O is one of its results: completions are
 * reaped in batches and the ring is set up with SINGLE_ISSUER and DEFER_TASKRUN where the
 * kernel has them (completion work runs in our task when we wait, not in interrupts and
 * task-work signals), falling back to COOP_TASKRUN, then none. Two batch sizes shape the
 * loop (measured in docs/storage.md, recorded in the row's info):
 *   - submissions go out at most URING_SUBMIT_BATCH per io_uring_enter: the refills of a
 *     reaped batch are submitted in chunks, the last chunk together with the next wait
 *     (submit_and_wait). Submitting a whole reaped batch in one enter (one virtqueue kick)
 *     is cheaper in CPU, but on a device that completes a kick's requests together (a VMM
 *     serving its queue in rounds) it builds convoys: the batch completes together, is
 *     resubmitted together, and the median latency grows by a quarter at QD32;
 *   - each wait asks for URING_WAIT_NR completions (1 below QD16, where waiting for two
 *     would idle the queue): fewer wake-ups per I/O at no cost in latency at depth.
 * When the window closes (or on Ctrl-C) no new I/O is issued and in-flight I/O is drained;
 * what completes while draining is counted (it was issued in the window, and the runner's
 * wall time for the window ends when sample() returns), so IOPS = I/Os / wall time holds
 * even for QD128 x 1 MiB, where the drain is a good part of a short window.
 */
#include "storage.h"

#include <errno.h>
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#define URING_SUBMIT_BATCH 4 /* I/Os per io_uring_enter at most */
#define URING_WAIT_NR      2 /* completions each wait asks for, from QD16 up */
#define URING_WAIT_MIN_QD  16

struct uring_state {
    struct io_uring ring;
    const struct st_spec *sp;
    const struct st_target *t;
    struct st_stream s;
    char *bufs;
    size_t buf_bytes;
    uint64_t *t_sub;                /* per slot: submit timestamp, ticks */
    uint64_t *off;                  /* per slot: offset, for error reports */
    unsigned *pend;                 /* slots prepared, not yet submitted */
    unsigned *freed;                /* slots of the batch just reaped */
    unsigned submit_batch, wait_nr; /* see the file's comment */
    uint8_t *writing;               /* per slot: 1 when the I/O is a write */
    int fixed_files, fixed_bufs, ring_fd_registered;
    unsigned flags; /* IORING_SETUP_* in effect */
    char no_fixed_bufs[96];
};

/* Set up a ring with the requested flags plus the cheapest completion mode the kernel
   accepts. 0 or -errno. */
static int ring_init(struct io_uring *r, unsigned entries, unsigned want, unsigned *got)
{
    static const unsigned extras[] = {
        IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
        IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_COOP_TASKRUN,
        IORING_SETUP_COOP_TASKRUN,
        IORING_SETUP_SINGLE_ISSUER,
        0,
    };
    int ret = -EINVAL;

    for (size_t i = 0; i < sizeof(extras) / sizeof(extras[0]); i++) {
        struct io_uring_params p;
        memset(&p, 0, sizeof(p));
        p.flags = want | extras[i] | IORING_SETUP_CQSIZE;
        p.cq_entries = entries * 2;
        ret = io_uring_queue_init_params(entries, r, &p);
        if (ret == 0) {
            *got = p.flags & ~IORING_SETUP_CQSIZE;
            return 0;
        }
        if (ret != -EINVAL)
            return ret;
    }
    return ret;
}

static json_t *flag_names(unsigned f)
{
    static const struct {
        unsigned bit;
        const char *name;
    } names[] = {
        {IORING_SETUP_IOPOLL, "iopoll"},
        {IORING_SETUP_SQPOLL, "sqpoll"},
        {IORING_SETUP_SINGLE_ISSUER, "single_issuer"},
        {IORING_SETUP_DEFER_TASKRUN, "defer_taskrun"},
        {IORING_SETUP_COOP_TASKRUN, "coop_taskrun"},
    };
    json_t *a = json_array();
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (f & names[i].bit)
            json_array_append_new(a, json_string(names[i].name));
    return a;
}

static void free_state(struct uring_state *st)
{
    st_buffers_free(st->bufs, st->buf_bytes);
    free(st->t_sub);
    free(st->off);
    free(st->pend);
    free(st->freed);
    free(st->writing);
    free(st);
}

/* Why IOPOLL cannot run on this target, or NULL when it can. */
static const char *iopoll_refusal(const struct st_target *t, char *buf, size_t len)
{
    if (!t->direct)
        return "IOPOLL needs O_DIRECT, which the target's file system refuses";
    if (!t->disk[0])
        return "the target is not on a block device (no polled queues)";
    if (t->io_poll == 1)
        return NULL;
    snprintf(buf, len, "device %s (%s) has no polled queues (queue/io_poll is 0%s)", t->disk,
             t->driver[0] ? t->driver : "unknown driver",
             strcmp(t->driver, "virtio_blk") == 0 ? "; load virtio_blk with poll_queues=N"
             : strcmp(t->driver, "nvme") == 0     ? "; boot with nvme.poll_queues=N"
                                                  : "");
    return buf;
}

int st_uring_setup(const struct vb_kernel *k, const struct vb_opts *o, void **state, char *why,
                   size_t len)
{
    const struct st_spec *sp = k->arg;
    struct uring_state *st;
    struct iovec *iov = NULL;
    unsigned entries = 1, want = 0;
    int ret;

    st = calloc(1, sizeof(*st));
    if (!st)
        return -ENOMEM;
    st->sp = sp;
    ret = st_setup_common(k, o, &st->t, why, len);
    if (ret)
        goto out;
    if (sp->engine == ST_URING_IOPOLL) {
        const char *no = iopoll_refusal(st->t, why, len);
        if (no) {
            if (no != why)
                snprintf(why, len, "%s", no);
            ret = 1;
            goto out;
        }
        want |= IORING_SETUP_IOPOLL;
    }
    if (sp->engine == ST_URING_SQPOLL)
        want |= IORING_SETUP_SQPOLL;
    while (entries < sp->qd)
        entries *= 2;
    st->submit_batch = sp->qd < URING_SUBMIT_BATCH ? sp->qd : URING_SUBMIT_BATCH;
    st->wait_nr = sp->qd >= URING_WAIT_MIN_QD ? URING_WAIT_NR : 1;
    st->buf_bytes = (size_t)sp->qd * sp->bs;
    st->bufs = st_buffers_alloc(st->buf_bytes, sp->bs * 131 + sp->qd);
    st->t_sub = calloc(sp->qd, sizeof(*st->t_sub));
    st->off = calloc(sp->qd, sizeof(*st->off));
    st->pend = calloc(sp->qd, sizeof(*st->pend));
    st->freed = calloc(sp->qd, sizeof(*st->freed));
    st->writing = calloc(sp->qd, sizeof(*st->writing));
    iov = calloc(sp->qd, sizeof(*iov));
    if (!st->bufs || !st->t_sub || !st->off || !st->pend || !st->freed || !st->writing || !iov) {
        ret = -ENOMEM;
        snprintf(why, len, "cannot allocate %zu bytes of buffers", st->buf_bytes);
        goto out;
    }
    ret = ring_init(&st->ring, entries, want, &st->flags);
    if (ret) {
        snprintf(why, len, "io_uring_queue_init(%s)",
                 sp->engine == ST_URING_SQPOLL   ? "SQPOLL"
                 : sp->engine == ST_URING_IOPOLL ? "IOPOLL"
                                                 : "");
        if (ret == -EPERM || ret == -EOPNOTSUPP || ret == -EINVAL) {
            snprintf(why + strlen(why), len - strlen(why), " refused: %s", strerror(-ret));
            ret = 1; /* a clean skip: this kernel or privilege does not offer it */
        }
        goto out;
    }
    st->fixed_files = io_uring_register_files(&st->ring, &st->t->fd, 1) == 0;
    for (unsigned i = 0; i < sp->qd; i++) {
        iov[i].iov_base = st->bufs + (size_t)i * sp->bs;
        iov[i].iov_len = sp->bs;
    }
    ret = io_uring_register_buffers(&st->ring, iov, sp->qd);
    st->fixed_bufs = ret == 0;
    if (ret)
        snprintf(st->no_fixed_bufs, sizeof(st->no_fixed_bufs), "register_buffers: %s",
                 strerror(-ret));
    st->ring_fd_registered = io_uring_register_ring_fd(&st->ring) == 1;
    st_stream_init(&st->s, sp->pattern, sp->bs, st->t->size,
                   (uint64_t)sp->pattern << 40 ^ (uint64_t)sp->bs << 8 ^ sp->qd);
    free(iov);
    *state = st;
    return 0;
out:
    free(iov);
    free_state(st);
    return ret;
}

/* A free SQE, or NULL when the ring stays full. The ring holds the queue depth, so it is
   full only of SQEs the kernel has not taken yet: with SQPOLL, the poller thread can post a
   completion before it publishes the new SQ head (seen: io_uring_get_sqe returned NULL and
   the run crashed writing to it, once in a CI run and in 2 of 120 runs beside two CPU hogs),
   so wait for it to take them; otherwise SQEs left by an EAGAIN/EBUSY submit are still
   there, so submit them. */
static struct io_uring_sqe *sqe_get(struct io_uring *r)
{
    struct io_uring_sqe *sqe;

    for (int i = 0; i < 1000; i++) {
        if ((sqe = io_uring_get_sqe(r)) != NULL)
            return sqe;
        if (r->flags & IORING_SETUP_SQPOLL)
            io_uring_sqring_wait(r);
        else
            io_uring_submit(r);
    }
    return NULL;
}

/* Prepare the next I/O of the stream in a free slot: 0, or -EBUSY when the ring has no
   free SQE (sqe_get). */
static inline int prep(struct uring_state *st, unsigned slot)
{
    struct io_uring_sqe *sqe = sqe_get(&st->ring);
    unsigned bs = st->sp->bs;
    char *buf = st->bufs + (size_t)slot * bs;
    int fd = st->fixed_files ? 0 : st->t->fd, w;
    uint64_t off;

    if (!sqe)
        return -EBUSY;
    off = st_stream_next(&st->s, &w);
    if (st->fixed_bufs) {
        if (w)
            io_uring_prep_write_fixed(sqe, fd, buf, bs, off, (int)slot);
        else
            io_uring_prep_read_fixed(sqe, fd, buf, bs, off, (int)slot);
    } else if (w) {
        io_uring_prep_write(sqe, fd, buf, bs, off);
    } else {
        io_uring_prep_read(sqe, fd, buf, bs, off);
    }
    if (st->fixed_files)
        sqe->flags |= IOSQE_FIXED_FILE;
    sqe->user_data = slot;
    st->off[slot] = off;
    st->writing[slot] = (uint8_t)w;
    return 0;
}

/* Submit the prepared slots now, without waiting (one io_uring_enter). The SQEs stay in
   the ring when the kernel takes none yet (EAGAIN/EBUSY): the next enter submits them. */
static int submit_pending(struct uring_state *st, unsigned *npend, unsigned *inflight)
{
    uint64_t now = ts_now();
    int ret;

    for (unsigned i = 0; i < *npend; i++)
        st->t_sub[st->pend[i]] = now;
    *inflight += *npend;
    *npend = 0;
    ret = io_uring_submit(&st->ring);
    return ret < 0 && ret != -EINTR && ret != -EAGAIN && ret != -EBUSY ? ret : 0;
}

int st_uring_sample(void *state, struct vb_meas *m)
{
    struct uring_state *st = state;
    const unsigned bs = st->sp->bs;
    unsigned inflight = 0, npend = 0;
    uint64_t enters = 0, waits = 0, reaped = 0;
    struct st_tally tl;
    int stopping = 0, ret = 0;

    st_tally_begin(&tl);
    for (unsigned slot = 0; slot < st->sp->qd && !stopping; slot++) {
        if (prep(st, slot)) {
            vb_meas_fail(m, "io_uring: no free submission queue entry");
            stopping = 1;
            break;
        }
        st->pend[npend++] = slot;
        if (npend == st->submit_batch && slot + 1 < st->sp->qd) {
            ret = submit_pending(st, &npend, &inflight);
            enters++;
            if (ret) {
                vb_meas_fail(m, "io_uring_submit: %s", strerror(-ret));
                stopping = 1;
            }
        }
    }
    while (inflight + npend > 0) {
        struct io_uring_cqe *cqe;
        unsigned head, seen = 0, want;
        uint64_t now = ts_now();

        for (unsigned i = 0; i < npend; i++)
            st->t_sub[st->pend[i]] = now;
        inflight += npend;
        npend = 0;
        /* draining: any completion will do */
        want = stopping || inflight < st->wait_nr ? 1 : st->wait_nr;
        ret = io_uring_submit_and_wait(&st->ring, want);
        enters++;
        waits++;
        if (ret < 0 && ret != -EINTR && ret != -EAGAIN && ret != -EBUSY) {
            vb_meas_fail(m, "io_uring_submit_and_wait: %s", strerror(-ret));
            stopping = 1;
            /* in-flight I/O still completes into our buffers: keep draining */
        }
        now = ts_now();
        if (!stopping && (vb_interrupted || now >= m->deadline))
            stopping = 1;
        io_uring_for_each_cqe(&st->ring, head, cqe)
        {
            unsigned slot = (unsigned)cqe->user_data;
            int res = cqe->res;
            if (res < 0) {
                if (tl.errors++ == 0) {
                    tl.first_errno = -res;
                    tl.first_err_off = st->off[slot];
                }
            } else {
                /* I/O that completes while draining was issued inside the window and the
                   window's wall time (the runner's) lasts until the drain ends: count it */
                if ((unsigned)res != bs)
                    tl.short_ios++;
                vb_meas_record(m, ts_to_ns(now - st->t_sub[slot]));
                vb_meas_add(m, 0, (uint64_t)res);
                tl.ios++;
                tl.writes += st->writing[slot];
            }
            st->freed[seen++] = slot;
        }
        io_uring_cq_advance(&st->ring, seen);
        inflight -= seen;
        reaped += seen;
        /* refill after the completion loop, so no completion posted meanwhile is stamped
           with this batch's time; all chunks but the last go out now, the last with the
           next wait */
        for (unsigned i = 0; !stopping && i < seen; i++) {
            if (prep(st, st->freed[i])) {
                vb_meas_fail(m, "io_uring: no free submission queue entry");
                stopping = 1;
                break;
            }
            st->pend[npend++] = st->freed[i];
            if (npend == st->submit_batch && i + 1 < seen) {
                ret = submit_pending(st, &npend, &inflight);
                enters++;
                if (ret) {
                    vb_meas_fail(m, "io_uring_submit: %s", strerror(-ret));
                    stopping = 1;
                }
            }
        }
        if (m->error[0] && seen == 0)
            break; /* the ring itself failed; teardown's ring exit waits for the rest */
    }
    tl.reads = tl.ios - tl.writes;
    /* completions per io_uring_enter and per waiting enter: how the batching turned out */
    vb_meas_info(m, "ios_per_enter", json_real(enters ? (double)reaped / (double)enters : 0));
    vb_meas_info(m, "ios_per_wait", json_real(waits ? (double)reaped / (double)waits : 0));
    if (m->error[0])
        return -EIO;
    ret = st_tally_end(&tl, m, st->sp, "I/O");
    return ret;
}

json_t *st_uring_describe(void *state)
{
    struct uring_state *st = state;
    json_t *d = st_describe_common(st->sp, st->t);
    if (!d)
        return NULL;
    json_object_set_new(d, "registered_buffers", json_boolean(st->fixed_bufs));
    json_object_set_new(d, "registered_files", json_boolean(st->fixed_files));
    json_object_set_new(d, "registered_ring", json_boolean(st->ring_fd_registered));
    json_object_set_new(d, "sqpoll", json_boolean(st->flags & IORING_SETUP_SQPOLL));
    json_object_set_new(d, "iopoll", json_boolean(st->flags & IORING_SETUP_IOPOLL));
    json_object_set_new(d, "ring_flags", flag_names(st->flags));
    json_object_set_new(d, "submit_batch", json_integer(st->submit_batch));
    json_object_set_new(d, "wait_min_complete", json_integer(st->wait_nr));
    if (st->no_fixed_bufs[0])
        json_object_set_new(d, "no_registered_buffers", json_string(st->no_fixed_bufs));
    return d;
}

void st_uring_teardown(void *state)
{
    struct uring_state *st = state;
    io_uring_queue_exit(&st->ring);
    free_state(st);
}

/* ---- storage/uring/nop: the ring round trip with no I/O ---- */

struct nop_state {
    struct io_uring ring;
    unsigned flags;
    int ring_fd_registered;
};

int st_nop_setup(const struct vb_kernel *k, const struct vb_opts *o, void **state, char *why,
                 size_t len)
{
    struct nop_state *st = calloc(1, sizeof(*st));
    int ret;
    (void)k;
    (void)o;
    if (!st)
        return -ENOMEM;
    ret = ring_init(&st->ring, 2, 0, &st->flags);
    if (ret) {
        snprintf(why, len, "io_uring_queue_init");
        free(st);
        return ret;
    }
    st->ring_fd_registered = io_uring_register_ring_fd(&st->ring) == 1;
    *state = st;
    return 0;
}

int st_nop_sample(void *state, struct vb_meas *m)
{
    struct nop_state *st = state;
    struct io_uring_cqe *cqe;
    unsigned pending = 0;
    int ret;

    while (vb_meas_running(m)) {
        uint64_t t0, t1;
        struct io_uring_sqe *sqe = sqe_get(&st->ring);
        if (!sqe) {
            vb_meas_fail(m, "io_uring: no free submission queue entry");
            break;
        }
        io_uring_prep_nop(sqe);
        pending++;
        t0 = ts_now();
        ret = io_uring_submit_and_wait(&st->ring, 1);
        t1 = ts_now();
        if (ret < 0 && ret != -EINTR) {
            vb_meas_fail(m, "io_uring_submit_and_wait: %s", strerror(-ret));
            return ret;
        }
        while (io_uring_peek_cqe(&st->ring, &cqe) == 0) {
            io_uring_cqe_seen(&st->ring, cqe);
            pending--;
            vb_meas_record(m, ts_to_ns(t1 - t0));
        }
    }
    /* an interrupted wait may leave the NOP in the ring: collect it */
    while (pending) {
        ret = io_uring_submit_and_wait(&st->ring, 1);
        if (ret < 0 && ret != -EINTR)
            break;
        while (io_uring_peek_cqe(&st->ring, &cqe) == 0) {
            io_uring_cqe_seen(&st->ring, cqe);
            pending--;
        }
    }
    return 0;
}

json_t *st_nop_describe(void *state)
{
    struct nop_state *st = state;
    return json_pack("{s:s, s:i, s:o, s:b, s:s, s:s}", "engine", "uring", "qd", 1, "ring_flags",
                     flag_names(st->flags), "registered_ring", st->ring_fd_registered, "latency",
                     "io_uring_enter submitting one NOP and waiting for its completion",
                     "time_source", vb_ts.name);
}

void st_nop_teardown(void *state)
{
    struct nop_state *st = state;
    io_uring_queue_exit(&st->ring);
    free(st);
}
