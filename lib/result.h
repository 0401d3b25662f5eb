/*
 * The viobench result format (version VB_FORMAT_VERSION): the in-memory model of a run
 * and the files that carry it. Everything that writes or reads results (the runner, the
 * collector, the analyzer, the Windows build) goes through this header.
 *
 * A run directory results/<run-id>/ holds:
 *   context.json    the run's context: format version, run id, tool, command line, start
 *                   and end, labels, options, time source, noise settings and the host/guest
 *                   pairing (see docs/ARCHITECTURE.md for every key); "complete": false
 *                   when the run was interrupted.
 *   results.json    Google Benchmark JSON, schema version 1: "context" (Google Benchmark's
 *                   keys plus viobench's summary) and "benchmarks" (iteration rows and, with
 *                   repetitions, mean/median/stddev/cv aggregate rows). Percentiles, noise
 *                   figures and kernel figures are counters (extra numeric keys); kernel
 *                   details are an "info" object; skips are error rows with "skipped": true.
 *   results.csv     Google Benchmark CSV: the fixed header, then one quoted column per
 *                   counter, the same complete column set on every row.
 *   histograms.txt  one hist_write() record per iteration row, named "<name>#<repetition>".
 *
 * Times (real_time, cpu_time) are per operation in ns: real_time is the mean of the row's
 * histogram (per-operation cost for loop kernels, latency for latency kernels), cpu_time the
 * thread's CPU time per operation. items_per_second is operations per second.
 */
#ifndef VB_RESULT_H
#define VB_RESULT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hist.h"

#define VB_FORMAT_VERSION 1
#define VB_GBENCH_SCHEMA  1

/* Output formats, for --format and vb_run_write_dir. */
#define VB_FMT_CONSOLE 1u
#define VB_FMT_JSON    2u
#define VB_FMT_CSV     4u

/* Counters every measured viobench row carries, in this column order. */
#define VB_CORE_COUNTERS                                                                  \
    "p50_ns", "p90_ns", "p99_ns", "p999_ns", "p9999_ns", "min_ns", "max_ns", "stddev_ns", \
        "samples", "ops_per_sample", "steal_pct", "invol_csw", "irqs", "noisy"

enum vb_run_type { VB_ITERATION = 0, VB_AGGREGATE = 1 };

struct vb_counter {
    char *name;
    double value;
};

struct vb_row {
    char *name;     /* row name; aggregates are "<run_name>_<aggregate_name>" */
    char *run_name; /* the benchmark's name */
    enum vb_run_type run_type;
    char *aggregate_name; /* aggregates: mean, median, stddev, cv */
    int aggregate_is_pct; /* aggregate_unit "percentage" (cv) rather than "time" */
    int repetitions;
    int repetition_index; /* iterations: 0-based */
    int threads;
    uint64_t iterations;     /* operations measured */
    double real_time;        /* per operation, in time_unit */
    double cpu_time;         /* per operation, in time_unit */
    char time_unit[4];       /* "ns", "us", "ms" or "s" */
    double bytes_per_second; /* NAN when absent */
    double items_per_second; /* NAN when absent */
    char *label;
    int error_occurred;
    char *error_message;
    int skipped; /* a clean skip (error row with a reason) */
    size_t ncounters;
    struct vb_counter *counters;
    json_t *info;      /* kernel details (owned), or NULL */
    struct hist *hist; /* iteration rows measured by viobench (owned), or NULL */
};

struct vb_run {
    json_t *context; /* context.json object (owned); for imported Google Benchmark
                              JSON, its "context" object */
    size_t nrows, cap;
    struct vb_row *rows;
};

/* Initialise an empty run with an empty context object. 0 or -ENOMEM. */
int vb_run_init(struct vb_run *r);
/* Free everything the run owns (rows, histograms, context). */
void vb_run_free(struct vb_run *r);
/* Append a zeroed row (time_unit "ns", throughputs NAN, threads 1); NULL on ENOMEM.
   The pointer is valid until the next append. */
struct vb_row *vb_run_add_row(struct vb_run *r, const char *name);
/* Set (add or replace) a counter on a row. 0 or -ENOMEM. */
int vb_row_set_counter(struct vb_row *row, const char *name, double value);
/* Append a counter the row does not have yet (no search: for readers of JSON objects,
   whose keys are unique). 0 or -ENOMEM. */
int vb_row_add_counter(struct vb_row *row, const char *name, double value);
/* Counter value, or NAN when the row has none by that name. */
double vb_row_counter(const struct vb_row *row, const char *name);
/* Involuntary context switches per sample of a measured row (a fraction: 0.001 is one
   preemption per 1,000 samples); NAN when the row does not record both counters. */
double vb_row_preempt(const struct vb_row *row);
/* Set the row's error (or skip) message; skipped=1 marks a clean skip. 0 or -ENOMEM. */
int vb_row_set_error(struct vb_row *row, int skipped, const char *msg);
/* Add mean/median/stddev/cv aggregate rows after the iteration rows of every benchmark
   measured more than once (as Google Benchmark does). 0 or -ENOMEM. */
int vb_run_add_aggregates(struct vb_run *r);
/* Multiplier from ns to a time unit ("ns" 1, "us" 1e-3 ...); 0 for an unknown unit. */
double vb_time_unit_scale(const char *unit);

/* Google Benchmark JSON (schema 1) of the run. 0 or -errno. */
int vb_write_gbench_json(const struct vb_run *r, FILE *f);
/* Google Benchmark CSV of the run. 0 or -errno. */
int vb_write_gbench_csv(const struct vb_run *r, FILE *f);
/* Histograms of all iteration rows. 0 or -errno. */
int vb_write_histograms(const struct vb_run *r, FILE *f);
/* Write context.json, results.json, results.csv (as formats ask) and histograms.txt into
   dir, each atomically (temporary file, then rename). 0 or -errno with err filled. */
int vb_write_run_dir(const struct vb_run *r, const char *dir, unsigned formats, char *err,
                     size_t errlen);

/* Read Google Benchmark JSON (any program's, schema 1) into an initialised run; the
   "context" object becomes r->context. 0 or -EINVAL with the reason in err. */
int vb_read_gbench_json(json_t *root, struct vb_run *r, char *err, size_t errlen);
/* Read Google Benchmark CSV (as vb_write_gbench_csv writes it). 0 or -EINVAL. */
int vb_read_gbench_csv(FILE *f, struct vb_run *r, char *err, size_t errlen);
/* Name of an iteration row's record in histograms.txt: "<run_name>#<repetition_index>",
   with blanks and '%' escaped as %XX (for readers that parse histograms.txt themselves). */
void vb_hist_record_name(const struct vb_row *w, char *buf, size_t len);
/* Attach histograms.txt records to the matching iteration rows. 0 or -EINVAL. */
int vb_read_histograms(FILE *f, struct vb_run *r, char *err, size_t errlen);
/* Check a run directory's parsed context.json and results.json and fill r (rows; context
   referenced). 0 or -EINVAL with "<dir>/<file>: reason" in err. */
int vb_run_from_json(const char *dir, json_t *ctx, json_t *res, struct vb_run *r, char *err,
                     size_t errlen);
/* Read a run directory (context.json, results.json, histograms.txt if present), each only
   as a regular file, non-blocking and at most 1 GiB (a FIFO is refused, never waited on).
   0, -ENOENT when it is not a run directory, or -EINVAL with the reason in err. Implemented
   per platform (platform/linux/rundir_linux.c); the Windows guest reads no run directory. */
int vb_read_run_dir(const char *dir, struct vb_run *r, char *err, size_t errlen);

#endif
