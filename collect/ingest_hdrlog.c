/*
 * HdrHistogram interval logs (`.hlog`, as wrk2, cassandra-stress, YCSB, memtier, the
 * HdrHistogram libraries and `viobench export --format hdrlog` write them) as benchmark
 * rows. Each interval line becomes one iteration row: its tag "<benchmark>#<repetition>"
 * (the name %XX-unescaped) names it; a tag without "#<n>", or no tag ("hdrlog"), makes the
 * k-th interval of that name repetition k. Values are taken as ns. The histogram goes into
 * viobench's layout with each HdrHistogram bucket counted at its highest equivalent value
 * (the value HdrHistogram itself reports for percentiles), mean and standard deviation
 * from the bucket midpoints (as HdrHistogram computes them); docs/collect.md gives the
 * precision. Input is told apart by content (ingest_hdrlog_sniff), every line, payload and
 * count is bounded, and anything malformed rejects the whole file with one line naming the
 * line number.
 */
#include "hdrlog.h"
#include "ingest.h"
#include "store_int.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Most interval lines one log may hold. */
#define HDRLOG_MAX_INTERVALS 100000
/* Timestamps at or above this many seconds are absolute (since 1970), below relative. */
#define HDRLOG_ABSOLUTE_S 31536000.0

static const char *const pcts[] = {"p50_ns", "p90_ns", "p99_ns", "p999_ns", "p9999_ns"};
static const double pvals[] = {50, 90, 99, 99.9, 99.99};

int ingest_hdrlog_sniff(const char *buf, size_t len)
{
    const char *p = buf, *end = buf + len;

    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
        p++;
    if ((size_t)(end - p) >= 2 && p[0] == '#' && p[1] == '[')
        return 1;
    if ((size_t)(end - p) >= 4 && memcmp(p, "Tag=", 4) == 0)
        return 1;
    if (((size_t)(end - p) >= 16 && memcmp(p, "\"StartTimestamp\"", 16) == 0) ||
        ((size_t)(end - p) >= 14 && memcmp(p, "\"EndTimestamp\"", 14) == 0))
        return 1;
    /* An interval line: three numbers, then the base64 of a compressed V2 histogram. */
    if (p < end && *p >= '0' && *p <= '9') {
        int commas = 0;
        for (; p < end && *p != '\n' && commas < 3; p++) {
            if (*p == ',')
                commas++;
            else if (!((*p >= '0' && *p <= '9') || *p == '.'))
                return 0;
        }
        return commas == 3 && (size_t)(end - p) >= 4 && memcmp(p, "HIST", 4) == 0;
    }
    return 0;
}

static int hexval(char c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

/* %XX-unescape src (n bytes) into out; invalid escapes (and %00) are kept as they are. */
static void unescape(const char *src, size_t n, char *out, size_t outlen)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o + 1 < outlen; i++) {
        int hi = i + 2 < n ? hexval(src[i + 1]) : -1, lo = i + 2 < n ? hexval(src[i + 2]) : -1;
        if (src[i] == '%' && hi >= 0 && lo >= 0 && (hi | lo)) {
            out[o++] = (char)(hi * 16 + lo);
            i += 2;
        } else {
            out[o++] = src[i];
        }
    }
    out[o] = 0;
}

/* name for a message: bytes outside printable ASCII as %XX, at most 60 of them. */
static void shown(const char *name, char *out, size_t outlen)
{
    size_t o = 0;
    for (const unsigned char *c = (const unsigned char *)name; *c && o + 4 < outlen && o < 60;
         c++) {
        if (*c < 0x20 || *c >= 0x7f)
            o += (size_t)snprintf(out + o, outlen - o, "%%%02X", *c);
        else
            out[o++] = (char)*c;
    }
    out[o] = 0;
}

struct log_state {
    struct ingest_item *it;
    json_t *seen;  /* "name#rep" -> 1 */
    json_t *nreps; /* name -> intervals so far */
    double start_time, base_time, first_ts, last_end;
    int legend;
    char version[16];
    size_t hcap;
};

/* A header comment "#[Key: number ...]" into *v; 1 when the line is one. */
static int header_num(const char *line, const char *key, double *v)
{
    size_t k = strlen(key);
    char *end;
    if (strncmp(line, key, k) != 0)
        return 0;
    *v = strtod(line + k, &end);
    if (end == line + k || !isfinite(*v) || *v < 0 || *v > STORE_MAX_UNIX_MS / 1000)
        *v = NAN;
    return 1;
}

