/*
 * Loading one run back from the store as a struct vb_run: the context object, every row
 * in its original order with counters (in their original order), kernel info and the
 * histogram rebuilt from its blob. Exports and the analyzer start here; a viobench run
 * loaded back writes the same results.json bytes it was ingested from. The row decoding
 * (store_row_load, store_row_summary) reads columns through struct store_cols, so the
 * PostgreSQL backend (store_pg_read.c) rebuilds rows with the same code.
 */
#include "store_int.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char load_sql[] = STORE_LOAD_COLS STORE_LOAD_FROM " WHERE r.run = ?1 ORDER BY r.seq";

/* struct store_cols over the current row of a SQLite statement. */
static int lite_isnull(const struct store_cols *c, int col)
{
    return sqlite3_column_type((sqlite3_stmt *)c->h, col) == SQLITE_NULL;
}

static const char *lite_text(const struct store_cols *c, int col)
{
    return (const char *)sqlite3_column_text((sqlite3_stmt *)c->h, col);
}

static int64_t lite_i64(const struct store_cols *c, int col)
{
    return sqlite3_column_int64((sqlite3_stmt *)c->h, col);
}

static double lite_num(const struct store_cols *c, int col)
{
    return lite_isnull(c, col) ? NAN : sqlite3_column_double((sqlite3_stmt *)c->h, col);
}

static const void *lite_blob(const struct store_cols *c, int col, size_t *len)
{
    const void *b = sqlite3_column_blob((sqlite3_stmt *)c->h, col);
    *len = (size_t)sqlite3_column_bytes((sqlite3_stmt *)c->h, col);
    return b;
}

static struct store_cols lite_cols(sqlite3_stmt *st)
{
    return (struct store_cols){st, lite_isnull, lite_text, lite_i64, lite_num, lite_blob};
}

static const char *col_text(const struct store_cols *c, int col)
{
    return c->text(c, col);
}

static double col_num(const struct store_cols *c, int col)
{
    return c->num(c, col);
}

static int col_int(const struct store_cols *c, int col)
{
    return (int)c->i64(c, col);
}

/* Rebuild a histogram from its columns; 0, -ENOMEM, or -EPROTO for a foreign layout or a
   corrupt blob. */
static int load_hist(struct store *s, const struct store_cols *st, struct hist **out)
{
    struct hist *h;
    uint64_t total = 0;

    const void *blob;
    size_t blen;

    if (col_int(st, C_HSUB) != HIST_SUB_BITS || col_int(st, C_HMINEXP) != HIST_MIN_EXP)
        return store_fail(s, -EPROTO,
                          "%s: histogram layout (sub_bits %d, min_exp %d) differs from this "
                          "build's (%d, %d)",
                          s->path, col_int(st, C_HSUB), col_int(st, C_HMINEXP), HIST_SUB_BITS,
                          HIST_MIN_EXP);
    if (!(h = hist_new()))
        return store_fail(s, -ENOMEM, "%s: out of memory", s->path);
    blob = st->blob(st, C_HBUCKETS, &blen);
    if (!blob || histblob_decode(blob, blen, h)) {
        hist_free(h);
        return store_fail(s, -EPROTO, "%s: corrupt histogram blob", s->path);
    }
    for (int i = 0; i < HIST_NBUCKETS; i++)
        total += h->counts[i];
    h->count = (uint64_t)st->i64(st, C_HCOUNT);
    h->underflow = (uint64_t)st->i64(st, C_HUNDER);
    h->overflow = (uint64_t)st->i64(st, C_HOVER);
    h->min = st->num(st, C_HMIN);
    h->max = st->num(st, C_HMAX);
    h->sum = st->num(st, C_HSUM);
    h->sumsq = st->num(st, C_HSUMSQ);
    if (total != h->count) {
        hist_free(h);
        return store_fail(s, -EPROTO, "%s: histogram buckets hold %llu values, count says %llu",
                          s->path, (unsigned long long)total, (unsigned long long)h->count);
    }
    *out = h;
    return 0;
}

