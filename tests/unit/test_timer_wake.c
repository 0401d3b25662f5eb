/*
 * timer/wake/...: each wake kernel runs a short window through the kernel table API (setup,
 * sample, describe, teardown) and must record plausible, non-negative lateness, report the
 * settings it used, restore the thread's timer slack, scheduling and memory locking, and
 * return promptly when interrupted in the middle of a long sleep.
 */
#include "check.h"
#include "kernel.h"
#include "platform.h"
#include "units.h"

#include <math.h>
#include <signal.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

static const char *const names[] = {"timer/wake/clock_nanosleep", "timer/wake/nanosleep",
                                    "timer/wake/timerfd", "timer/wake/epoll"};

struct window {
    struct vb_meas m;
    json_t *info; /* describe() after the window */
    int ret;
    double secs;
};

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* setup, one window of window_ns, describe, teardown. Returns setup's result. */
static int run_window(const struct vb_kernel *k, const struct vb_opts *o, double window_ns,
                      struct window *w, char *why, size_t len)
{
    void *state = NULL;
    int ret = k->setup(k, o, &state, why, len);
    double t0;

    memset(&w->m, 0, sizeof(w->m));
    w->info = NULL;
    if (ret)
        return ret;
    w->m.hist = hist_new();
    w->m.counters = json_object();
    w->m.info = json_object();
    w->m.per_sample = 1;
    w->m.deadline = ts_now() + ts_from_ns(window_ns);
    t0 = now_s();
    w->ret = k->sample(state, &w->m);
    w->secs = now_s() - t0;
    w->info = k->describe(state);
    k->teardown(state);
    return 0;
}

static void free_window(struct window *w)
{
    hist_free(w->m.hist);
    json_decref(w->m.counters);
    json_decref(w->m.info);
    json_decref(w->info);
}

