/*
 * `viobench analyze trend --by KEY`: one series per benchmark x pairing along the values of
 * a version key (trend.c), and the change points E-divisive means finds in each
 * (edivisive.c) and confirms over the repetitions (trend.c), each reported with the
 * version where it starts, the direction (regression or improvement: lower is better for
 * latencies, higher for throughput), the magnitude and the p-value; near-misses (p under
 * 0.05 but not under --pvalue) are listed apart, and JSON/CSV carry every point's values.
 */
#include "analyze.h"
#include "log.h"
#include "opt.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_WORDS 256

static struct {
    const char *db, *by, *metric, *filter, *group, *since, *until, *format, *out, *pvalue;
    double min_change;
    int min_seg, all, fail;
} a;

static const struct opt trend_opts[] = {
    {"by", 'b', OPT_STR, &a.by, "KEY",
     "the x axis: a version key (kernel, hypervisor_version, guest_version, tool_version, a "
     "*version label) or any key; required"},
    {"db", 0, OPT_STR, &a.db, "DB",
     "the store: SQLite file (default " STORE_DEFAULT_PATH ") or PostgreSQL URI"},
    {"metric", 'm', OPT_STR, &a.metric, "NAME",
     "figure of each point: p50, p90, p99, p99.9, mean, max, real_time, iops, bandwidth "
     "(default p50, and real_time for rows without histograms)"},
    {"filter", 'f', OPT_STR, &a.filter, "PATTERN", "benchmarks (globs, -excluded)"},
    {"group", 'g', OPT_STR, &a.group, "KEYS",
     "keys that make a pairing, comma-separated (default hypervisor,guest,guest_os,cpu_model,"
     "clocksource: the pairing identity without versions)"},
    {"pvalue", 0, OPT_STR, &a.pvalue, "P",
     "threshold of the test over the repetitions either side of a change (default 0.001)"},
    {"min-change", 0, OPT_PERCENT, &a.min_change, "PCT",
     "smallest change reported (default 0%: any significant one)"},
    {"min-points", 0, OPT_INT, &a.min_seg, "N",
     "points needed on each side of a change (default 3)"},
    {"since", 0, OPT_STR, &a.since, "DATE", "runs started on or after DATE"},
    {"until", 0, OPT_STR, &a.until, "DATE", "runs started on or before DATE"},
    {"all", 0, OPT_FLAG, &a.all, NULL, "also list every series (console and Markdown)"},
    {"fail-on-regression", 0, OPT_FLAG, &a.fail, NULL, "exit 1 when a regression was found"},
    {"format", 0, OPT_STR, &a.format, "FMT", "console (default), csv, json, markdown, html"},
    {"out", 'o', OPT_STR, &a.out, "FILE", "write the report to FILE (default stdout)"},
    {NULL},
};

static const struct cmd_help trend_help = {
    .name = "viobench analyze trend",
    .usage = "--by KEY [OPTIONS] [SELECTOR...|RUN...]",
    .summary =
        "Draw one series per benchmark x pairing along the values of KEY (semantic-version order\n"
        "when every value is a version, else the date of the first run with the value; a\n"
        "point is the median of that value's runs and repetitions) and find the change points:\n"
        "E-divisive means over the points places a change, Welch's t over every repetition\n"
        "either side confirms it (over the points instead when versions scatter more than\n"
        "their repetitions explain). Near-misses are listed. Without --metric, rows with no\n"
        "p50 use real_time. Selectors (KEY=GLOB) choose the runs; none selects the whole\n"
        "store. See docs/verdicts.md.",
    .examples = "  viobench analyze trend --by kernel hypervisor=kvm\n"
                "  viobench analyze trend --by hypervisor_version --metric p99 --filter 'net/*'\n"
                "  viobench analyze trend --by qemu_version --format json --out trend.json\n"
                "  viobench analyze trend --by kernel --fail-on-regression --pvalue 0.0001",
    .more = "EXIT STATUS\n  0 done (1 with --fail-on-regression when a regression was found), 1 "
            "no data or\n  the store failed, 2 usage error.",
};

