/*
 * The peer of a Windows run's network kernels, and the run's "network" context, as
 * measure/kernels/linux/net_peer.c does on Linux. Without --peer the run starts
 * `viobench.exe serve` itself on 127.0.0.1 with an ephemeral port: a child process whose
 * standard output is a pipe that carries the ready line (--ready-fd 1), placed in a job
 * object that kills it when the run ends however it ends (the Windows counterpart of
 * PR_SET_PDEATHSIG). The first
 * kernel to use a peer asks it for its info and records both ends in context.json.
 */
#include "net_win.h"

#include "log.h"
#include "platform.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define READY_TIMEOUT_MS 15000

/* The run's peer: one per run, in vb_opts.run->net (see kernel.h), made on first use. */
struct net_run {
    struct {
        HANDLE proc, job;
        DWORD pid;
        int tried;
        char err[256];
        struct nk_peer ip;
    } child;
    struct nk_peer user_ip;
    json_t *context;
};

/* Cleanup (kernel.h): async-signal-safe in spirit: two system calls. */
static void stop_child(void *arg)
{
    struct net_run *nr = arg;
    HANDLE p = nr->child.proc;
    if (p) {
        nr->child.proc = NULL;
        TerminateProcess(p, 1);
        WaitForSingleObject(p, 5000);
        CloseHandle(p);
    }
}

/* Read the child's ready output until it closes the pipe or the timeout passes. */
static int read_ready(struct net_run *nr, HANDLE rd, char *buf, size_t len)
{
    size_t got = 0;
    ULONGLONG end = GetTickCount64() + READY_TIMEOUT_MS;
    for (;;) {
        DWORD avail = 0, n = 0;
        if (!PeekNamedPipe(rd, NULL, 0, NULL, &avail, NULL))
            break; /* closed: all read */
        if (!avail) {
            if (GetTickCount64() > end)
                return -ETIMEDOUT;
            if (WaitForSingleObject(nr->child.proc, 10) == WAIT_OBJECT_0 && !avail)
                break;
            continue;
        }
        if (avail > len - 1 - got)
            avail = (DWORD)(len - 1 - got);
        if (!avail || !ReadFile(rd, buf + got, avail, &n, NULL) || n == 0)
            break;
        got += n;
        buf[got] = 0;
        if (strchr(buf, '\n'))
            break; /* one IP listener: one line */
    }
    buf[got] = 0;
    return got ? 0 : -EPIPE;
}

static int start_child(struct net_run *nr, const struct vb_opts *o, char *why, size_t len)
{
    SECURITY_ATTRIBUTES sa = {.nLength = sizeof(sa), .bInheritHandle = TRUE};
    STARTUPINFOA si;
    PROCESS_INFORMATION pi;
    JOBOBJECT_EXTENDED_LIMIT_INFORMATION lim;
    HANDLE rd = NULL, wr = NULL;
    char exe[MAX_PATH], cmd[MAX_PATH + 160], lines[512], *nl;
    int ret;

    if (!GetModuleFileNameA(NULL, exe, sizeof(exe))) {
        snprintf(why, len, "starting the peer: cannot find viobench.exe's own path");
        return -ENOENT;
    }
    if (!CreatePipe(&rd, &wr, &sa, 0)) {
        snprintf(why, len, "starting the peer: CreatePipe: error %lu", GetLastError());
        return -EIO;
    }
    SetHandleInformation(rd, HANDLE_FLAG_INHERIT, 0);
    snprintf(cmd, sizeof(cmd), "\"%s\" serve --listen 127.0.0.1:0 --quiet --ready-fd 1", exe);
    if (o->peer_cpu >= 0)
        snprintf(cmd + strlen(cmd), sizeof(cmd) - strlen(cmd), " --cpu %d", o->peer_cpu);
    memset(&si, 0, sizeof(si));
    si.cb = sizeof(si);
    si.dwFlags = STARTF_USESTDHANDLES;
    si.hStdInput = GetStdHandle(STD_INPUT_HANDLE);
    si.hStdOutput = wr;
    si.hStdError = GetStdHandle(STD_ERROR_HANDLE);
    nr->child.job = CreateJobObjectA(NULL, NULL);
    if (nr->child.job) {
        memset(&lim, 0, sizeof(lim));
        lim.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
        SetInformationJobObject(nr->child.job, JobObjectExtendedLimitInformation, &lim,
                                sizeof(lim));
    }
    if (!CreateProcessA(exe, cmd, NULL, NULL, TRUE, CREATE_SUSPENDED, NULL, NULL, &si, &pi)) {
        snprintf(why, len, "starting the peer: CreateProcess %s: error %lu", exe, GetLastError());
        CloseHandle(rd);
        CloseHandle(wr);
        return -EIO;
    }
    if (nr->child.job)
        AssignProcessToJobObject(nr->child.job, pi.hProcess);
    ResumeThread(pi.hThread);
    CloseHandle(pi.hThread);
    CloseHandle(wr);
    nr->child.proc = pi.hProcess;
    nr->child.pid = pi.dwProcessId;
    vb_cleanup_add(stop_child, nr);
    ret = read_ready(nr, rd, lines, sizeof(lines));
    CloseHandle(rd);
    if (ret) {
        snprintf(why, len, "the peer (viobench serve, pid %lu) did not start: %s",
                 (unsigned long)nr->child.pid,
                 ret == -ETIMEDOUT ? "no ready report within 15 s" : "it exited");
        stop_child(nr);
        return ret;
    }
    nl = strchr(lines, '\n');
    if (nl)
        *nl = 0;
    if (nl > lines && nl[-1] == '\r')
        nl[-1] = 0;
    return nk_peer_set(&nr->child.ip, lines, 1, 0, why, len);
}

