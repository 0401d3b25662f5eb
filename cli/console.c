/*
 * The console report: one line per benchmark with the figures people read first (p50,
 * p99, p99.9, max, mean, ops/s) and notes (bandwidth where bytes move, coefficient of
 * variation across repetitions, noisy, incomplete after an interrupt, skipped or failed with
 * the reason). Every figure combines the repetitions with each weighing the same
 * (lib/reps.h, the analyzer's rule too): the geometric mean of the repetitions' own p50, p99,
 * p99.9, mean and ops/s; max is over all samples. Repetitions in distinct modes are flagged
 * (MODES) with both modes, because one figure would hide them.
 */
#include "cli.h"
#include "reps.h"
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

enum { MAXREP = 4096 };

/* One figure per repetition: p (0..100) of its histogram, or its real_time (p < 0) or
   ops/s (p > 100). */
static double rep_value(const struct vb_row *x, double p)
{
    if (p < 0)
        return x->real_time;
    if (p > 100)
        return isnan(x->items_per_second) ? 0 : x->items_per_second;
    return x->hist && hist_count(x->hist) ? hist_percentile(x->hist, p) : NAN;
}

/* 1 when every repetition's measuring thread stayed on one and the same CPU (counters
   on_cpu and moved_cpu): modes between them are then not a placement effect. */
static int one_cpu(const struct vb_row **reps, int n)
{
    double c0 = vb_row_counter(reps[0], "on_cpu");

    if (!(c0 >= 0))
        return 0;
    for (int i = 0; i < n; i++)
        if (vb_row_counter(reps[i], "on_cpu") != c0 || vb_row_counter(reps[i], "moved_cpu") != 0)
            return 0;
    return 1;
}

/* The repetitions' figure (REPS_AGGREGATION) of rep_value(p); when name is given and they fall
   into distinct modes of 2 or more repetitions each, adds "MODES name a(n)/b(m)" to note
   (once per row). */
static double combine(const struct vb_row **reps, int n, double p, const char *name, char *note,
                      size_t len)
{
    double v[MAXREP];
    int k = 0;
    struct reps_modes m;

    for (int i = 0; i < n; i++) {
        double x = rep_value(reps[i], p);
        if (isfinite(x))
            v[k++] = x;
    }
    if (k == 0)
        return NAN;
    /* two groups of 2 or more: one odd window alone shows in the cv, not as a mode */
    if (name && !strstr(note, "MODES") && reps_modes(v, k, &m) > 0 && m.n[0] > 1 && m.n[1] > 1) {
        char a[24], b[24];
        snprintf(note + strlen(note), len - strlen(note), "%sMODES %s %s(%d)/%s(%d)%s",
                 *note ? " " : "", name, units_fmt_duration(m.m[0], a, sizeof(a)), m.n[0],
                 units_fmt_duration(m.m[1], b, sizeof(b)), m.n[1],
                 one_cpu(reps, n) ? " on one CPU" : "");
    }
    return reps_geomean(v, k);
}

static void print_one(FILE *f, const struct vb_run *r, size_t first, int w)
{
    const struct vb_row *row = &r->rows[first], **reps;
    double mean_sum = 0, bps_sum = 0, m2 = 0, mean, mx = NAN, q50, q99, q999, lat, ips;
    int n = 0, noisy = 0, short_reps = 0, npre = 0;
    double pre[MAXREP], preempt;
    char p50[24], p99[24], p999[24], smx[24], mn[24], sips[24], note[160] = "";

    if (!(reps = malloc(sizeof(*reps) * MAXREP)))
        return;
    for (size_t i = first; i < r->nrows && n < MAXREP; i++) {
        const struct vb_row *x = &r->rows[i];
        if (x->run_type != VB_ITERATION || x->error_occurred || strcmp(x->run_name, row->run_name))
            continue;
        if (x->hist && hist_count(x->hist) && !(hist_max(x->hist) <= mx))
            mx = hist_max(x->hist);
        mean_sum += x->real_time;
        m2 += x->real_time * x->real_time;
        bps_sum += isnan(x->bytes_per_second) ? 0 : x->bytes_per_second;
        noisy |= vb_row_counter(x, "noisy") > 0;
        /* a thread that blocks more often than it is preempted (network, storage) waits
           on its own I/O path, whose kernel threads take the CPU as part of it: judged by
           compare against the other side, not noted here */
        if (isfinite(preempt = vb_row_preempt(x)) &&
            !(vb_row_counter(x, "vol_csw") > vb_row_counter(x, "invol_csw")))
            pre[npre++] = preempt;
        if (json_is_true(json_object_get(x->info, "incomplete")))
            short_reps = 1;
        reps[n++] = x;
    }
    if (n == 0) {
        /* every repetition failed or was skipped: show the first reason */
        fprintf(f, "%-*s  %s\n", w, row->run_name, row->error_message ? row->error_message : "");
        free(reps);
        return;
    }
    mean = mean_sum / n;
    if (n > 1) {
        double sd = sqrt(fmax(0, (m2 - n * mean * mean) / (n - 1)));
        snprintf(note, sizeof(note), "cv %.1f%%", mean > 0 ? 100 * sd / mean : 0);
    }
    /* each repetition weighs the same (REPS_AGGREGATION), whatever its sample count */
    q50 = combine(reps, n, 50, "p50", note, sizeof(note));
    q99 = combine(reps, n, 99, "p99", note, sizeof(note));
    q999 = combine(reps, n, 99.9, "p99.9", note, sizeof(note));
    lat = combine(reps, n, -1, "mean", note, sizeof(note));
    ips = combine(reps, n, 101, NULL, note, sizeof(note));
    if (bps_sum > 0) {
        char bw[24];
        snprintf(note + strlen(note), sizeof(note) - strlen(note), "%s%s/s", *note ? " " : "",
                 units_fmt_size(bps_sum / n, bw, sizeof(bw)));
    }
    if (noisy)
        snprintf(note + strlen(note), sizeof(note) - strlen(note), "%sNOISY", *note ? " " : "");
    if (npre * 2 >= n && npre > 0) {
        /* other tasks took the CPU in a quarter of the p99's tail or more (the median
           repetition): those samples carry their time slices (docs/verdicts.md) */
        double med = reps_median(pre, npre);
        if (med >= reps_preempt_reach(99))
            snprintf(note + strlen(note), sizeof(note) - strlen(note), "%sPREEMPTED %.2g%%",
                     *note ? " " : "", med * 100);
    }
    if (short_reps) /* an interrupt left this kernel short of its repetitions */
        snprintf(note + strlen(note), sizeof(note) - strlen(note), "%sINCOMPLETE %d/%d reps",
                 *note ? " " : "", n, row->repetitions);
    fprintf(f, "%-*s %10s %10s %10s %10s %10s %9s  %s\n", w, row->run_name,
            units_fmt_duration(q50, p50, sizeof(p50)), units_fmt_duration(q99, p99, sizeof(p99)),
            units_fmt_duration(q999, p999, sizeof(p999)), units_fmt_duration(mx, smx, sizeof(smx)),
            units_fmt_duration(lat, mn, sizeof(mn)),
            units_fmt_count(isfinite(ips) ? ips : 0, sips, sizeof(sips)), note);
    free(reps);
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
    fprintf(f, "(figures: %s; max over all samples)\n", REPS_AGGREGATION);
}
