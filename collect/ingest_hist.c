/*
 * histograms.txt straight into the store's encoding. lib/hist.h's reader builds a full
 * struct hist (5,248 buckets, 42 KiB) per record, which the store would only scan again to
 * encode the few hundred non-empty ones; this reader turns each record's "index:count" list
 * into the blob directly, with the same checks as hist_read() (header, version, indices in
 * range, counts adding up to the header's count) and the same record names as
 * vb_read_histograms(). Records whose indices are not in ascending order (hist_write never
 * writes them, but hist_read accepts them) go through a struct hist.
 */
#include "ingest.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pairs {
    uint32_t *idx;
    uint64_t *count;
    size_t n, cap;
};

static int pairs_add(struct pairs *p, uint32_t i, uint64_t c)
{
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 256;
        uint32_t *ni = realloc(p->idx, cap * sizeof(*ni));
        uint64_t *nc;
        if (!ni)
            return -ENOMEM;
        p->idx = ni;
        if (!(nc = realloc(p->count, cap * sizeof(*nc))))
            return -ENOMEM;
        p->count = nc;
        p->cap = cap;
    }
    p->idx[p->n] = i;
    p->count[p->n++] = c;
    return 0;
}

/* Parse a header line of n bytes with hist_parse_header(). 0 or -EINVAL with reason. */
static int parse_header(const char *p, size_t n, struct store_hist *h, char name[1100], char *err,
                        size_t errlen)
{
    char line[2048];
    struct hist_header hd;
    int ret;

    if (n >= sizeof(line)) {
        snprintf(err, errlen, "not a histogram header near '%.40s'", p);
        return -EINVAL;
    }
    memcpy(line, p, n);
    line[n] = 0;
    if ((ret = hist_parse_header(line, &hd, err, errlen)))
        return ret;
    h->count = hd.count;
    h->underflow = hd.underflow;
    h->overflow = hd.overflow;
    h->min = hd.min;
    h->max = hd.max;
    h->sum = hd.sum;
    h->sumsq = hd.sumsq;
    memcpy(name, hd.name, sizeof(hd.name));
    return 0;
}

/* Parse a bucket line [p, end) into pairs; 0 or -EINVAL with the reason. */
static int parse_buckets(const char *p, const char *end, struct pairs *pr, uint64_t *total,
                         char *err, size_t errlen)
{
    char *e;
    *total = 0;
    while (p < end) {
        unsigned long long c;
        long i;
        while (p < end && *p == ' ')
            p++;
        if (p >= end)
            break;
        i = strtol(p, &e, 10);
        if (e == p || e >= end || *e != ':' || i < 0 || i >= HIST_NBUCKETS) {
            snprintf(err, errlen, "bad bucket index near '%.20s'", p);
            return -EINVAL;
        }
        p = e + 1;
        errno = 0;
        c = strtoull(p, &e, 10);
        if (e == p || errno || (e < end && *e != ' ') || *p == '-' || *p == '+') {
            snprintf(err, errlen, "bad bucket count near '%.20s'", p);
            return -EINVAL;
        }
        if (c && pairs_add(pr, (uint32_t)i, c)) {
            snprintf(err, errlen, "out of memory");
            return -ENOMEM;
        }
        if (__builtin_add_overflow(*total, c, total)) {
            snprintf(err, errlen, "bucket counts overflow 64 bits (at bucket %ld)", i);
            return -EINVAL;
        }
        p = e;
    }
    return 0;
}

/* Encode pairs in any order (duplicates add up), through a struct hist. */
static int encode_unsorted(const struct pairs *pr, uint8_t **blob, size_t *len)
{
    struct hist *h = hist_new();
    int ret;
    if (!h)
        return -ENOMEM;
    for (size_t k = 0; k < pr->n; k++)
        h->counts[pr->idx[k]] += pr->count[k];
    {
        struct pairs sorted = {0};
        ret = 0;
        for (int i = 0; i < HIST_NBUCKETS && !ret; i++)
            if (h->counts[i])
                ret = pairs_add(&sorted, (uint32_t)i, h->counts[i]);
        if (!ret)
            ret = store_hist_encode(sorted.idx, sorted.count, sorted.n, blob, len);
        free(sorted.idx);
        free(sorted.count);
    }
    hist_free(h);
    return ret;
}

