/*
 * The bench layer's internal interfaces: subcommands, the runner, the run context and the
 * console report. bench/ is the guest-side program around the kernels.
 */
#ifndef VB_BENCH_H
#define VB_BENCH_H

#include <jansson.h>
#include <stdio.h>

#include "kernel.h"
#include "result.h"

/* A git-style subcommand: argv[0] is the subcommand's name. Returns the exit status. */
struct bench_cmd {
    const char *name;
    const char *summary;
    int (*main)(int argc, char **argv);
};

/* Commands of this build variant beyond the guest ones (bench/variant/{full,guest}.c),
   ended by a row with name NULL. */
extern const struct bench_cmd bench_variant_cmds[];
/* "dynamic" or "static" build, for context.json. */
extern const char bench_build_kind[];

int cmd_run(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_sysinfo(int argc, char **argv);
int cmd_version(int argc, char **argv);
int cmd_serve(int argc, char **argv);

/* Install the Ctrl-C/SIGTERM handler (bench/cleanup.c). 0 or -errno. */
int bench_install_interrupt(void);

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

/* Build a plan from the table: kernels in the suite (VB_SUITE_* mask) matching the filter,
   each probed with valid(). Returns the count, or -ENOMEM; *plan is malloc'ed. */
long plan_build(const struct vb_opts *o, unsigned suite, const char *filter,
                struct plan_item **plan);

/* Context of a run being started: tool, command line, start time, host, time source,
   pairing. NULL on ENOMEM. */
json_t *context_new(int argc, char **argv, const char *run_id);
/* Stamp the end time, completion flag and peak memory into the context. */
void context_finish(json_t *ctx, int complete);

/* Print the human table of a run (p50, p99, p99.9, max, mean, ops/s, flags). */
void console_report(FILE *f, const struct vb_run *r);

#endif
