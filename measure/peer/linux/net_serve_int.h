/*
 * Internals of the peer server shared by its files: net_serve.c (the event loop and the
 * connection state machine), net_serve_udp.c (UDP sessions), net_serve_worker.c (threads
 * that take over busy data connections) and net_serve_setup.c (listening sockets, limits,
 * signals and the closing report). Private to measure/peer/linux/.
 *
 * Why workers: on a VM every system call costs, and an event loop spends three per round
 * trip (epoll_wait, recv, send) where a blocking server spends two (recv, send), as
 * sockperf's and netserver's do. So the loop accepts, shakes hands, refuses and times out;
 * once a round-trip or stream connection carries its first data it is handed to a worker
 * thread that blocks on that one socket (without a socket timeout: the loop watches the
 * workers' progress instead). Idle connections never get a thread, and when no
 * thread can be had (--workers, or pthread_create fails) the loop serves the connection
 * itself, only slower.
 */
#ifndef VB_NET_SERVE_INT_H
#define VB_NET_SERVE_INT_H

#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "net_sock.h"
#include "peer.h"

#define SCRATCH_LEN  (256 * 1024)
#define FILLER_LEN   (256 * 1024)
#define MAX_EVENTS   64
#define TICK_NS      100000000ull  /* timeout scan period */
#define DRAIN_NS     2000000000ull /* a refused client gets this long to read its refusal */
#define BURST        16            /* reads or writes per event on streaming connections */
#define ACCEPT_BURST 32

enum item_type { IT_LISTEN, IT_UDP, IT_CONN, IT_SESSION };
enum cstate { C_HELLO, C_REQ, C_OUT, C_SINK, C_SOURCE, C_UDPCTL, C_DRAIN, C_CLOSE };

struct item {
    int type; /* enum item_type */
    int fd;
};

struct udpsock {
    struct item it;
    unsigned port;
    struct sockaddr_storage local; /* bound address, for the session sockets */
    socklen_t len;
};

struct listener {
    struct item it;
    int vsock;
    struct udpsock *udp; /* the UDP socket on the same address, or NULL */
    char name[128];
};

struct worker;

struct conn {
    struct item it;
    int state, next; /* enum cstate; next: the state once the output is written */
    int test, vsock;
    int counted;   /* holds one of the --max-conns slots */
    int no_worker; /* a worker was refused once: the loop serves it */
    uint32_t req, resp, got;
    uint64_t start_ns, last_ns;
    uint8_t hello[NP_HELLO_LEN];
    uint8_t seq[NP_SEQ_LEN];
    /* pending output: iov[iovi..iovn), then body_left bytes of response body */
    uint8_t rhdr[NP_REPLY_LEN];
    struct iovec iov[3];
    int iovi, iovn;
    uint64_t body_left;
    uint32_t seq_len, seq_off;
    char *owned; /* malloc'ed text in iov, freed with the connection */
    char reason[NP_REASON_MAX + 1];
    uint32_t events; /* epoll mask now */
    struct listener *ls;
    struct sockaddr_storage peer;
    /* UDP round trips: a socket on the listener's UDP address connected to the client
       once its bind datagram (carrying token) arrived */
    struct item sess;             /* sess.fd -1 when none or owned by a worker */
    uint64_t token;               /* the session's token (never 0) */
    int bound;                    /* the bind arrived: the token is used up, sess is connected */
    uint8_t tokbuf[NP_TOKEN_LEN]; /* the token as the reply's text */
    struct worker *worker;        /* the worker serving the session (guarded by server.wlock) */
    int worker_done;              /* the session's worker has ended (guarded by server.wlock) */
    int dead;                     /* closed: freed after the current batch of events */
    struct conn *prev, *next_conn;
};

