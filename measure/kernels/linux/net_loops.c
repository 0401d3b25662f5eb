/*
 * The measured loops of the network kernels: one transaction after another on one flow,
 * each timed from just before its send to just after its last byte came back. The figure
 * of a round-trip kernel is the full round-trip time, never half of it.
 *
 * Closed loop (default): the next request leaves when the response has arrived.
 * Open loop (--rate): requests are due at fixed intended times (rate/flows per second per
 * flow, flows offset evenly); a late response delays the next send, but its latency is
 * still measured from when it was due, so a stall shows up in every request it held back
 * (coordinated omission corrected, as wrk2 does). A flow sleeps until shortly before the
 * intended time, then spins (see pace_wait).
 *
 * I/O modes (--net-io): blocking send/recv; epoll (non-blocking socket, epoll_wait
 * edge-triggered for readiness); spin (non-blocking calls retried in a loop). Blocking TCP
 * and vsock sockets carry no SO_RCVTIMEO (its timer would cost every wait, on both ends):
 * the flow marks when each blocking call began and a watchdog thread (net_kernels.c) shuts
 * a socket whose call has waited too long. UDP keeps a 1 s receive timeout to count losses.
 */
#include "net_kern.h"
#include "platform.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#define SPIN_MAX_NS 1e6 /* paced mode: never spin longer than this before a send */

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

/* Record why the flow stopped ("what: reason"); returns ret. */
static int fail(struct nk_flow *f, int ret, const char *what)
{
    return nk_fail(&f->tally, ret, f->watchdog_fired, what);
}

/* Wait for readiness in epoll or spin mode. *t0 starts the timeout at the first wait. */
static int io_wait(struct nk_flow *f, uint64_t *t0, int timeout_ms)
{
    if (vb_interrupted)
        return -EINTR;
    if (f->s->io == NET_IO_EPOLL) {
        struct epoll_event e;
        int n = epoll_wait(f->ep, &e, 1, timeout_ms);
        if (n == 0)
            return -ETIMEDOUT;
        if (n < 0 && errno != EINTR)
            return -errno;
        return 0;
    }
    if (!*t0)
        *t0 = ts_now();
    else if (ts_to_ns(ts_now() - *t0) > timeout_ms * 1e6)
        return -ETIMEDOUT;
    cpu_relax();
    return 0;
}

/* Send n bytes. 0 or -errno. */
static int io_send(struct nk_flow *f, int fd, const uint8_t *p, size_t n)
{
    int flags = MSG_NOSIGNAL | (f->s->io == NET_IO_BLOCKING ? 0 : MSG_DONTWAIT);
    uint64_t t0 = 0;
    while (n) {
        ssize_t w = send(fd, p, n, flags);
        int ret;
        if (w > 0) {
            p += w;
            n -= (size_t)w;
            continue;
        }
        if (errno == EINTR) {
            if (vb_interrupted)
                return -EINTR;
            continue;
        }
        if (errno != EAGAIN)
            return -errno;
        if (f->s->io == NET_IO_BLOCKING)
            return -ETIMEDOUT; /* SO_SNDTIMEO */
        if ((ret = io_wait(f, &t0, NETL_IO_TIMEOUT_MS)))
            return ret;
    }
    return 0;
}

/* Receive n bytes (all) or up to n bytes (!all). Bytes received, or -errno; -EPIPE when
   the peer closed. */
static ssize_t io_recv(struct nk_flow *f, int fd, uint8_t *p, size_t n, int all, int timeout_ms)
{
    int blocking = f->s->io == NET_IO_BLOCKING;
    int flags = blocking ? (all ? MSG_WAITALL : 0) : MSG_DONTWAIT;
    uint64_t t0 = 0;
    size_t got = 0;
    while (got < n) {
        ssize_t r = recv(fd, p + got, n - got, flags);
        int ret;
        if (r > 0) {
            got += (size_t)r;
            if (!all)
                break;
            continue;
        }
        if (r == 0)
            return -EPIPE;
        if (errno == EINTR) {
            if (vb_interrupted)
                return -EINTR;
            continue;
        }
        if (errno != EAGAIN)
            return -errno;
        if (blocking)
            return -ETIMEDOUT; /* SO_RCVTIMEO */
        if ((ret = io_wait(f, &t0, timeout_ms)))
            return ret;
    }
    return (ssize_t)got;
}

