/*
 * Internals of `viobench serve` on Windows shared by its two files: net_win_serve.c (the
 * accept loop, connections, the state of each test) and net_win_serve_udp.c (UDP
 * sessions). Private to kernels/windows/.
 */
#ifndef VB_NET_WIN_SERVE_INT_H
#define VB_NET_WIN_SERVE_INT_H

#include "net_win.h"

#include <stdint.h>

#define SLICE_MS    200
#define DRAIN_NS    2e9    /* a refused client gets this long to read its refusal */
#define CHUNK       65536  /* bytes per recv or send on data connections */
#define FILLER_LEN  262144 /* response bytes after the sequence stamp come from here */
#define STACK_BYTES 262144
#define BIND_TRIES  32

struct listener {
    SOCKET tcp, udp;
    unsigned port;
    char name[96];
};

struct session {
    struct sockaddr_storage client; /* the client's UDP address and port */
    uint32_t req, resp;
    volatile LONG64 last_ns;
    int used, listener;
};

struct server {
    const struct net_serve_cfg *cfg;
    struct listener ls[NET_MAX_LISTEN];
    int nls;
    CRITICAL_SECTION lock; /* sessions */
    struct session *sess;
    int nsess;
    volatile LONG nconns, ndrain, threads;
    int drain_cap;
    volatile LONG64 accepted, served, refused[NP_STATUS_MAX + 1], dropped, idle_closed, vanished,
        udp_replies, udp_unknown, udp_bad_len;
    volatile LONG peak;
};

struct conn {
    struct server *s;
    SOCKET fd;
    int listener, counted;
    struct sockaddr_storage peer;
    uint64_t last_ns;
    uint8_t *buf; /* CHUNK bytes */
};

/* Set by Ctrl-C or the end of --duration: every thread stops within one slice. */
extern volatile LONG serve_stop;
/* Response bytes after the sequence stamp. */
extern uint8_t serve_filler[FILLER_LEN];

/* Count an event in a statistics counter. */
void serve_count(volatile LONG64 *c);
/* Wait until fd is readable (or writable) for at most ms. 1 ready, 0 not yet, -errno. */
int serve_wait_fd(SOCKET fd, int write, int ms);
/* Receive up to n bytes, waiting at most limit_ns since the last progress. Bytes, 0 when
   the peer closed, -ETIMEDOUT, -EINTR (the server stops), or -errno. */
int serve_recv(struct conn *c, void *buf, int n, double limit_ns);
/* A reply header (status, limits, UDP port) followed by text. 0 or -errno. */
int serve_reply(struct conn *c, int status, uint16_t udp_port, const char *text, size_t tlen);
/* Refuse politely with a reason, then drain until the client closes or DRAIN_NS passes. */
void serve_refuse(struct conn *c, int status, const char *reason);

/* UDP sessions (net_win_serve_udp.c). Register the client's UDP port of a udp_rr hello:
   the session's index, or -1 with the reason. */
int session_open(struct conn *c, const struct np_hello *h, char *reason, size_t len);
/* Forget a session. */
void session_close(struct server *s, int idx);
/* Hold the UDP control connection while the client keeps it and the session progresses. */
void udp_control(struct conn *c, int idx);
/* Thread answering the datagrams of registered sessions on one listener; arg is a malloc'ed
   {server, listener index} pair it frees. */
DWORD WINAPI udp_main(void *arg);

#endif
