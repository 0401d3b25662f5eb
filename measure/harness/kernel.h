/*
 * The kernel interface: what one row of the benchmark table is and what a kernel may call
 * while it is measured. Modelled on kvm-unit-tests' vmexit tests[] table: each kernel is a
 * row with a stable name, a category, a valid() probe that skips cleanly with a reason, and
 * its run function. The runner (measure/harness/runner.c) does everything else: warm-up, adaptive
 * batching, the measured window, noise accounting, repetitions and output.
 *
 * Two kinds of kernels:
 *  - loop kernels set .batch: run n operations back to back; the runner doubles n until one
 *    batch lasts long enough to amortise the timer, then records batch time / n per sample;
 *  - latency kernels set .sample: run operations while vb_meas_running() and record each
 *    operation's latency with vb_meas_record() (wake-up lateness, I/O completion, RTT).
 */
#ifndef VB_KERNEL_H
#define VB_KERNEL_H

#include <jansson.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "hist.h"
#include "timesrc.h"

#define VB_SUITE_QUICK 1u /* in the quick suite (and the full one) */
#define VB_SUITE_FULL  2u /* in the full suite */

#define VB_K_PROCESS_CPU 1u /* cpu_time from the whole process, not the measuring thread */

/* Run-wide settings kernels may read; filled by `viobench run` (cli/cmd_run.c). */
struct vb_opts {
    double min_time_ns;  /* measured window per kernel and repetition */
    double warmup_ns;    /* warm-up before each window */
    int cpu;             /* CPU the measuring thread is pinned to, or -1 */
    const char *run_dir; /* the run's output directory (exists while kernels run) */
    /* timers */
    double interval_ns;     /* timer/wake: period between wake-ups */
    int rt_priority;        /* timer/wake: SCHED_FIFO priority, 0 for none */
    int switch_clocksource; /* timer/clocksource: allowed to switch the system clocksource */
    /* network (measure/kernels/net.h) */
    const char *peer;       /* net: viobench serve at HOST:PORT; NULL starts one on loopback */
    const char *vsock_peer; /* net/vsock_rr: viobench serve at vsock CID:PORT, or NULL */
    int peer_cpu;           /* CPU for the peer the run starts, or -1 */
    const char *placement;  /* net: client and local peer CPUs (net_place.c); NULL default */
    double rate;            /* net RR kernels: open-loop transactions/s over all flows; 0 closed */
    int flows;              /* net: connections (one thread each) where the row names none */
    int nagle;              /* net tcp: leave Nagle on (default: TCP_NODELAY on both ends) */
    double busy_poll_ns;    /* net: SO_BUSY_POLL on both ends, 0 for none */
    const char *net_io;     /* net: client I/O: "blocking" (NULL), "epoll" or "spin" */
    unsigned suite;         /* VB_SUITE_* bit this run selected (0 when not running) */
    /* storage */
    const char *target;           /* --target DIR|FILE|BLOCKDEV; NULL: a temp dir in run_dir */
    uint64_t target_size;         /* --size in bytes; 0: default (256 MiB quick, 1 GiB full) */
    int allow_destructive_writes; /* writes to a FILE/BLOCKDEV viobench did not create */
    /* the run's module state (struct vb_run_state, below): read-only options, writable state */
    struct vb_run_state *run;
};

struct vb_meas;

/*
 * Run-level state of the kernel modules that keep something across the rows of one run
 * (the storage target, the network peer). Whoever runs kernels owns one per run, zeroed
 * (cli/cmd_run.c; a test), and hands it to every kernel through vb_opts.run; a module
 * creates its part on first use. Each module defines its own struct; no module keeps
 * run-level state in a global.
 */
struct st_run;  /* the storage target (measure/kernels/<os>/storage*_target.c) */
struct net_run; /* the network peer (measure/kernels/<os>/net*_peer.c) */
struct vb_run_state {
    struct st_run *storage;
    struct net_run *net;
};

struct vb_kernel {
    const char *name;     /* stable: "category/kernel/param:value..." */
    const char *category; /* "timer", "exit", "storage", "net" */
    unsigned suites;      /* VB_SUITE_* bits */
    unsigned flags;       /* VB_K_* bits */
    const char *help;     /* one line: what one operation is */
    /* 0 when the kernel can run here; otherwise a one-line reason in why and non-zero. */
    int (*valid)(const struct vb_kernel *k, const struct vb_opts *o, char *why, size_t len);
    /* Optional set-up; *state goes to batch/sample/teardown (without setup, the state is
       .arg). 0, 1 to skip (why filled), or -errno (why filled). */
    int (*setup)(const struct vb_kernel *k, const struct vb_opts *o, void **state, char *why,
                 size_t len);
    /* Loop kernels: n operations back to back. 0 or -errno. */
    int (*batch)(void *state, uint64_t n);
    /* Latency kernels: operations while vb_meas_running(m). 0 or -errno. */
    int (*sample)(void *state, struct vb_meas *m);
    /* Optional: kernel details for the row's "info" (new reference), e.g. what a probe saw. */
    json_t *(*describe)(void *state);
    /* Optional: undo setup. */
    void (*teardown)(void *state);
    const void *arg; /* row parameters (clock id, CPUID leaf, block size ...) */
};

