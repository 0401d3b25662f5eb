/*
 * timer/wake/<method>: wake-up latency, the time from when a sleeping thread should have
 * woken to when it runs again, for the four ways Linux programs wait for time:
 *
 *   clock_nanosleep  absolute deadline on CLOCK_MONOTONIC, next += interval each period,
 *                    lateness = now - next: cyclictest's loop, so the two agree;
 *   nanosleep        relative sleep of one interval: lateness = now - (before + interval);
 *   timerfd          a periodic CLOCK_MONOTONIC timerfd: read() it, lateness = now - expiry;
 *   epoll            epoll_wait() timing out on a set that never becomes ready. epoll takes
 *                    whole milliseconds, so the interval is rounded up to a whole ms (at
 *                    least 1 ms) and lateness = now - (before + timeout). The kernel starts
 *                    its timeout after the system-call entry, so this row also carries the
 *                    entry cost (well under a microsecond) that the others do not.
 *
 * Under a hypervisor a wake-up is a chain of timer emulation (LAPIC TSC-deadline or
 * Hyper-V synthetic timers), interrupt injection and vCPU scheduling, so these numbers are
 * where pairings differ most. Time is read with clock_gettime(CLOCK_MONOTONIC) directly,
 * the clock the kernel sleeps on, not the runner's time source.
 *
 * Set-up locks memory, sets the thread's timer slack to its minimum (the default 50 us
 * would dominate), and with --rt-priority N runs under SCHED_FIFO (or skips with the reason
 * when refused). Teardown restores all three, so later kernels run as before. The settings
 * used go into the row's info.
 */
#include "kernel.h"
#include "modules.h"
#include "platform.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define NSEC 1000000000LL

enum wake_kind { WAKE_ABS, WAKE_REL, WAKE_TIMERFD, WAKE_EPOLL };

struct wake_row {
    enum wake_kind kind;
    const char *method; /* for info: what one wait is */
};

struct wake_state {
    const struct wake_row *row;
    double interval_ns;  /* what the user asked for */
    long long period_ns; /* what the kernel sleeps (epoll: whole ms) */
    int timeout_ms;      /* epoll only */
    int fd;              /* timerfd or epoll instance, or -1 */
    int pipe_fd[2];      /* epoll: a pipe that is never written, so never ready */
    int mlock_ret;       /* pf_lock_memory() result */
    int unlock;          /* we locked memory and nobody had before: unlock at teardown */
    long slack_before;   /* timer slack to restore, or -errno */
    long slack_now;      /* timer slack while measuring, or -errno */
    int slack_ret;       /* pf_timer_slack_min() result */
    int sched_changed;   /* restore sched_before at teardown */
    struct pf_sched sched_before, sched_now;
    int rt_priority; /* requested, 0 for none */
    /* per pass (warm-up or measured window) */
    uint64_t missed; /* periods skipped because a wake-up came a whole period late */
    uint64_t early;  /* wake-ups before the deadline (should never happen) */
    uint64_t eintr;  /* waits interrupted by a signal */
};

static long long mono_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * NSEC + t.tv_nsec;
}

static struct timespec to_ts(long long ns)
{
    struct timespec t = {.tv_sec = (time_t)(ns / NSEC), .tv_nsec = (long)(ns % NSEC)};
    return t;
}

static void record(struct wake_state *s, struct vb_meas *m, long long late_ns)
{
    if (late_ns < 0)
        s->early++;
    vb_meas_record(m, (double)late_ns);
}

/* cyclictest's loop: absolute deadlines one period apart; a wake-up later than a whole
   period skips the deadlines already past, as cyclictest does. */
static int wake_abs(struct wake_state *s, struct vb_meas *m)
{
    long long next = mono_ns() + s->period_ns, now;
    struct timespec t;
    int ret;

    while (vb_meas_running(m)) {
        t = to_ts(next);
        ret = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL);
        if (ret == EINTR) {
            s->eintr++;
            continue;
        }
        if (ret) {
            vb_meas_fail(m, "clock_nanosleep: %s", strerror(ret));
            return -ret;
        }
        now = mono_ns();
        record(s, m, now - next);
        next += s->period_ns;
        while (now > next) {
            next += s->period_ns;
            s->missed++;
        }
    }
    return 0;
}

static int wake_rel(struct wake_state *s, struct vb_meas *m)
{
    struct timespec rel = to_ts(s->period_ns);
    long long before, now;

    while (vb_meas_running(m)) {
        before = mono_ns();
        if (nanosleep(&rel, NULL)) {
            if (errno == EINTR) {
                s->eintr++;
                continue;
            }
            vb_meas_fail(m, "nanosleep: %s", strerror(errno));
            return -errno;
        }
        now = mono_ns();
        record(s, m, now - (before + s->period_ns));
    }
    return 0;
}

static int timerfd_arm(int fd, long long first_ns, long long period_ns)
{
    struct itimerspec its = {.it_value = to_ts(first_ns), .it_interval = to_ts(period_ns)};
    return timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL) ? -errno : 0;
}

