/*
 * The results store: one SQLite file (default results/viobench.db), or a PostgreSQL
 * database for a fleet, that holds runs from many guests, Google Benchmark programs and
 * fio, keyed by the host/guest pairing, by labels and by version. The schema is documented
 * in collect/schema.sql (the one place that defines it; collect/schema_pg.sql is its
 * PostgreSQL form) and versioned (PRAGMA user_version; viobench_meta in PostgreSQL); older
 * stores are migrated forward when opened for writing. store_open picks the backend from
 * its target; nothing else here depends on which one it is.
 *
 * This header is the store's whole interface: the collector writes through it and the
 * analyzer reads through it (open read-only, select runs, list their benchmarks, load a
 * run back as a struct vb_run with its histograms). Functions return 0 or -errno; on
 * failure store_errmsg() says why in one line.
 */
#ifndef VB_STORE_H
#define VB_STORE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "result.h"

/* Schema version this build writes (PRAGMA user_version of a current store). */
#define STORE_SCHEMA_VERSION 3
/* Oldest schema version a read-only open reads as it is (3 only widened a check). */
#define STORE_SCHEMA_READABLE 2
/* Default store path, relative to the working directory. */
#define STORE_DEFAULT_PATH "results/viobench.db"

/* store_open flags. */
#define STORE_RDONLY 1u /* never write; -EPROTO on a store older than STORE_SCHEMA_READABLE */

/* Pairing keys, in schema column order (pairings table). */
enum store_pairing_key {
    SP_HYPERVISOR,
    SP_HYPERVISOR_VERSION,
    SP_GUEST_OS,
    SP_GUEST_VERSION,
    SP_KERNEL,
    SP_CPU_MODEL,
    SP_CLOCKSOURCE,
    SP_NKEYS
};
/* Column and selector names of the pairing keys, indexed by enum store_pairing_key. */
extern const char *const store_pairing_keys[SP_NKEYS];

/* The host/guest pairing of a run: "" where unknown. */
struct store_pairing {
    char v[SP_NKEYS][128];
};

struct store;

/* Open (and, unless STORE_RDONLY, create and migrate) the store at target: an SQLite file
   path, or a PostgreSQL connection (postgresql:// or postgres:// URI, or a libpq key=value
   string; see store_is_remote). 0 or -errno with the reason in err (never a password). */
int store_open(const char *target, unsigned flags, struct store **out, char *err, size_t errlen);
/* 1 when a --db value names a PostgreSQL database rather than a file. */
int store_is_remote(const char *target);
/* The store's name for messages: its path, or postgresql://host:port/db (no user, no
   password). */
const char *store_name(const struct store *s);
/* The backend of an open store: "sqlite" or "postgresql". */
const char *store_backend(const struct store *s);
/* Close the store (NULL is fine). */
void store_close(struct store *s);
/* The last error on this store, one line. */
const char *store_errmsg(const struct store *s);
/* Schema version of the open store (STORE_SCHEMA_VERSION after a writable open). */
int store_schema_version(struct store *s);
/* The SQL text of collect/schema.sql compiled into this binary. */
const char *store_schema_sql(void);
/* The same for collect/schema_pg.sql (the PostgreSQL form). */
const char *store_schema_pg_sql(void);

/* ---- Writing (the collector) ---- */

/* Start a write transaction (BEGIN IMMEDIATE), waiting and retrying while another writer
   holds the store, up to about a minute. 0, -EBUSY or -EIO. */
int store_begin(struct store *s);
/* Commit the transaction. 0, -EBUSY or -EIO (the transaction is then rolled back). */
int store_commit(struct store *s);
/* Roll the transaction back (nothing it wrote stays). */
void store_rollback(struct store *s);
/* 1 while a write transaction is open. */
int store_txn_open(const struct store *s);

/* A histogram already in the store's encoding (schema.sql, histograms.buckets), for
   writers that never build a struct hist; blob NULL means the row has none. */
struct store_hist {
    uint64_t count, underflow, overflow;
    double min, max, sum, sumsq; /* ns, ns^2 */
    uint8_t *blob;
    size_t len;
};

/* Encode n non-empty buckets (indices strictly ascending, below HIST_NBUCKETS, counts > 0)
   as a store_hist blob (*blob malloc'ed). 0, -EINVAL (order or range) or -ENOMEM. */
int store_hist_encode(const uint32_t *idx, const uint64_t *count, size_t n, uint8_t **blob,
                      size_t *len);

/* A run to add. Strings may be NULL where unknown; times are ISO 8601 UTC. */
struct store_new_run {
    const char *run_id;       /* unique in the store */
    const char *source;       /* "viobench", "gbench" or "fio" */
    const char *content_hash; /* SHA-256 hex of the input's content */
    const char *origin;       /* path the run was read from */
    const char *start, *end;  /* run start and end */
    const char *tool, *tool_version, *host;
    int complete;                   /* 1 unless the run was interrupted */
    struct store_pairing pairing;   /* see store_pairing_from_context() */
    const json_t *labels;           /* object of string values, or NULL */
    const struct vb_run *run;       /* context and rows (histograms on iteration rows) */
    const json_t *raw_rows;         /* Google Benchmark imports: the original row objects,
                                       one per run row, kept for a faithful export; or NULL */
    const struct store_hist *hists; /* encoded histograms, one per run row, used where a
                                       row has no struct hist; or NULL */
    int last; /* the transaction's last run: a backend may commit with it (PostgreSQL: in the
                 same round trip), after which store_txn_open says 0; on failure the
                 transaction stays open for store_rollback */
};

