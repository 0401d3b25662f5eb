/*
 * net/...: the network client kernels' one loop, for every platform. Network paths differ
 * most between hypervisors (virtio-net and vhost on KVM, netvsc on Hyper-V, vsock and
 * hv_sock for guest-host channels), so each path is one row (net_client.c lists them):
 * request-response over TCP, UDP or vsock, connect-request-response-close, and the two
 * streams, each with one or several flows (a thread each, merged histograms).
 *
 * Set-up connects and shakes hands once per flow; the window only moves messages. Each
 * transaction is timed from just before its send to just after its last byte came back:
 * the figure of a round-trip kernel is the full round-trip time, never half of it.
 * Closed loop (default): the next request leaves when the response has arrived. Open loop
 * (--rate): requests are due at fixed intended times (rate/flows per second per flow,
 * flows offset evenly); a late response delays the next send, but its latency is still
 * measured from when it was due, so a stall shows up in every request it held back
 * (coordinated omission corrected, as wrk2 does).
 *
 * I/O modes (--net-io): blocking calls; epoll (non-blocking socket, waits for readiness);
 * spin (non-blocking calls retried in a loop). Where the platform has a watchdog (Linux),
 * blocking TCP and vsock sockets carry no SO_RCVTIMEO (its timer would cost every wait, on
 * both ends): the flow marks when each blocking call began and the watchdog shuts a socket
 * whose call has waited too long; elsewhere they keep a 5 s timeout. UDP keeps a 1 s
 * receive timeout to count losses. The socket calls are the platform's (net_flow.h).
 */
#include "modules.h"
#include "net_flow.h"
#include "platform.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IO_TIMEOUT_MS 5000 /* a peer that does not answer within this is an error */

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

static int nk_valid(const struct vb_kernel *k, const struct vb_opts *o, char *why, size_t len)
{
    return nio_valid(k->arg, o, why, len);
}

static void close_flow(struct nk_flow *f)
{
    nio_close(f->fd);
    nio_close(f->ufd);
    nio_close(f->ep);
    free(f->tx);
    free(f->rx);
    hist_free(f->tally.own);
}

static void nk_teardown(void *state)
{
    struct nk_state *s = state;
    for (int i = 0; s->f && i < s->plan.nflows; i++)
        close_flow(&s->f[i]);
    nio_end(s);
    free(s->f);
    free(s);
}

/* udp_rr: a UDP socket on the control connection's local address (any port), so both take
   the same path. 0 or -errno + why. */
static int udp_open(struct nk_flow *f, char *why, size_t len)
{
    struct nio_addr local;
    int ret = nio_sockname(f->fd, &local);
    if (!ret) {
        nio_addr_set_port(&local, 0);
        ret = nio_udp_socket(&local, NK_UDP_TIMEOUT_MS, &f->ufd);
    }
    if (ret)
        snprintf(why, len, "UDP socket: %s", strerror(-ret));
    return ret;
}

/* udp_rr after the handshake: connect the UDP socket to the server's UDP port and bind the
   session with the token of the reply, so the server learns our address as our datagrams
   arrive (through any NAT). 0 or -errno + why. */
static int udp_bind(struct nk_state *s, struct nk_flow *f, unsigned port, char *why, size_t len)
{
    struct nio_addr srv = s->peer->addr;
    char err[200];
    int ret;

    nio_addr_set_port(&srv, port);
    if ((ret = nio_dgram_connect(f->ufd, &srv))) {
        snprintf(why, len, "UDP connect to the peer: %s", strerror(-ret));
        return ret;
    }
    if ((ret = nio_udp_bind(f->ufd, f->token, err, sizeof(err))))
        snprintf(why, len, "peer %s port %u: %s", s->peer->name, port, err);
    return ret;
}

