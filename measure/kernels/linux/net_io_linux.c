/*
 * The Linux calls under the network client's one loop (measure/kernels/net_flow.h): BSD
 * sockets with MSG_NOSIGNAL, epoll for --net-io epoll, SO_BUSY_POLL, AF_VSOCK, the watchdog
 * thread that bounds blocking calls on sockets without a timeout, and the row's Linux-only
 * part: the placement of client and local peer (net_place.c), the CPUs their threads were
 * seen on during the window, and the peer the run starts (net_peer.c).
 */
#include "net_flow.h"
#include "net_linux.h"
#include "platform.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

const double nio_spin_min_ns = 20e3, nio_spin_max_ns = 1e6;
const int nio_has_watchdog = 1;
_Static_assert(sizeof(((struct nio_addr *)0)->sa) >= sizeof(struct sockaddr_storage),
               "struct nio_addr holds any socket address");

struct nio_ctx {
    const struct nk_peer *peer;
    const struct netl_place *place;  /* the run's placement (net_place.c) */
    int peer_pid;                    /* the run's own peer, 0 for --peer */
    int pinned;                      /* setup pinned the measuring thread for the placement */
    struct netl_watch watch[2];      /* [0] client, [1] local peer: noted at the window's start */
    int watching;                    /* watch holds a start not yet read back */
    json_t *client_cpus, *peer_cpus; /* observed in the last window (owned), or NULL */
    long client_mig, peer_mig;       /* migrations in the last window, -1 unknown */
    int peer_asked;                  /* --peer: the peer's own threads report at the start */
    char peer_err[300];              /* why a remote peer's CPUs are unknown */
};

int nio_valid(const struct nk_row *r, const struct vb_opts *o, char *why, size_t len)
{
    if (r->kind == NK_VSOCK_RR && !o->vsock_peer)
        return netl_vsock_loopback(why, len);
    return 0;
}

int nio_begin(struct nk_state *s, const struct vb_opts *o, char *why, size_t len)
{
    struct nio_ctx *px = calloc(1, sizeof(*px));
    int ret;

    if (!(s->px = px))
        return -ENOMEM;
    px->client_mig = px->peer_mig = -1;
    px->place = netl_place_get(o, why, len);
    if (!px->place) /* --placement cross-numa on one node ...: a clean skip */
        return 1;
    px->peer = netl_peer_get(o, s->row->kind == NK_VSOCK_RR, why, len);
    if (!px->peer || !netl_peer_alive(o, why, len))
        return -EHOSTUNREACH;
    s->peer = px->peer;
    px->peer_pid = px->peer->started ? netl_peer_pid(o) : 0;
    /* the client's CPU: --cpu pinned the thread for the run; else the placement, for this
       row (flow threads started later inherit it) */
    if (o->cpu < 0 && px->place->client_cpu >= 0) {
        if ((ret = pf_pin_thread(px->place->client_cpu))) {
            snprintf(why, len, "placement %s: cannot pin the client to CPU %d: %s", px->place->mode,
                     px->place->client_cpu, strerror(-ret));
            return ret;
        }
        px->pinned = 1;
    }
    return 0;
}

void nio_end(struct nk_state *s)
{
    struct nio_ctx *px = s->px;
    if (!px)
        return;
    if (px->pinned)
        pf_unpin_thread();
    json_decref(px->client_cpus);
    json_decref(px->peer_cpus);
    free(px);
    s->px = NULL;
}

int nio_connect(const struct nio_addr *a, int timeout_ms, nio_fd *fd, char *err, size_t len)
{
    int r = netl_connect((const struct sockaddr *)a->sa, (socklen_t)a->len, timeout_ms, err, len);
    if (r < 0)
        return r;
    *fd = r;
    return 0;
}

int nio_crr_connect(const struct nio_addr *a, unsigned busy_us, nio_fd *fd, const char **what)
{
    const struct sockaddr *sa = (const struct sockaddr *)a->sa;
    int s = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0), ret;

    if (s < 0) {
        *what = "socket";
        return -errno;
    }
    netl_set_timeouts(s, NETL_IO_TIMEOUT_MS);
    if (busy_us)
        setsockopt(s, SOL_SOCKET, SO_BUSY_POLL, &busy_us, sizeof(int));
    if (connect(s, sa, (socklen_t)a->len)) {
        ret = -errno;
        close(s);
        *what = "connect";
        return ret;
    }
    *fd = s;
    return 0;
}

