/*
 * The HdrHistogram V2 encoding, written from its published description: a big-endian
 * header (cookie, payload length, normalizing index offset, significant digits, lowest
 * discernible and highest trackable value, integer-to-double ratio) and a payload of
 * ZigZag LEB128 counts in which a negative number is a run of that many empty buckets;
 * the whole deflated with zlib behind a second cookie and length, then base64 (nettle).
 * Reading trusts nothing: every length is checked against what is there and against
 * HDR_MAX_INFLATED, counts must fit in 63 bits and add up without overflow, and indexes
 * must stay inside the layout the header declares.
 */
#include "hdrlog.h"

#include <errno.h>
#include <nettle/base64.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define HDR_HEADER 40

int hdr_layout_init(struct hdr_layout *l, int64_t lowest, int64_t highest, int sig)
{
    int64_t single = 2, untrackable;
    int count_mag = 0, buckets = 1;

    if (lowest < 1 || sig < 0 || sig > 5 || highest / 2 < lowest)
        return -EINVAL;
    for (int i = 0; i < sig; i++)
        single *= 10;
    while (((int64_t)1 << count_mag) < single)
        count_mag++;
    memset(l, 0, sizeof(*l));
    l->lowest = lowest;
    l->highest = highest;
    l->sig = sig;
    l->unit_mag = 63 - __builtin_clzll((unsigned long long)lowest);
    l->sub_half_mag = (count_mag > 1 ? count_mag : 1) - 1;
    if (l->unit_mag + l->sub_half_mag > 61)
        return -EINVAL;
    l->sub_half = (int64_t)1 << l->sub_half_mag;
    untrackable = (l->sub_half * 2) << l->unit_mag;
    while (untrackable <= highest) {
        if (untrackable > INT64_MAX / 2) {
            buckets++;
            break;
        }
        untrackable <<= 1;
        buckets++;
    }
    l->counts_len = (int64_t)(buckets + 1) * l->sub_half;
    return 0;
}

int64_t hdr_index_of(const struct hdr_layout *l, int64_t v)
{
    uint64_t mask = (uint64_t)(l->sub_half * 2 - 1) << l->unit_mag;
    int pow2ceil = 64 - __builtin_clzll((uint64_t)v | mask);
    int bucket = pow2ceil - l->unit_mag - (l->sub_half_mag + 1);
    int64_t sub = v >> (bucket + l->unit_mag);
    return ((int64_t)(bucket + 1) << l->sub_half_mag) + (sub - l->sub_half);
}

