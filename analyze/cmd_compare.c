/*
 * `viobench analyze compare A B`: per benchmark present on both sides, the change of the
 * median, p99 and (where every repetition has enough samples) p99.9 from B's point of
 * view, decided on the repetitions (verdict.c): each repetition's own figure is one value,
 * a side's value is the geometric mean of its repetitions, Welch's t on the logarithms
 * gives the p-value and the CI of the change, Benjamini-Hochberg adjusts the p-values over
 * every row of the table, and a row is regressed or improved when its adjusted p < alpha
 * and |change| >= --min-change; otherwise inconclusive (too few repetitions, with how many
 * are needed), unstable (distinct modes, noisy windows) or no significant change. The
 * Mann-Whitney U p-value over the same repetitions (as Google Benchmark's compare.py
 * computes it) is reported alongside for comparison. Sides of one or two runs are judged
 * against the scatter of runs of their pairing (drift.c), and sides of three or more when
 * the store adds runs to it. A side that merges runs of several
 * pairing identities or option sets is said so under the table (identity.c).
 */
#include "analyze.h"
#include "log.h"
#include "match.h"
#include "opt.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static struct {
    const char *db, *metrics, *format, *out, *filter, *alpha_s, *conf_s;
    double alpha, conf, min_change;
    int fail;
} a;

static const struct opt compare_opts[] = {
    {"db", 0, OPT_STR, &a.db, "DB",
     "the store: SQLite file (default " STORE_DEFAULT_PATH ") or PostgreSQL URI"},
    {"metric", 'm', OPT_STR, &a.metrics, "LIST",
     "metrics to compare, comma-separated: p50, p90, p99, p99.9, p99.99, mean, max, "
     "real_time, cpu_time, iops, bandwidth (default: p50,p99,p99.9 with histograms, "
     "real_time without)"},
    {"filter", 'f', OPT_STR, &a.filter, "PATTERN", "benchmarks to compare (globs, -excluded)"},
    {"alpha", 0, OPT_STR, &a.alpha_s, "P",
     "false discovery rate over the table's rows (Benjamini-Hochberg; default 0.05, or 5%)"},
    {"confidence", 0, OPT_STR, &a.conf_s, "LEVEL",
     "confidence level of the CI of each change (default 95%)"},
    {"min-change", 0, OPT_PERCENT, &a.min_change, "PCT",
     "smallest change called a regression or improvement (default 4%: above the drift "
     "between A/A runs measured on the development machine)"},
    {"fail-on-regression", 0, OPT_FLAG, &a.fail, NULL,
     "exit 1 when a row regressed, or could not be judged for want of data (fewer than 3 "
     "repetitions a side; one run a side and no stored runs of its pairing)"},
    {"format", 0, OPT_STR, &a.format, "FMT", "console (default), csv, json, markdown, html"},
    {"out", 'o', OPT_STR, &a.out, "FILE", "write the report to FILE (default stdout)"},
    {NULL},
};

static const struct cmd_help compare_help = {
    .name = "viobench analyze compare",
    .usage = "[OPTIONS] A B",
    .summary =
        "Compare B against A. A and B are each a run directory, a results.json, a stored run\n"
        "id (or unique prefix), or selector words over the store ('hypervisor=kvm guest_os=rhel',\n"
        "'version=6.1.*'; runs selected are merged, and said when their pairings differ). The\n"
        "unit is the repetition (run --repetitions 5 or more): for every benchmark on both\n"
        "sides, the geometric means over repetitions, the change, its CI and p-value (Welch's\n"
        "t on logs), the p-value adjusted over all rows (Benjamini-Hochberg) and a verdict:\n"
        "regressed, improved, no significant change, inconclusive (with the repetitions\n"
        "needed) or unstable (with the modes). Sides of one or two runs are judged against\n"
        "the scatter of runs of their pairing, their own and the store's other runs (runs\n"
        "as the unit); without 3 such runs, inconclusive. Sides of three or more are too,\n"
        "when the store holds other runs of the pairing. See docs/verdicts.md.",
    .examples =
        "  viobench analyze compare results/run-a results/run-b\n"
        "  viobench analyze compare 20261125-0101 20261126-0101 --format markdown\n"
        "  viobench analyze compare 'hypervisor=kvm guest_os=rhel' "
        "'hypervisor=hyperv guest_os=rhel'\n"
        "  viobench analyze compare kernel=6.1.0-17-amd64 kernel=6.1.0-18-amd64 -m p99,iops",
    .more = "EXIT STATUS\n  0 compared (1 with --fail-on-regression when a row regressed or could "
            "not be\n  judged for want of data), 1 an input could not be read, 2 usage error.",
};

