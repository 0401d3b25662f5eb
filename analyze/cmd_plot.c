/*
 * `viobench analyze plot KIND`: pictures through gnuplot (gnuplot.c), each with its data
 * file and script beside it:
 *   percentiles   latency by percentile on a log "nines" axis, one line per pairing (the
 *                 HdrHistogram style), for one benchmark
 *   distribution  the latency distribution of one benchmark, one line per pairing
 *   trend         a figure over versions, one line per series, change points marked
 *   capacity      throughput against p99 along QD/flow/rate sweeps, the budget marked
 */
#include "analyze.h"
#include "log.h"
#include "match.h"
#include "opt.h"
#include "units.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_WORDS  256
#define MAX_SERIES 12

static struct {
    const char *db, *out, *format, *name, *bench, *by, *metric, *group, *budget, *since, *until;
} a;

static const struct opt plot_opts[] = {
    {"benchmark", 'b', OPT_STR, &a.bench, "NAME",
     "percentiles, distribution: the benchmark; trend, capacity: a pattern (globs)"},
    {"out", 'o', OPT_STR, &a.out, "DIR", "output directory (default plots, created)"},
    {"format", 0, OPT_STR, &a.format, "FMT", "png (default) or svg"},
    {"name", 0, OPT_STR, &a.name, "STEM", "file name stem (default: the kind)"},
    {"by", 0, OPT_STR, &a.by, "KEY", "trend: the version key of the x axis"},
    {"metric", 'm', OPT_STR, &a.metric, "NAME", "trend: the figure (default p50)"},
    {"group", 'g', OPT_STR, &a.group, "KEYS", "trend: keys that make a pairing"},
    {"p99-budget", 0, OPT_STR, &a.budget, "DURATION", "capacity: p99 budget line"},
    {"db", 0, OPT_STR, &a.db, "DB",
     "the store: SQLite file (default " STORE_DEFAULT_PATH ") or PostgreSQL URI"},
    {"since", 0, OPT_STR, &a.since, "DATE", "runs started on or after DATE"},
    {"until", 0, OPT_STR, &a.until, "DATE", "runs started on or before DATE"},
    {NULL},
};

static const struct cmd_help plot_help = {
    .name = "viobench analyze plot",
    .usage = "percentiles|distribution|trend|capacity [OPTIONS] [SELECTOR...|RUN...]",
    .summary = "Draw a picture with gnuplot into --out DIR: NAME.png (or .svg), with the data "
               "NAME.dat\nand the script NAME.gp beside it to restyle and re-run. One line per "
               "pairing (or\nseries) of the selected runs.",
    .examples = "  viobench analyze plot percentiles --benchmark net/tcp_rr/size:64\n"
                "  viobench analyze plot distribution -b exit/cpuid/leaf:0x0 results/a results/b\n"
                "  viobench analyze plot trend --by kernel -b 'timer/read/*' --metric p99\n"
                "  viobench analyze plot capacity -b 'storage/uring/randread/bs:4k/*' "
                "--p99-budget 1ms --format svg",
    .more = "EXIT STATUS\n  0 drawn, 1 no data or gnuplot missing or failed, 2 usage error.",
};

/* Clause for series i of NAME.dat: "'NAME.dat' index i using ... title "label"". */
static int add_clause(char **buf, size_t *len, const char *name, int i, const char *cols,
                      const char *style, const char *label)
{
    char one[1024], esc[512];
    size_t k = 0;
    for (const char *s = label ? label : ""; *s && k + 2 < sizeof(esc); s++) {
        if (*s == '"' || *s == '\\')
            esc[k++] = '\\';
        esc[k++] = *s;
    }
    esc[k] = 0;
    snprintf(one, sizeof(one), "%s'%s.dat' index %d using %s %s%s%s%s", *len ? ", \\\n  " : "",
             name, i, cols, style, label ? " title \"" : "", label ? esc : "", label ? "\"" : "");
    char *n = realloc(*buf, *len + strlen(one) + 1);
    if (!n)
        return -1;
    memcpy(n + *len, one, strlen(one) + 1);
    *buf = n;
    *len += strlen(one);
    return 0;
}

static int plot_hist(const char *kind, struct an_ctx *c, const char **pos, int npos,
                     struct an_plot *p)
{
    struct an_groups g = {0};
    char *clause = NULL, title[512];
    size_t clen = 0;
    int ret = 1, series = 0, dist = strcmp(kind, "distribution") == 0;
    FILE *f = NULL;

