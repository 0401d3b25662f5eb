/*
 * The network part that more than one layer needs: the peer server (`viobench serve`,
 * bench/cmd_serve.c drives it, each platform implements it) and the check of a run's
 * network options (bench/cmd_run.c calls it). The kernels themselves and their socket
 * helpers are platform files (kernels/linux/net_*.c); the wire protocol is lib/netproto.h.
 */
#ifndef VB_NET_H
#define VB_NET_H

#include <stdint.h>

#include "kernel.h"
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
    uint32_t max_msg;            /* largest request or response in bytes */
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

/*
 * Check the network options of a run (--peer, --vsock-peer, --flows, --rate, --net-io,
 * --busy-poll, --peer-cpu): prints one line naming the option at fault. 0 or -EINVAL.
 */
int net_check_opts(const struct vb_opts *o);

/* Parse a vsock peer, "CID:PORT" or "vsock:CID:PORT" (both required). 0 or -EINVAL with
   the reason in err. */
int net_vsock_addr(const char *s, struct np_addr *a, char *err, size_t len);

/* Client I/O modes (--net-io). */
enum net_io { NET_IO_BLOCKING = 0, NET_IO_EPOLL = 1, NET_IO_SPIN = 2 };
/* The mode named by --net-io (NULL is blocking), or -EINVAL. */
int net_io_mode(const char *name);
/* Stable name of a mode. */
const char *net_io_name(int mode);

#endif