/*
 * Paced mode: wait until the intended send time t (ts ticks). Sleeps until a margin before
 * t, then spins. The margin adapts to how late this flow's sleeps end (twice the average
 * oversleep plus 20 us, at most 1 ms), so the send leaves on time where timers are precise
 * without spinning for long where they are not.
 */
static void pace_wait(struct nk_flow *f, uint64_t t, int spin_only)
{
    for (;;) {
        uint64_t now = ts_now();
        double left, margin = 20e3 + 2 * f->oversleep_ns;
        if (now >= t || vb_interrupted)
            return;
        left = ts_to_ns(t - now);
        margin = margin < SPIN_MAX_NS ? margin : SPIN_MAX_NS;
        if (!spin_only && left > margin + 10e3) {
            double sleep_ns = left - margin, over;
            struct timespec d = {.tv_sec = (time_t)(sleep_ns / 1e9)};
            d.tv_nsec = (long)(sleep_ns - (double)d.tv_sec * 1e9);
            nanosleep(&d, NULL);
            over = ts_to_ns(ts_now() - now) - sleep_ns;
            f->oversleep_ns = 0.9 * f->oversleep_ns + 0.1 * (over > 0 ? over : 0);
            continue;
        }
        cpu_relax();
    }
}

/* Mark a blocking call as begun (t, ts ticks) or ended (0), for the watchdog. */
static inline void io_mark(struct nk_flow *f, uint64_t t)
{
    __atomic_store_n(&f->io_since, t, __ATOMIC_RELAXED);
}

/* One TCP or vsock round trip. */
static int rr_tcp(struct nk_flow *f, uint64_t t0)
{
    const struct nk_state *s = f->s;
    ssize_t r;
    int ret;
    io_mark(f, t0 | 1);
    np_seq_put(f->tx, s->plan.req, f->seq);
    if ((ret = io_send(f, f->fd, f->tx, s->plan.req)))
        return fail(f, ret, "send");
    r = io_recv(f, f->fd, f->rx, s->plan.resp, 1, NETL_IO_TIMEOUT_MS);
    io_mark(f, 0);
    if (r < 0)
        return fail(f, (int)r, "recv");
    if (!np_seq_match(f->rx, s->plan.req < s->plan.resp ? s->plan.req : s->plan.resp, f->seq)) {
        snprintf(f->tally.err, sizeof(f->tally.err),
                 "response out of sequence (expected stamp %llu)", (unsigned long long)f->seq);
        return -EPROTO;
    }
    f->seq++;
    return 0;
}

/* One UDP round trip: 0, 1 when the reply was lost (no sample), or -errno. */
static int rr_udp(struct nk_flow *f, int *lost_in_row)
{
    const struct nk_state *s = f->s;
    int ret;
    np_seq_put(f->tx, s->plan.req, f->seq);
    if ((ret = io_send(f, f->ufd, f->tx, s->plan.req)))
        return fail(f, ret, "UDP send");
    do {
        ssize_t r =
            io_recv(f, f->ufd, f->rx, (s->plan.resp > NP_BIND_LEN ? s->plan.resp : NP_BIND_LEN) + 1,
                    0, NK_UDP_TIMEOUT_MS);
        if (r == -ETIMEDOUT)
            return nk_udp_lost(&f->tally, &f->seq, lost_in_row);
        if (r < 0)
            return fail(f, (int)r, "UDP recv");
        ret = nk_udp_reply(&f->tally, f->rx, (size_t)r, f->token, f->seq, &s->plan);
    } while (ret == 1);
    if (ret)
        return ret;
    *lost_in_row = 0;
    f->seq++;
    return 0;
}