    if (!a.bench) {
        vb_err("analyze plot %s: --benchmark NAME is required", kind);
        return 2;
    }
    if (an_groups_collect(c, pos, npos, a.since, a.until, NULL, &g))
        goto out;
    if (!(f = an_plot_data(c->cmd, p)))
        goto out;
    for (int i = 0; i < g.n && series < MAX_SERIES; i++) {
        const struct an_bench *b = an_set_find(&g.g[i].set, a.bench);
        const struct an_hist *h = b ? b->hist : NULL;
        char label[1024];
        if (!h || !h->count)
            continue;
        an_pairing_label(&g.g[i].ri, label, sizeof(label));
        fprintf(f, "%s# %s (%llu operations)\n", series ? "\n\n" : "", label,
                (unsigned long long)h->count);
        if (dist) {
            /* 16 bins per octave (8 buckets each), share of operations in percent */
            fprintf(f, "# latency_us share_pct\n");
            for (int k = 0; k < h->n;) {
                uint32_t bin = h->idx[k] / 8;
                uint64_t n = 0;
                while (k < h->n && h->idx[k] / 8 == bin)
                    n += h->cnt[k++];
                fprintf(f, "%.6g %.6g\n",
                        (hist_bucket_low((int)bin * 8) + hist_bucket_low((int)bin * 8 + 8)) / 2 /
                            1e3,
                        100.0 * (double)n / (double)h->count);
            }
        } else {
            fprintf(f, "# nines percentile latency_us\n");
            /* 0, 10 ... 90, then 91 ... 99, 99.1 ... 99.9, ...: nine points per nine */
            for (int d = 0; d <= 6; d++)
                for (int k = 1; k < 10; k++) {
                    double q = d ? 100 - pow(10, 2 - d) + k * pow(10, 1 - d) : 10.0 * k;
                    if ((double)h->count * (1 - q / 100) < 1)
                        break;
                    fprintf(f, "%.6g %.6g %.6g\n", -log10(1 - q / 100), q,
                            an_hist_percentile(h, q) / 1e3);
                    if (-log10(1 - q / 100) > p->xmax)
                        p->xmax = -log10(1 - q / 100);
                }
        }
        if (add_clause(&clause, &clen, p->name, series, dist ? "1:2" : "1:3",
                       dist ? "with histeps lw 2" : "with linespoints lw 2 pt 7 ps 0.6", label))
            goto out;
        series++;
    }
    if (fclose(f)) {
        f = NULL;
        goto out;
    }
    f = NULL;
    if (!series) {
        vb_err("analyze plot %s: no histogram of '%s' in the selected runs", kind, a.bench);
        goto out;
    }
    snprintf(title, sizeof(title), "%s: latency %s", a.bench,
             dist ? "distribution" : "by percentile");
    p->title = title;
    p->xlabel = dist ? "latency (us)" : "percentile";
    p->ylabel = dist ? "share of operations (%)" : "latency (us)";
    p->logx = dist;
    p->logy = !dist;
    p->nines = !dist;
    ret = an_plot_render(c->cmd, p, clause) ? 1 : 0;
out:
    if (f)
        fclose(f);
    free(clause);
    an_groups_free(&g);
    return ret;
}