enum {
    C_BENCH,
    C_METRIC,
    C_A,
    C_B,
    C_CHANGE,
    C_CI,
    C_LO,
    C_HI,
    C_PW,
    C_Q,
    C_P,
    C_NA,
    C_NB,
    C_SA,
    C_SB,
    C_CIM,
    C_UM,
    C_VERDICT,
    C_WHY,
    C_SPREAD,
    C_NEED,
    C_SCATTER,
    C_NEEDR,
    NCOLS
};

struct counts {
    long both, regressed, improved, same, inconclusive, unstable, only_a, only_b, skipped;
    long drift_none, drift_hist; /* rows of a one-run side: drift unmeasured, from history */
    long nodata;                 /* rows not judged for want of data (repetitions, runs) */
    int drift_runs;              /* the most runs a row's drift came from */
};

static void fmt_pct(double v, char *buf, size_t len)
{
    if (!isfinite(v))
        snprintf(buf, len, "-");
    else
        snprintf(buf, len, "%+.1f%%", v * 100);
}

static void put_row(struct an_table *t, struct an_vrow *r, struct counts *cnt)
{
    const struct an_verdict *v = &r->v;
    char b1[64], b2[64], b3[64];
    long row;

    switch (v->state) {
    case AV_REGRESSED:
        cnt->regressed++;
        break;
    case AV_IMPROVED:
        cnt->improved++;
        break;
    case AV_INCONCLUSIVE:
        cnt->inconclusive++;
        break;
    case AV_UNSTABLE:
        cnt->unstable++;
        break;
    default:
        cnt->same++;
    }
    if (v->state == AV_INCONCLUSIVE && (v->drift == 1 || v->na < 3 || v->nb < 3))
        cnt->nodata++;
    if (v->drift == 1 && v->state != AV_UNSTABLE)
        cnt->drift_none++;
    else if (v->drift == 2 && v->state != AV_UNSTABLE) {
        cnt->drift_hist++;
        if (r->in.drift_runs > cnt->drift_runs)
            cnt->drift_runs = r->in.drift_runs;
    }
    if ((row = an_table_row(t)) < 0)
        return;
    an_table_str(t, row, C_BENCH, "%s", r->x->name);
    an_table_str(t, row, C_METRIC, "%s", an_metrics[r->m].name);
    an_table_num(t, row, C_A, v->va, an_fmt_value(r->m, v->va, b1, sizeof(b1)));
    an_table_num(t, row, C_B, v->vb, an_fmt_value(r->m, v->vb, b2, sizeof(b2)));
    fmt_pct(v->change, b1, sizeof(b1));
    an_table_num(t, row, C_CHANGE, v->change * 100, b1);
    fmt_pct(v->lo, b2, sizeof(b2));
    fmt_pct(v->hi, b3, sizeof(b3));
    if (isfinite(v->lo))
        an_table_str(t, row, C_CI, "[%s, %s]", b2, b3);
    else
        an_table_str(t, row, C_CI, "-");
    an_table_num(t, row, C_LO, v->lo * 100, b2);
    an_table_num(t, row, C_HI, v->hi * 100, b3);
    snprintf(b1, sizeof(b1), isfinite(v->p) ? "%.4f" : "-", v->p);
    an_table_num(t, row, C_PW, v->p, b1);
    snprintf(b1, sizeof(b1), isfinite(v->q) ? "%.4f" : "-", v->q);
    an_table_num(t, row, C_Q, v->q, b1);
    snprintf(b1, sizeof(b1), isfinite(r->u.p) ? "%.4f" : "-", r->u.p);
    an_table_num(t, row, C_P, r->u.p, b1);
    snprintf(b1, sizeof(b1), "%d", r->in.na);
    an_table_num(t, row, C_NA, r->in.na, b1);
    snprintf(b1, sizeof(b1), "%d", r->in.nb);
    an_table_num(t, row, C_NB, r->in.nb, b1);
    snprintf(b1, sizeof(b1), "%llu", r->x->hist ? (unsigned long long)r->x->hist->count : 0ULL);
    an_table_num(t, row, C_SA, r->x->hist ? (double)r->x->hist->count : NAN, b1);
    snprintf(b1, sizeof(b1), "%llu", r->y->hist ? (unsigned long long)r->y->hist->count : 0ULL);
    an_table_num(t, row, C_SB, r->y->hist ? (double)r->y->hist->count : NAN, b1);
    an_table_str(t, row, C_CIM, "%s", isfinite(v->lo) ? "welch-log" : "none");
    an_table_str(t, row, C_UM, "%s",
                 isfinite(r->u.p) ? (r->u.exact ? "exact" : "asymptotic") : "n/a");
    an_table_str(t, row, C_VERDICT, "%s", an_verdict_names[v->state]);
    an_table_str(t, row, C_WHY, "%s", v->reason);
    /* the log-scale spread of the repetitions (about their CV) and how many a side would
       resolve --min-change at 80% power: what a reader needs to plan the next run */
    snprintf(b1, sizeof(b1), v->na >= 2 && v->nb >= 2 ? "%.2f" : "-", v->cv * 100);
    an_table_num(t, row, C_SPREAD, v->na >= 2 && v->nb >= 2 ? v->cv * 100 : NAN, b1);
    snprintf(b1, sizeof(b1), v->need > 0 ? "%d" : "-", v->need);
    an_table_num(t, row, C_NEED, v->need > 0 ? v->need : NAN, b1);
    /* a side of one or two runs: the scatter of whole runs of the pairing it was judged
       against */
    snprintf(b1, sizeof(b1), v->drift == 2 ? "%.2f" : "-", v->drift_cv * 100);
    an_table_num(t, row, C_SCATTER, v->drift == 2 ? v->drift_cv * 100 : NAN, b1);
    snprintf(b1, sizeof(b1), v->need_runs > 0 ? "%d" : "-", v->need_runs);
    an_table_num(t, row, C_NEEDR, v->need_runs > 0 ? v->need_runs : NAN, b1);
}

