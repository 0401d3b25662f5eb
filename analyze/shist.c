/*
 * Sparse histograms for the analyzer. A struct hist is a flat 42 KiB array, right for the
 * hot recording path but wasteful when an analysis holds thousands of them (two runs of
 * 500 benchmarks would fault in 40 MiB): a latency histogram has a few hundred non-empty
 * buckets. An an_hist keeps only those (bucket index and count, ascending), with the same
 * summary fields, and answers the same questions with the same results as lib/hist.c
 * (nearest-rank percentiles at bucket midpoints clamped to [min, max]).
 */
#include "analyze.h"

#include <errno.h>
#include <math.h>
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

/* Merge src's non-empty buckets into h (h may be empty). 0 or -ENOMEM. */
int an_hist_merge(struct an_hist *h, const struct hist *src)
{
    int n = 0, k = 0, cap = h->n;
    uint32_t *idx;
    uint64_t *cnt;

    for (int i = 0; i < HIST_NBUCKETS; i++)
        cap += src->counts[i] != 0;
    idx = malloc((size_t)(cap ? cap : 1) * sizeof(*idx));
    cnt = malloc((size_t)(cap ? cap : 1) * sizeof(*cnt));
    if (!idx || !cnt) {
        free(idx);
        free(cnt);
        return -ENOMEM;
    }
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
    free(h->idx);
    free(h->cnt);
    h->idx = idx;
    h->cnt = cnt;
    h->n = n;
    if (src->count) {
        if (h->count == 0 || src->min < h->min)
            h->min = src->min;
        if (h->count == 0 || src->max > h->max)
            h->max = src->max;
    }
    h->count += src->count;
    h->sum += src->sum;
    h->sumsq += src->sumsq;
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
    double n = (double)h->count, v;
    if (h->count < 2)
        return 0;
    v = (h->sumsq - h->sum * h->sum / n) / (n - 1);
    return v > 0 ? sqrt(v) : 0;
}

double an_hist_value(const struct an_hist *h, int k)
{
    double v = hist_bucket_mid((int)h->idx[k]);
    return v < h->min ? h->min : v > h->max ? h->max : v;
}

double an_hist_percentile(const struct an_hist *h, double p)
{
    uint64_t rank, seen = 0;

    if (!h->count)
        return 0;
    if (p <= 0)
        return h->min;
    if (p >= 100)
        return h->max;
    rank = (uint64_t)ceil(p / 100.0 * (double)h->count);
    if (rank < 1)
        rank = 1;
    for (int k = 0; k < h->n; k++) {
        seen += h->cnt[k];
        if (seen >= rank)
            return an_hist_value(h, k);
    }
    return h->max;
}

int an_hist_add(struct an_hist *h, const struct an_hist *src)
{
    int n = 0, i = 0, k = 0, cap = h->n + src->n;
    uint32_t *idx = malloc((size_t)(cap ? cap : 1) * sizeof(*idx));
    uint64_t *cnt = malloc((size_t)(cap ? cap : 1) * sizeof(*cnt));

    if (!idx || !cnt) {
        free(idx);
        free(cnt);
        return -ENOMEM;
    }
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
    free(h->idx);
    free(h->cnt);
    h->idx = idx;
    h->cnt = cnt;
    h->n = n;
    if (src->count) {
        if (h->count == 0 || src->min < h->min)
            h->min = src->min;
        if (h->count == 0 || src->max > h->max)
            h->max = src->max;
    }
    h->count += src->count;
    h->sum += src->sum;
    h->sumsq += src->sumsq;
    return 0;
}
