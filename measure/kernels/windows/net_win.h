/*
 * The Windows network kernels' peer: where they connect (--peer, or the `viobench serve`
 * the run starts). The Winsock helpers they share with the peer server are
 * measure/peer/windows/net_win_sock.h. Internal to measure/kernels/windows/.
 */
#ifndef VB_NET_WIN_H
#define VB_NET_WIN_H

#include <winsock2.h>
#include <ws2tcpip.h>

#include <jansson.h>
#include <stddef.h>

#include "net.h"
#include "net_win_sock.h"

/* The socket address of a peer (struct nk_peer, net.h). */
#define NETW_SA(p) ((const struct sockaddr *)(p)->addr.sa)
/* The run's peer (the first call starts one when there is no --peer, and records both ends
   in the run context). NULL with the reason in why. */
const struct nk_peer *netw_peer_get(const struct vb_opts *o, char *why, size_t len);
/* 1 while the server the run started (if any) runs; else 0 and why. */
int netw_peer_alive(const struct vb_opts *o, char *why, size_t len);

#endif
