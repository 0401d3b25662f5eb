/*
 * Linux socket helpers shared by the peer server (measure/peer/linux/net_serve*.c) and the
 * network kernels above it (measure/kernels/linux/net_*.c): address resolution, the facts
 * about the interface a path uses (driver, MTU, offloads) and about vsock transports, and
 * the client side of the handshake.
 */
#ifndef VB_NET_SOCK_H
#define VB_NET_SOCK_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "netproto.h"

#define NETL_IO_TIMEOUT_MS 5000 /* a peer that does not answer within this is an error */

/* Resolve a (numeric or named) address into ss. passive: for bind. 0 or -errno + reason. */
int netl_sockaddr(const struct np_addr *a, int passive, struct sockaddr_storage *ss, socklen_t *len,
                  char *err, size_t errlen);
/* "127.0.0.1:7700", "[::1]:7700" or "vsock:3:7700" into buf; returns buf. */
const char *netl_sockaddr_str(const struct sockaddr *sa, char *buf, size_t len);
/* The local address the kernel routes to peer from (a UDP connect; no packet is sent). */
int netl_local_for(const struct sockaddr *peer, socklen_t len, struct sockaddr_storage *local);

/* Facts about the interface owning local address sa: name, driver, MTU, speed, queues,
   offloads (ethtool ioctls), or the vsock transports for AF_VSOCK. New object, never NULL
   unless out of memory. */
json_t *netl_nic_facts(const struct sockaddr *sa);
/* The vsock transports loaded and this machine's CID. New object. */
json_t *netl_vsock_facts(void);
/* 0 when AF_VSOCK loopback (VMADDR_CID_LOCAL) can be bound here; else 1 and why. */
int netl_vsock_loopback(char *why, size_t len);

/* Client side: connect to a, with a timeout. Returns a blocking fd or -errno + reason. */
int netl_connect(const struct sockaddr *sa, socklen_t len, int timeout_ms, char *err,
                 size_t errlen);
/* Set SO_SNDTIMEO and SO_RCVTIMEO. */
int netl_set_timeouts(int fd, int timeout_ms);
/* np_handshake (lib/netproto.h) on fd: send the hello, read the reply and its text. */
int netl_handshake(int fd, const struct np_hello *h, struct np_reply *r, char *text, size_t textlen,
                   char *err, size_t errlen);
/* udp_rr: send the bind datagram carrying token on the UDP socket fd (connected to the
   server's UDP port) every NP_BIND_EVERY_MS until the server's ack arrives, at most
   NP_BIND_TRIES times (np_udp_bind). 0, or -errno with the reason in err. */
int netl_udp_bind(int fd, uint64_t token, char *err, size_t errlen);
/* The threads report (NP_TEST_THREADS) of process pid from /proc: 0 or -errno (the first
   NP_THREADS_MAX threads when there are more). net_threads.c. */
int netl_threads_read(int pid, struct np_threads *r);
/* Ask the server at sa for its threads report: 0, or -errno with the reason in err
   (-ECONNREFUSED "unknown test": a server older than the report). */
int netl_threads_ask(const struct sockaddr *sa, socklen_t len, struct np_threads *r, char *err,
                     size_t errlen);
/* send()/recv() exactly n bytes on a blocking socket (MSG_NOSIGNAL). 0 or -errno (-EPIPE
   for a peer that closed). */
int netl_send_all(int fd, const void *buf, size_t n);
int netl_recv_all(int fd, void *buf, size_t n);

#endif
