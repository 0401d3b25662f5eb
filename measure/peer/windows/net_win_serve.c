/*
 * `viobench serve` on Windows: the peer of the network kernels over Winsock, speaking
 * lib/netproto.h exactly as the Linux server does (measure/peer/linux/net_serve*.c), so a Linux
 * client measures against a Windows guest and the other way round.
 *
 * One thread accepts on every --listen address (a TCP listener plus a UDP socket on the
 * same port); each accepted connection gets a thread of its own (small stack) that reads
 * the hello and then echoes round trips, sinks a stream, sources a reverse stream, holds a
 * UDP session or answers the info request. One thread per listener binds UDP sessions by
 * their token and answers their datagrams (net_win_serve_udp.c). Sockets are non-blocking and every wait is a select()
 * of at most 200 ms, so the bounds hold without a watchdog: connections (--max-conns; one
 * more is told "busy"), message sizes (--max-msg), time without a complete hello, time
 * without progress, the time a refused client gets to read its refusal, and Ctrl-C or
 * --duration, after which the server closes everything and reports.
 */
#include "net_win_serve_int.h"

#include "log.h"
#include "platform.h"

#include <errno.h>
#include <io.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

volatile LONG serve_stop;
uint8_t serve_filler[FILLER_LEN];

static BOOL WINAPI on_console(DWORD type)
{
    (void)type;
    serve_stop = 1;
    return TRUE;
}

void serve_count(volatile LONG64 *c)
{
    InterlockedIncrement64(c);
}

/* Wait until fd is readable (or writable) for at most ms. 1 ready, 0 not yet, -errno. */
int serve_wait_fd(SOCKET fd, int write, int ms)
{
    fd_set set, err;
    struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};
    int n;
    FD_ZERO(&set);
    FD_ZERO(&err);
    FD_SET(fd, &set);
    FD_SET(fd, &err);
    n = select(0, write ? NULL : &set, write ? &set : NULL, &err, &tv);
    if (n < 0)
        return -netw_errno(WSAGetLastError());
    return n > 0;
}

/* Receive up to n bytes, waiting at most limit_ns since the last progress. Bytes, 0 when
   the peer closed, -ETIMEDOUT, -EINTR (the server stops), or -errno. */
int serve_recv(struct conn *c, void *buf, int n, double limit_ns)
{
    for (;;) {
        int r = recv(c->fd, buf, n, 0), e;
        if (r >= 0) {
            if (r > 0)
                c->last_ns = pf_clock_ns();
            return r;
        }
        e = WSAGetLastError();
        if (e != WSAEWOULDBLOCK)
            return -netw_errno(e);
        if (serve_stop)
            return -EINTR;
        if ((double)(pf_clock_ns() - c->last_ns) > limit_ns)
            return -ETIMEDOUT;
        if ((e = serve_wait_fd(c->fd, 0, SLICE_MS)) < 0)
            return e;
    }
}

/* Send all n bytes, waiting at most the idle timeout for progress. 0 or -errno. */
static int conn_send(struct conn *c, const void *buf, size_t n)
{
    const char *p = buf;
    while (n) {
        int w = send(c->fd, p, n > CHUNK ? CHUNK : (int)n, 0), e;
        if (w > 0) {
            p += w;
            n -= (size_t)w;
            c->last_ns = pf_clock_ns();
            continue;
        }
        e = WSAGetLastError();
        if (e != WSAEWOULDBLOCK)
            return -netw_errno(e);
        if (serve_stop)
            return -EINTR;
        if ((double)(pf_clock_ns() - c->last_ns) > c->s->cfg->idle_timeout_ns)
            return -ETIMEDOUT;
        if ((e = serve_wait_fd(c->fd, 1, SLICE_MS)) < 0)
            return e;
    }
    return 0;
}

