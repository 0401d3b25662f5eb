/*
 * Linux implementation of the platform seam (platform/platform.h): clocks, CPU affinity,
 * noise counters from /proc, privileges, signals and files.
 */
#include "platform.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

double pf_clock_resolution_ns(void)
{
    struct timespec r;
    if (clock_getres(CLOCK_MONOTONIC, &r))
        return 1;
    return (double)r.tv_sec * 1e9 + (double)r.tv_nsec;
}

int pf_ncpus(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

int pf_pin_thread(int cpu)
{
    cpu_set_t set;
    if (cpu < 0 || cpu >= CPU_SETSIZE)
        return -EINVAL;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
}

int pf_unpin_thread(void)
{
    cpu_set_t set;
    int n = pf_ncpus();
    CPU_ZERO(&set);
    for (int i = 0; i < n && i < CPU_SETSIZE; i++)
        CPU_SET(i, &set);
    return sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
}

int pf_current_cpu(void)
{
    return sched_getcpu();
}

/* Steal ticks (USER_HZ) of "cpuN" (or "cpu" for all) from /proc/stat. */
static int read_steal(int cpu, uint64_t *steal_ns)
{
    char want[32], line[512];
    FILE *f = fopen("/proc/stat", "re");
    int ret = -ENOENT;
    long hz = sysconf(_SC_CLK_TCK);

    if (!f)
        return -errno;
    if (cpu < 0)
        snprintf(want, sizeof(want), "cpu ");
    else
        snprintf(want, sizeof(want), "cpu%d ", cpu);
    while (fgets(line, sizeof(line), f)) {
        unsigned long long v[8] = {0};
        if (strncmp(line, want, strlen(want)) != 0)
            continue;
        if (sscanf(line + strlen(want), "%llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1],
                   &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) >= 8) {
            *steal_ns = (uint64_t)(v[7] * (1e9 / (double)(hz > 0 ? hz : 100)));
            ret = 0;
        }
        break;
    }
    fclose(f);
    return ret;
}

/* Interrupts serviced by one CPU (or all) from /proc/interrupts. */
static int read_irqs(int cpu, uint64_t *irqs)
{
    FILE *f = fopen("/proc/interrupts", "re");
    char *line = NULL;
    size_t cap = 0;
    int ncol = 0;
    uint64_t total = 0;

    if (!f)
        return -errno;
    if (getline(&line, &cap, f) > 0) {
        for (char *p = strtok(line, " \t\n"); p; p = strtok(NULL, " \t\n"))
            ncol++;
    }
    while (getline(&line, &cap, f) > 0) {
        char *p = strchr(line, ':');
        if (!p)
            continue;
        p++;
        for (int c = 0; c < ncol; c++) {
            char *end;
            unsigned long long v;
            while (*p == ' ' || *p == '\t')
                p++;
            if (!isdigit((unsigned char)*p))
                break;
            v = strtoull(p, &end, 10);
            p = end;
            if (cpu < 0 || c == cpu)
                total += v;
        }
    }
    free(line);
    fclose(f);
    *irqs = total;
    return 0;
}

int pf_noise_read(int cpu, struct pf_noise *n)
{
    struct rusage ru;

    memset(n, 0, sizeof(*n));
    n->have_steal = read_steal(cpu, &n->steal_ns) == 0;
    n->have_irqs = read_irqs(cpu, &n->irqs) == 0;
    if (getrusage(RUSAGE_THREAD, &ru))
        return -errno;
    n->invol_csw = (uint64_t)ru.ru_nivcsw;
    n->vol_csw = (uint64_t)ru.ru_nvcsw;
    n->have_csw = 1;
    return 0;
}

static int cpu_ns(int who, uint64_t *user_ns, uint64_t *sys_ns)
{
    struct rusage ru;
    if (getrusage(who, &ru))
        return -errno;
    *user_ns = (uint64_t)ru.ru_utime.tv_sec * 1000000000u + (uint64_t)ru.ru_utime.tv_usec * 1000u;
    *sys_ns = (uint64_t)ru.ru_stime.tv_sec * 1000000000u + (uint64_t)ru.ru_stime.tv_usec * 1000u;
    return 0;
}

int pf_thread_cpu_ns(uint64_t *user_ns, uint64_t *sys_ns)
{
    return cpu_ns(RUSAGE_THREAD, user_ns, sys_ns);
}

int pf_process_cpu_ns(uint64_t *user_ns, uint64_t *sys_ns)
{
    return cpu_ns(RUSAGE_SELF, user_ns, sys_ns);
}

long pf_peak_rss_kib(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru))
        return -1;
    return ru.ru_maxrss;
}

