/*
 * `viobench export --format hdrlog`: a stored run as an HdrHistogram interval log (log
 * format 1.3) that HistogramLogProcessor, wrk2's tools and the HdrHistogram libraries
 * read. Each iteration row with a histogram is one interval tagged
 * "<benchmark>#<repetition>"; tags may not hold commas or blanks, so the name has '%',
 * ',', '#', blanks and control bytes written as %XX (the importer undoes it). Values are
 * integer ns in an HdrHistogram of 3 significant digits from 1 ns to 2^38 ns (about 275 s,
 * viobench's own range): each of viobench's buckets is counted at the value its
 * percentiles report (midpoint clamped to the row's min and max) rounded to whole ns, so
 * HdrHistogram's percentiles are viobench's within 0.1% plus 0.5 ns. Interval start is 0
 * and its length the run's duration (rows carry no time of their own); Interval_Max is the
 * row's max in ms, as HdrHistogram's writers scale ns.
 */
#include "export.h"
#include "hdrlog.h"
#include "hist.h"
#include "log.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define EXP_LOWEST  1
#define EXP_HIGHEST ((int64_t)1 << 38)
#define EXP_DIGITS  3

/* Seconds since 1970 of an ISO 8601 UTC time as the store writes it, or NAN. */
/* A stored ISO time in seconds since the epoch; NAN when it does not parse. */
static double iso_seconds(const char *iso)
{
    double ms;
    return iso && store_parse_time(iso, &ms) == 0 ? ms / 1000 : NAN;
}

static void put_tag(FILE *f, const char *name)
{
    for (const unsigned char *c = (const unsigned char *)name; *c; c++) {
        if (*c <= ' ' || *c == 0x7f || *c == '%' || *c == ',' || *c == '#')
            fprintf(f, "%%%02X", *c);
        else
            fputc(*c, f);
    }
}

int export_hdrlog(FILE *f, struct store *s, const struct store_run_info *r)
{
    struct hdr_layout l;
    struct vb_run run;
    uint64_t *counts = NULL;
    double t0 = iso_seconds(r->start), t1 = iso_seconds(r->end);
    size_t written = 0;
    int ret;

    if (hdr_layout_init(&l, EXP_LOWEST, EXP_HIGHEST, EXP_DIGITS))
        return -EINVAL;
    if ((ret = export_load(s, r, &run)))
        return ret;
    if (!(counts = malloc((size_t)l.counts_len * sizeof(*counts)))) {
        ret = -ENOMEM;
        goto out;
    }
    fprintf(f,
            "#[viobench export of run %s: tags are <benchmark>#<repetition> with '%%', "
            "',', '#' and blanks as %%XX; values in ns]\n",
            r->run_id);
    fprintf(f, "#[Histogram log format version 1.3]\n");
    if (!isnan(t0))
        fprintf(f, "#[StartTime: %.3f (seconds since epoch), %s]\n", t0, r->start);
    fprintf(f, "\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\","
               "\"Interval_Compressed_Histogram\"\n");
    for (size_t i = 0; i < run.nrows; i++) {
        const struct vb_row *w = &run.rows[i];
        const struct hist *h = w->hist;
        char *b64;
        if (w->run_type != VB_ITERATION || !h || !hist_count(h))
            continue;
        memset(counts, 0, (size_t)l.counts_len * sizeof(*counts));
        for (int b = 0; b < HIST_NBUCKETS; b++) {
            if (!h->counts[b])
                continue;
            double v = round(hist_bucket_value(b, hist_min(h), hist_max(h)));
            int64_t iv = v < 0 ? 0 : v > (double)EXP_HIGHEST ? EXP_HIGHEST : (int64_t)v;
            uint64_t *c = &counts[hdr_index_of(&l, iv)];
            *c = *c + h->counts[b] > (uint64_t)INT64_MAX ? (uint64_t)INT64_MAX : *c + h->counts[b];
        }
        if ((ret = hdr_encode(&l, counts, &b64))) {
            vb_err("export: hdrlog: %s", ret == -ENOMEM ? "out of memory" : "zlib failed");
            goto out;
        }
        fputs("Tag=", f);
        put_tag(f, w->run_name);
        fprintf(f, "#%d,0.000,%.3f,%.3f,%s\n", w->repetition_index,
                isnan(t0) || isnan(t1) || t1 < t0 ? 0.0 : t1 - t0, hist_max(h) / 1e6, b64);
        free(b64);
        written++;
    }
    ret = 0;
    if (!written) {
        vb_err("export: hdrlog: run %s has no histograms (Google Benchmark and plain fio "
               "imports carry none)",
               r->run_id);
        ret = -ENOENT;
    }
out:
    free(counts);
    vb_run_free(&run);
    return ret;
}