/* A reply header (status, limits, UDP port) followed by text. */
int serve_reply(struct conn *c, int status, uint16_t udp_port, const char *text, size_t tlen)
{
    struct np_reply r = {.status = (uint8_t)status,
                         .max_msg = c->s->cfg->max_msg,
                         .udp_port = udp_port,
                         .text_len = (uint32_t)tlen};
    uint8_t hdr[NP_REPLY_LEN];
    int ret;
    np_reply_encode(&r, hdr);
    if (tlen <= CHUNK - NP_REPLY_LEN) { /* one segment */
        memcpy(c->buf, hdr, NP_REPLY_LEN);
        memcpy(c->buf + NP_REPLY_LEN, text, tlen);
        return conn_send(c, c->buf, NP_REPLY_LEN + tlen);
    }
    ret = conn_send(c, hdr, NP_REPLY_LEN);
    return ret ? ret : conn_send(c, text, tlen);
}

/* Refuse politely: the reason, then drain what the client still sends until it closes or
   DRAIN_NS passes. */
void serve_refuse(struct conn *c, int status, const char *reason)
{
    char text[NP_REASON_MAX + 32];
    int n = snprintf(text, sizeof(text), "viobench serve: %s", reason);
    uint64_t t0 = pf_clock_ns();
    serve_count(&c->s->refused[status]);
    if (serve_reply(c, status, 0, text, (size_t)n))
        return;
    shutdown(c->fd, SD_SEND);
    while ((double)(pf_clock_ns() - t0) < DRAIN_NS &&
           serve_recv(c, c->buf, CHUNK, DRAIN_NS - (double)(pf_clock_ns() - t0)) > 0)
        ;
}

/* The response of one request: the request's sequence stamp, then serve_filler, resp bytes. */
static int send_response(struct conn *c, const uint8_t *seq, uint32_t req, uint32_t resp,
                         const uint8_t *head, size_t hlen)
{
    size_t k = req < resp ? req : resp, first;
    int ret;
    if (k > NP_SEQ_LEN)
        k = NP_SEQ_LEN;
    /* reply header (CRR), stamp and the first serve_filler bytes in one send */
    memcpy(c->buf, head, hlen);
    memcpy(c->buf + hlen, seq, k);
    first = resp < CHUNK - hlen ? resp : CHUNK - hlen;
    memcpy(c->buf + hlen + k, serve_filler, first - k);
    ret = conn_send(c, c->buf, hlen + first);
    for (size_t left = resp - first; !ret && left;) {
        size_t n = left < FILLER_LEN ? left : FILLER_LEN;
        ret = conn_send(c, serve_filler, n);
        left -= n;
    }
    return ret;
}

/* Read one request of req bytes, keeping its stamp. 1 read, 0 the client closed between
   requests, -errno (counted as vanished when it left mid-message). */
static int read_request(struct conn *c, uint32_t req, uint8_t seq[NP_SEQ_LEN])
{
    uint32_t got = 0;
    while (got < req) {
        uint32_t want = req - got;
        int n = serve_recv(c, c->buf, want < CHUNK ? (int)want : CHUNK, c->s->cfg->idle_timeout_ns);
        if (n <= 0) {
            if (n == -ETIMEDOUT)
                serve_count(&c->s->idle_closed);
            else if (got || (n < 0 && n != -EINTR))
                serve_count(&c->s->vanished);
            return n == 0 && !got ? 0 : n ? n : -EPIPE;
        }
        if (got < NP_SEQ_LEN)
            memcpy(seq + got, c->buf, (size_t)n < NP_SEQ_LEN - got ? (size_t)n : NP_SEQ_LEN - got);
        got += (uint32_t)n;
    }
    return 1;
}

