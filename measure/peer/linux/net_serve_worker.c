/*
 * Worker threads of the peer server (see net_serve_int.h for why they exist): each owns one
 * data socket and blocks on it, so a round trip costs the server one recv and one send.
 * A worker ends when its client closes or vanishes, or when the loop stops it: at the end, or
 * when the worker's progress count has not moved for the idle timeout (workers_scan; no
 * SO_RCVTIMEO, whose timer would cost every blocking wait). The loop stops a worker with
 * shutdown() of its socket under the worker lock, so the descriptor can never be reused
 * under its feet.
 * Workers start with SIGINT and SIGTERM blocked: those signals reach the loop thread.
 */
#include "net_serve_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define WORKER_STACK (128 * 1024)
#define SINK_BUF     (128 * 1024)
#define REQ_BUF      (64 * 1024)

struct worker {
    struct server *s;
    int fd, test, stop;         /* stop: 1 told to stop, 2 stopped for being idle */
    uint64_t progress;          /* operations done (the worker writes, the loop reads) */
    uint64_t seen, quiet_since; /* the loop's last look at progress, and since when (ns) */
    uint32_t req, resp;
    uint64_t token;   /* UDP: the session's token, to acknowledge a repeated bind */
    struct conn *ctl; /* UDP: the control connection, NULL once it is gone (under wlock) */
    struct worker *prev, *next;
};

static void stat_add(uint64_t *v)
{
    __atomic_fetch_add(v, 1, __ATOMIC_RELAXED);
}

static int stopped(const struct worker *w)
{
    return __atomic_load_n(&w->stop, __ATOMIC_ACQUIRE);
}

/* Send the response: the sequence stamp, then filler. 0 or -1. */
static int send_response(struct worker *w, const uint8_t *seq, uint32_t k)
{
    uint64_t left = w->resp;
    while (left) {
        struct iovec v[2];
        struct msghdr mh = {.msg_iov = v};
        size_t n = 0;
        ssize_t r;
        if (k) {
            v[n].iov_base = (void *)seq;
            v[n++].iov_len = k;
        }
        if (left > k) {
            v[n].iov_base = (void *)serve_filler;
            v[n++].iov_len = left - k < FILLER_LEN ? (size_t)(left - k) : FILLER_LEN;
        }
        mh.msg_iovlen = n;
        r = sendmsg(w->fd, &mh, MSG_NOSIGNAL);
        if (r < 0) {
            if (errno == EINTR && !stopped(w))
                continue;
            return -1;
        }
        /* a short write only happens on the stamp's boundary in practice; be exact */
        if ((uint64_t)r >= k) {
            left -= (uint64_t)r;
            k = 0;
        } else {
            seq += r;
            k -= (uint32_t)r;
            left -= (uint64_t)r;
        }
    }
    return 0;
}

static void count_end(struct worker *w, ssize_t n, int mid_message)
{
    int st = stopped(w);
    if (st == 2)
        stat_add(&w->s->st.idle_closed);
    else if (!st && (n < 0 || mid_message))
        stat_add(&w->s->st.vanished);
}

static void advance(struct worker *w)
{
    __atomic_store_n(&w->progress, w->progress + 1, __ATOMIC_RELAXED);
}

/* TCP/vsock round trips: read the request (one recv of up to 64 KiB), send the response. */
static void serve_rr(struct worker *w, uint8_t *buf, size_t buflen)
{
    uint8_t seq[NP_SEQ_LEN];
    uint32_t k = w->req < w->resp ? w->req : w->resp;
    k = k < NP_SEQ_LEN ? k : NP_SEQ_LEN;
    for (;;) {
        uint32_t got = 0;
        while (got < w->req) {
            size_t want = w->req - got < buflen ? w->req - got : buflen;
            ssize_t n = recv(w->fd, buf, want, MSG_WAITALL);
            if (n <= 0) {
                if (n < 0 && errno == EINTR && !stopped(w))
                    continue;
                count_end(w, n, got > 0);
                return;
            }
            if (got < NP_SEQ_LEN)
                memcpy(seq + got, buf, (size_t)n < NP_SEQ_LEN - got ? (size_t)n : NP_SEQ_LEN - got);
            got += (uint32_t)n;
        }
        advance(w);
        if (w->resp <= w->req && w->req <= buflen) { /* echo: one plain send, as sockperf */
            if (send(w->fd, buf, w->resp, MSG_NOSIGNAL) == (ssize_t)w->resp)
                continue;
            count_end(w, -1, 1);
            return;
        }
        if (send_response(w, seq, k)) {
            count_end(w, -1, 1);
            return;
        }
    }
}

