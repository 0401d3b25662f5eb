/*
 * Creating the schema and migrating older stores forward. A new store runs
 * collect/schema.sql; a store at version v runs migrations[v], [v+1] ... in the caller's
 * one transaction, so a migration interrupted half-way leaves the old store untouched.
 *
 * Version 1 (the first layout) kept the pairing as columns of runs, the labels as a JSON
 * object in runs.labels, benchmark names as text in results, and each histogram as its
 * hist_write() text in results.histogram. Version 2 (schema.sql) moved pairings, labels
 * and benchmarks into their own tables, added the percentile columns, the run's tool, host
 * and completion, the raw Google Benchmark rows, and stores histograms as compact blobs.
 * Version 3 lets runs.source be 'hdrlog' (HdrHistogram log imports were stored as
 * 'gbench'): nothing on disk changes but the check, so version 2 stores stay readable.
 */
#include "store_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Version 1 -> 2, the part SQL can do: tables renamed aside, the new schema created, then
   pairings, runs, labels, benchmarks and results copied across (ids kept). */
static const char v1_to_v2_sql[] =
    "ALTER TABLE results RENAME TO results_v1;"
    "ALTER TABLE runs RENAME TO runs_v1;"
    "%s;" /* schema.sql */
    "INSERT OR IGNORE INTO pairings (hypervisor, hypervisor_version, guest_os, guest_version,"
    "  kernel, cpu_model, clocksource)"
    " SELECT coalesce(hypervisor, ''), coalesce(hypervisor_version, ''), coalesce(guest_os, ''),"
    "  coalesce(guest_version, ''), coalesce(kernel, ''),"
    "  coalesce(json_extract(context, '$.pairing.cpu.model'), ''), coalesce(clocksource, '')"
    " FROM runs_v1;"
    "INSERT INTO runs (id, run_id, source, content_hash, pairing, start_time, end_time, tool,"
    "  tool_version, host, complete, origin, ingested_at, context)"
    " SELECT r.id, r.run_id, r.source, r.content_hash, p.id, coalesce(r.start_time, ''),"
    "  coalesce(r.end_time, ''),"
    "  CASE r.source WHEN 'gbench' THEN coalesce(json_extract(r.context, '$.executable'), '')"
    "   ELSE r.source END,"
    "  coalesce(r.tool_version, ''), coalesce(json_extract(r.context, '$.host_name'), ''),"
    "  coalesce(json_extract(r.context, '$.complete'), 1), coalesce(r.origin, ''),"
    "  r.ingested_at, r.context"
    " FROM runs_v1 r JOIN pairings p ON p.hypervisor = coalesce(r.hypervisor, '')"
    "  AND p.hypervisor_version = coalesce(r.hypervisor_version, '')"
    "  AND p.guest_os = coalesce(r.guest_os, '') AND p.guest_version = coalesce(r.guest_version, "
    "'')"
    "  AND p.kernel = coalesce(r.kernel, '')"
    "  AND p.cpu_model = coalesce(json_extract(r.context, '$.pairing.cpu.model'), '')"
    "  AND p.clocksource = coalesce(r.clocksource, '');"
    "INSERT INTO labels (run, key, value)"
    " SELECT r.id, j.key, CAST(j.value AS TEXT) FROM runs_v1 r, json_each(r.labels) j"
    " WHERE json_valid(r.labels);"
    "INSERT OR IGNORE INTO benchmarks (name) SELECT DISTINCT benchmark FROM results_v1;"
    "INSERT INTO results (id, run, seq, benchmark, name, run_type, aggregate_name,"
    "  aggregate_unit, repetitions, repetition_index, threads, iterations, real_time, cpu_time,"
    "  time_unit, mean_ns, p50_ns, p90_ns, p99_ns, p999_ns, p9999_ns, min_ns, max_ns,"
    "  stddev_ns, bytes_per_second, items_per_second, label, error_occurred, error_message,"
    "  skipped, counters, info, raw)"
    " SELECT o.id, o.run, o.seq, b.id, o.name, o.run_type, o.aggregate_name,"
    "  CASE WHEN o.run_type != 'aggregate' THEN NULL"
    "   WHEN o.aggregate_name = 'cv' THEN 'percentage' ELSE 'time' END,"
    "  coalesce(o.repetitions, 1), coalesce(o.repetition_index, 0), coalesce(o.threads, 1),"
    "  coalesce(o.iterations, 0), o.real_time, o.cpu_time, coalesce(o.time_unit, 'ns'),"
    "  CASE WHEN o.aggregate_name = 'cv' THEN NULL ELSE o.real_time * CASE o.time_unit"
    "   WHEN 'us' THEN 1e3 WHEN 'ms' THEN 1e6 WHEN 's' THEN 1e9 ELSE 1 END END,"
    "  json_extract(o.counters, '$.p50_ns'), json_extract(o.counters, '$.p90_ns'),"
    "  json_extract(o.counters, '$.p99_ns'), json_extract(o.counters, '$.p999_ns'),"
    "  json_extract(o.counters, '$.p9999_ns'), json_extract(o.counters, '$.min_ns'),"
    "  json_extract(o.counters, '$.max_ns'), json_extract(o.counters, '$.stddev_ns'),"
    "  o.bytes_per_second, o.items_per_second, o.label, coalesce(o.error_occurred, 0),"
    "  o.error_message, 0, o.counters, o.info, NULL"
    " FROM results_v1 o JOIN benchmarks b ON b.name = o.benchmark;";

