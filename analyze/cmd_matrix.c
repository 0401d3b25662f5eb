/*
 * `viobench analyze matrix`: the host x guest pairing matrix, the certification table of a
 * release gate or a vendor cross-certification. Rows are hypervisors and their versions,
 * columns guest OSes and their versions (both configurable keys, resolved by the pairing
 * identity's rule, identity.c: the inventory labels host_hypervisor/host_hypervisor_version
 * that scripts/matrix writes win over the detected hypervisor, because a guest cannot
 * always tell its host; a cell merging several identities is marked *), one table per
 * benchmark; each cell is the headline figure (--metric, default p99) of the runs of that
 * pairing merged, with PASS/FAIL against a budget file (every budget line that applies to
 * the cell) or a single --budget-value. Console, Markdown and a self-contained HTML page
 * show the pivot tables; CSV and JSON give one record per cell.
 */
#include "analyze.h"
#include "log.h"
#include "match.h"
#include "opt.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_WORDS  256
#define DEF_ROWS   "hypervisor,hypervisor_version"
#define DEF_COLS   "guest_os,guest_version"
#define MAX_LABELS 256

static struct {
    const char *db, *bench, *metric, *rows, *cols, *budget, *bvalue, *format, *out, *since, *until;
} a;

static const struct opt matrix_opts[] = {
    {"db", 0, OPT_STR, &a.db, "DB",
     "the store: SQLite file (default " STORE_DEFAULT_PATH ") or PostgreSQL URI"},
    {"benchmark", 'b', OPT_STR, &a.bench, "PATTERN",
     "benchmarks shown, one table each (globs, -excluded; default all)"},
    {"metric", 'm', OPT_STR, &a.metric, "NAME", "headline figure of a cell (default p99)"},
    {"rows", 0, OPT_STR, &a.rows, "KEYS",
     "row keys, comma-separated, a|b for a fallback (default " DEF_ROWS ")"},
    {"cols", 0, OPT_STR, &a.cols, "KEYS", "column keys (default " DEF_COLS ")"},
    {"budget", 0, OPT_STR, &a.budget, "FILE", "PASS/FAIL against this budget file"},
    {"budget-value", 0, OPT_STR, &a.bvalue, "VALUE",
     "PASS/FAIL of the headline figure against VALUE (<= for latencies, >= for iops and "
     "bandwidth)"},
    {"since", 0, OPT_STR, &a.since, "DATE", "runs started on or after DATE"},
    {"until", 0, OPT_STR, &a.until, "DATE", "runs started on or before DATE"},
    {"format", 0, OPT_STR, &a.format, "FMT", "console (default), markdown, html, csv, json"},
    {"out", 'o', OPT_STR, &a.out, "FILE", "write the report to FILE (default stdout)"},
    {NULL},
};

static const struct cmd_help matrix_help = {
    .name = "viobench analyze matrix",
    .usage = "[OPTIONS] [SELECTOR...|RUN...]",
    .summary = "Print the host x guest matrix of the selected runs (none: the whole store): "
               "rows are\nhypervisors and versions (host labels such as host_hypervisor win "
               "over detection),\ncolumns guest OSes and versions, one table per benchmark "
               "that has the metric (empty\nrows and columns hidden), each cell the headline "
               "figure (geometric mean over\nrepetitions) and PASS/FAIL against a budget; a "
               "cell merging several pairings is\nmarked *. See docs/verdicts.md.",
    .examples = "  viobench analyze matrix\n"
                "  viobench analyze matrix --benchmark exit/syscall --metric p99 --budget-value "
                "5us\n"
                "  viobench analyze matrix --budget budgets.txt --format html --out matrix.html\n"
                "  viobench analyze matrix --rows hypervisor --cols guest_os,kernel release=r2",
    .more = "EXIT STATUS\n  0 printed (no cell failed), 1 a cell failed its budget or no data, 2 "
            "usage or\n  budget-file error.",
};

struct cellres {
    double v;
    int status; /* -1 no budget, 0 fail, 1 pass */
    int present, skipped;
    int mixed; /* the cell merges runs of several pairing identities or option sets */
    long runs;
};

/* Label of a group for the row or column keys (the first nrow values or the rest). */
static void label_of(const struct an_group *g, int from, int to, char *buf, size_t len)
{
    buf[0] = 0;
    for (int k = from; k < to; k++)
        if (g->vals[k] && g->vals[k][0])
            snprintf(buf + strlen(buf), len - strlen(buf), "%s%s", buf[0] ? " " : "", g->vals[k]);
    if (!buf[0])
        snprintf(buf, len, "(unknown)");
}

