/*
 * Adding a run to the PostgreSQL store, with the SQLite writer's semantics (store_write.c)
 * and few round trips: the run row by INSERT ... ON CONFLICT DO NOTHING (the unique content
 * hash and run id decide, also against a collector on another host committing the same run
 * at the same moment), dimension rows (pairing, benchmark names) looked up in a per
 * connection cache and added in one statement when new, then labels, result rows and
 * histograms each sent as one COPY with ids drawn from the results sequence beforehand.
 * COPY carries data, never SQL: every value from the input travels as data or as a bind
 * parameter.
 */
#include "store_pg.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

/* ---- The dimension caches ---- */

static size_t cache_pos(const struct pgs_cache *c, const char *key, int *found)
{
    size_t lo = 0, hi = c->n;
    *found = 0;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int cmp = strcmp(c->v[mid].key, key);
        if (cmp == 0) {
            *found = 1;
            return mid;
        }
        if (cmp < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int pgs_cache_get(struct pgs_cache *c, const char *key, int64_t *id)
{
    int found;
    size_t i = cache_pos(c, key, &found);
    if (found)
        *id = c->v[i].id;
    return found;
}

int pgs_cache_put(struct pgs_cache *c, const char *key, int64_t id, int pending)
{
    int found;
    size_t i = cache_pos(c, key, &found);
    char *k;

    if (found)
        return 0;
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 64;
        struct pgs_dim *v = realloc(c->v, cap * sizeof(*v));
        if (!v)
            return -ENOMEM;
        c->v = v;
        c->cap = cap;
    }
    if (!(k = strdup(key)))
        return -ENOMEM;
    memmove(&c->v[i + 1], &c->v[i], (c->n - i) * sizeof(*c->v));
    c->v[i] = (struct pgs_dim){k, id, pending};
    c->n++;
    return 0;
}

static void cache_settle(struct pgs_cache *c, int committed)
{
    size_t o = 0;
    for (size_t i = 0; i < c->n; i++) {
        if (c->v[i].pending && !committed) {
            free(c->v[i].key);
            continue;
        }
        c->v[i].pending = 0;
        c->v[o++] = c->v[i];
    }
    c->n = o;
}

void pgs_cache_end(struct store *s, int committed)
{
    cache_settle(&s->pg->bench, committed);
    cache_settle(&s->pg->pairing, committed);
}

void pgs_cache_free(struct store *s)
{
    struct pgs_cache *cs[2] = {&s->pg->bench, &s->pg->pairing};
    for (int k = 0; k < 2; k++) {
        for (size_t i = 0; i < cs[k]->n; i++)
            free(cs[k]->v[i].key);
        free(cs[k]->v);
        memset(cs[k], 0, sizeof(*cs[k]));
    }
}

/* ---- A growing text buffer for COPY data and array literals ---- */

struct buf {
    char *p;
    size_t n, cap;
    int oom;
};

static void put(struct buf *b, const char *s, size_t len)
{
    if (b->oom)
        return;
    if (b->n + len + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        char *p;
        while (cap < b->n + len + 1)
            cap *= 2;
        if (!(p = realloc(b->p, cap))) {
            b->oom = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, len);
    b->n += len;
    b->p[b->n] = 0;
}

/* A COPY text field: backslash, newline, carriage return and tab escaped; NULL is \N. */
static void field(struct buf *b, const char *v, int last)
{
    if (!v) {
        put(b, "\\N", 2);
    } else {
        const char *start = v;
        for (const char *c = v;; c++) {
            const char *esc = *c == '\\'   ? "\\\\"
                              : *c == '\n' ? "\\n"
                              : *c == '\r' ? "\\r"
                              : *c == '\t' ? "\\t"
                                           : NULL;
            if (!esc && *c)
                continue;
            put(b, start, (size_t)(c - start));
            if (!*c)
                break;
            put(b, esc, 2);
            start = c + 1;
        }
    }
    put(b, last ? "\n" : "\t", 1);
}

static void field_i(struct buf *b, long long v, int last)
{
    char t[32];
    snprintf(t, sizeof(t), "%lld", v);
    field(b, t, last);
}

/* A double exactly (17 significant digits), NULL when it is not a number. */
static void field_d(struct buf *b, double v, int last)
{
    char t[40];
    if (isnan(v))
        field(b, NULL, last);
    else if (isinf(v))
        field(b, v > 0 ? "Infinity" : "-Infinity", last);
    else {
        snprintf(t, sizeof(t), "%.17g", v);
        field(b, t, last);
    }
}

static void field_bytea(struct buf *b, const uint8_t *p, size_t len, int last)
{
    static const char hex[] = "0123456789abcdef";
    put(b, "\\\\x", 3);
    for (size_t i = 0; i < len; i++) {
        char two[2] = {hex[p[i] >> 4], hex[p[i] & 15]};
        put(b, two, 2);
    }
    put(b, last ? "\n" : "\t", 1);
}

/* One COPY ... FROM STDIN with the rows in b. 0 or -errno. */
static int copy_in(struct store *s, const char *sql, const struct buf *b, const char *what)
{
    PGresult *r;

    if (b->oom)
        return pgs_fail(s, -ENOMEM, "%s: out of memory", s->path);
    if (!(r = pgs_exec(s, what, PGRES_COPY_IN, sql, 0, NULL)))
        return s->pg->last;
    PQclear(r);
    if (PQputCopyData(s->pg->conn, b->p, (int)b->n) != 1 || PQputCopyEnd(s->pg->conn, NULL) != 1)
        return pgs_resfail(s, NULL, what);
    r = PQgetResult(s->pg->conn);
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        return pgs_resfail(s, r, what);
    PQclear(r);
    while ((r = PQgetResult(s->pg->conn)))
        PQclear(r);
    return 0;
}

/* A text[] literal of the strings: each quoted, with " and \ escaped. */
static void array_lit(struct buf *b, char **v, size_t n)
{
    put(b, "{", 1);
    for (size_t i = 0; i < n; i++) {
        put(b, i ? ",\"" : "\"", i ? 2 : 1);
        for (const char *c = v[i]; *c; c++) {
            if (*c == '"' || *c == '\\')
                put(b, "\\", 1);
            put(b, c, 1);
        }
        put(b, "\"", 1);
    }
    put(b, "}", 1);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Ids of the run's benchmark names: from the cache, or added (sorted, so that collectors
   adding the same new names take their locks in one order) and read back. */
static int bench_ids(struct store *s, const struct vb_run *run, int64_t *ids)
{
    char **miss = NULL;
    size_t nmiss = 0;
    struct buf b = {0};
    PGresult *r = NULL;
    int ret = 0;

    for (size_t i = 0; i < run->nrows; i++)
        if (!pgs_cache_get(&s->pg->bench, run->rows[i].run_name, &ids[i])) {
            if (!miss && !(miss = malloc(run->nrows * sizeof(*miss))))
                return pgs_fail(s, -ENOMEM, "%s: out of memory", s->path);
            miss[nmiss++] = run->rows[i].run_name;
        }
    if (!nmiss)
        return 0;
    qsort(miss, nmiss, sizeof(*miss), cmp_str);
    {
        size_t o = 0;
        for (size_t i = 0; i < nmiss; i++)
            if (!o || strcmp(miss[o - 1], miss[i]) != 0)
                miss[o++] = miss[i];
        nmiss = o;
    }
    array_lit(&b, miss, nmiss);
    if (b.oom) {
        ret = pgs_fail(s, -ENOMEM, "%s: out of memory", s->path);
        goto out;
    }
    {
        const char *v[1] = {b.p};
        if ((ret = pgs_cmd(s, "add benchmarks",
                           "INSERT INTO benchmarks (name) SELECT n FROM unnest($1::text[]) n"
                           " ON CONFLICT DO NOTHING",
                           1, v)))
            goto out;
        if (!(r = pgs_exec(s, "find benchmarks", PGRES_TUPLES_OK,
                           "SELECT name, id FROM benchmarks WHERE name = ANY($1::text[])", 1, v))) {
            ret = s->pg->last;
            goto out;
        }
    }
    for (int i = 0; i < PQntuples(r); i++)
        if (pgs_cache_put(&s->pg->bench, PQgetvalue(r, i, 0), atoll(PQgetvalue(r, i, 1)), 1)) {
            ret = pgs_fail(s, -ENOMEM, "%s: out of memory", s->path);
            goto out;
        }
    for (size_t i = 0; i < run->nrows; i++)
        if (!pgs_cache_get(&s->pg->bench, run->rows[i].run_name, &ids[i])) {
            ret = pgs_fail(s, -EIO, "%s: benchmark '%s' missing after adding it", s->path,
                           run->rows[i].run_name);
            goto out;
        }
out:
    PQclear(r);
    free(b.p);
    free(miss);
    return ret;
}

static int pairing_id(struct store *s, const struct store_pairing *p, int64_t *id)
{
    const char *v[SP_NKEYS];
    char key[SP_NKEYS * 130] = "";
    PGresult *r;

    for (int k = 0; k < SP_NKEYS; k++) {
        v[k] = p->v[k];
        snprintf(key + strlen(key), sizeof(key) - strlen(key), "%s\x1f", p->v[k]);
    }
    if (pgs_cache_get(&s->pg->pairing, key, id))
        return 0;
    if (pgs_cmd(s, "add pairing",
                "INSERT INTO pairings (hypervisor, hypervisor_version, guest_os, guest_version,"
                " kernel, cpu_model, clocksource) VALUES ($1, $2, $3, $4, $5, $6, $7)"
                " ON CONFLICT DO NOTHING",
                SP_NKEYS, v))
        return s->pg->last;
    if (!(r = pgs_exec(s, "find pairing", PGRES_TUPLES_OK,
                       "SELECT id FROM pairings WHERE hypervisor = $1 AND hypervisor_version = $2"
                       " AND guest_os = $3 AND guest_version = $4 AND kernel = $5"
                       " AND cpu_model = $6 AND clocksource = $7",
                       SP_NKEYS, v)))
        return s->pg->last;
    if (PQntuples(r) != 1) {
        PQclear(r);
        return pgs_fail(s, -EIO, "%s: pairing missing after adding it", s->path);
    }
    *id = atoll(PQgetvalue(r, 0, 0));
    PQclear(r);
    return pgs_cache_put(&s->pg->pairing, key, *id, 1)
               ? pgs_fail(s, -ENOMEM, "%s: out of memory", s->path)
               : 0;
}

/* Insert the run row; 0 with its id, 1 when the same content is stored, -EEXIST when the
   run id is stored with other content. */
static int insert_run(struct store *s, const struct store_new_run *nr, int64_t pid, int64_t *run)
{
    char pids[32], now[40], complete[8];
    char *ctx = json_dumps(nr->run->context, JSON_COMPACT | JSON_REAL_PRECISION(17));
    const char *v[13];
    struct timeval tv;
    PGresult *r;
    int ret = 0;

    if (!ctx)
        return pgs_fail(s, -ENOMEM, "%s: out of memory", s->path);
    gettimeofday(&tv, NULL);
    store_iso_time((double)tv.tv_sec * 1000 + (double)(tv.tv_usec / 1000), now, sizeof(now));
    snprintf(pids, sizeof(pids), "%lld", (long long)pid);
    snprintf(complete, sizeof(complete), "%d", nr->complete);
#define S(x) ((x) ? (x) : "")
    const char *vals[13] = {S(nr->run_id),
                            S(nr->source),
                            S(nr->content_hash),
                            pids,
                            S(nr->start),
                            S(nr->end),
                            S(nr->tool),
                            S(nr->tool_version),
                            S(nr->host),
                            complete,
                            S(nr->origin),
                            now,
                            ctx};
#undef S
    memcpy(v, vals, sizeof(v));
    r = pgs_exec(s, "add run", PGRES_TUPLES_OK,
                 "INSERT INTO runs (run_id, source, content_hash, pairing, start_time, end_time,"
                 " tool, tool_version, host, complete, origin, ingested_at, context)"
                 " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
                 " ON CONFLICT DO NOTHING RETURNING id",
                 13, v);
    free(ctx);
    if (!r)
        return s->pg->last;
    if (PQntuples(r) == 1) {
        *run = atoll(PQgetvalue(r, 0, 0));
        PQclear(r);
        return 0;
    }
    PQclear(r);
    /* a conflict: the same content (already stored), or the run id with other content */
    v[1] = v[2];
    if (!(r = pgs_exec(s, "look up run", PGRES_TUPLES_OK,
                       "SELECT content_hash FROM runs WHERE content_hash = $2 OR run_id = $1"
                       " ORDER BY content_hash = $2 DESC LIMIT 1",
                       2, v)))
        return s->pg->last;
    if (PQntuples(r) == 0)
        ret = pgs_fail(s, -EBUSY, "%s: run %s: conflicting run vanished; retrying", s->path,
                       nr->run_id);
    else if (strcmp(PQgetvalue(r, 0, 0), nr->content_hash) == 0)
        ret = 1;
    else
        ret = pgs_fail(s, -EEXIST,
                       "run %s is already stored with other content (hash %.12s, this one "
                       "%.12s)",
                       nr->run_id, PQgetvalue(r, 0, 0), nr->content_hash);
    PQclear(r);
    return ret;
}

static void row_copy(struct buf *b, int64_t id, int64_t run, size_t seq, int64_t bench,
                     const struct vb_row *w, const char *counters, const char *info,
                     const char *raw)
{
    double scale = vb_time_unit_scale(w->time_unit);
    int agg = w->run_type == VB_AGGREGATE;

    field_i(b, id, 0);
    field_i(b, run, 0);
    field_i(b, (long long)seq, 0);
    field_i(b, bench, 0);
    field(b, w->name ? w->name : "", 0);
    field(b, agg ? "aggregate" : "iteration", 0);
    field(b, agg ? (w->aggregate_name ? w->aggregate_name : "") : NULL, 0);
    field(b, agg ? (w->aggregate_is_pct ? "percentage" : "time") : NULL, 0);
    field_i(b, w->repetitions, 0);
    field_i(b, w->repetition_index, 0);
    field_i(b, w->threads, 0);
    field_i(b, (long long)w->iterations, 0);
    field_d(b, w->real_time, 0);
    field_d(b, w->cpu_time, 0);
    field(b, w->time_unit, 0);
    field_d(b, (w->aggregate_is_pct || scale == 0) ? NAN : w->real_time / scale, 0);
    for (int k = 0; k < 8; k++)
        field_d(b, vb_row_counter(w, store_pct_cols[k]), 0);
    field_d(b, w->bytes_per_second, 0);
    field_d(b, w->items_per_second, 0);
    field(b, w->label, 0);
    field_i(b, w->error_occurred, 0);
    field(b, w->error_occurred ? (w->error_message ? w->error_message : "") : NULL, 0);
    field_i(b, w->skipped, 0);
    field(b, counters, 0);
    field(b, info, 0);
    field(b, raw, 1);
}

static int hist_copy(struct buf *b, int64_t id, const struct hist *h, const struct store_hist *e)
{
    struct store_hist mine;

    if (h) {
        mine = (struct store_hist){h->count, h->underflow, h->overflow, h->min,
                                   h->max,   h->sum,       h->sumsq};
        if (histblob_encode(h, &mine.blob, &mine.len))
            return -ENOMEM;
        e = &mine;
    }
    field_i(b, id, 0);
    field_i(b, HIST_SUB_BITS, 0);
    field_i(b, HIST_MIN_EXP, 0);
    field_i(b, (long long)e->count, 0);
    field_i(b, (long long)e->underflow, 0);
    field_i(b, (long long)e->overflow, 0);
    field_d(b, e->min, 0);
    field_d(b, e->max, 0);
    field_d(b, e->sum, 0);
    field_d(b, e->sumsq, 0);
    field_bytea(b, e->blob, e->len, 1);
    if (h)
        free(mine.blob);
    return 0;
}

/* Result rows and histograms of the run, as two COPYs. */
static int add_rows(struct store *s, const struct store_new_run *nr, int64_t run)
{
    const struct vb_run *vr = nr->run;
    int64_t *bench = NULL;
    struct buf rows = {0}, hists = {0};
    PGresult *r = NULL;
    char cnt[32];
    const char *v[1] = {cnt};
    int ret, nh = 0;

    if (!vr->nrows)
        return 0;
    if (!(bench = calloc(vr->nrows, sizeof(*bench))))
        return pgs_fail(s, -ENOMEM, "%s: out of memory", s->path);
    if ((ret = bench_ids(s, vr, bench)))
        goto out;
    /* ids for the rows, so that histograms can name theirs in the same round trip */
    snprintf(cnt, sizeof(cnt), "%zu", vr->nrows);
    if (!(r = pgs_exec(s, "number results", PGRES_TUPLES_OK,
                       "SELECT nextval(pg_get_serial_sequence('results', 'id'))"
                       " FROM generate_series(1, $1::bigint)",
                       1, v))) {
        ret = s->pg->last;
        goto out;
    }
    for (size_t i = 0; i < vr->nrows && !ret; i++) {
        const struct vb_row *w = &vr->rows[i];
        const json_t *raw = nr->raw_rows ? json_array_get(nr->raw_rows, i) : NULL;
        const struct store_hist *e = nr->hists ? &nr->hists[i] : NULL;
        char *counters = store_counters_json(w);
        char *info = w->info ? json_dumps(w->info, JSON_COMPACT | JSON_REAL_PRECISION(17)) : NULL;
        char *rawtext = raw ? json_dumps(raw, JSON_COMPACT | JSON_REAL_PRECISION(17)) : NULL;
        int64_t id = atoll(PQgetvalue(r, (int)i, 0));

        if ((w->ncounters && !counters) || (w->info && !info) || (raw && !rawtext))
            ret = -ENOMEM;
        else
            row_copy(&rows, id, run, i, bench[i], w, counters, info, rawtext);
        if (!ret && (w->hist || (e && e->blob))) {
            ret = hist_copy(&hists, id, w->hist, e);
            nh++;
        }
        free(counters);
        free(info);
        free(rawtext);
    }
    if (ret) {
        ret = pgs_fail(s, -ENOMEM, "%s: out of memory", s->path);
        goto out;
    }
    if ((ret = copy_in(s,
                       "COPY results (id, run, seq, benchmark, name, run_type, aggregate_name,"
                       " aggregate_unit, repetitions, repetition_index, threads, iterations,"
                       " real_time, cpu_time, time_unit, mean_ns, p50_ns, p90_ns, p99_ns,"
                       " p999_ns, p9999_ns, min_ns, max_ns, stddev_ns, bytes_per_second,"
                       " items_per_second, label, error_occurred, error_message, skipped,"
                       " counters, info, raw) FROM STDIN",
                       &rows, "add results")))
        goto out;
    if (nh)
        ret = copy_in(s,
                      "COPY histograms (result, sub_bits, min_exp, count, underflow, overflow,"
                      " min_ns, max_ns, sum_ns, sumsq_ns, buckets) FROM STDIN",
                      &hists, "add histograms");
out:
    PQclear(r);
    free(rows.p);
    free(hists.p);
    free(bench);
    return ret;
}

static int add_labels(struct store *s, int64_t run, const json_t *labels)
{
    struct buf b = {0};
    const char *k;
    json_t *v;
    int n = 0, ret;

    json_object_foreach((json_t *)labels, k, v)
    {
        if (!json_is_string(v))
            continue;
        field_i(&b, run, 0);
        field(&b, k, 0);
        field(&b, json_string_value(v), 1);
        n++;
    }
    ret = n ? copy_in(s, "COPY labels (run, key, value) FROM STDIN", &b, "add labels") : 0;
    free(b.p);
    return ret;
}

int pgs_add_run(struct store *s, const struct store_new_run *nr)
{
    int64_t pid = 0, run = 0;
    int ret;

    if (!s->in_txn)
        return pgs_fail(s, -EINVAL, "%s: store_add_run outside a transaction", s->path);
    if ((ret = pairing_id(s, &nr->pairing, &pid)) || (ret = insert_run(s, nr, pid, &run)))
        return ret;
    if (nr->labels && (ret = add_labels(s, run, nr->labels)))
        return ret;
    return add_rows(s, nr, run);
}
