/*
 * The figure sections of `analyze report` (cmd_report.c): trends over versions with their
 * change points, latency by percentile per pairing, and capacity sweeps with the knee.
 * Each calls the analyzer's own builders (an_trend_build, an_capacity_build and
 * an_capacity_knee, the groups' merged histograms) and draws with svg.c; a section with
 * nothing to draw says why in one line (the builder's own message when it refused).
 */
#include "report_page.h"
#include "match.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- trends ---- */

struct trend_call {
    struct rp *r;
    struct an_trend_opts o;
    struct an_trend *t;
};

static int trend_build(void *arg)
{
    struct trend_call *tc = arg;
    return an_trend_build(tc->r->c, tc->r->words, tc->r->nwords, tc->r->since, tc->r->until, &tc->o,
                          tc->t);
}

/* One panel: the series of one benchmark (the n indices idx of t->s), one line per group. */
static int trend_panel(struct rp *r, const struct an_trend *t, const size_t *idx, size_t n)
{
    size_t from = idx[0];
    const char **cats = malloc(sizeof(char *) * (size_t)(t->nversions + 1));
    double *x = malloc(sizeof(double) * (size_t)(t->nversions + 1));
    int lat = !an_metrics[t->s[from].metric].higher_better, ret = -1;
    char title[512], ylabel[96];
    struct an_svg *p;

    snprintf(title, sizeof(title), "%s: %s by version", t->s[from].bench,
             an_metrics[t->s[from].metric].name);
    snprintf(ylabel, sizeof(ylabel), "%s (log scale)", an_metrics[t->s[from].metric].name);
    if (!cats || !x || !(p = an_svg_new(title, r->by, ylabel))) {
        free(cats);
        free(x);
        return -1;
    }
    an_svg_axes(p, AN_AX_CATS, 0, lat ? AN_AX_NS : AN_AX_RATE, 1);
    for (int i = 0; i < t->nversions; i++)
        cats[i] = t->versions[t->order[i]];
    if (an_svg_cats(p, cats, t->nversions))
        goto out;
    for (size_t ii = 0; ii < n; ii++) {
        const struct an_series *s = &t->s[idx[ii]];
        int si;
        for (int k = 0; k < s->n; k++)
            x[k] = s->x[k];
        if ((si = an_svg_series(p, s->group, x, s->y, s->n)) < 0)
            goto out;
        for (int k = 0; k < s->ncp; k++) {
            char l[160];
            double ch = s->cp[k].before ? s->cp[k].after / s->cp[k].before - 1 : 0;
            snprintf(l, sizeof(l), "change point: %+.1f%% at %.60s", ch * 100,
                     AN_SERIES_VERSION(t, s, s->cp[k].index));
            if (an_svg_vline(p, s->x[s->cp[k].index] - 0.5, si, l))
                goto out;
        }
    }
    ret = an_svg_write(p, r->f, 1100, 400) ? -1 : 0;
out:
    an_svg_free(p);
    free(cats);
    free(x);
    return ret;
}

int rp_trends(struct rp *r)
{
    struct an_trend t = {0};
    struct trend_call tc = {.r = r, .t = &t};
    char msg[512];
    int panels = 0, nbench = 0;
    size_t *idx;

    rp_section(r->f, "trends", "Trends over versions");
    if (!an_key_known(r->c, r->by)) {
        fprintf(r->f, "<p class=\"empty\">No trend: no selected run has the key ");
        an_xml_text(r->f, r->by);
        fputs(" (choose the x axis with --by).</p>\n", r->f);
        return 0;
    }
    /* -g keys make trend's pairings too; "@identity" (or none) is trend's own default */
    tc.o = (struct an_trend_opts){.by = r->by,
                                  .group = r->gkeys && strncmp(r->gkeys, "@identity", 9) ? r->gkeys
                                                                                         : NULL,
                                  .filter = r->filter,
                                  .metric = AM_P50,
                                  .metric_default = 1,
                                  .cp = {.pvalue = 0.001, .min_seg = 3}};
    if (rp_quiet(trend_build, &tc, msg, sizeof(msg))) {
        fputs("<p class=\"empty\">No trend: ", r->f);
        an_xml_text(r->f, msg[0] ? msg : "no series could be built");
        fputs("</p>\n", r->f);
        return 0;
    }
    if (t.nversions < 2) {
        fprintf(r->f, "<p class=\"empty\">No trend: every selected run has the same %s (", r->by);
        an_xml_text(r->f, t.nversions ? t.versions[0] : "none");
        fputs("); a trend needs runs of two or more values.</p>\n", r->f);
        an_trend_free(&t);
        return 0;
    }
    fprintf(r->f, "<p>One panel per benchmark, one line per pairing, x: <b>");
    an_xml_text(r->f, r->by);
    fprintf(r->f,
            "</b> (%s order); y: the median of each version's repetitions, log scale. "
            "Dashed lines: change points (E-divisive means, Welch p &lt; 0.001), in the "
            "colour of their line.</p>\n",
            t.semver ? "version" : "date");
    if (!(idx = malloc(sizeof(size_t) * (t.nseries + 1)))) {
        an_trend_free(&t);
        return -1;
    }
    /* one panel per benchmark, over every series of it wherever trend.c placed them */
    for (size_t i = 0; i < t.nseries; i++) {
        size_t n = 0;
        int seen = 0;
        r->nchange_points += t.s[i].ncp;
        for (size_t k = 0; k < i && !seen; k++)
            seen = strcmp(t.s[k].bench, t.s[i].bench) == 0;
        if (seen)
            continue;
        nbench++;
        if (panels >= RP_MAX_FIGS)
            continue;
        for (size_t k = i; k < t.nseries; k++)
            if (strcmp(t.s[k].bench, t.s[i].bench) == 0)
                idx[n++] = k;
        fputs("<figure>", r->f);
        if (trend_panel(r, &t, idx, n)) {
            free(idx);
            an_trend_free(&t);
            return -1;
        }
        fputs("</figure>\n", r->f);
        panels++;
    }
    free(idx);
    if (nbench > panels)
        fprintf(r->f, "<p class=\"empty\">%d more benchmarks not drawn (narrow with -f).</p>\n",
                nbench - panels);
    fprintf(r->f, "<p>%ld change point%s found.</p>\n", r->nchange_points,
            r->nchange_points == 1 ? "" : "s");
    an_trend_free(&t);
    return 0;
}

