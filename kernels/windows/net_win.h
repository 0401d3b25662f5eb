/*
 * Winsock helpers shared by the Windows network kernels (net_win_kernels.c), their peer
 * (net_win_peer.c) and `viobench serve` on Windows (net_win_serve.c): start-up, address
 * resolution, connecting with a timeout, exact sends and receives, and the client side of
 * the handshake and of the udp_rr bind of lib/netproto.h. Internal to kernels/windows/.
 */
#ifndef VB_NET_WIN_H
#define VB_NET_WIN_H

#include <winsock2.h>
#include <ws2tcpip.h>

#include <jansson.h>
#include <stddef.h>

#include "net.h"

#define NETW_IO_TIMEOUT_MS 5000 /* a peer that does not answer within this is an error */

/* WSAStartup once per process. 0 or -errno. */
int netw_init(void);
/* A Winsock error (WSAGetLastError) as an errno value. */
int netw_errno(int wsa);
/* Resolve a (numeric or named) IP address into ss. passive: for bind. 0 or -errno + reason. */
int netw_sockaddr(const struct np_addr *a, int passive, struct sockaddr_storage *ss, int *len,
                  char *err, size_t errlen);
/* "127.0.0.1:7700" or "[::1]:7700" into buf; returns buf. */
const char *netw_sockaddr_str(const struct sockaddr *sa, char *buf, size_t len);
/* Port of an IPv4 or IPv6 address, or set it. */
unsigned netw_port(const struct sockaddr_storage *ss);
void netw_set_port(struct sockaddr_storage *ss, unsigned port);

/* Connect to sa within timeout_ms; a blocking socket, or INVALID_SOCKET with a reason. */
SOCKET netw_connect(const struct sockaddr *sa, int len, int timeout_ms, char *err, size_t errlen);
/* SO_RCVTIMEO and SO_SNDTIMEO in ms (0: none). */
void netw_set_timeouts(SOCKET s, int timeout_ms);
/* send()/recv() exactly n bytes on a blocking socket. 0 or -errno (-EPIPE: the peer closed,
   -ETIMEDOUT: the socket's timeout passed). */
int netw_send_all(SOCKET s, const void *buf, size_t n);
int netw_recv_all(SOCKET s, void *buf, size_t n);
/* np_handshake (lib/netproto.h) on s: send the hello, read the reply and its text. */
int netw_handshake(SOCKET s, const struct np_hello *h, struct np_reply *r, char *text,
                   size_t textlen, char *err, size_t errlen);
/* udp_rr: send the bind datagram carrying token on the UDP socket s (connected to the
   server's UDP port) every NP_BIND_EVERY_MS until the server's ack arrives, at most
   NP_BIND_TRIES times. 0, or -errno with the reason in err. */
int netw_udp_bind(SOCKET s, uint64_t token, char *err, size_t errlen);

/* Where the kernels connect: --peer, or the `viobench serve` the run starts itself. */
struct netw_peer {
    struct sockaddr_storage sa;
    int len;
    char name[160];
    int started;
    int ok, described;
};
/* The run's peer (the first call starts one when there is no --peer, and records both ends
   in the run context). NULL with the reason in why. */
const struct netw_peer *netw_peer_get(const struct vb_opts *o, char *why, size_t len);
/* 1 while the server the run started (if any) runs; else 0 and why. */
int netw_peer_alive(char *why, size_t len);

#endif
