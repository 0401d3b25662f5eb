/*
 * The peer server, `viobench serve`: what it is asked to do and its entry point. It answers
 * every network kernel over the wire protocol of lib/netproto.h and measures nothing, so it
 * sits in a folder of its own in the measurement layer: measure/peer/<os>/ implements it per
 * platform (with the socket helpers both ends share), cli/cmd_serve.c drives it, and the
 * client kernels (measure/kernels/) start it as a child process and connect to it.
 */
#ifndef VB_PEER_H
#define VB_PEER_H

#include <stdint.h>

#include "netproto.h"

#define NET_MAX_LISTEN      8
#define NET_DEFAULT_PORT    7700
#define NET_DEFAULT_CONNS   1024
#define NET_DEFAULT_MAX_MSG (1u << 20)

/* What `viobench serve` was asked to do. */
struct net_serve_cfg {
    struct np_addr listen[NET_MAX_LISTEN];
    int nlisten;
    int max_conns;               /* connections held at once; one more is refused politely */
    uint64_t max_msg;            /* largest request or response in bytes (<= NP_MSG_LIMIT) */
    double idle_timeout_ns;      /* close a connection without progress for this long */
    double handshake_timeout_ns; /* refuse a connection without a complete hello by then */
    double duration_ns;          /* stop after this long; 0 runs until SIGINT/SIGTERM */
    int ready_fd;                /* write the bound addresses here, one a line, then close; -1 */
    int quiet;                   /* no start/stop lines on stderr */
    int cpu;                     /* pin the server to this CPU, or -1 */
    int max_workers;             /* threads that take over busy data connections; 0 none */
    const char *sysinfo_json;    /* this machine's sysinfo (compact JSON) for info requests */
};

/*
 * Run the server until SIGINT/SIGTERM or the duration ends. Prints its own one-line errors
 * (naming the --listen address at fault). Returns 0, or -errno when it could not start.
 */
int net_serve(const struct net_serve_cfg *cfg);

#endif
