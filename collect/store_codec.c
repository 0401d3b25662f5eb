/*
 * Small encodings the store needs: histograms as compact blobs (the non-empty buckets as
 * LEB128 varint pairs, typically 2-4 bytes a bucket against ~10 in hist_write text) and
 * times normalised to one ISO 8601 UTC form so that they sort and compare as text.
 */
#include "store_int.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static size_t put_varint(uint8_t *p, uint64_t v)
{
    size_t n = 0;
    do {
        uint8_t b = v & 0x7f;
        v >>= 7;
        p[n++] = b | (v ? 0x80 : 0);
    } while (v);
    return n;
}

static int get_varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
    uint64_t x = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        uint8_t b;
        if (*p >= end)
            return -EINVAL;
        b = *(*p)++;
        x |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *v = x;
            return 0;
        }
    }
    return -EINVAL;
}

int histblob_encode(const struct hist *h, uint8_t **buf, size_t *len)
{
    size_t n = 0, cap = 64;
    uint8_t *b = malloc(cap);
    int prev = 0;

    if (!b)
        return -ENOMEM;
    static const uint64_t zero[16];
    for (int i = 0; i < HIST_NBUCKETS; i++) {
        /* Most buckets are empty: skip them sixteen at a time (memcmp is vectorised). */
        if ((i & 15) == 0 && i + 16 <= HIST_NBUCKETS &&
            memcmp(&h->counts[i], zero, sizeof(zero)) == 0) {
            i += 15;
            continue;
        }
        if (!h->counts[i])
            continue;
        if (n + 20 > cap) {
            uint8_t *nb = realloc(b, cap * 2);
            if (!nb) {
                free(b);
                return -ENOMEM;
            }
            b = nb;
            cap *= 2;
        }
        n += put_varint(b + n, (uint64_t)(i - prev));
        n += put_varint(b + n, h->counts[i]);
        prev = i;
    }
    *buf = b;
    *len = n;
    return 0;
}

int store_hist_encode(const uint32_t *idx, const uint64_t *count, size_t n, uint8_t **blob,
                      size_t *len)
{
    uint8_t *b = malloc(n * 20 + 1);
    size_t o = 0;

    if (!b)
        return -ENOMEM;
    for (size_t i = 0; i < n; i++) {
        if (idx[i] >= HIST_NBUCKETS || count[i] == 0 || (i && idx[i] <= idx[i - 1])) {
            free(b);
            return -EINVAL;
        }
        o += put_varint(b + o, idx[i] - (i ? idx[i - 1] : 0));
        o += put_varint(b + o, count[i]);
    }
    *blob = b;
    *len = o;
    return 0;
}

int histblob_decode(const void *buf, size_t len, struct hist *h)
{
    const uint8_t *p = buf, *end = p + len;
    uint64_t idx = 0;
    int first = 1;

    while (p < end) {
        uint64_t gap, count;
        if (get_varint(&p, end, &gap) || get_varint(&p, end, &count))
            return -EINVAL;
        if ((!first && gap == 0) || gap >= HIST_NBUCKETS || count == 0)
            return -EINVAL;
        idx += gap;
        if (idx >= HIST_NBUCKETS)
            return -EINVAL;
        h->counts[idx] += count;
        first = 0;
    }
    return 0;
}

/* Read exactly n digits into *v; returns the position after them or NULL. */
static const char *digits(const char *p, int n, int *v)
{
    *v = 0;
    for (int i = 0; i < n; i++, p++) {
        if (!isdigit((unsigned char)*p))
            return NULL;
        *v = *v * 10 + (*p - '0');
    }
    return p;
}

void store_iso_time(double unix_ms, char *out, size_t len)
{
    time_t t;
    int ms;
    char day[24];
    struct tm tm;

    /* Clamp to 1970 .. 9999 so the cast is defined and gmtime_r succeeds; callers check
       their inputs' range (STORE_MAX_UNIX_MS) and refuse what lies outside. */
    if (!(unix_ms >= 0))
        unix_ms = 0;
    if (unix_ms > STORE_MAX_UNIX_MS)
        unix_ms = STORE_MAX_UNIX_MS;
    t = (time_t)floor(unix_ms / 1000);
    ms = (int)(unix_ms - (double)t * 1000);
    memset(&tm, 0, sizeof(tm));
    if (!gmtime_r(&t, &tm)) {
        snprintf(out, len, "1970-01-01T00:00:00.000Z");
        return;
    }
    strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, len, "%.19s.%03dZ", day, ms < 0 ? 0 : ms > 999 ? 999 : ms);
}

int store_parse_time(const char *in, double *unix_ms)
{
    int y, mo, d, h = 0, mi = 0, sec = 0, ms = 0, off = 0;
    const char *p = in;
    struct tm tm;
    time_t t;

    if (!(p = digits(p, 4, &y)) || *p++ != '-' || !(p = digits(p, 2, &mo)) || *p++ != '-' ||
        !(p = digits(p, 2, &d)))
        return -EINVAL;
    if (*p == 'T' || *p == ' ') {
        p++;
        if (!(p = digits(p, 2, &h)) || *p++ != ':' || !(p = digits(p, 2, &mi)))
            return -EINVAL;
        if (*p == ':' && !(p = digits(p + 1, 2, &sec)))
            return -EINVAL;
        if (*p == '.' || *p == ',') {
            int scale = 100;
            for (p++; isdigit((unsigned char)*p); p++, scale /= 10)
                ms += (*p - '0') * scale;
        }
        if (*p == 'Z') {
            p++;
        } else if (*p == '+' || *p == '-') {
            int sign = *p == '-' ? -1 : 1, oh, om = 0;
            if (!(p = digits(p + 1, 2, &oh)))
                return -EINVAL;
            if (*p == ':')
                p++;
            if (isdigit((unsigned char)*p) && !(p = digits(p, 2, &om)))
                return -EINVAL;
            off = sign * (oh * 3600 + om * 60);
        }
    }
    if (*p || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
        return -EINVAL;
    memset(&tm, 0, sizeof(tm));
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    t = timegm(&tm) - off;
    *unix_ms = (double)t * 1000 + ms;
    return 0;
}

int store_norm_time(const char *in, char *out, size_t len)
{
    double ms;
    int ret = store_parse_time(in, &ms);
    if (ret == 0)
        store_iso_time(ms, out, len);
    return ret;
}