static int plot_trend(struct an_ctx *c, const char **pos, int npos, struct an_plot *p)
{
    struct an_trend_opts o = {.by = a.by, .group = a.group, .filter = a.bench};
    struct an_trend t = {0};
    char *clause = NULL, *extra = NULL, title[512], ylabel[64];
    size_t clen = 0, elen = 0;
    int ret = 1, series = 0, lat;
    FILE *f = NULL;

    if (!a.by) {
        vb_err("analyze plot trend: --by KEY is required");
        return 2;
    }
    o.metric = an_metric_parse(a.metric ? a.metric : "p50");
    if (o.metric < 0) {
        vb_err("analyze plot trend: --metric: unknown metric '%s'", a.metric);
        return 2;
    }
    lat = !an_metrics[o.metric].higher_better;
    o.cp = (struct an_cp_opts){.pvalue = 0.001, .min_seg = 3};
    if (an_store(c))
        return 1;
    if (!an_key_known(c, a.by)) {
        vb_err("analyze plot trend: --by: unknown key '%s'", a.by);
        return 1;
    }
    if (an_trend_build(c, pos, npos, a.since, a.until, &o, &t) || !(f = an_plot_data(c->cmd, p)))
        goto out;
    if (t.nseries > MAX_SERIES)
        vb_warn("analyze plot trend: %zu series, drawing the first %d (narrow with --benchmark "
                "or selectors)",
                t.nseries, MAX_SERIES);
    for (size_t i = 0; i < t.nseries && series < MAX_SERIES; i++, series++) {
        const struct an_series *s = &t.s[i];
        char label[1024];
        fprintf(f, "%s# %s %s\n# rank version value\n", series ? "\n\n" : "", s->bench, s->group);
        for (int k = 0; k < s->n; k++)
            fprintf(f, "%d \"%s\" %.6g\n", s->x[k], AN_SERIES_VERSION(&t, s, k),
                    lat ? s->y[k] / 1e3 : s->y[k]);
        snprintf(label, sizeof(label), "%s (%s)", s->bench, s->group);
        if (add_clause(&clause, &clen, p->name, series, "1:3",
                       s->n > 100 ? "with lines lw 1.5" : "with linespoints lw 2 pt 7 ps 0.5",
                       label))
            goto out;
        for (int k = 0; k < s->ncp; k++) {
            char one[512];
            int x = s->x[s->cp[k].index];
            double ch = s->cp[k].before ? s->cp[k].after / s->cp[k].before - 1 : 0;
            snprintf(one, sizeof(one),
                     "set arrow from %d, graph 0 to %d, graph 1 nohead dt 2 lw 1.5 lc rgb "
                     "'#cc0000'\nset label '%+.1f%% at %s' at %d, graph 0.97 rotate by 90 right "
                     "textcolor rgb '#cc0000' font ',9' noenhanced\n",
                     x, x, ch * 100, AN_SERIES_VERSION(&t, s, s->cp[k].index), x);
            char *ne = realloc(extra, elen + strlen(one) + 1);
            if (!ne)
                goto out;
            extra = ne;
            memcpy(extra + elen, one, strlen(one) + 1);
            elen += strlen(one);
        }
    }
    {
        /* about 15 version labels along the axis */
        int step = t.nversions > 15 ? (t.nversions + 14) / 15 : 1;
        size_t need = 64 + (size_t)t.nversions / (size_t)step * 160;
        char *ne = realloc(extra, elen + need);
        if (!ne)
            goto out;
        extra = ne;
        elen += (size_t)snprintf(extra + elen, need, "set xtics rotate by -40 (");
        for (int r = 0; r < t.nversions; r += step)
            elen += (size_t)snprintf(extra + elen, 160, "%s\"%.60s\" %d", r ? ", " : "",
                                     t.versions[t.order[r]], r);
        elen += (size_t)snprintf(extra + elen, 8, ")\n");
    }
    if (fclose(f)) {
        f = NULL;
        goto out;
    }
    f = NULL;
    snprintf(title, sizeof(title), "%s of %s over %s (dashed: change points)",
             an_metrics[o.metric].name, a.bench ? a.bench : "all benchmarks", a.by);
    snprintf(ylabel, sizeof(ylabel), "%s (%s)", an_metrics[o.metric].name,
             lat ? "us" : an_metrics[o.metric].unit);
    p->title = title;
    p->xlabel = a.by;
    p->ylabel = ylabel;
    p->extra = extra;
    ret = an_plot_render(c->cmd, p, clause) ? 1 : 0;
out:
    if (f)
        fclose(f);
    free(clause);
    free(extra);
    an_trend_free(&t);
    return ret;
}