/* A periodic timerfd: each read() returns how many expiries passed since the last one;
   lateness is measured against the first of them (the one that should have woken us). */
static int wake_timerfd(struct wake_state *s, struct vb_meas *m)
{
    long long expiry = mono_ns() + s->period_ns, now;
    uint64_t n;
    ssize_t got;
    int ret = timerfd_arm(s->fd, expiry, s->period_ns);

    if (ret) {
        vb_meas_fail(m, "timerfd_settime: %s", strerror(-ret));
        return ret;
    }
    while (vb_meas_running(m)) {
        got = read(s->fd, &n, sizeof(n));
        if (got < 0 && errno == EINTR) {
            s->eintr++;
            continue;
        }
        if (got != (ssize_t)sizeof(n) || n == 0) {
            ret = got < 0 ? -errno : -EIO;
            vb_meas_fail(m, "read(timerfd): %s", strerror(-ret));
            break;
        }
        now = mono_ns();
        record(s, m, now - expiry);
        expiry += (long long)n * s->period_ns;
        s->missed += n - 1;
    }
    timerfd_arm(s->fd, 0, 0); /* disarm */
    return ret;
}

static int wake_epoll(struct wake_state *s, struct vb_meas *m)
{
    long long timeout_ns = (long long)s->timeout_ms * 1000000LL, before, now;
    struct epoll_event ev;
    int n;

    while (vb_meas_running(m)) {
        before = mono_ns();
        n = epoll_wait(s->fd, &ev, 1, s->timeout_ms);
        now = mono_ns();
        if (n < 0 && errno == EINTR) {
            s->eintr++;
            continue;
        }
        if (n != 0) {
            int err = n < 0 ? errno : EPROTO;
            vb_meas_fail(m, "epoll_wait: %s", n < 0 ? strerror(err) : "an idle pipe became ready");
            return -err;
        }
        record(s, m, now - (before + timeout_ns));
    }
    return 0;
}

static int wake_sample(void *state, struct vb_meas *m)
{
    struct wake_state *s = state;

    s->missed = s->early = s->eintr = 0;
    switch (s->row->kind) {
    case WAKE_ABS:
        return wake_abs(s, m);
    case WAKE_REL:
        return wake_rel(s, m);
    case WAKE_TIMERFD:
        return wake_timerfd(s, m);
    case WAKE_EPOLL:
        return wake_epoll(s, m);
    }
    return -EINVAL;
}

/* Why SCHED_FIFO at this priority is refused here, or 0 when it is allowed. Leaves the
   thread's scheduling as it was. */
static int rt_refused(int prio, char *why, size_t len)
{
    struct pf_sched old;
    int ret = pf_sched_get(&old);

    if (ret == 0) {
        ret = pf_set_rt_priority(prio);
        if (ret == 0)
            pf_sched_set(&old);
    }
    if (ret == 0)
        return 0;
    snprintf(why, len, "SCHED_FIFO priority %d refused: %s%s", prio, strerror(-ret),
             ret == -EPERM ? " (needs root, CAP_SYS_NICE or RLIMIT_RTPRIO, and real-time "
                             "CPU time in this cgroup)"
                           : "");
    return 1;
}

static int wake_valid(const struct vb_kernel *k, const struct vb_opts *o, char *why, size_t len)
{
    (void)k;
    if (o->rt_priority > 0)
        return rt_refused(o->rt_priority, why, len);
    return 0;
}

static void wake_free(struct wake_state *s)
{
    if (s->fd >= 0)
        close(s->fd);
    if (s->pipe_fd[0] >= 0)
        close(s->pipe_fd[0]);
    if (s->pipe_fd[1] >= 0)
        close(s->pipe_fd[1]);
    free(s);
}

/* Create the timerfd or the epoll set. 0 or -errno with the failing call in why. */
static int wake_open(struct wake_state *s, char *why, size_t len)
{
    struct epoll_event ev = {.events = EPOLLIN};

    if (s->row->kind == WAKE_TIMERFD) {
        s->fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
        if (s->fd < 0) {
            snprintf(why, len, "timerfd_create(CLOCK_MONOTONIC)");
            return -errno;
        }
    } else if (s->row->kind == WAKE_EPOLL) {
        s->fd = epoll_create1(EPOLL_CLOEXEC);
        if (s->fd < 0) {
            snprintf(why, len, "epoll_create1");
            return -errno;
        }
        if (pipe2(s->pipe_fd, O_CLOEXEC)) {
            snprintf(why, len, "pipe2");
            return -errno;
        }
        if (epoll_ctl(s->fd, EPOLL_CTL_ADD, s->pipe_fd[0], &ev)) {
            snprintf(why, len, "epoll_ctl");
            return -errno;
        }
    }
    return 0;
}

