/*
 * net/...: the network kernels over Winsock, with the rows, figures and wire protocol of
 * the Linux ones (both take them from measure/kernels/net_client.c and lib/netproto.h), so a
 * Windows client measures against a Linux `viobench serve` and the other way round:
 *
 *   net/tcp_rr/size:N      TCP ping-pong of N bytes each way: the full round-trip time
 *   net/udp_rr/size:N      the same over UDP (a TCP hello registers it, a bind datagram
 *                          carrying the reply's token binds it, as on Linux)
 *   net/tcp_crr            connect, 64-byte request, 64-byte response, close
 *   net/tcp_stream/size:N  send N-byte chunks: bytes_per_second and each send's latency
 *   net/tcp_maerts/size:N  the reverse stream: the peer sends, each receive is timed
 *   .../flows:F            F connections at once, one thread each
 *   net/vsock_rr/...       listed for the same table, skipped: AF_VSOCK is Linux's
 *
 * Closed loop by default, open loop with --rate (latency from the intended send time, as
 * on Linux). --net-io blocking (default) or spin (non-blocking calls retried); epoll is
 * Linux's and skips. Blocking sockets carry a 5 s SO_RCVTIMEO/SO_SNDTIMEO (Windows has no
 * cheaper way to bound a blocked call), so a silent peer fails the row instead of hanging.
 */
#include "net_win.h"

#include "modules.h"
#include "platform.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct state;

struct flow {
    struct state *s;
    int idx;
    SOCKET fd, ufd;
    uint64_t token; /* udp_rr: the session's token (to skip a late ack of its bind) */
    uint8_t *tx, *rx;
    uint64_t seq;
    struct nk_tally tally; /* counts, error and histogram of the window (measure/kernels/net.h) */
    pthread_t th;
};

struct state {
    const struct nk_row *row;
    const struct netw_peer *peer;
    struct nk_plan plan; /* flows, rate, message sizes (measure/kernels/net_client.c) */
    int spin, nagle;
    uint8_t hello[NP_HELLO_LEN];
    struct flow *f;
};

static int nk_valid(const struct vb_kernel *k, const struct vb_opts *o, char *why, size_t len)
{
    const struct nk_row *r = k->arg;
    if (r->kind == NK_VSOCK_RR) {
        snprintf(why, len, "AF_VSOCK is Linux's; Windows' hv_sock (AF_HYPERV) is not measured");
        return 1;
    }
    if (net_io_mode(o->net_io) == NET_IO_EPOLL) {
        snprintf(why, len, "--net-io epoll is Linux's (Windows: blocking or spin)");
        return 1;
    }
    if (netw_init()) {
        snprintf(why, len, "WSAStartup failed");
        return 1;
    }
    return 0;
}

static void close_flow(struct flow *f)
{
    if (f->fd != INVALID_SOCKET)
        closesocket(f->fd);
    if (f->ufd != INVALID_SOCKET)
        closesocket(f->ufd);
    free(f->tx);
    free(f->rx);
    hist_free(f->tally.own);
}

static void nk_teardown(void *state)
{
    struct state *s = state;
    for (int i = 0; s->f && i < s->plan.nflows; i++)
        close_flow(&s->f[i]);
    free(s->f);
    free(s);
}

static void set_nonblocking(SOCKET fd)
{
    u_long nb = 1;
    ioctlsocket(fd, FIONBIO, &nb);
}

/* A UDP socket on the control connection's local address (any port). 0 or -errno + why. */
static int open_udp(struct flow *f, char *why, size_t len)
{
    struct sockaddr_storage local;
    int l = sizeof(local);
    DWORD t = NK_UDP_TIMEOUT_MS;

    if (getsockname(f->fd, (struct sockaddr *)&local, &l))
        goto fail;
    netw_set_port(&local, 0);
    f->ufd =
        WSASocketW(local.ss_family, SOCK_DGRAM, IPPROTO_UDP, NULL, 0, WSA_FLAG_NO_HANDLE_INHERIT);
    if (f->ufd == INVALID_SOCKET || bind(f->ufd, (struct sockaddr *)&local, l))
        goto fail;
    setsockopt(f->ufd, SOL_SOCKET, SO_RCVTIMEO, (const char *)&t, sizeof(t));
    return 0;
fail:
    snprintf(why, len, "UDP socket: %s", strerror(netw_errno(WSAGetLastError())));
    return -EIO;
}

/* udp_rr after the handshake: the reply's text is the session token; connect the UDP
   socket to the server's UDP port and bind the session with it, so the server learns our
   address as our datagrams arrive (through any NAT). 0 or -errno + why. */
