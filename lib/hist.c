/*
 * Log-linear latency histogram: statistics, merge and the lossless text form.
 * The hot recording path is inline in hist.h; see there for the bucket layout.
 */
#include "hist.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>

struct hist *hist_new(void)
{
    return calloc(1, sizeof(struct hist));
}

void hist_free(struct hist *h)
{
    free(h);
}

void hist_reset(struct hist *h)
{
    memset(h, 0, sizeof(*h));
}

uint64_t hist_count(const struct hist *h)
{
    return h->count;
}

double hist_min(const struct hist *h)
{
    return h->count ? h->min : 0;
}

double hist_max(const struct hist *h)
{
    return h->count ? h->max : 0;
}

double hist_mean(const struct hist *h)
{
    return h->count ? h->sum / (double)h->count : 0;
}

double hist_stddev_of(uint64_t count, double sum, double sumsq)
{
    double n = (double)count, var;
    if (count < 2)
        return 0;
    var = (sumsq - sum * sum / n) / (n - 1);
    return var > 0 ? sqrt(var) : 0;
}

double hist_stddev(const struct hist *h)
{
    return hist_stddev_of(h->count, h->sum, h->sumsq);
}

double hist_bucket_low(int i)
{
    int oct = i >> HIST_SUB_BITS, sub = i & (HIST_SUB - 1);
    return ldexp(1.0 + (double)sub / HIST_SUB, oct + HIST_MIN_EXP);
}

double hist_bucket_mid(int i)
{
    int oct = i >> HIST_SUB_BITS, sub = i & (HIST_SUB - 1);
    return ldexp(1.0 + ((double)sub + 0.5) / HIST_SUB, oct + HIST_MIN_EXP);
}

double hist_bucket_value(int i, double min, double max)
{
    double v = hist_bucket_mid(i);
    if (v < min)
        v = min;
    if (v > max)
        v = max;
    return v;
}

double hist_percentile_of(uint64_t count, double min, double max, const uint32_t *idx,
                          const uint64_t *cnt, int n, double p)
{
    uint64_t rank, seen = 0;

    if (!count)
        return 0;
    if (p <= 0)
        return min;
    if (p >= 100)
        return max;
    rank = (uint64_t)ceil(p / 100.0 * (double)count);
    if (rank < 1)
        rank = 1;
    for (int k = 0; k < n; k++) {
        seen += cnt[k];
        if (seen >= rank)
            return hist_bucket_value(idx ? (int)idx[k] : k, min, max);
    }
    return max;
}

double hist_percentile(const struct hist *h, double p)
{
    return hist_percentile_of(h->count, h->min, h->max, NULL, h->counts, HIST_NBUCKETS, p);
}

int hist_merge(struct hist *dst, const struct hist *src)
{
    if (!src->count)
        return 0;
    if (!dst->count || src->min < dst->min)
        dst->min = src->min;
    if (!dst->count || src->max > dst->max)
        dst->max = src->max;
    for (int i = 0; i < HIST_NBUCKETS; i++)
        dst->counts[i] += src->counts[i];
    dst->count += src->count;
    dst->underflow += src->underflow;
    dst->overflow += src->overflow;
    dst->sum += src->sum;
    dst->sumsq += src->sumsq;
    return 0;
}

int hist_write(const struct hist *h, const char *name, FILE *f)
{
    int first = 1;

    fprintf(f,
            "%s %d %s count=%" PRIu64 " underflow=%" PRIu64 " overflow=%" PRIu64
            " min=%.17g max=%.17g sum=%.17g sumsq=%.17g\n",
            HIST_TEXT_MAGIC, HIST_TEXT_VERSION, name, h->count, h->underflow, h->overflow,
            hist_min(h), hist_max(h), h->sum, h->sumsq);
    for (int i = 0; i < HIST_NBUCKETS; i++) {
        if (!h->counts[i])
            continue;
        fprintf(f, "%s%d:%" PRIu64, first ? "" : " ", i, h->counts[i]);
        first = 0;
    }
    fputc('\n', f);
    return ferror(f) ? -EIO : 0;
}

/* Read one line of any length into a growing buffer; returns its length or -1 at EOF. */
static long read_line(FILE *f, char **buf, size_t *cap)
{
    ssize_t n = getline(buf, cap, f);
    if (n < 0)
        return -1;
    if (n > 0 && (*buf)[n - 1] == '\n')
        (*buf)[--n] = 0;
    return (long)n;
}

/* A count field "key=N" must be plain digits: sscanf's %lu takes "-1" and wraps it. */
static int count_unsigned(const char *line, const char *key)
{
    const char *p = strstr(line, key);
    return p && p[strlen(key)] >= '0' && p[strlen(key)] <= '9';
}