void nio_stream_opts(nio_fd fd, int nodelay, unsigned busy_us)
{
    int one = 1;
    if (nodelay)
        setsockopt((int)fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (busy_us)
        setsockopt((int)fd, SOL_SOCKET, SO_BUSY_POLL, &busy_us, sizeof(int));
}

void nio_set_timeouts(nio_fd fd, int timeout_ms)
{
    netl_set_timeouts((int)fd, timeout_ms);
}

int nio_handshake(nio_fd fd, const struct np_hello *h, struct np_reply *r, char *text,
                  size_t textlen, char *err, size_t errlen)
{
    return netl_handshake((int)fd, h, r, text, textlen, err, errlen);
}

int nio_resolve(const struct np_addr *a, struct nio_addr *out, char *err, size_t len)
{
    socklen_t l = 0;
    int ret = netl_sockaddr(a, 0, (struct sockaddr_storage *)out->sa, &l, err, len);
    out->len = (int)l;
    return ret;
}

int nio_sockname(nio_fd fd, struct nio_addr *a)
{
    socklen_t l = sizeof(a->sa);
    if (getsockname((int)fd, (struct sockaddr *)a->sa, &l))
        return -errno;
    a->len = (int)l;
    return 0;
}

void nio_addr_set_port(struct nio_addr *a, unsigned port)
{
    if (((struct sockaddr *)a->sa)->sa_family == AF_INET)
        ((struct sockaddr_in *)a->sa)->sin_port = htons((uint16_t)port);
    else
        ((struct sockaddr_in6 *)a->sa)->sin6_port = htons((uint16_t)port);
}

int nio_udp_socket(const struct nio_addr *a, int timeout_ms, nio_fd *u)
{
    struct timeval tv = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};
    int fd = socket(((const struct sockaddr *)a->sa)->sa_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    *u = fd;
    if (bind(fd, (const struct sockaddr *)a->sa, (socklen_t)a->len))
        return -errno; /* the caller closes *u */
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    return 0;
}

int nio_dgram_connect(nio_fd u, const struct nio_addr *a)
{
    return connect((int)u, (const struct sockaddr *)a->sa, (socklen_t)a->len) ? -errno : 0;
}

int nio_udp_bind(nio_fd u, uint64_t token, char *err, size_t errlen)
{
    return netl_udp_bind((int)u, token, err, errlen);
}

int nio_nonblock(nio_fd fd, int epoll, nio_fd *ep, char *why, size_t len)
{
    struct epoll_event e = {.events = EPOLLIN | EPOLLOUT | EPOLLET};
    int efd;
    fcntl((int)fd, F_SETFL, fcntl((int)fd, F_GETFL) | O_NONBLOCK);
    if (!epoll)
        return 0;
    efd = epoll_create1(EPOLL_CLOEXEC);
    if (efd >= 0)
        *ep = efd;
    if (efd < 0 || epoll_ctl(efd, EPOLL_CTL_ADD, (int)fd, &e)) {
        snprintf(why, len, "epoll: %s", strerror(errno));
        return -errno;
    }
    return 0;
}

long nio_send(nio_fd fd, const void *p, size_t n, int flags)
{
    ssize_t w = send((int)fd, p, n, MSG_NOSIGNAL | (flags & NIO_DONTWAIT ? MSG_DONTWAIT : 0));
    return w >= 0 ? (long)w : -errno;
}

long nio_recv(nio_fd fd, void *p, size_t n, int flags)
{
    ssize_t r =
        recv((int)fd, p, n,
             (flags & NIO_DONTWAIT ? MSG_DONTWAIT : 0) | (flags & NIO_WAITALL ? MSG_WAITALL : 0));
    return r >= 0 ? (long)r : -errno;
}

int nio_poll(nio_fd ep, int timeout_ms)
{
    struct epoll_event e;
    int n = epoll_wait((int)ep, &e, 1, timeout_ms);
    return n > 0 ? 0 : n == 0 ? -ETIMEDOUT : -errno;
}

void nio_close(nio_fd fd)
{
    if (fd >= 0)
        close((int)fd);
}

void nio_shutdown(nio_fd fd)
{
    shutdown((int)fd, SHUT_RDWR);
}

void nio_sleep_ns(double ns)
{
    struct timespec d = {.tv_sec = (time_t)(ns / 1e9)};
    d.tv_nsec = (long)(ns - (double)d.tv_sec * 1e9);
    nanosleep(&d, NULL);
}

/* The watchdog of blocking data sockets: every 200 ms, shuts a flow's socket when one of its
   calls has waited longer than the timeout, so the call returns and the row fails instead of
   hanging. */
struct watchdog {
    struct nk_state *s;
    double timeout_ns;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int stop;
    pthread_t th;
};

static void *watchdog_main(void *arg)
{
    struct watchdog *w = arg;
    pthread_mutex_lock(&w->lock);
    while (!w->stop) {
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        t.tv_nsec += 200000000;
        if (t.tv_nsec >= 1000000000) {
            t.tv_sec++;
            t.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait(&w->cond, &w->lock, &t);
        for (int i = 0; !w->stop && i < w->s->plan.nflows; i++) {
            struct nk_flow *f = &w->s->f[i];
            uint64_t since = __atomic_load_n(&f->io_since, __ATOMIC_RELAXED), now = ts_now();
            if (since && now > since && ts_to_ns(now - since) > w->timeout_ns &&
                !f->watchdog_fired) {
                f->watchdog_fired = 1;
                nio_shutdown(f->fd);
            }
        }
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

void *nio_watchdog_start(struct nk_state *s, int timeout_ms)
{
    struct watchdog *w = calloc(1, sizeof(*w));
    pthread_condattr_t ca;
    if (!w)
        return NULL;
    w->s = s;
    w->timeout_ns = timeout_ms * 1e6;
    pthread_mutex_init(&w->lock, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&w->cond, &ca);
    pthread_condattr_destroy(&ca);
    if (pthread_create(&w->th, NULL, watchdog_main, w)) {
        pthread_cond_destroy(&w->cond);
        pthread_mutex_destroy(&w->lock);
        free(w);
        return NULL;
    }
    return w;
}

void nio_watchdog_stop(void *arg)
{
    struct watchdog *w = arg;
    pthread_mutex_lock(&w->lock);
    w->stop = 1;
    pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->th, NULL);
    pthread_cond_destroy(&w->cond);
    pthread_mutex_destroy(&w->lock);
    free(w);
}

/* Where the client's and the local peer's threads run: noted when the warm-up ends, read
   back in describe() after the window, so that reading /proc costs the window nothing. */
/* A peer the run did not start reports its own threads (NP_TEST_THREADS); NULL with
   px->peer_err set when it cannot (an older viobench serve refuses the test). */
static const struct np_threads *ask_peer(struct nio_ctx *px, struct np_threads *r)
{
    char err[160];
    int ret =
        netl_threads_ask(NETL_SA(px->peer), (socklen_t)px->peer->addr.len, r, err, sizeof(err));
    if (!ret)
        return r;
    snprintf(px->peer_err, sizeof(px->peer_err), "the peer did not report its CPUs (%s%s)",
             ret == -ECONNREFUSED ? "a viobench serve older than the threads report: " : "", err);
    return NULL;
}

void nio_window_end(struct nk_state *s, int warmup)
{
    struct nio_ctx *px = s->px;
    struct np_threads r;
    if (!warmup)
        return;
    netl_watch_begin(&px->watch[0], (int)getpid());
    if (px->peer_pid > 0) {
        netl_watch_begin(&px->watch[1], px->peer_pid);
    } else {
        px->peer_err[0] = 0;
        netl_watch_begin_report(&px->watch[1], ask_peer(px, &r));
        px->peer_asked = px->watch[1].pid != 0;
    }
    px->watching = 1;
}

void nio_describe(struct nk_state *s, json_t *o)
{
    struct nio_ctx *px = s->px;
    const struct netl_place *pl = px->place;
    if (px->watching) { /* the window is over: where did the threads run? */
        px->watching = 0;
        json_decref(px->client_cpus);
        px->client_cpus = netl_watch_end(&px->watch[0], &px->client_mig);
        json_decref(px->peer_cpus);
        px->peer_cpus = NULL;
        px->peer_mig = -1;
        if (px->peer_pid > 0) {
            px->peer_cpus = netl_watch_end(&px->watch[1], &px->peer_mig);
        } else if (px->peer_asked) {
            struct np_threads r;
            if (ask_peer(px, &r))
                px->peer_cpus = netl_watch_end_report(&px->watch[1], &r, &px->peer_mig);
        }
    }
    json_object_set_new(o, "placement", json_string(pl->mode));
    json_object_set_new(o, "client_cpu_asked",
                        pl->client_cpu >= 0 ? json_integer(pl->client_cpu) : json_null());
    json_object_set_new(o, "peer_cpu_asked",
                        px->peer_pid > 0 && pl->peer_cpu >= 0 ? json_integer(pl->peer_cpu)
                                                              : json_null());
    json_object_set_new(o, "client_cpus",
                        px->client_cpus ? json_incref(px->client_cpus) : json_null());
    json_object_set_new(o, "client_migrations",
                        px->client_mig >= 0 ? json_integer(px->client_mig) : json_null());
    json_object_set_new(o, "peer_cpus", px->peer_cpus ? json_incref(px->peer_cpus) : json_null());
    json_object_set_new(o, "peer_migrations",
                        px->peer_cpus && px->peer_mig >= 0 ? json_integer(px->peer_mig)
                                                           : json_null());
    if (px->peer_pid <= 0)
        json_object_set_new(o, "peer_cpus_note",
                            json_string(px->peer_cpus     ? "reported by the peer (viobench serve) "
                                                            "over the protocol"
                                        : px->peer_err[0] ? px->peer_err
                                                          : "the peer's CPUs are unknown"));
}
