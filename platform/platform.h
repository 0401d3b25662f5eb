/*
 * The operating-system seam. Everything that differs between Linux and Windows guests
 * (clocks, CPU pinning, noise counters, privileges, signals, files) is declared here and
 * implemented once per OS in platform/<os>/; the Makefile's PLATFORM variable is the one
 * place that chooses. Hot-path functions are inline in platform/<os>/pf_inline.h.
 *
 * All functions return 0 or -errno unless stated otherwise.
 */
#ifndef VB_PLATFORM_H
#define VB_PLATFORM_H

#include <stddef.h>
#include <stdint.h>

#include "pf_inline.h"

/* Resolution of pf_clock_ns() in ns as the OS reports it. */
double pf_clock_resolution_ns(void);

/* Number of online CPUs (at least 1). */
int pf_ncpus(void);
/* Pin the calling thread to one CPU (OS numbering). */
int pf_pin_thread(int cpu);
/* Undo pf_pin_thread: allow every online CPU. */
int pf_unpin_thread(void);
/* CPU the calling thread runs on now, or -1. */
int pf_current_cpu(void);

/* Noise counters over a measurement window (pf_noise_read, platform/<os>/platform_<os>.c);
   the runner (measure/harness/runner.c) reads them around each window. */
struct pf_noise {
    uint64_t steal_ns;  /* time the hypervisor ran something else (10 ms ticks on Linux) */
    uint64_t irqs;      /* hardware interrupts serviced */
    uint64_t invol_csw; /* involuntary context switches of the calling thread */
    uint64_t vol_csw;   /* voluntary context switches of the calling thread */
    int have_steal, have_irqs;
    int have_csw; /* the context-switch counts are known (not on Windows) */
};
/* Read the counters for one CPU, or summed over all CPUs when cpu < 0. */
int pf_noise_read(int cpu, struct pf_noise *n);

/* User and system CPU time of the calling thread in ns. */
int pf_thread_cpu_ns(uint64_t *user_ns, uint64_t *sys_ns);
/* User and system CPU time of the whole process in ns. */
int pf_process_cpu_ns(uint64_t *user_ns, uint64_t *sys_ns);
/* Peak resident set size of the process in KiB, or -1. */
long pf_peak_rss_kib(void);

/* 1 when running with administrator rights (root), else 0. */
int pf_is_root(void);
/* Lock current and future memory (no page faults while measuring). Pages are locked as
   they are touched where the OS can (Linux MCL_ONFAULT), so reserved but unused memory
   (cached thread stacks) is not faulted in; warm up before measuring. */
int pf_lock_memory(void);
/* Set the calling thread's timer slack to its minimum (1 ns); records nothing. */
int pf_timer_slack_min(void);
/* Run the calling thread under a real-time FIFO priority (1..99). */
int pf_set_rt_priority(int prio);
/* Undo pf_lock_memory: unlock current memory and stop locking future mappings. */
int pf_unlock_memory(void);
/* Memory the process has locked now in KiB (0 when none), or -errno. */
long pf_locked_kib(void);
/* Timer slack of the calling thread in ns, or -errno. */
long pf_timer_slack_ns(void);
/* Set the calling thread's timer slack in ns (to restore what pf_timer_slack_ns said). */
int pf_set_timer_slack_ns(long ns);

/* Scheduling policy and priority of a thread, saved to undo pf_set_rt_priority. */
struct pf_sched {
    int policy;   /* OS value */
    int priority; /* real-time priority, 0 for time-sharing policies */
};
/* The calling thread's scheduling policy and priority. */
int pf_sched_get(struct pf_sched *s);
/* Set the calling thread's scheduling policy and priority (restores pf_sched_get's). */
int pf_sched_set(const struct pf_sched *s);
/* Name of a policy for reports: "SCHED_FIFO", "SCHED_OTHER" ... */
const char *pf_sched_policy_name(int policy);

/* Run fn(arg), catching a fault it raises (illegal instruction, protection fault). Returns 0
   when fn returned, 1 when it faulted (a one-line description in fault), -errno on error. */
int pf_try(void (*fn)(void *arg), void *arg, char *fault, size_t len);
/* Allow this process user-mode port I/O on one port (Linux ioperm; needs root). */
int pf_ioperm(unsigned port);
/* The cheapest real system call the OS offers (Linux: getppid), for a no-exit baseline. */
long pf_null_syscall(void);
/* Name of what pf_null_syscall() calls. */
const char *pf_null_syscall_name(void);

/* Call fn(signal) on Ctrl-C / termination requests; blocking calls return EINTR. */
int pf_on_interrupt(void (*fn)(int sig));

/* Create a directory and its parents (mode for new ones); existing is fine. */
int pf_mkdir_p(const char *path, unsigned mode);
/* Host name of this machine into buf. */
int pf_hostname(char *buf, size_t len);
/* Read a small text file whole into buf (NUL-terminated, trailing newline kept). */
int pf_read_text(const char *path, char *buf, size_t len);
/* Call cb for each entry of a directory except "." and "..", in the OS's order; stops and
   returns cb's value when it is non-zero. 0 or -errno (Windows: 0 for no match). */
int pf_list_dir(const char *path, int (*cb)(const char *name, void *arg), void *arg);
/* Target of a symbolic link into buf (NUL-terminated). 0 or -errno (-ENOSYS on Windows). */
int pf_readlink(const char *path, char *buf, size_t len);
/* Open root/path read-only for a reader confined to root (a fixture's tree): the path (a
   leading '/' ignored) may not leave root through "..", an absolute symbolic link or a
   link that points outside (-EXDEV); opened non-blocking and checked to be a regular file
   (-EINVAL otherwise: a FIFO is never waited on). An fd or -errno. Linux: openat2
   RESOLVE_BENEATH, or a walk refusing every link where the kernel lacks openat2. */
int pf_open_beneath(const char *root, const char *path);
/* 0 when root/path (a directory, or a link's parent) resolves inside root; -EXDEV when it
   leaves, -errno when it does not exist. */
int pf_check_beneath(const char *root, const char *path);

#endif
