/*
 * The PostgreSQL writer's building blocks (store_pg_write.c uses them): the per-connection
 * caches of dimension rows (benchmark names, pairings), and the encoders of its bind
 * parameters: a text[] literal, and PostgreSQL's binary array format for the column arrays
 * that carry a run's rows in one statement.
 */
#include "store_pg.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

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
/* ---- A text[] literal (new benchmark names) ---- */

static void put(struct pgs_buf *b, const char *s, size_t len)
{
    if (b->oom)
        return;
    if (b->n + len + 2 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        char *p;
        while (cap < b->n + len + 2)
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

/* Next element of an array literal: '{' or ',' before it; close with arr_end. */
static void sep(struct pgs_buf *b)
{
    put(b, b->n ? "," : "{", 1);
}

/* A quoted element (" and \ escaped), or NULL. */
void pgs_lit_el(struct pgs_buf *b, const char *v)
{
    const char *start;

    sep(b);
    if (!v) {
        put(b, "NULL", 4);
        return;
    }
    put(b, "\"", 1);
    start = v;
    for (const char *c = v;; c++) {
        if (*c && *c != '"' && *c != '\\')
            continue;
        put(b, start, (size_t)(c - start));
        if (!*c)
            break;
        put(b, "\\", 1);
        put(b, c, 1);
        start = c + 1;
    }
    put(b, "\"", 1);
}

/* ---- Column arrays in PostgreSQL's binary array format (what array_recv reads): numbers
   travel as their bytes, so neither side prints or parses decimal text (at 50 rows a run,
   that was a third of the statement's cost), and bytea needs no hex ---- */

#define ARR_HDR 20 /* ndim, flags, element type, length, lower bound */

static void be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

/* Start the next element: its length (-1: NULL) in front of it. */
static void a_len(struct pgs_arr *a, int32_t len)
{
    static const char zero[ARR_HDR];
    unsigned char t[4];
    if (a->b.n == 0)
        put(&a->b, zero, ARR_HDR);
    be32(t, (uint32_t)len);
    put(&a->b, (const char *)t, 4);
    a->n++;
    a->nulls |= len < 0;
}

/* A text element, or NULL. */
void pgs_arr_text(struct pgs_arr *a, const char *v)
{
    size_t len = v ? strlen(v) : 0;
    a_len(a, v ? (int32_t)len : -1);
    if (v)
        put(&a->b, v, len);
}

/* An integer element of the array's type (int4 or int8). */
void pgs_arr_int(struct pgs_arr *a, long long v)
{
    unsigned char t[8];
    if (a->oid == OID_INT4) {
        be32(t, (uint32_t)(int32_t)v);
        a_len(a, 4);
        put(&a->b, (const char *)t, 4);
        return;
    }
    be32(t, (uint32_t)((unsigned long long)v >> 32));
    be32(t + 4, (uint32_t)v);
    a_len(a, 8);
    put(&a->b, (const char *)t, 8);
}

/* A double exactly (its IEEE bytes); NULL when it is not a number. */
void pgs_arr_f8(struct pgs_arr *a, double v)
{
    uint64_t u;
    if (isnan(v)) {
        a_len(a, -1);
        return;
    }
    memcpy(&u, &v, sizeof(u));
    pgs_arr_int(a, (long long)u); /* an int8-sized element: the same 8 big-endian bytes */
}

void pgs_arr_bytea(struct pgs_arr *a, const uint8_t *p, size_t len)
{
    a_len(a, (int32_t)len);
    put(&a->b, (const char *)p, len);
}

/* The array's bytes and their count; NULL when out of memory. */
const char *pgs_arr_end(struct pgs_arr *a, int *len)
{
    static const char zero[ARR_HDR];
    unsigned char *h;
    if (a->b.n == 0) /* no element: ndim 0, and no dimension fields */
        put(&a->b, zero, 12);
    if (a->b.oom)
        return NULL;
    h = (unsigned char *)a->b.p;
    be32(h, a->n ? 1 : 0);
    be32(h + 4, (uint32_t)a->nulls);
    be32(h + 8, a->oid);
    if (a->n) {
        be32(h + 12, (uint32_t)a->n);
        be32(h + 16, 1);
    }
    *len = (int)a->b.n;
    return a->b.p;
}

const char *pgs_lit_end(struct pgs_buf *b)
{
    put(b, b->n ? "}" : "{}", b->n ? 1 : 2);
    return b->oom ? NULL : b->p;
}