/* Convert one decoded interval into the store's encoding and the row's figures. */
static int to_store(const struct hdr_decoded *d, struct vb_row *w, struct store_hist *sh)
{
    uint32_t *idx = NULL;
    uint64_t *cnt = NULL;
    size_t n = 0;
    int ret = -ENOMEM;

    memset(sh, 0, sizeof(*sh));
    w->iterations = d->total;
    if (!d->n)
        return 0;
    if (!(idx = malloc(d->n * sizeof(*idx))) || !(cnt = malloc(d->n * sizeof(*cnt))))
        goto out;
    for (size_t k = 0; k < d->n; k++) {
        int64_t lo, hi;
        hdr_index_range(&d->l, d->idx[k], &lo, &hi);
        double v = (double)hi, mid = (double)lo + (double)(hi - lo + 1) / 2;
        int b = hist_bucket_of(v);
        if (b < 0) {
            sh->underflow += d->cnt[k];
            b = 0;
        } else if (b == HIST_NBUCKETS) {
            sh->overflow += d->cnt[k];
            b = HIST_NBUCKETS - 1;
        }
        if (n && idx[n - 1] == (uint32_t)b) {
            cnt[n - 1] += d->cnt[k];
        } else {
            idx[n] = (uint32_t)b;
            cnt[n++] = d->cnt[k];
        }
        if (k == 0)
            sh->min = (double)lo;
        sh->max = v;
        sh->sum += mid * (double)d->cnt[k];
        sh->sumsq += mid * mid * (double)d->cnt[k];
    }
    sh->count = d->total;
    if (store_hist_encode(idx, cnt, n, &sh->blob, &sh->len))
        goto out;
    w->real_time = w->cpu_time = sh->sum / (double)sh->count;
    for (size_t k = 0; k < 5; k++)
        if (vb_row_set_counter(
                w, pcts[k],
                hist_percentile_of(sh->count, sh->min, sh->max, idx, cnt, (int)n, pvals[k])))
            goto out;
    if (vb_row_set_counter(w, "min_ns", sh->min) || vb_row_set_counter(w, "max_ns", sh->max) ||
        vb_row_set_counter(w, "stddev_ns", hist_stddev_of(sh->count, sh->sum, sh->sumsq)) ||
        vb_row_set_counter(w, "samples", (double)sh->count))
        goto out;
    ret = 0;
out:
    free(idx);
    free(cnt);
    return ret;
}

