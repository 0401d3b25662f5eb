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

/* A peer: where a kernel connects. */
struct netl_peer {
    struct sockaddr_storage sa;
    socklen_t len;
    char name[160]; /* as the user or the started server wrote it */
    int started;    /* the run started this server */
    int ok, described;
};
/* The run's peer (state in o->run, see kernel.h) for IP kernels (vsock 0) or net/vsock_rr (vsock 1): --peer/--vsock-peer,
   else the `viobench serve` the run starts on first use. The first call per peer records
   it in the run context. NULL with the reason in why. */
const struct netl_peer *netl_peer_get(const struct vb_opts *o, int vsock, char *why, size_t len);
/* 1 while the server the run started (if any) is running; else 0 and why. */
int netl_peer_alive(const struct vb_opts *o, char *why, size_t len);

#endif
