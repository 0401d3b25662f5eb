/*
 * net/...: request-response, connect and stream kernels against viobench's own peer
 * (`viobench serve`, started on loopback by the run unless --peer names one elsewhere).
 * Network paths differ most between hypervisors (virtio-net and vhost on KVM, netvsc on
 * Hyper-V, vsock and hv_sock for guest-host channels), so each path is one row:
 *
 *   net/tcp_rr/size:N     TCP ping-pong of N bytes each way; the figure is the full RTT
 *   net/udp_rr/size:N     the same over UDP (registered by a TCP hello, bound by a token)
 *   net/vsock_rr/size:N   the same over AF_VSOCK (guest-host without IP; hv_sock too)
 *   net/tcp_crr           connect, 64-byte request, 64-byte response, close
 *   net/tcp_stream/size:N send N-byte chunks to the peer: bytes_per_second, and the latency
 *                         of each send call
 *   net/tcp_maerts/size:N the reverse stream (netperf's name): the peer sends, we receive
 *   .../flows:F           F connections at once, one thread each: aggregate transactions/s
 *
 * Set-up connects and shakes hands once per flow; the window only moves messages. With
 * several flows each thread records into its own histogram and the window merges them.
 * The row table, a row's plan and the window's tally are portable (measure/kernels/net_client.c,
 * shared with the Windows kernels); sockets, epoll and the watchdog are here.
 */
#include "modules.h"
#include "net_kern.h"
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

static int nk_valid(const struct vb_kernel *k, const struct vb_opts *o, char *why, size_t len)
{
    const struct nk_row *r = k->arg;
    if (r->kind == NK_VSOCK_RR && !o->vsock_peer)
        return netl_vsock_loopback(why, len);
    return 0;
}

static void close_flow(struct nk_flow *f)
{
    if (f->fd >= 0)
        close(f->fd);
    if (f->ufd >= 0)
        close(f->ufd);
    if (f->ep >= 0)
        close(f->ep);
    free(f->tx);
    free(f->rx);
    hist_free(f->tally.own);
}

static void nk_teardown(void *state)
{
    struct nk_state *s = state;
    for (int i = 0; s->f && i < s->plan.nflows; i++)
        close_flow(&s->f[i]);
    if (s->pinned)
        pf_unpin_thread();
    json_decref(s->client_cpus);
    json_decref(s->peer_cpus);
    free(s->watch);
    free(s->f);
    free(s);
}