static int set_str(char **dst, const char *v)
{
    if (!v)
        return 0;
    free(*dst);
    return (*dst = strdup(v)) ? 0 : -ENOMEM;
}

int store_row_load(struct store *s, const struct store_cols *st, struct vb_run *out)
{
    struct vb_row *w = vb_run_add_row(out, col_text(st, C_NAME));
    const char *t;
    int ret = 0;

    if (!w || set_str(&w->run_name, col_text(st, C_BENCH)))
        goto nomem;
    if (strcmp(col_text(st, C_TYPE), "aggregate") == 0) {
        w->run_type = VB_AGGREGATE;
        if (set_str(&w->aggregate_name, col_text(st, C_AGG)))
            goto nomem;
        t = col_text(st, C_AGGUNIT);
        w->aggregate_is_pct = t && strcmp(t, "percentage") == 0;
    }
    w->repetitions = col_int(st, C_REPS);
    w->repetition_index = col_int(st, C_REPIDX);
    w->threads = col_int(st, C_THREADS);
    w->iterations = (uint64_t)st->i64(st, C_ITERS);
    w->real_time = col_num(st, C_REAL);
    w->cpu_time = col_num(st, C_CPU);
    snprintf(w->time_unit, sizeof(w->time_unit), "%s", col_text(st, C_UNIT));
    w->bytes_per_second = col_num(st, C_BPS);
    w->items_per_second = col_num(st, C_IPS);
    if (set_str(&w->label, col_text(st, C_LABEL)))
        goto nomem;
    if (col_int(st, C_ERR)) {
        t = col_text(st, C_ERRMSG);
        if (vb_row_set_error(w, col_int(st, C_SKIPPED), t ? t : ""))
            goto nomem;
    }
    if ((t = col_text(st, C_COUNTERS))) {
        json_t *o = json_loads(t, 0, NULL), *v;
        const char *k;
        if (!json_is_object(o)) {
            json_decref(o);
            return store_fail(s, -EPROTO, "%s: row '%s': counters are not a JSON object", s->path,
                              w->name);
        }
        json_object_foreach(o, k, v)
        {
            if ((ret = vb_row_add_counter(w, k, json_is_number(v) ? json_number_value(v) : NAN)))
                break;
        }
        json_decref(o);
        if (ret)
            goto nomem;
    }
    if ((t = col_text(st, C_INFO)) && !(w->info = json_loads(t, 0, NULL)))
        return store_fail(s, -EPROTO, "%s: row '%s': info is not JSON", s->path, w->name);
    if (!st->isnull(st, C_HCOUNT))
        return load_hist(s, st, &w->hist);
    return 0;
nomem:
    return store_fail(s, -ENOMEM, "%s: out of memory", s->path);
}

int lite_load_run_each(struct store *s, int64_t id, struct vb_run *out,
                       int (*row_cb)(struct vb_row *w, size_t idx, void *arg), void *arg)
{
    sqlite3_stmt *st;
    json_t *ctx = NULL;
    int ret = 0, rc;

    if (sqlite3_prepare_v2(s->db, "SELECT context FROM runs WHERE id = ?1", -1, &st, NULL) !=
        SQLITE_OK)
        return store_sqlfail(s, "load run");
    sqlite3_bind_int64(st, 1, id);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        ctx = json_loads((const char *)sqlite3_column_text(st, 0), 0, NULL);
    sqlite3_finalize(st);
    if (rc == SQLITE_DONE)
        return store_fail(s, -ENOENT, "%s: no run with store id %lld", s->path, (long long)id);
    if (rc != SQLITE_ROW)
        return store_sqlfail(s, "load run");
    if (!ctx)
        return store_fail(s, -EPROTO, "%s: run %lld: context is not JSON", s->path, (long long)id);
    json_decref(out->context);
    out->context = ctx;
    if (sqlite3_prepare_v2(s->db, load_sql, -1, &st, NULL) != SQLITE_OK)
        return store_sqlfail(s, "load results");
    sqlite3_bind_int64(st, 1, id);
    struct store_cols c = lite_cols(st);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if ((ret = store_row_load(s, &c, out)))
            break;
        if (row_cb && (ret = row_cb(&out->rows[out->nrows - 1], out->nrows - 1, arg))) {
            store_fail(s, ret, "%s: run %lld: row %zu refused by the reader", s->path,
                       (long long)id, out->nrows - 1);
            break;
        }
    }
    if (!ret && rc != SQLITE_DONE)
        ret = store_sqlfail(s, "load results");
    sqlite3_finalize(st);
    return ret;
}

