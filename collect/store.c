/*
 * Opening the store and its transactions. The store is SQLite in WAL mode: readers never
 * block the writer, and writers take turns. Several collectors may write one store at once;
 * each waits for the others with a busy timeout and a retry loop, and each input is one
 * transaction, so a killed collector leaves only whole inputs behind (SQLite rolls the
 * open transaction back on the next open).
 */
#include "store_int.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "match.h"

#define BUSY_TIMEOUT_MS 5000
#define BUSY_RETRIES    12 /* times BUSY_TIMEOUT_MS: about a minute in all */

const char *const store_pairing_keys[SP_NKEYS] = {
    "hypervisor", "hypervisor_version", "guest_os",    "guest_version",
    "kernel",     "cpu_model",          "clocksource",
};

static const char *const stmt_sql[SS_N] = {
    [SS_HAS_HASH] = "SELECT id FROM runs WHERE content_hash = ?1",
    [SS_RUN_BY_ID] = "SELECT content_hash FROM runs WHERE run_id = ?1",
    [SS_PAIRING_INS] = "INSERT OR IGNORE INTO pairings (hypervisor, hypervisor_version, "
                       "guest_os, guest_version, kernel, cpu_model, clocksource) "
                       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [SS_PAIRING_GET] = "SELECT id FROM pairings WHERE hypervisor = ?1 AND "
                       "hypervisor_version = ?2 AND guest_os = ?3 AND guest_version = ?4 AND "
                       "kernel = ?5 AND cpu_model = ?6 AND clocksource = ?7",
    [SS_RUN_INS] = "INSERT INTO runs (run_id, source, content_hash, pairing, start_time, "
                   "end_time, tool, tool_version, host, complete, origin, ingested_at, "
                   "context) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    [SS_LABEL_INS] = "INSERT INTO labels (run, key, value) VALUES (?1, ?2, ?3)",
    [SS_BENCH_INS] = "INSERT OR IGNORE INTO benchmarks (name) VALUES (?1)",
    [SS_BENCH_GET] = "SELECT id FROM benchmarks WHERE name = ?1",
    [SS_RESULT_INS] = "INSERT INTO results (run, seq, benchmark, name, run_type, "
                      "aggregate_name, aggregate_unit, repetitions, repetition_index, threads, "
                      "iterations, real_time, cpu_time, time_unit, mean_ns, p50_ns, p90_ns, "
                      "p99_ns, p999_ns, p9999_ns, min_ns, max_ns, stddev_ns, bytes_per_second, "
                      "items_per_second, label, error_occurred, error_message, skipped, "
                      "counters, info, raw) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, "
                      "?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, "
                      "?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32)",
    [SS_HIST_INS] = "INSERT INTO histograms (result, sub_bits, min_exp, count, underflow, "
                    "overflow, min_ns, max_ns, sum_ns, sumsq_ns, buckets) "
                    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
};

int store_fail(struct store *s, int ret, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->err, sizeof(s->err), fmt, ap);
    va_end(ap);
    return ret;
}

int store_sqlfail(struct store *s, const char *what)
{
    int code = sqlite3_errcode(s->db);
    store_fail(s, 0, "%s: %s: %s", s->path, what, sqlite3_errmsg(s->db));
    if (code == SQLITE_BUSY || code == SQLITE_LOCKED)
        return -EBUSY;
    if (code == SQLITE_NOTADB)
        return -EPROTO;
    return -EIO;
}

sqlite3_stmt *store_stmt(struct store *s, enum store_stmt_id id)
{
    if (!s->st[id]) {
        if (sqlite3_prepare_v3(s->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT, &s->st[id],
                               NULL) != SQLITE_OK) {
            store_sqlfail(s, "prepare");
            return NULL;
        }
        return s->st[id];
    }
    sqlite3_reset(s->st[id]);
    sqlite3_clear_bindings(s->st[id]);
    return s->st[id];
}

static void sleep_ms(long ms);

/* Outside a transaction, a statement that meets another connection's lock is retried:
   SQLite returns SQLITE_BUSY at once, without the busy handler, where waiting could
   deadlock (e.g. two collectors switching a new store to WAL at the same time). */