/* One interval line (tag, if any, already split off). */
static int interval(struct log_state *s, const char *tag, size_t taglen, char *rest, char *err,
                    size_t errlen)
{
    char name[1100], key[1200], *f[4], *end;
    double ts, len, max;
    long rep = -1;
    struct hdr_decoded d;
    struct vb_row *w;
    struct ingest_item *it = s->it;
    const char *hash;
    int ret;

    f[0] = rest;
    for (int i = 1; i < 4; i++) {
        if (!(f[i] = strchr(f[i - 1], ','))) {
            snprintf(err, errlen,
                     "an interval line has %d fields, not 4 (start,length,max,"
                     "histogram)",
                     i);
            return -EINVAL;
        }
        *f[i]++ = 0;
    }
    ts = strtod(f[0], &end);
    if (end == f[0] || *end || !isfinite(ts) || ts < 0 || ts > STORE_MAX_UNIX_MS / 1000) {
        snprintf(err, errlen, "interval start '%.40s' is not a number of seconds", f[0]);
        return -EINVAL;
    }
    len = strtod(f[1], &end);
    if (end == f[1] || *end || !isfinite(len) || len < 0 || len > 1e9) {
        snprintf(err, errlen, "interval length '%.40s' is not a number of seconds", f[1]);
        return -EINVAL;
    }
    max = strtod(f[2], &end);
    if (end == f[2] || *end || !isfinite(max) || max < 0) {
        snprintf(err, errlen, "interval max '%.40s' is not a number", f[2]);
        return -EINVAL;
    }
    if (it->run.nrows >= HDRLOG_MAX_INTERVALS) {
        snprintf(err, errlen, "more than %d intervals", HDRLOG_MAX_INTERVALS);
        return -EINVAL;
    }
    if (taglen > 1000) {
        snprintf(err, errlen, "tag longer than 1000 bytes");
        return -EINVAL;
    }
    /* "<name>#<repetition>": the name is the part before the last '#' when digits follow. */
    hash = tag ? memrchr(tag, '#', taglen) : NULL;
    if (hash && (size_t)(tag + taglen - hash - 1) >= 1 && (size_t)(tag + taglen - hash - 1) <= 9 &&
        strspn(hash + 1, "0123456789") >= (size_t)(tag + taglen - hash - 1)) {
        rep = strtol(hash + 1, NULL, 10);
        taglen = (size_t)(hash - tag);
    }
    if (tag && taglen)
        unescape(tag, taglen, name, sizeof(name));
    else
        snprintf(name, sizeof(name), "hdrlog");
    for (const char *c = name; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f) {
            shown(name, key, 100);
            snprintf(err, errlen, "tag '%.100s' holds a control character", key);
            return -EINVAL;
        }
    json_t *probe = json_string(name); /* NULL unless valid UTF-8, as names must be */
    if (!probe) {
        shown(name, key, 100);
        snprintf(err, errlen, "tag '%.100s' is not valid UTF-8", key);
        return -EINVAL;
    }
    json_decref(probe);
    json_int_t k = json_integer_value(json_object_get(s->nreps, name));
    if (rep < 0)
        rep = (long)k;
    if (json_object_set_new(s->nreps, name, json_integer(k + 1)))
        return -ENOMEM;
    snprintf(key, sizeof(key), "%s#%ld", name, rep);
    if (json_object_get(s->seen, key)) {
        snprintf(err, errlen, "benchmark '%.100s' repetition %ld appears twice", name, rep);
        return -EINVAL;
    }
    if (json_object_set_new(s->seen, key, json_true()))
        return -ENOMEM;
    if ((ret = hdr_decode(f[3], strlen(f[3]), &d, err, errlen)))
        return ret;
    if (it->run.nrows + 1 > s->hcap) {
        size_t nc = s->hcap ? s->hcap * 2 : 16;
        struct store_hist *nh = realloc(it->hists, nc * sizeof(*nh));
        if (!nh) {
            hdr_decoded_free(&d);
            return -ENOMEM;
        }
        memset(nh + s->hcap, 0, (nc - s->hcap) * sizeof(*nh));
        it->hists = nh;
        s->hcap = nc;
    }
    if (!(w = vb_run_add_row(&it->run, name))) {
        hdr_decoded_free(&d);
        return -ENOMEM;
    }
    w->repetition_index = (int)rep;
    ret = to_store(&d, w, &it->hists[it->run.nrows - 1]);
    hdr_decoded_free(&d);
    if (ret)
        return ret;
    w->info = json_pack("{s:f, s:f, s:f, s:i}", "interval_start_s", ts, "interval_length_s", len,
                        "interval_max", max, "hdr_significant_digits", d.l.sig);
    if (!w->info)
        return -ENOMEM;
    if (isnan(s->first_ts) || ts < s->first_ts)
        s->first_ts = ts;
    if (isnan(s->last_end) || ts + len > s->last_end)
        s->last_end = ts + len;
    return 0;
}

/* One line (NUL-terminated, without its newline). */
static int line(struct log_state *s, char *l, char *err, size_t errlen)
{
    size_t n = strlen(l);
    double v;

    while (n && (l[n - 1] == '\r' || l[n - 1] == ' ' || l[n - 1] == '\t'))
        l[--n] = 0;
    if (!n)
        return 0;
    if (l[0] == '#') {
        if (header_num(l, "#[StartTime:", &v))
            s->start_time = v;
        else if (header_num(l, "#[BaseTime:", &v))
            s->base_time = v;
        else if (strncmp(l, "#[Histogram log format version ", 31) == 0)
            snprintf(s->version, sizeof(s->version), "%.*s", (int)strcspn(l + 31, "]"), l + 31);
        return 0;
    }
    if (l[0] == '"') {
        if (strncmp(l, "\"StartTimestamp\"", 16) && strncmp(l, "\"EndTimestamp\"", 14)) {
            snprintf(err, errlen, "unknown legend %.60s (not \"StartTimestamp\",...)", l);
            return -EINVAL;
        }
        s->legend = 1;
        return 0;
    }
    if (strncmp(l, "Tag=", 4) == 0) {
        char *comma = strchr(l + 4, ',');
        if (!comma) {
            snprintf(err, errlen, "a tagged line without fields");
            return -EINVAL;
        }
        return interval(s, l + 4, (size_t)(comma - l - 4), comma + 1, err, errlen);
    }
    return interval(s, NULL, 0, l, err, errlen);
}