static int plot_capacity(struct an_ctx *c, const char **pos, int npos, struct an_plot *p)
{
    struct an_cap cap = {0};
    char *clause = NULL, extra[512] = "", title[512], budtxt[32];
    size_t clen = 0;
    int ret = 1, series = 0;
    double budget = NAN;
    FILE *f = NULL;

    if (a.budget && (units_parse_duration(a.budget, 1, &budget) || !(budget > 0))) {
        vb_err("analyze plot capacity: --p99-budget: bad duration '%s'", a.budget);
        return 2;
    }
    if (an_capacity_build(c, pos, npos, a.since, a.until, a.bench, &cap) ||
        !(f = an_plot_data(c->cmd, p)))
        goto out;
    for (size_t i = 0; i < cap.n && series < MAX_SERIES;) {
        size_t j = i;
        char label[1024];
        while (j < cap.n && strcmp(cap.p[j].pairing, cap.p[i].pairing) == 0 &&
               strcmp(cap.p[j].family, cap.p[i].family) == 0)
            j++;
        fprintf(f, "%s# %s %s\n# throughput_ops p99_us load\n", series ? "\n\n" : "",
                cap.p[i].family, cap.p[i].pairing);
        for (size_t k = i; k < j; k++)
            fprintf(f, "%.6g %.6g %g\n", cap.p[k].x, cap.p[k].p99 / 1e3, cap.p[k].level);
        snprintf(label, sizeof(label), "%s (%s)", cap.p[i].family, cap.p[i].pairing);
        if (add_clause(&clause, &clen, p->name, series, "1:2", "with linespoints lw 2 pt 7", label))
            goto out;
        if (add_clause(&clause, &clen, p->name, series, "1:2:(sprintf('%g', $3))",
                       "with labels offset 0,1 font ',8' notitle", NULL))
            goto out;
        series++;
        i = j;
    }
    if (fclose(f)) {
        f = NULL;
        goto out;
    }
    f = NULL;
    if (isfinite(budget))
        snprintf(extra, sizeof(extra),
                 "set arrow from graph 0, first %g to graph 1, first %g nohead lw 2 dt 3 lc rgb "
                 "'#cc0000'\nset label 'p99 budget %s' at graph 0.01, first %g offset 0,0.7 "
                 "textcolor rgb '#cc0000'",
                 budget / 1e3, budget / 1e3, units_fmt_duration(budget, budtxt, sizeof(budtxt)),
                 budget / 1e3);
    snprintf(title, sizeof(title), "Throughput against p99%s%s (labels: load level)",
             a.bench ? ": " : "", a.bench ? a.bench : "");
    p->title = title;
    p->xlabel = "throughput (operations/s)";
    p->ylabel = "p99 latency (us)";
    p->logy = 1;
    p->extra = extra[0] ? extra : NULL;
    ret = an_plot_render(c->cmd, p, clause) ? 1 : 0;
out:
    if (f)
        fclose(f);
    free(clause);
    an_capacity_free(&cap);
    return ret;
}

int an_cmd_plot(int argc, char **argv)
{
    static const char *const kinds[] = {"percentiles", "distribution", "trend", "capacity"};
    const char *pos[MAX_WORDS], *kind;
    struct an_ctx c = {.cmd = "analyze plot"};
    struct an_plot p = {0};
    int npos, ret, k;

    memset(&a, 0, sizeof(a));
    ret = opt_parse(plot_opts, &plot_help, argc, argv, pos, MAX_WORDS, &npos);
    if (ret)
        return ret == 1 ? 0 : 2;
    if (npos < 1) {
        vb_err("analyze plot: which plot? percentiles, distribution, trend or capacity");
        return 2;
    }
    kind = pos[0];
    for (k = 0; k < 4 && strcmp(kind, kinds[k]); k++)
        ;
    if (k == 4) {
        vb_err("analyze plot: unknown plot '%s' (percentiles, distribution, trend, capacity)",
               kind);
        return 2;
    }
    p.format = a.format ? a.format : "png";
    if (strcmp(p.format, "png") && strcmp(p.format, "svg")) {
        vb_err("analyze plot: --format: '%s' is not png or svg", p.format);
        return 2;
    }
    if (a.name && (strchr(a.name, '/') || strchr(a.name, '\'') || !*a.name)) {
        vb_err("analyze plot: --name: '%s' must be a plain file name stem", a.name);
        return 2;
    }
    if (!an_have_gnuplot()) {
        vb_err("analyze plot: gnuplot not found on PATH (install it: apt-get install "
               "gnuplot-nox)");
        return 1;
    }
    p.dir = a.out ? a.out : "plots";
    p.name = a.name ? a.name : kind;
    c.db = a.db;
    if (k <= 1)
        ret = plot_hist(kind, &c, pos + 1, npos - 1, &p);
    else if (k == 2)
        ret = plot_trend(&c, pos + 1, npos - 1, &p);
    else
        ret = plot_capacity(&c, pos + 1, npos - 1, &p);
    an_ctx_free(&c);
    return ret;
}
