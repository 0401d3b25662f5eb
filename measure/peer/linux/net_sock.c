/*
 * Linux socket helpers for the network kernels and the peer server: address resolution,
 * connect with a time limit, the client half of the handshake and of the UDP bind, and the
 * facts that name a
 * network path in context.json: the interface behind a local address (driver, MTU, link
 * speed, queues, and the offloads the kernel reports through the ethtool ioctls, so no
 * ethtool binary is needed), and the vsock transports.
 */
#include "net_sock.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <libgen.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <linux/vm_sockets.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

int netl_sockaddr(const struct np_addr *a, int passive, struct sockaddr_storage *ss, socklen_t *len,
                  char *err, size_t errlen)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
    int ret;

    memset(ss, 0, sizeof(*ss));
    if (a->kind == NP_ADDR_VSOCK) {
        struct sockaddr_vm *v = (struct sockaddr_vm *)ss;
        v->svm_family = AF_VSOCK;
        v->svm_cid = a->cid;
        v->svm_port = a->port;
        *len = sizeof(*v);
        return 0;
    }
    hints.ai_flags = passive ? AI_PASSIVE : 0;
    ret = getaddrinfo(a->host, NULL, &hints, &res);
    if (ret || !res) {
        snprintf(err, errlen, "cannot resolve '%s': %s", a->host, gai_strerror(ret));
        return -EINVAL;
    }
    memcpy(ss, res->ai_addr, res->ai_addrlen);
    *len = res->ai_addrlen;
    freeaddrinfo(res);
    if (ss->ss_family == AF_INET)
        ((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)a->port);
    else if (ss->ss_family == AF_INET6)
        ((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)a->port);
    return 0;
}

const char *netl_sockaddr_str(const struct sockaddr *sa, char *buf, size_t len)
{
    char host[INET6_ADDRSTRLEN] = "?";
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host));
        snprintf(buf, len, "%s:%u", host, ntohs(s4->sin_port));
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
        inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
        snprintf(buf, len, "[%s]:%u", host, ntohs(s6->sin6_port));
    } else if (sa->sa_family == AF_VSOCK) {
        const struct sockaddr_vm *v = (const struct sockaddr_vm *)sa;
        snprintf(buf, len, "vsock:%u:%u", v->svm_cid, v->svm_port);
    } else {
        snprintf(buf, len, "family-%d", sa->sa_family);
    }
    return buf;
}