int pf_is_root(void)
{
    return geteuid() == 0;
}

int pf_lock_memory(void)
{
#ifdef MCL_ONFAULT
    if (mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT) == 0)
        return 0;
    if (errno != EINVAL) /* EINVAL: a kernel older than 4.4 */
        return -errno;
#endif
    return mlockall(MCL_CURRENT | MCL_FUTURE) ? -errno : 0;
}

int pf_timer_slack_min(void)
{
    return prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0) ? -errno : 0;
}

int pf_set_rt_priority(int prio)
{
    struct sched_param sp = {.sched_priority = prio};
    if (prio < 1 || prio > 99)
        return -EINVAL;
    return sched_setscheduler(0, SCHED_FIFO, &sp) ? -errno : 0;
}

int pf_unlock_memory(void)
{
    return munlockall() ? -errno : 0;
}

long pf_locked_kib(void)
{
    char buf[4096];
    const char *p;
    int ret = pf_read_text("/proc/self/status", buf, sizeof(buf));
    if (ret)
        return ret;
    p = strstr(buf, "\nVmLck:");
    if (!p)
        return -ENOENT;
    return strtol(p + 7, NULL, 10);
}

long pf_timer_slack_ns(void)
{
    int ret = prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0);
    return ret < 0 ? -errno : ret;
}

int pf_set_timer_slack_ns(long ns)
{
    if (ns < 1)
        return -EINVAL;
    return prctl(PR_SET_TIMERSLACK, (unsigned long)ns, 0, 0, 0) ? -errno : 0;
}

int pf_sched_get(struct pf_sched *s)
{
    struct sched_param sp;
    int policy = sched_getscheduler(0);
    if (policy < 0 || sched_getparam(0, &sp))
        return -errno;
    s->policy = policy & ~SCHED_RESET_ON_FORK;
    s->priority = sp.sched_priority;
    return 0;
}

int pf_sched_set(const struct pf_sched *s)
{
    struct sched_param sp = {.sched_priority = s->priority};
    return sched_setscheduler(0, s->policy, &sp) ? -errno : 0;
}

const char *pf_sched_policy_name(int policy)
{
    switch (policy) {
    case SCHED_OTHER:
        return "SCHED_OTHER";
    case SCHED_FIFO:
        return "SCHED_FIFO";
    case SCHED_RR:
        return "SCHED_RR";
    case SCHED_BATCH:
        return "SCHED_BATCH";
    case SCHED_IDLE:
        return "SCHED_IDLE";
    default:
        return "unknown";
    }
}

int pf_on_interrupt(void (*fn)(int sig))
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = fn;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0; /* no SA_RESTART: blocking calls return EINTR so loops notice */
    if (sigaction(SIGINT, &sa, NULL) || sigaction(SIGTERM, &sa, NULL) ||
        sigaction(SIGHUP, &sa, NULL))
        return -errno;
    return 0;
}

int pf_mkdir_p(const char *path, unsigned mode)
{
    char buf[4096];
    size_t n = strlen(path);

    if (n == 0 || n >= sizeof(buf))
        return -ENAMETOOLONG;
    memcpy(buf, path, n + 1);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = 0;
        if (mkdir(buf, mode) && errno != EEXIST)
            return -errno;
        *p = '/';
    }
    if (mkdir(buf, mode) && errno != EEXIST)
        return -errno;
    {
        struct stat st;
        if (stat(buf, &st))
            return -errno;
        if (!S_ISDIR(st.st_mode))
            return -ENOTDIR;
    }
    return 0;
}

int pf_hostname(char *buf, size_t len)
{
    if (gethostname(buf, len))
        return -errno;
    buf[len - 1] = 0;
    return 0;
}

int pf_read_text(const char *path, char *buf, size_t len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n = 0, total = 0;

    if (fd < 0)
        return -errno;
    while ((size_t)total + 1 < len && (n = read(fd, buf + total, len - 1 - (size_t)total)) > 0)
        total += n;
    close(fd);
    if (n < 0 && total == 0)
        return -EIO;
    buf[total] = 0;
    return 0;
}