static void serve_info(struct conn *c)
{
    const struct net_serve_cfg *cfg = c->s->cfg;
    struct sockaddr_storage local;
    int ll = sizeof(local);
    char name[96] = "?", *head, *text;
    const char *sys = cfg->sysinfo_json ? cfg->sysinfo_json : "null";
    json_t *o;
    size_t hl;

    if (getsockname(c->fd, (struct sockaddr *)&local, &ll) == 0)
        netw_sockaddr_str((struct sockaddr *)&local, name, sizeof(name));
    o = json_pack("{s:s, s:i, s:I, s:i, s:f, s:f, s:i, s:s, s:{s:s}}", "version", VB_VERSION,
                  "protocol", NP_VERSION, "max_msg", (json_int_t)cfg->max_msg, "max_conns",
                  cfg->max_conns, "idle_timeout_s", cfg->idle_timeout_ns / 1e9,
                  "handshake_timeout_s", cfg->handshake_timeout_ns / 1e9, "pid",
                  (int)GetCurrentProcessId(), "platform", "windows", "nic", "address", name);
    head = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    if (!head) {
        serve_refuse(c, NP_E_INTERNAL, "out of memory building the info reply");
        return;
    }
    if (strlen(head) + strlen(sys) + 32 > NP_TEXT_MAX)
        sys = "{\"truncated\":true}";
    hl = strlen(head) - 1;
    text = malloc(hl + strlen(sys) + 32);
    if (text) {
        sprintf(text, "{\"server\":%.*s},\"sysinfo\":%s}", (int)hl, head, sys);
        if (serve_reply(c, NP_OK, 0, text, strlen(text)) == 0)
            shutdown(c->fd, SD_SEND);
        free(text);
    } else {
        serve_refuse(c, NP_E_INTERNAL, "out of memory building the info reply");
    }
    free(head);
}

/* After the hello: the connection's test, until the client closes or a bound ends it. */
static void serve_test(struct conn *c, const struct np_hello *h)
{
    struct server *s = c->s;
    uint8_t seq[NP_SEQ_LEN] = {0}, head[NP_REPLY_LEN];
    int one = 1, n;

    if (h->flags & NP_F_NODELAY)
        setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, (const char *)&one, sizeof(one));
    switch (h->test) {
    case NP_TEST_INFO:
        serve_count(&s->served);
        serve_info(c);
        return;
    case NP_TEST_THREADS: /* the client records the peer's CPUs as unknown */
        serve_refuse(c, NP_E_TEST, "the threads report is not available on Windows");
        return;
    case NP_TEST_CRR: {
        struct np_reply r = {.status = NP_OK, .max_msg = s->cfg->max_msg};
        serve_count(&s->served);
        if (read_request(c, h->req_size, seq) != 1)
            return;
        np_reply_encode(&r, head);
        if (send_response(c, seq, h->req_size, h->resp_size, head, NP_REPLY_LEN) == 0)
            shutdown(c->fd, SD_SEND);
        return;
    }
    case NP_TEST_UDP_RR: {
        char reason[NP_REASON_MAX];
        uint8_t tok[NP_TOKEN_LEN];
        int idx = session_open(c, h, tok, reason, sizeof(reason));
        if (idx < 0) {
            serve_refuse(c, NP_E_INTERNAL, reason);
            return;
        }
        serve_count(&s->served);
        /* the text is the session's token; the client binds with it from its UDP socket */
        if (serve_reply(c, NP_OK, (uint16_t)s->ls[c->listener].port, (const char *)tok,
                        sizeof(tok)) == 0)
            udp_control(c, idx);
        else
            session_close(s, idx);
        return;
    }
    default:
        break;
    }
    serve_count(&s->served);
    if (serve_reply(c, NP_OK, 0, NULL, 0))
        return;
    switch (h->test) {
    case NP_TEST_STREAM:
        while ((n = serve_recv(c, c->buf, CHUNK, s->cfg->idle_timeout_ns)) > 0)
            ;
        if (n == -ETIMEDOUT)
            serve_count(&s->idle_closed);
        return;
    case NP_TEST_MAERTS:
        while (!serve_stop) {
            size_t left = h->resp_size;
            while (left &&
                   (n = conn_send(c, serve_filler, left < FILLER_LEN ? left : FILLER_LEN)) == 0)
                left -= left < FILLER_LEN ? left : FILLER_LEN;
            if (left)
                return; /* the client closed: the normal end of a reverse stream */
        }
        return;
    default: /* RR */
        while (read_request(c, h->req_size, seq) == 1 &&
               send_response(c, seq, h->req_size, h->resp_size, head, 0) == 0)
            ;
        return;
    }
}

