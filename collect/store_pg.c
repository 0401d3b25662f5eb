/*
 * The PostgreSQL backend of the store: one database that collectors on many hosts write at
 * once and analyzers read. This file connects (libpq parses the URI or key=value string, so
 * sslmode, passfile and every other option pass through), keeps every message free of the
 * password, creates and migrates the schema (collect/schema_pg.sql, versioned in
 * viobench_meta, under an advisory lock so concurrent first collectors create it once) and
 * runs the transactions. Adding runs is store_pg_write.c, reading store_pg_read.c.
 *
 * Concurrency: each input is one READ COMMITTED transaction; unique constraints on the
 * content hash and run id (INSERT ... ON CONFLICT DO NOTHING) make two collectors racing on
 * the same run store it once, and a deadlock or serialization failure is reported as
 * -EBUSY so the collector retries the whole input. A killed collector's open transaction
 * is rolled back by the server when its connection drops.
 */
#include "store_pg.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Replace every occurrence of secret in s with "***" (in place, s shrinks or keeps its
   length for secrets of 3+ characters; shorter ones are left: too common to scrub). */
static void scrub(char *s, const char *secret)
{
    size_t n = secret ? strlen(secret) : 0;
    char *at;

    if (n < 3)
        return;
    while ((at = strstr(s, secret))) {
        memcpy(at, "***", 3);
        memmove(at + 3, at + n, strlen(at + n) + 1);
    }
}

/* Make a libpq message one line and free of the password. */
static void one_line(struct store *s, char *msg)
{
    char *o = msg;
    int space = 0;

    for (char *c = msg; *c; c++) {
        if (*c == '\n' || *c == '\r' || *c == '\t') {
            space = 1;
            continue;
        }
        if (space && o != msg)
            *o++ = ' ';
        space = 0;
        *o++ = *c;
    }
    *o = 0;
    if (s->pg) {
        scrub(msg, s->pg->password);
    }
    scrub(msg, getenv("PGPASSWORD"));
}

int pgs_fail(struct store *s, int ret, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->err, sizeof(s->err), fmt, ap);
    va_end(ap);
    one_line(s, s->err);
    return ret;
}

int pgs_resfail(struct store *s, PGresult *r, const char *what)
{
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    const char *msg = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    int ret = -EIO;

    if (!msg || !*msg)
        msg = PQerrorMessage(s->pg->conn);
    if (state &&
        (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 || strcmp(state, "55P03") == 0))
        ret = -EBUSY;
    else if (state && strcmp(state, "42501") == 0)
        ret = -EACCES;
    else if (PQstatus(s->pg->conn) == CONNECTION_BAD)
        ret = -ECONNRESET;
    pgs_fail(s, ret, "%s: %s: %s", s->path, what, msg);
    PQclear(r);
    s->pg->last = ret;
    return ret;
}

PGresult *pgs_exec(struct store *s, const char *what, ExecStatusType want, const char *sql, int n,
                   const char *const *v)
{
    PGresult *r = n || v ? PQexecParams(s->pg->conn, sql, n, NULL, v, NULL, NULL, 0)
                         : PQexec(s->pg->conn, sql);
    if (PQresultStatus(r) != want) {
        if (PQresultStatus(r) == PGRES_COPY_IN) /* a COPY the input started: end it */
            PQputCopyEnd(s->pg->conn, "unexpected COPY");
        pgs_resfail(s, r, what);
        return NULL;
    }
    return r;
}

int pgs_cmd(struct store *s, const char *what, const char *sql, int n, const char *const *v)
{
    PGresult *r = pgs_exec(s, what, PGRES_COMMAND_OK, sql, n, v);
    if (!r)
        return s->pg->last;
    PQclear(r);
    return 0;
}

/* "postgresql://host:port/db" or "postgresql:///db?host=/socket/dir&port=N": where the
   store is, without user or password. */
static void name_from(struct store *s, const char *h, const char *p, const char *d)
{
    h = h ? h : "";
    p = p ? p : "";
    d = d ? d : "";
    if (h[0] == '/')
        snprintf(s->path, sizeof(s->path), "postgresql:///%s?host=%s%s%s", d, h, *p ? "&port=" : "",
                 p);
    else if (strchr(h, ':')) /* IPv6 */
        snprintf(s->path, sizeof(s->path), "postgresql://[%s]%s%s/%s", h, *p ? ":" : "", p, d);
    else
        snprintf(s->path, sizeof(s->path), "postgresql://%s%s%s/%s", h, *p ? ":" : "", p, d);
}

