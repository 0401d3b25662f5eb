/*
 * `viobench analyze plot KIND`: pictures through gnuplot (gnuplot.c), each with its data
 * file and script beside it:
 *   percentiles   latency by percentile on a log "nines" axis, one line per pairing (the
 *                 HdrHistogram style), per -g group or per input, for one benchmark
 *   distribution  the latency distribution of one benchmark, one line per pairing
 *   trend         a figure over versions, one line per series, change points marked in
 *                 the colour of their line and listed in the legend, log y for latencies
 *   capacity      throughput against p99 along QD/flow/rate sweeps, the knee and budget
 *                 marked
 * Values are written in base units (seconds, ops/s) so that gnuplot labels each tick with
 * its own unit (130 ns, 12 us, 15k/s); the legend sits right of the data; an option that a
 * plot does not use is refused rather than silently ignored.
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
    const char *db, *out, *format, *name, *bench, *by, *metric, *group, *budget, *since, *until,
        *pvalue;
    int per_input;
} a;

static const struct opt plot_opts[] = {
    {"benchmark", 'b', OPT_STR, &a.bench, "NAME",
     "percentiles, distribution: the benchmark; trend, capacity: a pattern (globs)"},
    {"out", 'o', OPT_STR, &a.out, "DIR", "output directory (default plots, created)"},
    {"format", 0, OPT_STR, &a.format, "FMT", "png (default) or svg"},
    {"name", 0, OPT_STR, &a.name, "STEM", "file name stem (default: the kind)"},
    {"by", 0, OPT_STR, &a.by, "KEY", "trend: the version key of the x axis"},
    {"metric", 'm', OPT_STR, &a.metric, "NAME", "trend: the figure (default p50)"},
    {"group", 'g', OPT_STR, &a.group, "KEYS",
     "percentiles, distribution, trend: keys that make a line, comma-separated (default: the "
     "pairing identity)"},
    {"per-input", 0, OPT_FLAG, &a.per_input, NULL,
     "percentiles, distribution: one line per input (run directory, run id or selector word)"},
    {"pvalue", 0, OPT_STR, &a.pvalue, "P", "trend: threshold of a change point (default 0.001)"},
    {"p99-budget", 0, OPT_STR, &a.budget, "DURATION", "capacity: p99 budget line and knee rule"},
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
    .more = "EXIT STATUS\n  0 drawn, 1 no data or gnuplot missing or failed, 2 usage error "
            "(an option\n  the plot does not use included).",
};

/* Clause for series i of NAME.dat: "'NAME.dat' index i using ... title "label""; with a NULL
   name, a legend entry only ("NaN STYLE title "label""). */
static int add_clause(char **buf, size_t *len, const char *name, int i, const char *cols,
                      const char *style, const char *label)
{
    char one[1024], esc[512];
    size_t k = 0;
    for (const char *s = label ? label : ""; *s && k + 3 < sizeof(esc); s++) {
        if (*s == '"' || *s == '\\')
            esc[k++] = '\\';
        esc[k++] = *s;
    }
    esc[k] = 0;
    if (!name) /* a legend entry only: NaN draws nothing */
        snprintf(one, sizeof(one), "%sNaN %s title \"%s\"", *len ? ", \\\n  " : "", style, esc);
    else
        snprintf(one, sizeof(one), "%s'%s.dat' index %d using %s %s%s%s%s", *len ? ", \\\n  " : "",
                 name, i, cols, style, label ? " title \"" : "", label ? esc : "",
                 label ? "\"" : "");
    char *n = realloc(*buf, *len + strlen(one) + 1);
    if (!n)
        return -1;
    memcpy(n + *len, one, strlen(one) + 1);
    *buf = n;
    *len += strlen(one);
    return 0;
}

/* 1 when word w (length n) is a blank-separated word of s. */
static int has_word(const char *s, const char *w, size_t n)
{
    for (const char *p = s; (p = strstr(p, w)) != NULL; p++)
        if ((p == s || p[-1] == ' ') && (p[n] == ' ' || p[n] == 0))
            return 1;
    return 0;
}