static DWORD WINAPI conn_main(void *arg)
{
    struct conn *c = arg;
    struct server *s = c->s;
    struct np_limits lim = {.max_msg = s->cfg->max_msg};
    uint8_t hello[NP_HELLO_LEN];
    char reason[NP_REASON_MAX + 1];
    struct np_hello h;
    int got = 0, n, st;

    c->last_ns = pf_clock_ns();
    if (!c->counted) {
        char r[NP_REASON_MAX];
        snprintf(r, sizeof(r),
                 "busy: %ld connection%s open, the limit is %d (--max-conns); try again later",
                 (long)s->nconns, s->nconns == 1 ? " is" : "s are", s->cfg->max_conns);
        serve_refuse(c, NP_E_BUSY, r);
        goto out;
    }
    while (got < NP_HELLO_LEN) {
        n = serve_recv(c, hello + got, NP_HELLO_LEN - got,
                       s->cfg->handshake_timeout_ns - (double)(pf_clock_ns() - c->last_ns));
        if (n == -ETIMEDOUT) {
            snprintf(reason, sizeof(reason), "timeout: no complete hello within %.3g s",
                     s->cfg->handshake_timeout_ns / 1e9);
            serve_refuse(c, NP_E_TIMEOUT, reason);
            goto out;
        }
        if (n <= 0) {
            if (got || (n < 0 && n != -EINTR))
                serve_count(&s->vanished);
            goto out;
        }
        got += n;
    }
    st = np_hello_parse(hello, &lim, &h, reason, sizeof(reason));
    if (st != NP_OK)
        serve_refuse(c, st, reason);
    else
        serve_test(c, &h);
out:
    closesocket(c->fd);
    InterlockedDecrement(c->counted ? &s->nconns : &s->ndrain);
    free(c->buf);
    free(c);
    InterlockedDecrement(&s->threads);
    return 0;
}

static void start_conn(struct server *s, SOCKET fd, int li, const struct sockaddr_storage *peer)
{
    int busy = s->nconns >= s->cfg->max_conns;
    struct conn *c;
    HANDLE th;
    u_long nb = 1;

    if (busy && s->ndrain >= s->drain_cap) {
        serve_count(&s->dropped);
        closesocket(fd);
        return;
    }
    c = calloc(1, sizeof(*c));
    if (c)
        c->buf = malloc(CHUNK);
    if (!c || !c->buf) {
        if (c)
            free(c);
        serve_count(&s->dropped);
        closesocket(fd);
        return;
    }
    ioctlsocket(fd, FIONBIO, &nb);
    c->s = s;
    c->fd = fd;
    c->listener = li;
    c->peer = *peer;
    c->counted = !busy;
    InterlockedIncrement(c->counted ? &s->nconns : &s->ndrain);
    if (s->nconns > s->peak)
        s->peak = s->nconns;
    InterlockedIncrement(&s->threads);
    th = CreateThread(NULL, STACK_BYTES, conn_main, c, STACK_SIZE_PARAM_IS_A_RESERVATION, NULL);
    if (!th) {
        InterlockedDecrement(&s->threads);
        InterlockedDecrement(c->counted ? &s->nconns : &s->ndrain);
        serve_count(&s->dropped);
        closesocket(fd);
        free(c->buf);
        free(c);
        return;
    }
    CloseHandle(th);
}

static SOCKET bind_one(int type, const struct sockaddr_storage *ss, int len)
{
    SOCKET fd = WSASocketW(ss->ss_family, type, type == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP,
                           NULL, 0, WSA_FLAG_NO_HANDLE_INHERIT);
    u_long nb = 1;
    if (fd == INVALID_SOCKET)
        return fd;
    if (bind(fd, (const struct sockaddr *)ss, len) ||
        (type == SOCK_STREAM && listen(fd, SOMAXCONN))) {
        int e = WSAGetLastError();
        closesocket(fd);
        WSASetLastError(e);
        return INVALID_SOCKET;
    }
    ioctlsocket(fd, FIONBIO, &nb);
    return fd;
}

