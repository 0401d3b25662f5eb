/*
 * Internals shared by the store's files (store.c: open, transactions; store_migrate.c:
 * schema creation and migrations; store_write.c: adding runs; store_read.c: selecting and
 * loading). Nothing outside collect/store*.c includes this header.
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

struct store {
    sqlite3 *db;
    unsigned flags;
    int in_txn;
    char path[4096];
    char err[512];
    sqlite3_stmt *st[SS_N];
};

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