/* UDP round trips on the session socket (connected to the client); buf holds one more
   byte than a request or a bind datagram. */
static void serve_udp(struct worker *w, uint8_t *buf, size_t buflen)
{
    uint32_t k = w->req < w->resp ? w->req : w->resp;
    k = k < NP_SEQ_LEN ? k : NP_SEQ_LEN;
    for (;;) {
        ssize_t n = recv(w->fd, buf, buflen, 0);
        struct iovec v[2] = {{buf, k}, {(void *)serve_filler, w->resp - k}};
        struct msghdr mh = {.msg_iov = v, .msg_iovlen = 2};
        if (n < 0 && errno == EINTR && !stopped(w))
            continue;
        if (stopped(w) || (n < 0 && errno != ECONNREFUSED)) {
            count_end(w, n, 0);
            return;
        }
        advance(w);
        if (n == NP_BIND_LEN && session_reack(w->fd, buf, n, w->token))
            continue;               /* a late copy of the bind */
        if (n != (ssize_t)w->req) { /* wrong size (or an ICMP error): drop it */
            stat_add(&w->s->st.udp_bad_len);
            continue;
        }
        /* the reply: an echo of the request when it is no longer, else stamp and filler */
        if ((w->resp <= w->req ? send(w->fd, buf, w->resp, MSG_NOSIGNAL)
                               : sendmsg(w->fd, &mh, MSG_NOSIGNAL)) >= 0)
            stat_add(&w->s->st.udp_replies);
    }
}

static void serve_stream(struct worker *w, uint8_t *buf)
{
    for (;;) {
        ssize_t n = w->test == NP_TEST_STREAM
                        ? recv(w->fd, buf, SINK_BUF, 0)
                        : send(w->fd, serve_filler, w->resp < FILLER_LEN ? w->resp : FILLER_LEN,
                               MSG_NOSIGNAL);
        if (n <= 0) {
            if (n < 0 && errno == EINTR && !stopped(w))
                continue;
            /* a maerts client ends by closing with data unread: a reset is its goodbye */
            if (!(n < 0 && w->test == NP_TEST_MAERTS && (errno == EPIPE || errno == ECONNRESET)))
                count_end(w, n, 0);
            return;
        }
        advance(w);
    }
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct server *s = w->s;
    size_t buflen = w->test == NP_TEST_STREAM   ? SINK_BUF
                    : w->test == NP_TEST_UDP_RR ? (w->req > NP_BIND_LEN ? w->req : NP_BIND_LEN) + 1
                    : w->req < REQ_BUF          ? w->req
                                                : REQ_BUF;
    uint8_t *buf = w->test == NP_TEST_MAERTS ? NULL : malloc(buflen);

    if (buf || w->test == NP_TEST_MAERTS) {
        if (w->test == NP_TEST_RR)
            serve_rr(w, buf, buflen);
        else if (w->test == NP_TEST_UDP_RR)
            serve_udp(w, buf, buflen);
        else
            serve_stream(w, buf);
    }
    free(buf);
    pthread_mutex_lock(&s->wlock);
    if (w->prev)
        w->prev->next = w->next;
    else
        s->workers = w->next;
    if (w->next)
        w->next->prev = w->prev;
    if (w->ctl) {
        w->ctl->worker = NULL;
        w->ctl->worker_done = 1;
    } else if (w->test != NP_TEST_UDP_RR) {
        __atomic_fetch_sub(&s->wconns, 1, __ATOMIC_RELAXED);
    }
    close(w->fd);
    free(w);
    s->nworkers--;
    pthread_cond_broadcast(&s->wcond);
    pthread_mutex_unlock(&s->wlock);
    return NULL;
}