void hdr_index_range(const struct hdr_layout *l, int64_t i, int64_t *lo, int64_t *hi)
{
    int64_t bucket = (i >> l->sub_half_mag) - 1;
    int64_t sub = (i & (l->sub_half - 1)) + l->sub_half;
    unsigned __int128 low, top;
    int shift;

    if (bucket < 0) {
        sub -= l->sub_half;
        bucket = 0;
    }
    shift = (int)bucket + l->unit_mag;
    if (shift > 62) {
        *lo = *hi = INT64_MAX;
        return;
    }
    low = (unsigned __int128)sub << shift;
    top = low + ((unsigned __int128)1 << shift) - 1;
    *lo = low > INT64_MAX ? INT64_MAX : (int64_t)low;
    *hi = top > INT64_MAX ? INT64_MAX : (int64_t)top;
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t get64(const uint8_t *p)
{
    return (uint64_t)get32(p) << 32 | get32(p + 4);
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void put64(uint8_t *p, uint64_t v)
{
    put32(p, (uint32_t)(v >> 32));
    put32(p + 4, (uint32_t)v);
}

/* Inflate src into a new buffer of at most HDR_MAX_INFLATED bytes (grown from 64 KiB as
   the data needs). */
static int inflate_capped(const uint8_t *src, size_t n, uint8_t **out, size_t *outlen, char *err,
                          size_t errlen)
{
    size_t cap = 64 * 1024;
    uint8_t *buf = malloc(cap), *nb;
    z_stream z;
    int zr;

    if (!buf)
        return -ENOMEM;
    memset(&z, 0, sizeof(z));
    if (inflateInit(&z) != Z_OK) {
        free(buf);
        return -ENOMEM;
    }
    z.next_in = (uint8_t *)src;
    z.avail_in = (uInt)n;
    z.next_out = buf;
    z.avail_out = (uInt)cap;
    while ((zr = inflate(&z, Z_FINISH)) != Z_STREAM_END) {
        if ((zr != Z_OK && zr != Z_BUF_ERROR) || z.avail_out || cap >= HDR_MAX_INFLATED)
            break;
        cap = cap * 2 > HDR_MAX_INFLATED ? HDR_MAX_INFLATED : cap * 2;
        if (!(nb = realloc(buf, cap))) {
            zr = Z_MEM_ERROR;
            break;
        }
        buf = nb;
        z.next_out = buf + z.total_out;
        z.avail_out = (uInt)(cap - z.total_out);
    }
    *outlen = z.total_out;
    inflateEnd(&z);
    if (zr == Z_STREAM_END) {
        *out = buf;
        return 0;
    }
    free(buf);
    if (zr == Z_MEM_ERROR)
        return -ENOMEM;
    if (z.avail_out == 0 && cap >= HDR_MAX_INFLATED)
        snprintf(err, errlen, "histogram inflates to more than %u bytes (the limit)",
                 HDR_MAX_INFLATED);
    else
        snprintf(err, errlen, "histogram's zlib data is %s",
                 zr == Z_BUF_ERROR ? "truncated" : "corrupt");
    return -EINVAL;
}

/* The payload's counts into d's sparse arrays. */
static int read_counts(const uint8_t *p, size_t n, struct hdr_decoded *d, char *err, size_t errlen)
{
    size_t pos = 0, cap = 0;
    int64_t at = 0;

    while (pos < n) {
        uint64_t u = 0;
        int64_t v;
        int k;
        for (k = 0; k < 9; k++) {
            if (pos >= n) {
                snprintf(err, errlen, "histogram payload ends inside a count");
                return -EINVAL;
            }
            uint8_t b = p[pos++];
            if (k == 8) {
                u |= (uint64_t)b << 56;
                break;
            }
            u |= (uint64_t)(b & 0x7f) << (7 * k);
            if (!(b & 0x80))
                break;
        }
        v = (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
        if (v < 0) {
            if (v == INT64_MIN || -v > d->l.counts_len - at) {
                snprintf(err, errlen, "histogram's run of empty buckets passes its last bucket");
                return -EINVAL;
            }
            at += -v;
            continue;
        }
        if (at >= d->l.counts_len) {
            snprintf(err, errlen, "histogram bucket index %lld is past its layout (%lld buckets)",
                     (long long)at, (long long)d->l.counts_len);
            return -EINVAL;
        }
        if (v > 0) {
            if ((uint64_t)v > (uint64_t)INT64_MAX - d->total) {
                snprintf(err, errlen, "histogram's total count overflows 63 bits");
                return -EINVAL;
            }
            if (d->n == cap) {
                size_t nc = cap ? cap * 2 : 256;
                int64_t *ni = realloc(d->idx, nc * sizeof(*ni));
                if (!ni)
                    return -ENOMEM;
                d->idx = ni;
                uint64_t *nn = realloc(d->cnt, nc * sizeof(*nn));
                if (!nn)
                    return -ENOMEM;
                d->cnt = nn;
                cap = nc;
            }
            d->idx[d->n] = at;
            d->cnt[d->n++] = (uint64_t)v;
            d->total += (uint64_t)v;
        }
        at++;
    }
    return 0;
}

int hdr_decode(const char *b64, size_t len, struct hdr_decoded *d, char *err, size_t errlen)
{
    struct base64_decode_ctx bc;
    uint8_t *raw = NULL, *in = NULL;
    size_t rawlen = 0, inlen = 0;
    uint32_t cookie, zlen, plen;
    int64_t lowest, highest;
    int32_t offset, sig;
    int ret = -EINVAL;

    memset(d, 0, sizeof(*d));
    if (len > HDR_MAX_LINE) {
        snprintf(err, errlen, "histogram text longer than %u bytes", HDR_MAX_LINE);
        return -EINVAL;
    }
    if (!(raw = malloc(BASE64_DECODE_LENGTH(len) + 1)))
        return -ENOMEM;
    base64_decode_init(&bc);
    if (!base64_decode_update(&bc, &rawlen, raw, len, b64) || !base64_decode_final(&bc)) {
        snprintf(err, errlen, "histogram is not valid base64");
        goto out;
    }
    if (rawlen < 8) {
        snprintf(err, errlen, "histogram too short (%zu bytes)", rawlen);
        goto out;
    }
    cookie = get32(raw) & ~0xf0u;
    zlen = get32(raw + 4);
    if (cookie != HDR_COOKIE_V2_Z) {
        snprintf(err, errlen,
                 cookie == HDR_COOKIE_V2 || (cookie & ~0xfu) == 0x1c849300u
                     ? "histogram cookie 0x%08x: only the compressed V2 encoding is read"
                     : "histogram cookie 0x%08x is not HdrHistogram's compressed V2",
                 get32(raw));
        goto out;
    }
    if (zlen != rawlen - 8) {
        snprintf(err, errlen, "histogram declares %u compressed bytes but holds %zu", zlen,
                 rawlen - 8);
        goto out;
    }
    if ((ret = inflate_capped(raw + 8, zlen, &in, &inlen, err, errlen)))
        goto out;
    ret = -EINVAL;
    if (inlen < HDR_HEADER) {
        snprintf(err, errlen, "inflated histogram too short (%zu bytes)", inlen);
        goto out;
    }
    if ((get32(in) & ~0xf0u) != HDR_COOKIE_V2) {
        snprintf(err, errlen, "inflated histogram cookie 0x%08x is not V2", get32(in));
        goto out;
    }
    plen = get32(in + 4);
    offset = (int32_t)get32(in + 8);
    sig = (int32_t)get32(in + 12);
    lowest = (int64_t)get64(in + 16);
    highest = (int64_t)get64(in + 24);
    /* The integer-to-double ratio only means something to DoubleHistogram, which has
       cookies of its own; HdrHistogram's readers ignore it here (hdr-histogram-js even
       writes the integer 1 there), and so does this one. */
    if (plen != inlen - HDR_HEADER) {
        snprintf(err, errlen, "histogram declares a %u-byte payload but holds %zu", plen,
                 inlen - HDR_HEADER);
        goto out;
    }
    /* The normalizing index offset is ignored, as HdrHistogram_c and hdr-histogram-js do
       (the latter writes 1 there): counts are read in plain index order. */
    (void)offset;
    if (hdr_layout_init(&d->l, lowest, highest, sig)) {
        snprintf(err, errlen,
                 "histogram layout lowest=%lld highest=%lld digits=%d is not one HdrHistogram "
                 "makes",
                 (long long)lowest, (long long)highest, sig);
        goto out;
    }
    ret = read_counts(in + HDR_HEADER, plen, d, err, errlen);
out:
    free(raw);
    free(in);
    if (ret)
        hdr_decoded_free(d);
    return ret;
}

void hdr_decoded_free(struct hdr_decoded *d)
{
    free(d->idx);
    free(d->cnt);
    d->idx = NULL;
    d->cnt = NULL;
    d->n = 0;
}

static size_t put_zigzag(uint8_t *p, int64_t v)
{
    uint64_t u = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
    size_t k = 0;

    while (k < 8 && u >= 0x80) {
        p[k++] = (uint8_t)(u | 0x80);
        u >>= 7;
    }
    p[k++] = (uint8_t)u;
    return k;
}

int hdr_encode(const struct hdr_layout *l, const uint64_t *counts, char **out)
{
    int64_t last = -1, i = 0;
    size_t n = HDR_HEADER;
    uint8_t *plain = NULL, *packed = NULL;
    uLongf zn;
    double one = 1.0;
    uint64_t ob;
    int ret = -ENOMEM;

    for (int64_t k = 0; k < l->counts_len; k++)
        if (counts[k])
            last = k;
    if (!(plain = malloc(HDR_HEADER + (size_t)(last + 1) * 9)))
        goto out;
    while (i <= last) {
        if (counts[i]) {
            n += put_zigzag(plain + n, (int64_t)counts[i++]);
            continue;
        }
        int64_t run = 0;
        while (i <= last && !counts[i])
            i++, run++;
        n += put_zigzag(plain + n, -run);
    }
    memcpy(&ob, &one, sizeof(ob));
    put32(plain, HDR_COOKIE_V2 | 0x10);
    put32(plain + 4, (uint32_t)(n - HDR_HEADER));
    put32(plain + 8, 0);
    put32(plain + 12, (uint32_t)l->sig);
    put64(plain + 16, (uint64_t)l->lowest);
    put64(plain + 24, (uint64_t)l->highest);
    put64(plain + 32, ob);
    zn = compressBound((uLong)n);
    if (!(packed = malloc(8 + zn)))
        goto out;
    if (compress2(packed + 8, &zn, plain, (uLong)n, Z_DEFAULT_COMPRESSION) != Z_OK) {
        ret = -EIO;
        goto out;
    }
    put32(packed, HDR_COOKIE_V2_Z | 0x10);
    put32(packed + 4, (uint32_t)zn);
    if (!(*out = malloc(BASE64_ENCODE_RAW_LENGTH(8 + zn) + 1)))
        goto out;
    base64_encode_raw(*out, 8 + zn, packed);
    (*out)[BASE64_ENCODE_RAW_LENGTH(8 + zn)] = 0;
    ret = 0;
out:
    free(plain);
    free(packed);
    return ret;
}
