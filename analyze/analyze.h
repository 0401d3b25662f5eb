/*
 * The analyzer (`viobench analyze ...`): the shared pieces of its subcommands. Inputs (run
 * directories, results.json files, run ids and selectors over the store) become "sets":
 * per benchmark, the merged histogram and the per-repetition values of every metric.
 * Statistics (Mann-Whitney U, Welch's t, Student's t, Benjamini-Hochberg), version ordering,
 * change-point detection, budget files, tables in five formats and gnuplot plots live in
 * their own files, declared here. See docs/ARCHITECTURE.md ("Analyzer").
 */
#ifndef VB_ANALYZE_H
#define VB_ANALYZE_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

#include "reps.h"
#include "result.h"
#include "store.h"

struct an_hist;

/* ---- Commands (analyze/cmd_*.c) ---- */

/* viobench analyze SUBCOMMAND ...; returns the exit status. */
int cmd_analyze(int argc, char **argv);
int an_cmd_compare(int argc, char **argv);
int an_cmd_trend(int argc, char **argv);
int an_cmd_gate(int argc, char **argv);
int an_cmd_matrix(int argc, char **argv);
int an_cmd_capacity(int argc, char **argv);
int an_cmd_plot(int argc, char **argv);
int an_cmd_report(int argc, char **argv);

/* ---- Metrics (analyze/metric.c) ---- */

enum an_metric {
    AM_P50,
    AM_P90,
    AM_P99,
    AM_P999,
    AM_P9999,
    AM_MIN,
    AM_MAX,
    AM_MEAN,
    AM_REAL, /* real_time in ns (Google Benchmark's figure) */
    AM_CPU,  /* cpu_time in ns */
    AM_IOPS, /* items_per_second */
    AM_BW,   /* bytes_per_second */
    AM_NMETRICS
};

struct an_metric_def {
    const char *name;    /* as users write it: p50, p99.9, iops ... */
    const char *key;     /* column-safe: p50, p999, iops ... */
    double pct;          /* percentile in [0, 100], or -1 */
    int higher_better;   /* throughputs */
    const char *unit;    /* ns, ops/s, B/s */
    const char *counter; /* the row counter that carries it, or NULL */
};
extern const struct an_metric_def an_metrics[AM_NMETRICS];

/* Metric by name (p50, median, p99, p99.9, p999, max, mean, iops, bandwidth ...); -1. */
int an_metric_parse(const char *s);
/* Format a metric value for people ("12.3 us", "4.56M ops/s", "1.2 GiB/s"). */
const char *an_fmt_value(int metric, double v, char *buf, size_t len);
/* Parse a value of a metric with units: durations for latencies (bare number ns), counts
   or rates for iops (10k, 10k/s), sizes per second for bandwidth (500M, 1G/s). 0/-EINVAL. */
int an_parse_value(int metric, const char *s, double *out);
/* A fraction written as 0.05 or 5%. 0 or -EINVAL. */
int an_parse_frac(const char *s, double *out);
/* Value of a metric for one iteration row (histogram first: sh when given, else the row's
   own; then counters); NAN. */
double an_row_value(const struct vb_row *w, int metric);
double an_row_value_h(const struct vb_row *w, const struct an_hist *sh, int metric);

/* A sparse histogram (analyze/shist.c): the non-empty buckets of a struct hist. */
struct an_hist {
    uint64_t count;
    double min, max, sum, sumsq; /* ns, ns^2 */
    int n;                       /* non-empty buckets */
    uint32_t *idx;               /* bucket indices, ascending */
    uint64_t *cnt;
};
/* A sparse copy of a histogram; NULL on ENOMEM. */
struct an_hist *an_hist_from(const struct hist *src);
/* Add src's counts. 0 or -ENOMEM. */
int an_hist_merge(struct an_hist *h, const struct hist *src);
void an_hist_free(struct an_hist *h);
/* Add another sparse histogram's counts. 0 or -ENOMEM. */
int an_hist_add(struct an_hist *h, const struct an_hist *src);
/* The sparse histograms of one run's rows, indexed like its rows (NULL where a row has
   none): how a run's histograms travel with it from the inputs to a callback. */
