/*
 * Reading the store back: selecting runs by pairing, run and label keys and by date,
 * listing a run's benchmarks, and loading a run as the struct vb_run it was ingested from
 * (context, rows, counters in order, kernel info, histograms). This is the analyzer's way
 * in, and what `collect ls` and `export` use.
 */
#include "store_int.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const run_keys[] = {"run_id",       "source", "tool",
                                       "tool_version", "host",   "complete"};
#define NRUNKEYS (sizeof(run_keys) / sizeof(run_keys[0]))

static int valid_key(const char *k, size_t len)
{
    if (len == 0)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (!isalnum((unsigned char)k[i]) && !strchr("_.-", k[i]))
            return 0;
    return 1;
}

int store_sel_add(struct store_sel *sel, const char *kv, char *err, size_t errlen)
{
    const char *eq = strchr(kv, '=');
    char **nk, **nv;

    if (!eq || !valid_key(kv, (size_t)(eq - kv))) {
        snprintf(err, errlen,
                 "selector '%s' is not KEY=VALUE (KEY of letters, digits, '_', '.', '-')", kv);
        return -EINVAL;
    }
    nk = realloc(sel->keys, sizeof(*nk) * (size_t)(sel->n + 1));
    if (!nk)
        return -ENOMEM;
    sel->keys = nk;
    nv = realloc(sel->values, sizeof(*nv) * (size_t)(sel->n + 1));
    if (!nv)
        return -ENOMEM;
    sel->values = nv;
    sel->keys[sel->n] = strndup(kv, (size_t)(eq - kv));
    sel->values[sel->n] = strdup(eq + 1);
    if (!sel->keys[sel->n] || !sel->values[sel->n]) {
        free(sel->keys[sel->n]);
        free(sel->values[sel->n]);
        return -ENOMEM;
    }
    sel->n++;
    return 0;
}

/* A date prefix: YYYY[-MM[-DD[THH[:MM[:SS]]]]] (a space may stand for T). */
static char *date_prefix(const char *in)
{
    static const char shape[] = "dddd-dd-ddTdd:dd:dd";
    size_t n = strlen(in);
    char *out;

    if (n < 4 || n > sizeof(shape) - 1 ||
        (n != 4 && n != 7 && n != 10 && n != 13 && n != 16 && n != 19))
        return NULL;
    for (size_t i = 0; i < n; i++) {
        char want = shape[i];
        if (want == 'd' ? !isdigit((unsigned char)in[i])
                        : !(in[i] == want || (want == 'T' && in[i] == ' ')))
            return NULL;
    }
    if (!(out = strdup(in)))
        return NULL;
    if (n > 10)
        out[10] = 'T';
    return out;
}

int store_sel_dates(struct store_sel *sel, const char *since, const char *until, char *err,
                    size_t errlen)
{
    const char *in[2] = {since, until};
    char **out[2] = {&sel->since, &sel->until};
    for (int i = 0; i < 2; i++) {
        if (!in[i])
            continue;
        free(*out[i]);
        if (!(*out[i] = date_prefix(in[i]))) {
            snprintf(err, errlen,
                     "%s '%s' is not an ISO 8601 date such as 2026-11-25 or "
                     "2026-11-25T10:00",
                     i ? "--until" : "--since", in[i]);
            return -EINVAL;
        }
    }
    return 0;
}

void store_sel_free(struct store_sel *sel)
{
    for (int i = 0; i < sel->n; i++) {
        free(sel->keys[i]);
        free(sel->values[i]);
    }
    free(sel->keys);
    free(sel->values);
    free(sel->since);
    free(sel->until);
    memset(sel, 0, sizeof(*sel));
}

/* Append to a growing SQL string; 0 or -ENOMEM. */
static int sql_add(char **sql, size_t *len, const char *fmt, const char *arg)
{
    size_t need = strlen(fmt) + (arg ? strlen(arg) : 0) + 1;
    char *n = realloc(*sql, *len + need);
    if (!n)
        return -ENOMEM;
    *sql = n;
    *len += (size_t)snprintf(n + *len, need, fmt, arg ? arg : "");
    return 0;
}

static void copy_col(sqlite3_stmt *st, int col, char *dst, size_t len)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    snprintf(dst, len, "%s", t ? (const char *)t : "");
}