static void display_name(struct store *s)
{
    name_from(s, PQhost(s->pg->conn), PQport(s->pg->conn), PQdb(s->pg->conn));
}

/* The same before connecting, from the parsed connection string. */
static void display_name_opts(struct store *s, PQconninfoOption *o)
{
    const char *h = "", *p = "", *d = "";
    for (; o && o->keyword; o++) {
        if (!o->val)
            continue;
        if (strcmp(o->keyword, "host") == 0)
            h = o->val;
        else if (strcmp(o->keyword, "port") == 0)
            p = o->val;
        else if (strcmp(o->keyword, "dbname") == 0)
            d = o->val;
    }
    name_from(s, h, p, d);
}

/* The schema version in viobench_meta: 0 for an empty database; -EPROTO (with the reason)
   for a database that holds other tables and no viobench_meta, or another application's. */
static int read_version(struct store *s, int *v)
{
    PGresult *r;
    int ret = 0;

    *v = 0;
    r = pgs_exec(s, "read schema version", PGRES_TUPLES_OK,
                 "SELECT to_regclass('viobench_meta') IS NOT NULL,"
                 " (SELECT count(*) FROM pg_tables WHERE schemaname = current_schema())",
                 0, NULL);
    if (!r)
        return -EIO;
    if (strcmp(PQgetvalue(r, 0, 0), "t") != 0) {
        long n = atol(PQgetvalue(r, 0, 1));
        PQclear(r);
        if (n > 0)
            return pgs_fail(s, -EPROTO,
                            "%s: not a viobench store (%ld table%s and no viobench_meta)", s->path,
                            n, n == 1 ? "" : "s");
        return 0;
    }
    PQclear(r);
    r = pgs_exec(s, "read schema version", PGRES_TUPLES_OK,
                 "SELECT (SELECT value FROM viobench_meta WHERE key = 'application'),"
                 " (SELECT value FROM viobench_meta WHERE key = 'schema_version')",
                 0, NULL);
    if (!r)
        return -EIO;
    if (PQgetisnull(r, 0, 0) || strcmp(PQgetvalue(r, 0, 0), "viobench store") != 0 ||
        PQgetisnull(r, 0, 1))
        ret = pgs_fail(s, -EPROTO, "%s: not a viobench store (viobench_meta without its keys)",
                       s->path);
    else
        *v = atoi(PQgetvalue(r, 0, 1));
    PQclear(r);
    return ret;
}

/* Migrations, one per version step, in the caller's transaction; PostgreSQL stores start
   at version 2. 2 -> 3: runs.source also allows 'hdrlog' (HdrHistogram log imports). */
static int migrate(struct store *s, int from)
{
    if (from == 0)
        return pgs_cmd(s, "create schema", store_schema_pg_sql(), 0, NULL);
    if (from == 2)
        return pgs_cmd(s, "migrate schema 2 to 3",
                       "ALTER TABLE runs DROP CONSTRAINT runs_source_check,"
                       " ADD CONSTRAINT runs_source_check"
                       " CHECK (source IN ('viobench', 'gbench', 'fio', 'hdrlog'));"
                       " UPDATE viobench_meta SET value = '3' WHERE key = 'schema_version'",
                       0, NULL);
    return pgs_fail(s, -EPROTO, "%s: no migration from schema version %d", s->path, from);
}