static int index_of(char labels[][256], int *n, const char *l)
{
    for (int i = 0; i < *n; i++)
        if (strcmp(labels[i], l) == 0)
            return i;
    if (*n == MAX_LABELS)
        return -1;
    snprintf(labels[*n], 256, "%s", l);
    return (*n)++;
}

static int count_keys(const char *s)
{
    int n = 1;
    for (; *s; s++)
        n += *s == ',';
    return n;
}

static struct cellres evaluate(const struct an_group *g, const char *bench, int metric,
                               const struct an_budgets *bud, double bvalue)
{
    struct cellres r = {.v = NAN, .status = -1};
    const struct an_bench *x = an_set_find(&g->set, bench);

    if (!x)
        return r;
    r.present = 1;
    r.runs = (long)g->set.nruns;
    r.mixed = g->set.nids > 1;
    if (x->nrows == 0) {
        r.skipped = 1;
        return r;
    }
    r.v = an_bench_value(x, metric);
    if (isfinite(bvalue) && isfinite(r.v))
        r.status = an_metrics[metric].higher_better ? r.v >= bvalue : r.v <= bvalue;
    for (int i = 0; bud && i < bud->n; i++) {
        double v;
        if (!an_budget_applies(&bud->b[i], bench, &g->ri))
            continue;
        v = an_bench_value(x, bud->b[i].metric);
        if (!isfinite(v))
            continue;
        r.status = (r.status != 0) && an_budget_ok(&bud->b[i], v);
    }
    return r;
}