static void describe_peer(struct net_run *nr, const struct nk_peer *p)
{
    struct np_hello h = {.test = NP_TEST_INFO};
    struct np_reply r;
    struct sockaddr_storage local;
    int ll = sizeof(local);
    char err[256], name[80];
    char *text = malloc(NP_TEXT_MAX + 1);
    json_t *info = NULL;
    SOCKET s = text ? netw_connect(NETW_SA(p), p->addr.len, NETW_IO_TIMEOUT_MS, err, sizeof(err))
                    : INVALID_SOCKET;

    if (!nr->context)
        nr->context = json_object();
    if (s != INVALID_SOCKET) {
        if (getsockname(s, (struct sockaddr *)&local, &ll) == 0)
            json_object_set_new(
                nr->context, "local",
                json_pack("{s:s}", "address",
                          netw_sockaddr_str((struct sockaddr *)&local, name, sizeof(name))));
        if (netw_handshake(s, &h, &r, text, NP_TEXT_MAX + 1, err, sizeof(err)) == 0)
            info = json_loads(text, 0, NULL);
        closesocket(s);
    }
    free(text);
    json_object_set_new(nr->context, "peer",
                        nk_peer_entry(p->name, p->started, (long)nr->child.pid, info,
                                      s == INVALID_SOCKET ? err : "no info reply"));
    json_decref(info);
    vb_run_context("network", json_incref(nr->context));
}

/* The run's peer state, made on first use (net_client.c). NULL with why set. */
static struct net_run *run_of(const struct vb_opts *o, char *why, size_t len)
{
    return nk_run_of(o, sizeof(struct net_run), why, len);
}

const struct nk_peer *netw_peer_get(const struct vb_opts *o, char *why, size_t len)
{
    struct net_run *nr = run_of(o, why, len);
    struct nk_peer *p;

    if (!nr)
        return NULL;
    if (o->peer) {
        p = &nr->user_ip;
        if (!p->ok && nk_peer_set(p, o->peer, 0, 0, why, len))
            return NULL;
    } else {
        if (!nr->child.tried) {
            nr->child.tried = 1;
            if (start_child(nr, o, nr->child.err, sizeof(nr->child.err)))
                vb_err("run: %s", nr->child.err);
        }
        if (nr->child.err[0]) {
            snprintf(why, len, "%s", nr->child.err);
            return NULL;
        }
        p = &nr->child.ip;
    }
    if (!p->described) {
        p->described = 1;
        describe_peer(nr, p);
    }
    return p;
}

int netw_peer_alive(const struct vb_opts *o, char *why, size_t len)
{
    struct net_run *nr = o->run ? o->run->net : NULL;
    DWORD code;
    if (!nr || !nr->child.proc)
        return 1;
    if (WaitForSingleObject(nr->child.proc, 0) == WAIT_OBJECT_0) {
        GetExitCodeProcess(nr->child.proc, &code);
        snprintf(why, len, "the peer the run started (pid %lu) has exited (status %lu)",
                 (unsigned long)nr->child.pid, (unsigned long)code);
        CloseHandle(nr->child.proc);
        nr->child.proc = NULL;
        snprintf(nr->child.err, sizeof(nr->child.err), "%s", why);
        return 0;
    }
    return 1;
}