int store_exec(struct store *s, const char *sql)
{
    for (int i = 0; i <= BUSY_RETRIES; i++) {
        int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
        if (rc == SQLITE_OK)
            return 0;
        if ((rc != SQLITE_BUSY && rc != SQLITE_LOCKED) || s->in_txn)
            break;
        sleep_ms(10 + (long)(rand() % 50));
    }
    return store_sqlfail(s, "exec");
}

static int pragma_int(struct store *s, const char *sql, int *v)
{
    sqlite3_stmt *st;
    int rc;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return store_sqlfail(s, "read header");
    rc = sqlite3_step(st);
    *v = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 0 : store_sqlfail(s, "read header");
}

int store_user_version(struct store *s, int *v)
{
    return pragma_int(s, "PRAGMA user_version", v);
}

int lite_schema_version(struct store *s)
{
    int v = -1;
    store_user_version(s, &v);
    return v;
}

/* vb_glob(pattern, value): lib/match.h match_glob, for selectors in SQL. */
static void sql_glob(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    const unsigned char *p = sqlite3_value_text(argv[0]), *v = sqlite3_value_text(argv[1]);
    (void)argc;
    sqlite3_result_int(ctx, p && v && match_glob((const char *)p, (const char *)v));
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

int lite_begin(struct store *s)
{
    for (int i = 0; i <= BUSY_RETRIES; i++) {
        int rc = sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
        if (rc == SQLITE_OK) {
            s->in_txn = 1;
            return 0;
        }
        if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED)
            return store_sqlfail(s, "begin transaction");
        sleep_ms(10 + (long)(rand() % 50));
    }
    return store_fail(s, -EBUSY, "%s: still locked by another writer after %d s", s->path,
                      BUSY_TIMEOUT_MS * (BUSY_RETRIES + 1) / 1000);
}

int lite_commit(struct store *s)
{
    int rc = SQLITE_BUSY;
    for (int i = 0; i <= BUSY_RETRIES && (rc == SQLITE_BUSY || rc == SQLITE_LOCKED); i++) {
        rc = sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
        if (rc == SQLITE_BUSY)
            sleep_ms(10);
    }
    if (rc == SQLITE_OK) {
        s->in_txn = 0;
        return 0;
    }
    rc = store_sqlfail(s, "commit");
    lite_rollback(s);
    return rc;
}

void lite_rollback(struct store *s)
{
    if (sqlite3_get_autocommit(s->db) == 0)
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    s->in_txn = 0;
}

/* Bring the schema to STORE_SCHEMA_VERSION: create it in an empty file, migrate an older
   one. Runs in its own write transaction and re-reads the version once it holds the
   lock, so two collectors opening a new store at once create it once. */
static int ensure_schema(struct store *s)
{
    int v, app, ret;

    if ((ret = store_user_version(s, &v)))
        return ret;
    if (v == STORE_SCHEMA_VERSION)
        return 0;
    if (v > STORE_SCHEMA_VERSION)
        return store_fail(s, -EPROTO,
                          "%s: store schema version %d is newer than this viobench (%d)", s->path,
                          v, STORE_SCHEMA_VERSION);
    if ((s->flags & STORE_RDONLY) && v >= STORE_SCHEMA_READABLE)
        return 0; /* readable as it is; collect migrates it */
    if (s->flags & STORE_RDONLY)
        return store_fail(s, -EPROTO,
                          "%s: store schema version %d needs migrating to %d: open it once "
                          "with `viobench collect --db %s` (no inputs needed)",
                          s->path, v, STORE_SCHEMA_VERSION, s->path);
    if ((ret = lite_begin(s)))
        return ret;
    if ((ret = store_user_version(s, &v)) || (ret = pragma_int(s, "PRAGMA application_id", &app)))
        goto fail;
    if (v > 0 && app != STORE_APP_ID) {
        ret = store_fail(s, -EPROTO, "%s: not a viobench store (application_id %d)", s->path, app);
        goto fail;
    }
    if (v < STORE_SCHEMA_VERSION && (ret = store_migrate(s, v)))
        goto fail;
    return lite_commit(s);
fail:
    lite_rollback(s);
    return ret;
}