int netl_local_for(const struct sockaddr *peer, socklen_t len, struct sockaddr_storage *local)
{
    socklen_t ll = sizeof(*local);
    int ret = 0, fd = socket(peer->sa_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    if (connect(fd, peer, len) || getsockname(fd, (struct sockaddr *)local, &ll))
        ret = -errno;
    close(fd);
    return ret;
}

static int read_int(const char *path, long *v)
{
    char buf[64];
    FILE *f = fopen(path, "r");
    int ok;
    if (!f)
        return -errno;
    ok = fgets(buf, sizeof(buf), f) != NULL;
    fclose(f);
    if (!ok)
        return -EIO;
    *v = strtol(buf, NULL, 10);
    return 0;
}

static int ethtool(int fd, const char *ifname, void *cmd)
{
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
    ifr.ifr_data = cmd;
    return ioctl(fd, SIOCETHTOOL, &ifr) ? -errno : 0;
}

/* The offloads (ethtool "features") that are on, by their kernel names. */
static json_t *offloads_on(int fd, const char *ifname)
{
    struct {
        struct ethtool_sset_info hdr;
        uint32_t n;
    } ss = {.hdr = {.cmd = ETHTOOL_GSSET_INFO, .sset_mask = 1ull << ETH_SS_FEATURES}};
    struct ethtool_gstrings *names = NULL;
    struct ethtool_gfeatures *feat = NULL;
    json_t *list = NULL;
    uint32_t n, blocks;

    if (ethtool(fd, ifname, &ss) || !ss.hdr.sset_mask || ss.n == 0 || ss.n > 4096)
        return NULL;
    n = ss.n;
    blocks = (n + 31) / 32;
    names = calloc(1, sizeof(*names) + (size_t)n * ETH_GSTRING_LEN);
    feat = calloc(1, sizeof(*feat) + blocks * sizeof(feat->features[0]));
    if (!names || !feat)
        goto out;
    names->cmd = ETHTOOL_GSTRINGS;
    names->string_set = ETH_SS_FEATURES;
    names->len = n;
    feat->cmd = ETHTOOL_GFEATURES;
    feat->size = blocks;
    if (ethtool(fd, ifname, names) || ethtool(fd, ifname, feat))
        goto out;
    list = json_array();
    for (uint32_t i = 0; list && i < n; i++)
        if (feat->features[i / 32].active & (1u << (i % 32))) {
            char name[ETH_GSTRING_LEN + 1];
            memcpy(name, names->data + (size_t)i * ETH_GSTRING_LEN, ETH_GSTRING_LEN);
            name[ETH_GSTRING_LEN] = 0;
            json_array_append_new(list, json_string(name));
        }
out:
    free(names);
    free(feat);
    return list;
}

static int count_queues(const char *ifname, const char *prefix)
{
    char path[128], sub[160];
    int n = 0;
    for (int i = 0; i < 1024; i++) {
        struct stat st;
        snprintf(path, sizeof(path), "/sys/class/net/%s/queues", ifname);
        snprintf(sub, sizeof(sub), "%s/%s%d", path, prefix, i);
        if (stat(sub, &st))
            break;
        n++;
    }
    return n;
}

/* Facts about one interface by name. */
static void iface_facts(json_t *o, const char *ifname, unsigned flags)
{
    char path[160], link[256] = "";
    struct ethtool_drvinfo di = {.cmd = ETHTOOL_GDRVINFO};
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    long v;
    ssize_t n;

    json_object_set_new(o, "interface", json_string(ifname));
    snprintf(path, sizeof(path), "/sys/class/net/%s/device/driver", ifname);
    n = readlink(path, link, sizeof(link) - 1);
    if (n > 0) {
        link[n] = 0;
        json_object_set_new(o, "driver", json_string(basename(link)));
    }
    if (fd >= 0 && ethtool(fd, ifname, &di) == 0) {
        if (n <= 0 && di.driver[0])
            json_object_set_new(o, "driver", json_string(di.driver));
        if (di.version[0])
            json_object_set_new(o, "driver_version", json_string(di.version));
        if (di.bus_info[0])
            json_object_set_new(o, "bus_info", json_string(di.bus_info));
        if (di.fw_version[0])
            json_object_set_new(o, "firmware", json_string(di.fw_version));
    }
    if (!json_object_get(o, "driver") && (flags & IFF_LOOPBACK))
        json_object_set_new(o, "driver", json_string("loopback"));
    snprintf(path, sizeof(path), "/sys/class/net/%s/mtu", ifname);
    if (read_int(path, &v) == 0)
        json_object_set_new(o, "mtu", json_integer(v));
    snprintf(path, sizeof(path), "/sys/class/net/%s/speed", ifname);
    if (read_int(path, &v) == 0 && v > 0)
        json_object_set_new(o, "speed_mbps", json_integer(v));
    json_object_set_new(o, "rx_queues", json_integer(count_queues(ifname, "rx-")));
    json_object_set_new(o, "tx_queues", json_integer(count_queues(ifname, "tx-")));
    if (fd >= 0) {
        json_t *off = offloads_on(fd, ifname);
        if (off)
            json_object_set_new(o, "offloads_on", off);
        close(fd);
    }
}

static int same_ip(const struct sockaddr *a, const struct sockaddr *b)
{
    if (!a || !b || a->sa_family != b->sa_family)
        return 0;
    if (a->sa_family == AF_INET)
        return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
               ((const struct sockaddr_in *)b)->sin_addr.s_addr;
    if (a->sa_family == AF_INET6)
        return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
                      &((const struct sockaddr_in6 *)b)->sin6_addr, 16) == 0;
    return 0;
}

json_t *netl_nic_facts(const struct sockaddr *sa)
{
    struct ifaddrs *ifa = NULL;
    char host[INET6_ADDRSTRLEN] = "?";
    json_t *o;

    if (sa->sa_family == AF_VSOCK)
        return netl_vsock_facts();
    o = json_object();
    if (!o)
        return NULL;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, host, sizeof(host));
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, host, sizeof(host));
    json_object_set_new(o, "address", json_string(host));
    if (getifaddrs(&ifa) == 0) {
        for (struct ifaddrs *i = ifa; i; i = i->ifa_next)
            if (same_ip(i->ifa_addr, sa)) {
                iface_facts(o, i->ifa_name, i->ifa_flags);
                break;
            }
        freeifaddrs(ifa);
    }
    if (!json_object_get(o, "interface"))
        json_object_set_new(o, "interface", json_null());
    return o;
}

json_t *netl_vsock_facts(void)
{
    static const char *const mods[] = {"vmw_vsock_virtio_transport", "hv_sock",
                                       "vmw_vsock_vmci_transport", "vsock_loopback", "vhost_vsock"};
    json_t *o = json_object(), *t = json_array();
    char path[96];
    struct stat st;
    int fd;

    for (size_t i = 0; t && i < sizeof(mods) / sizeof(mods[0]); i++) {
        snprintf(path, sizeof(path), "/sys/module/%s", mods[i]);
        if (stat(path, &st) == 0)
            json_array_append_new(t, json_string(mods[i]));
    }
    json_object_set_new(o, "transports", t);
    json_object_set_new(o, "device", json_boolean(stat("/dev/vsock", &st) == 0));
    fd = open("/dev/vsock", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        unsigned cid = 0;
        if (ioctl(fd, IOCTL_VM_SOCKETS_GET_LOCAL_CID, &cid) == 0)
            json_object_set_new(o, "local_cid", json_integer(cid));
        close(fd);
    }
    return o;
}

