/*
 * Reading the PostgreSQL store: selecting runs, resolving run ids, listing benchmarks and
 * loading runs, with the same answers as the SQLite reader (store_read.c, store_load.c):
 * rows are decoded by the shared store_row_load/store_row_summary, selectors are matched in
 * C with the same glob (lib/match.h) on the values store_run_key gives, text is ordered
 * with COLLATE "C" (bytewise, as SQLite does), and labels come back sorted by key as
 * SQLite's table returns them.
 *
 * Selecting is set-based: one query for the candidate runs and their pairings, one for
 * all their labels and one for all their result counts (not a subquery per run), matched
 * to the runs by id in C.
 *
 * Round trips cost more than SQLite's function calls, so loads read ahead: after
 * store_select_runs, loading a listed run fetches it with the next runs of the list in one
 * query (256 runs of summaries, 32 full runs) and serves those from memory.
 */
#include "store_pg.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "match.h"

#define AHEAD_SUMMARIES 256
#define AHEAD_FULL      32

/* ---- struct store_cols over a row of a PGresult (text format) ---- */

struct pgrow {
    PGresult *r;
    int row;
    uint8_t *blob; /* decoded bytea of the last blob() call */
};

static int pg_isnull(const struct store_cols *c, int col)
{
    const struct pgrow *p = c->h;
    return PQgetisnull(p->r, p->row, col);
}

static const char *pg_text(const struct store_cols *c, int col)
{
    const struct pgrow *p = c->h;
    return PQgetisnull(p->r, p->row, col) ? NULL : PQgetvalue(p->r, p->row, col);
}

static int64_t pg_i64(const struct store_cols *c, int col)
{
    const char *t = pg_text(c, col);
    return t ? strtoll(t, NULL, 10) : 0;
}

static double pg_num(const struct store_cols *c, int col)
{
    const char *t = pg_text(c, col);
    return t ? strtod(t, NULL) : NAN;
}

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* bytea in hex output form ("\x0a1b..."). NULL for a malformed value. */
static const void *pg_blob(const struct store_cols *c, int col, size_t *len)
{
    struct pgrow *p = c->h;
    const char *t = pg_text(c, col);
    size_t n;

    *len = 0;
    if (!t || t[0] != '\\' || t[1] != 'x' || (strlen(t + 2) & 1))
        return NULL;
    n = strlen(t + 2) / 2;
    free(p->blob);
    if (!(p->blob = malloc(n ? n : 1)))
        return NULL;
    for (size_t i = 0; i < n; i++) {
        int hi = hexval(t[2 + 2 * i]), lo = hexval(t[3 + 2 * i]);
        if (hi < 0 || lo < 0)
            return NULL;
        p->blob[i] = (uint8_t)(hi << 4 | lo);
    }
    *len = n;
    return p->blob;
}

static struct store_cols pg_cols(struct pgrow *p)
{
    return (struct store_cols){p, pg_isnull, pg_text, pg_i64, pg_num, pg_blob};
}

/* ---- Selecting runs ---- */

static const char run_cols[] =
    "SELECT r.id, r.run_id, r.source, r.start_time, r.end_time, r.tool, r.tool_version, r.host,"
    " r.content_hash, r.complete, p.hypervisor, p.hypervisor_version, p.guest_os,"
    " p.guest_version, p.kernel, p.cpu_model, p.clocksource"
    " FROM runs r JOIN pairings p ON p.id = r.pairing WHERE true";

static const char *const run_keys[] = {"run_id",       "source", "tool",
                                       "tool_version", "host",   "complete"};

/* The SQL text grows by fixed pieces only: column names from the tables above, never
   from the input; every value is a parameter. */
struct sqlbuf {
    char *p;
    size_t n;
    int oom;
    const char *v[256]; /* parameters */
    char *own[256];     /* those allocated here */
    int nv;
};

