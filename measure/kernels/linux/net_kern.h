/*
 * State shared by the network kernels' rows and set-up (net_kernels.c) and their measured
 * loops (net_loops.c). Private to measure/kernels/linux/.
 */
#ifndef VB_NET_KERN_H
#define VB_NET_KERN_H

#include <pthread.h>
#include <stdint.h>

#include "hist.h"
#include "net_linux.h"

struct nk_state;

/* One connection and the thread that drives it. */
struct nk_flow {
    struct nk_state *s;
    int idx;
    int fd, ufd, ep; /* TCP/vsock connection, UDP socket, epoll set; -1 when unused */
    uint8_t *tx, *rx;
    uint64_t seq;
    uint64_t token;        /* udp_rr: the session token (a late copy of its ack is skipped) */
    struct nk_tally tally; /* counts, error and histogram of the window (measure/kernels/net.h) */
    double oversleep_ns;   /* paced mode: average lateness of this flow's sleeps */
    uint64_t io_since;     /* ts ticks when the current blocking call began, 0 outside one */
    int watchdog_fired;    /* the watchdog shut the socket: no answer in time */
    pthread_t th;
};

struct nk_state {
    const struct nk_row *row;
    const struct netl_peer *peer;
    struct nk_plan plan; /* flows, rate, message sizes (measure/kernels/net_client.c) */
    int io;              /* enum net_io */
    int nagle;
    unsigned busy_us;
    uint8_t hello[NP_HELLO_LEN]; /* the encoded hello (CRR sends it on every connection) */
    struct nk_flow *f;
    int watchdog; /* blocking TCP/vsock data sockets carry no timeout: a thread watches */
    const struct netl_place *place;  /* the run's placement (net_place.c) */
    int peer_pid;                    /* the run's own peer, 0 for --peer */
    int pinned;                      /* setup pinned the measuring thread for the placement */
    struct netl_watch *watch;        /* [0] client, [1] local peer: noted at the window's start */
    int watching;                    /* watch holds a start not yet read back */
    json_t *client_cpus, *peer_cpus; /* observed in the last window (owned), or NULL */
    long client_mig, peer_mig;       /* migrations in the last window, -1 unknown */
};

/* Run one flow's loop for the state's kind until the window closes: records each
   operation in f->tally.h and counts in f->tally. 0, -EINTR, or -errno with f->err set. */
int nk_flow_run(struct nk_flow *f);

#endif