/* Version 1 -> 2, the part that needs C: each histogram's text record becomes a blob. */
static int v1_histograms(struct store *s)
{
    sqlite3_stmt *sel = NULL, *ins = NULL;
    int ret = 0, rc;

    if (sqlite3_prepare_v2(s->db,
                           "SELECT id, histogram FROM results_v1 WHERE histogram IS NOT NULL", -1,
                           &sel, NULL) != SQLITE_OK ||
        !(ins = store_stmt(s, SS_HIST_INS))) {
        ret = store_sqlfail(s, "migrate histograms");
        goto out;
    }
    while ((rc = sqlite3_step(sel)) == SQLITE_ROW) {
        const char *text = (const char *)sqlite3_column_text(sel, 1);
        int64_t id = sqlite3_column_int64(sel, 0);
        char name[1100], err[256];
        struct hist *h = NULL;
        uint8_t *blob = NULL;
        size_t len = 0;
        FILE *f = text ? fmemopen((void *)text, strlen(text), "r") : NULL;

        if (!f) {
            ret = store_fail(s, -ENOMEM, "%s: migrate: out of memory", s->path);
            goto out;
        }
        rc = hist_read(f, &h, name, sizeof(name), err, sizeof(err));
        fclose(f);
        if (rc != 1) {
            ret = store_fail(s, -EINVAL, "%s: migrate: result %lld: bad histogram: %s", s->path,
                             (long long)id, rc == 0 ? "empty" : err);
            goto out;
        }
        if (histblob_encode(h, &blob, &len)) {
            hist_free(h);
            ret = store_fail(s, -ENOMEM, "%s: migrate: out of memory", s->path);
            goto out;
        }
        ins = store_stmt(s, SS_HIST_INS);
        sqlite3_bind_int64(ins, 1, id);
        sqlite3_bind_int(ins, 2, HIST_SUB_BITS);
        sqlite3_bind_int(ins, 3, HIST_MIN_EXP);
        sqlite3_bind_int64(ins, 4, (sqlite3_int64)h->count);
        sqlite3_bind_int64(ins, 5, (sqlite3_int64)h->underflow);
        sqlite3_bind_int64(ins, 6, (sqlite3_int64)h->overflow);
        sqlite3_bind_double(ins, 7, h->min);
        sqlite3_bind_double(ins, 8, h->max);
        sqlite3_bind_double(ins, 9, h->sum);
        sqlite3_bind_double(ins, 10, h->sumsq);
        sqlite3_bind_blob(ins, 11, blob, (int)len, free);
        hist_free(h);
        if (sqlite3_step(ins) != SQLITE_DONE) {
            ret = store_sqlfail(s, "migrate histograms");
            goto out;
        }
    }
    if (rc != SQLITE_DONE)
        ret = store_sqlfail(s, "migrate histograms");
out:
    sqlite3_finalize(sel);
    return ret;
}

