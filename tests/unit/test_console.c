/*
 * The run's console table combines repetitions the way the analyzer does (each repetition
 * weighing the same) and flags distinct modes: the unpinned net/udp_rr, whose fast
 * repetition held 9 times the samples of the slow ones, printed a pooled p50 of the fast
 * mode alone.
 */
#include "check.h"
#include "cli.h"
#include "hist.h"
#include "result.h"

#include <math.h>
#include <string.h>

static struct vb_row *add_rep(struct vb_run *r, double ns, int samples, int reps)
{
    struct vb_row *x = vb_run_add_row(r, "net/udp_rr/size:64");
    x->run_type = VB_ITERATION;
    x->repetitions = reps;
    x->real_time = ns;
    x->items_per_second = 1e9 / ns;
    x->hist = hist_new();
    for (int i = 0; i < samples; i++)
        hist_record(x->hist, ns * (1 + 0.01 * (i % 5)));
    vb_row_set_counter(x, "samples", samples);
    return x;
}

/* The table of one kernel's repetitions, each preempted in the given share of samples,
   each blocking vol times per window. */
static char *preempted_table_vol(double a, double b, double c, double vol)
{
    struct vb_run r;
    double pre[3] = {a, b, c};
    char *out = NULL;
    size_t len = 0;
    FILE *f;

    if (vb_run_init(&r))
        return NULL;
    for (int i = 0; i < 3; i++) {
        struct vb_row *x = add_rep(&r, 10000, 20000, 3);
        vb_row_set_counter(x, "invol_csw", pre[i] * 20000);
        vb_row_set_counter(x, "vol_csw", vol);
    }
    f = open_memstream(&out, &len);
    console_report(f, &r);
    fclose(f);
    vb_run_free(&r);
    return out;
}

static char *preempted_table(double a, double b, double c)
{
    return preempted_table_vol(a, b, c, 0);
}

int main(void)
{
    struct vb_run r;
    char *out = NULL, p50[32] = "", unit[8] = "";
    size_t len = 0;
    FILE *f;
    double v;

    CHECK(vb_run_init(&r) == 0, "init");
    add_rep(&r, 9950, 19271, 4);
    add_rep(&r, 9900, 19000, 4);
    add_rep(&r, 44400, 2220, 4);
    add_rep(&r, 45400, 2230, 4);
    f = open_memstream(&out, &len);
    console_report(f, &r);
    fclose(f);
    fputs(out, stderr);
    /* the second line is the row: name, p50 ... */
    CHECK(sscanf(strchr(out, '\n') + 1, "%*s %31s %7s", p50, unit) == 2, "row parsed");
    v = strtod(p50, NULL);
    CHECK(strcmp(unit, "us") == 0 && v > 18 && v < 24,
          "p50 is the geometric mean of the repetitions' p50 (about 21 us), not the pooled "
          "10 us: '%s %s'",
          p50, unit);
    CHECK(strstr(out, "MODES p50") && strstr(out, "(2)/") && !strstr(out, "on one CPU"),
          "modes flagged, with no CPU recorded: %s", out);
    CHECK(strstr(out, "(figures: geometric mean over repetitions, each weighing the same"),
          "the aggregation is stated");
    vb_run_free(&r);
    free(out);

    /* modes while the thread stayed on one CPU are not placement: said */
    CHECK(vb_run_init(&r) == 0, "init");
    for (int i = 0; i < 4; i++) {
        struct vb_row *x = add_rep(&r, i < 2 ? 5000 : 7500, 20000, 4);
        vb_row_set_counter(x, "on_cpu", 1);
        vb_row_set_counter(x, "moved_cpu", 0);
    }
    f = open_memstream(&out, &len);
    console_report(f, &r);
    fclose(f);
    CHECK(strstr(out, "MODES p50") && strstr(out, "on one CPU"), "modes on one CPU: %s", out);
    vb_row_set_counter(&r.rows[3], "on_cpu", 0);
    free(out);
    f = open_memstream(&out, &len);
    console_report(f, &r);
    fclose(f);
    CHECK(strstr(out, "MODES p50") && !strstr(out, "on one CPU"), "modes on two CPUs: %s", out);
    vb_run_free(&r);
    free(out);

    /* a thread that blocks more often than it is preempted is not noted */
    out = preempted_table_vol(0.007, 0.006, 0.0001, 20000);
    CHECK(out && !strstr(out, "PREEMPTED"), "a blocking kernel's preemptions: %s", out);
    free(out);

    /* the median repetition's preemptions per sample: flagged from a quarter of the p99's
       tail (0.25% of the samples), as compare judges them */
    out = preempted_table(0.007, 0.006, 0.0001);
    CHECK(out && strstr(out, "PREEMPTED 0.6%"), "a median of 0.6%% preempted is flagged: %s", out);
    free(out);
    out = preempted_table(0.007, 0.0001, 0.0002);
    CHECK(out && !strstr(out, "PREEMPTED"), "one preempted repetition of three is not: %s", out);
    free(out);
    return check_done("test_console");
}