static int bind_udp(struct flow *f, const struct np_reply *r, const char *text, char *why,
                    size_t len)
{
    const struct netw_peer *p = f->s->peer;
    struct sockaddr_storage srv = p->sa;
    char err[200];
    int ret;

    if ((ret = np_reply_token(r->text_len, text, &f->token, err, sizeof(err)))) {
        snprintf(why, len, "peer %s: %s", p->name, err);
        return ret;
    }
    netw_set_port(&srv, r->udp_port);
    if (connect(f->ufd, (struct sockaddr *)&srv, p->len)) {
        snprintf(why, len, "UDP connect to the peer: %s", strerror(netw_errno(WSAGetLastError())));
        return -EIO;
    }
    if ((ret = netw_udp_bind(f->ufd, f->token, err, sizeof(err))))
        snprintf(why, len, "peer %s port %u: %s", p->name, r->udp_port, err);
    return ret;
}

static int open_flow(struct state *s, struct flow *f, char *why, size_t len)
{
    const struct netw_peer *p = s->peer;
    struct np_hello h;
    struct np_reply r;
    char err[256], text[NP_TOKEN_LEN + 1];
    int one = 1, ret, kind = s->row->kind;

    /* rx also holds a late bind ack: NP_REPLY_LEN > NP_BIND_LEN */
    f->tx = calloc(1, NP_HELLO_LEN + s->plan.req + 1);
    f->rx = calloc(1, NP_REPLY_LEN + s->plan.resp + 1);
    if (!f->tx || !f->rx)
        return -ENOMEM;
    if (kind == NK_TCP_CRR)
        return 0;
    f->fd =
        netw_connect((const struct sockaddr *)&p->sa, p->len, NETW_IO_TIMEOUT_MS, err, sizeof(err));
    if (f->fd == INVALID_SOCKET) {
        snprintf(why, len, "%s", err);
        return -ECONNREFUSED;
    }
    if (!s->nagle)
        setsockopt(f->fd, IPPROTO_TCP, TCP_NODELAY, (const char *)&one, sizeof(one));
    memset(&h, 0, sizeof(h));
    h.test = s->plan.test;
    h.flags = s->nagle ? 0 : NP_F_NODELAY;
    h.req_size = s->plan.req;
    h.resp_size = s->plan.resp;
    if (kind == NK_UDP_RR && (ret = open_udp(f, why, len)))
        return ret;
    ret = netw_handshake(f->fd, &h, &r, kind == NK_UDP_RR ? text : NULL, sizeof(text), err,
                         sizeof(err));
    if (ret) {
        snprintf(why, len, "peer %s: %s", p->name, err);
        return ret;
    }
    if (kind == NK_UDP_RR && (ret = bind_udp(f, &r, text, why, len)))
        return ret;
    if (s->spin)
        set_nonblocking(kind == NK_UDP_RR ? f->ufd : f->fd);
    return 0;
}

static int nk_setup(const struct vb_kernel *k, const struct vb_opts *o, void **state, char *why,
                    size_t len)
{
    const struct nk_row *row = k->arg;
    struct state *s = calloc(1, sizeof(*s));
    struct np_hello h = {.test = NP_TEST_CRR, .req_size = NK_CRR_SIZE, .resp_size = NK_CRR_SIZE};
    int ret;

    if (!s)
        return -ENOMEM;
    s->row = row;
    s->spin = net_io_mode(o->net_io) == NET_IO_SPIN;
    s->nagle = o->nagle;
    nk_plan(row, o, &s->plan);
    np_hello_encode(&h, s->hello);
    s->peer = netw_peer_get(o, why, len);
    if (!s->peer || !netw_peer_alive(o, why, len)) {
        free(s);
        return -EHOSTUNREACH;
    }
    s->f = calloc((size_t)s->plan.nflows, sizeof(*s->f));
    if (!s->f) {
        free(s);
        return -ENOMEM;
    }
    for (int i = 0; i < s->plan.nflows; i++)
        s->f[i].fd = s->f[i].ufd = INVALID_SOCKET;
    for (int i = 0; i < s->plan.nflows; i++) {
        struct flow *f = &s->f[i];
        f->s = s;
        f->idx = i;
        ret = open_flow(s, f, why, len);
        if (!ret && s->plan.nflows > 1 && !(f->tally.own = hist_new()))
            ret = -ENOMEM;
        if (ret) {
            nk_teardown(s);
            return ret;
        }
    }
    *state = s;
    return 0;
}

/* Record why the flow stopped ("what: reason"); returns ret. */
static int fail(struct flow *f, int ret, const char *what)
{
    return nk_fail(&f->tally, ret, 0, what);
}