struct an_rowhists {
    struct an_hist **sh;
    size_t n, cap;
};
/* Row i's sparse histogram, or NULL (h may be NULL). _take hands it over to the caller. */
struct an_hist *an_rowhists_get(const struct an_rowhists *h, size_t i);
struct an_hist *an_rowhists_take(struct an_rowhists *h, size_t i);
/* Keep row w's histogram (dense, freed) as entry i in sparse form. 0 or -ENOMEM. */
int an_rowhists_keep(struct an_rowhists *h, struct vb_row *w, size_t i);
/* Free the histograms held (the struct stays usable). */
void an_rowhists_reset(struct an_rowhists *h);
/* Mean and sample standard deviation in ns (0 when undefined). */
double an_hist_mean(const struct an_hist *h);
double an_hist_stddev(const struct an_hist *h);
/* Nearest-rank percentile in ns, as hist_percentile. */
double an_hist_percentile(const struct an_hist *h, double p);
/* Value reported for non-empty bucket k: its midpoint clamped to [min, max], in ns. */
double an_hist_value(const struct an_hist *h, int k);

/* One benchmark on one side: its iteration rows merged. */
struct an_bench {
    char *name;
    struct an_hist *hist; /* merged histograms; NULL unless every measured row had one */
    int nrows;            /* measured iteration rows (repetitions over all runs) */
    int nohist;           /* rows without a histogram */
    double *vals;         /* nrows x AM_NMETRICS per-row values (NAN where absent) */
    int *runs;            /* per row: the ordinal of its run in the set */
    double *preempt;      /* per row: involuntary context switches per sample (NAN: unknown) */
    int cap;
    int noisy;       /* measured rows flagged noisy (counter "noisy") */
    json_t *info;    /* first measured row's info (a reference), or NULL */
    double flows;    /* counters of the first row (NAN when absent), for capacity */
    double rate;     /* target_rate */
    char *skip;      /* every row skipped or failed: the first message; else NULL */
    long long first; /* position of first appearance, for stable output order */
};

/* Per-row value r of metric m. */
#define AN_VAL(b, r, m) ((b)->vals[(size_t)(r)*AM_NMETRICS + (size_t)(m)])

/* A side of a comparison, a group of a matrix or a point of a series: runs merged. */
struct an_set {
    char *label; /* what the user named, for reports */
    size_t n, cap;
    struct an_bench *b;
    size_t nruns;
    struct store_pairing pairing; /* of the first run */
    int mixed;                    /* runs of several pairing identities were merged */
    int mixed_opts;               /* runs with different result-changing options */
    int nids;                     /* distinct identities (with options) merged */
    char *ids;                    /* each of them, one per line */
    char first_id[1024];          /* the first run's identity (an_id_label) */
    char first_opts[512];         /* and its options (an_options_sig) */
    char first_start[32];         /* earliest run start (ISO 8601), "" unknown */
    char *run_ids;                /* the run ids merged, one per line (an_set_note_run) */
    long long seq;
};

/* Merge a run's iteration rows into the set (aggregate rows are ignored); the rows' sparse
   histograms (h, may be NULL) or their own may be taken over. 0 or -ENOMEM. */
int an_set_add_run(struct an_set *s, struct vb_run *r, struct an_rowhists *h);
/* The benchmark of that name, or NULL. */
struct an_bench *an_set_find(const struct an_set *s, const char *name);
/* Free what the set holds (not the struct). */
void an_set_free(struct an_set *s);
/* How every command combines repetitions, said in reports. */
#define AN_AGGREGATION REPS_AGGREGATION
/* Headline value of a metric for a benchmark: the geometric mean of its per-repetition
   values (each repetition's own percentile, mean, real_time ...; the median when a value
   is 0), min and max over everything; NAN. */
double an_bench_value(const struct an_bench *b, int metric);
/* Number of finite per-row values of a metric, copied into out (up to max) when non-NULL. */
int an_bench_reps(const struct an_bench *b, int metric, double *out, int max);
/* The run ordinal of each of those values, in the same order (up to max). Their number. */
int an_bench_rep_runs(const struct an_bench *b, int metric, int *out, int max);
/* Median over the rows of involuntary context switches per sample (a fraction: 0.001 is
   one preemption per 1,000 samples); NAN unless at least half the rows record both. */
