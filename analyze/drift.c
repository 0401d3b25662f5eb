/*
 * Run-to-run drift: how far whole runs of one pairing land apart, beyond what their
 * repetitions' spread explains. A side of a comparison that holds one run cannot show it
 * (and two runs a side hardly: their own F-test missed runs 14% apart in A/A pairs),
 * yet on a guest it is often the largest variance there is (a vCPU's speed state or the
 * host's other load changes for minutes: the p50 of exit/cpuid moved 8.3 to 11.6 us
 * between six back-to-back runs on the development machine while each run's repetitions
 * spread 7.6%). Without it, two runs that differ by drift alone are called regressed or
 * improved with tight intervals. So compare and report look in the store for other runs
 * with each side's identity and result-changing options (identity.c), newest first, and
 * estimate the between-run variance of each benchmark's metric from them (and from a
 * side's own runs where it holds two or more): one-way analysis of variance on the log
 * values, the mean square between runs (a run's variance as measured), moved by the
 * repetitions' share where the compared runs hold another number of repetitions. verdict.c
 * tests sides of one or two runs against that scatter, or calls the row inconclusive when
 * nothing measured it; sides of three or more runs are tested against it too when other
 * runs add to it (their own F-test, with 4 degrees of freedom between 3 runs a side, let
 * the repetitions decide in about half of the rows where runs scattered 5%, and so called
 * a row in 38-48% of unchanged 27-row tables, in a simulation of this machine's figures).
 */
#include "analyze.h"
#include "log.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct hist_load {
    struct an_set *set;
    const char *opts; /* the options the run must have */
    int added;
};

static int add_hist(const struct store_run_info *ri, struct vb_run *r, struct an_rowhists *h,
                    void *arg)
{
    struct hist_load *hl = arg;
    char opts[512];

    if (strcmp(an_options_sig(r->context, opts, sizeof(opts)), hl->opts) != 0)
        return 0;
    if (an_set_note_run(hl->set, ri, r->context) || an_set_add_run(hl->set, r, h)) {
        vb_err("out of memory");
        return -1;
    }
    hl->added++;
    return 0;
}

/* The newest AN_DRIFT_RUNS stored runs with side's identity and options, into set. */
static int load_side(struct an_ctx *c, struct store_run_info *all, size_t nall,
                     const struct an_set *side, const struct an_set *sa, const struct an_set *sb,
                     struct an_set *set)
{
    struct hist_load hl = {.set = set, .opts = side->first_opts};
    char id[1024];
    int loaded = 0;

    /* at most 4 loads per run wanted: runs of the identity with other options are skipped
       after loading (options live in the context), and a store may hold many */
    for (size_t i = nall; i-- > 0 && hl.added < AN_DRIFT_RUNS && loaded < 4 * AN_DRIFT_RUNS;) {
        /* the identity first: the sides' run lists can be long, and most runs differ */
        if (strcmp(an_id_label(&all[i], 0, id, sizeof(id)), side->first_id) != 0 ||
            an_lines_has(sa->run_ids, all[i].run_id) || an_lines_has(sb->run_ids, all[i].run_id))
            continue;
        loaded++;
        if (an_each_run(c, &all[i], 1, 0, add_hist, &hl))
            return -1;
    }
    return 0;
}

int an_drift_load(struct an_ctx *c, const struct an_set *sa, const struct an_set *sb,
                  struct an_drift *d)
{
    struct stat st;
    int ret;

    memset(d, 0, sizeof(*d));
    /* run directories named without a store: there is no history to ask */
    if (!c->store && !c->db && stat(STORE_DEFAULT_PATH, &st) != 0)
        return 0;
    /* the context's list of runs: selected once, whatever else asked for it */
    if (an_load_all(c))
        return -1;
    d->same =
        strcmp(sa->first_id, sb->first_id) == 0 && strcmp(sa->first_opts, sb->first_opts) == 0;
    ret = load_side(c, c->all, c->nall, sa, sa, sb, &d->hist[0]);
    if (!ret && !d->same)
        ret = load_side(c, c->all, c->nall, sb, sa, sb, &d->hist[1]);
    return ret;
}

void an_drift_free(struct an_drift *d)
{
    an_set_free(&d->hist[0]);
    an_set_free(&d->hist[1]);
}

/* Sums over one benchmark's runs (up to MAXR): per-run log means, the within-run sum of
   squares and degrees of freedom, and the sum of 1/repetitions. */
struct drift_acc {
    double ssb, ssw, inv_k;
    int dfb, dfw, nruns;
};

static void acc_bench(const struct an_bench *b, int m, struct drift_acc *a)
{
    enum { MAXR = 256 };
    double s[MAXR], ss[MAXR], k[MAXR], mean = 0;
    int n = b ? an_bench_reps(b, m, NULL, 0) : 0, nr = 0, runs = 0;
    double *x;
    int *run;

    if (n < 2)
        return;
    x = malloc(sizeof(double) * (size_t)n);
    run = malloc(sizeof(int) * (size_t)n);
    if (!x || !run) {
        free(x);
        free(run);
        return;
    }
    an_bench_reps(b, m, x, n);
    an_bench_rep_runs(b, m, run, n);
    nr = an_run_sums(x, run, n, s, ss, k, MAXR);
    free(x);
    free(run);
    for (int r = 0; r < nr; r++)
        if (k[r] > 0) {
            mean += s[r] / k[r];
            runs++;
        }
    if (runs < 2)
        return;
    mean /= runs;
    for (int r = 0; r < nr; r++) {
        double mr;
        if (!(k[r] > 0))
            continue;
        mr = s[r] / k[r];
        a->ssb += (mr - mean) * (mr - mean);
        a->ssw += fmax(ss[r] - s[r] * mr, 0);
        a->dfw += (int)k[r] - 1;
        a->inv_k += 1 / k[r];
    }
    a->dfb += runs - 1;
    a->nruns += runs;
}

int an_drift_of(const struct an_drift *d, const struct an_bench *x, const struct an_bench *y, int m,
                double *var, int *df, int *nruns)
{
    struct drift_acc a = {0};
    int ox = 0, oy = 0;
    double msw, k;

    if (d) {
        acc_bench(an_set_find(&d->hist[0], x->name), m, &a);
        if (!d->same)
            acc_bench(an_set_find(&d->hist[1], x->name), m, &a);
    }
    /* a side's own runs, where it holds two or more */
    for (int i = 0; x->runs && i < x->nrows; i++)
        ox = x->runs[i] > ox ? x->runs[i] : ox;
    for (int i = 0; y->runs && i < y->nrows; i++)
        oy = y->runs[i] > oy ? y->runs[i] : oy;
    if (ox > 0)
        acc_bench(x, m, &a);
    if (oy > 0)
        acc_bench(y, m, &a);
    *var = NAN;
    *df = a.dfb;
    *nruns = a.nruns;
    if (a.dfb < 2)
        return -1;
    /* The scatter of run means as measured (drift plus the repetitions' share for the
       history's repetitions per run), moved to the compared runs' repetitions per run. */
    msw = a.dfw > 0 ? a.ssw / a.dfw : 0;
    k = (double)(x->nrows + y->nrows) / (ox + oy + 2);
    *var = a.ssb / a.dfb + msw * (1 / k - a.inv_k / a.nruns);
    *var = fmax(*var, msw / k);
    return 0;
}