static double num(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

static const char *str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

static void check_window(const char *name, struct vb_opts *o)
{
    const struct vb_kernel *k = vb_kernel_find(name);
    struct pf_sched before, after;
    long slack_before = pf_timer_slack_ns(), locked_before = pf_locked_kib();
    struct window w;
    char why[256] = "";
    int ret;

    CHECK(k != NULL, "%s is not in the table", name);
    if (!k)
        return;
    CHECK(k->sample && !k->batch && k->setup && k->teardown && k->describe,
          "%s: latency kernel with setup/teardown/describe", name);
    CHECK(k->valid(k, o, why, sizeof(why)) == 0, "%s: valid: %s", name, why);
    pf_sched_get(&before);
    ret = run_window(k, o, 0.15 * NS_PER_S, &w, why, sizeof(why));
    CHECK(ret == 0, "%s: setup %d: %s", name, ret, why);
    if (ret)
        return;
    CHECK(w.ret == 0, "%s: sample returned %d (%s)", name, w.ret, w.m.error);
    /* 150 ms at 1 ms: about 150 wake-ups; a loaded machine still manages a few. */
    CHECK(hist_count(w.m.hist) >= 5, "%s: only %llu samples", name,
          (unsigned long long)hist_count(w.m.hist));
    CHECK(w.m.ops == hist_count(w.m.hist), "%s: ops %llu vs samples", name,
          (unsigned long long)w.m.ops);
    CHECK(hist_min(w.m.hist) >= 0, "%s: negative lateness %.0f ns", name, hist_min(w.m.hist));
    CHECK(hist_max(w.m.hist) < 1e9, "%s: a wake-up 1 s late (%.0f ns)", name, hist_max(w.m.hist));
    CHECK(w.m.hist->underflow == 0, "%s: %llu wake-ups before the deadline", name,
          (unsigned long long)w.m.hist->underflow);
    CHECK(json_is_object(w.info), "%s: describe gave no object", name);
    CHECK(num(w.info, "interval_ns") == o->interval_ns, "%s: interval_ns %f", name,
          num(w.info, "interval_ns"));
    CHECK(num(w.info, "early_wakeups") == 0, "%s: early wake-ups", name);
    CHECK(strcmp(str(w.info, "clock"), "CLOCK_MONOTONIC") == 0, "%s: clock '%s'", name,
          str(w.info, "clock"));
    CHECK(json_is_boolean(json_object_get(w.info, "memory_locked")), "%s: memory_locked", name);
    CHECK(json_is_true(json_object_get(w.info, "memory_locked")) ||
              json_object_get(w.info, "mlock_error"),
          "%s: mlock failed without a reason", name);
    CHECK(*str(w.info, "method"), "%s: no method", name);
    if (o->rt_priority == 0) {
        CHECK(strcmp(str(w.info, "sched_policy"), pf_sched_policy_name(before.policy)) == 0,
              "%s: policy '%s'", name, str(w.info, "sched_policy"));
        CHECK(num(w.info, "timer_slack_ns") == 1, "%s: timer slack %f", name,
              num(w.info, "timer_slack_ns"));
    } else {
        CHECK(strcmp(str(w.info, "sched_policy"), "SCHED_FIFO") == 0, "%s: policy '%s'", name,
              str(w.info, "sched_policy"));
        CHECK(num(w.info, "rt_priority") == o->rt_priority, "%s: rt_priority %f", name,
              num(w.info, "rt_priority"));
    }
    /* Teardown put everything back. */
    pf_sched_get(&after);
    CHECK(after.policy == before.policy && after.priority == before.priority,
          "%s: scheduling not restored (%s %d)", name, pf_sched_policy_name(after.policy),
          after.priority);
    CHECK(pf_timer_slack_ns() == slack_before, "%s: timer slack %ld, was %ld", name,
          pf_timer_slack_ns(), slack_before);
    if (locked_before == 0)
        CHECK(pf_locked_kib() == 0, "%s: %ld KiB still locked", name, pf_locked_kib());
    free_window(&w);
}

static void on_alarm(int sig)
{
    (void)sig;
    vb_interrupted = 1;
}

/* A 5 s interval and a 60 s window: a Ctrl-C after 100 ms must end the wait (EINTR). */
static void check_interrupt(const char *name)
{
    const struct vb_kernel *k = vb_kernel_find(name);
    struct vb_opts o = {.interval_ns = 5 * NS_PER_S};
    struct itimerval it = {.it_value = {.tv_usec = 100000}};
    struct sigaction sa;
    struct window w;
    char why[256] = "";
    int ret;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_alarm; /* no SA_RESTART, as the real handler */
    sigaction(SIGALRM, &sa, NULL);
    vb_interrupted = 0;
    setitimer(ITIMER_REAL, &it, NULL);
    ret = run_window(k, &o, 60 * NS_PER_S, &w, why, sizeof(why));
    CHECK(ret == 0, "%s: setup: %s", name, why);
    if (ret == 0) {
        CHECK(w.ret == 0, "%s: interrupted sample returned %d", name, w.ret);
        CHECK(w.secs < 4, "%s: took %.1f s to notice the interrupt", name, w.secs);
        CHECK(num(w.info, "interrupted_waits") >= 1, "%s: no interrupted wait counted", name);
        CHECK(hist_count(w.m.hist) == 0, "%s: an interrupted wait was recorded", name);
        free_window(&w);
    }
    vb_interrupted = 0;
}

static void check_epoll_rounding(void)
{
    const struct vb_kernel *k = vb_kernel_find("timer/wake/epoll");
    struct vb_opts o = {.interval_ns = 1.5 * NS_PER_MS};
    void *state = NULL;
    char why[256];
    json_t *d;

    CHECK(k->setup(k, &o, &state, why, sizeof(why)) == 0, "epoll setup: %s", why);
    d = k->describe(state);
    CHECK(num(d, "timeout_ms") == 2, "1.5 ms rounds up to a 2 ms timeout, got %f",
          num(d, "timeout_ms"));
    CHECK(num(d, "period_ns") == 2e6, "epoll period %f", num(d, "period_ns"));
    CHECK(num(d, "interval_ns") == 1.5e6, "asked interval kept: %f", num(d, "interval_ns"));
    json_decref(d);
    k->teardown(state);
}

int main(void)
{
    struct vb_opts o = {.min_time_ns = 0.15 * NS_PER_S, .cpu = -1, .interval_ns = NS_PER_MS};
    struct pf_sched s0, s;
    char why[256] = "";
    const struct vb_kernel *k = vb_kernel_find(names[0]);

    pf_sched_get(&s0);
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        check_window(names[i], &o);

    /* --rt-priority: runs under SCHED_FIFO where allowed, else a clean skip with the reason. */
    o.rt_priority = 50;
    if (k->valid(k, &o, why, sizeof(why)) == 0) {
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
            check_window(names[i], &o);
    } else {
        void *state = NULL;
        CHECK(!pf_is_root(), "root was refused SCHED_FIFO: %s", why);
        CHECK(strstr(why, "SCHED_FIFO priority 50 refused") != NULL, "reason: %s", why);
        CHECK(k->setup(k, &o, &state, why, sizeof(why)) == 1, "setup must skip too");
    }
    pf_sched_get(&s);
    CHECK(s.policy == s0.policy, "policy left at %s", pf_sched_policy_name(s.policy));
    o.rt_priority = 0;

    check_epoll_rounding();
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        check_interrupt(names[i]);
    return check_done("test_timer_wake");
}
