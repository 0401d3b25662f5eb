/*
 * The Winsock calls under the network client's one loop (measure/kernels/net_flow.h), so a
 * Windows client measures the same rows, figures and wire protocol as the Linux one
 * against a Linux or Windows `viobench serve`. What Windows lacks is a clean skip here:
 * net/vsock_rr (AF_VSOCK is Linux's; hv_sock is not measured) and --net-io epoll; there is
 * no SO_BUSY_POLL (busy_poll_us is 0) and no watchdog: blocking sockets keep a 5 s
 * SO_RCVTIMEO/SO_SNDTIMEO (Windows has no cheaper way to bound a blocked call). Pacing
 * sleeps with Sleep (its granularity is the timer resolution) until 2 ms before a send.
 * The peer the run starts is net_win_peer.c.
 */
#include "net_flow.h"
#include "net_win.h"

#include "platform.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const double nio_spin_min_ns = 2e6, nio_spin_max_ns = 2e6;
const int nio_has_watchdog = 0;
_Static_assert(sizeof(((struct nio_addr *)0)->sa) >= sizeof(struct sockaddr_storage),
               "struct nio_addr holds any socket address");

struct nio_ctx {
    const struct nk_peer *peer;
};

int nio_valid(const struct nk_row *r, const struct vb_opts *o, char *why, size_t len)
{
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

int nio_begin(struct nk_state *s, const struct vb_opts *o, char *why, size_t len)
{
    struct nio_ctx *px = calloc(1, sizeof(*px));
    if (!(s->px = px))
        return -ENOMEM;
    s->busy_us = 0; /* no SO_BUSY_POLL */
    px->peer = netw_peer_get(o, why, len);
    if (!px->peer || !netw_peer_alive(o, why, len))
        return -EHOSTUNREACH;
    s->peer = px->peer;
    return 0;
}

void nio_end(struct nk_state *s)
{
    free(s->px);
    s->px = NULL;
}

int nio_connect(const struct nio_addr *a, int timeout_ms, nio_fd *fd, char *err, size_t len)
{
    SOCKET s = netw_connect((const struct sockaddr *)a->sa, a->len, timeout_ms, err, len);
    if (s == INVALID_SOCKET)
        return -ECONNREFUSED;
    *fd = (nio_fd)s;
    return 0;
}

int nio_crr_connect(const struct nio_addr *a, unsigned busy_us, nio_fd *fd, const char **what)
{
    const struct sockaddr *sa = (const struct sockaddr *)a->sa;
    int one = 1, ret;
    SOCKET s =
        WSASocketW(sa->sa_family, SOCK_STREAM, IPPROTO_TCP, NULL, 0, WSA_FLAG_NO_HANDLE_INHERIT);

    (void)busy_us;
    if (s == INVALID_SOCKET) {
        *what = "socket";
        return -netw_errno(WSAGetLastError());
    }
    netw_set_timeouts(s, NETW_IO_TIMEOUT_MS);
    setsockopt(s, IPPROTO_TCP, TCP_NODELAY, (const char *)&one, sizeof(one));
    if (connect(s, sa, a->len)) {
        ret = -netw_errno(WSAGetLastError());
        closesocket(s);
        *what = "connect";
        return ret;
    }
    *fd = (nio_fd)s;
    return 0;
}

void nio_stream_opts(nio_fd fd, int nodelay, unsigned busy_us)
{
    int one = 1;
    (void)busy_us;
    if (nodelay)
        setsockopt((SOCKET)fd, IPPROTO_TCP, TCP_NODELAY, (const char *)&one, sizeof(one));
}

void nio_set_timeouts(nio_fd fd, int timeout_ms)
{
    netw_set_timeouts((SOCKET)fd, timeout_ms);
}

int nio_handshake(nio_fd fd, const struct np_hello *h, struct np_reply *r, char *text,
                  size_t textlen, char *err, size_t errlen)
{
    return netw_handshake((SOCKET)fd, h, r, text, textlen, err, errlen);
}

int nio_resolve(const struct np_addr *a, struct nio_addr *out, char *err, size_t len)
{
    return netw_sockaddr(a, 0, (struct sockaddr_storage *)out->sa, &out->len, err, len);
}

int nio_sockname(nio_fd fd, struct nio_addr *a)
{
    int l = sizeof(a->sa);
    if (getsockname((SOCKET)fd, (struct sockaddr *)a->sa, &l))
        return -netw_errno(WSAGetLastError());
    a->len = l;
    return 0;
}

void nio_addr_set_port(struct nio_addr *a, unsigned port)
{
    netw_set_port((struct sockaddr_storage *)a->sa, port);
}

int nio_udp_socket(const struct nio_addr *a, int timeout_ms, nio_fd *u)
{
    DWORD t = (DWORD)timeout_ms;
    SOCKET s = WSASocketW(((const struct sockaddr *)a->sa)->sa_family, SOCK_DGRAM, IPPROTO_UDP,
                          NULL, 0, WSA_FLAG_NO_HANDLE_INHERIT);
    if (s == INVALID_SOCKET)
        return -netw_errno(WSAGetLastError());
    *u = (nio_fd)s;
    if (bind(s, (const struct sockaddr *)a->sa, a->len))
        return -netw_errno(WSAGetLastError()); /* the caller closes *u */
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, (const char *)&t, sizeof(t));
    return 0;
}

