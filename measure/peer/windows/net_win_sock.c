/*
 * Winsock helpers (see net_win.h): the same jobs as measure/peer/linux/net_sock.c, with
 * Winsock's differences handled here once: SOCKET handles, WSAGetLastError, timeouts in
 * milliseconds, no SIGPIPE to ignore.
 */
#include "net_win_sock.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int netw_init(void)
{
    static volatile LONG done;
    static int ret;
    WSADATA d;
    if (InterlockedCompareExchange(&done, 1, 0) == 0) {
        ret = WSAStartup(MAKEWORD(2, 2), &d) ? -ENOSYS : 0;
        done = 2;
    }
    while (done != 2)
        Sleep(0);
    return ret;
}

int netw_errno(int wsa)
{
    switch (wsa) {
    case WSAETIMEDOUT:
        return ETIMEDOUT;
    case WSAECONNREFUSED:
        return ECONNREFUSED;
    case WSAECONNRESET:
    case WSAECONNABORTED:
    case WSAESHUTDOWN:
        return EPIPE;
    case WSAEADDRINUSE:
        return EADDRINUSE;
    case WSAEADDRNOTAVAIL:
        return EADDRNOTAVAIL;
    case WSAENETUNREACH:
    case WSAEHOSTUNREACH:
        return EHOSTUNREACH;
    case WSAEACCES:
        return EACCES;
    case WSAEINTR:
        return EINTR;
    case WSAEWOULDBLOCK:
        return EAGAIN;
    case WSAEMFILE:
    case WSAENOBUFS:
        return ENOBUFS;
    case WSAEAFNOSUPPORT:
        return EAFNOSUPPORT;
    case WSAEMSGSIZE:
        return EMSGSIZE;
    default:
        return EIO;
    }
}

int netw_sockaddr(const struct np_addr *a, int passive, struct sockaddr_storage *ss, int *len,
                  char *err, size_t errlen)
{
    struct addrinfo hints, *res = NULL;
    char port[16];
    int rc;

    if (a->kind != NP_ADDR_IP) {
        snprintf(err, errlen, "vsock addresses are Linux's (AF_VSOCK); not on Windows");
        return -EAFNOSUPPORT;
    }
    if (netw_init()) {
        snprintf(err, errlen, "WSAStartup failed");
        return -ENOSYS;
    }
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = passive ? AI_PASSIVE : 0;
    snprintf(port, sizeof(port), "%u", a->port);
    rc = getaddrinfo(a->host[0] ? a->host : NULL, port, &hints, &res);
    if (rc || !res) {
        snprintf(err, errlen, "cannot resolve '%s': error %d", a->host, rc);
        return -EINVAL;
    }
    memcpy(ss, res->ai_addr, res->ai_addrlen);
    *len = (int)res->ai_addrlen;
    freeaddrinfo(res);
    return 0;
}

const char *netw_sockaddr_str(const struct sockaddr *sa, char *buf, size_t len)
{
    char host[INET6_ADDRSTRLEN] = "?";
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *s = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &s->sin_addr, host, sizeof(host));
        snprintf(buf, len, "%s:%u", host, ntohs(s->sin_port));
    } else {
        const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)sa;
        inet_ntop(AF_INET6, &s->sin6_addr, host, sizeof(host));
        snprintf(buf, len, "[%s]:%u", host, ntohs(s->sin6_port));
    }
    return buf;
}

unsigned netw_port(const struct sockaddr_storage *ss)
{
    return ss->ss_family == AF_INET ? ntohs(((const struct sockaddr_in *)ss)->sin_port)
                                    : ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
}

void netw_set_port(struct sockaddr_storage *ss, unsigned port)
{
    if (ss->ss_family == AF_INET)
        ((struct sockaddr_in *)ss)->sin_port = htons((u_short)port);
    else
        ((struct sockaddr_in6 *)ss)->sin6_port = htons((u_short)port);
}

void netw_set_timeouts(SOCKET s, int timeout_ms)
{
    DWORD t = (DWORD)(timeout_ms > 0 ? timeout_ms : 0);
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, (const char *)&t, sizeof(t));
    setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, (const char *)&t, sizeof(t));
}