enum {
    P_BENCH,
    P_PAIRING,
    P_VERSION,
    P_PREV,
    P_BEFORE,
    P_AFTER,
    P_CHANGE,
    P_DIR,
    P_P,
    P_Q,
    P_NCOLS
};
enum { S_BENCH, S_PAIRING, S_METRIC, S_POINTS, S_FIRST, S_LAST, S_VALUE, S_NCP, S_NCOLS };
enum { T_BENCH, T_PAIRING, T_METRIC, T_VERSION, T_VALUE, T_N, T_VALUES, T_NCOLS };

static int add_cp_rows(struct an_table *t, const struct an_trend *tr, const struct an_series *s,
                       const struct an_cp *cps, int ncp, long *regs, long *imps)
{
    char b1[64], b2[64];
    for (int k = 0; k < ncp; k++) {
        const struct an_cp *cp = &cps[k];
        double change = cp->before != 0 ? cp->after / cp->before - 1 : NAN;
        int worse = an_metrics[s->metric].higher_better ? change < 0 : change > 0;
        long r = an_table_row(t);
        if (r < 0)
            return -1;
        *(worse ? regs : imps) += 1;
        an_table_str(t, r, P_BENCH, "%s", s->bench);
        an_table_str(t, r, P_PAIRING, "%s", s->group);
        an_table_str(t, r, P_VERSION, "%s", AN_SERIES_VERSION(tr, s, cp->index));
        an_table_str(t, r, P_PREV, "%s", AN_SERIES_VERSION(tr, s, cp->index - 1));
        an_table_num(t, r, P_BEFORE, cp->before, an_fmt_value(s->metric, cp->before, b1, 64));
        an_table_num(t, r, P_AFTER, cp->after, an_fmt_value(s->metric, cp->after, b2, 64));
        snprintf(b1, sizeof(b1), "%+.1f%%", change * 100);
        an_table_num(t, r, P_CHANGE, change * 100, b1);
        an_table_str(t, r, P_DIR, "%s", worse ? "regression" : "improvement");
        snprintf(b1, sizeof(b1), "%.2g", cp->p);
        an_table_num(t, r, P_P, cp->p, b1);
        snprintf(b1, sizeof(b1), "%.3g", cp->q);
        an_table_num(t, r, P_Q, cp->q, b1);
    }
    return 0;
}