/* The blank-separated words that all n labels share are taken out of each and written to
   common ("" when none, or n < 2): the legend says what differs, the title what is shared. */
static void common_words(char **lab, int n, char *common, size_t len)
{
    char *first;
    common[0] = 0;
    if (n < 2 || !(first = strdup(lab[0])))
        return;
    for (char *save = NULL, *w = strtok_r(first, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
        size_t wl = strlen(w);
        int all = 1;
        for (int i = 1; i < n && all; i++)
            all = has_word(lab[i], w, wl);
        if (!all)
            continue;
        snprintf(common + strlen(common), len - strlen(common), "%s%s", common[0] ? " " : "", w);
        for (int i = 0; i < n; i++) {
            char *p = lab[i];
            while ((p = strstr(p, w)) &&
                   !((p == lab[i] || p[-1] == ' ') && (p[wl] == ' ' || p[wl] == 0)))
                p++;
            if (p) {
                size_t skip = wl + (p[wl] == ' ');
                memmove(p, p + skip, strlen(p + skip) + 1);
            }
            while (*lab[i] && lab[i][strlen(lab[i]) - 1] == ' ')
                lab[i][strlen(lab[i]) - 1] = 0;
        }
    }
    for (int i = 0; i < n; i++)
        if (!lab[i][0]) {
            free(lab[i]);
            lab[i] = strdup("(the same)");
        }
    free(first);
}

static void free_labels(char **lab, int n)
{
    for (int i = 0; i < n; i++)
        free(lab[i]);
}

/* The lines of a percentiles or distribution plot: -g groups, or one set per input. */
struct lines {
    int n;
    char **label;
    struct an_set **set;
    struct an_groups g;
    struct an_set *own;
};

static void lines_free(struct lines *l)
{
    for (int i = 0; i < l->n; i++)
        free(l->label[i]);
    for (int i = 0; l->own && i < l->n; i++)
        an_set_free(&l->own[i]);
    free(l->own);
    free(l->label);
    free(l->set);
    an_groups_free(&l->g);
}

static int lines_collect(struct an_ctx *c, const char **pos, int npos, struct lines *l)
{
    int n;
    memset(l, 0, sizeof(*l));
    if (a.per_input) {
        if (!(l->own = calloc((size_t)npos, sizeof(*l->own))))
            return -1;
        n = npos;
    } else {
        if (an_groups_collect(c, pos, npos, a.since, a.until, a.group, &l->g))
            return -1;
        n = l->g.n;
    }
    if (!(l->label = calloc((size_t)n + 1, sizeof(char *))) ||
        !(l->set = calloc((size_t)n + 1, sizeof(*l->set))))
        return -1;
    for (int i = 0; i < n; i++, l->n++) {
        char buf[1024] = "";
        if (a.per_input) {
            if (an_load_spec(c, pos[i], &l->own[i]))
                return -1;
            l->set[i] = &l->own[i];
            snprintf(buf, sizeof(buf), "%s", pos[i]);
        } else if (a.group) {
            const char *k = a.group;
            l->set[i] = &l->g.g[i].set;
            for (int j = 0; j < AN_GROUP_KEYS && *k; j++) {
                size_t m = strcspn(k, ",");
                snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%.*s=%s", j ? " " : "",
                         (int)m, k,
                         l->g.g[i].vals[j] && *l->g.g[i].vals[j] ? l->g.g[i].vals[j] : "?");
                k += m + (k[m] == ',');
            }
        } else {
            l->set[i] = &l->g.g[i].set;
            an_pairing_label(&l->g.g[i].ri, buf, sizeof(buf));
            if (l->g.g[i].set.first_opts[0])
                snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), " [%s]",
                         l->g.g[i].set.first_opts);
        }
        if (!(l->label[i] = strdup(buf)))
            return -1;
    }
    return 0;
}

static int plot_hist(const char *kind, struct an_ctx *c, const char **pos, int npos,
                     struct an_plot *p)
{
    struct lines l;
    char *clause = NULL, title[1024], *lab[MAX_SERIES], common[512];
    int nlab = 0;
    size_t clen = 0;
    int ret = 1, series = 0, dist = strcmp(kind, "distribution") == 0, with = 0;
    FILE *f = NULL;