static int ensure_schema(struct store *s)
{
    int v, ret;

    if ((ret = read_version(s, &v)))
        return ret;
    s->pg->version = v;
    if (v == STORE_SCHEMA_VERSION)
        return 0;
    if (v > STORE_SCHEMA_VERSION)
        return pgs_fail(s, -EPROTO, "%s: store schema version %d is newer than this viobench (%d)",
                        s->path, v, STORE_SCHEMA_VERSION);
    if ((s->flags & STORE_RDONLY) && v == 0)
        return pgs_fail(s, -ENOENT,
                        "%s: no viobench store in this database yet: create it with `viobench "
                        "collect --db URI` (a role that may create tables)",
                        s->path);
    if ((s->flags & STORE_RDONLY) && v >= STORE_SCHEMA_READABLE)
        return 0; /* readable as it is; collect migrates it */
    if (s->flags & STORE_RDONLY)
        return pgs_fail(s, -EPROTO,
                        "%s: store schema version %d needs migrating to %d: run `viobench "
                        "collect --db URI` once (no inputs needed) with a role that owns it",
                        s->path, v, STORE_SCHEMA_VERSION);
    if ((ret = pgs_cmd(s, "begin", "BEGIN", 0, NULL)))
        return ret;
    {
        PGresult *r = pgs_exec(s, "lock schema", PGRES_TUPLES_OK,
                               "SELECT pg_advisory_xact_lock(1986163572)", 0, NULL);
        if (!r) {
            ret = -EIO;
            goto fail;
        }
        PQclear(r);
    }
    if ((ret = read_version(s, &v)))
        goto fail;
    if (v < STORE_SCHEMA_VERSION && (ret = migrate(s, v)))
        goto fail;
    if ((ret = pgs_cmd(s, "commit", "COMMIT", 0, NULL)))
        goto fail;
    s->pg->version = STORE_SCHEMA_VERSION;
    return 0;
fail:
    PQclear(PQexec(s->pg->conn, "ROLLBACK"));
    return ret;
}

/* A bulk load (collect --from, a large directory) is followed by ANALYZE, as PostgreSQL's
   manual advises: the analyzer's first queries after it would otherwise be planned on no
   or stale statistics until autovacuum catches up (up to a minute later), and choose
   whole-table scans per batch of runs. Smaller ingests leave it to autovacuum. */
#define ANALYZE_AFTER_RUNS 1000

static void quiet(void *arg, const char *msg)
{
    (void)arg;
    (void)msg;
}

static void pg_close(struct store *s)
{
    if (!s)
        return;
    if (s->pg && s->pg->added >= ANALYZE_AFTER_RUNS && s->pg->conn &&
        PQtransactionStatus(s->pg->conn) == PQTRANS_IDLE) {
        /* best effort: a role that owns no table is warned (not shown), autovacuum runs */
        PQsetNoticeProcessor(s->pg->conn, quiet, NULL);
        PQclear(
            PQexec(s->pg->conn, "ANALYZE pairings, runs, labels, benchmarks, results, histograms"));
    }
    if (s->pg) {
        pgs_cache_free(s);
        pgs_ahead_free(s);
        free(s->pg->ids);
        if (s->pg->conn)
            PQfinish(s->pg->conn);
        free(s->pg->password);
        free(s->pg);
    }
    free(s);
}

static int pg_open(const char *target, unsigned flags, struct store **out, char *err, size_t errlen)
{
    /* connect_timeout first: the target's own value, when it has one, overrides it */
    const char *const keys[] = {"connect_timeout", "fallback_application_name", "dbname", NULL};
    const char *const vals[] = {"10", "viobench", target, NULL};
    PQconninfoOption *opts;
    struct store *s;
    char *perr = NULL;
    int ret = 0;

    *out = NULL;
    s = calloc(1, sizeof(*s));
    if (!s || !(s->pg = calloc(1, sizeof(*s->pg)))) {
        free(s);
        snprintf(err, errlen, "PostgreSQL store: out of memory");
        return -ENOMEM;
    }
    s->ops = &store_pg_ops;
    s->flags = flags;
    /* libpq's parse error may quote the string (and so a password): never shown */
    if (!(opts = PQconninfoParse(target, &perr))) {
        PQfreemem(perr);
        snprintf(err, errlen,
                 "--db: not a valid PostgreSQL connection URI or key=value string (not "
                 "shown: it may hold a password)");
        pg_close(s);
        return -EINVAL;
    }
    for (PQconninfoOption *o = opts; o->keyword; o++)
        if (strcmp(o->keyword, "password") == 0 && o->val && !(s->pg->password = strdup(o->val)))
            ret = -ENOMEM;
    (void)ret;
    display_name_opts(s, opts);
    PQconninfoFree(opts);
    s->pg->conn = PQconnectdbParams(keys, vals, 1);
    if (!s->pg->conn || PQstatus(s->pg->conn) != CONNECTION_OK) {
        ret = pgs_fail(s, -ECONNREFUSED, "%s: cannot connect: %s", s->path,
                       s->pg->conn ? PQerrorMessage(s->pg->conn) : "out of memory");
        goto fail;
    }
    display_name(s);
    if (PQsetClientEncoding(s->pg->conn, "UTF8")) {
        ret = pgs_fail(s, -EIO, "%s: cannot use UTF8: %s", s->path, PQerrorMessage(s->pg->conn));
        goto fail;
    }
    /* every float exactly (shortest round-trip form since PostgreSQL 12, 17 digits before);
       no JIT: viobench's queries are short, and the server's default cost threshold would
       compile (a store of 10,000 runs without planner statistics yet: ~0.3 s per query)
       what runs in a fraction of that; a read-only open cannot write even by mistake */
    if ((ret = pgs_cmd(s, "set up session",
                       (flags & STORE_RDONLY) ? "SET extra_float_digits = 3; SET jit = off;"
                                                " SET default_transaction_read_only = on"
                                              : "SET extra_float_digits = 3; SET jit = off;"
                                                " SET plan_cache_mode = force_generic_plan",
                       0, NULL)))
        goto fail;
    if ((ret = ensure_schema(s)))
        goto fail;
    *out = s;
    return 0;
fail:
    snprintf(err, errlen, "%s", s->err[0] ? s->err : "cannot open store");
    pg_close(s);
    return ret;
}