int worker_start(struct server *s, int fd, int test, uint32_t req, uint32_t resp, struct conn *ctl)
{
    const struct net_serve_cfg *cfg = s->cfg;
    struct worker *w;
    pthread_attr_t attr;
    pthread_t th;
    sigset_t block, old;
    int ret, flags;

    pthread_mutex_lock(&s->wlock);
    ret = s->nworkers >= cfg->max_workers ? -EAGAIN : 0;
    pthread_mutex_unlock(&s->wlock);
    if (ret)
        return ret;
    w = calloc(1, sizeof(*w));
    if (!w)
        return -ENOMEM;
    w->s = s;
    w->fd = fd;
    w->test = test;
    w->req = req;
    w->resp = resp;
    w->ctl = ctl;
    w->token = ctl ? ctl->token : 0;
    w->quiet_since = serve_now_ns();
    flags = fcntl(fd, F_GETFL); /* blocking from now on */
    fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, WORKER_STACK);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    pthread_mutex_lock(&s->wlock);
    ret = -pthread_create(&th, &attr, worker_main, w);
    if (ret == 0) {
        w->next = s->workers;
        if (s->workers)
            s->workers->prev = w;
        s->workers = w;
        s->nworkers++;
        if (ctl)
            ctl->worker = w;
        else
            __atomic_fetch_add(&s->wconns, 1, __ATOMIC_RELAXED);
        s->st.workers_started++;
    }
    pthread_mutex_unlock(&s->wlock);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    pthread_attr_destroy(&attr);
    if (ret) {
        fcntl(fd, F_SETFL, flags);
        free(w);
    }
    return ret;
}

void worker_release(struct server *s, struct conn *ctl)
{
    pthread_mutex_lock(&s->wlock);
    if (ctl->worker) {
        struct worker *w = ctl->worker;
        __atomic_store_n(&w->stop, 1, __ATOMIC_RELEASE);
        shutdown(w->fd, SHUT_RDWR);
        w->ctl = NULL;
        ctl->worker = NULL;
    }
    pthread_mutex_unlock(&s->wlock);
}

void workers_scan(struct server *s, uint64_t now)
{
    pthread_mutex_lock(&s->wlock);
    for (struct worker *w = s->workers; w; w = w->next) {
        uint64_t p = __atomic_load_n(&w->progress, __ATOMIC_RELAXED);
        if (p != w->seen) {
            w->seen = p;
            w->quiet_since = now;
        } else if (!stopped(w) && (double)(now - w->quiet_since) > s->cfg->idle_timeout_ns) {
            __atomic_store_n(&w->stop, 2, __ATOMIC_RELEASE);
            shutdown(w->fd, SHUT_RDWR);
        }
    }
    pthread_mutex_unlock(&s->wlock);
}

void workers_stop(struct server *s)
{
    struct timespec end;
    clock_gettime(CLOCK_REALTIME, &end);
    end.tv_sec += 3;
    pthread_mutex_lock(&s->wlock);
    for (struct worker *w = s->workers; w; w = w->next) {
        __atomic_store_n(&w->stop, 1, __ATOMIC_RELEASE);
        shutdown(w->fd, SHUT_RDWR);
        if (w->ctl) {
            w->ctl->worker = NULL;
            w->ctl = NULL;
        }
    }
    while (s->nworkers > 0)
        if (pthread_cond_timedwait(&s->wcond, &s->wlock, &end) == ETIMEDOUT)
            break;
    pthread_mutex_unlock(&s->wlock);
}
