/*
 * Internals of the store's PostgreSQL backend (store_pg.c: connection, errors, schema,
 * transactions; store_pg_write.c: adding runs, with store_pg_param.c's caches and parameter
 * encoders; store_pg_read.c: selecting and loading).
 * Only collect/store_pg*.c include this header.
 */
#ifndef VB_STORE_PG_H
#define VB_STORE_PG_H

#include <libpq-fe.h>

#include "store_int.h"

/* A name -> id cache of dimension rows (pairings, benchmarks); entries added inside the
   open transaction are pending until it commits (a rollback forgets them). */
struct pgs_dim {
    char *key;
    int64_t id;
    int pending;
};
struct pgs_cache {
    struct pgs_dim *v; /* sorted by key (strcmp) */
    size_t n, cap;
};

struct store_pg {
    PGconn *conn;
    char *password;   /* from the connection string, scrubbed from every message */
    int version;      /* schema version */
    int last;         /* -errno of the last failure (pgs_resfail) */
    int need_begin;   /* store_begin deferred BEGIN to the first statement (store_pg_write.c) */
    int add_prepared; /* the add-run statement is prepared on this connection */
    long added_txn;   /* runs added by the open transaction */
    long added;       /* runs added by committed transactions of this connection */
    struct pgs_cache bench, pairing;
    /* read-ahead of summaries (store_pg_read.c): runs listed by the last select */
    int64_t *ids;
    size_t nids;
    PGresult *ahead;     /* rows of runs ids[ahead_lo, ahead_hi), ordered by run, seq */
    PGresult *ahead_ctx; /* full loads: (id, context) of the same runs, ordered by id */
    size_t ahead_lo, ahead_hi;
    int64_t ahead_id; /* or of this one run, not in the selection */
    int ahead_full;   /* rows of STORE_LOAD_COLS, else STORE_SUMMARY_COLS */
};

/* Record a one-line message without the password; returns ret. */
int pgs_fail(struct store *s, int ret, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Record the failure of a result (frees it): -EBUSY for a deadlock or serialization
   failure (retry the input), -EACCES for missing privileges, -ECONNRESET when the
   connection is gone, else -EIO. */
int pgs_resfail(struct store *s, PGresult *r, const char *what);
/* Run sql with n text parameters v (bind parameters, never spliced into the SQL); the
   result when its status is want, else NULL with the error recorded. */
PGresult *pgs_exec(struct store *s, const char *what, ExecStatusType want, const char *sql, int n,
                   const char *const *v);
/* pgs_exec for a command without rows: 0 or -errno. */
int pgs_cmd(struct store *s, const char *what, const char *sql, int n, const char *const *v);

/* The dimension caches: look up (1 found, 0 not), add, settle at the end of a transaction
   (committed: pending entries become permanent; else they are dropped), free. */
int pgs_cache_get(struct pgs_cache *c, const char *key, int64_t *id);
int pgs_cache_put(struct pgs_cache *c, const char *key, int64_t id, int pending);
void pgs_cache_end(struct store *s, int committed);
/* The open transaction committed: caches and counts follow, no transaction is open. */
void pgs_committed(struct store *s);
void pgs_cache_free(struct store *s);

/* A growing byte buffer (oom set when an allocation failed; later writes are dropped). */
struct pgs_buf {
    char *p;
    size_t n, cap;
    int oom;
};

/* A text[] literal: add elements (NULL for SQL NULL; " and \ are escaped), then close it;
   NULL when out of memory. */
void pgs_lit_el(struct pgs_buf *b, const char *v);
const char *pgs_lit_end(struct pgs_buf *b);

/* Element types of binary arrays (pg_type OIDs). */
enum { OID_BYTEA = 17, OID_INT8 = 20, OID_INT4 = 23, OID_TEXT = 25, OID_FLOAT8 = 701 };

/* A one-dimensional array in PostgreSQL's binary format (array_recv), for a parameter
   passed with format 1; set oid, add elements, then take the bytes with pgs_arr_end. */
struct pgs_arr {
    struct pgs_buf b; /* ARR_HDR bytes of header, then the elements */
    uint32_t oid;     /* element type */
    int32_t n;
    int nulls;
};

/* Add a text element (NULL: SQL NULL), an integer of the array's type (int4 or int8), a
   double (its IEEE bytes, exactly; NaN: SQL NULL), a bytea. */
void pgs_arr_text(struct pgs_arr *a, const char *v);
void pgs_arr_int(struct pgs_arr *a, long long v);
void pgs_arr_f8(struct pgs_arr *a, double v);
void pgs_arr_bytea(struct pgs_arr *a, const uint8_t *p, size_t len);
/* The array's bytes (len set to their count), or NULL when out of memory; free a->b.p. */
const char *pgs_arr_end(struct pgs_arr *a, int *len);

/* The backend's operations (see struct store_ops and store.h). */
int pgs_add_run(struct store *s, const struct store_new_run *nr);
int pgs_select_runs(struct store *s, const struct store_sel *sel, struct store_run_info **out,
                    size_t *n);
int pgs_find_run(struct store *s, const char *run_id, int64_t *id);
int pgs_list_benchmarks(struct store *s, int64_t id, char ***names, size_t *n);
int pgs_load_run_each(struct store *s, int64_t id, struct vb_run *out,
                      int (*row_cb)(struct vb_row *w, size_t idx, void *arg), void *arg);
int pgs_load_summaries(struct store *s, int64_t id, struct vb_run *out);
json_t *pgs_load_raw_rows(struct store *s, int64_t id);
/* Forget the read-ahead (store_pg_read.c). */
void pgs_ahead_free(struct store *s);

#endif
