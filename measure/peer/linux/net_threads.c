/*
 * The threads report of the wire protocol (NP_TEST_THREADS, lib/netproto.h) on Linux: where
 * each thread of a process is and what it has done so far, read from
 * /proc/<pid>/task/<tid>/{stat,sched}. The server sends its own on request; a client reads
 * the one of a peer it started directly and asks a remote `viobench serve` for its own, so
 * a row records the peer's CPUs during the window either way (measure/kernels/linux/net_place.c).
 */
#include "net_sock.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* One thread's CPU (the stat file's processor field), run time and migrations; 0 or -1. */
static int read_thread(int pid, int tid, struct np_thread *t)
{
    char path[96], buf[4096], *p;
    FILE *f;
    size_t n;
    int cpu;

    snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", pid, tid);
    if (!(f = fopen(path, "r")))
        return -1;
    n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = 0;
    p = strrchr(buf, ')'); /* the name may hold spaces */
    if (!p)
        return -1;
    /* after ") ": field 3 (state) ... field 39 (processor) */
    for (int field = 2; field < 39 && p; field++)
        p = strchr(p + 1, ' ');
    if (!p || sscanf(p + 1, "%d", &cpu) != 1)
        return -1;
    t->tid = (uint32_t)tid;
    t->cpu = cpu >= 0 && (unsigned)cpu < NP_CPU_LIMIT ? (uint32_t)cpu : NP_CPU_UNKNOWN;
    t->runtime_ns = 0;
    t->migrations = -1;
    snprintf(path, sizeof(path), "/proc/%d/task/%d/sched", pid, tid);
    if ((f = fopen(path, "r"))) {
        while (fgets(buf, sizeof(buf), f)) {
            double ms;
            if (strncmp(buf, "se.sum_exec_runtime", 19) == 0 && (p = strchr(buf, ':')) &&
                (ms = atof(p + 1)) > 0)
                t->runtime_ns = (uint64_t)(ms * 1e6);
            else if (strncmp(buf, "se.nr_migrations", 16) == 0 && (p = strchr(buf, ':')))
                t->migrations = atol(p + 1);
        }
        fclose(f);
    }
    return 0;
}

int netl_threads_read(int pid, struct np_threads *r)
{
    char path[64];
    DIR *d;
    struct dirent *e;

    memset(r, 0, sizeof(*r));
    snprintf(path, sizeof(path), "/proc/%d/task", pid);
    if (!(d = opendir(path)))
        return -errno;
    while ((e = readdir(d)) && r->n < NP_THREADS_MAX) {
        int tid = atoi(e->d_name);
        if (tid > 0 && read_thread(pid, tid, &r->t[r->n]) == 0)
            r->n++;
    }
    closedir(d);
    return 0;
}

int netl_threads_ask(const struct sockaddr *sa, socklen_t len, struct np_threads *r, char *err,
                     size_t errlen)
{
    struct np_hello h = {.test = NP_TEST_THREADS};
    struct np_reply rep;
    char text[NP_THREADS_BYTES + 1];
    int ret, fd = netl_connect(sa, len, NETL_IO_TIMEOUT_MS, err, errlen);

    if (fd < 0)
        return fd;
    ret = netl_handshake(fd, &h, &rep, text, sizeof(text), err, errlen);
    close(fd);
    if (ret)
        return ret;
    if (rep.text_len > NP_THREADS_BYTES) {
        snprintf(err, errlen, "threads report of %u bytes is over the limit of %u", rep.text_len,
                 (unsigned)NP_THREADS_BYTES);
        return -EPROTO;
    }
    return np_threads_parse((const uint8_t *)text, rep.text_len, r, err, errlen);
}
