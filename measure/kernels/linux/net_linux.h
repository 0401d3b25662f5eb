/*
 * The Linux network kernels' peer: where the kernels connect (--peer, --vsock-peer, or the
 * `viobench serve` the run starts). The socket helpers they share with the peer server are
 * measure/peer/linux/net_sock.h. Internal to measure/kernels/linux/.
 */
#ifndef VB_NET_LINUX_H
#define VB_NET_LINUX_H

#include <jansson.h>
#include <stddef.h>
#include <sys/socket.h>

#include "net.h"
#include "net_sock.h"

/* The socket address of a peer (struct nk_peer, net.h). */
#define NETL_SA(p) ((const struct sockaddr *)(p)->addr.sa)
/* The run's peer (state in o->run, see kernel.h) for IP kernels (vsock 0) or net/vsock_rr (vsock 1): --peer/--vsock-peer,
   else the `viobench serve` the run starts on first use. The first call per peer records
   it in the run context. NULL with the reason in why. */
const struct nk_peer *netl_peer_get(const struct vb_opts *o, int vsock, char *why, size_t len);
/* 1 while the server the run started (if any) is running; else 0 and why. */
int netl_peer_alive(const struct vb_opts *o, char *why, size_t len);
/* The pid of the server the run started, 0 when there is none (--peer). */
int netl_peer_pid(const struct vb_opts *o);

/* Placement of client and local peer (net_place.c): the mode and the CPUs asked, -1 for
   "left to the scheduler". */
struct netl_place {
    char mode[16]; /* same-cpu, cross-cpu, cross-core, cross-numa, scheduler, explicit, remote */
    int client_cpu, peer_cpu;
};
/* Decide the run's placement from --placement, --cpu, --peer-cpu and the topology (hwloc).
   0, or 1 with why set when the mode cannot be had here (one NUMA node ...). */
int netl_place_resolve(const struct vb_opts *o, struct netl_place *pl, char *why, size_t len);
/* The run's placement, resolved on first use (kept in o->run). NULL with why. */
const struct netl_place *netl_place_get(const struct vb_opts *o, char *why, size_t len);

/* The threads of a process over a window: where they ran and how often they moved. */
#define NETL_WATCH_MAX 64
struct netl_watch_thread {
    int tid, cpu0, cpu1, seen_end;
    double rt0, rt1; /* run time in ms (se.sum_exec_runtime) */
    long mig0, mig1; /* se.nr_migrations, -1 when unreadable */
};
struct netl_watch {
    int pid, n;
    struct netl_watch_thread t[NETL_WATCH_MAX];
};
/* Note every thread of pid (0: nothing to watch) at the window's start. */
void netl_watch_begin(struct netl_watch *w, int pid);
/* The same from a threads report (a remote peer's; NULL: nothing to watch). */
void netl_watch_begin_report(struct netl_watch *w, const struct np_threads *r);
/* At the window's end: the CPUs (a JSON array of numbers, ascending) the threads that did
   the work were on at the start and end of the window, and their migrations in between
   (*migrations, -1 when unknown). When migrations > 0 the list may miss a CPU visited in
   between. */
json_t *netl_watch_end(struct netl_watch *w, long *migrations);
/* The same from the report r taken at the window's end (begun with netl_watch_begin_report). */
json_t *netl_watch_end_report(struct netl_watch *w, const struct np_threads *r, long *migrations);

#endif
