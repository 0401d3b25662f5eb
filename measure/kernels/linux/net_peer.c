/*
 * The peer a run's network kernels talk to, and the run's "network" context. Without
 * --peer the run starts `viobench serve` itself as a child process on 127.0.0.1 with an
 * ephemeral port (and on vsock loopback when that transport exists), so the quick suite
 * works anywhere and the server's CPU time stays out of the measuring thread; the child
 * dies with the run (a registered cleanup, and PR_SET_PDEATHSIG if the run is killed). It
 * runs in a process group of its own, so a signal to the run's group (`timeout`, a
 * terminal's Ctrl-C) reaches the run, which stops after its window, and not the peer in
 * the middle of that window.
 * The first kernel to use a peer asks it for its info (its limits, the interface the
 * connection reached and its sysinfo) and records both ends of the path in context.json.
 */
#include "log.h"
#include "net_linux.h"
#include "platform.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define READY_TIMEOUT_MS 15000

/* The run's peer: one per run, in vb_opts.run->net (see kernel.h), made on first use. */
struct net_run {
    struct {
        pid_t pid; /* the started server, 0 when none */
        int cleanup_id;
        int tried;
        char err[256];
        struct nk_peer ip, vsock; /* addresses the started server reported */
    } child;
    struct nk_peer user_ip, user_vsock;
    struct netl_place place; /* client and peer CPUs (net_place.c) */
    int place_state;         /* 0 not resolved, 1 resolved, 2 cannot be had (place_why) */
    char place_why[256];
    json_t *context; /* the run's "network" context, kept and re-published */
};

/* Async-signal-safe: may run from the second Ctrl-C's handler. */
static void stop_child(void *arg)
{
    struct net_run *nr = arg;
    pid_t pid = nr->child.pid;
    if (pid > 0) {
        nr->child.pid = 0;
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
    }
}

/* Read the ready lines of the child until it closes the pipe. */
static int read_ready(int fd, char *buf, size_t len)
{
    size_t got = 0;
    for (;;) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        ssize_t n;
        if (poll(&p, 1, READY_TIMEOUT_MS) != 1)
            return -ETIMEDOUT;
        n = read(fd, buf + got, len - 1 - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
        if (got >= len - 1)
            break;
    }
    buf[got] = 0;
    return got ? 0 : -EPIPE;
}

static int start_child(struct net_run *nr, const struct vb_opts *o, char *why, size_t len)
{
    char fdarg[16], cpuarg[16], lines[512], vwhy[256], *nl;
    const char *argv[16];
    int pfd[2], argc = 0, vsock = netl_vsock_loopback(vwhy, sizeof(vwhy)) == 0, ret, v;
    pid_t pid;

    (void)o; /* the peer's CPU comes from the resolved placement (nr->place) */
    if (pipe2(pfd, O_CLOEXEC)) {
        snprintf(why, len, "starting the peer: pipe: %s", strerror(errno));
        return -errno;
    }
    snprintf(cpuarg, sizeof(cpuarg), "%d", nr->place.peer_cpu);
    argv[argc++] = "viobench";
    argv[argc++] = "serve";
    argv[argc++] = "--listen";
    argv[argc++] = "127.0.0.1:0";
    if (vsock) {
        argv[argc++] = "--listen";
        argv[argc++] = "vsock:1:0";
    }
    argv[argc++] = "--quiet";
    argv[argc++] = "--ready-fd";
    argv[argc++] = fdarg;
    if (nr->place.peer_cpu >= 0) {
        argv[argc++] = "--cpu";
        argv[argc++] = cpuarg;
    }
    argv[argc] = NULL;
    pid = fork();
    if (pid < 0) {
        snprintf(why, len, "starting the peer: fork: %s", strerror(errno));
        close(pfd[0]);
        close(pfd[1]);
        return -errno;
    }
    if (pid == 0) {
        int fd = dup(pfd[1]); /* without close-on-exec */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        setpgid(0, 0);
        snprintf(fdarg, sizeof(fdarg), "%d", fd);
        pf_unpin_thread(); /* not the measuring thread's CPU unless the placement says so */
        execv("/proc/self/exe", (char *const *)argv);
        _exit(127);
    }
    close(pfd[1]);
    nr->child.pid = pid;
    nr->child.cleanup_id = vb_cleanup_add(stop_child, nr);
    ret = read_ready(pfd[0], lines, sizeof(lines));
    close(pfd[0]);
    if (ret) {
        snprintf(why, len, "the peer (viobench serve, pid %d) did not start: %s", (int)pid,
                 ret == -ETIMEDOUT ? "no ready report within 15 s" : "it exited");
        stop_child(nr);
        return ret;
    }
    for (char *line = lines; *line; line = nl + 1) {
        nl = strchr(line, '\n');
        if (!nl)
            break;
        *nl = 0;
        v = strncmp(line, "vsock:", 6) == 0;
        ret = nk_peer_set(v ? &nr->child.vsock : &nr->child.ip, line, 1, v, why, len);
        if (ret)
            return ret;
    }
    if (!nr->child.ip.ok) {
        snprintf(why, len, "the peer reported no IP address");
        return -EPROTO;
    }
    return 0;
}

