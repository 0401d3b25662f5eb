/*
 * The command-line layer's internal interfaces: the guest-side subcommands (run, list,
 * sysinfo, serve, version), the run's plan, context and console report. cli/ sits on the
 * measurement layer (measure/: harness, kernels, pairing detection, peer server) and is
 * below the collector and the analyzer; program/ puts the commands of a build together.
 */
#ifndef VB_CLI_H
#define VB_CLI_H

#include <jansson.h>
#include <stdio.h>

#include "harness.h"
#include "kernel.h"
#include "result.h"

/* A git-style subcommand: argv[0] is the subcommand's name. Returns the exit status. */
struct cli_cmd {
    const char *name;
    const char *summary;
    int (*main)(int argc, char **argv);
};

/* "dynamic" or "static" build, for context.json and `viobench version` (the Makefile sets
   VB_BUILD_KIND per build). */
#ifndef VB_BUILD_KIND
#define VB_BUILD_KIND "dynamic"
#endif

int cmd_run(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_sysinfo(int argc, char **argv);
int cmd_version(int argc, char **argv);
int cmd_serve(int argc, char **argv);

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