struct stats {
    uint64_t accepted, served, refused[NP_STATUS_MAX + 1], dropped, idle_closed, vanished;
    uint64_t udp_binds;     /* sessions bound by their bind datagram */
    uint64_t udp_malformed; /* datagrams on a listener's UDP socket that are no bind */
    uint64_t udp_unknown;   /* binds whose token names no session waiting for one */
    uint64_t udp_bad_len, udp_replies, workers_started;
    int peak;
};

struct server {
    const struct net_serve_cfg *cfg;
    int ep, reserve_fd;
    struct listener ls[NET_MAX_LISTEN];
    struct udpsock us[NET_MAX_LISTEN];
    int nls, nus;
    struct conn *conns, *dead;
    int nconns, ndrain, drain_cap;
    uint64_t last_scan;
    struct stats st; /* workers add with __atomic builtins */
    /* workers */
    pthread_mutex_t wlock;
    pthread_cond_t wcond;
    struct worker *workers;
    int nworkers; /* threads running (under wlock) */
    int wconns;   /* connections owned by workers, counted in --max-conns (atomic) */
};

/* Set by SIGINT/SIGTERM: the loop stops. */
extern volatile sig_atomic_t serve_stop;

/* CLOCK_MONOTONIC_COARSE in ns: cheap stamps for timeouts. */
uint64_t serve_now_ns(void);
/* Bind the listeners (and their UDP sockets), raise the descriptor limit, create the epoll
   set, install the signal handlers, pin, and report the addresses on ready_fd. 0 or -errno
   after printing the reason. */
int serve_setup(struct server *s);
/* Print the closing summary on stderr (unless quiet). */
void serve_report(const struct server *s);
/* Close every connection and socket (workers first). */
void serve_teardown(struct server *s);
/* Close one connection and forget it. */
void serve_conn_close(struct server *s, struct conn *c);
/* Refuse politely: a reply naming the status and reason, then drain and close. */
void serve_refuse(struct server *s, struct conn *c, int status, const char *reason);

/* The shared response filler (zeros) and the loop thread's read buffer. */
extern const uint8_t serve_filler[FILLER_LEN];
extern uint8_t serve_scratch[SCRATCH_LEN];

/* UDP sessions (net_serve_udp.c), on the loop thread unless noted. Register the session of
   a udp_rr hello: a fresh random token (c->token, c->tokbuf), no socket yet. NP_OK, or a
   refusal status with the reason. */
int session_open(struct conn *c, char *reason, size_t len);
/* End a session: stop its worker or close its socket. */
void session_close(struct server *s, struct conn *c);
/* A datagram on a session socket: a repeated bind is acknowledged again; anything else hands
   the session to a worker, or is answered here. */
void session_read(struct server *s, struct conn *c);
/* A datagram on a listener's UDP socket: a bind naming a session waiting for one binds it
   (session socket connected to the datagram's source, then acknowledged); anything else is
   counted and dropped, never answered. */
void udp_read(struct server *s, struct udpsock *u);
/* Any thread: when msg (n bytes, read from the connected session socket fd) is a bind
   datagram, acknowledge it on fd if it carries token; 1 when it was a bind, else 0. */
int session_reack(int fd, const uint8_t *msg, ssize_t n, uint64_t token);

/*
 * Hand a data connection to a new worker thread: fd (the connection, or for UDP_RR the
 * session socket) becomes the worker's, which serves test with these sizes until the client
 * leaves, the idle timeout passes or the server stops. For UDP_RR, ctl is the control
 * connection the loop keeps. 0, or -errno (no thread: the caller keeps serving fd).
 */
int worker_start(struct server *s, int fd, int test, uint32_t req, uint32_t resp, struct conn *ctl);
/* The control connection is closing: stop its session's worker (the loop thread). */
void worker_release(struct server *s, struct conn *ctl);
/* Stop the workers whose data has not moved for the idle timeout (the loop, each tick). */
void workers_scan(struct server *s, uint64_t now);
/* Stop every worker and wait for them (at most a few seconds). */
void workers_stop(struct server *s);

#endif