int an_cmd_trend(int argc, char **argv)
{
    static const char *const pkeys[P_NCOLS] = {"benchmark", "pairing", "version",    "previous",
                                               "before",    "after",   "change_pct", "direction",
                                               "pvalue",    "energy"};
    static const char *const pheads[P_NCOLS] = {"benchmark", "pairing", "from version", "previous",
                                                "before",    "after",   "change",       "direction",
                                                "p",         "energy"};
    static const char *const skeys[S_NCOLS] = {
        "benchmark", "pairing", "metric", "points", "first", "last", "last_value", "change_points"};
    static const char *const sheads[S_NCOLS] = {"benchmark", "pairing", "metric",     "points",
                                                "first",     "last",    "last value", "changes"};
    static const char *const tkeys[T_NCOLS] = {"benchmark", "pairing", "metric", "version",
                                               "value",     "n",       "values"};
    static const char *const theads[T_NCOLS] = {"benchmark", "pairing", "metric", "version",
                                                "value",     "n",       "values"};
    long nregs = 0, nimps = 0;
    const char *pos[MAX_WORDS];
    struct an_ctx c = {.cmd = "analyze trend"};
    struct an_trend_opts o = {0};
    struct an_trend tr = {0};
    struct an_table *tabs[4] = {NULL, NULL, NULL, NULL};
    long regs = 0, imps = 0;
    int npos, ret, fmt, ntabs;
    json_t *meta = NULL;
    FILE *f;
    char title[256];

    memset(&a, 0, sizeof(a));
    a.min_seg = 3;
    ret = opt_parse(trend_opts, &trend_help, argc, argv, pos, MAX_WORDS, &npos);
    if (ret)
        return ret == 1 ? 0 : 2;
    if (!a.by) {
        vb_err("analyze trend: --by KEY is required (e.g. --by kernel; see --help)");
        return 2;
    }
    o.by = a.by;
    o.group = a.group;
    o.filter = a.filter;
    o.metric = an_metric_parse(a.metric ? a.metric : "p50");
    o.metric_default = !a.metric;
    o.cp.pvalue = 0.001;
    o.cp.min_rel = a.min_change / 100;
    o.cp.min_seg = a.min_seg;
    if (o.metric < 0) {
        vb_err("analyze trend: --metric: unknown metric '%s'", a.metric);
        return 2;
    }
    if (a.pvalue &&
        (an_parse_frac(a.pvalue, &o.cp.pvalue) || !(o.cp.pvalue > 0 && o.cp.pvalue < 1))) {
        vb_err("analyze trend: --pvalue: '%s' is not a probability in (0, 1)", a.pvalue);
        return 2;
    }
    if (a.min_seg < 1 || a.min_seg > 1000) {
        vb_err("analyze trend: --min-points: %d is out of range (1 to 1000)", a.min_seg);
        return 2;
    }
    if ((fmt = an_fmt_parse(a.format ? a.format : "console")) < 0) {
        vb_err("analyze trend: --format: unknown format '%s' (console, csv, json, markdown, html)",
               a.format);
        return 2;
    }
    c.db = a.db;
    ret = 1;
    if (an_store(&c))
        goto out;
    if (!an_key_known(&c, a.by)) {
        vb_err("analyze trend: --by: unknown key '%s' (no stored run has it; e.g. kernel, "
               "hypervisor_version, guest_version, tool_version or a label)",
               a.by);
        goto out;
    }
    if (an_trend_build(&c, pos, npos, a.since, a.until, &o, &tr))
        goto out;
    snprintf(title, sizeof(title), "Change points of %s along %s", an_metrics[o.metric].name, a.by);
    tabs[0] = an_table_new("change_points", "", P_NCOLS, pkeys, pheads);
    tabs[1] = an_table_new("near_misses", "Near-misses (p < 0.05, not significant)", P_NCOLS, pkeys,
                           pheads);
    tabs[2] = an_table_new("series", "Series", S_NCOLS, skeys, sheads);
    tabs[3] = an_table_new("points", "Points", T_NCOLS, tkeys, theads);
    if (!tabs[0] || !tabs[1] || !tabs[2] || !tabs[3])
        goto out;
    for (size_t i = 0; i < tr.nseries; i++) {
        const struct an_series *s = &tr.s[i];
        char b1[64], b2[32];
        long r;
        if (add_cp_rows(tabs[0], &tr, s, s->cp, s->ncp, &regs, &imps) ||
            add_cp_rows(tabs[1], &tr, s, s->near, s->nnear, &nregs, &nimps) ||
            (r = an_table_row(tabs[2])) < 0)
            goto out;
        for (int k = 0; k < s->n; k++) {
            long pr = an_table_row(tabs[3]);
            char *vs = malloc((size_t)s->nvals[k] * 24 + 1);
            if (pr < 0 || !vs) {
                free(vs);
                goto out;
            }
            vs[0] = 0;
            for (int j = 0; j < s->nvals[k]; j++)
                sprintf(vs + strlen(vs), "%s%.6g", j ? " " : "", s->vals[s->off[k] + j]);
            an_table_str(tabs[3], pr, T_BENCH, "%s", s->bench);
            an_table_str(tabs[3], pr, T_PAIRING, "%s", s->group);
            an_table_str(tabs[3], pr, T_METRIC, "%s", an_metrics[s->metric].name);
            an_table_str(tabs[3], pr, T_VERSION, "%s", AN_SERIES_VERSION(&tr, s, k));
            an_table_num(tabs[3], pr, T_VALUE, s->y[k],
                         an_fmt_value(s->metric, s->y[k], b1, sizeof(b1)));
            snprintf(b2, sizeof(b2), "%d", s->nvals[k]);
            an_table_num(tabs[3], pr, T_N, s->nvals[k], b2);
            an_table_str(tabs[3], pr, T_VALUES, "%s", vs);
            free(vs);
        }
        r = an_table_row(tabs[2]);
        an_table_str(tabs[2], r, S_BENCH, "%s", s->bench);
        an_table_str(tabs[2], r, S_PAIRING, "%s", s->group);
        an_table_str(tabs[2], r, S_METRIC, "%s", an_metrics[s->metric].name);
        snprintf(b2, sizeof(b2), "%d", s->n);
        an_table_num(tabs[2], r, S_POINTS, s->n, b2);
        an_table_str(tabs[2], r, S_FIRST, "%s", AN_SERIES_VERSION(&tr, s, 0));
        an_table_str(tabs[2], r, S_LAST, "%s", AN_SERIES_VERSION(&tr, s, s->n - 1));
        an_table_num(tabs[2], r, S_VALUE, s->y[s->n - 1],
                     an_fmt_value(s->metric, s->y[s->n - 1], b1, sizeof(b1)));
        snprintf(b2, sizeof(b2), "%d", s->ncp);
        an_table_num(tabs[2], r, S_NCP, s->ncp, b2);
    }
    meta = json_pack("{s:s, s:s, s:s, s:s, s:i, s:I, s:I, s:I, s:f, s:f, s:i, s:I, s:I, s:I, s:I, "
                     "s:s}",
                     "command", "trend", "by", a.by, "metric", an_metrics[o.metric].name, "order",
                     tr.semver ? "semantic version" : "date of first run", "versions", tr.nversions,
                     "nseries", (json_int_t)tr.nseries, "runs", (json_int_t)tr.runs_used,
                     "runs_without_key", (json_int_t)tr.runs_without_key, "pvalue", o.cp.pvalue,
                     "min_change_pct", a.min_change, "min_points", a.min_seg, "regressions",
                     (json_int_t)regs, "improvements", (json_int_t)imps, "near_misses",
                     (json_int_t)(nregs + nimps), "series_on_real_time", (json_int_t)tr.nfallback,
                     "test", "e-divisive on points, welch-t on log repetitions");
    if (!(f = an_out_open(c.cmd, a.out)))
        goto out;
    {
        /* machines get every table; people the change points, near-misses when there are
           some, and with --all the series */
        struct an_table *show[4];
        ntabs = 0;
        show[ntabs++] = tabs[0];
        if (fmt == AF_CSV || fmt == AF_JSON || tabs[1]->nrows)
            show[ntabs++] = tabs[1];
        if (fmt == AF_CSV || fmt == AF_JSON || a.all)
            show[ntabs++] = tabs[2];
        if (fmt == AF_CSV || fmt == AF_JSON)
            show[ntabs++] = tabs[3];
        if (fmt == AF_CONSOLE && tabs[0]->nrows == 0 && !tabs[1]->nrows && !a.all)
            fprintf(f, "no change points\n");
        else if (fmt == AF_CONSOLE && tabs[0]->nrows == 0)
            an_report_write(f, fmt, title, meta, show + 1, ntabs - 1);
        else
            an_report_write(f, fmt, title, meta, show, ntabs);
    }
    if (fmt == AF_CONSOLE) {
        fprintf(f,
                "\ntrend: %zu series (benchmark x pairing) over %d values of %s (%s order), "
                "%ld runs%s; %ld change points: %ld regressions, %ld improvements (p < %g over "
                "the repetitions either side); %ld near-misses\n",
                tr.nseries, tr.nversions, a.by, tr.semver ? "semantic version" : "date",
                tr.runs_used, tr.runs_without_key ? " (others lack the key)" : "", regs + imps,
                regs, imps, o.cp.pvalue, nregs + nimps);
        if (tr.nfallback)
            fprintf(f,
                    "(%zu series have no %s (no histograms, e.g. Google Benchmark programs): "
                    "they use real_time)\n",
                    tr.nfallback, an_metrics[o.metric].name);
    }
    if (an_out_close(f, c.cmd, a.out))
        goto out;
    ret = a.fail && regs ? 1 : 0;
out:
    json_decref(meta);
    for (int i = 0; i < 4; i++)
        an_table_free(tabs[i]);
    an_trend_free(&tr);
    an_ctx_free(&c);
    return ret;
}