/* Connect one flow, shake hands, and make it ready for the loop. 0 or -errno + why. */
static int open_flow(struct nk_state *s, struct nk_flow *f, char *why, size_t len)
{
    const char *peer = s->peer->name;
    struct np_hello h;
    struct np_reply r;
    char err[256], text[NP_TOKEN_LEN + 1];
    int ret, kind = s->row->kind, nodelay = !s->nagle && kind != NK_VSOCK_RR;

    /* rx also holds a UDP bind ack: NP_REPLY_LEN > NP_BIND_LEN */
    f->tx = calloc(1, NP_HELLO_LEN + s->plan.req + 1);
    f->rx = calloc(1, NP_REPLY_LEN + s->plan.resp + 1);
    if (!f->tx || !f->rx)
        return -ENOMEM;
    if (kind == NK_TCP_CRR)
        return 0; /* a connection per transaction */
    if ((ret = nio_connect(&s->peer->addr, IO_TIMEOUT_MS, &f->fd, err, sizeof(err)))) {
        snprintf(why, len, "%s", err);
        return ret;
    }
    nio_stream_opts(f->fd, nodelay, s->busy_us);
    memset(&h, 0, sizeof(h));
    h.test = s->plan.test;
    h.flags = nodelay ? NP_F_NODELAY : 0;
    h.req_size = s->plan.req;
    h.resp_size = s->plan.resp;
    h.busy_poll_us = s->busy_us;
    if (kind == NK_UDP_RR && (ret = udp_open(f, why, len)))
        return ret;
    ret = nio_handshake(f->fd, &h, &r, kind == NK_UDP_RR ? text : NULL, sizeof(text), err,
                        sizeof(err));
    if (ret) {
        snprintf(why, len, "peer %s: %s", peer, err);
        return ret;
    }
    if (s->watchdog)
        nio_set_timeouts(f->fd, 0); /* the watchdog bounds the waits instead */
    if (kind == NK_UDP_RR) {
        /* the reply's text is the session token: bind the UDP socket with it */
        if ((ret = np_reply_token(r.text_len, text, &f->token, err, sizeof(err)))) {
            snprintf(why, len, "peer %s: %s", peer, err);
            return ret;
        }
        if ((ret = udp_bind(s, f, r.udp_port, why, len)))
            return ret;
    }
    if (s->io != NET_IO_BLOCKING)
        return nio_nonblock(kind == NK_UDP_RR ? f->ufd : f->fd, s->io == NET_IO_EPOLL, &f->ep, why,
                            len);
    return 0;
}

static int nk_setup(const struct vb_kernel *k, const struct vb_opts *o, void **state, char *why,
                    size_t len)
{
    const struct nk_row *row = k->arg;
    struct nk_state *s = calloc(1, sizeof(*s));
    struct np_hello h = {.test = NP_TEST_CRR, .req_size = NK_CRR_SIZE, .resp_size = NK_CRR_SIZE};
    int ret;

    if (!s)
        return -ENOMEM;
    s->row = row;
    s->io = net_io_mode(o->net_io);
    s->nagle = o->nagle;
    s->busy_us = (unsigned)(o->busy_poll_ns / 1e3);
    nk_plan(row, o, &s->plan);
    if ((ret = nio_begin(s, o, why, len))) { /* may clear busy_us */
        nk_teardown(s);
        return ret;
    }
    s->watchdog = nio_has_watchdog && s->io == NET_IO_BLOCKING && row->kind != NK_UDP_RR &&
                  row->kind != NK_TCP_CRR;
    h.busy_poll_us = s->busy_us;
    np_hello_encode(&h, s->hello);
    s->f = calloc((size_t)s->plan.nflows, sizeof(*s->f));
    if (!s->f) {
        nk_teardown(s);
        return -ENOMEM;
    }
    for (int i = 0; i < s->plan.nflows; i++)
        s->f[i].fd = s->f[i].ufd = s->f[i].ep = NIO_NONE;
    for (int i = 0; i < s->plan.nflows; i++) {
        struct nk_flow *f = &s->f[i];
        f->s = s;
        f->idx = i;
        ret = open_flow(s, f, why, len);
        if (!ret && s->plan.nflows > 1 && !(f->tally.own = hist_new()))
            ret = -ENOMEM;
        if (ret) {
            if (s->plan.nflows > 1 && why[0]) {
                char w[256];
                snprintf(w, sizeof(w), "flow %d of %d: %s", i + 1, s->plan.nflows, why);
                snprintf(why, len, "%s", w);
            }
            nk_teardown(s);
            return ret;
        }
    }
    *state = s;
    return 0;
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
        int ret = nio_poll(f->ep, timeout_ms);
        return ret == -EINTR ? 0 : ret;
    }
    if (!*t0)
        *t0 = ts_now();
    else if (ts_to_ns(ts_now() - *t0) > timeout_ms * 1e6)
        return -ETIMEDOUT;
    cpu_relax();
    return 0;
}