/* The SQL condition for one selector; its bound values are ?(2i+1) key, ?(2i+2) pattern. */
static int sel_cond(char **sql, size_t *len, const char *key)
{
    for (int k = 0; k < SP_NKEYS; k++)
        if (strcmp(key, store_pairing_keys[k]) == 0)
            return sql_add(sql, len, " AND vb_glob(?, p.%s)", store_pairing_keys[k]);
    for (size_t k = 0; k < NRUNKEYS; k++)
        if (strcmp(key, run_keys[k]) == 0)
            return sql_add(sql, len, " AND vb_glob(?, CAST(r.%s AS TEXT))", run_keys[k]);
    return sql_add(sql, len,
                   " AND EXISTS (SELECT 1 FROM labels l WHERE l.run = r.id AND l.key = ?"
                   " AND vb_glob(?, l.value))",
                   NULL);
}

int lite_select_runs(struct store *s, const struct store_sel *sel, struct store_run_info **out,
                     size_t *n)
{
    char *sql = NULL;
    size_t len = 0, cap = 0;
    sqlite3_stmt *st = NULL;
    struct store_run_info *v = NULL;
    int ret = -ENOMEM, rc, b = 1;

    *out = NULL;
    *n = 0;
    if (sql_add(&sql, &len,
                "SELECT r.id, r.run_id, r.source, r.start_time, r.end_time, r.tool,"
                " r.tool_version, r.host, r.content_hash, r.complete,"
                " (SELECT count(*) FROM results x WHERE x.run = r.id),"
                " (SELECT json_group_object(key, value) FROM labels l WHERE l.run = r.id),"
                " p.hypervisor, p.hypervisor_version, p.guest_os, p.guest_version, p.kernel,"
                " p.cpu_model, p.clocksource"
                " FROM runs r JOIN pairings p ON p.id = r.pairing WHERE 1",
                NULL))
        goto fail;
    for (int i = 0; sel && i < sel->n; i++)
        if (sel_cond(&sql, &len, sel->keys[i]))
            goto fail;
    if (sel && sel->since && sql_add(&sql, &len, " AND r.start_time >= ?", NULL))
        goto fail;
    if (sel && sel->until &&
        sql_add(&sql, &len, " AND substr(r.start_time, 1, length(?1000)) <= ?1000", NULL))
        goto fail;
    if (sql_add(&sql, &len, " ORDER BY r.start_time, r.id", NULL))
        goto fail;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
        ret = store_sqlfail(s, "select runs");
        goto fail;
    }
    for (int i = 0; sel && i < sel->n; i++) {
        int label = 1;
        for (int k = 0; k < SP_NKEYS; k++)
            label &= strcmp(sel->keys[i], store_pairing_keys[k]) != 0;
        for (size_t k = 0; k < NRUNKEYS; k++)
            label &= strcmp(sel->keys[i], run_keys[k]) != 0;
        if (label)
            sqlite3_bind_text(st, b++, sel->keys[i], -1, SQLITE_STATIC);
        sqlite3_bind_text(st, b++, sel->values[i], -1, SQLITE_STATIC);
    }
    if (sel && sel->since)
        sqlite3_bind_text(st, b++, sel->since, -1, SQLITE_STATIC);
    if (sel && sel->until)
        sqlite3_bind_text(st, 1000, sel->until, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_run_info *r;
        const char *labels;
        if (*n == cap) {
            struct store_run_info *nv = realloc(v, sizeof(*nv) * (cap ? cap * 2 : 16));
            if (!nv)
                goto fail;
            v = nv;
            cap = cap ? cap * 2 : 16;
        }
        r = &v[*n];
        memset(r, 0, sizeof(*r));
        r->id = sqlite3_column_int64(st, 0);
        copy_col(st, 1, r->run_id, sizeof(r->run_id));
        copy_col(st, 2, r->source, sizeof(r->source));
        copy_col(st, 3, r->start, sizeof(r->start));
        copy_col(st, 4, r->end, sizeof(r->end));
        copy_col(st, 5, r->tool, sizeof(r->tool));
        copy_col(st, 6, r->tool_version, sizeof(r->tool_version));
        copy_col(st, 7, r->host, sizeof(r->host));
        copy_col(st, 8, r->content_hash, sizeof(r->content_hash));
        r->complete = sqlite3_column_int(st, 9);
        r->rows = (long)sqlite3_column_int64(st, 10);
        labels = (const char *)sqlite3_column_text(st, 11);
        r->labels = labels ? json_loads(labels, 0, NULL) : NULL;
        if (!r->labels)
            r->labels = json_object();
        for (int k = 0; k < SP_NKEYS; k++)
            copy_col(st, 12 + k, r->pairing.v[k], sizeof(r->pairing.v[k]));
        (*n)++;
        if (!r->labels)
            goto fail;
    }
    if (rc != SQLITE_DONE) {
        ret = store_sqlfail(s, "select runs");
        goto fail;
    }
    sqlite3_finalize(st);
    free(sql);
    *out = v;
    return 0;
