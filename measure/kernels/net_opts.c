/*
 * The network options of `viobench run`, checked once before any kernel runs (the net
 * module's check_opts hook, see modules.c) so that a typo is a usage error (exit 2) naming
 * the option, not a failed row. Portable: the same options drive the Linux and Windows
 * kernels.
 */
#include "modules.h"
#include "net.h"
#include "platform.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define MAX_FLOWS 256
#define MAX_RATE  10e6 /* transactions per second over all flows */

int net_io_mode(const char *name)
{
    if (!name || strcmp(name, "blocking") == 0)
        return NET_IO_BLOCKING;
    if (strcmp(name, "epoll") == 0)
        return NET_IO_EPOLL;
    if (strcmp(name, "spin") == 0)
        return NET_IO_SPIN;
    return -EINVAL;
}

const char *net_io_name(int mode)
{
    switch (mode) {
    case NET_IO_EPOLL:
        return "epoll";
    case NET_IO_SPIN:
        return "spin";
    default:
        return "blocking";
    }
}

int net_vsock_addr(const char *s, struct np_addr *a, char *err, size_t len)
{
    char buf[300];
    if (s && strncmp(s, "vsock:", 6) != 0) { /* "CID:PORT" */
        snprintf(buf, sizeof(buf), "vsock:%s", s);
        s = buf;
    }
    if (np_addr_parse(s, a, err, len))
        return -EINVAL;
    if (a->cid == NP_VSOCK_ANY_CID || a->port == NP_VSOCK_ANY_PORT) {
        snprintf(err, len, "'%s': give both CID and port (CID:PORT)", s);
        return -EINVAL;
    }
    return 0;
}

int net_check_opts(const struct vb_opts *o, char *msg, size_t len)
{
    struct np_addr a;
    char err[300];

    if (o->peer &&
        (np_addr_parse(o->peer, &a, err, sizeof(err)) || a.kind != NP_ADDR_IP || a.port == 0)) {
        if (a.kind == NP_ADDR_VSOCK)
            snprintf(err, sizeof(err), "'%s' is a vsock address (use --vsock-peer)", o->peer);
        else if (a.kind == NP_ADDR_IP && a.port == 0)
            snprintf(err, sizeof(err), "'%s': port 0 is not a peer's port", o->peer);
        snprintf(msg, len, "--peer: %s", err);
        return -EINVAL;
    }
    if (o->vsock_peer && net_vsock_addr(o->vsock_peer, &a, err, sizeof(err))) {
        snprintf(msg, len, "--vsock-peer: %s", err);
        return -EINVAL;
    }
    if (o->flows < 0 || o->flows > MAX_FLOWS) {
        snprintf(msg, len, "--flows: %d is out of range (1-%d)", o->flows, MAX_FLOWS);
        return -EINVAL;
    }
    if (o->rate < 0 || o->rate > MAX_RATE) {
        snprintf(msg, len, "--rate: %g/s is out of range (up to 10M/s)", o->rate);
        return -EINVAL;
    }
    if (net_io_mode(o->net_io) < 0) {
        snprintf(msg, len, "--net-io: unknown mode '%s' (expected blocking, epoll or spin)",
                 o->net_io);
        return -EINVAL;
    }
    if (o->busy_poll_ns < 0 || o->busy_poll_ns > NP_BUSY_MAX * 1e3) {
        snprintf(msg, len, "--busy-poll: must be between 0 and %u us", NP_BUSY_MAX);
        return -EINVAL;
    }
    if (o->placement && strcmp(o->placement, "same-cpu") && strcmp(o->placement, "cross-cpu") &&
        strcmp(o->placement, "cross-core") && strcmp(o->placement, "cross-numa") &&
        strcmp(o->placement, "scheduler")) {
        snprintf(msg, len,
                 "--placement: unknown mode '%s' (expected same-cpu, cross-cpu, cross-core, "
                 "cross-numa or scheduler)",
                 o->placement);
        return -EINVAL;
    }
    if (o->placement && o->peer) {
        snprintf(msg, len,
                 "--placement: places the peer the run starts, not --peer %s (use --cpu "
                 "for the client)",
                 o->peer);
        return -EINVAL;
    }
    if (o->peer_cpu < -1 || o->peer_cpu >= pf_ncpus()) {
        snprintf(msg, len, "--peer-cpu: CPU %d does not exist here (0-%d)", o->peer_cpu,
                 pf_ncpus() - 1);
        return -EINVAL;
    }
    return 0;
}