/* Send n bytes (tx), or receive n bytes (all) or up to n bytes (!all). Bytes moved, or
   -errno; -EPIPE when the peer closed. */
static long io_move(struct nk_flow *f, nio_fd fd, uint8_t *p, size_t n, int tx, int all,
                    int timeout_ms)
{
    int blocking = f->s->io == NET_IO_BLOCKING;
    int flags = blocking ? (all && !tx ? NIO_WAITALL : 0) : NIO_DONTWAIT;
    uint64_t t0 = 0;
    size_t got = 0;
    while (got < n) {
        long r = tx ? nio_send(fd, p + got, n - got, flags) : nio_recv(fd, p + got, n - got, flags);
        int ret;
        if (r > 0) {
            got += (size_t)r;
            if (!all)
                break;
            continue;
        }
        if (r == -EINTR) {
            if (vb_interrupted)
                return -EINTR;
            continue;
        }
        if (r != -EAGAIN)
            return r ? r : -EPIPE;
        if (blocking)
            return -ETIMEDOUT; /* SO_RCVTIMEO, SO_SNDTIMEO */
        if ((ret = io_wait(f, &t0, timeout_ms)))
            return ret;
    }
    return (long)got;
}

/* Send n bytes. 0 or -errno. */
static int io_send(struct nk_flow *f, nio_fd fd, uint8_t *p, size_t n)
{
    long r = io_move(f, fd, p, n, 1, 1, IO_TIMEOUT_MS);
    return r < 0 ? (int)r : 0;
}

/* Receive n bytes (all) or up to n bytes (!all). Bytes received, or -errno. */
static long io_recv(struct nk_flow *f, nio_fd fd, uint8_t *p, size_t n, int all, int timeout_ms)
{
    return io_move(f, fd, p, n, 0, all, timeout_ms);
}

/*
 * Paced mode: wait until the intended send time t (ts ticks). Sleeps until a margin before
 * t, then spins. The margin adapts to how late this flow's sleeps end (twice the average
 * oversleep plus nio_spin_min_ns, at most nio_spin_max_ns), so the send leaves on time
 * where timers are precise without spinning for long where they are not.
 */