fail:
    if (ret == -ENOMEM)
        store_fail(s, ret, "%s: out of memory", s->path);
    sqlite3_finalize(st);
    free(sql);
    store_runs_free(v, *n);
    *n = 0;
    return ret;
}

void store_runs_free(struct store_run_info *runs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        json_decref(runs[i].labels);
    free(runs);
}

const char *store_run_key(const struct store_run_info *r, const char *key)
{
    static const char *const yes_no[2] = {"0", "1"};
    for (int k = 0; k < SP_NKEYS; k++)
        if (strcmp(key, store_pairing_keys[k]) == 0)
            return r->pairing.v[k];
    if (strcmp(key, "run_id") == 0)
        return r->run_id;
    if (strcmp(key, "source") == 0)
        return r->source;
    if (strcmp(key, "tool") == 0)
        return r->tool;
    if (strcmp(key, "tool_version") == 0)
        return r->tool_version;
    if (strcmp(key, "host") == 0)
        return r->host;
    if (strcmp(key, "complete") == 0)
        return yes_no[r->complete != 0];
    return json_string_value(json_object_get(r->labels, key));
}

int lite_find_run(struct store *s, const char *run_id, int64_t *id)
{
    sqlite3_stmt *st;
    int n = 0, rc;

    if (sqlite3_prepare_v2(s->db,
                           "SELECT id, run_id = ?1 FROM runs WHERE substr(run_id, 1, length(?1))"
                           " = ?1 ORDER BY run_id = ?1 DESC LIMIT 2",
                           -1, &st, NULL) != SQLITE_OK)
        return store_sqlfail(s, "find run");
    sqlite3_bind_text(st, 1, run_id, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == 0)
            *id = sqlite3_column_int64(st, 0);
        n++;
        if (sqlite3_column_int(st, 1)) /* an exact match wins over longer ids */
            break;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return store_sqlfail(s, "find run");
    if (n == 0)
        return store_fail(s, -ENOENT, "%s: no run '%s' (see viobench collect ls)", s->path, run_id);
    if (n > 1 && rc != SQLITE_ROW)
        return store_fail(s, -EINVAL, "%s: run id '%s' is ambiguous: give more of it", s->path,
                          run_id);
    return 0;
}

int lite_list_benchmarks(struct store *s, int64_t id, char ***names, size_t *n)
{
    sqlite3_stmt *st;
    size_t cap = 0;
    int rc;

    *names = NULL;
    *n = 0;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT b.name FROM results r JOIN benchmarks b ON b.id = r.benchmark"
                           " WHERE r.run = ?1 GROUP BY b.id ORDER BY min(r.seq)",
                           -1, &st, NULL) != SQLITE_OK)
        return store_sqlfail(s, "list benchmarks");
    sqlite3_bind_int64(st, 1, id);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            char **nn = realloc(*names, sizeof(*nn) * (cap ? cap * 2 : 16));
            if (!nn)
                break;
            *names = nn;
            cap = cap ? cap * 2 : 16;
        }
        if (!((*names)[*n] = strdup((const char *)sqlite3_column_text(st, 0))))
            break;
        (*n)++;
    }
    sqlite3_finalize(st);
    if (rc == SQLITE_DONE)
        return 0;
    store_names_free(*names, *n);
    *names = NULL;
    *n = 0;
    return rc == SQLITE_ROW ? store_fail(s, -ENOMEM, "%s: out of memory", s->path)
                            : store_sqlfail(s, "list benchmarks");
}

void store_names_free(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}
