/*
 * Winsock helpers shared by the Windows peer server (measure/peer/windows/net_win_serve*.c)
 * and the Windows network kernels above it (measure/kernels/windows/net_win_*.c): start-up,
 * errors, addresses, connect with a timeout, whole sends and receives, the client side of
 * the handshake and of the udp_rr bind.
 */
#ifndef VB_NET_WIN_SOCK_H
#define VB_NET_WIN_SOCK_H

#include <winsock2.h>
#include <ws2tcpip.h>

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "netproto.h"

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

#endif
