/*
 * The interchange formats of `viobench export` (cmd_export.c chooses): HdrHistogram
 * interval logs, Prometheus text exposition, Bencher Metric Format JSON and Apache Otava
 * CSV, one file each, plus the per-benchmark figures (mean, p50, p99 with their spread
 * over repetitions) that Bencher and Otava share. Each writer prints one line naming the
 * problem through lib/log.h when it fails and returns -errno; docs/collect.md describes
 * every format and the precision it keeps.
 */
#ifndef VB_EXPORT_H
#define VB_EXPORT_H

#include <stdio.h>

#include "store.h"

/* One run as an HdrHistogram interval log: one interval per iteration row with a
   histogram, tagged "<benchmark>#<repetition>" (export_hdrlog.c). 0 or -errno. */
int export_hdrlog(FILE *f, struct store *s, const struct store_run_info *r);
/* Runs as Prometheus text exposition 0.0.4: per run and benchmark a histogram
   (seconds) and a summary of exact quantiles, labelled with the run and its pairing.
   0 or -errno. */
int export_prometheus(FILE *f, struct store *s, const struct store_run_info *runs, size_t n);
/* One run as Bencher Metric Format JSON (latency, p50-latency, p99-latency in ns, with
   the lowest and highest repetition as lower_value and upper_value). 0 or -errno. */
int export_bmf(FILE *f, struct store *s, const struct store_run_info *r);
/* Runs as Apache Otava CSV: one line per run, time, attributes and per-benchmark
   mean/p50/p99 columns in ns. 0 or -errno. */
int export_otava(FILE *f, struct store *s, const struct store_run_info *runs, size_t n);

enum { FIG_MEAN, FIG_P50, FIG_P99, FIG_N };

/* One benchmark's figures in a run, in ns (NAN where unknown): v over all its
   repetitions (from their merged histograms when they have them, else the median of the
   repetitions' own figures), lo/hi the lowest and highest single repetition. */
struct export_fig {
    const char *name; /* the run's row run_name (lives as long as the run) */
    int reps;
    double v[FIG_N], lo[FIG_N], hi[FIG_N];
};
/* Figures of every benchmark of a loaded run with a measured iteration row, in row order
   (*out malloc'ed, *n entries). 0 or -ENOMEM. */
int export_figures(const struct vb_run *run, struct export_fig **out, size_t *n);
/* Load a run (printing the store's error as "export: ..." on failure). 0 or -EIO. */
int export_load(struct store *s, const struct store_run_info *r, struct vb_run *run);

#endif
