/*
 * The network client's one loop and the small socket interface it runs over. The loop
 * (measure/kernels/net_flow.c: set-up of the flows and their handshakes, request-response
 * rounds, connect-per-transaction, streams, open-loop pacing, warm-up and measured windows,
 * error handling) is written once; each platform supplies only the calls below, in
 * measure/kernels/<platform>/net_io_*.c chosen by the Makefile's PLATFORM: connect, one send,
 * one receive, wait for readiness, close, a few socket options, and the few things only one
 * platform has (placement and the CPUs seen on Linux, a watchdog for blocking sockets).
 */
#ifndef VB_NET_FLOW_H
#define VB_NET_FLOW_H

#include <jansson.h>
#include <pthread.h>
#include <stdint.h>

#include "hist.h"
#include "net.h"

/* A socket as the loop holds it: an fd on Linux, a SOCKET on Windows; NIO_NONE when unused. */
typedef intptr_t nio_fd;
#define NIO_NONE ((nio_fd)-1)

struct nk_state;
struct nio_ctx; /* the platform's part of a row's state (its peer, placement, watch) */

/* One connection and the thread that drives it. */
struct nk_flow {
    struct nk_state *s;
    int idx;
    nio_fd fd, ufd, ep; /* TCP/vsock connection, UDP socket, readiness set (epoll) */
    uint8_t *tx, *rx;
    uint64_t seq;
    uint64_t token;        /* udp_rr: the session token (a late copy of its ack is skipped) */
    struct nk_tally tally; /* counts, error and histogram of the window (net.h) */
    double oversleep_ns;   /* paced mode: average lateness of this flow's sleeps */
    uint64_t io_since;     /* ts ticks when the current blocking call began, 0 outside one */
    int watchdog_fired;    /* the watchdog shut the socket: no answer in time */
    pthread_t th;
};

/* One row's state between setup and teardown. */
struct nk_state {
    const struct nk_row *row;
    struct nk_plan plan; /* flows, rate, message sizes (net_client.c) */
    int io;              /* enum net_io */
    int nagle;
    unsigned busy_us;            /* SO_BUSY_POLL asked (0 where the platform has none) */
    uint8_t hello[NP_HELLO_LEN]; /* the encoded hello (CRR sends it on every connection) */
    struct nk_flow *f;
    int watchdog; /* blocking TCP/vsock data sockets carry no timeout: a thread watches */
    const struct nk_peer *peer; /* where the flows connect (set by nio_begin) */
    struct nio_ctx *px;
};

/*
 * What each platform supplies. Calls that can fail return 0 (or a byte count) or -errno;
 * -EAGAIN means "would block" on a non-blocking socket.
 */
#define NIO_WAITALL  1 /* nio_recv: a blocking socket waits for all n bytes */
#define NIO_DONTWAIT 2 /* nio_send/nio_recv: the socket is non-blocking */

/* Pacing of an open loop: a flow sleeps until nio_spin_min_ns plus twice its average
   oversleep (at most nio_spin_max_ns) before a send is due, then spins; in ns. */
extern const double nio_spin_min_ns, nio_spin_max_ns;

/* 0 when this platform runs the row under o's I/O mode; else 1 with why (a clean skip). */
int nio_valid(const struct nk_row *r, const struct vb_opts *o, char *why, size_t len);
/* The row's platform state in s->px and its peer in s->peer (started on first use), the
   placement and whatever set-up it asks of the measuring thread; may clear s->busy_us. 0,
   1 with why (a clean skip), or -errno with why. */
int nio_begin(struct nk_state *s, const struct vb_opts *o, char *why, size_t len);
/* Undo nio_begin (s->px may be NULL). */
void nio_end(struct nk_state *s);
/* A blocking stream connection to a within timeout_ms: 0 with *fd, or -errno + err. */
int nio_connect(const struct nio_addr *a, int timeout_ms, nio_fd *fd, char *err, size_t len);
/* tcp_crr's connection of one transaction to a (socket, timeouts, options, connect); 0 with
   *fd, or -errno with *what naming the call that failed ("socket", "connect"). */
int nio_crr_connect(const struct nio_addr *a, unsigned busy_us, nio_fd *fd, const char **what);
/* TCP_NODELAY (nodelay) and SO_BUSY_POLL (busy_us > 0) on a data connection. */
void nio_stream_opts(nio_fd fd, int nodelay, unsigned busy_us);
/* SO_RCVTIMEO and SO_SNDTIMEO in ms (0: none). */
void nio_set_timeouts(nio_fd fd, int timeout_ms);
/* np_handshake (lib/netproto.h) on fd. */
int nio_handshake(nio_fd fd, const struct np_hello *h, struct np_reply *r, char *text,
                  size_t textlen, char *err, size_t errlen);
/* The local address of fd; set the port of an IP address. */
int nio_sockname(nio_fd fd, struct nio_addr *a);
void nio_addr_set_port(struct nio_addr *a, unsigned port);
/* A UDP socket bound to a with a receive timeout of timeout_ms: 0 with *u, or -errno. */
int nio_udp_socket(const struct nio_addr *a, int timeout_ms, nio_fd *u);
/* Connect a datagram socket to a: 0 or -errno. */
int nio_dgram_connect(nio_fd u, const struct nio_addr *a);
/* np_udp_bind (lib/netproto.h) on the connected UDP socket u. */
int nio_udp_bind(nio_fd u, uint64_t token, char *err, size_t errlen);
/* Make fd non-blocking; with epoll, also a readiness set watching it in *ep. */
int nio_nonblock(nio_fd fd, int epoll, nio_fd *ep, char *why, size_t len);
/* One send or receive call (NIO_* flags): bytes moved, 0 when the peer closed (receive), or
   -errno (-EAGAIN, -EINTR; on a blocking socket a timeout is -EAGAIN or -ETIMEDOUT). */
long nio_send(nio_fd fd, const void *p, size_t n, int flags);
long nio_recv(nio_fd fd, void *p, size_t n, int flags);
/* Wait at most timeout_ms for readiness in the set ep: 0, -ETIMEDOUT, or -errno. */
int nio_poll(nio_fd ep, int timeout_ms);
/* Close (NIO_NONE is ignored), or shut down both directions so a blocked call returns. */
void nio_close(nio_fd fd);
void nio_shutdown(nio_fd fd);
/* Sleep about ns nanoseconds. */
void nio_sleep_ns(double ns);
/* 1 where blocking TCP data sockets carry no timeout and a watchdog thread bounds their
   calls instead (nio_watchdog_start); 0 where they keep a timeout. */
extern const int nio_has_watchdog;
/* Start a thread that shuts (nio_shutdown) a flow's socket whose blocking call has waited
   longer than timeout_ms (flow io_since), setting its watchdog_fired; NULL on failure. */
void *nio_watchdog_start(struct nk_state *s, int timeout_ms);
void nio_watchdog_stop(void *w);
/* A window just ended: after the warm-up, note where the threads run (for nio_describe). */
void nio_window_end(struct nk_state *s, int warmup);
/* Add the platform's keys to a row's description (placement and CPUs seen, the API). */
void nio_describe(struct nk_state *s, json_t *d);

#endif
