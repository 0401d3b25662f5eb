/*
 * The peer server behind `viobench serve` (Linux): the event loop and the connection state
 * machine. One epoll loop accepts, reads the hello (lib/netproto.h) that turns a connection
 * into a round-trip echo, a sink, a source, a UDP session or an info request, refuses
 * politely, and times out; busy data connections go to worker threads
 * (net_serve_worker.c), UDP sessions live in net_serve_udp.c. Everything is bounded:
 * connections (--max-conns, one more is told "busy"), message sizes (--max-msg), time without
 * a complete hello, time without progress, and the time a refused client gets to read its
 * refusal. Per-connection state is a small fixed struct: requests are read into one shared
 * scratch buffer and responses come from one shared filler, so idle connections cost no
 * buffers and memory stays flat under garbage.
 */
#include "log.h"
#include "net_serve_int.h"
#include "platform.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/vm_sockets.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

uint8_t serve_scratch[SCRATCH_LEN];
const uint8_t serve_filler[FILLER_LEN];

uint64_t serve_now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &t);
    return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static void set_events(struct server *s, struct conn *c, uint32_t ev)
{
    struct epoll_event e = {.events = ev, .data.ptr = c};
    if (c->events != ev && epoll_ctl(s->ep, EPOLL_CTL_MOD, c->it.fd, &e) == 0)
        c->events = ev;
}

/* Connections held against --max-conns: the loop's counted ones plus those handed to
   worker threads (a worker's UDP session stays a loop connection, counted once). */
static int serve_held(const struct server *s)
{
    return s->nconns + __atomic_load_n(&s->wconns, __ATOMIC_RELAXED);
}

/* Forget a connection (its descriptor is closed or now belongs to a worker). */
static void conn_forget(struct server *s, struct conn *c)
{
    if (c->counted)
        s->nconns--;
    else
        s->ndrain--;
    if (c->prev)
        c->prev->next_conn = c->next_conn;
    else
        s->conns = c->next_conn;
    if (c->next_conn)
        c->next_conn->prev = c->prev;
    /* freed after the current batch of events, which may still name it */
    c->dead = 1;
    c->next_conn = s->dead;
    s->dead = c;
}

static void free_dead(struct server *s)
{
    while (s->dead) {
        struct conn *c = s->dead;
        s->dead = c->next_conn;
        free(c->owned);
        free(c);
    }
}

void serve_conn_close(struct server *s, struct conn *c)
{
    if (c->test == NP_TEST_UDP_RR)
        session_close(s, c);
    epoll_ctl(s->ep, EPOLL_CTL_DEL, c->it.fd, NULL);
    close(c->it.fd);
    conn_forget(s, c);
}

/* Give a data connection to a worker thread. 1 when it is gone from the loop. */
static int handoff(struct server *s, struct conn *c)
{
    struct epoll_event e = {.events = c->events, .data.ptr = c};
    if (c->no_worker || s->cfg->max_workers <= 0)
        return 0;
    epoll_ctl(s->ep, EPOLL_CTL_DEL, c->it.fd, NULL);
    if (worker_start(s, c->it.fd, c->test, c->req, c->resp, NULL)) {
        c->no_worker = 1;
        epoll_ctl(s->ep, EPOLL_CTL_ADD, c->it.fd, &e);
        return 0;
    }
    conn_forget(s, c);
    return 1;
}

/* Advance the pending output by w written bytes. */
static void out_advance(struct conn *c, size_t w)
{
    while (w && c->iovi < c->iovn) {
        struct iovec *v = &c->iov[c->iovi];
        size_t k = w < v->iov_len ? w : v->iov_len;
        v->iov_base = (char *)v->iov_base + k;
        v->iov_len -= k;
        w -= k;
        if (v->iov_len == 0)
            c->iovi++;
    }
    if (w && c->seq_off < c->seq_len) {
        size_t k = c->seq_len - c->seq_off;
        k = w < k ? w : k;
        c->seq_off += (uint32_t)k;
    }
    if (c->body_left != UINT64_MAX)
        c->body_left -= w;
    while (c->iovi < c->iovn && c->iov[c->iovi].iov_len == 0)
        c->iovi++;
}

