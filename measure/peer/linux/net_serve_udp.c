/*
 * UDP round trips in the peer server. A udp_rr hello registers a session and gets a random
 * 64-bit token; the client sends that token in a bind datagram from its UDP socket to the
 * listener's UDP port, and the server learns the client's address from where the datagram
 * came from. That is what makes UDP work through NAT (QEMU user networking, a home router),
 * which rewrites the source port and maybe the address, so an address the client could
 * announce itself would be wrong. The session then gets its own UDP socket, bound to the
 * listener's UDP address and port and connected to that source, so the kernel sorts
 * datagrams by client and nobody else is answered. Tokens are single-use and live only
 * while their TCP control connection does; a datagram that is no bind, or a bind with a
 * token no session waits for, is counted and dropped, never answered (no amplification).
 * A session is served by a worker thread once its first request arrives, or here in the
 * event loop when no worker is free.
 */
#include "net_serve_int.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <unistd.h>

/* 64 random bits, never 0: getrandom, or /dev/urandom while the pool is not ready yet. */
static int new_token(uint64_t *t)
{
    do {
        if (getrandom(t, sizeof(*t), GRND_NONBLOCK) != (ssize_t)sizeof(*t)) {
            int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
            ssize_t n = fd >= 0 ? read(fd, t, sizeof(*t)) : -1;
            if (fd >= 0)
                close(fd);
            if (n != (ssize_t)sizeof(*t))
                return -EIO;
        }
    } while (*t == 0);
    return 0;
}

int session_open(struct conn *c, char *reason, size_t len)
{
    if (new_token(&c->token)) {
        snprintf(reason, len, "no random session token: %s", strerror(errno));
        return NP_E_INTERNAL;
    }
    np_token_put(c->tokbuf, c->token);
    c->bound = 0;
    c->sess.type = IT_SESSION;
    c->sess.fd = -1;
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
    c->token = 0; /* whatever happens next, this token binds nothing */
}

static void send_ack(int fd, uint64_t token, int flags)
{
    struct np_bind a = {.kind = NP_BIND_ACK, .token = token};
    uint8_t out[NP_BIND_LEN];
    np_bind_encode(&a, out);
    send(fd, out, sizeof(out), flags | MSG_NOSIGNAL);
}

int session_reack(int fd, const uint8_t *msg, ssize_t n, uint64_t token)
{
    struct np_bind b;
    if (n != NP_BIND_LEN || np_bind_parse(msg, (size_t)n, &b))
        return 0;
    if (b.kind == NP_BIND_REQ && b.token == token)
        send_ack(fd, token, MSG_DONTWAIT);
    return 1;
}

/* The session of c waits for its bind, which came from src: connect its own socket to src,
   drop what reached that socket before the connect, and acknowledge. */
static void session_bind(struct server *s, struct conn *c, const struct sockaddr_storage *src,
                         socklen_t srclen)
{
    const struct udpsock *u = c->ls->udp;
    struct epoll_event e = {.events = EPOLLIN, .data.ptr = &c->sess};
    char reason[NP_REASON_MAX];
    int one = 1, fd = socket(u->local.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

    if (fd >= 0)
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (fd < 0 || bind(fd, (const struct sockaddr *)&u->local, u->len) ||
        connect(fd, (const struct sockaddr *)src, srclen) ||
        epoll_ctl(s->ep, EPOLL_CTL_ADD, fd, &e)) {
        snprintf(reason, sizeof(reason), "cannot open a UDP session socket: %s", strerror(errno));
        if (fd >= 0)
            close(fd);
        serve_refuse(s, c, NP_E_INTERNAL, reason);
        return;
    }
    /* Between bind and connect the socket took any datagram for the port; the client sends
       nothing but binds before the ack, so whatever is queued now can go. */
    while (recv(fd, serve_scratch, SCRATCH_LEN, MSG_DONTWAIT) >= 0)
        ;
    c->sess.fd = fd;
    c->bound = 1;
    c->last_ns = serve_now_ns();
    s->st.udp_binds++;
    send_ack(fd, c->token, MSG_DONTWAIT);
}

void udp_read(struct server *s, struct udpsock *u)
{
    for (int i = 0; i < BURST; i++) {
        struct sockaddr_storage src;
        socklen_t sl = sizeof(src);
        struct np_bind b;
        struct conn *c;
        ssize_t n = recvfrom(u->it.fd, serve_scratch, SCRATCH_LEN, MSG_DONTWAIT,
                             (struct sockaddr *)&src, &sl);
        if (n < 0)
            return;
        if (np_bind_parse(serve_scratch, (size_t)n, &b) || b.kind != NP_BIND_REQ) {
            s->st.udp_malformed++;
            continue;
        }
        for (c = s->conns; c; c = c->next_conn)
            if (c->test == NP_TEST_UDP_RR && !c->bound && !c->dead && c->token == b.token &&
                c->ls->udp == u)
                break;
        if (!c) {
            s->st.udp_unknown++;
            continue;
        }
        session_bind(s, c, &src, sl);
    }
}

/* A datagram on a session socket: hand the session to a worker, or answer it here. */
void session_read(struct server *s, struct conn *c)
{
    struct iovec v[2];
    struct msghdr mh = {.msg_iov = v, .msg_iovlen = 2};
    ssize_t n;
    size_t k;

    n = recv(c->sess.fd, serve_scratch, NP_BIND_LEN + 1, MSG_DONTWAIT | MSG_PEEK);
    if (n >= 0 && session_reack(c->sess.fd, serve_scratch, n, c->token)) {
        recv(c->sess.fd, serve_scratch, 1, MSG_DONTWAIT); /* a repeated bind: consumed */
        return;
    }
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