static int migrate_v1(struct store *s)
{
    const char *schema = store_schema_sql();
    size_t len = sizeof(v1_to_v2_sql) + strlen(schema);
    char *sql = malloc(len);
    int ret;

    if (!sql)
        return store_fail(s, -ENOMEM, "%s: migrate: out of memory", s->path);
    snprintf(sql, len, v1_to_v2_sql, schema);
    ret = store_exec(s, sql);
    free(sql);
    if (!ret)
        ret = v1_histograms(s);
    if (!ret)
        ret = store_exec(s, "DROP TABLE results_v1; DROP TABLE runs_v1;");
    return ret;
}

/* Version 2 -> 3: widen the check on runs.source. SQLite cannot alter a check, and
   rebuilding runs would cascade-delete its rows' results (foreign keys cannot be switched
   off inside the migration's transaction), so the table's definition is edited in
   sqlite_schema, as SQLite's documentation describes for changes that leave the stored
   rows valid (every old source is still allowed). */
static int migrate_v2(struct store *s)
{
    sqlite3_stmt *st = NULL;
    int sv = -1, ok = 0, ret;
    char sql[64];

    if (sqlite3_prepare_v2(s->db, "PRAGMA schema_version", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        sv = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    if (sv < 0)
        return store_sqlfail(s, "migrate: read schema version");
    snprintf(sql, sizeof(sql), "PRAGMA schema_version = %d", sv + 1);
    if ((ret = store_exec(s, "PRAGMA writable_schema = ON;"
                             "UPDATE sqlite_schema SET sql = replace(sql,"
                             " '(''viobench'', ''gbench'', ''fio'')',"
                             " '(''viobench'', ''gbench'', ''fio'', ''hdrlog'')')"
                             " WHERE type = 'table' AND name = 'runs'")) ||
        (ret = store_exec(s, sql)) || (ret = store_exec(s, "PRAGMA writable_schema = OFF")))
        return ret;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT instr(sql, '''hdrlog''') > 0 FROM sqlite_schema"
                           " WHERE type = 'table' AND name = 'runs'",
                           -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        ok = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    if (!ok)
        return store_fail(s, -EPROTO, "%s: migrate: runs has no source check of version 2",
                          s->path);
    return store_exec(s, "PRAGMA user_version = 3");
}

/* An empty file gets the current schema directly; any other SQLite file is refused. */
static int create(struct store *s)
{
    sqlite3_stmt *st;
    int n = -1;

    if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM sqlite_schema", -1, &st, NULL) ==
            SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    if (n < 0)
        return store_sqlfail(s, "read schema");
    if (n > 0)
        return store_fail(s, -EPROTO,
                          "%s: not a viobench store (a SQLite file without a viobench "
                          "schema version)",
                          s->path);
    return store_exec(s, store_schema_sql());
}

int store_migrate(struct store *s, int from)
{
    int ret, v;

    if (from == 0)
        return create(s);
    if (from == 1 && (ret = migrate_v1(s)))
        return ret;
    if (from == 2 && (ret = migrate_v2(s)))
        return ret;
    if ((ret = store_user_version(s, &v)))
        return ret;
    if (v != STORE_SCHEMA_VERSION)
        return store_fail(s, -EPROTO, "%s: no migration from schema version %d", s->path, from);
    return 0;
}