/*
 * One measurement window, as a latency kernel sees it. Public because recording is inline;
 * kernels use the functions below, not the fields.
 */
struct vb_meas {
    struct hist *hist;
    uint64_t deadline;   /* ts ticks */
    uint64_t ops;        /* operations recorded or added */
    uint64_t bytes;      /* bytes moved, for bytes_per_second */
    uint64_t per_sample; /* operations per recorded sample (1 unless batched) */
    int warmup;          /* 1 during the warm-up pass (results discarded) */
    json_t *counters;    /* kernel counters: name -> number */
    json_t *info;        /* kernel details for the row's "info" */
    char error[256];     /* set by vb_meas_fail */
};

/* Set by the first Ctrl-C, SIGTERM or SIGHUP: kernels stop and return promptly. */
extern volatile sig_atomic_t vb_interrupted;
/* The signal that set vb_interrupted (SIGINT, SIGTERM, SIGHUP), 0 before. */
extern volatile sig_atomic_t vb_interrupt_signal;

/* 1 while the window is open (not past its deadline, not interrupted). */
static inline int vb_meas_running(const struct vb_meas *m)
{
    return !vb_interrupted && ts_now() < m->deadline;
}

/* Record one operation that took ns nanoseconds. */
static inline void vb_meas_record(struct vb_meas *m, double ns)
{
    hist_record(m->hist, ns);
    m->ops++;
}

/* Record one sample covering nops operations of ns_per_op each (batched timing). */
static inline void vb_meas_record_batch(struct vb_meas *m, double ns_per_op, uint64_t nops)
{
    hist_record(m->hist, ns_per_op);
    m->ops += nops;
    m->per_sample = nops;
}

/* Count operations and bytes that have no latency sample of their own. */
static inline void vb_meas_add(struct vb_meas *m, uint64_t ops, uint64_t bytes)
{
    m->ops += ops;
    m->bytes += bytes;
}

/* 1 during the warm-up pass. */
static inline int vb_meas_warmup(const struct vb_meas *m)
{
    return m->warmup;
}

/* Set a kernel counter on the row (e.g. "errors", "short_ios", "cpu_per_op_ns"). */
void vb_meas_counter(struct vb_meas *m, const char *name, double value);
/* Set a kernel detail on the row's "info" (steals the reference). */
void vb_meas_info(struct vb_meas *m, const char *key, json_t *value);
/* Mark the window failed with a one-line message; the kernel then returns -errno. */
void vb_meas_fail(struct vb_meas *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Add a run-level fact to context.json under "kernel_context"[key] (steals the reference),
   e.g. the storage device behind the target or the peer's sysinfo. Last write wins. */
void vb_run_context(const char *key, json_t *value);

/*
 * Cleanup that must happen even on Ctrl-C (restore a clocksource, remove a test file).
 * fn runs once: at vb_cleanup_run(id), at the end of the run, or from the signal handler
 * on a second interrupt, so it must be async-signal-safe (write, unlink, close...) and
 * idempotent (the handler runs it again if the signal came while it was running).
 * vb_cleanup_add returns an id > 0 or -ENOSPC.
 */
int vb_cleanup_add(void (*fn)(void *arg), void *arg);
/* Run one cleanup now (if it has not run) and forget it. */
void vb_cleanup_run(int id);
/* Forget one cleanup without running it. */
void vb_cleanup_cancel(int id);
/* Run every pending cleanup, newest first. */
void vb_cleanup_all(void);

/* The benchmark table: every kernel row of this build, in table order. */
size_t vb_kernel_table(const struct vb_kernel *const **rows);
/* The row with this exact name, or NULL. */
const struct vb_kernel *vb_kernel_find(const char *name);

/* Each kernel module exports its rows through a function of this type (measure/kernels/table.c). */
typedef const struct vb_kernel *(*vb_kernel_module_fn)(size_t *n);

/* A kernel module (one family of kernels) as the platform's module list names it: its rows,
   and optionally the check of the options it reads, run once before a run starts: 0, or
   -EINVAL with one line naming the option at fault in msg (no command prefix). */
struct vb_module {
    vb_kernel_module_fn rows;
    int (*check_opts)(const struct vb_opts *o, char *msg, size_t len);
};

/* Every module's check_opts, in table order; the first failure's return and message. */
int vb_kernel_check_opts(const struct vb_opts *o, char *msg, size_t len);

#endif