static void enter_state(struct server *s, struct conn *c, int st);

/* Write what is pending. 1 when all is written (next state entered), 0 when the socket is
   full (EPOLLOUT armed), -1 when the connection was closed. */
static int conn_flush(struct server *s, struct conn *c)
{
    for (int round = 0; round < BURST; round++) {
        struct iovec v[5];
        struct msghdr mh = {.msg_iov = v};
        int n = 0;
        ssize_t w;
        for (int i = c->iovi; i < c->iovn; i++)
            if (c->iov[i].iov_len)
                v[n++] = c->iov[i];
        if (c->body_left) {
            uint64_t b = c->body_left;
            if (c->seq_off < c->seq_len) {
                v[n].iov_base = c->seq + c->seq_off;
                v[n].iov_len = c->seq_len - c->seq_off;
                b -= v[n++].iov_len;
            }
            if (b) {
                v[n].iov_base = (void *)serve_filler;
                v[n++].iov_len = b < FILLER_LEN ? (size_t)b : FILLER_LEN;
            }
        }
        if (n == 0) {
            enter_state(s, c, c->next);
            return c->state == C_CLOSE ? -1 : 1;
        }
        mh.msg_iovlen = (size_t)n;
        w = sendmsg(c->it.fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN) {
                set_events(s, c, EPOLLOUT);
                return 0;
            }
            s->st.vanished++;
            serve_conn_close(s, c);
            return -1;
        }
        c->last_ns = serve_now_ns();
        out_advance(c, (size_t)w);
    }
    set_events(s, c, EPOLLOUT);
    return 0;
}

/* Queue a reply header (and optional text parts) ahead of any body. */
static void queue_reply(struct server *s, struct conn *c, int status, const char *t1, size_t n1,
                        const char *t2, size_t n2)
{
    struct np_reply r = {.status = (uint8_t)status, .max_msg = s->cfg->max_msg};
    if (c->test == NP_TEST_UDP_RR && status == NP_OK && c->ls && c->ls->udp)
        r.udp_port = (uint16_t)c->ls->udp->port; /* the text is the session's token */
    r.text_len = (uint32_t)(n1 + n2);
    np_reply_encode(&r, c->rhdr);
    c->iov[0].iov_base = c->rhdr;
    c->iov[0].iov_len = NP_REPLY_LEN;
    c->iov[1].iov_base = (void *)t1;
    c->iov[1].iov_len = n1;
    c->iov[2].iov_base = (void *)t2;
    c->iov[2].iov_len = n2;
    c->iovi = 0;
    c->iovn = 3;
}

void serve_refuse(struct server *s, struct conn *c, int status, const char *reason)
{
    snprintf(c->reason, sizeof(c->reason), "viobench serve: %s", reason);
    s->st.refused[status]++;
    if (c->test == NP_TEST_UDP_RR) {
        session_close(s, c);
        c->test = 0;
    }
    if (c->counted) { /* a refused connection no longer holds a slot */
        c->counted = 0;
        s->nconns--;
        s->ndrain++;
    }
    queue_reply(s, c, status, c->reason, strlen(c->reason), NULL, 0);
    c->body_left = 0;
    c->start_ns = serve_now_ns();
    c->state = C_OUT;
    c->next = C_DRAIN;
    set_events(s, c, EPOLLOUT);
    conn_flush(s, c);
}