/* Parse --metric into out[]; -1 after printing the bad name. */
static int parse_metrics(const char *s, int *out, int max)
{
    char *copy, *save = NULL, *tok;
    int n = 0;

    if (!s || strcmp(s, "auto") == 0)
        return 0;
    if (!(copy = strdup(s)))
        return -1;
    for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        int m = an_metric_parse(tok);
        if (m < 0) {
            vb_err("analyze compare: --metric: unknown metric '%s' (p50, p90, p99, p99.9, "
                   "p99.99, min, max, mean, real_time, cpu_time, iops, bandwidth)",
                   tok);
            free(copy);
            return -1;
        }
        if (n < max)
            out[n++] = m;
    }
    free(copy);
    return n;
}

int an_cmd_compare(int argc, char **argv)
{
    static const char *const keys[NCOLS] = {
        "benchmark",   "metric",          "a",           "b",         "change_pct",
        "ci",          "ci_low_pct",      "ci_high_pct", "welch_p",   "adjusted_p",
        "u_pvalue",    "reps_a",          "reps_b",      "samples_a", "samples_b",
        "ci_method",   "u_method",        "verdict",     "reason",    "spread_pct",
        "reps_needed", "run_scatter_pct", "runs_needed"};
    const char *heads[NCOLS] = {
        "benchmark", "metric",    "A",           "B",           "change",     "CI",
        "low",       "high",      "Welch p",     "adj. p",      "U p",        "reps A",
        "reps B",    "samples A", "samples B",   "CI method",   "U test",     "verdict",
        "why",       "spread",    "reps needed", "run scatter", "runs needed"};
    struct an_vrow *rows = NULL;
    size_t nrows = 0, caprows = 0;
    const char *pos[2];
    struct an_ctx c = {.cmd = "analyze compare"};
    struct an_set sa = {0}, sb = {0};
    struct an_drift drift = {0};
    struct an_table *t = NULL, *console = NULL;
    struct counts cnt = {0};
    int npos, ret, fmt, want[AM_NMETRICS], nwant;
    char ci_head[32];
    json_t *meta = NULL;
    FILE *f = NULL;

    memset(&a, 0, sizeof(a));
    a.alpha = 0.05;
    a.conf = 95;
    a.min_change = AN_MIN_CHANGE_DEFAULT;
    ret = opt_parse(compare_opts, &compare_help, argc, argv, pos, 2, &npos);
    if (ret)
        return ret == 1 ? 0 : 2;
    if (npos != 2) {
        vb_err("analyze compare: needs two inputs A and B (see --help)");
        return 2;
    }
    if ((a.alpha_s && an_parse_frac(a.alpha_s, &a.alpha)) ||
        (a.conf_s && an_parse_frac(a.conf_s, &a.conf))) {
        vb_err("analyze compare: --%s: '%s' is not a fraction (0.05) or a percentage (5%%)",
               a.alpha_s && an_parse_frac(a.alpha_s, &a.alpha) ? "alpha" : "confidence",
               a.alpha_s && an_parse_frac(a.alpha_s, &a.alpha) ? a.alpha_s : a.conf_s);
        return 2;
    }
    if (a.conf_s)
        a.conf *= 100;
    if (!(a.alpha > 0 && a.alpha < 1) || !(a.conf > 0 && a.conf < 100) || a.min_change < 0) {
        vb_err("analyze compare: --alpha, --confidence or --min-change out of range");
        return 2;
    }
    if ((fmt = an_fmt_parse(a.format ? a.format : "console")) < 0) {
        vb_err("analyze compare: --format: unknown format '%s' (console, csv, json, markdown, "
               "html)",
               a.format);
        return 2;
    }
    if ((nwant = parse_metrics(a.metrics, want, AM_NMETRICS)) < 0)
        return 2;
    c.db = a.db;
    ret = 1;
    if (an_load_spec(&c, pos[0], &sa) || an_load_spec(&c, pos[1], &sb) ||
        an_drift_load(&c, &sa, &sb, &drift))
        goto out;
    snprintf(ci_head, sizeof(ci_head), "%g%% CI", a.conf);
    heads[C_CI] = ci_head;
    if (!(t = an_table_new("rows", "", NCOLS, keys, heads)))
        goto out;
    for (size_t i = 0; i < sa.n; i++) {
        const struct an_bench *x = &sa.b[i], *y;
        int ms[AM_NMETRICS], nm;
        if (a.filter && !match_filter(a.filter, x->name))
            continue;
        if (!(y = an_set_find(&sb, x->name))) {
            cnt.only_a++;
            continue;
        }
        if (x->nrows == 0 || y->nrows == 0) {
            cnt.skipped++;
            continue;
        }
        cnt.both++;
        nm = an_vrow_metrics(x, y, want, nwant, ms);
        for (int k = 0; k < nm; k++) {
            int r;
            if (nrows == caprows) {
                size_t nc = caprows ? caprows * 2 : 64;
                struct an_vrow *nr = realloc(rows, nc * sizeof(*nr));
                if (!nr)
                    goto out;
                rows = nr;
                caprows = nc;
            }
            if ((r = an_vrow_test(&rows[nrows], x, y, ms[k], a.alpha, a.conf / 100,
                                  a.min_change / 100, &drift)) < 0)
                goto out;
            nrows += (size_t)r;
        }
    }
    /* Benjamini-Hochberg over every row of the table, then each row's verdict. */
    if (an_vrows_decide(rows, nrows))
        goto out;
    for (size_t i = 0; i < nrows; i++)
        put_row(t, &rows[i], &cnt);
    for (size_t i = 0; i < sb.n; i++)
        if ((!a.filter || match_filter(a.filter, sb.b[i].name)) && !an_set_find(&sa, sb.b[i].name))
            cnt.only_b++;
    if (cnt.both == 0) {
        vb_err("analyze compare: no benchmark measured on both sides ('%s': %zu, '%s': %zu)",
               pos[0], sa.n, pos[1], sb.n);
        goto out;
    }
    meta =
        json_pack("{s:s, s:s, s:s, s:I, s:I, s:f, s:f, s:f, s:s, s:s, s:s, s:s?, s:s?, "
                  "s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}}",
                  "command", "compare", "a", pos[0], "b", pos[1], "runs_a", (json_int_t)sa.nruns,
                  "runs_b", (json_int_t)sb.nruns, "alpha", a.alpha, "confidence", a.conf / 100,
                  "min_change_pct", a.min_change, "unit", "repetition", "test",
                  "welch-t on log values", "correction", "benjamini-hochberg", "pairings_a",
                  sa.nids > 1 ? sa.ids : NULL, "pairings_b", sb.nids > 1 ? sb.ids : NULL, "summary",
                  "benchmarks", (json_int_t)cnt.both, "rows", (json_int_t)nrows, "regressed",
                  (json_int_t)cnt.regressed, "improved", (json_int_t)cnt.improved, "no_change",
                  (json_int_t)cnt.same, "inconclusive", (json_int_t)cnt.inconclusive, "unstable",
                  (json_int_t)cnt.unstable, "only_a", (json_int_t)cnt.only_a, "only_b",
                  (json_int_t)cnt.only_b, "skipped", (json_int_t)cnt.skipped);
    if (!(f = an_out_open(c.cmd, a.out)))
        goto out;
    if (fmt == AF_CONSOLE || fmt == AF_MD || fmt == AF_HTML) {
        /* People get the short columns; machines (CSV, JSON) get all of them. */
        static const int show[] = {C_BENCH, C_METRIC, C_A,  C_B,       C_CHANGE, C_CI,
                                   C_Q,     C_NA,     C_NB, C_VERDICT, C_WHY};
        enum { NSHOW = sizeof(show) / sizeof(show[0]) };
        const char *k2[NSHOW], *h2[NSHOW];
        for (int i = 0; i < NSHOW; i++) {
            k2[i] = keys[show[i]];
            h2[i] = heads[show[i]];
        }
        if (!(console = an_table_new("rows", "", NSHOW, k2, h2)))
            goto out;
        for (size_t r = 0; r < t->nrows; r++) {
            long row = an_table_row(console);
            for (int i = 0; i < NSHOW; i++) {
                const struct an_cell *x = &t->cells[r * NCOLS + (size_t)show[i]];
                if (x->isnum)
                    an_table_num(console, row, i, x->num, x->text);
                else
                    an_table_str(console, row, i, "%s", x->text ? x->text : "");
            }
        }
        an_report_write(f, fmt, "viobench compare", meta, &console, 1);
    } else {
        an_report_write(f, fmt, "viobench compare", meta, &t, 1);
    }
    if (fmt == AF_CONSOLE) {
        fprintf(f,
                "\ncompare: %ld benchmarks on both sides (A: %s, %zu run%s; B: %s, %zu run%s): "
                "%ld regressed, %ld improved, %ld no significant change, %ld inconclusive, %ld "
                "unstable; %ld only in A, %ld only in B\n",
                cnt.both, pos[0], sa.nruns, sa.nruns == 1 ? "" : "s", pos[1], sb.nruns,
                sb.nruns == 1 ? "" : "s", cnt.regressed, cnt.improved, cnt.same, cnt.inconclusive,
                cnt.unstable, cnt.only_a, cnt.only_b);
        fprintf(f,
                "(unit: the repetition, each weighing the same, or the run where a side's runs "
                "differ more than their repetitions explain or other stored runs of the "
                "pairing measure their scatter; values are geometric means; "
                "Welch's t on logs, p adjusted over the %zu rows by Benjamini-Hochberg, alpha "
                "%.3g, min-change %.3g%%)\n",
                nrows, a.alpha, a.min_change);
        if (cnt.drift_none || cnt.drift_hist) {
            const char *who = sa.nruns < 2 && sb.nruns < 2 ? "each side is"
                              : sa.nruns < 2               ? "A is"
                                                           : "B is";
            if (cnt.drift_none)
                fprintf(f,
                        "note: %s one run, and the store holds no other runs of its pairing: "
                        "how far runs drift apart is not measured, so %ld row%s %s not called; "
                        "compare 2 or more runs a side, taken in turn (A B A B ...), or collect "
                        "earlier runs of the pairing\n",
                        who, cnt.drift_none, cnt.drift_none == 1 ? "" : "s",
                        cnt.drift_none == 1 ? "is" : "are");
            if (cnt.drift_hist)
                fprintf(f,
                        "note: with %zu and %zu run%s a side, %ld row%s decided with runs as the "
                        "unit, against the scatter of up to %d runs of the pairing (the sides' "
                        "own and the store's newest %d a side with the same options)\n",
                        sa.nruns, sb.nruns, sb.nruns == 1 ? "" : "s", cnt.drift_hist,
                        cnt.drift_hist == 1 ? " is" : "s are", cnt.drift_runs, AN_DRIFT_RUNS);
        }
    }
    for (int s = 0; s < 2; s++) {
        const struct an_set *x = s ? &sb : &sa;
        if (x->nids > 1) {
            fprintf(fmt == AF_CONSOLE ? f : stderr,
                    "note: %s merges runs of %d pairings or option sets (each repetition weighs "
                    "the same; compare them apart to see each):\n",
                    s ? "B" : "A", x->nids);
            int shown = 0;
            for (const char *q = x->ids; *q && shown < 8; shown++) {
                size_t l = strcspn(q, "\n");
                fprintf(fmt == AF_CONSOLE ? f : stderr, "  %.*s\n", (int)l, q);
                q += l + (q[l] == '\n');
            }
            if (x->nids > shown)
                fprintf(fmt == AF_CONSOLE ? f : stderr, "  ... and %d more\n", x->nids - shown);
        }
    }
    if (an_out_close(f, c.cmd, a.out))
        goto out;
    ret = a.fail && cnt.regressed ? 1 : 0;
    if (a.fail && cnt.nodata) {
        /* a gate must not pass what it could not check */
        vb_err("analyze compare: --fail-on-regression: %ld row%s could not be judged (fewer "
               "than 3 repetitions a side, or one run a side and no stored runs of its "
               "pairing): failing rather than passing them unchecked",
               cnt.nodata, cnt.nodata == 1 ? "" : "s");
        ret = 1;
    }
out:
    for (size_t i = 0; i < nrows; i++) {
        an_vrow_free(&rows[i]);
    }
    free(rows);
    json_decref(meta);
    an_table_free(t);
    an_table_free(console);
    an_set_free(&sa);
    an_set_free(&sb);
    an_drift_free(&drift);
    an_ctx_free(&c);
    return ret;
}
