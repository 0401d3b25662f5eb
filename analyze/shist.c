/*
 * Sparse histograms for the analyzer. A struct hist is a flat 42 KiB array, right for the
 * hot recording path but wasteful when an analysis holds thousands of them (two runs of
 * 500 benchmarks would fault in 40 MiB): a latency histogram has a few hundred non-empty
 * buckets. An an_hist keeps only those (bucket index and count, ascending), with the same
 * summary fields, and answers the same questions with the same results as lib/hist.c
 * (nearest-rank percentiles at bucket midpoints clamped to [min, max]). An an_rowhists
 * carries one run's rows' sparse histograms from the inputs (input.c) to whoever merges
 * them (metric.c, capacity.c), passed explicitly rather than kept in a global.
 */
#include "analyze.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void an_hist_free(struct an_hist *h)
{
    if (!h)
        return;
    free(h->idx);
    free(h->cnt);
    free(h);
}

/* Room for cap (index, count) pairs in *idx and *cnt. 0 or -ENOMEM (nothing allocated). */
static int alloc_pairs(int cap, uint32_t **idx, uint64_t **cnt)
{
    *idx = malloc((size_t)(cap ? cap : 1) * sizeof(**idx));
    *cnt = malloc((size_t)(cap ? cap : 1) * sizeof(**cnt));
    if (!*idx || !*cnt) {
        free(*idx);
        free(*cnt);
        return -ENOMEM;
    }
    return 0;
}

/* Give h the n merged buckets (idx, cnt) and fold in the summary fields of s (count, min,
   max, sum, sumsq) of what was merged. */
static void install(struct an_hist *h, uint32_t *idx, uint64_t *cnt, int n, const struct an_hist *s)
{
    free(h->idx);
    free(h->cnt);
    h->idx = idx;
    h->cnt = cnt;
    h->n = n;
    if (s->count) {
        if (h->count == 0 || s->min < h->min)
            h->min = s->min;
        if (h->count == 0 || s->max > h->max)
            h->max = s->max;
    }
    h->count += s->count;
    h->sum += s->sum;
    h->sumsq += s->sumsq;
}

/* Merge src's non-empty buckets into h (h may be empty). 0 or -ENOMEM. */
int an_hist_merge(struct an_hist *h, const struct hist *src)
{
    const struct an_hist sum = {.count = src->count,
                                .min = src->min,
                                .max = src->max,
                                .sum = src->sum,
                                .sumsq = src->sumsq};
    int n = 0, k = 0, cap = h->n;
    uint32_t *idx;
    uint64_t *cnt;

    for (int i = 0; i < HIST_NBUCKETS; i++)
        cap += src->counts[i] != 0;
    if (alloc_pairs(cap, &idx, &cnt))
        return -ENOMEM;
    for (int i = 0; i < HIST_NBUCKETS; i++) {
        while (k < h->n && h->idx[k] < (uint32_t)i) {
            idx[n] = h->idx[k];
            cnt[n++] = h->cnt[k++];
        }
        if (k < h->n && h->idx[k] == (uint32_t)i) {
            idx[n] = (uint32_t)i;
            cnt[n++] = h->cnt[k++] + src->counts[i];
        } else if (src->counts[i]) {
            idx[n] = (uint32_t)i;
            cnt[n++] = src->counts[i];
        }
    }
    install(h, idx, cnt, n, &sum);
    return 0;
}

struct an_hist *an_hist_from(const struct hist *src)
{
    struct an_hist *h = calloc(1, sizeof(*h));
    if (h && an_hist_merge(h, src)) {
        an_hist_free(h);
        return NULL;
    }
    return h;
}

double an_hist_mean(const struct an_hist *h)
{
    return h->count ? h->sum / (double)h->count : 0;
}

double an_hist_stddev(const struct an_hist *h)
{
    return hist_stddev_of(h->count, h->sum, h->sumsq);
}

double an_hist_value(const struct an_hist *h, int k)
{
    return hist_bucket_value((int)h->idx[k], h->min, h->max);
}

double an_hist_percentile(const struct an_hist *h, double p)
{
    return hist_percentile_of(h->count, h->min, h->max, h->idx, h->cnt, h->n, p);
}

int an_hist_add(struct an_hist *h, const struct an_hist *src)
{
    int n = 0, i = 0, k = 0;
    uint32_t *idx;
    uint64_t *cnt;

    if (alloc_pairs(h->n + src->n, &idx, &cnt))
        return -ENOMEM;
    while (i < h->n || k < src->n) {
        if (k >= src->n || (i < h->n && h->idx[i] < src->idx[k])) {
            idx[n] = h->idx[i];
            cnt[n++] = h->cnt[i++];
        } else if (i >= h->n || src->idx[k] < h->idx[i]) {
            idx[n] = src->idx[k];
            cnt[n++] = src->cnt[k++];
        } else {
            idx[n] = h->idx[i];
            cnt[n++] = h->cnt[i++] + src->cnt[k++];
        }
    }
    install(h, idx, cnt, n, src);
    return 0;
}

struct an_hist *an_rowhists_get(const struct an_rowhists *h, size_t i)
{
    return h && i < h->n ? h->sh[i] : NULL;
}

struct an_hist *an_rowhists_take(struct an_rowhists *h, size_t i)
{
    struct an_hist *x = an_rowhists_get(h, i);
    if (x)
        h->sh[i] = NULL;
    return x;
}

int an_rowhists_keep(struct an_rowhists *h, struct vb_row *w, size_t i)
{
    if (i >= h->cap) {
        size_t nc = h->cap ? h->cap * 2 : 256;
        while (nc <= i)
            nc *= 2;
        struct an_hist **n = realloc(h->sh, nc * sizeof(*n));
        if (!n)
            return -ENOMEM;
        h->sh = n;
        h->cap = nc;
    }
    while (h->n <= i)
        h->sh[h->n++] = NULL;
    if (w->hist && hist_count(w->hist) && !(h->sh[i] = an_hist_from(w->hist)))
        return -ENOMEM;
    hist_free(w->hist);
    w->hist = NULL;
    return 0;
}

void an_rowhists_reset(struct an_rowhists *h)
{
    for (size_t i = 0; i < h->n; i++)
        an_hist_free(h->sh[i]);
    h->n = 0;
}
