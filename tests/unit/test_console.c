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

static void add_rep(struct vb_run *r, double ns, int samples, int reps)
{
    struct vb_row *x = vb_run_add_row(r, "net/udp_rr/size:64");
    x->run_type = VB_ITERATION;
    x->repetitions = reps;
    x->real_time = ns;
    x->items_per_second = 1e9 / ns;
    x->hist = hist_new();
    for (int i = 0; i < samples; i++)
        hist_record(x->hist, ns * (1 + 0.01 * (i % 5)));
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
    CHECK(strstr(out, "MODES p50") && strstr(out, "(2)/"), "modes flagged: %s", out);
    CHECK(strstr(out, "(figures: geometric mean over repetitions, each weighing the same"),
          "the aggregation is stated");
    vb_run_free(&r);
    free(out);
    return check_done("test_console");
}
