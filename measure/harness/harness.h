/*
 * The measurement harness as its callers above see it: the runner that turns a plan of
 * kernels into result rows, and the interrupt handler behind vb_interrupted and the cleanup
 * registry (kernel.h). It lives in the measurement layer, beside the kernels that call into
 * it, so that kernels link and test without the command-line program around them.
 */
#ifndef VB_HARNESS_H
#define VB_HARNESS_H

#include <jansson.h>

#include "kernel.h"
#include "result.h"

/* Install the Ctrl-C/SIGTERM/SIGHUP handler (measure/harness/cleanup.c). 0 or -errno. */
int vb_interrupt_install(void);
/* Exit status of an interrupted run: 128 + the first signal (130 SIGINT, 143 SIGTERM, 129
   SIGHUP); 0 when not interrupted. */
int vb_interrupt_status(void);

/* One entry of a run's plan: a kernel, and whether (and why) it is skipped here. */
struct plan_item {
    const struct vb_kernel *k;
    int skip;
    char why[256];
};

struct runner_cfg {
    const struct vb_opts *opts;
    int repetitions;
    double noise_threshold_pct; /* steal share above which a result is flagged noisy */
    int progress;               /* PROGRESS_*: what to say on stderr while running */
    const json_t *row_options;  /* the result-changing options, copied into each row's
                                   info.options (or NULL) */
};

/* Progress on stderr (measure/harness/progress.c). */
enum { PROGRESS_NONE = 0, PROGRESS_TTY, PROGRESS_LINES };
struct progress {
    int mode;         /* PROGRESS_* */
    size_t total;     /* windows planned (kernels that run x repetitions) */
    int repetitions;  /* of the run */
    double window_ns; /* warm-up plus window: the estimate before the first one ends */
    uint64_t t0;      /* ts ticks at the start */
};
/* Start counting elapsed time for total windows. */
void progress_begin(struct progress *p, int mode, size_t total, int repetitions, double window_ns);
/* Window number done+1 (kernel name, repetition rep, 0-based) starts: the terminal line. */
void progress_start(struct progress *p, size_t done, int rep, const char *name);
/* A window ended, done now counting it; row is its row, NULL when interrupted: a log line. */
void progress_done(struct progress *p, size_t done, int rep, const char *name,
                   const struct vb_row *row);
/* Clear the terminal line. */
void progress_end(struct progress *p);

/*
 * Run the plan: repetitions round-robin (repetition 1 of every kernel, then 2 ...), each
 * kernel warmed up then measured for opts->min_time_ns; rows are appended to out.
 * Returns the number of kernels that failed (0 when all ran or skipped cleanly).
 */
int runner_run(const struct runner_cfg *cfg, struct plan_item *plan, size_t n, struct vb_run *out);

/* What kernels added with vb_run_context() (new reference, or NULL); clears it. */
json_t *runner_take_context(void);

#endif