json_t *lite_load_raw_rows(struct store *s, int64_t id)
{
    sqlite3_stmt *st;
    json_t *arr = json_array();
    int rc, missing = 0;

    if (!arr || sqlite3_prepare_v2(s->db, "SELECT raw FROM results WHERE run = ?1 ORDER BY seq", -1,
                                   &st, NULL) != SQLITE_OK) {
        json_decref(arr);
        return NULL;
    }
    sqlite3_bind_int64(st, 1, id);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *t = (const char *)sqlite3_column_text(st, 0);
        json_t *row = t ? json_loads(t, 0, NULL) : NULL;
        if (!row) {
            missing = 1;
            break;
        }
        json_array_append_new(arr, row);
    }
    sqlite3_finalize(st);
    if (missing || rc == SQLITE_ROW || json_array_size(arr) == 0) {
        json_decref(arr);
        return NULL;
    }
    return arr;
}

/* The light loader: the columns a series over many runs needs, no JSON and no histogram. */
static const char summary_sql[] =
    STORE_SUMMARY_COLS STORE_SUMMARY_FROM " WHERE r.run = ?1 ORDER BY r.seq";

int store_row_summary(struct store *s, const struct store_cols *st, struct vb_run *out)
{
    static const char *const cols[] = {"p50_ns",   "p90_ns", "p99_ns", "p999_ns",
                                       "p9999_ns", "min_ns", "max_ns", "stddev_ns"};
    struct vb_row *w = vb_run_add_row(out, col_text(st, 1));
    const char *t;

    if (!w || set_str(&w->run_name, col_text(st, 0)))
        goto nomem;
    if (strcmp(col_text(st, 2), "aggregate") == 0) {
        w->run_type = VB_AGGREGATE;
        if (set_str(&w->aggregate_name, col_text(st, 3)))
            goto nomem;
        t = col_text(st, 4);
        w->aggregate_is_pct = t && strcmp(t, "percentage") == 0;
    }
    w->repetitions = col_int(st, 5);
    w->repetition_index = col_int(st, 6);
    w->threads = col_int(st, 7);
    w->iterations = (uint64_t)st->i64(st, 8);
    w->real_time = col_num(st, 9);
    w->cpu_time = col_num(st, 10);
    snprintf(w->time_unit, sizeof(w->time_unit), "%s", col_text(st, 11));
    w->bytes_per_second = col_num(st, 12);
    w->items_per_second = col_num(st, 13);
    if (col_int(st, 14)) {
        t = col_text(st, 15);
        if (vb_row_set_error(w, col_int(st, 16), t ? t : ""))
            goto nomem;
    }
    for (int i = 0; i < 8; i++)
        if (!st->isnull(st, 17 + i) && vb_row_set_counter(w, cols[i], col_num(st, 17 + i)))
            goto nomem;
    return 0;
nomem:
    return store_fail(s, -ENOMEM, "%s: out of memory", s->path);
}

int lite_load_summaries(struct store *s, int64_t id, struct vb_run *out)
{
    sqlite3_stmt *st;
    int ret = 0, rc;

    if (sqlite3_prepare_v2(s->db, summary_sql, -1, &st, NULL) != SQLITE_OK)
        return store_sqlfail(s, "load results");
    sqlite3_bind_int64(st, 1, id);
    struct store_cols c = lite_cols(st);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if ((ret = store_row_summary(s, &c, out)))
            break;
    if (!ret && rc != SQLITE_DONE)
        ret = store_sqlfail(s, "load results");
    sqlite3_finalize(st);
    return ret;
}