/* Send n bytes; spin mode retries would-block. 0 or -errno. */
static int io_send(struct flow *f, SOCKET fd, const uint8_t *p, size_t n)
{
    uint64_t t0 = 0;
    while (n) {
        int w = send(fd, (const char *)p, (int)n, 0), e;
        if (w > 0) {
            p += w;
            n -= (size_t)w;
            continue;
        }
        e = WSAGetLastError();
        if (e != WSAEWOULDBLOCK || !f->s->spin)
            return -netw_errno(e);
        if (vb_interrupted)
            return -EINTR;
        if (!t0)
            t0 = ts_now();
        else if (ts_to_ns(ts_now() - t0) > NETW_IO_TIMEOUT_MS * 1e6)
            return -ETIMEDOUT;
    }
    return 0;
}

/* Receive n bytes (all) or up to n (!all). Bytes, or -errno (-EPIPE: peer closed). */
static int io_recv(struct flow *f, SOCKET fd, uint8_t *p, size_t n, int all, int timeout_ms)
{
    uint64_t t0 = 0;
    size_t got = 0;
    while (got < n) {
        int r = recv(fd, (char *)p + got, (int)(n - got), 0), e;
        if (r > 0) {
            got += (size_t)r;
            if (!all)
                break;
            continue;
        }
        if (r == 0)
            return -EPIPE;
        e = WSAGetLastError();
        if (e != WSAEWOULDBLOCK || !f->s->spin)
            return -netw_errno(e);
        if (vb_interrupted)
            return -EINTR;
        if (!t0)
            t0 = ts_now();
        else if (ts_to_ns(ts_now() - t0) > timeout_ms * 1e6)
            return -ETIMEDOUT;
    }
    return (int)got;
}

static int rr_tcp(struct flow *f)
{
    const struct state *s = f->s;
    int r;
    np_seq_put(f->tx, s->plan.req, f->seq);
    if ((r = io_send(f, f->fd, f->tx, s->plan.req)))
        return fail(f, r, "send");
    r = io_recv(f, f->fd, f->rx, s->plan.resp, 1, NETW_IO_TIMEOUT_MS);
    if (r < 0)
        return fail(f, r, "recv");
    if (!np_seq_match(f->rx, s->plan.req < s->plan.resp ? s->plan.req : s->plan.resp, f->seq)) {
        snprintf(f->tally.err, sizeof(f->tally.err),
                 "response out of sequence (expected stamp %llu)", (unsigned long long)f->seq);
        return -EPROTO;
    }
    f->seq++;
    return 0;
}

/* One UDP round trip: 0, 1 when the reply was lost (no sample), or -errno. */
static int rr_udp(struct flow *f, int *lost_in_row)
{
    const struct state *s = f->s;
    int r;
    np_seq_put(f->tx, s->plan.req, f->seq);
    if ((r = io_send(f, f->ufd, f->tx, s->plan.req)))
        return fail(f, r, "UDP send");
    do {
        r = io_recv(f, f->ufd, f->rx, (s->plan.resp > NP_BIND_LEN ? s->plan.resp : NP_BIND_LEN) + 1,
                    0, NK_UDP_TIMEOUT_MS);
        if (r == -ETIMEDOUT)
            return nk_udp_lost(&f->tally, &f->seq, lost_in_row);
        if (r < 0)
            return fail(f, r, "UDP recv");
        r = nk_udp_reply(&f->tally, f->rx, (size_t)r, f->token, f->seq, &s->plan);
    } while (r == 1);
    if (r)
        return r;
    *lost_in_row = 0;
    f->seq++;
    return 0;
}

static int crr(struct flow *f)
{
    const struct state *s = f->s;
    const struct netw_peer *p = s->peer;
    size_t need = NP_REPLY_LEN + s->plan.resp;
    char byte;
    int ret = 0, one = 1, got;
    SOCKET fd =
        WSASocketW(p->sa.ss_family, SOCK_STREAM, IPPROTO_TCP, NULL, 0, WSA_FLAG_NO_HANDLE_INHERIT);

    if (fd == INVALID_SOCKET)
        return fail(f, -netw_errno(WSAGetLastError()), "socket");
    netw_set_timeouts(fd, NETW_IO_TIMEOUT_MS);
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, (const char *)&one, sizeof(one));
    if (connect(fd, (const struct sockaddr *)&p->sa, p->len)) {
        ret = fail(f, -netw_errno(WSAGetLastError()), "connect");
        goto out;
    }
    memcpy(f->tx, s->hello, NP_HELLO_LEN);
    np_seq_put(f->tx + NP_HELLO_LEN, s->plan.req, f->seq);
    if ((ret = netw_send_all(fd, f->tx, NP_HELLO_LEN + s->plan.req))) {
        ret = fail(f, ret, "send");
        goto out;
    }
    for (got = 0; (size_t)got < need;) {
        int r = recv(fd, (char *)f->rx + got, (int)need - got, 0);
        if (r <= 0)
            break;
        got += r;
    }
    ret = nk_crr_check(&f->tally, f->rx, (size_t)got, f->seq, &s->plan);
    if (!ret && recv(fd, &byte, 1, 0) != 0) {
        snprintf(f->tally.err, sizeof(f->tally.err), "the peer did not close after its response");
        ret = -EPROTO;
    }
