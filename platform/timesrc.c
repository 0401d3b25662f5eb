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

/*
 * Cross-CPU check: two threads pinned to CPU 0 and CPU i hand a token back and forth; each
 * reads the TSC when it holds the token and compares it with the value the other CPU wrote
 * just before handing over. Any backward step means the TSCs are offset by more than one
 * hand-over; the shortest hand-over seen bounds what the check can detect.
 */
#define XCHECK_HANDOFFS 20000

struct xcheck {
    atomic_int turn; /* 0 or 1: which thread holds the token */
    atomic_int ready;
    uint64_t last; /* TSC written by the previous holder */
    uint64_t backsteps;
    uint64_t min_gap; /* smallest forward step seen (cycles) */
    int cpu[2];
    int pinned[2];
};

struct xarg {
    struct xcheck *x;
    int me;
};

static void *xcheck_thread(void *arg)
{
    struct xarg *a = arg;
    struct xcheck *x = a->x;
    int me = a->me;
    uint64_t deadline;

    x->pinned[me] = pf_pin_thread(x->cpu[me]) == 0;
    atomic_fetch_add(&x->ready, 1);
    while (atomic_load(&x->ready) < 2)
        ;
    deadline = pf_clock_ns() + 100 * 1000 * 1000;
    for (int i = 0; i < XCHECK_HANDOFFS; i++) {
        uint64_t now;
        unsigned spins = 0;
        /* The deadline is checked while waiting, whatever i is: the other thread may have
           given up already and will never hand the token back. */
        while (atomic_load_explicit(&x->turn, memory_order_acquire) != me)
            if ((++spins & 1023) == 0 && pf_clock_ns() > deadline)
                return NULL; /* the other thread stalled: give up, counted as not run */
        now = x86_tsc_end();
        if (i || me) {
            if (now < x->last)
                x->backsteps++;
            else if (now - x->last < x->min_gap)
                x->min_gap = now - x->last;
        }
        x->last = now;
        atomic_store_explicit(&x->turn, !me, memory_order_release);
    }
    return NULL;
}

/* Returns 1 when no backward step was seen, 0 when one was, -1 when it could not run.
   *min_gap gets the shortest hand-over in TSC cycles (the check's sensitivity). */
static int tsc_cross_cpu_check(uint64_t *backsteps, uint64_t *min_gap)
{
    int n = pf_ncpus(), ran = 0;

    *backsteps = 0;
    *min_gap = UINT64_MAX;
    if (n > 16)
        n = 16;
    for (int c = 1; c < n; c++) {
        struct xcheck x;
        struct xarg args[2];
        pthread_t tid[2];
        memset(&x, 0, sizeof(x));
        x.min_gap = UINT64_MAX;
        x.cpu[0] = 0;
        x.cpu[1] = c;
        for (int t = 0; t < 2; t++) {
            args[t].x = &x;
            args[t].me = t;
        }
        if (pthread_create(&tid[0], NULL, xcheck_thread, &args[0]))
            break;
        if (pthread_create(&tid[1], NULL, xcheck_thread, &args[1])) {
            atomic_fetch_add(&x.ready, 1); /* release the first thread; it times out */
            pthread_join(tid[0], NULL);
            break;
        }
        pthread_join(tid[0], NULL);
        pthread_join(tid[1], NULL);
        if (!x.pinned[0] || !x.pinned[1])
            continue;
        ran++;
        *backsteps += x.backsteps;
        if (x.min_gap < *min_gap)
            *min_gap = x.min_gap;
    }
    if (!ran)
        return -1;
    return *backsteps == 0;
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
    s.tsc_check_sensitivity_ns = 0;
    if (s.tsc_invariant && pinned_cpu < 0 && mode == TS_AUTO && pf_ncpus() > 1) {
        uint64_t gap;
        s.tsc_cross_cpu = tsc_cross_cpu_check(&s.tsc_backsteps, &gap);
        if (s.tsc_cross_cpu >= 0 && gap != UINT64_MAX && s.tsc_hz > 0)
            s.tsc_check_sensitivity_ns = (double)gap * 1e9 / s.tsc_hz;
    }

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