static int open_listener(struct server *s, const struct np_addr *a)
{
    struct listener *l = &s->ls[s->nls];
    struct sockaddr_storage ss;
    int len, e = 0;
    char err[256], name[128];

    np_addr_format(a, name, sizeof(name));
    if (netw_sockaddr(a, 1, &ss, &len, err, sizeof(err))) {
        vb_err("serve: --listen %s: %s", name, err);
        return -EINVAL;
    }
    l->tcp = l->udp = INVALID_SOCKET;
    for (int tries = 0; tries < BIND_TRIES; tries++) {
        struct sockaddr_storage b;
        int bl = sizeof(b);
        l->tcp = bind_one(SOCK_STREAM, &ss, len);
        if (l->tcp == INVALID_SOCKET) {
            e = netw_errno(WSAGetLastError());
            break;
        }
        getsockname(l->tcp, (struct sockaddr *)&b, &bl);
        netw_set_port(&ss, netw_port(&b));
        l->udp = bind_one(SOCK_DGRAM, &ss, len);
        if (l->udp != INVALID_SOCKET || a->port != 0)
            break;
        closesocket(l->tcp); /* the ephemeral TCP port is taken for UDP: try another */
        l->tcp = INVALID_SOCKET;
        netw_set_port(&ss, 0);
    }
    if (l->tcp == INVALID_SOCKET || l->udp == INVALID_SOCKET) {
        if (!e)
            e = netw_errno(WSAGetLastError());
        vb_err("serve: --listen %s: cannot %s: %s", name,
               l->tcp == INVALID_SOCKET ? "listen" : "bind UDP", strerror(e));
        if (l->tcp != INVALID_SOCKET)
            closesocket(l->tcp);
        return -e;
    }
    l->port = netw_port(&ss);
    netw_sockaddr_str((struct sockaddr *)&ss, l->name, sizeof(l->name));
    s->nls++;
    return 0;
}

static void report(const struct server *s)
{
    LONG64 refused = 0;
    if (s->cfg->quiet)
        return;
    for (int i = 0; i <= NP_STATUS_MAX; i++)
        refused += s->refused[i];
    fprintf(stderr,
            "viobench serve: stopped: %lld connections, %lld hellos accepted, %lld refused "
            "(busy %lld, malformed %lld, size %lld, timeout %lld), %lld dropped, %lld idle "
            "closed, %lld vanished mid-message, peak %ld open; udp: %lld binds, %lld replies, "
            "%lld unknown tokens, %lld malformed, %lld bad length\n",
            (long long)s->accepted, (long long)s->served, (long long)refused,
            (long long)s->refused[NP_E_BUSY],
            (long long)(s->refused[NP_E_MAGIC] + s->refused[NP_E_VERSION] + s->refused[NP_E_TEST] +
                        s->refused[NP_E_FIELD] + s->refused[NP_E_TRANSPORT]),
            (long long)s->refused[NP_E_SIZE], (long long)s->refused[NP_E_TIMEOUT],
            (long long)s->dropped, (long long)s->idle_closed, (long long)s->vanished, (long)s->peak,
            (long long)s->udp_binds, (long long)s->udp_replies, (long long)s->udp_unknown,
            (long long)s->udp_malformed, (long long)s->udp_bad_len);
}

static void report_ready(struct server *s)
{
    const struct net_serve_cfg *cfg = s->cfg;
    char line[160];
    for (int i = 0; i < s->nls; i++) {
        int n = snprintf(line, sizeof(line), "%s\n", s->ls[i].name);
        if (cfg->ready_fd >= 0 && _write(cfg->ready_fd, line, (unsigned)n) < 0)
            vb_warn("serve: --ready-fd %d: %s", cfg->ready_fd, strerror(errno));
        if (!cfg->quiet)
            fprintf(stderr, "viobench serve: listening on %s (tcp and udp)\n", s->ls[i].name);
    }
    if (cfg->ready_fd >= 0)
        _close(cfg->ready_fd);
}