/* The row a record belongs to: the first iteration row without a histogram whose record
   name matches, searching from *cursor (records come in row order) and wrapping. */
static long find_row(const struct vb_run *r, const struct store_hist *hs, const char *name,
                     size_t *cursor)
{
    char want[1100];
    for (size_t k = 0; k < r->nrows; k++) {
        size_t i = (*cursor + k) % r->nrows;
        const struct vb_row *w = &r->rows[i];
        if (w->run_type != VB_ITERATION || hs[i].blob)
            continue;
        vb_hist_record_name(w, want, sizeof(want));
        if (strcmp(want, name) == 0) {
            *cursor = i + 1;
            return (long)i;
        }
    }
    return -1;
}

void ingest_hists_free(struct store_hist *hs, size_t n)
{
    for (size_t i = 0; hs && i < n; i++)
        free(hs[i].blob);
    free(hs);
}

int ingest_hist_text(const char *buf, size_t len, const struct vb_run *r, struct store_hist **out,
                     char *err, size_t errlen)
{
    const char *p = buf, *end = buf + len;
    struct store_hist *hs = calloc(r->nrows ? r->nrows : 1, sizeof(*hs));
    struct pairs pr = {0};
    size_t cursor = 0, lineno = 0;
    int ret = 0;

    if (!hs) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    while (p < end && !ret) {
        const char *nl = memchr(p, '\n', (size_t)(end - p)), *bl, *bend;
        char name[1100], e2[400];
        struct store_hist h = {0};
        uint64_t total;
        long row;
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

        lineno++;
        if (n == 0 || *p == '#') {
            p += n + 1;
            continue;
        }
#define FAIL(...)                                        \
    do {                                                 \
        snprintf(err, errlen, "line %zu: " __VA_ARGS__); \
        ret = -EINVAL;                                   \
        goto stop;                                       \
    } while (0)
        if (parse_header(p, n, &h, name, e2, sizeof(e2)))
            FAIL("%s", lineno, e2);
        if (!nl || nl + 1 >= end)
            FAIL("histogram '%.200s' has no bucket line", lineno, name);
        bl = nl + 1;
        lineno++;
        bend = memchr(bl, '\n', (size_t)(end - bl));
        if (!bend)
            bend = end;
        pr.n = 0;
        if ((ret = parse_buckets(bl, bend, &pr, &total, e2, sizeof(e2)))) {
            if (ret == -ENOMEM) {
                snprintf(err, errlen, "out of memory");
                goto stop;
            }
            FAIL("%s", lineno, e2);
        }
        if (total != h.count)
            FAIL("bucket counts add up to %" PRIu64 ", header says %" PRIu64, lineno, total,
                 h.count);
        if ((row = find_row(r, hs, name, &cursor)) < 0)
            FAIL("histogram '%.200s' matches no benchmark row", lineno, name);
#undef FAIL
        ret = store_hist_encode(pr.idx, pr.count, pr.n, &h.blob, &h.len);
        if (ret == -EINVAL)
            ret = encode_unsorted(&pr, &h.blob, &h.len);
        if (ret) {
            snprintf(err, errlen, "out of memory");
            break;
        }
        hs[row] = h;
        p = bend + 1;
    }
    /* Every measured row has its record: an empty or cut histograms.txt is not a run. */
    for (size_t i = 0; !ret && i < r->nrows; i++) {
        const struct vb_row *w = &r->rows[i];
        if (w->run_type == VB_ITERATION && !w->error_occurred && !hs[i].blob) {
            snprintf(err, errlen, "no histogram for benchmark row '%s' (empty or cut file)",
                     w->name);
            ret = -EINVAL;
        }
    }
stop:
    free(pr.idx);
    free(pr.count);
    if (ret) {
        ingest_hists_free(hs, r->nrows);
        return ret;
    }
    *out = hs;
    return 0;
}