int an_cmd_matrix(int argc, char **argv)
{
    static char rows[MAX_LABELS][256], cols[MAX_LABELS][256];
    static const char *const lkeys[] = {"benchmark", "row",    "column", "metric",
                                        "value",     "status", "runs"};
    const char *pos[MAX_WORDS];
    struct an_ctx c = {.cmd = "analyze matrix"};
    struct an_groups g = {0};
    struct an_budgets bud = {0};
    struct an_table **tabs = NULL, *longt = NULL;
    int npos, ret, fmt, metric, nrows = 0, ncols = 0, nkr, nkc, ntabs = 0, *gr = NULL, *gc = NULL;
    long pass = 0, fail = 0, nmixed = 0, nomet = 0;
    struct cellres *crs = NULL;
    double bvalue = NAN;
    char keys[1024], err[1024];
    struct an_set all = {0};
    json_t *meta = NULL;
    FILE *f;

    memset(&a, 0, sizeof(a));
    ret = opt_parse(matrix_opts, &matrix_help, argc, argv, pos, MAX_WORDS, &npos);
    if (ret)
        return ret == 1 ? 0 : 2;
    if ((metric = an_metric_parse(a.metric ? a.metric : "p99")) < 0) {
        vb_err("analyze matrix: --metric: unknown metric '%s'", a.metric);
        return 2;
    }
    if ((fmt = an_fmt_parse(a.format ? a.format : "console")) < 0) {
        vb_err("analyze matrix: --format: unknown format '%s' (console, markdown, html, csv, "
               "json)",
               a.format);
        return 2;
    }
    if (a.bvalue && an_parse_value(metric, a.bvalue, &bvalue)) {
        vb_err("analyze matrix: --budget-value: bad value '%s' for %s", a.bvalue,
               an_metrics[metric].name);
        return 2;
    }
    if (a.budget && an_budget_load(a.budget, &bud, err, sizeof(err))) {
        vb_err("analyze matrix: budget file %s", err);
        return 2;
    }
    snprintf(keys, sizeof(keys), "%s,%s", a.rows ? a.rows : DEF_ROWS, a.cols ? a.cols : DEF_COLS);
    nkr = count_keys(a.rows ? a.rows : DEF_ROWS);
    nkc = count_keys(a.cols ? a.cols : DEF_COLS);
    /* the keys budget lines select on group too, so that a line meets every run it selects
       (a cell then combines its groups: every status must pass, the worst value shows) */
    for (int i = 0; i < bud.n; i++)
        for (int k = 0; k < bud.b[i].nsel; k++) {
            const char *key = bud.b[i].keys[k], *p = keys;
            size_t kl = strlen(key);
            int seen = 0;
            for (; p && !seen; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
                seen = strncmp(p, key, kl) == 0 && (p[kl] == ',' || !p[kl]);
            if (!seen && strlen(keys) + kl + 2 < sizeof(keys))
                snprintf(keys + strlen(keys), sizeof(keys) - strlen(keys), ",%s", key);
        }
    if (count_keys(keys) > AN_GROUP_KEYS) {
        vb_err("analyze matrix: at most %d row, column and budget selector keys together",
               AN_GROUP_KEYS);
        ret = 2;
        goto out;
    }
    c.db = a.db;
    ret = 2;
    {
        char *copy = strdup(keys), *save = NULL, *tok;
        for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
            if (!an_key_known(&c, tok)) {
                vb_err("analyze matrix: --rows/--cols: unknown key '%s'", tok);
                free(copy);
                goto out;
            }
        free(copy);
    }
    if (an_groups_collect(&c, pos, npos, a.since, a.until, keys, &g))
        goto out;
    ret = 1;
    if (!(gr = calloc((size_t)g.n, sizeof(int))) || !(gc = calloc((size_t)g.n, sizeof(int))))
        goto out;
    for (int i = 0; i < g.n; i++) {
        char l[256];
        label_of(&g.g[i], 0, nkr, l, sizeof(l));
        gr[i] = index_of(rows, &nrows, l);
        label_of(&g.g[i], nkr, nkr + nkc, l, sizeof(l));
        gc[i] = index_of(cols, &ncols, l);
        if (gr[i] < 0 || gc[i] < 0) {
            vb_err("analyze matrix: more than %d rows or columns", MAX_LABELS);
            goto out;
        }
        /* every benchmark of any group, in order of appearance */
        for (size_t k = 0; k < g.g[i].set.n; k++)
            if (!an_set_find(&all, g.g[i].set.b[k].name)) {
                struct vb_run one;
                if (vb_run_init(&one))
                    goto out;
                vb_run_add_row(&one, g.g[i].set.b[k].name);
                an_set_add_run(&all, &one, NULL);
                vb_run_free(&one);
            }
    }
    if (!(tabs = calloc(all.n + 1, sizeof(*tabs))) ||
        !(longt = an_table_new("cells", "", 7, lkeys, NULL)))
        goto out;
    if (!(crs = calloc((size_t)(nrows * ncols) + 1, sizeof(*crs))))
        goto out;
    for (size_t bi = 0; bi < all.n; bi++) {
        const char *bench = all.b[bi].name;
        const char **hk;
        char title[512], bud_s[128] = "";
        int rmap[MAX_LABELS], cmap[MAX_LABELS], nr = 0, nc = 0, any = 0;
        struct an_table *t;
        if (a.bench && !match_filter(a.bench, bench))
            continue;
        /* the cells first: a benchmark without the metric anywhere is left out, and so
           are the rows and columns where it has no cell */
        for (int k = 0; k < nrows; k++)
            rmap[k] = -1;
        for (int k = 0; k < ncols; k++)
            cmap[k] = -1;
        for (int i = 0; i < nrows * ncols; i++)
            crs[i] = (struct cellres){.v = NAN, .status = -1};
        for (int i = 0; i < g.n; i++) {
            struct cellres e = evaluate(&g.g[i], bench, metric, a.budget ? &bud : NULL, bvalue);
            struct cellres *x = &crs[gr[i] * ncols + gc[i]];
            int hb = an_metrics[metric].higher_better;
            if (!e.present || (!e.skipped && !isfinite(e.v)))
                continue;
            if (x->present) { /* several groups in one cell: all must pass, the worst shows */
                x->mixed = 1;
                x->runs += e.runs;
                x->skipped = x->skipped && e.skipped;
                if (isfinite(e.v) && (!isfinite(x->v) || (hb ? e.v < x->v : e.v > x->v)))
                    x->v = e.v;
                if (e.status >= 0)
                    x->status = x->status < 0 ? e.status : x->status && e.status;
            } else {
                *x = e;
            }
            any |= !e.skipped;
            rmap[gr[i]] = 0;
            cmap[gc[i]] = 0;
        }
        if (!any) {
            nomet++;
            continue;
        }
        for (int k = 0; k < nrows; k++)
            if (!rmap[k])
                rmap[k] = nr++;
        if (!(hk = calloc((size_t)ncols + 1, sizeof(char *))))
            goto out;
        hk[0] = "host";
        for (int k = 0; k < ncols; k++)
            if (!cmap[k]) {
                cmap[k] = nc++;
                hk[nc] = cols[k];
            }
        if (a.bvalue) {
            char v[64];
            snprintf(bud_s, sizeof(bud_s), " (PASS/FAIL: %s %s %s)", an_metrics[metric].name,
                     an_metrics[metric].higher_better ? ">=" : "<=",
                     an_fmt_value(metric, bvalue, v, sizeof(v)));
        } else if (a.budget) {
            snprintf(bud_s, sizeof(bud_s), " (PASS/FAIL against %s)", a.budget);
        }
        snprintf(title, sizeof(title), "%s: %s%s", bench, an_metrics[metric].name, bud_s);
        t = an_table_new("matrix", title, nc + 1, hk, hk);
        free(hk);
        if (!t)
            goto out;
        tabs[ntabs++] = t;
        for (int r = 0; r < nrows; r++) {
            long row;
            if (rmap[r] < 0)
                continue;
            row = an_table_row(t);
            an_table_str(t, row, 0, "%s", rows[r]);
            for (int k = 0; k < nc; k++)
                an_table_str(t, row, k + 1, "-");
        }
        for (int i = 0; i < nrows * ncols; i++) {
            struct cellres cr = crs[i];
            int ri = i / ncols, ci = i % ncols;
            char v[64], cell[96];
            long lr;
            if (!cr.present || rmap[ri] < 0 || cmap[ci] < 0 || (!cr.skipped && !isfinite(cr.v)))
                continue;
            an_fmt_value(metric, cr.v, v, sizeof(v));
            if (cr.skipped)
                snprintf(cell, sizeof(cell), "skipped");
            else
                snprintf(cell, sizeof(cell), "%s%s%s",
                         cr.status < 0 ? ""
                         : cr.status   ? "PASS "
                                       : "FAIL ",
                         v, cr.mixed ? " *" : "");
            nmixed += cr.mixed;
            pass += cr.status == 1;
            fail += cr.status == 0;
            an_table_num(t, rmap[ri], cmap[ci] + 1, cr.v, cell);
            if ((lr = an_table_row(longt)) < 0)
                goto out;
            an_table_str(longt, lr, 0, "%s", bench);
            an_table_str(longt, lr, 1, "%s", rows[ri]);
            an_table_str(longt, lr, 2, "%s", cols[ci]);
            an_table_str(longt, lr, 3, "%s", an_metrics[metric].name);
            an_table_num(longt, lr, 4, cr.v, v);
            an_table_str(longt, lr, 5, "%s",
                         cr.skipped      ? "skipped"
                         : cr.status < 0 ? ""
                         : cr.status     ? "PASS"
                                         : "FAIL");
            snprintf(v, sizeof(v), "%ld", cr.runs);
            an_table_num(longt, lr, 6, (double)cr.runs, v);
        }
    }
    if (ntabs == 0 && nomet) {
        vb_err("analyze matrix: no selected benchmark has %s (%ld without it)",
               an_metrics[metric].name, nomet);
        goto out;
    }
    if (ntabs == 0) {
        vb_err("analyze matrix: no benchmark matches --benchmark '%s'", a.bench);
        goto out;
    }
    meta = json_pack("{s:s, s:s, s:i, s:i, s:i, s:I, s:I, s:s}", "command", "matrix", "metric",
                     an_metrics[metric].name, "rows", nrows, "columns", ncols, "benchmarks", ntabs,
                     "pass", (json_int_t)pass, "fail", (json_int_t)fail, "aggregation",
                     AN_AGGREGATION);
    if (!(f = an_out_open(c.cmd, a.out)))
        goto out;
    if (fmt == AF_CSV || fmt == AF_JSON)
        an_report_write(f, fmt, "viobench pairing matrix", meta, &longt, 1);
    else
        an_report_write(f, fmt, "viobench pairing matrix", meta, tabs, ntabs);
    if (fmt == AF_CONSOLE)
        fprintf(f, "\nmatrix: %d host%s x %d guest%s, %d benchmark%s, %d run group%s%s", nrows,
                nrows == 1 ? "" : "s", ncols, ncols == 1 ? "" : "s", ntabs, ntabs == 1 ? "" : "s",
                g.n, g.n == 1 ? "" : "s", a.budget || a.bvalue ? "; " : "\n");
    if (fmt == AF_CONSOLE && (a.budget || a.bvalue))
        fprintf(f, "%ld cells PASS, %ld FAIL\n", pass, fail);
    if (fmt == AF_CONSOLE)
        fprintf(f,
                "(cells: %s%s%ld benchmark%s without %s left out; empty rows and columns "
                "hidden)\n",
                AN_AGGREGATION, "; ", nomet, nomet == 1 ? "" : "s", an_metrics[metric].name);
    if (fmt == AF_CONSOLE && nmixed)
        fprintf(f,
                "* %ld cells merge runs of several pairing identities, option sets or budget "
                "selections (e.g. guest kernels; a budget passes only if each passes, the "
                "worst value shows): `analyze gate` and `compare` tell them apart\n",
                nmixed);
    if (an_out_close(f, c.cmd, a.out))
        goto out;
    ret = fail ? 1 : 0;
out:
    for (int i = 0; tabs && i < ntabs; i++)
        an_table_free(tabs[i]);
    free(tabs);
    free(crs);
    an_table_free(longt);
    free(gr);
    free(gc);
    an_set_free(&all);
    json_decref(meta);
    an_budget_free(&bud);
    an_groups_free(&g);
    an_ctx_free(&c);
    return ret;
}