/* One connect, request, response, close. */
static int crr(struct nk_flow *f)
{
    const struct nk_state *s = f->s;
    const struct netl_peer *p = s->peer;
    size_t need = NP_REPLY_LEN + s->plan.resp, got = 0;
    char byte;
    int ret = 0, fd = socket(p->sa.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);

    if (fd < 0)
        return fail(f, -errno, "socket");
    netl_set_timeouts(fd, NETL_IO_TIMEOUT_MS);
    if (s->busy_us)
        setsockopt(fd, SOL_SOCKET, SO_BUSY_POLL, &s->busy_us, sizeof(int));
    if (connect(fd, (const struct sockaddr *)&p->sa, p->len)) {
        ret = fail(f, -errno, "connect");
        goto out;
    }
    memcpy(f->tx, s->hello, NP_HELLO_LEN);
    np_seq_put(f->tx + NP_HELLO_LEN, s->plan.req, f->seq);
    if ((ret = netl_send_all(fd, f->tx, NP_HELLO_LEN + s->plan.req))) {
        ret = fail(f, ret, "send");
        goto out;
    }
    while (got < need) {
        ssize_t r = recv(fd, f->rx + got, need - got, MSG_WAITALL);
        if (r < 0 && errno == EINTR && !vb_interrupted)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    ret = nk_crr_check(&f->tally, f->rx, got, f->seq, &s->plan);
    if (!ret && recv(fd, &byte, 1, 0) != 0) { /* the server closes after its response */
        snprintf(f->tally.err, sizeof(f->tally.err), "the peer did not close after its response");
        ret = -EPROTO;
    }
out:
    close(fd);
    f->seq++;
    return ret;
}

/* Transaction kernels (RR, UDP RR, CRR), closed or open loop. */
static int run_transactions(struct nk_flow *f)
{
    const struct nk_state *s = f->s;
    const struct vb_meas *m = f->tally.m;
    struct nk_pace pc = {0};
    int lost_in_row = 0, ret = 0, paced = s->plan.rate > 0;

    if (paced)
        nk_pace_start(&pc, &s->plan, f->idx);
    while (vb_meas_running(m)) {
        uint64_t t0, t1;
        if (paced) {
            if (pc.next >= m->deadline)
                break;
            pace_wait(f, pc.next, s->io == NET_IO_SPIN);
            t0 = nk_pace_take(&pc, &f->tally);
        } else {
            t0 = ts_begin();
        }
        switch (s->row->kind) {
        case NK_UDP_RR:
            ret = rr_udp(f, &lost_in_row);
            break;
        case NK_TCP_CRR:
            ret = crr(f);
            break;
        default:
            ret = rr_tcp(f, t0);
            break;
        }
        t1 = ts_end();
        if (ret == 1)
            continue;
        if (ret)
            return ret;
        hist_record(f->tally.h, ts_to_ns(t1 - t0));
        f->tally.ops++;
    }
    return vb_interrupted ? -EINTR : 0;
}

/* Stream: time each send of one chunk; maerts: time each receive. */
static int run_stream(struct nk_flow *f)
{
    const struct nk_state *s = f->s;
    int send_side = s->row->kind == NK_TCP_STREAM;
    uint32_t chunk = send_side ? s->plan.req : s->plan.resp;

    while (vb_meas_running(f->tally.m)) {
        uint64_t t0 = ts_begin(), t1;
        ssize_t n;
        io_mark(f, t0 | 1);
        if (send_side) {
            int ret = io_send(f, f->fd, f->tx, chunk);
            n = ret ? ret : (ssize_t)chunk;
        } else {
            n = io_recv(f, f->fd, f->rx, chunk, 0, NETL_IO_TIMEOUT_MS);
        }
        t1 = ts_end();
        io_mark(f, 0);
        if (n < 0)
            return fail(f, (int)n, send_side ? "send" : "recv");
        hist_record(f->tally.h, ts_to_ns(t1 - t0));
        f->tally.ops++;
        f->tally.bytes += (uint64_t)n;
    }
    return vb_interrupted ? -EINTR : 0;
}

int nk_flow_run(struct nk_flow *f)
{
    int k = f->s->row->kind;
    return k == NK_TCP_STREAM || k == NK_TCP_MAERTS ? run_stream(f) : run_transactions(f);
}