double an_bench_preempt(const struct an_bench *b);

/* ---- Inputs (analyze/input.c) ---- */

struct an_ctx {
    const char *db;      /* store path (default STORE_DEFAULT_PATH) */
    struct store *store; /* opened on first use */
    struct store_run_info *all;
    size_t nall;
    int all_loaded;
    const char *cmd; /* "analyze compare", for messages */
};

/* Open the store read-only (once). 0, or -1 after printing why. */
int an_store(struct an_ctx *c);
/* Close what the context opened. */
void an_ctx_free(struct an_ctx *c);
/* Every stored run, selected once per context into c->all (oldest first), c->nall. 0, or -1
   after printing why. */
int an_load_all(struct an_ctx *c);
/* Runs of the store matching selector words ("key=glob", several per word separated by
   blanks; key "version" matches any version key); since/until may be NULL. An unknown key
   or an empty selection is an error. 0, or -1 after printing why (*out freed by caller
   with store_runs_free). */
int an_select(struct an_ctx *c, const char *const *words, int nwords, const char *since,
              const char *until, struct store_run_info **out, size_t *n);
/* Load one input into a set: a run directory, a results.json (its run directory's
   histograms too when beside it), a stored run id (or unique prefix), or selector words.
   0, or -1 after printing why. */
int an_load_spec(struct an_ctx *c, const char *spec, struct an_set *set);
/* Called for each input run with its description (for a file input, ri->id is -1 and
   the pairing comes from its context) and its rows' sparse histograms (the rows arrive
   with w->hist NULL; a callback may take them over); non-zero stops the walk. */
typedef int (*an_run_cb)(const struct store_run_info *ri, struct vb_run *r, struct an_rowhists *h,
                         void *arg);
/* Walk the runs named by words: selector words together form one selection (none at all
   selects the whole store), every other word is a path or a run id. lite loads stored
   runs without histograms (store_load_summaries). 0, or -1 after printing why. */
int an_each_input(struct an_ctx *c, const char *const *words, int nwords, const char *since,
                  const char *until, int lite, an_run_cb cb, void *arg);
/* Walk n listed runs of the store (from store_select_runs) as an_each_input does. 0, or -1
   after printing why. */
int an_each_run(struct an_ctx *c, struct store_run_info *runs, size_t n, int lite, an_run_cb cb,
                void *arg);
/* Load one stored run (lite: no histograms; else into h in sparse form). 0, or -1 after
   printing why. */
int an_load_run(struct an_ctx *c, int64_t id, int lite, struct vb_run *r, struct an_rowhists *h);
/* 1 when key (or each alternative of "a|b") is a selector key some run can have. */
int an_key_known(struct an_ctx *c, const char *key);
/* Value of a key for a run: selector keys, with "a|b" meaning a, else b; "" when none. */
const char *an_run_key(const struct store_run_info *ri, const char *key);
/* Fill a run info's pairing-like fields from a file input's context (for grouping). */
void an_info_from_run(const struct vb_run *r, struct store_run_info *ri);

/* ---- The pairing identity (analyze/identity.c) ---- */

/* Identity keys: hypervisor, hypervisor_version, guest, guest_os, guest_version, kernel,
   cpu_model, clocksource. Their bits select keys to leave out of a label or group key. */
enum {
    AI_HYPERVISOR,
    AI_HYPERVISOR_VERSION,
    AI_GUEST,
    AI_GUEST_OS,
    AI_GUEST_VERSION,
    AI_KERNEL,
    AI_CPU_MODEL,
    AI_CLOCKSOURCE,
    AN_ID_NKEYS
};
#define AN_ID_VERSIONS (1u << AI_HYPERVISOR_VERSION | 1u << AI_GUEST_VERSION | 1u << AI_KERNEL)
extern const char *const an_id_keys[AN_ID_NKEYS];
/* Index of an identity key name, or -1. */
int an_id_key(const char *key);
/* The precedence rule, the only place it is written: identity key k of a run is the label
   the user gave (host_hypervisor, host_hypervisor_version, guest, guest_os, guest_version,
   guest_kernel, ...), else what detection found; "" when neither. Never NULL. */