/* Is a run with this content hash stored? 1 yes, 0 no, -EIO. Usable outside transactions. */
int store_has_hash(struct store *s, const char *hash);
/* Inside a transaction: add the run. 0; 1 when the same content is already stored
   (nothing written); -EEXIST when its run_id is stored with other content; -EIO. */
int store_add_run(struct store *s, const struct store_new_run *nr);

/* ---- Reading (the collector's ls/export and the analyzer) ---- */

/*
 * Run selectors: `key=value` conditions, all of which must hold (AND), plus a date range on
 * the run's start. A value is a glob (lib/match.h match_glob: *, ?, [set]) matched against
 * the whole value. Keys: the pairing keys (store_pairing_keys), run keys (run_id, source,
 * tool, tool_version, host, complete) or any label key. Dates are ISO 8601 prefixes in UTC
 * ("2026-11-25", "2026-11-25T10:00"); since is inclusive, until includes the whole prefix.
 */
struct store_sel {
    int n;
    char **keys, **values;
    char *since, *until; /* NULL: open-ended */
};
/* Add a "key=value" condition. 0, -EINVAL (with the reason in err) or -ENOMEM. */
int store_sel_add(struct store_sel *sel, const char *kv, char *err, size_t errlen);
/* Set the date range (either may be NULL). 0 or -EINVAL when a date is not ISO 8601. */
int store_sel_dates(struct store_sel *sel, const char *since, const char *until, char *err,
                    size_t errlen);
/* Free what the selectors hold (the struct itself is the caller's). */
void store_sel_free(struct store_sel *sel);

/* One run as listed (store_select_runs). */
struct store_run_info {
    int64_t id;                      /* store row id, for store_load_run */
    char run_id[128], source[16];    /* run_id as ingested; source viobench|gbench|fio */
    char start[32], end[32];         /* ISO 8601 UTC, "" when unknown */
    char tool[32], tool_version[64]; /* e.g. viobench 0.1.0, fio fio-3.33 */
    char host[128];                  /* host name as the run recorded it */
    char content_hash[65];
    int complete;
    long rows; /* result rows stored for this run */
    struct store_pairing pairing;
    json_t *labels; /* object of strings (owned) */
};

/* Runs matching the selectors (NULL selects all), oldest start first. *out is an array of
   *n entries; free it with store_runs_free. 0, -ENOMEM or -EIO. */
int store_select_runs(struct store *s, const struct store_sel *sel, struct store_run_info **out,
                      size_t *n);
/* Free an array from store_select_runs. */
void store_runs_free(struct store_run_info *runs, size_t n);
/* Resolve a run id (exact, or a unique prefix) to its store id. 0, -ENOENT or -EINVAL
   (ambiguous prefix). */
int store_find_run(struct store *s, const char *run_id, int64_t *id);
/* Value of a selector key (pairing, run or label key) for a listed run: a string, or NULL
   when the run has no such key. The pointer lives as long as info. */
const char *store_run_key(const struct store_run_info *info, const char *key);
/* Benchmark names (run_name) of a run in row order, each once. *names is an array of *n
   malloc'ed strings; free with store_names_free. 0, -ENOMEM or -EIO. */
int store_list_benchmarks(struct store *s, int64_t id, char ***names, size_t *n);
/* Free the array from store_list_benchmarks. */
void store_names_free(char **names, size_t n);
/* Load a run (context and every row with counters, info and histograms) into an
   initialised run, in its original row order. 0, -ENOENT, -ENOMEM or -EIO. */
int store_load_run(struct store *s, int64_t id, struct vb_run *out);
/* store_load_run calling row_cb on each row as soon as it is loaded (idx its position);
   the callback may take the row's histogram (free it, set w->hist NULL) so a reader that
   keeps its own form never holds all of a run's histograms at once. A non-zero return
   stops the load with that error. */
int store_load_run_each(struct store *s, int64_t id, struct vb_run *out,
                        int (*row_cb)(struct vb_row *w, size_t idx, void *arg), void *arg);
/* Load a run's rows without context, histograms, info or JSON counters: the stored
   columns only (times, throughputs, errors; p50_ns ... p9999_ns, min_ns, max_ns and
   stddev_ns become counters). For series over many runs. 0, -ENOMEM or -EIO. */
int store_load_summaries(struct store *s, int64_t id, struct vb_run *out);
/* For Google Benchmark imports: the original row objects in row order (new reference),
   or NULL when the run has none. */
json_t *store_load_raw_rows(struct store *s, int64_t id);

/* Numbers for summaries: runs, result rows, and the store's size in bytes. 0 or -EIO. */
int store_stats(struct store *s, long *runs, long *rows, long long *bytes);

/* ---- Pairing and version keys ---- */

/* Fill p from a run's context (viobench context.json, or a Google Benchmark context that
   viobench wrote), then fill keys still unknown from labels of the same name (and "guest"
   for guest_os). Never fails; unknown keys stay "". */
void store_pairing_from_context(const json_t *ctx, const json_t *labels, struct store_pairing *p);
/* Keys that identify versions for series over releases: hypervisor_version, guest_version,
   kernel, tool_version, and every label whose key ends in "version". 1 when key is one. */
int store_is_version_key(const char *key);

/* An ISO 8601 date/time (with 'T' or ' ', optional fraction and zone; no zone means UTC)
   as a Unix time in ms (*unix_ms). 0 or -EINVAL. */
int store_parse_time(const char *in, double *unix_ms);

#endif