/* application_id, user_version and the number of schema entries, read in one snapshot. */
static int header3(struct store *s, int *app, int *uv, int *ntables)
{
    sqlite3_stmt *st;
    int rc;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT (SELECT application_id FROM pragma_application_id), "
                           "(SELECT user_version FROM pragma_user_version), "
                           "(SELECT count(*) FROM sqlite_master)",
                           -1, &st, NULL) != SQLITE_OK)
        return store_sqlfail(s, "read header");
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *app = sqlite3_column_int(st, 0);
        *uv = sqlite3_column_int(st, 1);
        *ntables = sqlite3_column_int(st, 2);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 0 : store_sqlfail(s, "read header");
}

/* Open the SQLite connection: read-only (never creating, never writing) or read-write;
   `immutable` reads a WAL store in a directory nobody may write to, where SQLite cannot
   create the -shm file it needs (only when there is no WAL content to miss). */
static int db_open(struct store *s, const char *path, int immutable)
{
    char uri[PATH_MAX * 3 + 32];
    size_t o;
    int rc;

    if (!immutable) {
        rc = sqlite3_open_v2(path, &s->db,
                             (s->flags & STORE_RDONLY) ? SQLITE_OPEN_READONLY
                                                       : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                             NULL);
    } else {
        o = (size_t)snprintf(uri, sizeof(uri), "file:");
        for (const char *p = path; *p && o + 4 < sizeof(uri); p++)
            o += (size_t)(*p == '%' || *p == '?' || *p == '#'
                              ? snprintf(uri + o, sizeof(uri) - o, "%%%02X", (unsigned char)*p)
                              : snprintf(uri + o, sizeof(uri) - o, "%c", *p));
        snprintf(uri + o, sizeof(uri) - o, "?immutable=1");
        rc = sqlite3_open_v2(uri, &s->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL);
    }
    if (rc != SQLITE_OK)
        return s->db ? store_sqlfail(s, "open") : -ENOMEM;
    sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
    sqlite3_extended_result_codes(s->db, 0);
    sqlite3_create_function(s->db, "vb_glob", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL, sql_glob,
                            NULL, NULL);
    return 0;
}

/* A WAL file with content next to the store (a writer is active or crashed). */
static int wal_has_data(const char *path)
{
    char wal[PATH_MAX + 8];
    struct stat st;
    snprintf(wal, sizeof(wal), "%s-wal", path);
    return stat(wal, &st) == 0 && st.st_size > 0;
}

/* Refuse a damaged store before writing to it: PRAGMA quick_check (every page and b-tree,
   not the index contents), first problem in the message. */
static int check_integrity(struct store *s)
{
    sqlite3_stmt *st;
    const char *msg;
    int rc, ret = 0;

    if (sqlite3_prepare_v2(s->db, "PRAGMA quick_check(1)", -1, &st, NULL) != SQLITE_OK)
        return store_fail(s, -EIO, "%s: store is damaged (%s); nothing was written", s->path,
                          sqlite3_errmsg(s->db));
    rc = sqlite3_step(st);
    msg = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
    if (rc != SQLITE_ROW || !msg || strcmp(msg, "ok") != 0) {
        char one[200];
        const char *m = msg ? msg : sqlite3_errmsg(s->db);
        if (strncmp(m, "*** in database main ***\n", 25) == 0)
            m += 25;
        snprintf(one, sizeof(one), "%s", m);
        for (char *c = one; *c; c++) /* one line */
            if (*c == '\n' || *c == '\r')
                *c = ' ';
        ret = store_fail(s, -EIO,
                         "%s: store is damaged (quick_check: %s); nothing was written: "
                         "restore it from a backup",
                         s->path, one);
    }
    sqlite3_finalize(st);
    return ret;
}