int netl_vsock_loopback(char *why, size_t len)
{
    struct sockaddr_vm a = {
        .svm_family = AF_VSOCK, .svm_cid = VMADDR_CID_LOCAL, .svm_port = VMADDR_PORT_ANY};
    int fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0), ret = 0;
    if (fd < 0) {
        snprintf(why, len, "no AF_VSOCK here (%s): the vsock module is not loaded",
                 strerror(errno));
        return 1;
    }
    if (bind(fd, (struct sockaddr *)&a, sizeof(a))) {
        snprintf(why, len,
                 "no vsock loopback transport (%s; vsock_loopback is not loaded) and no "
                 "--vsock-peer CID:PORT was given",
                 strerror(errno));
        ret = 1;
    }
    close(fd);
    return ret;
}

int netl_set_timeouts(int fd, int timeout_ms)
{
    struct timeval tv = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};
    if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)))
        return -errno;
    return 0;
}

int netl_connect(const struct sockaddr *sa, socklen_t len, int timeout_ms, char *err, size_t errlen)
{
    char name[160];
    int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0), e = 0;
    socklen_t el = sizeof(e);
    struct pollfd p;

    netl_sockaddr_str(sa, name, sizeof(name));
    if (fd < 0) {
        e = errno;
        snprintf(err, errlen, "socket for %s: %s", name, strerror(e));
        return -e;
    }
    if (connect(fd, sa, len) && errno != EINPROGRESS) {
        e = errno;
        goto fail;
    }
    p.fd = fd;
    p.events = POLLOUT;
    if (poll(&p, 1, timeout_ms) != 1) {
        e = ETIMEDOUT;
        goto fail;
    }
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el) || e)
        goto fail;
    if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)) {
        e = errno;
        goto fail;
    }
    netl_set_timeouts(fd, timeout_ms);
    return fd;
fail:
    snprintf(err, errlen, "cannot connect to %s: %s", name, strerror(e ? e : EIO));
    close(fd);
    return -(e ? e : EIO);
}

int netl_send_all(int fd, const void *buf, size_t n)
{
    const char *p = buf;
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int netl_recv_all(int fd, void *buf, size_t n)
{
    char *p = buf;
    while (n) {
        ssize_t r = recv(fd, p, n, MSG_WAITALL);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return errno == EWOULDBLOCK ? -ETIMEDOUT : -errno;
        }
        if (r == 0)
            return -EPIPE;
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

static int fd_send(void *conn, const void *buf, size_t n)
{
    return netl_send_all(*(int *)conn, buf, n);
}

static int fd_recv(void *conn, void *buf, size_t n)
{
    return netl_recv_all(*(int *)conn, buf, n);
}

int netl_handshake(int fd, const struct np_hello *h, struct np_reply *r, char *text, size_t textlen,
                   char *err, size_t errlen)
{
    struct np_io io = {.conn = &fd, .send_all = fd_send, .recv_all = fd_recv};
    return np_handshake(&io, h, r, text, textlen, err, errlen);
}

/* np_dgram_io over a connected UDP socket (conn points at the descriptor). Errors of an
   earlier datagram (ECONNREFUSED from its ICMP report), a full buffer or a signal are tried
   again at the next round. */
static int dgram_send(void *conn, const void *buf, size_t n)
{
    if (send(*(int *)conn, buf, n, MSG_NOSIGNAL) >= 0 || errno == EINTR || errno == EAGAIN ||
        errno == ENOBUFS || errno == ECONNREFUSED)
        return 0;
    return -errno;
}

static int dgram_recv_wait(void *conn, void *buf, size_t n, int timeout_ms)
{
    struct pollfd p = {.fd = *(int *)conn, .events = POLLIN};
    ssize_t r;
    if (poll(&p, 1, timeout_ms) != 1)
        return 0;
    r = recv(p.fd, buf, n, MSG_DONTWAIT);
    return r > 0 ? (int)r : 0;
}

static uint64_t dgram_now_ms(void *conn)
{
    struct timespec t;
    (void)conn;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

int netl_udp_bind(int fd, uint64_t token, char *err, size_t errlen)
{
    struct np_dgram_io io = {
        .conn = &fd, .send = dgram_send, .recv_wait = dgram_recv_wait, .now_ms = dgram_now_ms};
    return np_udp_bind(&io, token, err, errlen);
}