const char *an_id_value(const struct store_run_info *ri, int k);
/* The detected value a label overrode when they differ, else "". */
const char *an_id_detected(const struct store_run_info *ri, int k);
/* "hypervisor=hyperv (detected kvm) guest_os=debian ...": the identity for people, keys
   whose bit is in skip left out; "-" when empty. */
const char *an_id_label(const struct store_run_info *ri, unsigned skip, char *buf, size_t len);
/* The identity as a grouping key (values and overridden detections), skip as above. */
const char *an_id_group_key(const struct store_run_info *ri, unsigned skip, char *buf, size_t len);
/* "cpu=3 timer=tsc ...": the result-changing options a run context recorded that are not
   at their defaults ("" none). */
const char *an_options_sig(const json_t *ctx, char *buf, size_t len);
/* 1 when line is one of the newline-terminated lines (NULL: none), else 0. */
int an_lines_has(const char *lines, const char *line);
/* Record a run's identity and options in a set (mixed, mixed_opts, ids, run_ids). 0 or -1
   ENOMEM. */
int an_set_note_run(struct an_set *s, const struct store_run_info *ri, const json_t *ctx);

/* ---- Groups of runs (analyze/group.c) ---- */

#define AN_GROUP_KEYS 16
struct an_group {
    char *key;                 /* the key values joined */
    char *vals[AN_GROUP_KEYS]; /* each key's value ("" unknown) */
    struct store_run_info ri;  /* the first run (labels owned) */
    struct an_set set;         /* the runs merged */
};
struct an_groups {
    int n, nkeys;
    struct an_group *g;
};
/* Group the runs named by words by the values of keys (comma-separated selector keys,
   "a|b" for a fallback). NULL, or "@identity" optionally followed by ",KEYS": the whole
   pairing identity (identity.c) and the result-changing options, then those keys.
   0, or -1 after printing why. */
int an_groups_collect(struct an_ctx *c, const char *const *words, int nwords, const char *since,
                      const char *until, const char *keys, struct an_groups *out);
void an_groups_free(struct an_groups *g);
/* "hypervisor=kvm hypervisor_version=8.2 guest_os=rhel ...": a run's identity for people
   (known keys, no CPU model). */
const char *an_pairing_label(const struct store_run_info *ri, char *buf, size_t len);

/* ---- Statistics (analyze/stats.c) ---- */

struct an_mwu {
    double u;    /* U of the first sample (scipy's statistic) */
    double p;    /* two-sided p-value */
    int exact;   /* 1 exact distribution, 0 normal approximation */
    double pmin; /* smallest p-value the test can give for these sizes (exact, no ties) */
};
/* Two-sided Mann-Whitney U test as scipy.stats.mannwhitneyu(x, y) with its defaults
   (method "auto": exact when a sample has at most 8 values and there are no ties, else
   normal approximation with tie correction and continuity correction). 0 or -EINVAL
   (an empty sample) / -ENOMEM. */
int an_mwu(const double *x, int nx, const double *y, int ny, struct an_mwu *out);
/* Standard normal upper tail P(Z > z). */
double an_norm_sf(double z);
/* Standard normal quantile (inverse CDF) for p in (0, 1). */
double an_norm_ppf(double p);
/* Regularized incomplete beta I_x(a, b). */
double an_betainc(double a, double b, double x);
/* Student's t upper tail P(T > t) with df degrees of freedom. */
double an_t_sf(double t, double df);
/* Welch's two-sample t-test over segments given by count, sum and sum of squares;
   two-sided p-value (1 when undefined). */
double an_welch_p(double n1, double s1, double ss1, double n2, double s2, double ss2);
/* Median of n values (sorted in place). NAN for n == 0. */
double an_median(double *v, int n);

/* ---- compare's decision rule (analyze/verdict.c) ---- */

/* compare's default --min-change in percent: above the drift between A/A pairs of runs
   measured on the development machine (scripts/bench-verdicts). */
