/*
 * Windows timer kernels.
 *
 *   timer/read/qpc               one QueryPerformanceCounter (the clock Windows programs
 *                                time with; on Hyper-V the reference TSC page, elsewhere
 *                                the invariant TSC or a slower emulated counter)
 *   timer/read/precise_filetime  one GetSystemTimePreciseAsFileTime (wall clock, QPC-based)
 *   timer/wake/waitable_timer    a high-resolution waitable timer (CreateWaitableTimerExW
 *                                with CREATE_WAITABLE_TIMER_HIGH_RESOLUTION, Windows 10
 *                                1803+; an ordinary waitable timer where it is refused),
 *                                absolute due times, next += interval each period:
 *                                lateness = now - next, as Linux's clock_nanosleep row;
 *   timer/wake/sleep             Sleep(1): lateness = now - (before + 1 ms). Sleep rounds
 *                                to the system timer resolution, so on a default 15.6 ms
 *                                tick this row shows the tick.
 *
 * The timer resolution in force (NtQueryTimerResolution) is recorded in each wake row's
 * info before and after: another program raising it (timeBeginPeriod) changes what
 * Sleep and ordinary timers do. The rdtsc/rdtscp rows are the portable measure/kernels/timer_tsc.c.
 */
#include "kernel.h"
#include "modules.h"
#include "platform.h"
#include "win_info.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>

#ifndef CREATE_WAITABLE_TIMER_HIGH_RESOLUTION
#define CREATE_WAITABLE_TIMER_HIGH_RESOLUTION 0x00000002
#endif

static int qpc_batch(void *state, uint64_t n)
{
    LARGE_INTEGER c;
    long long sink = 0;
    (void)state;
    for (uint64_t i = 0; i < n; i++) {
        QueryPerformanceCounter(&c);
        sink += c.QuadPart;
    }
    __asm__ __volatile__("" ::"r"(sink));
    return 0;
}

static json_t *qpc_describe(void *state)
{
    LARGE_INTEGER f;
    (void)state;
    QueryPerformanceFrequency(&f);
    return json_pack("{s:I}", "qpc_hz", (json_int_t)f.QuadPart);
}

static int filetime_batch(void *state, uint64_t n)
{
    FILETIME t;
    unsigned long sink = 0;
    (void)state;
    for (uint64_t i = 0; i < n; i++) {
        GetSystemTimePreciseAsFileTime(&t);
        sink += t.dwLowDateTime;
    }
    __asm__ __volatile__("" ::"r"(sink));
    return 0;
}

enum wake_kind { WAKE_TIMER, WAKE_SLEEP };

struct wake_state {
    enum wake_kind kind;
    HANDLE timer;
    int high_res;       /* the timer is CREATE_WAITABLE_TIMER_HIGH_RESOLUTION */
    double interval_ns; /* the period asked for (Sleep: 1 ms) */
    struct pf_sched sched;
    int sched_saved, rt;
    json_t *res_before;
};

static int wake_setup(const struct vb_kernel *k, const struct vb_opts *o, void **state, char *why,
                      size_t len)
{
    struct wake_state *s = calloc(1, sizeof(*s));
    if (!s)
        return -ENOMEM;
    s->kind = *(const enum wake_kind *)k->arg;
    s->interval_ns = s->kind == WAKE_SLEEP ? 1e6 : o->interval_ns;
    if (s->kind == WAKE_TIMER) {
        s->timer = CreateWaitableTimerExW(NULL, NULL, CREATE_WAITABLE_TIMER_HIGH_RESOLUTION,
                                          TIMER_ALL_ACCESS);
        s->high_res = s->timer != NULL;
        if (!s->timer)
            s->timer = CreateWaitableTimerExW(NULL, NULL, 0, TIMER_ALL_ACCESS);
        if (!s->timer) {
            snprintf(why, len, "CreateWaitableTimerExW: error %lu", GetLastError());
            free(s);
            return -EIO;
        }
    }
    if (o->rt_priority > 0) {
        s->sched_saved = pf_sched_get(&s->sched) == 0;
        if (pf_set_rt_priority(o->rt_priority)) {
            snprintf(why, len, "--rt-priority: SetThreadPriority(TIME_CRITICAL) refused");
            if (s->timer)
                CloseHandle(s->timer);
            free(s);
            return 1;
        }
        s->rt = 1;
    }
    s->res_before = win_timer_resolution_json();
    *state = s;
    return 0;
}

