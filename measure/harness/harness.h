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

/* Install the Ctrl-C/SIGTERM handler (measure/harness/cleanup.c). 0 or -errno. */
int vb_interrupt_install(void);

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
    int progress;               /* draw a progress line on stderr */
};

/*
 * Run the plan: repetitions round-robin (repetition 1 of every kernel, then 2 ...), each
 * kernel warmed up then measured for opts->min_time_ns; rows are appended to out.
 * Returns the number of kernels that failed (0 when all ran or skipped cleanly).
 */
int runner_run(const struct runner_cfg *cfg, struct plan_item *plan, size_t n, struct vb_run *out);

/* What kernels added with vb_run_context() (new reference, or NULL); clears it. */
json_t *runner_take_context(void);

#endif
