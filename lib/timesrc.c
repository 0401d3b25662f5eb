/*
 * Time-source decision, TSC calibration and the cross-CPU TSC check; see timesrc.h.
 */
#include "timesrc.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct timesrc vb_ts = {
    .kind = TS_CLOCK,
    .ns_per_tick = 1.0,
    .resolution_ns = 1.0,
    .tsc_cross_cpu = -1,
    .name = PF_CLOCK_NAME,
    .reason = "default before ts_init()",
};

static int tsc_is_invariant(void)
{
    struct cpuid_regs r = x86_cpuid(0x80000000u, 0);
    if (r.eax < 0x80000007u)
        return 0;
    r = x86_cpuid(0x80000007u, 0);
    return (r.edx >> 8) & 1;
}

/* One (raw clock, TSC) pair: the TSC read bracketed by the tightest of 7 clock pairs. */
static void pair_sample(double *ns, uint64_t *tsc)
{
    uint64_t best = UINT64_MAX;
    for (int i = 0; i < 7; i++) {
        uint64_t a = pf_clock_raw_ns();
        uint64_t c = x86_tsc_begin();
        uint64_t b = pf_clock_raw_ns();
        if (b - a < best) {
            best = b - a;
            *ns = (double)a + (double)(b - a) / 2;
            *tsc = c;
        }
    }
}

static double calibrate_tsc_hz(void)
{
    double n0, n1;
    uint64_t t0, t1;
    struct timespec d = {0, 40 * 1000 * 1000};

    pair_sample(&n0, &t0);
    while (nanosleep(&d, &d) && errno == EINTR)
        ;
    pair_sample(&n1, &t1);
    if (n1 <= n0 || t1 <= t0)
        return 0;
    return (double)(t1 - t0) * 1e9 / (n1 - n0);
}

/* Cross-CPU check: threads pinned to different CPUs take turns reading the TSC. */
struct xcheck {
    atomic_int lock;
    atomic_int go;
    uint64_t last;
    uint64_t backsteps;
    uint64_t deadline_ns;
    int ready;
};

struct xthread {
    struct xcheck *x;
    int cpu;
    int pinned;
};

static void *xcheck_thread(void *arg)
{
    struct xthread *t = arg;
    struct xcheck *x = t->x;

    t->pinned = pf_pin_thread(t->cpu) == 0;
    while (!atomic_load(&x->go))
        ;
    for (int i = 0; i < 200000; i++) {
        uint64_t now;
        while (atomic_exchange_explicit(&x->lock, 1, memory_order_acquire))
            ;
        now = x86_tsc_begin();
        if (now < x->last)
            x->backsteps++;
        x->last = now;
        atomic_store_explicit(&x->lock, 0, memory_order_release);
        if ((i & 1023) == 0 && pf_clock_ns() > x->deadline_ns)
            break;
    }
    return NULL;
}

/* Returns 1 when no backward step was seen, 0 when one was, -1 when it could not run. */
static int tsc_cross_cpu_check(uint64_t *backsteps)
{
    int n = pf_ncpus(), started = 0, pinned = 0;
    struct xcheck x;
    struct xthread *t;
    pthread_t *tid;

    if (n < 2)
        return -1;
    if (n > 16)
        n = 16;
    memset(&x, 0, sizeof(x));
    x.deadline_ns = pf_clock_ns() + 60 * 1000 * 1000;
    t = calloc((size_t)n, sizeof(*t));
    tid = calloc((size_t)n, sizeof(*tid));
    if (!t || !tid) {
        free(t);
        free(tid);
        return -1;
    }
    for (int i = 0; i < n; i++) {
        t[i].x = &x;
        t[i].cpu = i;
        if (pthread_create(&tid[i], NULL, xcheck_thread, &t[i]) == 0)
            started++;
        else
            break;
    }
    atomic_store(&x.go, 1);
    for (int i = 0; i < started; i++) {
        pthread_join(tid[i], NULL);
        pinned += t[i].pinned;
    }
    free(t);
    free(tid);
    *backsteps = x.backsteps;
    if (started < 2 || pinned < 2)
        return -1;
    return x.backsteps == 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median cost in ns of two back-to-back reads of the chosen source. */
static double measure_overhead(void)
{
    enum { N = 2001 };
    static double d[N];

    for (int i = 0; i < N; i++) {
        uint64_t a = ts_now();
        uint64_t b = ts_now();
        d[i] = ts_to_ns(b - a);
    }
    qsort(d, N, sizeof(d[0]), cmp_double);
    return d[N / 2];
}

int ts_init(enum ts_mode mode, int pinned_cpu)
{
    struct timesrc s = vb_ts;
    const char *why;

    s.tsc_invariant = tsc_is_invariant();
    s.tsc_hz = calibrate_tsc_hz();
    s.tsc_cross_cpu = -1;
    s.tsc_backsteps = 0;
    if (mode == TS_WANT_TSC && (!s.tsc_invariant || s.tsc_hz <= 0))
        return -EINVAL;
    if (s.tsc_invariant && pinned_cpu < 0 && mode == TS_AUTO)
        s.tsc_cross_cpu = tsc_cross_cpu_check(&s.tsc_backsteps);

    if (mode == TS_WANT_CLOCK) {
        s.kind = TS_CLOCK;
        why = "clock requested (--timer clock)";
    } else if (mode == TS_WANT_TSC) {
        s.kind = TS_TSC;
        why = "TSC requested (--timer tsc)";
    } else if (!s.tsc_invariant) {
        s.kind = TS_CLOCK;
        why = "TSC not invariant (CPUID 0x80000007 EDX[8] clear)";
    } else if (s.tsc_hz <= 0) {
        s.kind = TS_CLOCK;
        why = "TSC calibration failed";
    } else if (pinned_cpu >= 0) {
        s.kind = TS_TSC;
        why = "invariant TSC, measuring thread pinned to one CPU";
    } else if (s.tsc_cross_cpu == 0) {
        s.kind = TS_CLOCK;
        why = "TSC not synchronized across CPUs (cross-CPU check saw it step back) and "
              "thread not pinned; use --cpu N to allow the TSC";
    } else {
        s.kind = TS_TSC;
        why = s.tsc_cross_cpu == 1 ? "invariant TSC, cross-CPU check passed"
                                   : "invariant TSC, single CPU";
    }
    if (s.kind == TS_TSC) {
        s.ns_per_tick = 1e9 / s.tsc_hz;
        snprintf(s.name, sizeof(s.name), "tsc");
    } else {
        s.ns_per_tick = 1.0;
        snprintf(s.name, sizeof(s.name), "%s", PF_CLOCK_NAME);
    }
    snprintf(s.reason, sizeof(s.reason), "%s", why);
    vb_ts = s;
    vb_ts.overhead_ns = measure_overhead();
    vb_ts.resolution_ns = vb_ts.kind == TS_TSC ? vb_ts.ns_per_tick : pf_clock_resolution_ns();
    return 0;
}