static int make_context(struct log_state *s)
{
    struct ingest_item *it = s->it;
    double base = s->base_time;
    json_t *c = json_object(), *h = json_object();

    if (!c || !h) {
        json_decref(c);
        json_decref(h);
        return -ENOMEM;
    }
    if (isnan(base))
        base = s->first_ts >= HDRLOG_ABSOLUTE_S ? 0 : s->start_time;
    if (!isnan(s->start_time))
        store_iso_time(s->start_time * 1000, it->start, sizeof(it->start));
    else if (!isnan(base))
        store_iso_time((base + s->first_ts) * 1000, it->start, sizeof(it->start));
    if (!isnan(base) && (base + s->last_end) * 1000 <= STORE_MAX_UNIX_MS)
        store_iso_time((base + s->last_end) * 1000, it->end, sizeof(it->end));
    json_object_set_new(c, "date", json_string(it->start));
    json_object_set_new(c, "host_name", json_string(""));
    json_object_set_new(c, "executable", json_string("hdrlog"));
    json_object_set_new(c, "json_schema_version", json_integer(VB_GBENCH_SCHEMA));
    json_object_set_new(h, "format_version", json_string(s->version));
    if (!isnan(s->start_time))
        json_object_set_new(h, "start_time_s", json_real(s->start_time));
    if (!isnan(s->base_time))
        json_object_set_new(h, "base_time_s", json_real(s->base_time));
    json_object_set_new(c, "hdrlog", h);
    json_decref(it->run.context);
    it->run.context = c;
    return 0;
}

int ingest_hdrlog(const char *buf, size_t len, struct ingest_item *it, char *err, size_t errlen)
{
    struct log_state s = {
        .it = it, .start_time = NAN, .base_time = NAN, .first_ts = NAN, .last_end = NAN};
    char e[600], *copy = NULL;
    const char *p = buf, *end = buf + len;
    long lineno = 0;
    int ret = -EINVAL;

    if (memchr(buf, 0, len)) {
        snprintf(err, errlen, "binary data (a NUL byte at offset %zu), not an HdrHistogram log",
                 (size_t)((const char *)memchr(buf, 0, len) - buf));
        return -EINVAL;
    }
    if (!(s.seen = json_object()) || !(s.nreps = json_object()) ||
        !(copy = malloc((len < HDR_MAX_LINE ? len : HDR_MAX_LINE) + 1))) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        lineno++;
        if (n > HDR_MAX_LINE) {
            snprintf(err, errlen, "HdrHistogram log line %ld: longer than %u bytes", lineno,
                     HDR_MAX_LINE);
            ret = -EINVAL;
            goto out;
        }
        memcpy(copy, p, n);
        copy[n] = 0;
        p += n + (nl != NULL);
        if ((ret = line(&s, copy, e, sizeof(e)))) {
            snprintf(err, errlen, "HdrHistogram log line %ld: %s", lineno,
                     ret == -ENOMEM ? "out of memory" : e);
            ret = -EINVAL;
            goto out;
        }
    }
    ret = -EINVAL;
    if (!it->run.nrows) {
        snprintf(err, errlen, "HdrHistogram log without intervals");
        goto out;
    }
    for (size_t i = 0; i < it->run.nrows; i++) {
        struct vb_row *w = &it->run.rows[i];
        w->repetitions = (int)json_integer_value(json_object_get(s.nreps, w->run_name));
    }
    if (make_context(&s)) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    it->source = "hdrlog";
    snprintf(it->tool, sizeof(it->tool), "hdrhistogram");
    snprintf(it->tool_version, sizeof(it->tool_version), "%s", s.version);
    ingest_make_run_id(it, "hdrlog");
    ret = 0;
out:
    free(copy);
    json_decref(s.seen);
    json_decref(s.nreps);
    return ret;
}