/* ---- percentiles ---- */

static int pct_panel(struct rp *r, const char *bench)
{
    double x[64], y[64];
    char title[512], label[1024];
    struct an_svg *p;
    int ret = -1;

    snprintf(title, sizeof(title), "%s: latency by percentile", bench);
    if (!(p = an_svg_new(title, "percentile", "latency (log scale)")))
        return -1;
    an_svg_axes(p, AN_AX_NINES, 0, AN_AX_NS, 1);
    for (int i = 0; i < r->g->n; i++) {
        const struct an_bench *b = an_set_find(&r->g->g[i].set, bench);
        const struct an_hist *h = b ? b->hist : NULL;
        int n = 0;
        if (!h || !h->count)
            continue;
        /* 10, 20 ... 90, then nine points per further nine while 1 value lies above */
        for (int d = 0; d <= 6 && n < 64; d++)
            for (int k = 1; k < 10 && n < 64; k++) {
                double q = d ? 100 - pow(10, 2 - d) + k * pow(10, 1 - d) : 10.0 * k;
                if ((double)h->count * (1 - q / 100) < 1)
                    break;
                x[n] = -log10(1 - q / 100);
                y[n++] = an_hist_percentile(h, q);
            }
        if (an_svg_series(p, rp_group_label(r, &r->g->g[i], label, sizeof(label)), x, y, n) < 0)
            goto out;
    }
    ret = an_svg_write(p, r->f, 1100, 380) ? -1 : 0;
out:
    an_svg_free(p);
    return ret;
}

int rp_percentiles(struct rp *r)
{
    const char **names = NULL;
    int n = 0, cap = 0, drawn = 0;

    rp_section(r->f, "percentiles", "Latency by percentile, per pairing");
    for (int i = 0; i < r->g->n; i++)
        for (size_t k = 0; k < r->g->g[i].set.n; k++) {
            const struct an_bench *b = &r->g->g[i].set.b[k];
            int seen = 0;
            if (!b->hist || !b->hist->count || (r->filter && !match_filter(r->filter, b->name)))
                continue;
            for (int j = 0; j < n && !seen; j++)
                seen = strcmp(names[j], b->name) == 0;
            if (seen)
                continue;
            if (n == cap) {
                const char **nn = realloc(names, sizeof(*nn) * (size_t)(cap ? cap * 2 : 32));
                if (!nn) {
                    free(names);
                    return -1;
                }
                names = nn;
                cap = cap ? cap * 2 : 32;
            }
            names[n++] = b->name;
        }
    if (!n) {
        rp_empty(r->f, "No benchmark of the selected runs has a latency histogram.");
        free(names);
        return 0;
    }
    fputs("<p>x: percentile on a nines scale (each tick one more nine), y: latency of the "
          "merged histogram of each pairing's runs, log scale.</p>\n",
          r->f);
    for (int i = 0; i < n && drawn < RP_MAX_FIGS; i++, drawn++) {
        fputs("<figure>", r->f);
        if (pct_panel(r, names[i])) {
            free(names);
            return -1;
        }
        fputs("</figure>\n", r->f);
    }
    if (n > drawn)
        fprintf(r->f, "<p class=\"empty\">%d more benchmarks not drawn (narrow with -f).</p>\n",
                n - drawn);
    free(names);
    return 0;
}