int hist_parse_header(const char *line, struct hist_header *hd, char *err, size_t errlen)
{
    char magic[32];
    int used = 0;

    memset(hd, 0, sizeof(*hd));
    if (sscanf(line,
               "%31s %d %1099s count=%" SCNu64 " underflow=%" SCNu64 " overflow=%" SCNu64
               " min=%lf max=%lf sum=%lf sumsq=%lf%n",
               magic, &hd->version, hd->name, &hd->count, &hd->underflow, &hd->overflow, &hd->min,
               &hd->max, &hd->sum, &hd->sumsq, &used) != 10 ||
        strcmp(magic, HIST_TEXT_MAGIC) != 0 || line[used] != 0) {
        snprintf(err, errlen, "not a histogram header near '%.40s'", line);
        return -EINVAL;
    }
    if (hd->version != HIST_TEXT_VERSION) {
        snprintf(err, errlen, "histogram format version %d, expected %d", hd->version,
                 HIST_TEXT_VERSION);
        return -EINVAL;
    }
    if (!count_unsigned(line, " count=") || !count_unsigned(line, " underflow=") ||
        !count_unsigned(line, " overflow=")) {
        snprintf(err, errlen, "histogram '%s': a count is not a non-negative integer", hd->name);
        return -EINVAL;
    }
    return hist_check_header(hd, err, errlen);
}

int hist_check_header(const struct hist_header *hd, char *err, size_t errlen)
{
    const char *why = NULL;

    if (!isfinite(hd->min) || !isfinite(hd->max) || !isfinite(hd->sum) || !isfinite(hd->sumsq))
        why = "min, max, sum and sumsq must be finite numbers";
    else if (hd->sumsq < 0)
        why = "negative sumsq";
    else if (hd->underflow > hd->count || hd->overflow > hd->count - hd->underflow)
        why = "underflow and overflow exceed count";
    else if (hd->count == 0 && (hd->min != 0 || hd->max != 0 || hd->sum != 0 || hd->sumsq != 0))
        why = "no values but non-zero min, max, sum or sumsq";
    else if (hd->min > hd->max)
        why = "min above max";
    else if (hd->min < 0x1p-4 && hd->count && !hd->underflow)
        why = "min below the histogram's range (negative?) without underflow";
    else if (hd->sum < 0 && hd->min >= 0)
        why = "negative sum of non-negative values";
    if (why) {
        snprintf(err, errlen, "histogram '%s': %s", hd->name, why);
        return -EINVAL;
    }
    return 0;
}

static int parse_buckets(char *line, struct hist *h, char *err, size_t errlen)
{
    uint64_t total = 0;
    char *p = line, *end;

    while (*p) {
        long i;
        unsigned long long c;
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        errno = 0;
        i = strtol(p, &end, 10);
        if (end == p || *end != ':' || i < 0 || i >= HIST_NBUCKETS) {
            snprintf(err, errlen, "bad bucket index near '%.20s'", p);
            return -EINVAL;
        }
        p = end + 1;
        errno = 0;
        c = strtoull(p, &end, 10);
        if (end == p || errno || (*end && *end != ' ')) {
            snprintf(err, errlen, "bad bucket count near '%.20s'", p);
            return -EINVAL;
        }
        if (*p == '-' || *p == '+' || __builtin_add_overflow(h->counts[i], c, &h->counts[i]) ||
            __builtin_add_overflow(total, c, &total)) {
            snprintf(err, errlen, "bucket counts overflow 64 bits or are negative near '%.20s'", p);
            return -EINVAL;
        }
        p = end;
    }
    if (total != h->count) {
        snprintf(err, errlen, "bucket counts add up to %" PRIu64 ", header says %" PRIu64, total,
                 h->count);
        return -EINVAL;
    }
    return 0;
}

int hist_read(FILE *f, struct hist **out, char *name, size_t namelen, char *err, size_t errlen)
{
    char *line = NULL;
    size_t cap = 0;
    struct hist *h = NULL;
    int ret;

    *out = NULL;
    do {
        if (read_line(f, &line, &cap) < 0) {
            ret = 0;
            goto out;
        }
    } while (line[0] == 0 || line[0] == '#');
    h = hist_new();
    if (!h) {
        ret = -ENOMEM;
        goto out;
    }
    {
        struct hist_header hd;
        ret = hist_parse_header(line, &hd, err, errlen);
        if (ret)
            goto out;
        h->count = hd.count;
        h->underflow = hd.underflow;
        h->overflow = hd.overflow;
        h->min = hd.min;
        h->max = hd.max;
        h->sum = hd.sum;
        h->sumsq = hd.sumsq;
        snprintf(name, namelen, "%s", hd.name);
    }
    if (read_line(f, &line, &cap) < 0) {
        snprintf(err, errlen, "histogram '%s' has no bucket line", name);
        ret = -EINVAL;
        goto out;
    }
    ret = parse_buckets(line, h, err, errlen);
    if (ret)
        goto out;
    *out = h;
    h = NULL;
    ret = 1;
out:
    hist_free(h);
    free(line);
    return ret;
}