    if (!a.bench) {
        vb_err("analyze plot %s: --benchmark NAME is required", kind);
        return 2;
    }
    if (lines_collect(c, pos, npos, &l) || !(f = an_plot_data(c->cmd, p)))
        goto out;
    for (int i = 0; i < l.n; i++) {
        const struct an_bench *b = an_set_find(l.set[i], a.bench);
        with += b && b->hist && b->hist->count;
    }
    if (with > MAX_SERIES)
        vb_warn("analyze plot %s: %d lines, drawing the first %d (narrow with selectors)", kind,
                with, MAX_SERIES);
    for (int i = 0; i < l.n && nlab < MAX_SERIES; i++) {
        const struct an_bench *b = an_set_find(l.set[i], a.bench);
        if (b && b->hist && b->hist->count && !(lab[nlab++] = strdup(l.label[i])))
            goto out;
    }
    common_words(lab, nlab, common, sizeof(common));
    for (int i = 0; i < l.n && series < MAX_SERIES; i++) {
        const struct an_bench *b = an_set_find(l.set[i], a.bench);
        const struct an_hist *h = b ? b->hist : NULL;
        if (!h || !h->count)
            continue;
        fprintf(f, "%s# %s (%llu operations)\n", series ? "\n\n" : "", l.label[i],
                (unsigned long long)h->count);
        if (dist) {
            /* 16 bins per octave (8 buckets each), share of operations in percent */
            fprintf(f, "# latency_s share_pct\n");
            for (int k = 0; k < h->n;) {
                uint32_t bin = h->idx[k] / 8;
                uint64_t n = 0;
                while (k < h->n && h->idx[k] / 8 == bin)
                    n += h->cnt[k++];
                fprintf(f, "%.6g %.6g\n",
                        (hist_bucket_low((int)bin * 8) + hist_bucket_low((int)bin * 8 + 8)) / 2 /
                            1e9,
                        100.0 * (double)n / (double)h->count);
            }
        } else {
            fprintf(f, "# nines percentile latency_s\n");
            /* 0, 10 ... 90, then 91 ... 99, 99.1 ... 99.9, ...: nine points per nine */
            for (int d = 0; d <= 6; d++)
                for (int k = 1; k < 10; k++) {
                    double q = d ? 100 - pow(10, 2 - d) + k * pow(10, 1 - d) : 10.0 * k;
                    if ((double)h->count * (1 - q / 100) < 1)
                        break;
                    fprintf(f, "%.6g %.6g %.6g\n", -log10(1 - q / 100), q,
                            an_hist_percentile(h, q) / 1e9);
                    if (-log10(1 - q / 100) > p->xmax)
                        p->xmax = -log10(1 - q / 100);
                }
        }
        if (add_clause(&clause, &clen, p->name, series, dist ? "1:2" : "1:3",
                       dist ? "with histeps lw 2" : "with linespoints lw 2 pt 7 ps 0.6",
                       lab[series]))
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
    snprintf(title, sizeof(title), "%s: latency %s (%d line%s: %s)%s%s", a.bench,
             dist ? "distribution" : "by percentile", series, series == 1 ? "" : "s",
             a.per_input ? "one per input"
             : a.group   ? a.group
                         : "one per pairing",
             common[0] ? "; all: " : "", common);
    p->title = title;
    p->xlabel = dist ? "latency (log scale)" : "percentile";
    p->ylabel = dist ? "share of operations (%, log scale)" : "latency (log scale)";
    /* distribution: log on both axes, so the tail's small shares stay visible */
    p->logx = dist;
    p->logy = 1;
    p->nines = !dist;
    if (dist)
        p->xunit = AN_PU_SECONDS;
    else
        p->yunit = AN_PU_SECONDS;
    p->extra = dist ? "set autoscale xfix" : NULL;
    ret = an_plot_render(c->cmd, p, clause) ? 1 : 0;
out:
    if (f)
        fclose(f);
    free(clause);
    free_labels(lab, nlab);
    lines_free(&l);
    return ret;
}

/* Append text to a growing buffer. 0 or -1 ENOMEM. */
static int append(char **buf, size_t *len, const char *text)
{
    char *n = realloc(*buf, *len + strlen(text) + 1);
    if (!n)
        return -1;
    memcpy(n + *len, text, strlen(text) + 1);
    *buf = n;
    *len += strlen(text);
    return 0;
}

static int plot_trend(struct an_ctx *c, const char **pos, int npos, struct an_plot *p)
{
    struct an_trend_opts o = {.by = a.by, .group = a.group, .filter = a.bench};
    struct an_trend t = {0};
    char *clause = NULL, *extra = NULL, title[1024], ylabel[96], *lab[MAX_SERIES], common[512];
    int nlab = 0;
    size_t clen = 0, elen = 0;
    int ret = 1, series = 0, lat, ncp = 0;
    double lo = INFINITY, hi = 0;
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
    o.metric_default = !a.metric;
    lat = !an_metrics[o.metric].higher_better;
    o.cp = (struct an_cp_opts){.pvalue = 0.001, .min_seg = 3};
    if (a.pvalue) {
        char *end;
        o.cp.pvalue = strtod(a.pvalue, &end);
        if (*end || end == a.pvalue || !(o.cp.pvalue > 0 && o.cp.pvalue < 1)) {
            vb_err("analyze plot trend: --pvalue: '%s' is not a probability in (0, 1)", a.pvalue);
            return 2;
        }
    }
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
    for (size_t i = 0; i < t.nseries && nlab < MAX_SERIES; i++) {
        char label[1024];
        snprintf(label, sizeof(label), "%s %s", t.s[i].bench, t.s[i].group);
        if (!(lab[nlab++] = strdup(label)))
            goto out;
    }
    common_words(lab, nlab, common, sizeof(common));
    for (size_t i = 0; i < t.nseries && series < MAX_SERIES; i++, series++) {
        const struct an_series *s = &t.s[i];
        const int m = s->metric;
        const double scale = an_metrics[m].higher_better ? 1 : 1e-9; /* ns to s */
        fprintf(f, "%s# %s %s\n# rank version value (%s)\n", series ? "\n\n" : "", s->bench,
                s->group, an_metrics[m].higher_better ? an_metrics[m].unit : "s");
        for (int k = 0; k < s->n; k++) {
            fprintf(f, "%d \"%s\" %.6g\n", s->x[k], AN_SERIES_VERSION(&t, s, k), s->y[k] * scale);
            if (s->y[k] > 0) {
                lo = fmin(lo, s->y[k]);
                hi = fmax(hi, s->y[k]);
            }
        }
        if (add_clause(&clause, &clen, p->name, series, "1:3",
                       s->n > 100 ? "with lines lw 1.5" : "with linespoints lw 2 pt 7 ps 0.5",
                       lab[series]))
            goto out;
        /* change points: a dashed line in the colour of their series (linetype series+1),
           and an entry in the legend instead of a label over the data */
        for (int k = 0; k < s->ncp; k++, ncp++) {
            char one[512], l2[256];
            int x = s->x[s->cp[k].index];
            double ch = s->cp[k].before ? s->cp[k].after / s->cp[k].before - 1 : 0;
            snprintf(one, sizeof(one),
                     "set arrow from %g, graph 0 to %g, graph 1 nohead dt 2 lw 1.5 lc %d\n",
                     x - 0.5, x - 0.5, series + 1);
            if (append(&extra, &elen, one))
                goto out;
            snprintf(l2, sizeof(l2), "change point: %+.1f%% at %.60s", ch * 100,
                     AN_SERIES_VERSION(&t, s, s->cp[k].index));
            snprintf(one, sizeof(one), "with lines dt 2 lw 1.5 lc %d", series + 1);
            if (add_clause(&clause, &clen, NULL, 0, NULL, one, l2))
                goto out;
        }
    }
    {
        /* about 15 version labels along the axis */
        int step = t.nversions > 15 ? (t.nversions + 14) / 15 : 1;
        char one[192];
        if (append(&extra, &elen, "set xtics rotate by -40 ("))
            goto out;
        for (int r = 0; r < t.nversions; r += step) {
            snprintf(one, sizeof(one), "%s\"%.60s\" %d", r ? ", " : "", t.versions[t.order[r]], r);
            if (append(&extra, &elen, one))
                goto out;
        }
        if (append(&extra, &elen, ")\n"))
            goto out;
    }
    if (fclose(f)) {
        f = NULL;
        goto out;
    }
    f = NULL;
    snprintf(title, sizeof(title), "%s of %s over %s%s%s%s", an_metrics[o.metric].name,
             a.bench ? a.bench : "all benchmarks", a.by,
             ncp ? " (dashed: change points)" : " (no change point found)",
             common[0] ? "; all: " : "", common);
    /* a log axis once the values span more than a factor 3: series of 0.13 us and 70 us
       then stay apart and readable; a linear one otherwise, so a narrow band is not
       flattened into one decade */
    p->logy = hi > 0 && hi / lo > 3;
    snprintf(ylabel, sizeof(ylabel), "%s%s", an_metrics[o.metric].name,
             p->logy ? " (log scale)" : "");
    p->yunit = lat                                             ? AN_PU_SECONDS
               : strcmp(an_metrics[o.metric].unit, "B/s") == 0 ? AN_PU_BYTERATE
                                                               : AN_PU_RATE;
    if (!p->logy && hi > 0) {
        /* a linear axis over a narrow band: as many decimals as its ticks need to differ */
        double sc = lat ? 1e-9 : 1, pref = pow(1000, floor(log10(hi * sc) / 3)),
               step = (hi - lo) * sc / 5 / pref;
        int digits = step > 0 ? (int)ceil(-log10(step)) : 1;
        char one[96];
        digits = digits < 0 ? 0 : digits > 4 ? 4 : digits;
        snprintf(one, sizeof(one), "set format y '%%.%ds%s'\n", digits,
                 p->yunit == AN_PU_SECONDS    ? " %cs"
                 : p->yunit == AN_PU_BYTERATE ? " %cB/s"
                                              : "%c/s");
        if (append(&extra, &elen, one))
            goto out;
    }
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
    free_labels(lab, nlab);
    an_trend_free(&t);
    return ret;
}

static int plot_capacity(struct an_ctx *c, const char **pos, int npos, struct an_plot *p)
{
    struct an_cap cap = {0};
    char *clause = NULL, *extra = NULL, title[1024], budtxt[32], one[512], l2[256], b1[48], b2[48];
    char *lab[MAX_SERIES], common[512];
    int nlab = 0;
    size_t clen = 0, elen = 0;
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
    for (size_t i = 0, j; i < cap.n && nlab < MAX_SERIES; i = j) {
        char label[1024];
        for (j = i; j < cap.n && strcmp(cap.p[j].pairing, cap.p[i].pairing) == 0 &&
                    strcmp(cap.p[j].family, cap.p[i].family) == 0;
             j++)
            ;
        snprintf(label, sizeof(label), "%s %s", cap.p[i].family, cap.p[i].pairing);
        if (!(lab[nlab++] = strdup(label)))
            goto out;
    }
    common_words(lab, nlab, common, sizeof(common));
    for (size_t i = 0; i < cap.n && series < MAX_SERIES;) {
        size_t j = i;
        int knee, nonmono;
        while (j < cap.n && strcmp(cap.p[j].pairing, cap.p[i].pairing) == 0 &&
               strcmp(cap.p[j].family, cap.p[i].family) == 0)
            j++;
        fprintf(f, "%s# %s %s\n# throughput_ops p99_s load\n", series ? "\n\n" : "",
                cap.p[i].family, cap.p[i].pairing);
        for (size_t k = i; k < j; k++)
            fprintf(f, "%.6g %.6g %g\n", cap.p[k].x, cap.p[k].p99 / 1e9, cap.p[k].level);
        if (add_clause(&clause, &clen, p->name, series, "1:2", "with linespoints lw 2 pt 7 ps 0.8",
                       lab[series]))
            goto out;
        if (add_clause(&clause, &clen, p->name, series, "1:2:(sprintf('%g', $3))",
                       "with labels offset 0,0.8 font ',8' notitle", NULL))
            goto out;
        /* the knee (an_capacity_knee: the budget rule, else best throughput/p99): a ring
           in the series' colour, its load and figures in the legend */
        knee = an_capacity_knee(&cap, i, j, budget, &nonmono);
        if (knee >= 0) {
            const struct an_cap_point *q = &cap.p[knee];
            snprintf(one, sizeof(one),
                     "set label '' at first %.6g, first %.6g point lt %d pt 6 ps 3 lw 2.5 "
                     "front\n",
                     q->x, q->p99 / 1e9, series + 1);
            if (append(&extra, &elen, one))
                goto out;
            snprintf(l2, sizeof(l2), "knee: %s %g, %s at p99 %s", an_load_name(q->kind), q->level,
                     an_fmt_value(AM_IOPS, q->x, b1, sizeof(b1)),
                     an_fmt_value(AM_P99, q->p99, b2, sizeof(b2)));
            snprintf(one, sizeof(one), "with points pt 6 ps 2.5 lw 2.5 lc %d", series + 1);
            if (add_clause(&clause, &clen, NULL, 0, NULL, one, l2))
                goto out;
        }
        series++;
        i = j;
    }
    if (fclose(f)) {
        f = NULL;
        goto out;
    }
    f = NULL;
    if (isfinite(budget)) {
        snprintf(one, sizeof(one),
                 "set arrow from graph 0, first %g to graph 1, first %g nohead lw 2 dt 3 lc rgb "
                 "'#cc0000'\nset label 'p99 budget %s' at graph 0.01, first %g offset 0,0.7 "
                 "textcolor rgb '#cc0000'\n",
                 budget / 1e9, budget / 1e9, units_fmt_duration(budget, budtxt, sizeof(budtxt)),
                 budget / 1e9);
        if (append(&extra, &elen, one))
            goto out;
    }
    snprintf(title, sizeof(title),
             "Throughput against p99%s%s (point labels: load level; "
             "rings: the knee, %s)%s%s",
             a.bench ? " of " : "", a.bench ? a.bench : "",
             isfinite(budget) ? "the highest throughput under the p99 budget"
                              : "the best throughput/p99",
             common[0] ? "; all: " : "", common);
    p->title = title;
    p->xlabel = "throughput";
    p->ylabel = "p99 latency (log scale)";
    p->logy = 1;
    p->xunit = AN_PU_RATE;
    p->yunit = AN_PU_SECONDS;
    p->extra = extra;
    ret = an_plot_render(c->cmd, p, clause) ? 1 : 0;
out:
    if (f)
        fclose(f);
    free(clause);
    free(extra);
    free_labels(lab, nlab);
    an_capacity_free(&cap);
    return ret;
}

/* Which plots use each option (bits: percentiles, distribution, trend, capacity); an option
   given to a plot that does not use it is refused. */
static int refuse_unused(const char *kind, int k)
{
    static const struct {
        const char *name;
        unsigned kinds;
        const char *for_;
    } use[] = {
        {"by", 1u << 2, "trend"},
        {"metric", 1u << 2, "trend"},
        {"pvalue", 1u << 2, "trend"},
        {"group", 1u << 0 | 1u << 1 | 1u << 2, "percentiles, distribution and trend"},
        {"per-input", 1u << 0 | 1u << 1, "percentiles and distribution"},
        {"p99-budget", 1u << 3, "capacity"},
    };
    const int given[] = {!!a.by, !!a.metric, !!a.pvalue, !!a.group, a.per_input, !!a.budget};
    for (size_t i = 0; i < sizeof(use) / sizeof(use[0]); i++)
        if (given[i] && !(use[i].kinds & (1u << k))) {
            vb_err("analyze plot %s: --%s does not apply to this plot (only to %s)", kind,
                   use[i].name, use[i].for_);
            return 1;
        }
    if (a.group && a.per_input) {
        vb_err("analyze plot %s: --group and --per-input both choose the lines: give one", kind);
        return 1;
    }
    return 0;
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
    if (refuse_unused(kind, k))
        return 2;
    if (a.per_input && npos < 2) {
        vb_err("analyze plot %s: --per-input needs inputs (run directories, run ids or selector "
               "words)",
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