int lite_open(const char *path, unsigned flags, struct store **out, char *err, size_t errlen)
{
    struct store *s;
    struct stat st;
    int ret, app = 0, uv = 0, ntables = 0;

    *out = NULL;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s: not a regular file (a store is an SQLite file)", path);
        return -EINVAL;
    }
    if ((flags & STORE_RDONLY) && stat(path, &st)) {
        snprintf(err, errlen, "%s: no store here (%s)", path, strerror(errno));
        return -ENOENT;
    }
    s = calloc(1, sizeof(*s));
    if (!s) {
        snprintf(err, errlen, "%s: out of memory", path);
        return -ENOMEM;
    }
    s->ops = &store_sqlite_ops;
    s->flags = flags;
    snprintf(s->path, sizeof(s->path), "%s", path);
    if ((ret = db_open(s, path, 0)))
        goto fail;
    /* The header read fails here for a file that is not SQLite at all, and for a read-only
       WAL store in a directory we may not write (no -shm): read that one immutable. */
    if ((ret = pragma_int(s, "PRAGMA application_id", &app))) {
        int code = sqlite3_errcode(s->db);
        if (code == SQLITE_CORRUPT)
            ret = store_fail(s, -EIO,
                             "%s: store is damaged (%s); nothing was written: restore it from "
                             "a backup",
                             path, sqlite3_errmsg(s->db));
        if (!(flags & STORE_RDONLY) || (code != SQLITE_CANTOPEN && code != SQLITE_READONLY) ||
            wal_has_data(path))
            goto fail;
        sqlite3_close(s->db);
        s->db = NULL;
        s->err[0] = 0;
        if ((ret = db_open(s, path, 1)) || (ret = pragma_int(s, "PRAGMA application_id", &app)))
            goto fail;
    }
    /* One statement, one snapshot: a collector creating the schema beside us commits the
       tables and the application_id together, and we see both or neither. */
    if ((ret = header3(s, &app, &uv, &ntables))) {
        if (sqlite3_errcode(s->db) == SQLITE_CORRUPT)
            ret = store_fail(s, -EIO,
                             "%s: store is damaged (%s); nothing was written: restore it from "
                             "a backup",
                             path, sqlite3_errmsg(s->db));
        goto fail;
    }
    /* Foreign: another program's SQLite file. Refused before anything is written to it. */
    if (app != STORE_APP_ID && (app != 0 || uv != 0 || ntables != 0)) {
        ret = store_fail(s, -EPROTO, "%s: not a viobench store (application_id %d, %d table%s)",
                         path, app, ntables, ntables == 1 ? "" : "s");
        goto fail;
    }
    if (!(flags & STORE_RDONLY)) {
        /* WAL lets readers run beside the writer; NORMAL syncs at checkpoints, which keeps
           every committed transaction through a process crash (not a power cut). */
        if ((ret = check_integrity(s)) || (ret = store_exec(s, "PRAGMA journal_mode = WAL")) ||
            (ret = store_exec(s, "PRAGMA synchronous = NORMAL")))
            goto fail;
    }
    if ((ret = store_exec(s, "PRAGMA foreign_keys = ON")) ||
        (ret = store_exec(s, "PRAGMA cache_size = -16384")) || (ret = ensure_schema(s)))
        goto fail;
    *out = s;
    return 0;
fail:
    snprintf(err, errlen, "%s", s->err[0] ? s->err : "cannot open store");
    lite_close(s);
    return ret;
}

void lite_close(struct store *s)
{
    if (!s)
        return;
    if (s->in_txn)
        lite_rollback(s);
    for (int i = 0; i < SS_N; i++)
        sqlite3_finalize(s->st[i]);
    sqlite3_close(s->db);
    free(s);
}

int lite_stats(struct store *s, long *runs, long *rows, long long *bytes)
{
    int n = 0, pages = 0, psize = 0, ret;

    if ((ret = pragma_int(s, "SELECT count(*) FROM runs", &n)))
        return ret;
    *runs = n;
    if ((ret = pragma_int(s, "SELECT count(*) FROM results", &n)))
        return ret;
    *rows = n;
    /* The page count covers everything committed, whether in the main file or the WAL. */
    if ((ret = pragma_int(s, "PRAGMA page_count", &pages)) ||
        (ret = pragma_int(s, "PRAGMA page_size", &psize)))
        return ret;
    *bytes = (long long)pages * psize;
    return 0;
}

const struct store_ops store_sqlite_ops = {
    .name = "sqlite",
    .open = lite_open,
    .close = lite_close,
    .schema_version = lite_schema_version,
    .begin = lite_begin,
    .commit = lite_commit,
    .rollback = lite_rollback,
    .has_hash = lite_has_hash,
    .add_run = lite_add_run,
    .select_runs = lite_select_runs,
    .find_run = lite_find_run,
    .list_benchmarks = lite_list_benchmarks,
    .load_run_each = lite_load_run_each,
    .load_summaries = lite_load_summaries,
    .load_raw_rows = lite_load_raw_rows,
    .stats = lite_stats,
};
