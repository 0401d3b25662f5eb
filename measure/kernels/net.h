/*
 * The network kernels' part that more than one file needs: the client kernels' portable part
 * (measure/kernels/net_client.c): the net/... row table, the parameters and description of
 * a row, and the run context's peer entry. The kernels' one loop is net_flow.c over the
 * platform's socket calls (net_flow.h; measure/kernels/<platform>/net_io_*.c); the peer
 * server and the socket helpers both ends use are measure/peer/ (peer.h); the wire protocol
 * is lib/netproto.h.
 */
#ifndef VB_NET_H
#define VB_NET_H

#include <jansson.h>
#include <stdint.h>

#include "kernel.h"
#include "netproto.h"

#include "peer.h"

/* Parse a vsock peer, "CID:PORT" or "vsock:CID:PORT" (both required). 0 or -EINVAL with
   the reason in err. */
int net_vsock_addr(const char *s, struct np_addr *a, char *err, size_t len);

/* A socket address of either family (a struct sockaddr_storage and its length). */
struct nio_addr {
    _Alignas(8) unsigned char sa[128];
    int len;
};

/* A peer: where a kernel connects (--peer, --vsock-peer, or a server the run started). */
struct nk_peer {
    struct nio_addr addr;
    char name[160]; /* as the user or the started server wrote it */
    int started;    /* the run started this server */
    int ok, described;
};
/* Make p the peer written text ("HOST:PORT", or a vsock "CID:PORT" when vsock), resolved
   by the platform (nio_resolve). 0, or -EINVAL with the reason in why. */
int nk_peer_set(struct nk_peer *p, const char *text, int started, int vsock, char *why, size_t len);
/* The platform's resolution of a parsed address into a socket address (net_io_*.c):
   0, or -errno with the reason in err. */
int nio_resolve(const struct np_addr *a, struct nio_addr *out, char *err, size_t len);

/* Client I/O modes (--net-io). */
enum net_io { NET_IO_BLOCKING = 0, NET_IO_EPOLL = 1, NET_IO_SPIN = 2 };
/* The mode named by --net-io (NULL is blocking), or -EINVAL. */
int net_io_mode(const char *name);
/* Stable name of a mode. */
const char *net_io_name(int mode);

/* The client kernels (net/...), the same rows on every platform. */
#define NK_CRR_SIZE       64      /* tcp_crr: request and response bytes */
#define NK_UDP_TIMEOUT_MS 1000    /* a UDP reply later than this is counted lost */
#define NK_UDP_MAX_LOST   5       /* this many losses in a row: the peer is gone */
#define NK_LATE_NS        50000.0 /* a paced send this late is counted in late_sends */

enum nk_kind { NK_TCP_RR, NK_UDP_RR, NK_TCP_CRR, NK_TCP_STREAM, NK_TCP_MAERTS, NK_VSOCK_RR };

/* One row's parameters (a row's vb_kernel.arg). */
struct nk_row {
    int kind;      /* enum nk_kind */
    uint32_t size; /* message or chunk size in bytes */
    int flows;     /* fixed by the row's name, or 0 for --flows */
};

/* What one flow did in a window, and where it records: the part of a flow both platforms'
   kernels keep alike (each embeds one in its flow). */
struct nk_tally {
    struct hist *own; /* this flow's histogram when there are several flows */
    struct hist *h;   /* where this window records */
    const struct vb_meas *m;
    uint64_t ops, bytes, lost, stale, late;
    double lag_ns; /* paced mode: sum of (actual - intended) send times */
    int ret;       /* how the flow's loop ended: 0, -EINTR, or -errno with err set */
    char err[240];
};

/* What a row's flows do under the run's options. */
struct nk_plan {
    int nflows;         /* connections at once */
    double rate;        /* transactions/s over all flows (--rate); 0 closed loop */
    uint32_t req, resp; /* bytes per request and response (one is 0 for the streams) */
    uint8_t test;       /* enum np_test of the data connections' hello */
};