static void enter_state(struct server *s, struct conn *c, int st)
{
    c->state = st;
    switch (st) {
    case C_CLOSE:
        s->st.served++;
        serve_conn_close(s, c);
        return;
    case C_DRAIN:
        shutdown(c->it.fd, SHUT_WR);
        set_events(s, c, EPOLLIN);
        return;
    case C_REQ:
        c->got = 0;
        set_events(s, c, EPOLLIN);
        return;
    case C_SOURCE:
        if (handoff(s, c))
            return;
        c->body_left = UINT64_MAX;
        c->seq_len = c->seq_off = 0;
        c->next = C_SOURCE;
        set_events(s, c, EPOLLIN | EPOLLOUT);
        return;
    default:
        set_events(s, c, EPOLLIN);
        return;
    }
}

/* The request is complete: queue the response (after the deferred reply for CRR). */
static void start_response(struct server *s, struct conn *c)
{
    c->iovi = c->iovn = 0;
    if (c->test == NP_TEST_CRR)
        queue_reply(s, c, NP_OK, NULL, 0, NULL, 0);
    c->body_left = c->resp;
    c->seq_len = c->req < c->resp ? c->req : c->resp;
    if (c->seq_len > NP_SEQ_LEN)
        c->seq_len = NP_SEQ_LEN;
    c->seq_off = 0;
    c->state = C_OUT;
    c->next = c->test == NP_TEST_CRR ? C_CLOSE : C_REQ;
    conn_flush(s, c);
}

/* The info reply: this server's limits, the interface the client reached, and sysinfo. */
static void start_info(struct server *s, struct conn *c)
{
    const struct net_serve_cfg *cfg = s->cfg;
    struct sockaddr_storage local;
    socklen_t len = sizeof(local);
    json_t *o =
        json_pack("{s:s, s:i, s:I, s:i, s:f, s:f, s:i}", "version", VB_VERSION, "protocol",
                  NP_VERSION, "max_msg", (json_int_t)cfg->max_msg, "max_conns", cfg->max_conns,
                  "idle_timeout_s", cfg->idle_timeout_ns / 1e9, "handshake_timeout_s",
                  cfg->handshake_timeout_ns / 1e9, "pid", (int)getpid());
    const char *sys = cfg->sysinfo_json ? cfg->sysinfo_json : "null";
    char *head = NULL;
    size_t hl;

    if (o && getsockname(c->it.fd, (struct sockaddr *)&local, &len) == 0)
        json_object_set_new(o, "nic", netl_nic_facts((struct sockaddr *)&local));
    if (o)
        head = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (!head) {
        serve_refuse(s, c, NP_E_INTERNAL, "out of memory building the info reply");
        return;
    }
    if (strlen(head) + strlen(sys) + 32 > NP_TEXT_MAX)
        sys = "{\"truncated\":true}";
    hl = strlen(head) - 1; /* drop the closing brace */
    c->owned = malloc(hl + strlen(sys) + 32);
    if (!c->owned) {
        free(head);
        serve_refuse(s, c, NP_E_INTERNAL, "out of memory building the info reply");
        return;
    }
    sprintf(c->owned, "{\"server\":%.*s},\"sysinfo\":%s}", (int)hl, head, sys);
    free(head);
    queue_reply(s, c, NP_OK, c->owned, strlen(c->owned), NULL, 0);
    c->body_left = 0;
    c->state = C_OUT;
    c->next = C_CLOSE;
    conn_flush(s, c);
}

/* NP_TEST_THREADS: this process's threads report (net_threads.c), then close. */
static void start_threads(struct server *s, struct conn *c)
{
    struct np_threads r;
    size_t n;
    c->owned = malloc(NP_THREADS_BYTES);
    if (!c->owned || netl_threads_read((int)getpid(), &r) ||
        !(n = np_threads_encode(&r, (uint8_t *)c->owned, NP_THREADS_BYTES))) {
        serve_refuse(s, c, NP_E_INTERNAL, "cannot read this server's threads");
        return;
    }
    queue_reply(s, c, NP_OK, c->owned, n, NULL, 0);
    c->body_left = 0;
    c->state = C_OUT;
    c->next = C_CLOSE;
    conn_flush(s, c);
}