SOCKET netw_connect(const struct sockaddr *sa, int len, int timeout_ms, char *err, size_t errlen)
{
    SOCKET s;
    u_long nb = 1;
    fd_set w, e;
    struct timeval tv = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};
    char name[80];

    if (netw_init()) {
        snprintf(err, errlen, "WSAStartup failed");
        return INVALID_SOCKET;
    }
    netw_sockaddr_str(sa, name, sizeof(name));
    s = WSASocketW(sa->sa_family, SOCK_STREAM, IPPROTO_TCP, NULL, 0, WSA_FLAG_NO_HANDLE_INHERIT);
    if (s == INVALID_SOCKET) {
        snprintf(err, errlen, "socket: %s", strerror(netw_errno(WSAGetLastError())));
        return INVALID_SOCKET;
    }
    ioctlsocket(s, FIONBIO, &nb);
    if (connect(s, sa, len) && WSAGetLastError() != WSAEWOULDBLOCK) {
        snprintf(err, errlen, "connect to %s: %s", name, strerror(netw_errno(WSAGetLastError())));
        closesocket(s);
        return INVALID_SOCKET;
    }
    FD_ZERO(&w);
    FD_ZERO(&e);
    FD_SET(s, &w);
    FD_SET(s, &e);
    if (select(0, NULL, &w, &e, &tv) != 1 || FD_ISSET(s, &e)) {
        int so = 0, sl = sizeof(so);
        getsockopt(s, SOL_SOCKET, SO_ERROR, (char *)&so, &sl);
        snprintf(err, errlen, "connect to %s: %s", name,
                 so ? strerror(netw_errno(so)) : "no answer within the timeout");
        closesocket(s);
        return INVALID_SOCKET;
    }
    nb = 0;
    ioctlsocket(s, FIONBIO, &nb);
    netw_set_timeouts(s, NETW_IO_TIMEOUT_MS);
    return s;
}

int netw_send_all(SOCKET s, const void *buf, size_t n)
{
    const char *p = buf;
    while (n) {
        int w = send(s, p, n > 1u << 30 ? 1 << 30 : (int)n, 0);
        if (w <= 0)
            return -netw_errno(WSAGetLastError());
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int netw_recv_all(SOCKET s, void *buf, size_t n)
{
    char *p = buf;
    while (n) {
        int r = recv(s, p, n > 1u << 30 ? 1 << 30 : (int)n, 0);
        if (r == 0)
            return -EPIPE;
        if (r < 0)
            return -netw_errno(WSAGetLastError());
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

static int sock_send(void *conn, const void *buf, size_t n)
{
    return netw_send_all(*(SOCKET *)conn, buf, n);
}

static int sock_recv(void *conn, void *buf, size_t n)
{
    return netw_recv_all(*(SOCKET *)conn, buf, n);
}

int netw_handshake(SOCKET s, const struct np_hello *h, struct np_reply *r, char *text,
                   size_t textlen, char *err, size_t errlen)
{
    struct np_io io = {.conn = &s, .send_all = sock_send, .recv_all = sock_recv};
    return np_handshake(&io, h, r, text, textlen, err, errlen);
}

/* np_dgram_io over a connected UDP socket (conn points at the SOCKET). Winsock errors a bind
   attempt shrugs off and tries again at the next round: a connected UDP socket reports an
   ICMP port unreachable of an earlier datagram as WSAECONNRESET. */
static int dgram_send(void *conn, const void *buf, size_t n)
{
    int e;
    if (send(*(SOCKET *)conn, buf, (int)n, 0) >= 0)
        return 0;
    e = WSAGetLastError();
    if (e == WSAEWOULDBLOCK || e == WSAEINTR || e == WSAENOBUFS || e == WSAECONNRESET ||
        e == WSAECONNREFUSED || e == WSAETIMEDOUT)
        return 0;
    return -netw_errno(e);
}

static int dgram_recv_wait(void *conn, void *buf, size_t n, int timeout_ms)
{
    SOCKET s = *(SOCKET *)conn;
    struct timeval tv = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};
    fd_set set;
    int r;
    FD_ZERO(&set);
    FD_SET(s, &set);
    if (select(0, &set, NULL, NULL, &tv) != 1)
        return 0;
    r = recv(s, buf, (int)n, 0);
    return r > 0 ? r : 0;
}

static uint64_t dgram_now_ms(void *conn)
{
    (void)conn;
    return GetTickCount64();
}

int netw_udp_bind(SOCKET s, uint64_t token, char *err, size_t errlen)
{
    struct np_dgram_io io = {
        .conn = &s, .send = dgram_send, .recv_wait = dgram_recv_wait, .now_ms = dgram_now_ms};
    return np_udp_bind(&io, token, err, errlen);
}