#define AN_MIN_CHANGE_DEFAULT 4.0
enum { AV_SAME, AV_REGRESSED, AV_IMPROVED, AV_INCONCLUSIVE, AV_UNSTABLE, AV_NSTATES };
/* "no significant change", "regressed", "improved", "inconclusive", "unstable". */
extern const char *const an_verdict_names[AV_NSTATES];
struct an_verdict_in {
    const double *a, *b;      /* per-repetition values of one metric, each side */
    const int *run_a, *run_b; /* the run of each value (NULL: one run) */
    int na, nb;
    int noisy_a, noisy_b; /* repetitions flagged noisy */
    int metric, higher_better;
    double alpha;        /* after the table's correction (default 0.05) */
    double level;        /* CI level in (0, 1) */
    double min_change;   /* fraction (0.02 = 2%) */
    double pre_a, pre_b; /* an_bench_preempt of each side (NAN: unknown) */
    /* an_drift_of: the variance of one run's mean log value over runs of the pairing, its
       degrees of freedom (0: not measured) and the runs it comes from; consulted for sides
       of one or two runs, and of three or more when other stored runs add to their own.
       Only when run_a and run_b are given. */
    double drift_var;
    int drift_df, drift_runs;
};
struct an_verdict {
    int na, nb;        /* positive finite repetitions used */
    double va, vb;     /* geometric means of the repetitions */
    double change;     /* vb / va - 1 */
    double lo, hi;     /* CI of the change (Welch on logs); NAN when undefined */
    double p, q;       /* Welch p-value, and adjusted over the table (set by caller) */
    double cv;         /* pooled SD of the log values (about the CV of a repetition) */
    int need;          /* repetitions a side to resolve min_change at 80% power, 0 */
    int unstable;      /* 1 distinct modes, 2 noisy windows, 3 one side preempted far more, 0 */
    int mode_side;     /* 0 A, 1 B */
    double mode[2];    /* geometric means of the two modes */
    int nmode[2];      /* repetitions in each */
    double outlier[2]; /* a lone repetition left out of side A, B; NAN none */
    int by_runs;       /* runs are the unit: 1 they differ more than their repetitions explain,
                    2 one repetition per run; 0 repetitions are */
    int nruns_a, nruns_b;
    double pre[2];    /* the sides' preemptions per sample, when unstable == 3 */
    int drift;        /* 1 drift needed and not measured, 2 taken into the test, 0 neither */
    double drift_cv;  /* sqrt of drift_var (about a run's CV), when drift == 2 */
    int need_runs;    /* runs a side to resolve min_change with that drift, 0 */
    int state;        /* AV_*, by an_verdict_decide */
    char reason[320]; /* why inconclusive or unstable */
};
/* The share of a metric's samples (a fraction) that preemptions must reach to move it: a
   quarter of its tail (p99: 0.0025); the mean and max move with far fewer (1e-4: a
   preempted sample carries another task's time slice); 0: not judged (min, and figures of
   whole windows such as real_time and throughputs). */
double an_preempt_reach(int metric);
/* Per-run sums of the logs of the positive finite values x (n of them, run[i] the run of
   each, runs 0..max-1): s, ss (squares) and k (counts), each max long. Returns the runs
   seen (the highest run index + 1). */
int an_run_sums(const double *x, const int *run, int n, double *s, double *ss, double *k, int max);
/* The statistics of one row: values, change, Welch p and CI, repetitions needed, modes. */
void an_verdict_test(const struct an_verdict_in *in, struct an_verdict *v);
/* The verdict of a row once v->q is set: v->state and v->reason. */
void an_verdict_decide(const struct an_verdict_in *in, struct an_verdict *v);
/* 1 when n repetition values of a metric form distinct modes (as compare's "unstable"),
   with "repetitions in distinct modes: 9.95 us (1), 44.9 us (2)" in buf; else 0, "". */
int an_rep_modes(const double *x, int n, int metric, char *buf, size_t len);

/* ---- Run-to-run drift (analyze/drift.c) ---- */

/* Other stored runs with the identity and result-changing options of each side of a
   comparison (the side's first run's), newest first and at most AN_DRIFT_RUNS a side
   (looked for among the newest 4 x AN_DRIFT_RUNS runs of the identity): they measure how far
   runs drift apart on that pairing. */
enum { AN_DRIFT_RUNS = 20 };
struct an_drift {
    struct an_set hist[2];
    int same; /* the sides share identity and options: hist[0] serves both */
};
/* Fill d when a store is at hand (--db, or the default store when it exists); the sides'
   own runs are left out. 0, or -1 after printing why. */