/* ---- capacity ---- */

struct cap_call {
    struct rp *r;
    struct an_cap *cap;
};

static int cap_build(void *arg)
{
    struct cap_call *cc = arg;
    return an_capacity_build(cc->r->c, cc->r->words, cc->r->nwords, cc->r->since, cc->r->until,
                             cc->r->filter, cc->cap);
}

/* One panel per sweep family: [from, to) are its points over every pairing. */
static int cap_panel(struct rp *r, const struct an_cap *cap, size_t from, size_t to)
{
    char title[512], l[256], b1[48], b2[48];
    double x[256], y[256];
    struct an_svg *p;
    int ret = -1;

    snprintf(title, sizeof(title), "%s: p99 against throughput", cap->p[from].family);
    if (!(p = an_svg_new(title, "throughput", "p99 latency (log scale)")))
        return -1;
    an_svg_axes(p, AN_AX_RATE, 0, AN_AX_NS, 1);
    for (size_t i = from; i < to;) {
        size_t j = i;
        int n = 0, si, nonmono, knee;
        while (j < to && strcmp(cap->p[j].pairing, cap->p[i].pairing) == 0)
            j++;
        for (size_t k = i; k < j && n < 256; k++) {
            x[n] = cap->p[k].x;
            y[n++] = cap->p[k].p99;
        }
        if ((si = an_svg_series(p, cap->p[i].pairing, x, y, n)) < 0)
            goto out;
        knee = an_capacity_knee(cap, i, j, r->budget, &nonmono);
        if (knee >= 0) {
            const struct an_cap_point *q = &cap->p[knee];
            snprintf(l, sizeof(l), "knee: %s %g, %s at p99 %s", an_load_name(q->kind), q->level,
                     an_svg_fmt(AN_AX_RATE, q->x, b1, sizeof(b1)),
                     an_svg_fmt(AN_AX_NS, q->p99, b2, sizeof(b2)));
            if (an_svg_mark(p, q->x, q->p99, si, l))
                goto out;
        }
        i = j;
    }
    if (isfinite(r->budget)) {
        snprintf(l, sizeof(l), "p99 budget %s", an_svg_fmt(AN_AX_NS, r->budget, b1, sizeof(b1)));
        if (an_svg_hline(p, r->budget, l))
            goto out;
    }
    ret = an_svg_write(p, r->f, 1100, 400) ? -1 : 0;
out:
    an_svg_free(p);
    return ret;
}

int rp_capacity(struct rp *r)
{
    struct an_cap cap = {0};
    struct cap_call cc = {.r = r, .cap = &cap};
    char msg[512];
    int drawn = 0, nfam = 0;

    rp_section(r->f, "capacity", "Capacity: throughput against p99, knee marked");
    if (rp_quiet(cap_build, &cc, msg, sizeof(msg))) {
        fputs("<p class=\"empty\">No capacity sweep: ", r->f);
        an_xml_text(r->f, msg[0] ? msg : "none in the selected runs");
        fputs("</p>\n", r->f);
        return 0;
    }
    fprintf(r->f,
            "<p>One panel per sweep (rows .../qd:N, .../flows:N or several --rate), one "
            "line per pairing. The ring marks the knee: %s.</p>\n",
            isfinite(r->budget) ? "the highest throughput before p99 exceeds the budget"
                                : "the highest throughput / p99 (give --p99-budget for a "
                                  "budget rule)");
    /* cap.p is sorted by pairing, family: draw one panel per family over all pairings */
    for (size_t i = 0; i < cap.n; i++) {
        int seen = 0;
        size_t m = 0;
        struct an_cap sub = {0};
        for (size_t k = 0; k < i && !seen; k++)
            seen = strcmp(cap.p[k].family, cap.p[i].family) == 0;
        if (seen)
            continue;
        nfam++;
        if (drawn >= RP_MAX_FIGS)
            continue;
        if (!(sub.p = malloc(sizeof(*sub.p) * cap.n))) {
            an_capacity_free(&cap);
            return -1;
        }
        for (size_t k = i; k < cap.n; k++)
            if (strcmp(cap.p[k].family, cap.p[i].family) == 0)
                sub.p[m++] = cap.p[k]; /* shallow: sub owns nothing */
        sub.n = sub.capn = m;
        fputs("<figure>", r->f);
        if (cap_panel(r, &sub, 0, m)) {
            free(sub.p);
            an_capacity_free(&cap);
            return -1;
        }
        fputs("</figure>\n", r->f);
        free(sub.p);
        drawn++;
    }
    if (nfam > drawn)
        fprintf(r->f, "<p class=\"empty\">%d more sweeps not drawn (narrow with -f).</p>\n",
                nfam - drawn);
    an_capacity_free(&cap);
    return 0;
}
