/*
 * Adding a run to the store: its pairing (shared with every run of the same pairing),
 * the run, its labels, one results row per benchmark row and one histograms row per
 * histogram. The caller holds the write transaction, so a run is stored whole or not at all,
 * and the content hash makes a second ingest of the same content a no-op.
 */
#include "store_int.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

int lite_has_hash(struct store *s, const char *hash)
{
    sqlite3_stmt *st = store_stmt(s, SS_HAS_HASH);
    int rc;
    if (!st)
        return -EIO;
    sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc == SQLITE_ROW)
        return 1;
    return rc == SQLITE_DONE ? 0 : store_sqlfail(s, "look up content hash");
}

/* Step a statement that returns nothing; 0 or the store error. */
static int step_done(struct store *s, sqlite3_stmt *st, const char *what)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : store_sqlfail(s, what);
}

/* Id of a row looked up by a statement whose first column is the id; 0 when none. */
static int64_t step_id(sqlite3_stmt *st)
{
    int64_t id = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    return id;
}

static int pairing_id(struct store *s, const struct store_pairing *p, int64_t *id)
{
    sqlite3_stmt *st;
    int ret;

    for (int pass = 0; pass < 2; pass++) {
        if (!(st = store_stmt(s, pass ? SS_PAIRING_GET : SS_PAIRING_INS)))
            return -EIO;
        for (int k = 0; k < SP_NKEYS; k++)
            sqlite3_bind_text(st, k + 1, p->v[k], -1, SQLITE_STATIC);
        if (!pass && (ret = step_done(s, st, "add pairing")))
            return ret;
    }
    if (!(*id = step_id(st)))
        return store_sqlfail(s, "find pairing");
    return 0;
}

static int bench_id(struct store *s, const char *name, int64_t *id)
{
    sqlite3_stmt *st = store_stmt(s, SS_BENCH_GET);
    int ret;

    if (!st)
        return -EIO;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    if ((*id = step_id(st)))
        return 0;
    if (!(st = store_stmt(s, SS_BENCH_INS)))
        return -EIO;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    if ((ret = step_done(s, st, "add benchmark")))
        return ret;
    *id = sqlite3_last_insert_rowid(s->db);
    return 0;
}

static void now_iso(char *buf, size_t len)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    store_iso_time((double)tv.tv_sec * 1000 + (double)(tv.tv_usec / 1000), buf, len);
}

static void bind_str(sqlite3_stmt *st, int i, const char *v)
{
    sqlite3_bind_text(st, i, v ? v : "", -1, SQLITE_STATIC);
}

/* Bind a double, NULL when it is not a number. */
static void bind_num(sqlite3_stmt *st, int i, double v)
{
    if (isnan(v))
        sqlite3_bind_null(st, i);
    else
        sqlite3_bind_double(st, i, v);
}

/* Append a JSON string (the name of a counter) to buf; names are plain keys, so only
   quotes, backslashes and control characters need escaping. */
static size_t json_key(char *buf, size_t o, const char *k)
{
    buf[o++] = '"';
    for (; *k; k++) {
        if (*k == '"' || *k == '\\') {
            buf[o++] = '\\';
            buf[o++] = *k;
        } else if ((unsigned char)*k < 0x20) {
            o += (size_t)sprintf(buf + o, "\\u%04x", (unsigned char)*k);
        } else {
            buf[o++] = *k;
        }
    }
    buf[o++] = '"';
    return o;
}

/* The counters of a row as a compact JSON object in row order; NULL when none (or on
   ENOMEM, told apart by the caller). Written directly: this runs for every row. */
char *store_counters_json(const struct vb_row *w)
{
    size_t cap = 2, o = 0;
    char *buf;

    if (!w->ncounters)
        return NULL;
    for (size_t i = 0; i < w->ncounters; i++)
        cap += 6 * strlen(w->counters[i].name) + 3 + 32;
    if (!(buf = malloc(cap)))
        return NULL;
    buf[o++] = '{';
    for (size_t i = 0; i < w->ncounters; i++) {
        double v = w->counters[i].value;
        if (i)
            buf[o++] = ',';
        o = json_key(buf, o, w->counters[i].name);
        buf[o++] = ':';
        /* JSON has no NaN or infinity: those become null (NAN when read back). Whole
           numbers (most counters) skip the costly %.17g. */
        if (!isfinite(v))
            o += (size_t)snprintf(buf + o, cap - o, "null");
        else if (fabs(v) < 1e15 && v == (double)(long long)v && !(v == 0 && signbit(v)))
            o += (size_t)snprintf(buf + o, cap - o, "%lld", (long long)v);
        else
            o += (size_t)snprintf(buf + o, cap - o, "%.17g", v);
    }
    buf[o++] = '}';
    buf[o] = 0;
    return buf;
}