/* A UDP socket on the same local address as the control connection. 0 or -errno. */
static int open_udp(struct nk_flow *f, char *why, size_t len)
{
    struct sockaddr_storage local;
    socklen_t l = sizeof(local);
    struct timeval tv = {.tv_sec = NK_UDP_TIMEOUT_MS / 1000,
                         .tv_usec = (NK_UDP_TIMEOUT_MS % 1000) * 1000};

    if (getsockname(f->fd, (struct sockaddr *)&local, &l))
        goto fail;
    if (local.ss_family == AF_INET)
        ((struct sockaddr_in *)&local)->sin_port = 0;
    else
        ((struct sockaddr_in6 *)&local)->sin6_port = 0;
    f->ufd = socket(local.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (f->ufd < 0 || bind(f->ufd, (struct sockaddr *)&local, l) ||
        getsockname(f->ufd, (struct sockaddr *)&local, &l))
        goto fail;
    setsockopt(f->ufd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    return 0;
fail:
    snprintf(why, len, "UDP socket: %s", strerror(errno));
    return -errno;
}

/* udp_rr after the handshake: the reply's text is the session token; connect the UDP
   socket to the server's UDP port and bind the session with it (through any NAT, which is
   why the server learns our address from the bind rather than from us). 0 or -errno + why. */
static int bind_udp(struct nk_flow *f, const struct np_reply *r, const char *text, char *why,
                    size_t len)
{
    const struct netl_peer *p = f->s->peer;
    struct sockaddr_storage srv = p->sa;
    char err[200];
    int ret;

    if ((ret = np_reply_token(r->text_len, text, &f->token, err, sizeof(err)))) {
        snprintf(why, len, "peer %s: %s", p->name, err);
        return ret;
    }
    if (srv.ss_family == AF_INET)
        ((struct sockaddr_in *)&srv)->sin_port = htons(r->udp_port);
    else
        ((struct sockaddr_in6 *)&srv)->sin6_port = htons(r->udp_port);
    if (connect(f->ufd, (struct sockaddr *)&srv, p->len)) {
        snprintf(why, len, "UDP connect to the peer: %s", strerror(errno));
        return -errno;
    }
    if ((ret = netl_udp_bind(f->ufd, f->token, err, sizeof(err))))
        snprintf(why, len, "peer %s port %u: %s", p->name, r->udp_port, err);
    return ret;
}

/* Connect one flow, shake hands, and make it ready for the loop. 0 or -errno + why. */
static int open_flow(struct nk_state *s, struct nk_flow *f, char *why, size_t len)
{
    const struct netl_peer *p = s->peer;
    struct np_hello h;
    struct np_reply r;
    char err[256], text[NP_TOKEN_LEN + 1];
    int one = 1, ret, kind = s->row->kind;
    /* rx also holds a UDP bind ack: NP_REPLY_LEN > NP_BIND_LEN */
    size_t txlen = NP_HELLO_LEN + s->plan.req + 1, rxlen = NP_REPLY_LEN + s->plan.resp + 1;

    f->fd = f->ufd = f->ep = -1;
    f->tx = calloc(1, txlen);
    f->rx = calloc(1, rxlen);
    if (!f->tx || !f->rx)
        return -ENOMEM;
    if (kind == NK_TCP_CRR)
        return 0; /* a connection per transaction */
    f->fd =
        netl_connect((const struct sockaddr *)&p->sa, p->len, NETL_IO_TIMEOUT_MS, err, sizeof(err));
    if (f->fd < 0) {
        snprintf(why, len, "%s", err);
        return f->fd;
    }
    if (p->sa.ss_family != AF_VSOCK && !s->nagle)
        setsockopt(f->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (s->busy_us)
        setsockopt(f->fd, SOL_SOCKET, SO_BUSY_POLL, &s->busy_us, sizeof(int));
    memset(&h, 0, sizeof(h));
    h.test = s->plan.test;
    h.flags = p->sa.ss_family != AF_VSOCK && !s->nagle ? NP_F_NODELAY : 0;
    h.req_size = s->plan.req;
    h.resp_size = s->plan.resp;
    h.busy_poll_us = s->busy_us;
    if (kind == NK_UDP_RR && (ret = open_udp(f, why, len)))
        return ret;
    ret = netl_handshake(f->fd, &h, &r, kind == NK_UDP_RR ? text : NULL, sizeof(text), err,
                         sizeof(err));
    if (ret) {
        snprintf(why, len, "peer %s: %s", p->name, err);
        return ret;
    }
    if (kind != NK_UDP_RR && s->io == NET_IO_BLOCKING)
        netl_set_timeouts(f->fd, 0); /* the watchdog bounds the waits instead */
    if (kind == NK_UDP_RR && (ret = bind_udp(f, &r, text, why, len)))
        return ret;
    if (s->io != NET_IO_BLOCKING) {
        int io_fd = kind == NK_UDP_RR ? f->ufd : f->fd;
        struct epoll_event e = {.events = EPOLLIN | EPOLLOUT | EPOLLET};
        fcntl(io_fd, F_SETFL, fcntl(io_fd, F_GETFL) | O_NONBLOCK);
        if (s->io == NET_IO_EPOLL) {
            f->ep = epoll_create1(EPOLL_CLOEXEC);
            if (f->ep < 0 || epoll_ctl(f->ep, EPOLL_CTL_ADD, io_fd, &e)) {
                snprintf(why, len, "epoll: %s", strerror(errno));
                return -errno;
            }
        }
    }
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
    s->watchdog = s->io == NET_IO_BLOCKING && row->kind != NK_UDP_RR && row->kind != NK_TCP_CRR;
    h.busy_poll_us = s->busy_us;
    np_hello_encode(&h, s->hello);
    s->client_mig = s->peer_mig = -1;
    s->place = netl_place_get(o, why, len);
    if (!s->place) { /* --placement cross-numa on one node ...: a clean skip */
        free(s);
        return 1;
    }
    s->peer = netl_peer_get(o, row->kind == NK_VSOCK_RR, why, len);
    if (!s->peer || !netl_peer_alive(o, why, len)) {
        free(s);
        return -EHOSTUNREACH;
    }
    s->peer_pid = s->peer->started ? netl_peer_pid(o) : 0;
    /* the client's CPU: --cpu pinned the thread for the run; else the placement, for this
       row (flow threads started later inherit it) */
    if (o->cpu < 0 && s->place->client_cpu >= 0) {
        if ((ret = pf_pin_thread(s->place->client_cpu))) {
            snprintf(why, len, "placement %s: cannot pin the client to CPU %d: %s", s->place->mode,
                     s->place->client_cpu, strerror(-ret));
            free(s);
            return ret;
        }
        s->pinned = 1;
    }
    s->f = calloc((size_t)s->plan.nflows, sizeof(*s->f));
    if (!s->f) {
        nk_teardown(s); /* unpins */
        return -ENOMEM;
    }
    for (int i = 0; i < s->plan.nflows; i++)
        s->f[i].fd = s->f[i].ufd = s->f[i].ep = -1;
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

/* The watchdog of blocking data sockets: shuts a flow's socket when one of its calls has
   waited NETL_IO_TIMEOUT_MS, so the call returns and the row fails instead of hanging. */
struct watchdog {
    struct nk_state *s;
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
            if (since && now > since && ts_to_ns(now - since) > NETL_IO_TIMEOUT_MS * 1e6 &&
                !f->watchdog_fired) {
                f->watchdog_fired = 1;
                shutdown(f->fd, SHUT_RDWR);
            }
        }
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

static int watchdog_start(struct watchdog *w, struct nk_state *s)
{
    pthread_condattr_t ca;
    memset(w, 0, sizeof(*w));
    w->s = s;
    pthread_mutex_init(&w->lock, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&w->cond, &ca);
    pthread_condattr_destroy(&ca);
    return -pthread_create(&w->th, NULL, watchdog_main, w);
}

static void watchdog_stop(struct watchdog *w)
{
    pthread_mutex_lock(&w->lock);
    w->stop = 1;
    pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->th, NULL);
    pthread_cond_destroy(&w->cond);
    pthread_mutex_destroy(&w->lock);
}

static void *flow_thread(void *arg)
{
    struct nk_flow *f = arg;
    if (f->s->plan.rate > 0)
        pf_timer_slack_min();
    f->tally.ret = nk_flow_run(f);
    return NULL;
}

static struct nk_tally *tally_at(void *state, int i)
{
    return &((struct nk_state *)state)->f[i].tally;
}

static int nk_sample(void *state, struct vb_meas *m)
{
    struct nk_state *s = state;
    struct watchdog wd;
    int started = 0;

    for (int i = 0; i < s->plan.nflows; i++)
        nk_tally_begin(&s->f[i].tally, m, s->plan.nflows);
    if (s->watchdog && watchdog_start(&wd, s)) {
        vb_meas_fail(m, "cannot start the watchdog thread");
        return -EAGAIN;
    }
    if (s->plan.nflows == 1) {
        if (s->plan.rate > 0)
            pf_timer_slack_min();
        s->f[0].tally.ret = nk_flow_run(&s->f[0]);
    } else {
        for (; started < s->plan.nflows; started++)
            if (pthread_create(&s->f[started].th, NULL, flow_thread, &s->f[started]))
                break;
        for (int i = 0; i < started; i++)
            pthread_join(s->f[i].th, NULL);
    }
    if (s->watchdog)
        watchdog_stop(&wd);
    /* Where the client's and the local peer's threads run: noted when the warm-up ends, read
       back in describe() after the window, so that reading /proc costs the window nothing. */
    if (m->warmup && (s->watch || (s->watch = calloc(2, sizeof(*s->watch))))) {
        netl_watch_begin(&s->watch[0], (int)getpid());
        netl_watch_begin(&s->watch[1], s->peer_pid);
        s->watching = 1;
    }
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
    if (s->watching) { /* the window is over: where did the threads run? */
        s->watching = 0;
        json_decref(s->client_cpus);
        s->client_cpus = netl_watch_end(&s->watch[0], &s->client_mig);
        if (s->peer_pid > 0)
            s->peer_cpus = netl_watch_end(&s->watch[1], &s->peer_mig);
    }
    json_object_set_new(o, "placement", json_string(s->place->mode));
    json_object_set_new(o, "client_cpu_asked",
                        s->place->client_cpu >= 0 ? json_integer(s->place->client_cpu)
                                                  : json_null());
    json_object_set_new(o, "peer_cpu_asked",
                        s->peer_pid > 0 && s->place->peer_cpu >= 0
                            ? json_integer(s->place->peer_cpu)
                            : json_null());
    json_object_set_new(o, "client_cpus",
                        s->client_cpus ? json_incref(s->client_cpus) : json_null());
    json_object_set_new(o, "client_migrations",
                        s->client_mig >= 0 ? json_integer(s->client_mig) : json_null());
    json_object_set_new(o, "peer_cpus", s->peer_cpus ? json_incref(s->peer_cpus) : json_null());
    json_object_set_new(o, "peer_migrations",
                        s->peer_pid > 0 && s->peer_mig >= 0 ? json_integer(s->peer_mig)
                                                            : json_null());
    if (s->peer_pid <= 0)
        json_object_set_new(o, "peer_cpus_note",
                            json_string("a peer the run did not start: its CPUs are not observed"));
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