static void set_sockopts(struct conn *c, const struct np_hello *h)
{
    int one = 1;
    if (!c->vsock && (h->flags & NP_F_NODELAY))
        setsockopt(c->it.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (h->busy_poll_us) {
        int us = (int)h->busy_poll_us;
        setsockopt(c->it.fd, SOL_SOCKET, SO_BUSY_POLL, &us, sizeof(us));
    }
}

/* Act on a complete hello. Returns 1 when the caller should go on reading (a CRR request
   follows the hello), 0 otherwise (the connection may be gone). */
static int handle_hello(struct server *s, struct conn *c)
{
    struct np_limits lim = {.max_msg = s->cfg->max_msg, .vsock = c->vsock};
    struct np_hello h;
    char reason[NP_REASON_MAX + 1];
    int st = np_hello_parse(c->hello, &lim, &h, reason, sizeof(reason));

    if (st == NP_OK && h.test == NP_TEST_UDP_RR) {
        if (!c->ls->udp) {
            st = NP_E_TRANSPORT;
            snprintf(reason, sizeof(reason), "no UDP socket on this address");
        } else {
            st = session_open(c, reason, sizeof(reason));
            if (st == NP_OK)
                c->test = NP_TEST_UDP_RR; /* from now on closing closes the session */
        }
    }
    if (st != NP_OK) {
        serve_refuse(s, c, st, reason);
        return 0;
    }
    s->st.served++;
    c->test = h.test;
    c->req = h.req_size;
    c->resp = h.resp_size;
    set_sockopts(c, &h);
    c->body_left = 0;
    switch (h.test) {
    case NP_TEST_CRR: /* the reply goes with the response */
        enter_state(s, c, C_REQ);
        return 1;
    case NP_TEST_INFO:
        start_info(s, c);
        return 0;
    case NP_TEST_THREADS:
        start_threads(s, c);
        return 0;
    case NP_TEST_UDP_RR:
        c->next = C_UDPCTL;
        break;
    case NP_TEST_STREAM:
        c->next = C_SINK;
        break;
    case NP_TEST_MAERTS:
        c->next = C_SOURCE;
        break;
    default:
        c->next = C_REQ;
        break;
    }
    if (h.test == NP_TEST_UDP_RR)
        queue_reply(s, c, NP_OK, (const char *)c->tokbuf, NP_TOKEN_LEN, NULL, 0);
    else
        queue_reply(s, c, NP_OK, NULL, 0, NULL, 0);
    c->state = C_OUT;
    conn_flush(s, c);
    return 0;
}

/* Readable connection. */
static void conn_read(struct server *s, struct conn *c)
{
    ssize_t n;
    int rounds = c->state == C_SINK || c->state == C_DRAIN || c->state == C_HELLO ? BURST : 1;

    for (int i = 0; i < rounds; i++) {
        size_t want;
        if ((c->state == C_REQ && c->got == 0 && c->test == NP_TEST_RR) || c->state == C_SINK) {
            if (handoff(s, c))
                return; /* the first data is there: a worker takes it from here */
        }
        switch (c->state) {
        case C_HELLO:
            n = recv(c->it.fd, c->hello + c->got, NP_HELLO_LEN - c->got, MSG_DONTWAIT);
            break;
        case C_REQ:
            want = c->req - c->got;
            n = recv(c->it.fd, serve_scratch, want < SCRATCH_LEN ? want : SCRATCH_LEN,
                     MSG_DONTWAIT);
            break;
        default: /* sink, source, UDP control, drain: read and discard */
            n = recv(c->it.fd, serve_scratch, SCRATCH_LEN, MSG_DONTWAIT);
            break;
        }
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            return;
        if (n <= 0) { /* the client closed, or vanished mid-message */
            if (n < 0 || ((c->state == C_HELLO || c->state == C_REQ) && c->got))
                s->st.vanished++;
            serve_conn_close(s, c);
            return;
        }
        c->last_ns = serve_now_ns();
        if (c->state == C_HELLO) {
            c->got += (uint32_t)n;
            if (c->got < NP_HELLO_LEN)
                return;
            if (!handle_hello(s, c))
                return;
            continue; /* a CRR request may follow in the same segment */
        }
        if (c->state == C_REQ) {
            if (c->got < NP_SEQ_LEN) {
                size_t k = NP_SEQ_LEN - c->got;
                memcpy(c->seq + c->got, serve_scratch, (size_t)n < k ? (size_t)n : k);
            }
            c->got += (uint32_t)n;
            if (c->got == c->req)
                start_response(s, c);
            return;
        }
        if (c->state == C_UDPCTL) { /* nothing may arrive here */
            serve_refuse(s, c, NP_E_FIELD, "data on a UDP control connection");
            return;
        }
    }
}

static struct conn *conn_new(struct server *s, int fd, struct listener *l,
                             const struct sockaddr_storage *peer, int counted)
{
    struct conn *c = calloc(1, sizeof(*c));
    struct epoll_event e = {.events = EPOLLIN};
    if (!c)
        return NULL;
    c->it.type = IT_CONN;
    c->it.fd = fd;
    c->sess.fd = -1;
    c->ls = l;
    c->vsock = l->vsock;
    c->peer = *peer;
    c->counted = counted;
    c->start_ns = c->last_ns = serve_now_ns();
    c->events = EPOLLIN;
    e.data.ptr = c;
    if (epoll_ctl(s->ep, EPOLL_CTL_ADD, fd, &e)) {
        free(c);
        return NULL;
    }
    c->next_conn = s->conns;
    if (s->conns)
        s->conns->prev = c;
    s->conns = c;
    if (counted)
        s->nconns++;
    else
        s->ndrain++;
    return c;
}

static void do_accept(struct server *s, struct listener *l)
{
    for (int i = 0; i < ACCEPT_BURST; i++) {
        struct sockaddr_storage peer;
        socklen_t pl = sizeof(peer);
        int fd = accept4(l->it.fd, (struct sockaddr *)&peer, &pl, SOCK_NONBLOCK | SOCK_CLOEXEC);
        struct conn *c;
        int busy;
        if (fd < 0) {
            if ((errno == EMFILE || errno == ENFILE) && s->reserve_fd >= 0) {
                /* out of descriptors: take one back to accept and drop the client */
                close(s->reserve_fd);
                fd = accept(l->it.fd, NULL, NULL);
                if (fd >= 0)
                    close(fd);
                s->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
                s->st.dropped++;
            }
            return;
        }
        s->st.accepted++;
        busy = serve_held(s) >= s->cfg->max_conns;
        if (busy && s->ndrain >= s->drain_cap) {
            s->st.dropped++;
            close(fd);
            continue;
        }
        c = conn_new(s, fd, l, &peer, !busy);
        if (!c) {
            s->st.dropped++;
            close(fd);
            continue;
        }
        if (serve_held(s) > s->st.peak)
            s->st.peak = serve_held(s);
        if (busy) {
            char r[NP_REASON_MAX];
            int held = serve_held(s);
            snprintf(r, sizeof(r),
                     "busy: %d connection%s open, the limit is %d (--max-conns); "
                     "try again later",
                     held, held == 1 ? " is" : "s are", s->cfg->max_conns);
            serve_refuse(s, c, NP_E_BUSY, r);
            continue;
        }
        conn_read(s, c); /* the hello is often there already */
    }
}

/* Close what timed out: no hello in time, no progress, refusals not read. */
static void scan_timeouts(struct server *s, uint64_t now)
{
    const struct net_serve_cfg *cfg = s->cfg;
    struct conn *c = s->conns, *next;
    for (; c; c = next) {
        next = c->next_conn;
        if (!c->counted) {
            if (now - c->start_ns > DRAIN_NS)
                serve_conn_close(s, c);
        } else if (c->state == C_HELLO) {
            if ((double)(now - c->start_ns) > cfg->handshake_timeout_ns) {
                char r[NP_REASON_MAX];
                snprintf(r, sizeof(r), "timeout: no complete hello within %.3g s",
                         cfg->handshake_timeout_ns / 1e9);
                serve_refuse(s, c, NP_E_TIMEOUT, r);
            }
        } else if (c->state == C_UDPCTL && !c->bound) {
            if ((double)(now - c->last_ns) > cfg->handshake_timeout_ns) {
                char r[NP_REASON_MAX];
                snprintf(r, sizeof(r), "timeout: no UDP bind datagram within %.3g s",
                         cfg->handshake_timeout_ns / 1e9);
                serve_refuse(s, c, NP_E_TIMEOUT, r);
            }
        } else if (c->state == C_UDPCTL && c->sess.fd < 0) {
            int done; /* a worker serves the session: it times out by itself */
            pthread_mutex_lock(&s->wlock);
            done = c->worker_done || !c->worker;
            pthread_mutex_unlock(&s->wlock);
            if (done)
                serve_conn_close(s, c);
        } else if ((double)(now - c->last_ns) > cfg->idle_timeout_ns) {
            s->st.idle_closed++;
            serve_conn_close(s, c);
        }
    }
}

static void dispatch(struct server *s, struct item *it, uint32_t events)
{
    struct conn *c;
    if (it->type == IT_LISTEN) {
        do_accept(s, (struct listener *)it);
        return;
    }
    if (it->type == IT_UDP) {
        udp_read(s, (struct udpsock *)it);
        return;
    }
    if (it->type == IT_SESSION) {
        c = (struct conn *)((char *)it - offsetof(struct conn, sess));
        if (!c->dead && c->sess.fd >= 0)
            session_read(s, c);
        return;
    }
    c = (struct conn *)it;
    if (c->dead)
        return;
    if (c->state == C_OUT || c->state == C_SOURCE ||
        (c->state == C_UDPCTL && (c->events & EPOLLOUT))) {
        if (events & (EPOLLERR | EPOLLHUP)) {
            s->st.vanished++;
            serve_conn_close(s, c);
        } else if (conn_flush(s, c) >= 0 && c->state == C_SOURCE && (events & EPOLLIN)) {
            conn_read(s, c);
        }
        return;
    }
    conn_read(s, c);
}

int net_serve(const struct net_serve_cfg *cfg)
{
    struct server *s = calloc(1, sizeof(*s));
    struct epoll_event ev[MAX_EVENTS];
    uint64_t end = 0;
    int ret;

    if (!s) {
        vb_err("serve: out of memory");
        return -ENOMEM;
    }
    s->cfg = cfg;
    s->ep = -1;
    s->reserve_fd = -1;
    pthread_mutex_init(&s->wlock, NULL);
    pthread_cond_init(&s->wcond, NULL);
    ret = serve_setup(s);
    if (ret)
        goto out;
    if (cfg->duration_ns > 0)
        end = serve_now_ns() + (uint64_t)cfg->duration_ns;
    while (!serve_stop) {
        uint64_t now;
        int n = epoll_wait(s->ep, ev, MAX_EVENTS, s->conns ? 100 : 500);
        if (n < 0 && errno != EINTR) {
            ret = -errno;
            vb_err("serve: epoll_wait: %s", strerror(errno));
            break;
        }
        for (int i = 0; i < n; i++)
            dispatch(s, ev[i].data.ptr, ev[i].events);
        now = serve_now_ns();
        if (now - s->last_scan >= TICK_NS) {
            s->last_scan = now;
            scan_timeouts(s, now);
            workers_scan(s, now);
        }
        free_dead(s);
        if (end && now >= end)
            break;
    }
    serve_report(s);
out:
    serve_teardown(s);
    free_dead(s);
    if (s->nworkers == 0) { /* a worker that did not stop still uses the server */
        pthread_mutex_destroy(&s->wlock);
        pthread_cond_destroy(&s->wcond);
        free(s);
    }
    return ret;
}