/* Ask the peer for its info and publish the context with both ends of the path. */
static void describe_peer(struct net_run *nr, const struct nk_peer *p, const char *key)
{
    struct np_hello h = {.test = NP_TEST_INFO};
    struct np_reply r;
    struct sockaddr_storage local;
    char err[256];
    char *text = malloc(NP_TEXT_MAX + 1);
    json_t *info = NULL;
    int fd = text ? netl_connect(NETL_SA(p), (socklen_t)p->addr.len, NETL_IO_TIMEOUT_MS, err,
                                 sizeof(err))
                  : -ENOMEM;

    if (!nr->context)
        nr->context = json_object();
    if (fd >= 0 && netl_handshake(fd, &h, &r, text, NP_TEXT_MAX + 1, err, sizeof(err)) == 0)
        info = json_loads(text, 0, NULL);
    if (fd >= 0)
        close(fd);
    free(text);
    json_object_set_new(
        nr->context, key,
        nk_peer_entry(p->name, p->started, nr->child.pid, info, fd < 0 ? err : "no info reply"));
    json_decref(info);
    if (NETL_SA(p)->sa_family == AF_VSOCK)
        json_object_set_new(nr->context, "vsock_local", netl_vsock_facts());
    else if (netl_local_for(NETL_SA(p), (socklen_t)p->addr.len, &local) == 0)
        json_object_set_new(nr->context, "local", netl_nic_facts((struct sockaddr *)&local));
    vb_run_context("network", json_incref(nr->context));
}

/* The run's peer state, made on first use (net_client.c). NULL with why set. */
static struct net_run *run_of(const struct vb_opts *o, char *why, size_t len)
{
    return nk_run_of(o, sizeof(struct net_run), why, len);
}

const struct nk_peer *netl_peer_get(const struct vb_opts *o, int vsock, char *why, size_t len)
{
    struct net_run *nr = run_of(o, why, len);
    struct nk_peer *p;

    if (!nr)
        return NULL;
    if (vsock && o->vsock_peer) {
        p = &nr->user_vsock;
        if (!p->ok && nk_peer_set(p, o->vsock_peer, 0, 1, why, len))
            return NULL;
    } else if (!vsock && o->peer) {
        p = &nr->user_ip;
        if (!p->ok && nk_peer_set(p, o->peer, 0, 0, why, len))
            return NULL;
    } else {
        if (!nr->child.tried) {
            nr->child.tried = 1;
            /* the placement says where the peer runs; when it cannot be had, no peer */
            if (netl_place_get(o, nr->child.err, sizeof(nr->child.err)) &&
                start_child(nr, o, nr->child.err, sizeof(nr->child.err)))
                vb_err("run: %s", nr->child.err);
        }
        if (nr->child.err[0]) {
            snprintf(why, len, "%s", nr->child.err);
            return NULL;
        }
        p = vsock ? &nr->child.vsock : &nr->child.ip;
        if (!p->ok) {
            snprintf(why, len, "the peer the run started has no %s listener",
                     vsock ? "vsock" : "IP");
            return NULL;
        }
    }
    if (!p->described) {
        p->described = 1;
        describe_peer(nr, p, vsock ? "vsock_peer" : "peer");
    }
    return p;
}

const struct netl_place *netl_place_get(const struct vb_opts *o, char *why, size_t len)
{
    struct net_run *nr = run_of(o, why, len);
    if (!nr)
        return NULL;
    if (nr->place_state == 0)
        nr->place_state =
            netl_place_resolve(o, &nr->place, nr->place_why, sizeof(nr->place_why)) ? 2 : 1;
    if (nr->place_state == 2) {
        snprintf(why, len, "%s", nr->place_why);
        return NULL;
    }
    return &nr->place;
}

int netl_peer_pid(const struct vb_opts *o)
{
    struct net_run *nr = o->run ? o->run->net : NULL;
    return nr ? (int)nr->child.pid : 0;
}

int netl_peer_alive(const struct vb_opts *o, char *why, size_t len)
{
    struct net_run *nr = o->run ? o->run->net : NULL;
    int st;
    if (!nr || nr->child.pid <= 0)
        return 1;
    if (waitpid(nr->child.pid, &st, WNOHANG) == nr->child.pid) {
        snprintf(why, len, "the peer the run started (pid %d) has exited (%s %d)",
                 (int)nr->child.pid, WIFSIGNALED(st) ? "signal" : "status",
                 WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
        nr->child.pid = 0;
        snprintf(nr->child.err, sizeof(nr->child.err), "%s", why);
        return 0;
    }
    return 1;
}
