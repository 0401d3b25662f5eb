/*
 * HdrHistogram's interval-log histograms (the "V2" encoding, zlib-compressed, base64), as
 * wrk2, cassandra-stress, YCSB, memtier and the HdrHistogram libraries write and read
 * them: the bucket layout of an HdrHistogram (lowest discernible value, highest trackable
 * value, significant digits), decoding one log histogram into its non-empty buckets with
 * every field and length bounded, and encoding a dense counts array. Shared by the
 * importer (ingest_hdrlog.c) and the exporter (export_hdrlog.c); docs/collect.md explains
 * what precision each direction keeps.
 */
#ifndef VB_HDRLOG_H
#define VB_HDRLOG_H

#include <stddef.h>
#include <stdint.h>

/* The V2 cookies (their bits 4-7 carry the word size, ignored when reading). */
#define HDR_COOKIE_V2   0x1c849303u
#define HDR_COOKIE_V2_Z 0x1c849304u
/* Longest log line read, bytes (a histogram of a million non-empty buckets fits). */
#define HDR_MAX_LINE (4u << 20)
/* Most bytes one histogram may inflate to (its 40-byte header plus payload): a larger
   declared or actual size is refused, so a small zlib bomb never grows memory. */
#define HDR_MAX_INFLATED (2u << 20)

/* An HdrHistogram's bucket layout (as HdrHistogram computes it from its parameters). */
struct hdr_layout {
    int64_t lowest, highest; /* lowest discernible and highest trackable value */
    int sig;                 /* significant value digits, 0..5 */
    int unit_mag, sub_half_mag;
    int64_t sub_half;   /* sub-buckets in each half bucket */
    int64_t counts_len; /* entries of the counts array */
};

/* The layout of these parameters. 0, or -EINVAL (lowest < 1, highest < 2 * lowest, sig
   outside 0..5, or a layout HdrHistogram refuses). */
int hdr_layout_init(struct hdr_layout *l, int64_t lowest, int64_t highest, int sig);
/* Counts-array index of a value (0 <= v <= highest). */
int64_t hdr_index_of(const struct hdr_layout *l, int64_t v);
/* Lowest and highest value counted at index i (0 <= i < counts_len), inclusive. */
void hdr_index_range(const struct hdr_layout *l, int64_t i, int64_t *lo, int64_t *hi);

/* One decoded histogram: its layout and its non-empty buckets. */
struct hdr_decoded {
    struct hdr_layout l;
    size_t n;
    int64_t *idx;  /* ascending counts-array indexes */
    uint64_t *cnt; /* their counts, > 0 */
    uint64_t total;
};

/* Decode the base64 text of one compressed V2 histogram (len bytes). 0, -ENOMEM, or
   -EINVAL with the reason in err (bad base64, cookie, sizes, zlib data, a count that
   overflows, an index past the layout). */
int hdr_decode(const char *b64, size_t len, struct hdr_decoded *out, char *err, size_t errlen);
/* Free what hdr_decode allocated (the struct itself is the caller's). */
void hdr_decoded_free(struct hdr_decoded *d);
/* Encode a dense counts array of l->counts_len entries (each <= INT64_MAX) as the base64
   text of a compressed V2 histogram (*out malloc'ed, NUL-terminated). 0, -ENOMEM or -EIO
   (zlib failed). */
int hdr_encode(const struct hdr_layout *l, const uint64_t *counts, char **out);

#endif
