/*
 * Internals shared by the store's files. The store has two backends behind one table of
 * operations (struct store_ops), chosen in one place (store_api.c) from the --db value:
 * SQLite (store.c: open, transactions; store_migrate.c: schema creation and migrations;
 * store_write.c: adding runs; store_read.c, store_load.c: selecting and loading) and
 * PostgreSQL (store_pg*.c). Nothing outside collect/store*.c includes this header.
 */
#ifndef VB_STORE_INT_H
#define VB_STORE_INT_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "hist.h"
#include "store.h"

/* application_id of a viobench store ('vbst'), set by schema.sql. */
#define STORE_APP_ID 0x76627374

/* Prepared statements kept for the life of the connection. */
enum store_stmt_id {
    SS_HAS_HASH,
    SS_RUN_BY_ID,
    SS_PAIRING_INS,
    SS_PAIRING_GET,
    SS_RUN_INS,
    SS_LABEL_INS,
    SS_BENCH_INS,
    SS_BENCH_GET,
    SS_RESULT_INS,
    SS_HIST_INS,
    SS_N
};

struct store;

/* One backend: every store.h function that touches the database, with its contract. */
struct store_ops {
    const char *name; /* "sqlite" or "postgresql" */
    int (*open)(const char *target, unsigned flags, struct store **out, char *err, size_t errlen);
    void (*close)(struct store *s);
    int (*schema_version)(struct store *s);
    int (*begin)(struct store *s);
    int (*commit)(struct store *s);
    void (*rollback)(struct store *s);
    int (*has_hash)(struct store *s, const char *hash);
    int (*add_run)(struct store *s, const struct store_new_run *nr);
    int (*select_runs)(struct store *s, const struct store_sel *sel, struct store_run_info **out,
                       size_t *n);
    int (*find_run)(struct store *s, const char *run_id, int64_t *id);
    int (*list_benchmarks)(struct store *s, int64_t id, char ***names, size_t *n);
    int (*load_run_each)(struct store *s, int64_t id, struct vb_run *out,
                         int (*row_cb)(struct vb_row *w, size_t idx, void *arg), void *arg);
    int (*load_summaries)(struct store *s, int64_t id, struct vb_run *out);
    json_t *(*load_raw_rows)(struct store *s, int64_t id);
    int (*stats)(struct store *s, long *runs, long *rows, long long *bytes);
};
extern const struct store_ops store_sqlite_ops, store_pg_ops;

struct store_pg; /* the PostgreSQL backend's state (store_pg.c) */

struct store {
    const struct store_ops *ops;
    struct store_pg *pg; /* PostgreSQL only */
    sqlite3 *db;         /* SQLite only */
    unsigned flags;
    int in_txn;
    char path[4096]; /* for messages: the file, or postgresql://host/db (no password) */
    char err[512];
    sqlite3_stmt *st[SS_N];
};

/* The SQLite backend's operations (store.c, store_write.c, store_read.c, store_load.c). */
int lite_open(const char *path, unsigned flags, struct store **out, char *err, size_t errlen);
void lite_close(struct store *s);
int lite_schema_version(struct store *s);
int lite_begin(struct store *s);
int lite_commit(struct store *s);
void lite_rollback(struct store *s);
int lite_stats(struct store *s, long *runs, long *rows, long long *bytes);
int lite_has_hash(struct store *s, const char *hash);
int lite_add_run(struct store *s, const struct store_new_run *nr);
int lite_select_runs(struct store *s, const struct store_sel *sel, struct store_run_info **out,
                     size_t *n);
int lite_find_run(struct store *s, const char *run_id, int64_t *id);
int lite_list_benchmarks(struct store *s, int64_t id, char ***names, size_t *n);
int lite_load_run_each(struct store *s, int64_t id, struct vb_run *out,
                       int (*row_cb)(struct vb_row *w, size_t idx, void *arg), void *arg);
int lite_load_summaries(struct store *s, int64_t id, struct vb_run *out);
json_t *lite_load_raw_rows(struct store *s, int64_t id);

/* One row of a query result, read column by column whatever the backend: h is the
   backend's cursor. text is NULL and num NAN for SQL NULL. */
struct store_cols {
    void *h;
    int (*isnull)(const struct store_cols *c, int col);
    const char *(*text)(const struct store_cols *c, int col);
    int64_t (*i64)(const struct store_cols *c, int col);
    double (*num)(const struct store_cols *c, int col);
    const void *(*blob)(const struct store_cols *c, int col, size_t *len);
};

/* Columns of a full row load, in the order of the C_* indices below, and its FROM (both
   backends run this SELECT with their own WHERE clause). */
