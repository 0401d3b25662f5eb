/*
 * UDP round trips in the peer server: each registered session gets its own UDP socket,
 * bound to the listener's UDP address and port and connected to the client, so the kernel
 * sorts datagrams by client and nobody else is answered. A session is served by a worker
 * thread once its first datagram arrives, or here in the event loop when no worker is free.
 */
#include "net_serve_int.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

static int same_host(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
    if (a->ss_family != b->ss_family)
        return 0;
    if (a->ss_family == AF_INET)
        return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
               ((const struct sockaddr_in *)b)->sin_addr.s_addr;
    return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
                  &((const struct sockaddr_in6 *)b)->sin6_addr, 16) == 0;
}

/*
 * A UDP session: a socket bound to the listener's UDP address and port (SO_REUSEADDR) and
 * connected to the client's registered port, so the kernel delivers that client's
 * datagrams to it (a connected socket is the better match) and nobody else's. Created
 * before the reply, so the first datagram cannot miss it. 0 or a refusal status + reason.
 */
int session_open(struct server *s, struct conn *c, uint16_t port, char *reason, size_t len)
{
    const struct udpsock *u = c->ls->udp;
    struct sockaddr_storage to = c->peer;
    struct epoll_event e = {.events = EPOLLIN, .data.ptr = &c->sess};
    int one = 1, fd;

    for (struct conn *o = s->conns; o; o = o->next_conn)
        if (o != c && o->test == NP_TEST_UDP_RR && o->udp_port == port &&
            same_host(&o->peer, &c->peer)) {
            snprintf(reason, len, "UDP port %u is already registered", port);
            return NP_E_FIELD;
        }
    if (to.ss_family == AF_INET)
        ((struct sockaddr_in *)&to)->sin_port = htons(port);
    else
        ((struct sockaddr_in6 *)&to)->sin6_port = htons(port);
    fd = socket(u->local.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd >= 0)
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (fd < 0 || bind(fd, (const struct sockaddr *)&u->local, u->len) ||
        connect(fd, (struct sockaddr *)&to, u->len) || epoll_ctl(s->ep, EPOLL_CTL_ADD, fd, &e)) {
        snprintf(reason, len, "cannot open a UDP session socket: %s", strerror(errno));
        if (fd >= 0)
            close(fd);
        return NP_E_INTERNAL;
    }
    c->sess.type = IT_SESSION;
    c->sess.fd = fd;
    c->udp_port = port;
    return NP_OK;
}

void session_close(struct server *s, struct conn *c)
{
    worker_release(s, c);
    if (c->sess.fd >= 0) {
        epoll_ctl(s->ep, EPOLL_CTL_DEL, c->sess.fd, NULL);
        close(c->sess.fd);
        c->sess.fd = -1;
    }
}

/* A datagram on a listener's UDP socket: from no registered session (those have their
   own sockets), so it is counted and dropped. */
void udp_read(struct server *s, struct udpsock *u)
{
    if (recv(u->it.fd, serve_scratch, SCRATCH_LEN, MSG_DONTWAIT) >= 0)
        s->st.udp_unknown++;
}

/* A datagram on a session socket: hand the session to a worker, or answer it here. */
void session_read(struct server *s, struct conn *c)
{
    struct iovec v[2];
    struct msghdr mh = {.msg_iov = v, .msg_iovlen = 2};
    ssize_t n;
    size_t k;

    if (!c->no_worker && s->cfg->max_workers > 0) {
        int fd = c->sess.fd;
        epoll_ctl(s->ep, EPOLL_CTL_DEL, fd, NULL);
        if (worker_start(s, fd, NP_TEST_UDP_RR, c->req, c->resp, c) == 0) {
            c->sess.fd = -1;
            return;
        }
        c->no_worker = 1;
        struct epoll_event e = {.events = EPOLLIN, .data.ptr = &c->sess};
        epoll_ctl(s->ep, EPOLL_CTL_ADD, fd, &e);
    }
    n = recv(c->sess.fd, serve_scratch, c->req + 1, MSG_DONTWAIT);
    if (n < 0)
        return;
    if ((size_t)n != c->req) {
        s->st.udp_bad_len++;
        return;
    }
    k = c->req < c->resp ? c->req : c->resp;
    k = k < NP_SEQ_LEN ? k : NP_SEQ_LEN;
    v[0].iov_base = serve_scratch;
    v[0].iov_len = k;
    v[1].iov_base = (void *)serve_filler;
    v[1].iov_len = c->resp - k;
    if (sendmsg(c->sess.fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0)
        s->st.udp_replies++;
    c->last_ns = serve_now_ns();
}