out:
    closesocket(fd);
    f->seq++;
    return ret;
}

/* Open loop: wait until the intended send time t (ts ticks): Sleep while more than 2 ms
   remain (Sleep's granularity is the timer resolution), then spin. */
static void pace_wait(uint64_t t)
{
    for (;;) {
        uint64_t now = ts_now();
        double left;
        if (now >= t || vb_interrupted)
            return;
        left = ts_to_ns(t - now);
        if (left > 2e6)
            Sleep((DWORD)((left - 2e6) / 1e6));
        else
            __builtin_ia32_pause();
    }
}

static int run_transactions(struct flow *f)
{
    const struct state *s = f->s;
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
            pace_wait(pc.next);
            t0 = nk_pace_take(&pc, &f->tally);
        } else {
            t0 = ts_begin();
        }
        ret = s->row->kind == NK_UDP_RR    ? rr_udp(f, &lost_in_row)
              : s->row->kind == NK_TCP_CRR ? crr(f)
                                           : rr_tcp(f);
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

static int run_stream(struct flow *f)
{
    const struct state *s = f->s;
    int send_side = s->row->kind == NK_TCP_STREAM;
    uint32_t chunk = send_side ? s->plan.req : s->plan.resp;

    while (vb_meas_running(f->tally.m)) {
        uint64_t t0 = ts_begin(), t1;
        int n;
        if (send_side) {
            int ret = io_send(f, f->fd, f->tx, chunk);
            n = ret ? ret : (int)chunk;
        } else {
            n = io_recv(f, f->fd, f->rx, chunk, 0, NETW_IO_TIMEOUT_MS);
        }
        t1 = ts_end();
        if (n < 0)
            return fail(f, n, send_side ? "send" : "recv");
        hist_record(f->tally.h, ts_to_ns(t1 - t0));
        f->tally.ops++;
        f->tally.bytes += (uint64_t)n;
    }
    return vb_interrupted ? -EINTR : 0;
}

static int flow_run(struct flow *f)
{
    int k = f->s->row->kind;
    return k == NK_TCP_STREAM || k == NK_TCP_MAERTS ? run_stream(f) : run_transactions(f);
}

static void *flow_thread(void *arg)
{
    struct flow *f = arg;
    f->tally.ret = flow_run(f);
    return NULL;
}

static struct nk_tally *tally_at(void *state, int i)
{
    return &((struct state *)state)->f[i].tally;
}

static int nk_sample(void *state, struct vb_meas *m)
{
    struct state *s = state;
    int started = 0;

    for (int i = 0; i < s->plan.nflows; i++)
        nk_tally_begin(&s->f[i].tally, m, s->plan.nflows);
    if (s->plan.nflows == 1) {
        s->f[0].tally.ret = flow_run(&s->f[0]);
    } else {
        for (; started < s->plan.nflows; started++)
            if (pthread_create(&s->f[started].th, NULL, flow_thread, &s->f[started]))
                break;
        for (int i = 0; i < started; i++)
            pthread_join(s->f[i].th, NULL);
        if (started < s->plan.nflows) {
            vb_meas_fail(m, "cannot start thread %d of %d", started + 1, s->plan.nflows);
            return -EAGAIN;
        }
    }
    return nk_tally_end(m, s->row, &s->plan, tally_at, s);
}

static json_t *nk_describe(void *state)
{
    const struct state *s = state;
    const struct nk_row *r = s->row;
    json_t *o = json_pack("{s:s, s:s, s:i, s:s, s:i, s:f, s:b, s:s}", "peer", s->peer->name,
                          "transport", r->kind == NK_UDP_RR ? "udp" : "tcp", "msg_bytes",
                          (int)(nk_is_rr(r->kind) ? s->plan.req : r->size), "io",
                          r->kind == NK_TCP_CRR ? "blocking"
                          : s->spin             ? "spin"
                                                : "blocking",
                          "flows", s->plan.nflows, "busy_poll_us", 0.0, "nodelay",
                          r->kind != NK_UDP_RR && !s->nagle, "api", "Winsock");
    nk_describe_tail(o, r, s->plan.rate);
    return o;
}

const struct vb_kernel *net_win_kernels(size_t *n)
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
