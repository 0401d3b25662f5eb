/*
 * Internals of `viobench serve` on Windows shared by its two files: net_win_serve.c (the
 * accept loop, connections, the state of each test) and net_win_serve_udp.c (UDP
 * sessions and their binds). Private to measure/peer/windows/.
 */
#ifndef VB_NET_WIN_SERVE_INT_H
#define VB_NET_WIN_SERVE_INT_H

#include "net_win_sock.h"
#include "peer.h"

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

/* A udp_rr session, from its accepted hello until its control connection ends (under
   server.lock, except last_ns). */
struct session {
    struct sockaddr_storage client; /* where its bind datagram came from (once bound) */
    uint64_t token;                 /* never 0 while used; binds once */
    uint32_t req, resp;
    volatile LONG64 last_ns; /* the last datagram, or the bind */
    int used;                /* the control connection holds it */
    int bound;               /* the bind arrived: client is set, the token is used up */
    int listener;            /* whose UDP socket it is bound on */
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
        udp_binds, udp_replies, udp_unknown, udp_malformed, udp_bad_len;
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

/* UDP sessions (net_win_serve_udp.c). Register the session of a udp_rr hello with a fresh
   random token (into tok, the accepted reply's text): the session's index, or -1 with the
   reason (refuse with NP_E_INTERNAL). */
int session_open(struct conn *c, const struct np_hello *h, uint8_t tok[NP_TOKEN_LEN], char *reason,
                 size_t len);
/* Forget a session: its token binds nothing from now on, its source is unknown again. */
void session_close(struct server *s, int idx);
/* Hold the UDP control connection: refuse it (timeout) when no bind arrives within the
   handshake timeout; then keep it while the client does and the session progresses. */
void udp_control(struct conn *c, int idx);
/* Thread for one listener's UDP socket: binds sessions by their token, answers the
   datagrams of bound sessions by source address, counts and drops the rest; arg is a
   malloc'ed {server, listener index} pair it frees. */
DWORD WINAPI udp_main(void *arg);

#endif