static void pace_wait(struct nk_flow *f, uint64_t t, int spin_only)
{
    for (;;) {
        uint64_t now = ts_now();
        double left, margin = nio_spin_min_ns + 2 * f->oversleep_ns;
        if (now >= t || vb_interrupted)
            return;
        left = ts_to_ns(t - now);
        margin = margin < nio_spin_max_ns ? margin : nio_spin_max_ns;
        if (!spin_only && left > margin + 10e3) {
            double sleep_ns = left - margin, over;
            nio_sleep_ns(sleep_ns);
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
    long r;
    int ret;
    io_mark(f, t0 | 1);
    np_seq_put(f->tx, s->plan.req, f->seq);
    if ((ret = io_send(f, f->fd, f->tx, s->plan.req)))
        return fail(f, ret, "send");
    r = io_recv(f, f->fd, f->rx, s->plan.resp, 1, IO_TIMEOUT_MS);
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
        long r =
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
    size_t need = NP_REPLY_LEN + s->plan.resp, got = 0;
    const char *what = "connect";
    uint8_t byte;
    nio_fd fd;
    int ret = nio_crr_connect(&s->peer->addr, s->busy_us, &fd, &what);

    if (ret) {
        f->seq++;
        return fail(f, ret, what);
    }
    memcpy(f->tx, s->hello, NP_HELLO_LEN);
    np_seq_put(f->tx + NP_HELLO_LEN, s->plan.req, f->seq);
    for (size_t sent = 0, n = NP_HELLO_LEN + s->plan.req; sent < n;) {
        long w = nio_send(fd, f->tx + sent, n - sent, 0);
        if (w == -EINTR && !vb_interrupted)
            continue;
        if (w <= 0) {
            ret = fail(f, w == -EAGAIN ? -ETIMEDOUT : w ? (int)w : -EPIPE, "send");
            goto out;
        }
        sent += (size_t)w;
    }
    while (got < need) {
        long r = nio_recv(fd, f->rx + got, need - got, NIO_WAITALL);
        if (r == -EINTR && !vb_interrupted)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    ret = nk_crr_check(&f->tally, f->rx, got, f->seq, &s->plan);
    if (!ret && nio_recv(fd, &byte, 1, 0) != 0) { /* the server closes after its response */
        snprintf(f->tally.err, sizeof(f->tally.err), "the peer did not close after its response");
        ret = -EPROTO;
    }
out:
    nio_close(fd);
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
        ret = s->row->kind == NK_UDP_RR    ? rr_udp(f, &lost_in_row)
              : s->row->kind == NK_TCP_CRR ? crr(f)
                                           : rr_tcp(f, t0);
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
        long n;
        io_mark(f, t0 | 1);
        if (send_side) {
            int ret = io_send(f, f->fd, f->tx, chunk);
            n = ret ? ret : (long)chunk;
        } else {
            n = io_recv(f, f->fd, f->rx, chunk, 0, IO_TIMEOUT_MS);
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

static int flow_run(struct nk_flow *f)
{
    int k = f->s->row->kind;
    if (f->s->plan.rate > 0)
        pf_timer_slack_min();
    return k == NK_TCP_STREAM || k == NK_TCP_MAERTS ? run_stream(f) : run_transactions(f);
}

static void *flow_thread(void *arg)
{
    struct nk_flow *f = arg;
    f->tally.ret = flow_run(f);
    return NULL;
}

static struct nk_tally *tally_at(void *state, int i)
{
    return &((struct nk_state *)state)->f[i].tally;
}

static int nk_sample(void *state, struct vb_meas *m)
{
    struct nk_state *s = state;
    void *wd = NULL;
    int started = 0;

    for (int i = 0; i < s->plan.nflows; i++)
        nk_tally_begin(&s->f[i].tally, m, s->plan.nflows);
    if (s->watchdog && !(wd = nio_watchdog_start(s, IO_TIMEOUT_MS))) {
        vb_meas_fail(m, "cannot start the watchdog thread");
        return -EAGAIN;
    }
    if (s->plan.nflows == 1) {
        s->f[0].tally.ret = flow_run(&s->f[0]);
    } else {
        for (; started < s->plan.nflows; started++)
            if (pthread_create(&s->f[started].th, NULL, flow_thread, &s->f[started]))
                break;
        for (int i = 0; i < started; i++)
            pthread_join(s->f[i].th, NULL);
    }
    if (wd)
        nio_watchdog_stop(wd);
    nio_window_end(s, m->warmup);
    if (s->plan.nflows > 1 && started < s->plan.nflows) {
        vb_meas_fail(m, "cannot start thread %d of %d", started + 1, s->plan.nflows);
        return -EAGAIN;
    }
    return nk_tally_end(m, s->row, &s->plan, tally_at, s);
}

static json_t *nk_describe(void *state)
{
    struct nk_state *s = state;
    const struct nk_row *r = s->row;
    json_t *o = json_pack("{s:s, s:s, s:i, s:s, s:i, s:f, s:b}", "peer", s->peer->name, "transport",
                          r->kind == NK_UDP_RR     ? "udp"
                          : r->kind == NK_VSOCK_RR ? "vsock"
                                                   : "tcp",
                          "msg_bytes", (int)(nk_is_rr(r->kind) ? s->plan.req : r->size), "io",
                          r->kind == NK_TCP_CRR ? "blocking" : net_io_name(s->io), "flows",
                          s->plan.nflows, "busy_poll_us", (double)s->busy_us, "nodelay",
                          r->kind != NK_UDP_RR && r->kind != NK_VSOCK_RR && !s->nagle);
    nk_describe_tail(o, r, s->plan.rate);
    nio_describe(s, o);
    return o;
}

const struct vb_kernel *net_kernels(size_t *n)
{
    static const struct vb_kernel ops = {
        .valid = nk_valid,
        .setup = nk_setup,
        .sample = nk_sample,
        .describe = nk_describe,
        .teardown = nk_teardown,
    };
    return nk_rows(&ops, n);
}
