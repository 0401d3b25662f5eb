/*
 * Log-linear latency histogram, shared by the runner, the collector and the analyzer.
 *
 * Values are nanoseconds as doubles (a per-operation figure from a batch of N operations
 * may be fractional). A bucket is an octave [2^e, 2^(e+1)) cut into 2^HIST_SUB_BITS equal
 * parts, so a bucket is at most 1/128 of its lower bound wide; percentiles report the
 * bucket midpoint clamped to the observed [min, max], so their relative error is at most
 * 1/256 (0.4%), well inside the 1% goal. The range is 2^HIST_MIN_EXP ns (62.5 ps) to
 * 2^(HIST_MAX_EXP+1) ns (about 275 s); values outside land in the first or last bucket and
 * are counted as underflow or overflow, and min/max stay exact.
 *
 * Every histogram has the same layout, so any two merge by adding counts, whatever host
 * or run they came from. The text form (hist_write/hist_read) is lossless.
 *
 * The struct is public only because hist_record() is inline on the measurement hot path;
 * use the functions for everything else.
 */
#ifndef VB_HIST_H
#define VB_HIST_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define HIST_SUB_BITS 7
#define HIST_SUB      (1 << HIST_SUB_BITS)
#define HIST_MIN_EXP  (-4)
#define HIST_MAX_EXP  37
#define HIST_NBUCKETS ((HIST_MAX_EXP - HIST_MIN_EXP + 1) * HIST_SUB)
/* Index of the first bucket in "double bits >> (52 - HIST_SUB_BITS)" space. */
#define HIST_BASE_KEY     ((int64_t)(1023 + HIST_MIN_EXP) << HIST_SUB_BITS)
#define HIST_TEXT_MAGIC   "viobench-hist"
#define HIST_TEXT_VERSION 1

struct hist {
    uint64_t count;
    uint64_t underflow; /* values below 2^HIST_MIN_EXP ns (also zero or negative) */
    uint64_t overflow;  /* values at or above 2^(HIST_MAX_EXP+1) ns */
    double min, max;    /* exact, ns */
    double sum, sumsq;  /* for mean and standard deviation, ns and ns^2 */
    uint64_t counts[HIST_NBUCKETS];
};

/* Allocate an empty histogram; NULL when out of memory. */
struct hist *hist_new(void);
/* Free a histogram (NULL is fine). */
void hist_free(struct hist *h);
/* Forget every recorded value. */
void hist_reset(struct hist *h);

/* Bucket index of a value in ns (clamped to the range); used by hist_record. */
static inline int hist_bucket_of(double ns)
{
    uint64_t bits;
    int64_t key;
    if (!(ns >= 0x1p-4))
        return -1;
    memcpy(&bits, &ns, sizeof(bits));
    key = (int64_t)(bits >> (52 - HIST_SUB_BITS)) - HIST_BASE_KEY;
    return key >= HIST_NBUCKETS ? HIST_NBUCKETS : (int)key;
}

/* Record `n` occurrences of a value in ns. A few ns; no allocation. */
static inline void hist_record_n(struct hist *h, double ns, uint64_t n)
{
    int b = hist_bucket_of(ns);
    if (b < 0) {
        h->underflow += n;
        b = 0;
    } else if (b == HIST_NBUCKETS) {
        h->overflow += n;
        b = HIST_NBUCKETS - 1;
    }
    h->counts[b] += n;
    if (h->count == 0 || ns < h->min)
        h->min = ns;
    if (h->count == 0 || ns > h->max)
        h->max = ns;
    h->count += n;
    h->sum += ns * (double)n;
    h->sumsq += ns * ns * (double)n;
}

/* Record one value in ns. */
static inline void hist_record(struct hist *h, double ns)
{
    hist_record_n(h, ns, 1);
}

/* Number of recorded values. */
uint64_t hist_count(const struct hist *h);
/* Smallest and largest recorded value in ns (0 when empty). */
double hist_min(const struct hist *h);
double hist_max(const struct hist *h);
/* Arithmetic mean in ns (0 when empty). */
double hist_mean(const struct hist *h);
/* Sample standard deviation in ns (0 with fewer than two values). */
double hist_stddev(const struct hist *h);
/* Value in ns at percentile p in [0, 100] (nearest rank); 0 when empty. */
double hist_percentile(const struct hist *h, double p);
/* Add every count of src into dst; 0. */
int hist_merge(struct hist *dst, const struct hist *src);

/* Lower bound and midpoint of bucket i in ns, for consumers that walk the buckets. */
double hist_bucket_low(int i);
double hist_bucket_mid(int i);
/* Value a percentile reports for bucket i: its midpoint clamped to [min, max], in ns. */
double hist_bucket_value(int i, double min, double max);
/* Nearest-rank percentile p in [0, 100] in ns of count values in [min, max] whose n bucket
   counts are cnt[k], of bucket idx[k] (idx NULL: bucket k); 0 when count is 0. The one
   walk behind hist_percentile and the analyzer's sparse copies (analyze/shist.c). */
double hist_percentile_of(uint64_t count, double min, double max, const uint32_t *idx,
                          const uint64_t *cnt, int n, double p);
/* Sample standard deviation in ns of count values whose sum is sum (ns) and sum of squares
   sumsq (ns^2); 0 with fewer than two values. For sparse copies (analyze/shist.c). */
double hist_stddev_of(uint64_t count, double sum, double sumsq);

/*
 * Write the histogram as one text record: a header line
 *   viobench-hist 1 <name> count=.. underflow=.. overflow=.. min=.. max=.. sum=.. sumsq=..
 * followed by one line of space-separated "bucket:count" pairs (non-empty buckets only).
 * `name` must not contain white space. Returns 0 or -errno.
 */
int hist_write(const struct hist *h, const char *name, FILE *f);
/*
 * Read the next record written by hist_write into a new histogram. Returns 1 and sets
 * *out and name (up to namelen bytes) on success, 0 at end of file, -EINVAL on malformed
 * input (with a reason in err).
 */
int hist_read(FILE *f, struct hist **out, char *name, size_t namelen, char *err, size_t errlen);

/* A record's header line, as parsed by hist_parse_header. */
struct hist_header {
    int version;
    char name[1100];
    uint64_t count, underflow, overflow;
    double min, max, sum, sumsq; /* ns, ns^2 */
};
/* Parse and check one header line (NUL-terminated, no newline): 0, or -EINVAL with the
   reason in err (not a header, other version, a signed count, or hist_check_header). */
int hist_parse_header(const char *line, struct hist_header *hd, char *err, size_t errlen);
/* Check a header's numbers are possible: finite, sumsq >= 0, underflow + overflow <=
   count, min <= max, negative values only through underflow. 0 or -EINVAL with reason. */
int hist_check_header(const struct hist_header *hd, char *err, size_t errlen);

#endif