static void sql_add(struct sqlbuf *b, const char *piece)
{
    size_t len = strlen(piece);
    char *p = b->oom ? NULL : realloc(b->p, b->n + len + 1);
    if (!p) {
        b->oom = 1;
        return;
    }
    memcpy(p + b->n, piece, len + 1);
    b->p = p;
    b->n += len;
}

/* Add a parameter; its placeholder ("$N") is returned in ph. */
static void param(struct sqlbuf *b, const char *v, char *own, char ph[16])
{
    if (b->nv >= 256) {
        b->oom = 1;
        free(own);
        return;
    }
    b->own[b->nv] = own;
    b->v[b->nv++] = v;
    snprintf(ph, 16, "$%d", b->nv);
}

/* A condition the glob implies (the literal text before its first *, ? or [ starts the
   value; without those, the value equals it), so the server sends only candidates; the
   exact match is done in C afterwards. */
static void glob_cond(struct sqlbuf *b, const char *col, const char *glob)
{
    size_t lit = strcspn(glob, "*?[");
    char ph[16], *prefix;

    if (lit == 0)
        return;
    if (!(prefix = strndup(glob, lit))) {
        b->oom = 1;
        return;
    }
    param(b, prefix, prefix, ph);
    sql_add(b, glob[lit] ? " AND starts_with(" : " AND ");
    sql_add(b, col);
    sql_add(b, glob[lit] ? ", " : " = ");
    sql_add(b, ph);
    if (glob[lit])
        sql_add(b, ")");
}

static void sel_sql(struct sqlbuf *b, const struct store_sel *sel)
{
    char ph[16];
    sql_add(b, run_cols);
    for (int i = 0; sel && i < sel->n; i++) {
        const char *k = sel->keys[i], *col = NULL;
        char name[64];
        for (int j = 0; j < SP_NKEYS && !col; j++)
            if (strcmp(k, store_pairing_keys[j]) == 0)
                col = store_pairing_keys[j], snprintf(name, sizeof(name), "p.%s", col);
        for (size_t j = 0; j < sizeof(run_keys) / sizeof(run_keys[0]) && !col; j++)
            if (strcmp(k, run_keys[j]) == 0)
                col = run_keys[j], snprintf(name, sizeof(name), "r.%s::text", col);
        if (col) {
            glob_cond(b, name, sel->values[i]);
            continue;
        }
        param(b, k, NULL, ph);
        sql_add(b, " AND EXISTS (SELECT 1 FROM labels l WHERE l.run = r.id AND l.key = ");
        sql_add(b, ph);
        glob_cond(b, "l.value", sel->values[i]);
        sql_add(b, ")");
    }
    if (sel && sel->since) {
        param(b, sel->since, NULL, ph);
        sql_add(b, " AND r.start_time COLLATE \"C\" >= ");
        sql_add(b, ph);
    }
    sql_add(b, " ORDER BY r.start_time COLLATE \"C\", r.id");
}

static void copy_val(PGresult *r, int row, int col, char *dst, size_t len)
{
    snprintf(dst, len, "%s", PQgetvalue(r, row, col));
}

/* The run matches every selector and the date range (store_read.c's conditions). */
static int selected(const struct store_run_info *ri, const struct store_sel *sel)
{
    if (!sel)
        return 1;
    for (int i = 0; i < sel->n; i++) {
        const char *v = store_run_key(ri, sel->keys[i]);
        if (!v || !match_glob(sel->values[i], v))
            return 0;
    }
    if (sel->since && strcmp(ri->start, sel->since) < 0)
        return 0;
    if (sel->until && strncmp(ri->start, sel->until, strlen(sel->until)) > 0)
        return 0;
    return 1;
}

/* Where run id is in by_id (the runs' indexes sorted by id); -1 when absent. */
struct by_id {
    int64_t id;
    size_t idx;
};

static int cmp_by_id(const void *a, const void *b)
{
    int64_t x = ((const struct by_id *)a)->id, y = ((const struct by_id *)b)->id;
    return x < y ? -1 : x > y;
}

