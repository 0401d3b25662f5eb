/*
 * `viobench analyze compare A B`: per benchmark present on both sides, the change of the
 * median, p99 and (where samples allow) p99.9 from B's point of view, with
 *   - a bootstrap confidence interval of the change computed from the histograms
 *     (bootstrap.c: exact for percentiles, delta method for means, Monte-Carlo over
 *     repetitions with a fixed seed for figures that have no histogram), and
 *   - a two-sided Mann-Whitney U test over the per-repetition values (stats.c), as
 *     Google Benchmark's compare.py runs it.
 * Decision rule, per row: the change is significant when the CI excludes 0, and, when the
 * U test can reach alpha at all with these repetition counts (its smallest p-value
 * 2/C(n1+n2, n1) is below alpha: at least 4 + 4 repetitions, or 3 + 5 ...), also the U
 * test's p < alpha; with no CI the U test decides alone; and |change| >= --min-change.
 * A significant change is "regressed" when it is worse (higher latency, lower throughput)
 * and "improved" otherwise; everything else is "no significant change" ("no test" when
 * neither a CI nor a usable U test exists).
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
    int resamples, fail;
} a;

static const struct opt compare_opts[] = {
    {"db", 0, OPT_STR, &a.db, "FILE", "the store (default " STORE_DEFAULT_PATH ")"},
    {"metric", 'm', OPT_STR, &a.metrics, "LIST",
     "metrics to compare, comma-separated: p50, p90, p99, p99.9, p99.99, mean, max, "
     "real_time, cpu_time, iops, bandwidth (default: p50,p99,p99.9 with histograms, "
     "real_time without)"},
    {"filter", 'f', OPT_STR, &a.filter, "PATTERN", "benchmarks to compare (globs, -excluded)"},
    {"alpha", 0, OPT_STR, &a.alpha_s, "P", "U test significance level (default 0.05, or 5%)"},
    {"confidence", 0, OPT_STR, &a.conf_s, "LEVEL", "confidence level of the CI (default 95%)"},
    {"min-change", 0, OPT_PERCENT, &a.min_change, "PCT",
     "smallest change called a regression or improvement (default 2%)"},
    {"resamples", 0, OPT_INT, &a.resamples, "N",
     "Monte-Carlo resamples for repetition-level figures (default 2000)"},
    {"fail-on-regression", 0, OPT_FLAG, &a.fail, NULL, "exit 1 when a row regressed"},
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
        "'version=6.1.*'; runs selected are merged). For every benchmark on both sides: the\n"
        "values, the change, its bootstrap CI from the histograms, the Mann-Whitney U p-value\n"
        "over repetitions and a verdict: improved, regressed or no significant change.",
    .examples =
        "  viobench analyze compare results/run-a results/run-b\n"
        "  viobench analyze compare 20261125-0101 20261126-0101 --format markdown\n"
        "  viobench analyze compare 'hypervisor=kvm guest_os=rhel' "
        "'hypervisor=hyperv guest_os=rhel'\n"
        "  viobench analyze compare kernel=6.1.0-17-amd64 kernel=6.1.0-18-amd64 -m p99,iops",
    .more = "EXIT STATUS\n  0 compared (1 with --fail-on-regression when a row regressed), 1 an "
            "input could\n  not be read, 2 usage error.",
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
    C_P,
    C_NA,
    C_NB,
    C_SA,
    C_SB,
    C_CIM,
    C_UM,
    C_VERDICT,
    NCOLS
};

struct counts {
    long both, regressed, improved, same, notest, only_a, only_b, skipped, no_u;
};

/* Half the relative width of the histogram bucket holding v: how far the reported midpoint
   may be from the value itself (at most 1/256). */
static double half_width(double v)
{
    int b = hist_bucket_of(v);
    if (b < 0 || b >= HIST_NBUCKETS - 1)
        return 0;
    return (hist_bucket_low(b + 1) - hist_bucket_low(b)) / 2 / v;
}