int an_drift_load(struct an_ctx *c, const struct an_set *sa, const struct an_set *sb,
                  struct an_drift *d);
/* The variance of one run's mean log value of metric m for x's benchmark, for runs of as
   many repetitions as x's and y's: the scatter of run means pooled over the history runs
   of d (may be NULL) and x's and y's own runs where a side has 2 or more, moved by the
   repetitions' share where the history ran another number of repetitions. 0 with *var, *df
   (degrees of freedom between runs) and *nruns, or -1 under 2 degrees of freedom. */
int an_drift_of(const struct an_drift *d, const struct an_bench *x, const struct an_bench *y, int m,
                double *var, int *df, int *nruns);
void an_drift_free(struct an_drift *d);

/* One compared row (compare, report): a benchmark's metric on both sides, the repetitions
   (values and run indexes, owned), the statistics and the Mann-Whitney U figures. */
struct an_vrow {
    const struct an_bench *x, *y;
    int m;
    double *ra, *rb;
    int *runa, *runb;
    struct an_verdict_in in;
    struct an_verdict v;
    struct an_mwu u;
};
/* Compare's metrics for one benchmark: the n_want asked for, or by default p50 plus p99 and
   p99.9 where each repetition has 10 values above them (real_time without histograms).
   Returns how many were written to out (room for AM_NMETRICS). */
int an_vrow_metrics(const struct an_bench *x, const struct an_bench *y, const int *want, int nwant,
                    int *out);
/* The statistics of one row (the verdict waits for the correction over the table): alpha,
   level and min_change as fractions. 1 filled, 0 the metric is missing on a side, -1 ENOMEM. */
int an_vrow_test(struct an_vrow *r, const struct an_bench *x, const struct an_bench *y, int m,
                 double alpha, double level, double min_change, const struct an_drift *d);
/* The verdicts of the n rows of one table: Benjamini-Hochberg over their p-values (v.q),
   then an_verdict_decide on each. 0, or -ENOMEM with no verdict set. */
int an_vrows_decide(struct an_vrow *rows, size_t n);
/* Free what an_vrow_test allocated. */
void an_vrow_free(struct an_vrow *r);
/* Benjamini-Hochberg adjusted p-values of n p-values (NAN entries skipped, stay NAN). */
void an_bh(const double *p, int n, double *q);
/* Student's t quantile: t with P(T <= t) = p, df degrees of freedom; NAN outside (0,1). */
double an_t_ppf(double p, double df);

/* splitmix64 uniform in [0, 1). */
double an_rand(uint64_t *state);

/* ---- Versions (analyze/semver.c) ---- */

/* 1 when s looks like a version (optional v/V, then a digit). */
int an_is_version(const char *s);
/* Order two version strings: numbers numerically, pre-release words (dev, alpha, beta,
   pre, rc) before the release, other suffixes after it ("6.1.0-18-amd64" > "6.1.0").
   <0, 0, >0. */
int an_vercmp(const char *a, const char *b);

/* ---- Change points (analyze/edivisive.c) ---- */

/* A significance test of a change at t between points [s, t) and [t, e): the p-value, and
   the relative magnitude in *rel. */
typedef double (*an_cp_test_fn)(void *arg, int s, int t, int e, double *rel);
struct an_cp_opts {
    double pvalue;      /* significance threshold of a change point (default 0.001) */
    double min_rel;     /* minimum relative magnitude |after/before - 1| (default 0) */
    int min_seg;        /* minimum points each side of a change (default 3) */
    an_cp_test_fn test; /* NULL: Welch's t-test over the points */
    void *arg;
};
struct an_cp {
    int index;     /* first point after the change */
    double before; /* mean of the segment before, and after */
    double after;
    double p; /* Welch t-test p-value between the neighbouring segments */
    double q; /* E-divisive statistic at the split */
};
/* E-divisive means change points of x[0..n-1] with a t-test significance check (see
   edivisive.c). Fills out (up to max) in index order; returns how many, or -ENOMEM. */
int an_edivisive(const double *x, int n, const struct an_cp_opts *o, struct an_cp *out, int max);

/* ---- Series over versions (analyze/trend.c) ---- */