int net_serve(const struct net_serve_cfg *cfg)
{
    struct server *s = calloc(1, sizeof(*s));
    uint64_t end = 0;
    int ret = 0;

    if (!s) {
        vb_err("serve: out of memory");
        return -ENOMEM;
    }
    s->cfg = cfg;
    s->drain_cap = cfg->max_conns / 4 + 16;
    s->nsess = cfg->max_conns;
    s->sess = calloc((size_t)s->nsess, sizeof(*s->sess));
    InitializeCriticalSection(&s->lock);
    memset(serve_filler, 0x5a, sizeof(serve_filler));
    if (!s->sess || netw_init()) {
        vb_err("serve: %s", s->sess ? "WSAStartup failed" : "out of memory");
        ret = -ENOMEM;
        goto out;
    }
    for (int i = 0; i < cfg->nlisten; i++) {
        if (cfg->listen[i].kind != NP_ADDR_IP) {
            char name[128];
            vb_err("serve: --listen %s: vsock is Linux's (AF_VSOCK); Windows listens on IP only",
                   np_addr_format(&cfg->listen[i], name, sizeof(name)));
            ret = -EAFNOSUPPORT;
            goto out;
        }
        if ((ret = open_listener(s, &cfg->listen[i])))
            goto out;
    }
    if (cfg->cpu >= 0 && (ret = pf_pin_thread(cfg->cpu))) {
        vb_err("serve: --cpu %d: %s", cfg->cpu, strerror(-ret));
        goto out;
    }
    serve_stop = 0;
    SetConsoleCtrlHandler(on_console, TRUE);
    for (int i = 0; i < s->nls; i++) {
        void **arg = malloc(2 * sizeof(void *));
        HANDLE th;
        if (!arg)
            continue;
        arg[0] = s;
        arg[1] = (void *)(intptr_t)i;
        InterlockedIncrement(&s->threads);
        th =
            CreateThread(NULL, STACK_BYTES, udp_main, arg, STACK_SIZE_PARAM_IS_A_RESERVATION, NULL);
        if (th)
            CloseHandle(th);
        else {
            InterlockedDecrement(&s->threads);
            free(arg);
        }
    }
    report_ready(s);
    if (cfg->duration_ns > 0)
        end = pf_clock_ns() + (uint64_t)cfg->duration_ns;
    while (!serve_stop && (!end || pf_clock_ns() < end)) {
        fd_set set;
        struct timeval tv = {.tv_sec = 0, .tv_usec = 100000};
        FD_ZERO(&set);
        for (int i = 0; i < s->nls; i++)
            FD_SET(s->ls[i].tcp, &set);
        if (select(0, &set, NULL, NULL, &tv) <= 0)
            continue;
        for (int i = 0; i < s->nls; i++) {
            struct sockaddr_storage peer;
            int pl = sizeof(peer);
            SOCKET fd;
            if (!FD_ISSET(s->ls[i].tcp, &set))
                continue;
            fd = accept(s->ls[i].tcp, (struct sockaddr *)&peer, &pl);
            if (fd == INVALID_SOCKET)
                continue;
            serve_count(&s->accepted);
            start_conn(s, fd, i, &peer);
        }
    }
    serve_stop = 1; /* connection and UDP threads see it within one slice */
    for (int i = 0; i < 50 && s->threads > 0; i++)
        Sleep(SLICE_MS / 2);
    report(s);
out:
    for (int i = 0; i < s->nls; i++) {
        closesocket(s->ls[i].tcp);
        closesocket(s->ls[i].udp);
    }
    SetConsoleCtrlHandler(on_console, FALSE);
    if (s->threads == 0) { /* a thread that did not stop still uses the server */
        DeleteCriticalSection(&s->lock);
        free(s->sess);
        free(s);
    }
    return ret;
}