static void wake_teardown(void *state)
{
    struct wake_state *s = state;
    if (s->rt && s->sched_saved)
        pf_sched_set(&s->sched);
    if (s->timer)
        CloseHandle(s->timer);
    json_decref(s->res_before);
    free(s);
}

/* QPC now in ns, the clock the due times are set against (not the runner's time source). */
static double now_ns(void)
{
    return (double)pf_clock_ns();
}

static int wake_sample(void *state, struct vb_meas *m)
{
    struct wake_state *s = state;
    double next = now_ns() + s->interval_ns, late;

    while (vb_meas_running(m)) {
        if (s->kind == WAKE_SLEEP) {
            double before = now_ns();
            Sleep(1);
            late = now_ns() - (before + s->interval_ns);
        } else {
            /* relative due time for the time left to `next` (negative: relative, 100 ns);
               absolute FILETIME due times follow the wall clock, which may be adjusted */
            LARGE_INTEGER due;
            double left = next - now_ns();
            due.QuadPart = left > 100 ? -(LONGLONG)(left / 100) : -1;
            if (!SetWaitableTimer(s->timer, &due, 0, NULL, NULL, FALSE)) {
                vb_meas_fail(m, "SetWaitableTimer: error %lu", GetLastError());
                return -EIO;
            }
            if (WaitForSingleObject(s->timer, 5000) != WAIT_OBJECT_0) {
                vb_meas_fail(m, "the waitable timer did not fire within 5 s");
                return -ETIMEDOUT;
            }
            late = now_ns() - next;
            next += s->interval_ns;
            if (now_ns() > next) /* fell behind by a whole period: start again from now */
                next = now_ns() + s->interval_ns;
        }
        vb_meas_record(m, late > 0 ? late : 0);
    }
    return 0;
}

static json_t *wake_describe(void *state)
{
    struct wake_state *s = state;
    json_t *o = json_pack(
        "{s:s, s:f, s:s, s:O, s:o, s:b}", "method",
        s->kind == WAKE_SLEEP ? "Sleep(1), lateness = now - (before + 1 ms)"
        : s->high_res
            ? "high-resolution waitable timer, next += interval, lateness = now - next"
            : "waitable timer (high resolution refused), next += interval, lateness = now - next",
        "interval_ns", s->interval_ns, "clock", "QueryPerformanceCounter",
        "timer_resolution_before", s->res_before ? s->res_before : json_null(),
        "timer_resolution_after", win_timer_resolution_json(), "rt_priority", s->rt);
    if (o && s->kind == WAKE_TIMER)
        json_object_set_new(o, "high_resolution_timer", json_boolean(s->high_res));
    return o;
}

static const enum wake_kind kinds[] = {WAKE_TIMER, WAKE_SLEEP};

static const struct vb_kernel rows[] = {
    {
        .name = "timer/read/qpc",
        .category = "timer",
        .suites = VB_SUITE_QUICK | VB_SUITE_FULL,
        .help = "one QueryPerformanceCounter",
        .batch = qpc_batch,
        .describe = qpc_describe,
    },
    {
        .name = "timer/read/precise_filetime",
        .category = "timer",
        .suites = VB_SUITE_QUICK | VB_SUITE_FULL,
        .help = "one GetSystemTimePreciseAsFileTime",
        .batch = filetime_batch,
    },
    {
        .name = "timer/wake/waitable_timer",
        .category = "timer",
        .suites = VB_SUITE_QUICK | VB_SUITE_FULL,
        .help = "wake-up lateness of a high-resolution waitable timer (--interval period)",
        .setup = wake_setup,
        .sample = wake_sample,
        .describe = wake_describe,
        .teardown = wake_teardown,
        .arg = &kinds[0],
    },
    {
        .name = "timer/wake/sleep",
        .category = "timer",
        .suites = VB_SUITE_QUICK | VB_SUITE_FULL,
        .help = "wake-up lateness of Sleep(1) (rounded to the system timer resolution)",
        .setup = wake_setup,
        .sample = wake_sample,
        .describe = wake_describe,
        .teardown = wake_teardown,
        .arg = &kinds[1],
    },
};

const struct vb_kernel *timer_win_kernels(size_t *n)
{
    *n = sizeof(rows) / sizeof(rows[0]);
    return rows;
}