int nio_dgram_connect(nio_fd u, const struct nio_addr *a)
{
    return connect((SOCKET)u, (const struct sockaddr *)a->sa, a->len)
               ? -netw_errno(WSAGetLastError())
               : 0;
}

int nio_udp_bind(nio_fd u, uint64_t token, char *err, size_t errlen)
{
    return netw_udp_bind((SOCKET)u, token, err, errlen);
}

int nio_nonblock(nio_fd fd, int epoll, nio_fd *ep, char *why, size_t len)
{
    u_long nb = 1;
    (void)ep;
    if (epoll) { /* nio_valid skipped the row already */
        snprintf(why, len, "--net-io epoll is Linux's");
        return -ENOTSUP;
    }
    ioctlsocket((SOCKET)fd, FIONBIO, &nb);
    return 0;
}

/* Bytes, 0, or -errno of the last Winsock call that returned r. */
static long result(int r)
{
    return r >= 0 ? (long)r : -(long)netw_errno(WSAGetLastError());
}

long nio_send(nio_fd fd, const void *p, size_t n, int flags)
{
    (void)flags; /* a spinning socket was made non-blocking by nio_nonblock */
    return result(send((SOCKET)fd, (const char *)p, n > 1u << 30 ? 1 << 30 : (int)n, 0));
}

long nio_recv(nio_fd fd, void *p, size_t n, int flags)
{
    (void)flags; /* the loop asks again for the rest */
    return result(recv((SOCKET)fd, (char *)p, n > 1u << 30 ? 1 << 30 : (int)n, 0));
}

int nio_poll(nio_fd ep, int timeout_ms)
{
    (void)ep;
    (void)timeout_ms;
    return -ENOTSUP;
}

void nio_close(nio_fd fd)
{
    if (fd != NIO_NONE)
        closesocket((SOCKET)fd);
}

void nio_shutdown(nio_fd fd)
{
    shutdown((SOCKET)fd, SD_BOTH);
}

void nio_sleep_ns(double ns)
{
    Sleep((DWORD)(ns / 1e6));
}

void *nio_watchdog_start(struct nk_state *s, int timeout_ms)
{
    (void)s;
    (void)timeout_ms;
    return NULL; /* never asked: nio_has_watchdog is 0 */
}

void nio_watchdog_stop(void *w)
{
    (void)w;
}

void nio_window_end(struct nk_state *s, int warmup)
{
    (void)s;
    (void)warmup;
}

void nio_describe(struct nk_state *s, json_t *d)
{
    (void)s;
    json_object_set_new(d, "api", json_string("Winsock"));
}