struct an_series {
    char *bench, *group; /* group: "hypervisor=kvm guest_os=rhel ..." */
    int metric;          /* the trend's metric, or real_time where the rows lack it */
    int n;               /* points */
    int *x;              /* version rank of each point (index into an_trend.order) */
    double *y;           /* median of the version's values */
    int *nvals;          /* values behind each point (repetitions of its runs) */
    int *off;            /* point i's values are vals[off[i] .. off[i] + nvals[i]) */
    double *vals;
    int ncp;
    struct an_cp *cp; /* change points; cp[i].index is a point index */
    int nnear;
    struct an_cp *near; /* near-misses: best splits with p < AN_NEAR_P that failed */
};
/* A change point candidate with a p-value under this is reported as a near-miss. */
#define AN_NEAR_P 0.05
struct an_trend {
    int metric, semver; /* semver: ordered as versions (else by date) */
    int nversions;
    char **versions;    /* by version id */
    char (*vstart)[32]; /* earliest run start per version id */
    int *order;         /* version ids in order: versions[order[rank]] */
    size_t nseries;
    struct an_series *s;
    long runs_used, runs_without_key;
    size_t nfallback; /* series on real_time because their rows have no such metric */
};
struct an_trend_opts {
    const char *by, *group, *filter; /* group: comma-separated keys, NULL default */
    int metric;
    int metric_default; /* the user gave no --metric: rows without it use real_time */
    struct an_cp_opts cp;
};
/* Build the series of the selected runs and detect their change points. 0, or -1 after
   printing why (unknown key, nothing selected, no values). */
int an_trend_build(struct an_ctx *c, const char *const *words, int nwords, const char *since,
                   const char *until, const struct an_trend_opts *o, struct an_trend *t);
void an_trend_free(struct an_trend *t);
/* Version label of point i of a series. */
#define AN_SERIES_VERSION(t, s, i) ((t)->versions[(t)->order[(s)->x[(i)]]])

/* ---- Capacity sweeps (analyze/capacity.c) ---- */

enum { AN_LOAD_QD, AN_LOAD_FLOWS, AN_LOAD_RATE };
struct an_cap_point {
    char *pairing, *family; /* family: the row name with qd:* or flows:* */
    int kind;               /* AN_LOAD_* */
    double level;           /* QD, flows, or ops/s offered */
    double x;               /* throughput, ops/s (median over repetitions) */
    double p99, mean;       /* ns */
    double inflight;        /* X W (Little's law) */
    double little;          /* X W / level for closed loops, else NAN */
    /* accumulation */
    struct an_hist *hist;
    double *xs, *p99s, *means;
    int nx, np99;
};
struct an_cap {
    size_t n, capn;
    struct an_cap_point *p; /* sorted by pairing, family, level */
};
/* Collect the sweeps of the selected runs (rows matching filter). 0, or -1 after printing
   why (no sweep found). */
int an_capacity_build(struct an_ctx *c, const char *const *words, int nwords, const char *since,
                      const char *until, const char *filter, struct an_cap *out);
void an_capacity_free(struct an_cap *c);
/* The knee among points [from, to) of one family (in load order): with a budget (ns), the
   highest throughput among the loads before the first whose p99 exceeds it; without one
   (NAN), the highest throughput / p99 (Kleinrock's power). -1 when none. *nonmono: the
   first point whose p99 is more than 10% below an earlier (lighter) load's, or -1. */
int an_capacity_knee(const struct an_cap *c, size_t from, size_t to, double budget, int *nonmono);
/* "qd", "flows" or "rate". */
const char *an_load_name(int kind);

/* ---- Budget files (analyze/budget.c) ---- */

enum an_cmp { AC_LT, AC_LE, AC_GT, AC_GE };
struct an_budget {
    int line;
    char *pattern; /* benchmark glob (lib/match.h filter syntax) */
    int nsel;      /* pairing selectors key=glob */
    char **keys, **vals;
    int metric;
    enum an_cmp cmp;
    double value; /* in the metric's unit */
    char *text;   /* the value as written */
};
struct an_budgets {
    int n;
    struct an_budget *b;
};
/* Parse a budget file. 0, or -EINVAL with "FILE:LINE: reason" in err; -errno when it
   cannot be read. */