static int wake_setup(const struct vb_kernel *k, const struct vb_opts *o, void **state, char *why,
                      size_t len)
{
    struct wake_state *s = calloc(1, sizeof(*s));
    long locked_before;
    int ret;

    if (!s)
        return -ENOMEM;
    s->row = k->arg;
    s->fd = s->pipe_fd[0] = s->pipe_fd[1] = -1;
    s->interval_ns = o->interval_ns > 0 ? o->interval_ns : 1e6;
    s->period_ns = llround(s->interval_ns);
    if (s->period_ns < 1)
        s->period_ns = 1;
    if (s->row->kind == WAKE_EPOLL) {
        double ms = ceil(s->interval_ns / 1e6);
        s->timeout_ms = ms < 1 ? 1 : ms > 1e7 ? 10000000 : (int)ms;
        s->period_ns = (long long)s->timeout_ms * 1000000LL;
    }
    ret = wake_open(s, why, len);
    if (ret) {
        wake_free(s);
        return ret;
    }
    s->rt_priority = o->rt_priority;
    s->slack_before = pf_timer_slack_ns(); /* before SCHED_FIFO, which reports 0 */
    if (o->rt_priority > 0) {
        ret = pf_sched_get(&s->sched_before);
        if (ret == 0)
            ret = pf_set_rt_priority(o->rt_priority);
        if (ret) {
            rt_refused(o->rt_priority, why, len);
            wake_free(s);
            return 1;
        }
        s->sched_changed = 1;
    }
    locked_before = pf_locked_kib();
    s->mlock_ret = pf_lock_memory();
    s->unlock = s->mlock_ret == 0 && locked_before == 0;
    s->slack_ret = pf_timer_slack_min();
    s->slack_now = pf_timer_slack_ns();
    if (pf_sched_get(&s->sched_now))
        s->sched_now.policy = -1;
    *state = s;
    return 0;
}

static void wake_teardown(void *state)
{
    struct wake_state *s = state;

    if (s->sched_changed)
        pf_sched_set(&s->sched_before);
    if (s->slack_ret == 0 && s->slack_before > 0)
        pf_set_timer_slack_ns(s->slack_before);
    if (s->unlock)
        pf_unlock_memory();
    wake_free(s);
}

static json_t *wake_describe(void *state)
{
    struct wake_state *s = state;
    json_t *d =
        json_pack("{s:s, s:s, s:f, s:I, s:b, s:s, s:i, s:I, s:I, s:I}", "method", s->row->method,
                  "clock", "CLOCK_MONOTONIC", "interval_ns", s->interval_ns, "period_ns",
                  (json_int_t)s->period_ns, "memory_locked", s->mlock_ret == 0, "sched_policy",
                  s->sched_now.policy < 0 ? "unknown" : pf_sched_policy_name(s->sched_now.policy),
                  "rt_priority", s->sched_now.policy < 0 ? 0 : s->sched_now.priority,
                  "missed_periods", (json_int_t)s->missed, "early_wakeups", (json_int_t)s->early,
                  "interrupted_waits", (json_int_t)s->eintr);
    if (!d)
        return NULL;
    if (s->mlock_ret)
        json_object_set_new(d, "mlock_error", json_string(strerror(-s->mlock_ret)));
    /* Real-time threads have no slack: the kernel reports 0 for them. */
    if (s->slack_ret == 0 && s->slack_now >= 0)
        json_object_set_new(d, "timer_slack_ns", json_integer(s->slack_now));
    else
        json_object_set_new(
            d, "timer_slack_error",
            json_string(strerror(s->slack_ret ? -s->slack_ret : (int)-s->slack_now)));
    if (s->row->kind == WAKE_EPOLL)
        json_object_set_new(d, "timeout_ms", json_integer(s->timeout_ms));
    return d;
}

static const struct wake_row wake_rows[] = {
    {WAKE_ABS, "clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME)"},
    {WAKE_REL, "nanosleep (relative)"},
    {WAKE_TIMERFD, "timerfd (CLOCK_MONOTONIC, periodic) + read"},
    {WAKE_EPOLL, "epoll_wait timeout (whole ms) on an idle pipe"},
};

#define WAKE_ROW(nm, i, what)                                                                    \
    {                                                                                            \
        .name = "timer/wake/" nm, .category = "timer", .suites = VB_SUITE_QUICK | VB_SUITE_FULL, \
        .help = "lateness of one wake-up from " what, .valid = wake_valid, .setup = wake_setup,  \
        .sample = wake_sample, .describe = wake_describe, .teardown = wake_teardown,             \
        .arg = &wake_rows[i],                                                                    \
    }

static const struct vb_kernel rows[] = {
    WAKE_ROW("clock_nanosleep", 0, "clock_nanosleep(TIMER_ABSTIME) (cyclictest's method)"),
    WAKE_ROW("nanosleep", 1, "a relative nanosleep"),
    WAKE_ROW("timerfd", 2, "a periodic timerfd"),
    WAKE_ROW("epoll", 3, "an epoll_wait timeout"),
};

const struct vb_kernel *timer_wake_kernels(size_t *n)
{
    *n = sizeof(rows) / sizeof(rows[0]);
    return rows;
}
