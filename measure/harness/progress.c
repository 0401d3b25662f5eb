/*
 * What a run says while it runs. On a terminal, one line redrawn in place: the kernel being
 * measured, its position in the plan, the time elapsed and an estimate of the time left
 * (the mean time of the windows done so far, or warm-up plus window before the first one,
 * times the windows left). Without a terminal (CI logs, systemd, `timeout`), one line per
 * finished window, so a log shows how far a run got and what it measured. `--quiet`
 * silences both. Lives beside the runner because only the runner knows the plan.
 */
#include "harness.h"
#include "units.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static double elapsed_ns(const struct progress *p)
{
    return ts_to_ns(ts_now() - p->t0);
}

void progress_begin(struct progress *p, int mode, size_t total, int repetitions, double window_ns)
{
    memset(p, 0, sizeof(*p));
    p->mode = mode;
    p->total = total;
    p->repetitions = repetitions;
    p->window_ns = window_ns;
    p->t0 = ts_now();
}

/* "about 12 s left", from the windows done so far. */
static void left_text(const struct progress *p, size_t done, char *buf, size_t len)
{
    double per = done ? elapsed_ns(p) / (double)done : p->window_ns;
    char d[24];
    if (done >= p->total) {
        snprintf(buf, len, "done");
        return;
    }
    snprintf(buf, len, "~%s left",
             units_fmt_duration(per * (double)(p->total - done), d, sizeof(d)));
}

static void where_text(const struct progress *p, size_t index, int rep, const char *name, char *buf,
                       size_t len)
{
    if (p->repetitions > 1)
        snprintf(buf, len, "[%zu/%zu] rep %d/%d %s", index + 1, p->total, rep + 1, p->repetitions,
                 name);
    else
        snprintf(buf, len, "[%zu/%zu] %s", index + 1, p->total, name);
}

void progress_start(struct progress *p, size_t done, int rep, const char *name)
{
    char where[400], left[64], el[24];
    if (p->mode != PROGRESS_TTY)
        return;
    where_text(p, done, rep, name, where, sizeof(where));
    left_text(p, done, left, sizeof(left));
    fprintf(stderr, "\r\033[K%s  %s elapsed, %s", where,
            units_fmt_duration(elapsed_ns(p), el, sizeof(el)), left);
    fflush(stderr);
}

void progress_done(struct progress *p, size_t done, int rep, const char *name,
                   const struct vb_row *row)
{
    char where[400], left[64], el[24], what[300];
    if (p->mode != PROGRESS_LINES)
        return;
    where_text(p, done - 1, rep, name, where, sizeof(where));
    left_text(p, done, left, sizeof(left));
    if (!row && vb_interrupted) {
        fprintf(stderr, "viobench: %s: interrupted (%s elapsed)\n", where,
                units_fmt_duration(elapsed_ns(p), el, sizeof(el)));
        return;
    }
    if (!row)
        snprintf(what, sizeof(what), "no result");
    else if (row->error_occurred)
        snprintf(what, sizeof(what), "%s", row->error_message ? row->error_message : "failed");
    else {
        char p50[24];
        double v = vb_row_counter(row, "p50_ns");
        snprintf(what, sizeof(what), "p50 %s",
                 isnan(v) ? "-" : units_fmt_duration(v, p50, sizeof(p50)));
    }
    fprintf(stderr, "viobench: %s: %s (%s elapsed, %s)\n", where, what,
            units_fmt_duration(elapsed_ns(p), el, sizeof(el)), left);
    fflush(stderr);
}

void progress_end(struct progress *p)
{
    if (p->mode == PROGRESS_TTY) {
        fprintf(stderr, "\r\033[K");
        fflush(stderr);
    }
}