int an_budget_load(const char *path, struct an_budgets *out, char *err, size_t errlen);
/* an_budget_load over an open stream (path names it in messages; the fuzz harness reads
   from memory). Same results; f is not closed. */
int an_budget_read(FILE *f, const char *path, struct an_budgets *out, char *err, size_t errlen);
void an_budget_free(struct an_budgets *b);
/* 1 when the budget applies to a benchmark of a run group with info ri (selectors). */
int an_budget_applies(const struct an_budget *b, const char *bench,
                      const struct store_run_info *ri);
/* 1 when the budget's selectors hold for a run group (any benchmark). */
int an_budget_selects(const struct an_budget *b, const struct store_run_info *ri);
/* 1 when measured value v meets the budget. */
int an_budget_ok(const struct an_budget *b, double v);
/* "<=", "<", ">=", ">" */
const char *an_cmp_str(enum an_cmp c);

/* ---- Tables in five formats (analyze/report.c) ---- */

enum an_fmt { AF_CONSOLE, AF_CSV, AF_JSON, AF_MD, AF_HTML };
/* Parse --format; -1 when unknown. */
int an_fmt_parse(const char *s);
extern const char *const an_fmt_names[];

struct an_cell {
    char *text; /* for people */
    double num; /* for CSV/JSON when isnum */
    int isnum;
};
struct an_table {
    char *key;   /* JSON member name and CSV section */
    char *title; /* shown above the table (console, Markdown, HTML) */
    int ncols;
    char **keys, **heads;
    size_t nrows, cap;
    struct an_cell *cells;
};
struct an_table *an_table_new(const char *key, const char *title, int ncols,
                              const char *const *keys, const char *const *heads);
void an_table_free(struct an_table *t);
/* Add an empty row; its index, or -1 on ENOMEM. */
long an_table_row(struct an_table *t);
/* Set a text cell. */
void an_table_str(struct an_table *t, long row, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Set a number cell: text for people, num for machines (NAN: empty/null). */
void an_table_num(struct an_table *t, long row, int col, double num, const char *text);
/* Write the document: meta (object of scalars, may be NULL) and the tables. 0 or -EIO. */
int an_report_write(FILE *f, enum an_fmt fmt, const char *title, json_t *meta,
                    struct an_table *const *tables, int ntables);
/* Start a self-contained HTML page (style included) with a title heading. */
void an_html_head(FILE *f, const char *title);
/* Escape for HTML into buf. */
const char *an_html_escape(const char *s, char *buf, size_t len);
/* Open --out FILE (or stdout for NULL/"-"); NULL after printing why. */
FILE *an_out_open(const char *cmd, const char *path);
int an_out_close(FILE *f, const char *cmd, const char *path);

/* ---- Plots (analyze/gnuplot.c) ---- */

struct an_plot {
    const char *dir;    /* output directory (created) */
    const char *name;   /* file stem: DIR/NAME.dat, .gp, .png|.svg */
    const char *format; /* "png" or "svg" */
    const char *title, *xlabel, *ylabel;
    int logx, logy, nines; /* nines: x is -log10(1 - p) with labels 50%, 90%, 99% ... */
    double xmax;           /* nines: the data's largest x (the axis ends at the next nine) */
    const char *extra;     /* more gnuplot commands, or NULL */
    int xunit, yunit;      /* AN_PU_*: how tick labels carry units, chosen per value */
};
/* Axis units of a plot: plain numbers, seconds ("130 ns", "12 us"), per second ("15k/s"),
   bytes per second ("1.2 GB/s"); values are written in base units. */
enum { AN_PU_PLAIN, AN_PU_SECONDS, AN_PU_RATE, AN_PU_BYTERATE };
/* Write NAME.gp with the settings and `plot` clause, run gnuplot in DIR, check the picture
   is not empty. The data file NAME.dat must already be written. 0, or -1 after printing
   why (gnuplot missing: one line, exit 1 for the caller). */
int an_plot_render(const char *cmd, const struct an_plot *p, const char *plot_clause);
/* Open DIR/NAME.dat for writing (DIR created); NULL after printing why. */
FILE *an_plot_data(const char *cmd, const struct an_plot *p);
/* 1 when gnuplot is on PATH. */
int an_have_gnuplot(void);

#endif