static int pg_schema_version(struct store *s)
{
    return s->pg->version;
}

/* BEGIN is sent with the transaction's first statement (one round trip less per input). */
static int pg_begin(struct store *s)
{
    if (PQtransactionStatus(s->pg->conn) != PQTRANS_IDLE)
        return pgs_fail(s, -EIO, "%s: begin transaction: the connection is not idle", s->path);
    s->pg->need_begin = 1;
    s->in_txn = 1;
    return 0;
}

static void pg_rollback(struct store *s)
{
    s->pg->need_begin = 0;
    s->pg->added_txn = 0;
    if (PQtransactionStatus(s->pg->conn) != PQTRANS_IDLE)
        PQclear(PQexec(s->pg->conn, "ROLLBACK"));
    pgs_cache_end(s, 0);
    s->in_txn = 0;
}

static int pg_commit(struct store *s)
{
    int ret = s->pg->need_begin ? 0 : pgs_cmd(s, "commit", "COMMIT", 0, NULL);
    if (ret) {
        pg_rollback(s);
        return ret;
    }
    pgs_committed(s);
    return 0;
}

void pgs_committed(struct store *s)
{
    pgs_cache_end(s, 1);
    s->pg->added += s->pg->added_txn;
    s->pg->added_txn = 0;
    s->pg->need_begin = 0;
    s->in_txn = 0;
}

static int pg_has_hash(struct store *s, const char *hash)
{
    const char *v[1] = {hash};
    PGresult *r = pgs_exec(s, "look up content hash", PGRES_TUPLES_OK,
                           "SELECT 1 FROM runs WHERE content_hash = $1", 1, v);
    int n;
    if (!r)
        return -EIO;
    n = PQntuples(r) > 0;
    PQclear(r);
    return n;
}

static int pg_stats(struct store *s, long *runs, long *rows, long long *bytes)
{
    PGresult *r = pgs_exec(s, "count runs", PGRES_TUPLES_OK,
                           "SELECT (SELECT count(*) FROM runs), (SELECT count(*) FROM results),"
                           " pg_total_relation_size('pairings') + pg_total_relation_size('runs')"
                           " + pg_total_relation_size('labels')"
                           " + pg_total_relation_size('benchmarks')"
                           " + pg_total_relation_size('results')"
                           " + pg_total_relation_size('histograms')",
                           0, NULL);
    if (!r)
        return -EIO;
    *runs = atol(PQgetvalue(r, 0, 0));
    *rows = atol(PQgetvalue(r, 0, 1));
    *bytes = atoll(PQgetvalue(r, 0, 2));
    PQclear(r);
    return 0;
}

const struct store_ops store_pg_ops = {
    .name = "postgresql",
    .open = pg_open,
    .close = pg_close,
    .schema_version = pg_schema_version,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .has_hash = pg_has_hash,
    .add_run = pgs_add_run,
    .select_runs = pgs_select_runs,
    .find_run = pgs_find_run,
    .list_benchmarks = pgs_list_benchmarks,
    .load_run_each = pgs_load_run_each,
    .load_summaries = pgs_load_summaries,
    .load_raw_rows = pgs_load_raw_rows,
    .stats = pg_stats,
};