/* Store a row's histogram: from its struct hist, or already encoded (e). */
static int add_hist(struct store *s, int64_t result, const struct hist *h,
                    const struct store_hist *e)
{
    sqlite3_stmt *st = store_stmt(s, SS_HIST_INS);
    struct store_hist mine;

    if (!st)
        return -EIO;
    if (h) {
        mine = (struct store_hist){h->count, h->underflow, h->overflow, h->min,
                                   h->max,   h->sum,       h->sumsq};
        if (histblob_encode(h, &mine.blob, &mine.len))
            return store_fail(s, -ENOMEM, "%s: out of memory", s->path);
        e = &mine;
    }
    sqlite3_bind_int64(st, 1, result);
    sqlite3_bind_int(st, 2, HIST_SUB_BITS);
    sqlite3_bind_int(st, 3, HIST_MIN_EXP);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)e->count);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)e->underflow);
    sqlite3_bind_int64(st, 6, (sqlite3_int64)e->overflow);
    sqlite3_bind_double(st, 7, e->min);
    sqlite3_bind_double(st, 8, e->max);
    sqlite3_bind_double(st, 9, e->sum);
    sqlite3_bind_double(st, 10, e->sumsq);
    sqlite3_bind_blob(st, 11, e->blob, (int)e->len, h ? free : SQLITE_STATIC);
    return step_done(s, st, "add histogram");
}

const char *const store_pct_cols[8] = {"p50_ns",   "p90_ns", "p99_ns", "p999_ns",
                                       "p9999_ns", "min_ns", "max_ns", "stddev_ns"};

static int add_row(struct store *s, int64_t run, size_t seq, const struct vb_row *w,
                   const json_t *raw, const struct store_hist *e)
{
    sqlite3_stmt *st;
    char *counters = NULL, *info = NULL, *rawtext = NULL;
    double scale = vb_time_unit_scale(w->time_unit);
    int64_t bench, id;
    int ret;

    if ((ret = bench_id(s, w->run_name, &bench)))
        return ret;
    if (!(st = store_stmt(s, SS_RESULT_INS)))
        return -EIO;
    counters = store_counters_json(w);
    info = w->info ? json_dumps(w->info, JSON_COMPACT | JSON_REAL_PRECISION(17)) : NULL;
    rawtext = raw ? json_dumps(raw, JSON_COMPACT | JSON_REAL_PRECISION(17)) : NULL;
    if ((w->ncounters && !counters) || (w->info && !info) || (raw && !rawtext)) {
        ret = store_fail(s, -ENOMEM, "%s: out of memory", s->path);
        goto out;
    }
    sqlite3_bind_int64(st, 1, run);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)seq);
    sqlite3_bind_int64(st, 3, bench);
    bind_str(st, 4, w->name);
    bind_str(st, 5, w->run_type == VB_AGGREGATE ? "aggregate" : "iteration");
    if (w->run_type == VB_AGGREGATE) {
        bind_str(st, 6, w->aggregate_name);
        bind_str(st, 7, w->aggregate_is_pct ? "percentage" : "time");
    }
    sqlite3_bind_int(st, 8, w->repetitions);
    sqlite3_bind_int(st, 9, w->repetition_index);
    sqlite3_bind_int(st, 10, w->threads);
    sqlite3_bind_int64(st, 11, (sqlite3_int64)w->iterations);
    bind_num(st, 12, w->real_time);
    bind_num(st, 13, w->cpu_time);
    bind_str(st, 14, w->time_unit);
    bind_num(st, 15, (w->aggregate_is_pct || scale == 0) ? NAN : w->real_time / scale);
    for (int k = 0; k < 8; k++)
        bind_num(st, 16 + k, vb_row_counter(w, store_pct_cols[k]));
    bind_num(st, 24, w->bytes_per_second);
    bind_num(st, 25, w->items_per_second);
    if (w->label)
        bind_str(st, 26, w->label);
    sqlite3_bind_int(st, 27, w->error_occurred);
    if (w->error_occurred)
        bind_str(st, 28, w->error_message);
    sqlite3_bind_int(st, 29, w->skipped);
    if (counters)
        sqlite3_bind_text(st, 30, counters, -1, SQLITE_STATIC);
    if (info)
        sqlite3_bind_text(st, 31, info, -1, SQLITE_STATIC);
    if (rawtext)
        sqlite3_bind_text(st, 32, rawtext, -1, SQLITE_STATIC);
    if ((ret = step_done(s, st, "add result")))
        goto out;
    id = sqlite3_last_insert_rowid(s->db);
    if (w->hist || (e && e->blob))
        ret = add_hist(s, id, w->hist, e);