#define STORE_LOAD_COLS                                                                        \
    "SELECT b.name, r.name, r.run_type, r.aggregate_name, r.aggregate_unit, r.repetitions,"    \
    " r.repetition_index, r.threads, r.iterations, r.real_time, r.cpu_time, r.time_unit,"      \
    " r.bytes_per_second, r.items_per_second, r.label, r.error_occurred, r.error_message,"     \
    " r.skipped, r.counters, r.info, h.sub_bits, h.min_exp, h.count, h.underflow, h.overflow," \
    " h.min_ns, h.max_ns, h.sum_ns, h.sumsq_ns, h.buckets"
#define STORE_LOAD_FROM                                       \
    " FROM results r JOIN benchmarks b ON b.id = r.benchmark" \
    " LEFT JOIN histograms h ON h.result = r.id"
enum {
    C_BENCH,
    C_NAME,
    C_TYPE,
    C_AGG,
    C_AGGUNIT,
    C_REPS,
    C_REPIDX,
    C_THREADS,
    C_ITERS,
    C_REAL,
    C_CPU,
    C_UNIT,
    C_BPS,
    C_IPS,
    C_LABEL,
    C_ERR,
    C_ERRMSG,
    C_SKIPPED,
    C_COUNTERS,
    C_INFO,
    C_HSUB,
    C_HMINEXP,
    C_HCOUNT,
    C_HUNDER,
    C_HOVER,
    C_HMIN,
    C_HMAX,
    C_HSUM,
    C_HSUMSQ,
    C_HBUCKETS,
    C_NCOLS
};
/* Columns of the light loader (store_load_summaries). */
#define STORE_SUMMARY_COLS                                                                   \
    "SELECT b.name, r.name, r.run_type, r.aggregate_name, r.aggregate_unit, r.repetitions,"  \
    " r.repetition_index, r.threads, r.iterations, r.real_time, r.cpu_time, r.time_unit,"    \
    " r.bytes_per_second, r.items_per_second, r.error_occurred, r.error_message, r.skipped," \
    " r.p50_ns, r.p90_ns, r.p99_ns, r.p999_ns, r.p9999_ns, r.min_ns, r.max_ns, r.stddev_ns"
#define STORE_SUMMARY_FROM  " FROM results r JOIN benchmarks b ON b.id = r.benchmark"
#define STORE_SUMMARY_NCOLS 25

/* Append the row c holds (STORE_LOAD_COLS) to out, histogram included. 0, -ENOMEM or
   -EPROTO (a corrupt column). */
int store_row_load(struct store *s, const struct store_cols *c, struct vb_run *out);
/* Append the row c holds (STORE_SUMMARY_COLS) to out. 0 or -ENOMEM. */
int store_row_summary(struct store *s, const struct store_cols *c, struct vb_run *out);
/* Encode a row's counters as the compact JSON object both backends store; NULL when the
   row has none (or out of memory: the caller tells them apart by w->ncounters). */
char *store_counters_json(const struct vb_row *w);
/* Percentile columns (results.p50_ns ... stddev_ns), filled from counters of that name. */
extern const char *const store_pct_cols[8];

/* Record an error message (printf-style) and return ret. */
int store_fail(struct store *s, int ret, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Record SQLite's message for what failed; returns -EBUSY for busy/locked, else -EIO. */
int store_sqlfail(struct store *s, const char *what);
/* A cached prepared statement, reset and with bindings cleared; NULL after store_sqlfail. */
sqlite3_stmt *store_stmt(struct store *s, enum store_stmt_id id);
/* Run SQL without results. 0 or store_sqlfail's code. */
int store_exec(struct store *s, const char *sql);
/* Read PRAGMA user_version. 0 or -errno. */
int store_user_version(struct store *s, int *v);

/* Create a new store's schema, or migrate an older one, inside the caller's transaction.
   from is the current user_version (0: empty file). 0 or -errno. */
int store_migrate(struct store *s, int from);

/* Encode the non-empty buckets of h (see schema.sql, histograms.buckets). *buf is
   malloc'ed. 0 or -ENOMEM. */
int histblob_encode(const struct hist *h, uint8_t **buf, size_t *len);
/* Add the buckets of a blob into h (counts only; the caller sets the totals). 0 or -EINVAL
   for a malformed blob. */
int histblob_decode(const void *buf, size_t len, struct hist *h);

/* The last Unix time in ms a store holds: 9999-12-31T23:59:59.999Z. */
#define STORE_MAX_UNIX_MS 253402300799999.0
/* Format a Unix time in ms as "YYYY-MM-DDTHH:MM:SS.mmmZ" (out: at least 32 bytes), clamped
   to [0, STORE_MAX_UNIX_MS]. */
void store_iso_time(double unix_ms, char *out, size_t len);
/* Normalise an ISO 8601 date/time (with 'T' or ' ', optional fraction and zone; no zone
   means UTC) to "YYYY-MM-DDTHH:MM:SS.mmmZ". 0 or -EINVAL. */
int store_norm_time(const char *in, char *out, size_t len);

#endif