static void fmt_pct(double v, char *buf, size_t len)
{
    if (!isfinite(v))
        snprintf(buf, len, "-");
    else
        snprintf(buf, len, "%+.1f%%", v * 100);
}

/* Metrics compared for one benchmark: the user's list, or the default. */
static int pick_metrics(const struct an_bench *x, const struct an_bench *y, const int *want,
                        int nwant, int *out)
{
    int n = 0;
    if (nwant) {
        for (int i = 0; i < nwant; i++)
            out[n++] = want[i];
        return n;
    }
    if (x->hist && y->hist) {
        double nmin = fmin((double)x->hist->count, (double)y->hist->count);
        out[n++] = AM_P50;
        /* A percentile needs at least 10 values above it on each side. */
        if (nmin * 0.01 >= 10)
            out[n++] = AM_P99;
        if (nmin * 0.001 >= 10)
            out[n++] = AM_P999;
        return n;
    }
    out[n++] = AM_REAL;
    return n;
}

static int compare_metric(struct an_table *t, const struct an_bench *x, const struct an_bench *y,
                          int m, struct counts *cnt)
{
    double va = an_bench_value(x, m), vb = an_bench_value(y, m), change, lo = NAN, hi = NAN;
    double level = a.conf / 100, *ra = NULL, *rb = NULL;
    const char *cim = "none", *um = "n/a", *verdict;
    struct an_mwu u = {.p = NAN};
    int na = an_bench_reps(x, m, NULL, 0), nb = an_bench_reps(y, m, NULL, 0), uses_u = 0;
    int ret = -1, hist_metric = an_metrics[m].pct > 0 && an_metrics[m].pct < 100;
    char b1[64], b2[64], b3[64];
    long row;

    if (!isfinite(va) || !isfinite(vb))
        return 0; /* this metric does not exist on one side */
    change = va > 0 ? vb / va - 1 : NAN;
    if (!(ra = malloc(sizeof(double) * (size_t)(na + 1))) ||
        !(rb = malloc(sizeof(double) * (size_t)(nb + 1))))
        goto out;
    an_bench_reps(x, m, ra, na);
    an_bench_reps(y, m, rb, nb);
    if (x->hist && y->hist && hist_metric) {
        struct an_dist da, db;
        if (an_boot_percentile(x->hist, an_metrics[m].pct, &da) == 0) {
            if (an_boot_percentile(y->hist, an_metrics[m].pct, &db) == 0) {
                an_change_ci(&da, &db, level, &lo, &hi);
                an_dist_free(&db);
                cim = "exact-bootstrap";
                /* Percentiles are bucket midpoints: widen the interval by both sides'
                   bucket resolution, so a change within one bucket is never "certain". */
                if (isfinite(lo)) {
                    double r = half_width(va) + half_width(vb);
                    lo -= (1 + lo) * r;
                    hi += (1 + hi) * r;
                }
            }
            an_dist_free(&da);
        }
    } else if (x->hist && y->hist && m == AM_MEAN) {
        an_mean_change_ci(x->hist, y->hist, level, &lo, &hi);
        cim = "normal-bootstrap";
    } else if (na >= 2 && nb >= 2) {
        an_boot_reps_ci(ra, na, rb, nb, a.resamples, AN_BOOT_SEED, level, &lo, &hi);
        change = an_reps_change(ra, na, rb, nb);
        cim = "bootstrap-reps";
    }
    if (na >= 1 && nb >= 1 && an_mwu(ra, na, rb, nb, &u) == 0) {
        um = u.exact ? "exact" : "asymptotic";
        uses_u = u.pmin < a.alpha;
        cnt->no_u += !uses_u;
    }
    {
        int have_ci = isfinite(lo) && isfinite(hi), sig;
        double worse = an_metrics[m].higher_better ? -change : change;
        if (have_ci)
            sig = (lo > 0 || hi < 0) && (!uses_u || u.p < a.alpha);
        else
            sig = uses_u && u.p < a.alpha;
        sig = sig && fabs(change) * 100 >= a.min_change;
        if (!have_ci && !uses_u) {
            verdict = "no test";
            cnt->notest++;
        } else if (!sig) {
            verdict = "no significant change";
            cnt->same++;
        } else if (worse > 0) {
            verdict = "regressed";
            cnt->regressed++;
        } else {
            verdict = "improved";
            cnt->improved++;
        }
    }
    if ((row = an_table_row(t)) < 0)
        goto out;
    an_table_str(t, row, C_BENCH, "%s", x->name);
    an_table_str(t, row, C_METRIC, "%s", an_metrics[m].name);
    an_table_num(t, row, C_A, va, an_fmt_value(m, va, b1, sizeof(b1)));
    an_table_num(t, row, C_B, vb, an_fmt_value(m, vb, b2, sizeof(b2)));
    fmt_pct(change, b1, sizeof(b1));
    an_table_num(t, row, C_CHANGE, change * 100, b1);
    fmt_pct(lo, b2, sizeof(b2));
    fmt_pct(hi, b3, sizeof(b3));
    if (isfinite(lo))
        an_table_str(t, row, C_CI, "[%s, %s]", b2, b3);
    else
        an_table_str(t, row, C_CI, "-");
    an_table_num(t, row, C_LO, lo * 100, b2);
    an_table_num(t, row, C_HI, hi * 100, b3);
    if (isfinite(u.p))
        snprintf(b1, sizeof(b1), "%.4f%s", u.p, uses_u ? "" : "*");
    else
        snprintf(b1, sizeof(b1), "-");
    an_table_num(t, row, C_P, u.p, b1);
    snprintf(b1, sizeof(b1), "%d", na);
    an_table_num(t, row, C_NA, na, b1);
    snprintf(b1, sizeof(b1), "%d", nb);
    an_table_num(t, row, C_NB, nb, b1);
    snprintf(b1, sizeof(b1), "%llu", x->hist ? (unsigned long long)x->hist->count : 0ULL);
    an_table_num(t, row, C_SA, x->hist ? (double)x->hist->count : NAN, b1);
    snprintf(b1, sizeof(b1), "%llu", y->hist ? (unsigned long long)y->hist->count : 0ULL);
    an_table_num(t, row, C_SB, y->hist ? (double)y->hist->count : NAN, b1);
    an_table_str(t, row, C_CIM, "%s", cim);
    an_table_str(t, row, C_UM, "%s", um);
    an_table_str(t, row, C_VERDICT, "%s", verdict);
    ret = 0;
out:
    free(ra);
    free(rb);
    return ret;
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
    static const char *const keys[NCOLS] = {"benchmark",  "metric",    "a",          "b",
                                            "change_pct", "ci",        "ci_low_pct", "ci_high_pct",
                                            "u_pvalue",   "reps_a",    "reps_b",     "samples_a",
                                            "samples_b",  "ci_method", "u_method",   "verdict"};
    const char *heads[NCOLS] = {"benchmark", "metric",    "A",      "B",      "change", "CI",
                                "low",       "high",      "U p",    "reps A", "reps B", "samples A",
                                "samples B", "CI method", "U test", "verdict"};
    const char *pos[2];
    struct an_ctx c = {.cmd = "analyze compare"};
    struct an_set sa = {0}, sb = {0};
    struct an_table *t = NULL, *console = NULL;
    struct counts cnt = {0};
    int npos, ret, fmt, want[AM_NMETRICS], nwant;
    char ci_head[32];
    json_t *meta = NULL;
    FILE *f = NULL;

    memset(&a, 0, sizeof(a));
    a.alpha = 0.05;
    a.conf = 95;
    a.min_change = 2;
    a.resamples = AN_BOOT_RESAMPLES;
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
    if (!(a.alpha > 0 && a.alpha < 1) || !(a.conf > 0 && a.conf < 100) || a.min_change < 0 ||
        a.resamples < 10 || a.resamples > 1000000) {
        vb_err("analyze compare: --alpha, --confidence, --min-change or --resamples out of "
               "range");
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
    if (an_load_spec(&c, pos[0], &sa) || an_load_spec(&c, pos[1], &sb))
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
        nm = pick_metrics(x, y, want, nwant, ms);
        for (int k = 0; k < nm; k++)
            if (compare_metric(t, x, y, ms[k], &cnt))
                goto out;
    }
    for (size_t i = 0; i < sb.n; i++)
        if ((!a.filter || match_filter(a.filter, sb.b[i].name)) && !an_set_find(&sa, sb.b[i].name))
            cnt.only_b++;
    if (cnt.both == 0) {
        vb_err("analyze compare: no benchmark measured on both sides ('%s': %zu, '%s': %zu)",
               pos[0], sa.n, pos[1], sb.n);
        goto out;
    }
    meta = json_pack("{s:s, s:s, s:s, s:I, s:I, s:f, s:f, s:f, s:{s:I, s:I, s:I, s:I, s:I, s:I, "
                     "s:I, s:I}}",
                     "command", "compare", "a", pos[0], "b", pos[1], "runs_a", (json_int_t)sa.nruns,
                     "runs_b", (json_int_t)sb.nruns, "alpha", a.alpha, "confidence", a.conf / 100,
                     "min_change_pct", a.min_change, "summary", "benchmarks", (json_int_t)cnt.both,
                     "regressed", (json_int_t)cnt.regressed, "improved", (json_int_t)cnt.improved,
                     "no_change", (json_int_t)cnt.same, "no_test", (json_int_t)cnt.notest, "only_a",
                     (json_int_t)cnt.only_a, "only_b", (json_int_t)cnt.only_b, "skipped",
                     (json_int_t)cnt.skipped);
    if (!(f = an_out_open(c.cmd, a.out)))
        goto out;
    if (fmt == AF_CONSOLE || fmt == AF_MD || fmt == AF_HTML) {
        /* People get the short columns; machines (CSV, JSON) get all of them. */
        static const int show[] = {C_BENCH, C_METRIC, C_A,  C_B,  C_CHANGE,
                                   C_CI,    C_P,      C_NA, C_NB, C_VERDICT};
        const char *k2[10], *h2[10];
        for (int i = 0; i < 10; i++) {
            k2[i] = keys[show[i]];
            h2[i] = heads[show[i]];
        }
        if (!(console = an_table_new("rows", "", 10, k2, h2)))
            goto out;
        for (size_t r = 0; r < t->nrows; r++) {
            long row = an_table_row(console);
            for (int i = 0; i < 10; i++) {
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
    if (fmt == AF_CONSOLE)
        fprintf(f,
                "\ncompare: %ld benchmarks on both sides (A: %s, %zu run%s; B: %s, %zu run%s): "
                "%ld regressed, %ld improved, %ld no significant change%s%s; %ld only in A, %ld "
                "only in B\n",
                cnt.both, pos[0], sa.nruns, sa.nruns == 1 ? "" : "s", pos[1], sb.nruns,
                sb.nruns == 1 ? "" : "s", cnt.regressed, cnt.improved, cnt.same,
                cnt.notest ? ", no test possible: " : "", cnt.notest ? "some" : "", cnt.only_a,
                cnt.only_b);
    if (fmt == AF_CONSOLE && cnt.no_u)
        fprintf(f,
                "(* the U test cannot reach alpha %.3g with these repetitions: the CI decides "
                "alone)\n",
                a.alpha);
    if (an_out_close(f, c.cmd, a.out))
        goto out;
    ret = a.fail && cnt.regressed ? 1 : 0;
out:
    json_decref(meta);
    an_table_free(t);
    an_table_free(console);
    an_set_free(&sa);
    an_set_free(&sb);
    an_ctx_free(&c);
    return ret;
}
