/*
 * The console report: one line per benchmark with the figures people read first (p50,
 * p99, p99.9, max, mean, ops/s) and notes (bandwidth where bytes move, coefficient of
 * variation across repetitions, noisy, incomplete after an interrupt, skipped or failed with
 * the reason). Percentiles come from the histogram of
 * all repetitions merged.
 */
#include "cli.h"
#include "units.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int name_width(const struct vb_run *r)
{
    int w = 9;
    for (size_t i = 0; i < r->nrows; i++) {
        int l = (int)strlen(r->rows[i].run_name);
        if (l > w)
            w = l;
    }
    return w > 60 ? 60 : w;
}

/* Has an earlier row already printed this benchmark? */
static int seen_before(const struct vb_run *r, size_t i)
{
    for (size_t j = 0; j < i; j++)
        if (strcmp(r->rows[j].run_name, r->rows[i].run_name) == 0)
            return 1;
    return 0;
}

static void print_one(FILE *f, const struct vb_run *r, size_t first, int w)
{
    const struct vb_row *row = &r->rows[first];
    struct hist *merged = hist_new();
    double mean_sum = 0, ips_sum = 0, bps_sum = 0, m2 = 0, mean;
    int n = 0, noisy = 0, short_reps = 0;
    char p50[24], p99[24], p999[24], mx[24], mn[24], ips[24], note[64] = "";

    if (!merged)
        return;
    for (size_t i = first; i < r->nrows; i++) {
        const struct vb_row *x = &r->rows[i];
        if (x->run_type != VB_ITERATION || x->error_occurred || strcmp(x->run_name, row->run_name))
            continue;
        if (x->hist)
            hist_merge(merged, x->hist);
        mean_sum += x->real_time;
        m2 += x->real_time * x->real_time;
        ips_sum += isnan(x->items_per_second) ? 0 : x->items_per_second;
        bps_sum += isnan(x->bytes_per_second) ? 0 : x->bytes_per_second;
        noisy |= vb_row_counter(x, "noisy") > 0;
        if (json_is_true(json_object_get(x->info, "incomplete")))
            short_reps = 1;
        n++;
    }
    if (n == 0) {
        /* every repetition failed or was skipped: show the first reason */
        fprintf(f, "%-*s  %s\n", w, row->run_name, row->error_message ? row->error_message : "");
        hist_free(merged);
        return;
    }
    mean = mean_sum / n;
    if (n > 1) {
        double sd = sqrt(fmax(0, (m2 - n * mean * mean) / (n - 1)));
        snprintf(note, sizeof(note), "cv %.1f%%", mean > 0 ? 100 * sd / mean : 0);
    }
    if (bps_sum > 0) {
        char bw[24];
        snprintf(note + strlen(note), sizeof(note) - strlen(note), "%s%s/s", *note ? " " : "",
                 units_fmt_size(bps_sum / n, bw, sizeof(bw)));
    }
    if (noisy)
        snprintf(note + strlen(note), sizeof(note) - strlen(note), "%sNOISY", *note ? " " : "");
    if (short_reps) /* an interrupt left this kernel short of its repetitions */
        snprintf(note + strlen(note), sizeof(note) - strlen(note), "%sINCOMPLETE %d/%d reps",
                 *note ? " " : "", n, row->repetitions);
    fprintf(f, "%-*s %10s %10s %10s %10s %10s %9s  %s\n", w, row->run_name,
            units_fmt_duration(hist_percentile(merged, 50), p50, sizeof(p50)),
            units_fmt_duration(hist_percentile(merged, 99), p99, sizeof(p99)),
            units_fmt_duration(hist_percentile(merged, 99.9), p999, sizeof(p999)),
            units_fmt_duration(hist_max(merged), mx, sizeof(mx)),
            units_fmt_duration(mean, mn, sizeof(mn)),
            units_fmt_count(ips_sum / n, ips, sizeof(ips)), note);
    hist_free(merged);
}

void console_report(FILE *f, const struct vb_run *r)
{
    int w = name_width(r);

    fprintf(f, "%-*s %10s %10s %10s %10s %10s %9s  %s\n", w, "benchmark", "p50", "p99", "p99.9",
            "max", "mean", "ops/s", "notes");
    for (size_t i = 0; i < r->nrows; i++) {
        if (r->rows[i].run_type != VB_ITERATION || seen_before(r, i))
            continue;
        print_one(f, r, i, w);
    }
}