static long find_id(const struct by_id *v, size_t n, int64_t id)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (v[mid].id == id)
            return (long)v[mid].idx;
        if (v[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

/* "{1,2,3}": the ids as a bigint[] parameter (NULL when out of memory). */
static char *id_array(const struct by_id *v, size_t n)
{
    char *arr = malloc(n * 21 + 3), *o = arr;
    if (!arr)
        return NULL;
    *o++ = '{';
    for (size_t i = 0; i < n; i++)
        o += sprintf(o, "%s%lld", i ? "," : "", (long long)v[i].id);
    *o++ = '}';
    *o = 0;
    return arr;
}

/* One query over the candidate runs: some (their ids bound as $1 = par[0]) when given,
   else every run's (all). */
static PGresult *over_runs(struct store *s, const char *what, const char *const *par,
                           const char *some, const char *all)
{
    return pgs_exec(s, what, PGRES_TUPLES_OK, some ? some : all, some ? 1 : 0, some ? par : NULL);
}

/* Fill the labels (in key order, bytewise, as SQLite's table returns them) and the result
   counts of the candidate runs v[0..nv), two set-based queries for all of them (every
   run's when all is set: no array of ids to match then). */
static int labels_and_counts(struct store *s, struct store_run_info *v, size_t nv, int all)
{
    struct by_id *idx = malloc((nv ? nv : 1) * sizeof(*idx));
    PGresult *r = NULL;
    const char *par[1];
    char *arr = NULL;
    int ret = 0;

    if (!idx)
        return pgs_fail(s, -ENOMEM, "%s: out of memory", s->path);
    for (size_t i = 0; i < nv; i++)
        idx[i] = (struct by_id){v[i].id, i};
    qsort(idx, nv, sizeof(*idx), cmp_by_id);
    if (!all && !(arr = id_array(idx, nv))) {
        ret = pgs_fail(s, -ENOMEM, "%s: out of memory", s->path);
        goto out;
    }
    par[0] = arr;
    if (!(r = over_runs(s, "select labels", par,
                        all ? NULL
                            : "SELECT run, key, value FROM labels WHERE run = ANY($1::bigint[])"
                              " ORDER BY run, key COLLATE \"C\"",
                        "SELECT run, key, value FROM labels ORDER BY run, key COLLATE \"C\""))) {
        ret = s->pg->last;
        goto out;
    }
    for (int i = 0; i < PQntuples(r); i++) {
        long at = find_id(idx, nv, atoll(PQgetvalue(r, i, 0)));
        if (at >= 0 && json_object_set_new(v[at].labels, PQgetvalue(r, i, 1),
                                           json_string(PQgetvalue(r, i, 2)))) {
            ret = pgs_fail(s, -ENOMEM, "%s: out of memory", s->path);
            goto out;
        }
    }
    PQclear(r);
    if (!(r = over_runs(s, "count results", par,
                        all ? NULL
                            : "SELECT run, count(*) FROM results WHERE run = ANY($1::bigint[])"
                              " GROUP BY run",
                        "SELECT run, count(*) FROM results GROUP BY run"))) {
        ret = s->pg->last;
        goto out;
    }
    for (int i = 0; i < PQntuples(r); i++) {
        long at = find_id(idx, nv, atoll(PQgetvalue(r, i, 0)));
        if (at >= 0)
            v[at].rows = atol(PQgetvalue(r, i, 1));
    }
out:
    PQclear(r);
    free(arr);
    free(idx);
    return ret;
}

int pgs_select_runs(struct store *s, const struct store_sel *sel, struct store_run_info **out,
                    size_t *n)
{
    struct sqlbuf q = {0};
    PGresult *r = NULL;
    struct store_run_info *v = NULL;
    int64_t *ids = NULL;
    size_t nv = 0;
    int nt, ret, all;

    *out = NULL;
    *n = 0;
    sel_sql(&q, sel);
    all = q.nv == 0; /* no condition on the server: every run is a candidate */
    if (!q.oom)
        r = pgs_exec(s, "select runs", PGRES_TUPLES_OK, q.p, q.nv, q.v);
    for (int i = 0; i < q.nv; i++)
        free(q.own[i]);
    free(q.p);
    if (q.oom)
        return pgs_fail(s, -ENOMEM, "%s: out of memory", s->path);
    if (!r)
        return s->pg->last;
    nt = PQntuples(r);
    if (!(v = calloc(nt ? (size_t)nt : 1, sizeof(*v))) ||
        !(ids = malloc((nt ? (size_t)nt : 1) * sizeof(*ids))))
        goto nomem;
    for (int i = 0; i < nt; i++, nv++) {
        struct store_run_info *ri = &v[i];
        ri->id = atoll(PQgetvalue(r, i, 0));
        copy_val(r, i, 1, ri->run_id, sizeof(ri->run_id));
        copy_val(r, i, 2, ri->source, sizeof(ri->source));
        copy_val(r, i, 3, ri->start, sizeof(ri->start));
        copy_val(r, i, 4, ri->end, sizeof(ri->end));
        copy_val(r, i, 5, ri->tool, sizeof(ri->tool));
        copy_val(r, i, 6, ri->tool_version, sizeof(ri->tool_version));
        copy_val(r, i, 7, ri->host, sizeof(ri->host));
        copy_val(r, i, 8, ri->content_hash, sizeof(ri->content_hash));
        ri->complete = atoi(PQgetvalue(r, i, 9));
        for (int k = 0; k < SP_NKEYS; k++)
            copy_val(r, i, 10 + k, ri->pairing.v[k], sizeof(ri->pairing.v[k]));
        if (!(ri->labels = json_object()))
            goto nomem;
    }
    PQclear(r);
    r = NULL;
    if (nv && (ret = labels_and_counts(s, v, nv, all))) {
        free(ids);
        store_runs_free(v, nv);
        return ret;
    }
    /* the exact match, in C: keep the selected runs, in order */
    for (size_t i = 0; i < nv; i++) {
        if (!selected(&v[i], sel)) {
            json_decref(v[i].labels);
            continue;
        }
        if (*n != i)
            v[*n] = v[i];
        ids[(*n)++] = v[i].id;
    }
    nv = *n;
    /* the read-ahead follows every selection made on this connection (compare loads side A
       after selecting side B), kept one after the other */
    pgs_ahead_free(s);
    {
        int64_t *list = realloc(s->pg->ids, (s->pg->nids + *n + 1) * sizeof(*list));
        if (!list)
            goto nomem;
        memcpy(list + s->pg->nids, ids, *n * sizeof(*ids));
        s->pg->ids = list;
        s->pg->nids += *n;
        free(ids);
    }
    *out = v;
    return 0;
nomem:
    PQclear(r);
    free(ids);
    store_runs_free(v, nv);
    *n = 0;
    return pgs_fail(s, -ENOMEM, "%s: out of memory", s->path);
}

int pgs_find_run(struct store *s, const char *run_id, int64_t *id)
{
    const char *v[1] = {run_id};
    PGresult *r = pgs_exec(s, "find run", PGRES_TUPLES_OK,
                           "SELECT id, run_id = $1 FROM runs WHERE left(run_id, length($1)) = $1"
                           " ORDER BY run_id = $1 DESC LIMIT 2",
                           1, v);
    int n;

    if (!r)
        return s->pg->last;
    n = PQntuples(r);
    if (n > 0)
        *id = atoll(PQgetvalue(r, 0, 0));
    if (n > 1 && strcmp(PQgetvalue(r, 0, 1), "t") == 0)
        n = 1; /* an exact match wins over longer ids */
    PQclear(r);
    if (n == 0)
        return pgs_fail(s, -ENOENT, "%s: no run '%s' (see viobench collect ls)", s->path, run_id);
    if (n > 1)
        return pgs_fail(s, -EINVAL, "%s: run id '%s' is ambiguous: give more of it", s->path,
                        run_id);
    return 0;
}

int pgs_list_benchmarks(struct store *s, int64_t id, char ***names, size_t *n)
{
    char ids[32];
    const char *v[1] = {ids};
    PGresult *r;
    int nt;

    *names = NULL;
    *n = 0;
    snprintf(ids, sizeof(ids), "%lld", (long long)id);
    if (!(r = pgs_exec(s, "list benchmarks", PGRES_TUPLES_OK,
                       "SELECT b.name FROM results r JOIN benchmarks b ON b.id = r.benchmark"
                       " WHERE r.run = $1 GROUP BY b.id, b.name ORDER BY min(r.seq)",
                       1, v)))
        return s->pg->last;
    nt = PQntuples(r);
    if (nt && !(*names = calloc((size_t)nt, sizeof(**names))))
        goto nomem;
    for (int i = 0; i < nt; i++) {
        if (!((*names)[i] = strdup(PQgetvalue(r, i, 0))))
            goto nomem;
        (*n)++;
    }
    PQclear(r);
    return 0;
nomem:
    PQclear(r);
    store_names_free(*names, *n);
    *names = NULL;
    *n = 0;
    return pgs_fail(s, -ENOMEM, "%s: out of memory", s->path);
}

/* ---- Loading runs, with read-ahead ---- */

void pgs_ahead_free(struct store *s)
{
    PQclear(s->pg->ahead);
    s->pg->ahead = NULL;
    PQclear(s->pg->ahead_ctx);
    s->pg->ahead_ctx = NULL;
    s->pg->ahead_lo = s->pg->ahead_hi = 0;
    s->pg->ahead_id = 0;
}

/* Position of id in the last selection, looking first where the reader is going; -1. */
static long list_pos(struct store *s, int64_t id)
{
    struct store_pg *p = s->pg;
    if (p->ahead_hi < p->nids && p->ids[p->ahead_hi] == id)
        return (long)p->ahead_hi;
    for (size_t i = 0; i < p->nids; i++)
        if (p->ids[i] == id)
            return (long)i;
    return -1;
}

/* Make the read-ahead hold run id (full: with histograms and contexts). 0 or -errno. */
static int fetch(struct store *s, int64_t id, int full)
{
    struct store_pg *p = s->pg;
    long at;
    size_t lo, hi, batch = full ? AHEAD_FULL : AHEAD_SUMMARIES;
    char *arr, *o;
    const char *v[1];
    char one[32];

    if (p->ahead && p->ahead_full == full && p->ahead_id == id)
        return 0;
    if (p->ahead && p->ahead_full == full)
        for (size_t i = p->ahead_lo; i < p->ahead_hi; i++)
            if (p->ids[i] == id)
                return 0;
    pgs_ahead_free(s);
    at = list_pos(s, id);
    if (at < 0) { /* not in the last selection: this run alone */
        snprintf(one, sizeof(one), "{%lld}", (long long)id);
        arr = one;
        lo = hi = 0;
    } else {
        lo = (size_t)at;
        hi = lo + batch < p->nids ? lo + batch : p->nids;
        if (!(arr = malloc((hi - lo) * 21 + 3)))
            return pgs_fail(s, -ENOMEM, "%s: out of memory", s->path);
        o = arr;
        *o++ = '{';
        for (size_t i = lo; i < hi; i++)
            o += sprintf(o, "%s%lld", i > lo ? "," : "", (long long)p->ids[i]);
        *o++ = '}';
        *o = 0;
    }
    v[0] = arr;
    p->ahead = pgs_exec(
        s, "load results", PGRES_TUPLES_OK,
        full ? STORE_LOAD_COLS ", r.run" STORE_LOAD_FROM " WHERE r.run = ANY($1::bigint[])"
                               " ORDER BY r.run, r.seq"
             : STORE_SUMMARY_COLS ", r.run" STORE_SUMMARY_FROM " WHERE r.run = ANY($1::bigint[])"
                                  " ORDER BY r.run, r.seq",
        1, v);
    if (p->ahead && full)
        p->ahead_ctx = pgs_exec(s, "load run", PGRES_TUPLES_OK,
                                "SELECT id, context FROM runs WHERE id = ANY($1::bigint[])"
                                " ORDER BY id",
                                1, v);
    if (arr != one)
        free(arr);
    if (!p->ahead || (full && !p->ahead_ctx)) {
        int ret = p->last;
        pgs_ahead_free(s);
        return ret;
    }
    p->ahead_full = full;
    p->ahead_lo = lo;
    p->ahead_hi = hi;
    p->ahead_id = at < 0 ? id : 0;
    return 0;
}

/* First row of run id in the read-ahead (ordered by run) and how many rows it has. */
static int rows_of(PGresult *r, int idcol, int64_t id, int *first)
{
    int lo = 0, hi = PQntuples(r), n = 0;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (atoll(PQgetvalue(r, mid, idcol)) < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    *first = lo;
    while (lo + n < PQntuples(r) && atoll(PQgetvalue(r, lo + n, idcol)) == id)
        n++;
    return n;
}

int pgs_load_run_each(struct store *s, int64_t id, struct vb_run *out,
                      int (*row_cb)(struct vb_row *w, size_t idx, void *arg), void *arg)
{
    struct pgrow pr = {0};
    struct store_cols c;
    json_t *ctx;
    int first, n, ret = 0;

    if ((ret = fetch(s, id, 1)))
        return ret;
    if (rows_of(s->pg->ahead_ctx, 0, id, &first) != 1)
        return pgs_fail(s, -ENOENT, "%s: no run with store id %lld", s->path, (long long)id);
    if (!(ctx = json_loads(PQgetvalue(s->pg->ahead_ctx, first, 1), 0, NULL)))
        return pgs_fail(s, -EPROTO, "%s: run %lld: context is not JSON", s->path, (long long)id);
    json_decref(out->context);
    out->context = ctx;
    n = rows_of(s->pg->ahead, C_NCOLS, id, &first);
    pr.r = s->pg->ahead;
    c = pg_cols(&pr);
    for (int i = 0; i < n && !ret; i++) {
        pr.row = first + i;
        if ((ret = store_row_load(s, &c, out)))
            break;
        if (row_cb && (ret = row_cb(&out->rows[out->nrows - 1], out->nrows - 1, arg)))
            pgs_fail(s, ret, "%s: run %lld: row %zu refused by the reader", s->path, (long long)id,
                     out->nrows - 1);
    }
    free(pr.blob);
    return ret;
}

int pgs_load_summaries(struct store *s, int64_t id, struct vb_run *out)
{
    struct pgrow pr = {0};
    struct store_cols c;
    int first, n, ret = 0;

    if ((ret = fetch(s, id, 0)))
        return ret;
    n = rows_of(s->pg->ahead, STORE_SUMMARY_NCOLS, id, &first);
    pr.r = s->pg->ahead;
    c = pg_cols(&pr);
    for (int i = 0; i < n && !ret; i++) {
        pr.row = first + i;
        ret = store_row_summary(s, &c, out);
    }
    return ret;
}

json_t *pgs_load_raw_rows(struct store *s, int64_t id)
{
    char ids[32];
    const char *v[1] = {ids};
    PGresult *r;
    json_t *arr = json_array();
    int nt, missing = 0;

    snprintf(ids, sizeof(ids), "%lld", (long long)id);
    if (!arr || !(r = pgs_exec(s, "load raw rows", PGRES_TUPLES_OK,
                               "SELECT raw FROM results WHERE run = $1 ORDER BY seq", 1, v))) {
        json_decref(arr);
        return NULL;
    }
    nt = PQntuples(r);
    for (int i = 0; i < nt && !missing; i++) {
        json_t *row = PQgetisnull(r, i, 0) ? NULL : json_loads(PQgetvalue(r, i, 0), 0, NULL);
        if (!row)
            missing = 1;
        else
            json_array_append_new(arr, row);
    }
    PQclear(r);
    if (missing || json_array_size(arr) == 0) {
        json_decref(arr);
        return NULL;
    }
    return arr;
}
