/*
 * Starting and stopping the peer server (Linux): binding each --listen address (a TCP
 * listener, plus a UDP socket on the same address and port for UDP round trips; or an
 * AF_VSOCK listener), raising the descriptor limit to what --max-conns needs, the epoll set,
 * SIGINT/SIGTERM, the ready report, and the closing summary.
 */
#include "log.h"
#include "net_serve_int.h"
#include "platform.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/vm_sockets.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <unistd.h>

#define BIND_TRIES 32 /* ephemeral port: tries to find one free for both TCP and UDP */

volatile sig_atomic_t serve_stop;

static void on_stop(int sig)
{
    (void)sig;
    serve_stop = 1;
}

static int bind_one(int type, const struct sockaddr *sa, socklen_t len, int v6only)
{
    int one = 1, fd = socket(sa->sa_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    if (sa->sa_family != AF_VSOCK)
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (v6only)
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
    if (bind(fd, sa, len) || (type == SOCK_STREAM && listen(fd, 1024))) {
        int e = -errno;
        close(fd);
        return e;
    }
    return fd;
}

static unsigned port_of(int fd)
{
    struct sockaddr_storage ss;
    socklen_t l = sizeof(ss);
    if (getsockname(fd, (struct sockaddr *)&ss, &l))
        return 0;
    if (ss.ss_family == AF_INET)
        return ntohs(((struct sockaddr_in *)&ss)->sin_port);
    if (ss.ss_family == AF_INET6)
        return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    return ((struct sockaddr_vm *)&ss)->svm_port;
}

static void set_port(struct sockaddr_storage *ss, unsigned port)
{
    if (ss->ss_family == AF_INET)
        ((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
    else
        ((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)port);
}

/* Bind one --listen address: TCP and UDP on one port for IP, a stream socket for vsock. */
static int open_listener(struct server *s, const struct np_addr *a)
{
    struct listener *l = &s->ls[s->nls];
    struct sockaddr_storage ss;
    socklen_t len;
    char err[256], name[128];
    int fd = -1, ufd = -1;

    if (netl_sockaddr(a, 1, &ss, &len, err, sizeof(err))) {
        vb_err("serve: --listen %s: %s", np_addr_format(a, name, sizeof(name)), err);
        return -EINVAL;
    }
    for (int tries = 0; tries < BIND_TRIES; tries++) {
        fd = bind_one(SOCK_STREAM, (struct sockaddr *)&ss, len, ss.ss_family == AF_INET6);
        if (fd < 0 || ss.ss_family == AF_VSOCK)
            break;
        set_port(&ss, port_of(fd));
        ufd = bind_one(SOCK_DGRAM, (struct sockaddr *)&ss, len, ss.ss_family == AF_INET6);
        if (ufd >= 0 || a->port != 0)
            break;
        close(fd); /* the ephemeral TCP port is taken for UDP: try another */
        fd = -1;
        set_port(&ss, 0);
    }
    np_addr_format(a, name, sizeof(name));
    if (fd < 0 || (ss.ss_family != AF_VSOCK && ufd < 0)) {
        int e = fd < 0 ? fd : ufd;
        vb_err("serve: --listen %s: cannot %s: %s", name, fd < 0 ? "listen" : "bind UDP",
               strerror(-e));
        if (fd >= 0)
            close(fd);
        return e;
    }
    getsockname(fd, (struct sockaddr *)&ss, &len);
    netl_sockaddr_str((struct sockaddr *)&ss, l->name, sizeof(l->name));
    l->it.type = IT_LISTEN;
    l->it.fd = fd;
    l->vsock = ss.ss_family == AF_VSOCK;
    s->nls++;
    if (ufd >= 0) {
        struct udpsock *u = &s->us[s->nus++];
        u->it.type = IT_UDP;
        u->it.fd = ufd;
        u->port = port_of(ufd);
        u->len = sizeof(u->local);
        getsockname(ufd, (struct sockaddr *)&u->local, &u->len);
        l->udp = u;
    }
    return 0;
}

/* Make sure the descriptor limit covers the connections we promise to hold. */
static int raise_fd_limit(struct server *s)
{
    struct rlimit rl;
    rlim_t need = 2u * (rlim_t)s->cfg->max_conns + (rlim_t)s->drain_cap + 2u * NET_MAX_LISTEN + 16;
    if (getrlimit(RLIMIT_NOFILE, &rl))
        return 0;
    if (rl.rlim_cur >= need)
        return 0;
    rl.rlim_cur = rl.rlim_max < need ? rl.rlim_max : need;
    setrlimit(RLIMIT_NOFILE, &rl);
    if (rl.rlim_cur < need) {
        vb_err("serve: --max-conns %d needs %lu file descriptors, the limit is %lu (ulimit -n)",
               s->cfg->max_conns, (unsigned long)need, (unsigned long)rl.rlim_cur);
        return -EMFILE;
    }
    return 0;
}

static int add_item(struct server *s, struct item *it)
{
    struct epoll_event e = {.events = EPOLLIN, .data.ptr = it};
    return epoll_ctl(s->ep, EPOLL_CTL_ADD, it->fd, &e) ? -errno : 0;
}

static void report_ready(struct server *s)
{
    const struct net_serve_cfg *cfg = s->cfg;
    char line[160];
    for (int i = 0; i < s->nls; i++) {
        int n = snprintf(line, sizeof(line), "%s\n", s->ls[i].name);
        if (cfg->ready_fd >= 0 && write(cfg->ready_fd, line, (size_t)n) < 0)
            vb_warn("serve: --ready-fd %d: %s", cfg->ready_fd, strerror(errno));
        if (!cfg->quiet)
            fprintf(stderr, "viobench serve: listening on %s (%s)\n", s->ls[i].name,
                    s->ls[i].udp ? "tcp and udp" : "vsock stream");
    }
    if (cfg->ready_fd >= 0)
        close(cfg->ready_fd);
}

int serve_setup(struct server *s)
{
    const struct net_serve_cfg *cfg = s->cfg;
    struct sigaction sa;
    int ret;

    s->drain_cap = cfg->max_conns / 4 + 16;
    ret = raise_fd_limit(s);
    if (ret)
        return ret;
    s->ep = epoll_create1(EPOLL_CLOEXEC);
    if (s->ep < 0) {
        vb_err("serve: epoll_create1: %s", strerror(errno));
        return -errno;
    }
    for (int i = 0; i < cfg->nlisten; i++) {
        ret = open_listener(s, &cfg->listen[i]);
        if (ret)
            return ret;
    }
    for (int i = 0; i < s->nls; i++)
        if ((ret = add_item(s, &s->ls[i].it)))
            return ret;
    for (int i = 0; i < s->nus; i++)
        if ((ret = add_item(s, &s->us[i].it)))
            return ret;
    s->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (cfg->cpu >= 0 && (ret = pf_pin_thread(cfg->cpu))) {
        vb_err("serve: --cpu %d: %s", cfg->cpu, strerror(-ret));
        return ret;
    }
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_stop; /* no SA_RESTART: epoll_wait returns EINTR */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    serve_stop = 0;
    report_ready(s);
    return 0;
}

void serve_report(const struct server *s)
{
    const struct stats *t = &s->st;
    uint64_t refused = 0;
    if (s->cfg->quiet)
        return;
    for (int i = 0; i <= NP_STATUS_MAX; i++)
        refused += t->refused[i];
    fprintf(stderr,
            "viobench serve: stopped: %llu connections, %llu hellos accepted, %llu refused "
            "(busy %llu, malformed %llu, size %llu, timeout %llu), %llu dropped, %llu idle "
            "closed, %llu vanished mid-message, peak %d open; udp: %llu binds, %llu replies, "
            "%llu unknown tokens, %llu malformed, %llu bad length\n",
            (unsigned long long)t->accepted, (unsigned long long)t->served,
            (unsigned long long)refused, (unsigned long long)t->refused[NP_E_BUSY],
            (unsigned long long)(t->refused[NP_E_MAGIC] + t->refused[NP_E_VERSION] +
                                 t->refused[NP_E_TEST] + t->refused[NP_E_FIELD] +
                                 t->refused[NP_E_TRANSPORT]),
            (unsigned long long)t->refused[NP_E_SIZE], (unsigned long long)t->refused[NP_E_TIMEOUT],
            (unsigned long long)t->dropped, (unsigned long long)t->idle_closed,
            (unsigned long long)t->vanished, t->peak, (unsigned long long)t->udp_binds,
            (unsigned long long)t->udp_replies, (unsigned long long)t->udp_unknown,
            (unsigned long long)t->udp_malformed, (unsigned long long)t->udp_bad_len);
}

void serve_teardown(struct server *s)
{
    workers_stop(s);
    while (s->conns)
        serve_conn_close(s, s->conns);
    for (int i = 0; i < s->nls; i++)
        close(s->ls[i].it.fd);
    for (int i = 0; i < s->nus; i++)
        close(s->us[i].it.fd);
    if (s->ep >= 0)
        close(s->ep);
    if (s->reserve_fd >= 0)
        close(s->reserve_fd);
}