/*
 * The net/... rows: name, help, suites and arg (a struct nk_row) of each, and the callbacks
 * (valid, setup, sample, describe, teardown) copied from ops. Built on the first call;
 * *n is the number of rows.
 */
const struct vb_kernel *nk_rows(const struct vb_kernel *ops, size_t *n);
/* 1 for the transaction kinds (tcp_rr, udp_rr, tcp_crr, vsock_rr), 0 for the streams. */
int nk_is_rr(int kind);
/* A row's plan under the options o (--flows, --rate). */
void nk_plan(const struct nk_row *r, const struct vb_opts *o, struct nk_plan *p);
/* Before a window: point t at where it records in m (its own histogram, emptied, when
   there are several flows) and zero its counts. */
void nk_tally_begin(struct nk_tally *t, struct vb_meas *m, int nflows);
/*
 * After a window: merge the flows' tallies (at(arg, i) for i < p->nflows) into m: their
 * histograms, ops and bytes, and the counters flows, lost and stale (udp_rr), target_rate,
 * late_sends and send_lag_mean_ns (--rate). Fails m with the first flow's error; returns
 * it (0, -EINTR, or -errno).
 */
int nk_tally_end(struct vb_meas *m, const struct nk_row *r, const struct nk_plan *p,
                 struct nk_tally *(*at)(void *arg, int i), void *arg);
/*
 * The measured loop's steps (net_flow.c).
 */
/* Record why a flow stopped, "what: reason", in t->err (not for -EINTR); timed_out names
   the peer's 5 s silence whatever ret is. Returns ret. */
int nk_fail(struct nk_tally *t, int ret, int timed_out, const char *what);

/* Open loop (--rate): one flow's intended send times, in ts ticks. */
struct nk_pace {
    uint64_t next;   /* when the next request is due */
    uint64_t period; /* between one flow's requests: nflows / rate */
};
/* Start flow idx's schedule now; the flows are offset evenly over one period. */
void nk_pace_start(struct nk_pace *pc, const struct nk_plan *p, int idx);
/* The wait for pc->next is over: returns that intended time (the transaction's start) and
   moves on by one period; a send later than due adds its lag to t (late_sends past
   NK_LATE_NS). */
uint64_t nk_pace_take(struct nk_pace *pc, struct nk_tally *t);

/* udp_rr: no reply within NK_UDP_TIMEOUT_MS: counts it lost and spends its sequence number.
   1 to go on, or -ETIMEDOUT with t->err set at NK_UDP_MAX_LOST losses in a row. */
int nk_udp_lost(struct nk_tally *t, uint64_t *seq, int *lost_in_row);
/* udp_rr: a datagram of n bytes in rx while waiting for the reply to seq: 0 it is that
   reply, 1 skip it (a late copy of the bind's ack carrying token, or a late reply to an
   earlier request: counted stale), -EPROTO with t->err set (the reply has the wrong size). */
int nk_udp_reply(struct nk_tally *t, const uint8_t *rx, size_t n, uint64_t token, uint64_t seq,
                 const struct nk_plan *p);
/* tcp_crr: check the got bytes read into rx (the reply header and the response to seq):
   0, or -errno with t->err set (the peer refused, closed early, answered out of sequence). */
int nk_crr_check(struct nk_tally *t, const uint8_t *rx, size_t got, uint64_t seq,
                 const struct nk_plan *p);

/* Add the keys every platform's describe ends with (figure, loop, rate_per_s) to d. */
void nk_describe_tail(json_t *d, const struct nk_row *r, double rate);
/* The run context's entry for a peer: its address, whether the run started it (pid), and
   the server and sysinfo of its info reply (info may be NULL: info_error says why). */
json_t *nk_peer_entry(const char *name, int started, long pid, json_t *info, const char *err);
/* The run's network state (o->run->net, a platform's struct net_run of size bytes), made
   zeroed on first use. NULL with why set (no run state, out of memory). */
struct net_run *nk_run_of(const struct vb_opts *o, size_t size, char *why, size_t len);

#endif