out:
    sqlite3_clear_bindings(st);
    free(counters);
    free(info);
    free(rawtext);
    return ret;
}

static int add_labels(struct store *s, int64_t run, const json_t *labels)
{
    const char *k;
    json_t *v;
    int ret;

    json_object_foreach((json_t *)labels, k, v)
    {
        sqlite3_stmt *st = store_stmt(s, SS_LABEL_INS);
        if (!st)
            return -EIO;
        if (!json_is_string(v))
            continue;
        sqlite3_bind_int64(st, 1, run);
        bind_str(st, 2, k);
        bind_str(st, 3, json_string_value(v));
        if ((ret = step_done(s, st, "add label")))
            return ret;
    }
    return 0;
}

int lite_add_run(struct store *s, const struct store_new_run *nr)
{
    sqlite3_stmt *st;
    char now[40], *ctx = NULL;
    int64_t pid, run;
    int ret;

    if (!s->in_txn)
        return store_fail(s, -EINVAL, "%s: store_add_run outside a transaction", s->path);
    if ((ret = lite_has_hash(s, nr->content_hash)))
        return ret < 0 ? ret : 1;
    if (!(st = store_stmt(s, SS_RUN_BY_ID)))
        return -EIO;
    bind_str(st, 1, nr->run_id);
    if (sqlite3_step(st) == SQLITE_ROW) {
        ret = store_fail(s, -EEXIST,
                         "run %s is already stored with other content (hash %.12s, this one "
                         "%.12s)",
                         nr->run_id, (const char *)sqlite3_column_text(st, 0), nr->content_hash);
        sqlite3_reset(st);
        return ret;
    }
    sqlite3_reset(st);
    if ((ret = pairing_id(s, &nr->pairing, &pid)))
        return ret;
    if (!(ctx = json_dumps(nr->run->context, JSON_COMPACT | JSON_REAL_PRECISION(17))))
        return store_fail(s, -ENOMEM, "%s: out of memory", s->path);
    now_iso(now, sizeof(now));
    if (!(st = store_stmt(s, SS_RUN_INS))) {
        free(ctx);
        return -EIO;
    }
    bind_str(st, 1, nr->run_id);
    bind_str(st, 2, nr->source);
    bind_str(st, 3, nr->content_hash);
    sqlite3_bind_int64(st, 4, pid);
    bind_str(st, 5, nr->start);
    bind_str(st, 6, nr->end);
    bind_str(st, 7, nr->tool);
    bind_str(st, 8, nr->tool_version);
    bind_str(st, 9, nr->host);
    sqlite3_bind_int(st, 10, nr->complete);
    bind_str(st, 11, nr->origin);
    bind_str(st, 12, now);
    sqlite3_bind_text(st, 13, ctx, -1, free);
    if ((ret = step_done(s, st, "add run")))
        return ret;
    run = sqlite3_last_insert_rowid(s->db);
    if (nr->labels && (ret = add_labels(s, run, nr->labels)))
        return ret;
    for (size_t i = 0; i < nr->run->nrows; i++) {
        const json_t *raw = nr->raw_rows ? json_array_get(nr->raw_rows, i) : NULL;
        if ((ret = add_row(s, run, i, &nr->run->rows[i], raw, nr->hists ? &nr->hists[i] : NULL)))
            return ret;
    }
    return 0;
}
