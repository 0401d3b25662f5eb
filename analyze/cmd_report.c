/*
 * `viobench analyze report [SELECTOR...|RUN...] --out FILE.html`: the page a performance
 * engineer sends to colleagues. One self-contained HTML file (style inline, plots as
 * inline SVG from svg.c, no script and no external reference) that puts together what the
 * other subcommands say one at a time: the pairings (host x guest matrix), every pairing
 * compared with a baseline by compare's decision rule (verdict.c: Welch on logs over
 * repetitions, Benjamini-Hochberg over each comparison's rows), trends with change points,
 * percentile curves, capacity with the knee (report_figs.c), noise and placement notes from
 * the rows, and how to reproduce (commands, versions, result-changing options). Sections
 * with nothing to show say so in one line. The statistics are the analyzer's own; this
 * file only calls them and lays out the page.
 */
#include "log.h"
#include "match.h"
#include "opt.h"
#include "report_page.h"
#include "units.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_WORDS 256

static struct {
    const char *db, *out, *group, *baseline, *filter, *by, *budget, *title, *since, *until;
    double min_change;
} a;

static const struct opt report_opts[] = {
    {"out", 'o', OPT_STR, &a.out, "FILE", "write the page to FILE.html (default stdout)"},
    {"group", 'g', OPT_STR, &a.group, "KEYS",
     "keys that make a pairing, comma-separated (default: the whole pairing identity and the "
     "result-changing options)"},
    {"baseline", 0, OPT_STR, &a.baseline, "SELECTOR",
     "side A of every comparison: a run directory, results.json, run id or selector words "
     "(default: the first pairing)"},
    {"filter", 'f', OPT_STR, &a.filter, "PATTERN", "benchmarks shown (globs, -excluded)"},
    {"by", 0, OPT_STR, &a.by, "KEY", "trends: the version key of the x axis (default kernel)"},
    {"p99-budget", 0, OPT_STR, &a.budget, "DURATION",
     "capacity: the knee is the last load under this p99 (default: best throughput/p99)"},
    {"min-change", 0, OPT_PERCENT, &a.min_change, "PCT",
     "comparisons: smallest change called a regression or improvement (default 4%)"},
    {"title", 0, OPT_STR, &a.title, "TEXT", "the page's title (default viobench report)"},
    {"db", 0, OPT_STR, &a.db, "FILE", "the store (default " STORE_DEFAULT_PATH ")"},
    {"since", 0, OPT_STR, &a.since, "DATE", "runs started on or after DATE"},
    {"until", 0, OPT_STR, &a.until, "DATE", "runs started on or before DATE"},
    {NULL},
};

static const struct cmd_help report_help = {
    .name = "viobench analyze report",
    .usage = "[OPTIONS] [SELECTOR...|RUN...] --out FILE.html",
    .summary =
        "Write one self-contained HTML page about the selected runs (none: the whole store):\n"
        "the host x guest pairings, each pairing compared with the baseline (verdicts with\n"
        "their CIs, as analyze compare decides them), trends over --by with change points,\n"
        "latency by percentile per pairing, capacity sweeps with the knee, noise and\n"
        "placement notes, and how to reproduce. Plots are inline SVG; the page loads nothing.",
    .examples = "  viobench analyze report --out report.html\n"
                "  viobench analyze report hypervisor=kvm -g host_hypervisor --out kvm.html\n"
                "  viobench analyze report --baseline kernel=6.1.0-17-amd64 -g kernel "
                "-f 'net/*' -o net.html\n"
                "  viobench analyze report --by hypervisor_version --p99-budget 1ms -o r.html",
    .more = "EXIT STATUS\n  0 written, 1 no run selected or an input could not be read, 2 usage "
            "error.",
};

/* ---- helpers shared with report_figs.c ---- */

int rp_quiet(int (*fn)(void *), void *arg, char *msg, size_t len)
{
    FILE *tmp = tmpfile();
    int saved = -1, ret;

    msg[0] = 0;
    fflush(stderr);
    if (tmp && (saved = dup(2)) >= 0)
        dup2(fileno(tmp), 2);
    ret = fn(arg);
    fflush(stderr);
    if (saved >= 0) {
        dup2(saved, 2);
        close(saved);
        rewind(tmp);
        if (fgets(msg, (int)len, tmp)) {
            static const char *const prefixes[] = {"viobench: ", "analyze report: "};
            msg[strcspn(msg, "\n")] = 0;
            for (int k = 0; k < 2; k++) {
                char *p = strstr(msg, prefixes[k]);
                if (p)
                    memmove(msg, p + strlen(prefixes[k]), strlen(p + strlen(prefixes[k])) + 1);
            }
        }
    }
    if (tmp)
        fclose(tmp);
    return ret;
}

const char *rp_group_label(const struct rp *r, const struct an_group *g, char *buf, size_t len)
{
    if (r->gkeys && strncmp(r->gkeys, "@identity", 9)) {
        const char *k = r->gkeys;
        buf[0] = 0;
        for (int i = 0; i < AN_GROUP_KEYS && *k; i++) {
            size_t n = strcspn(k, ",");
            size_t l = strlen(buf);
            snprintf(buf + l, len - l, "%s%.*s=%s", i ? " " : "", (int)n, k,
                     g->vals[i] && g->vals[i][0] ? g->vals[i] : "?");
            k += n + (k[n] == ',');
        }
        return buf;
    }
    an_pairing_label(&g->ri, buf, len);
    if (g->set.first_opts[0]) {
        size_t l = strlen(buf);
        snprintf(buf + l, len - l, " [%s]", g->set.first_opts);
    }
    return buf;
}

void rp_section(FILE *f, const char *id, const char *title)
{
    fprintf(f, "<h2 id=\"%s\">", id);
    an_xml_text(f, title);
    fputs("</h2>\n", f);
}

void rp_empty(FILE *f, const char *why)
{
    fputs("<p class=\"empty\">", f);
    an_xml_text(f, why);
    fputs("</p>\n", f);
}

/* ---- pairings ---- */

static void pairings(struct rp *r)
{
    char hosts[32][256], guests[32][256], label[1024];
    long cell[32][32] = {{0}};
    int nh = 0, ng = 0;

    rp_section(r->f, "pairings", "Pairings");
    for (int i = 0; i < r->g->n; i++) {
        const struct store_run_info *ri = &r->g->g[i].ri;
        char h[256], gs[256];
        int hi, gi;
        snprintf(h, sizeof(h), "%s %s", an_id_value(ri, AI_HYPERVISOR),
                 an_id_value(ri, AI_HYPERVISOR_VERSION));
        snprintf(gs, sizeof(gs), "%s %s", an_id_value(ri, AI_GUEST_OS),
                 an_id_value(ri, AI_GUEST_VERSION));
        for (hi = 0; hi < nh && strcmp(hosts[hi], h); hi++)
            ;
        for (gi = 0; gi < ng && strcmp(guests[gi], gs); gi++)
            ;
        if (hi == 32 || gi == 32)
            continue;
        if (hi == nh)
            snprintf(hosts[nh++], 256, "%s", h);
        if (gi == ng)
            snprintf(guests[ng++], 256, "%s", gs);
        cell[hi][gi] += (long)r->g->g[i].set.nruns;
    }
    fputs("<p>Runs per host (rows: hypervisor and version) and guest (columns: guest OS and "
          "version).</p>\n<table><tr><th>host \\ guest</th>",
          r->f);
    for (int j = 0; j < ng; j++) {
        fputs("<th>", r->f);
        an_xml_text(r->f, guests[j]);
        fputs("</th>", r->f);
    }
    fputs("</tr>\n", r->f);
    for (int i = 0; i < nh; i++) {
        fputs("<tr><th>", r->f);
        an_xml_text(r->f, hosts[i]);
        fputs("</th>", r->f);
        for (int j = 0; j < ng; j++)
            fprintf(r->f, cell[i][j] ? "<td class=\"num\">%ld</td>" : "<td>-</td>", cell[i][j]);
        fputs("</tr>\n", r->f);
    }
    fputs("</table>\n<table><tr><th>#</th><th>pairing</th><th>runs</th><th>benchmarks</th>"
          "<th>first run</th><th>note</th></tr>\n",
          r->f);
    for (int i = 0; i < r->g->n; i++) {
        const struct an_set *s = &r->g->g[i].set;
        fprintf(r->f, "<tr><td class=\"num\">%d</td><td>", i + 1);
        an_xml_text(r->f, rp_group_label(r, &r->g->g[i], label, sizeof(label)));
        fprintf(r->f, "</td><td class=\"num\">%zu</td><td class=\"num\">%zu</td><td>", s->nruns,
                s->n);
        an_xml_text(r->f, s->first_start);
        fputs("</td><td>", r->f);
        if (s->nids > 1)
            fprintf(r->f, "merges %d pairings or option sets", s->nids);
        fputs("</td></tr>\n", r->f);
    }
    fputs("</table>\n", r->f);
}

/* ---- comparisons ---- */

struct counts {
    long rows, st[AV_NSTATES];
};

static const char *const vclass[AV_NSTATES] = {"same", "regressed", "improved", "inconclusive",
                                               "unstable"};

/* The CI of a change as a small bar on a common scale of +-range (fractions). */
static void ci_bar(FILE *f, const struct an_verdict *v, double range, const char *cls)
{
    double w = 150, mid = w / 2, k = mid / range;
#define CLAMPX(c) (mid + fmax(-range, fmin(range, (c))) * k)
    fprintf(f,
            "<svg class=\"ci\" width=\"%.0f\" height=\"14\"><line x1=\"%.1f\" y1=\"0\" "
            "x2=\"%.1f\" y2=\"14\" stroke=\"#999\"/>",
            w, mid, mid);
    if (isfinite(v->lo) && isfinite(v->hi))
        fprintf(f,
                "<line class=\"%s\" x1=\"%.1f\" y1=\"7\" x2=\"%.1f\" y2=\"7\" "
                "stroke-width=\"3\"/>",
                cls, CLAMPX(v->lo), CLAMPX(v->hi));
    if (isfinite(v->change))
        fprintf(f, "<circle cx=\"%.1f\" cy=\"7\" r=\"3.5\" fill=\"#222\"/>", CLAMPX(v->change));
    fputs("</svg>", f);
#undef CLAMPX
}

static int compare_one(struct rp *r, const struct an_set *sa, const char *la,
                       const struct an_set *sb, const char *lb, struct counts *tot)
{
    struct an_vrow *rows = NULL;
    size_t n = 0, cap = 0;
    struct counts cnt = {0};
    double range = 0.05;
    char b1[64], b2[64];
    int ret = -1;
    struct an_drift d;

    if (an_drift_load(r->c, sa, sb, &d))
        return -1;

    for (size_t i = 0; i < sa->n; i++) {
        const struct an_bench *x = &sa->b[i], *y;
        int ms[AM_NMETRICS], nm;
        if ((r->filter && !match_filter(r->filter, x->name)) || !(y = an_set_find(sb, x->name)) ||
            !x->nrows || !y->nrows)
            continue;
        nm = an_vrow_metrics(x, y, NULL, 0, ms);
        for (int k = 0; k < nm; k++) {
            int t;
            if (n == cap) {
                struct an_vrow *nr = realloc(rows, sizeof(*nr) * (cap ? cap * 2 : 32));
                if (!nr)
                    goto out;
                rows = nr;
                cap = cap ? cap * 2 : 32;
            }
            t = an_vrow_test(&rows[n], x, y, ms[k], 0.05, 0.95, a.min_change / 100, &d);
            if (t < 0) {
                n++;
                goto out;
            }
            n += (size_t)t;
        }
    }
    fputs("<h3>", r->f);
    an_xml_text(r->f, lb);
    fputs(" <span class=\"vs\">against</span> ", r->f);
    an_xml_text(r->f, la);
    fputs("</h3>\n", r->f);
    if (!n) {
        rp_empty(r->f, "No benchmark measured on both sides.");
        ret = 0;
        goto out;
    }
    if (an_vrows_decide(rows, n))
        goto out;
    for (size_t i = 0; i < n; i++) {
        cnt.st[rows[i].v.state]++;
        cnt.rows++;
        tot->st[rows[i].v.state]++;
        tot->rows++;
        if (isfinite(rows[i].v.lo))
            range = fmax(range, fmax(fabs(rows[i].v.lo), fabs(rows[i].v.hi)));
    }
    range = fmin(range * 1.1, 1.0);
    fprintf(r->f,
            "<p class=\"summary\">%ld rows: <span class=\"regressed\">%ld regressed</span>, "
            "<span class=\"improved\">%ld improved</span>, <span class=\"inconclusive\">%ld "
            "inconclusive</span>, <span class=\"unstable\">%ld unstable</span>, %ld no "
            "significant change.</p>\n",
            cnt.rows, cnt.st[AV_REGRESSED], cnt.st[AV_IMPROVED], cnt.st[AV_INCONCLUSIVE],
            cnt.st[AV_UNSTABLE], cnt.st[AV_SAME]);
    fprintf(r->f,
            "<table><tr><th>benchmark</th><th>metric</th><th>A</th><th>B</th>"
            "<th>change</th><th>95%% CI</th><th>CI (&#177;%.0f%%)</th><th>adj. p</th>"
            "<th>reps A/B</th><th>verdict</th><th>why</th></tr>\n",
            range * 100);
    for (size_t i = 0; i < n; i++) {
        const struct an_vrow *c = &rows[i];
        const struct an_verdict *v = &c->v;
        fputs("<tr><td>", r->f);
        an_xml_text(r->f, c->x->name);
        fprintf(r->f, "</td><td>%s</td><td class=\"num\">", an_metrics[c->m].name);
        an_xml_text(r->f, an_fmt_value(c->m, v->va, b1, sizeof(b1)));
        fputs("</td><td class=\"num\">", r->f);
        an_xml_text(r->f, an_fmt_value(c->m, v->vb, b2, sizeof(b2)));
        fprintf(r->f, "</td><td class=\"num\">%+.1f%%</td><td class=\"num\">", v->change * 100);
        if (isfinite(v->lo))
            fprintf(r->f, "[%+.1f%%, %+.1f%%]", v->lo * 100, v->hi * 100);
        else
            fputs("-", r->f);
        fputs("</td><td>", r->f);
        ci_bar(r->f, v, range, vclass[v->state]);
        fprintf(r->f, isfinite(v->q) ? "</td><td class=\"num\">%.4f" : "</td><td>-", v->q);
        fprintf(r->f, "</td><td class=\"num\">%d/%d</td><td class=\"v-%s\">%s</td><td>", c->in.na,
                c->in.nb, vclass[v->state], an_verdict_names[v->state]);
        an_xml_text(r->f, v->reason);
        fputs("</td></tr>\n", r->f);
    }
    fputs("</table>\n", r->f);
    ret = 0;
out:
    for (size_t i = 0; i < n; i++) {
        an_vrow_free(&rows[i]);
    }
    free(rows);
    an_drift_free(&d);
    return ret;
}

struct sel_call {
    struct rp *r;
    const char *word;
    struct store_run_info *runs;
    size_t n;
};

static int select_baseline(void *arg)
{
    struct sel_call *sc = arg;
    return an_select(sc->r->c, &sc->word, 1, sc->r->since, sc->r->until, &sc->runs, &sc->n);
}

/* 1 when the group's first run is one of the baseline selector's runs: not compared with
   itself. */
static int in_baseline(const struct an_group *g, const struct sel_call *b)
{
    for (size_t i = 0; i < b->n; i++)
        if (g->ri.id >= 0 && b->runs[i].id == g->ri.id)
            return 1;
    return 0;
}

static int comparisons(struct rp *r, const struct an_set *base, struct counts *tot)
{
    char la[1024], lb[1024], msg[256];
    int from = base ? 0 : 1, done = 0, ret = 0;
    struct sel_call bsel = {.r = r, .word = a.baseline};

    if (base && strchr(a.baseline, '=') && rp_quiet(select_baseline, &bsel, msg, sizeof(msg)))
        bsel.runs = NULL, bsel.n = 0;

    rp_section(r->f, "comparisons", "Comparisons");
    if (!base && r->g->n < 2) {
        rp_empty(r->f, "One pairing only: nothing to compare (give --baseline, or -g KEY to "
                       "split the runs).");
        goto out;
    }
    if (base)
        snprintf(la, sizeof(la), "baseline %s", a.baseline);
    else
        rp_group_label(r, &r->g->g[0], la, sizeof(la));
    fprintf(r->f,
            "<p>Side A: <b>%s</b>. Each pairing against it, as <code>analyze compare</code> "
            "decides: repetitions are the unit, values are geometric means over them, the CI "
            "of the change is Welch's t on logs, p-values are adjusted over each table "
            "(Benjamini-Hochberg, alpha 0.05), and a row is regressed or improved only when "
            "also |change| &gt;= %.3g%%.</p>\n",
            base ? "--baseline (pairings inside it are not compared with it)" : "the first pairing",
            a.min_change);
    for (int i = from; i < r->g->n; i++) {
        if (done == RP_MAX_FIGS) {
            fprintf(r->f,
                    "<p class=\"empty\">%d more pairings not compared (narrow the selection, or "
                    "group with -g).</p>\n",
                    r->g->n - i);
            break;
        }
        if (base && in_baseline(&r->g->g[i], &bsel))
            continue;
        if (compare_one(r, base ? base : &r->g->g[0].set, la, &r->g->g[i].set,
                        rp_group_label(r, &r->g->g[i], lb, sizeof(lb)), tot)) {
            ret = -1;
            break;
        }
        done++;
    }
    if (base && !done && ret == 0)
        rp_empty(r->f, "Every pairing is part of the baseline: nothing to compare.");
out:
    if (bsel.runs)
        store_runs_free(bsel.runs, bsel.n);
    return ret;
}

/* ---- the page ---- */

static const char style[] =
    "body{font-family:system-ui,sans-serif;margin:1.5em 2em;color:#222;max-width:1320px}\n"
    "table{border-collapse:collapse;margin-bottom:1.5em;font-size:.9em}\n"
    "th,td{border:1px solid #bbb;padding:.25em .5em;text-align:left;vertical-align:middle}\n"
    "th{background:#eee}\ntd.num{text-align:right;font-variant-numeric:tabular-nums;white-space:"
    "nowrap}\n"
    "nav a{margin-right:1em}\nfigure{margin:0 0 1em 0}\n"
    ".summary{font-size:1.1em;padding:.5em .8em;background:#f4f4f4;border-left:4px solid "
    "#888}\n.empty{color:#666;font-style:italic}\n.vs{color:#777;font-weight:normal}\n"
    ".v-regressed,span.regressed{background:#f9d6d5;font-weight:bold}\n"
    ".v-improved,span.improved{background:#d8f0d8;font-weight:bold}\n"
    ".v-inconclusive,span.inconclusive{background:#fff1c2}\n"
    ".v-unstable,span.unstable{background:#ffdcb0}\n"
    "svg.ci line.regressed{stroke:#c62828}\nsvg.ci line.improved{stroke:#2e7d32}\n"
    "svg.ci line.inconclusive{stroke:#b08900}\nsvg.ci line.unstable{stroke:#e65100}\n"
    "svg.ci line.same{stroke:#555}\npre{background:#f6f6f6;padding:.5em;white-space:pre-wrap}\n";

int an_cmd_report(int argc, char **argv)
{
    const char *pos[MAX_WORDS];
    struct an_ctx c = {.cmd = "analyze report"};
    struct an_groups g = {0};
    struct an_set base = {0};
    struct counts tot = {0};
    struct rp r = {0};
    char *body = NULL, when[64];
    size_t blen = 0;
    int npos, ret;
    long benches = 0;
    FILE *f = NULL;
    time_t now = time(NULL);

    memset(&a, 0, sizeof(a));
    a.min_change = AN_MIN_CHANGE_DEFAULT;
    ret = opt_parse(report_opts, &report_help, argc, argv, pos, MAX_WORDS, &npos);
    if (ret)
        return ret == 1 ? 0 : 2;
    r.budget = NAN;
    if (a.budget && (units_parse_duration(a.budget, 1, &r.budget) || !(r.budget > 0))) {
        vb_err("analyze report: --p99-budget: bad duration '%s' (e.g. 500us)", a.budget);
        return 2;
    }
    c.db = a.db;
    r.c = &c;
    r.words = pos;
    r.nwords = npos;
    r.since = a.since;
    r.until = a.until;
    r.filter = a.filter;
    r.by = a.by ? a.by : "kernel";
    r.gkeys = a.group;
    r.g = &g;
    ret = 1;
    if (an_groups_collect(&c, pos, npos, a.since, a.until, a.group, &g))
        goto out;
    if (g.n == 0) {
        vb_err("analyze report: no run selected");
        goto out;
    }
    if (a.baseline && an_load_spec(&c, a.baseline, &base))
        goto out;
    if (!(r.f = open_memstream(&body, &blen)))
        goto out;
    pairings(&r);
    if (comparisons(&r, a.baseline ? &base : NULL, &tot) || rp_trends(&r) || rp_percentiles(&r) ||
        rp_capacity(&r) || rp_notes_and_runs(&r, argc, argv)) {
        vb_err("analyze report: out of memory");
        goto out;
    }
    if (fclose(r.f)) {
        r.f = NULL;
        goto out;
    }
    r.f = NULL;
    for (int i = 0; i < g.n; i++)
        benches = (long)g.g[i].set.n > benches ? (long)g.g[i].set.n : benches;
    if (!(f = an_out_open(c.cmd, a.out)))
        goto out;
    strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", gmtime(&now));
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>", f);
    an_xml_text(f, a.title ? a.title : "viobench report");
    fprintf(f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<h1>", style);
    an_xml_text(f, a.title ? a.title : "viobench report");
    fprintf(f, "</h1>\n<p>%s &middot; %d pairing%s, %ld benchmarks &middot; selection: ", when, g.n,
            g.n == 1 ? "" : "s", benches);
    for (int i = 0; i < npos; i++) {
        fputs(i ? " " : "", f);
        an_xml_text(f, pos[i]);
    }
    fputs(npos ? "" : "the whole store", f);
    fprintf(f,
            "</p>\n<p class=\"summary\" id=\"summary\">Comparisons: <span "
            "class=\"regressed\">%ld regressed</span>, <span class=\"improved\">%ld "
            "improved</span>, <span class=\"inconclusive\">%ld inconclusive</span>, <span "
            "class=\"unstable\">%ld unstable</span>, %ld no significant change (%ld rows); "
            "%ld change point%s in the trends.</p>\n",
            tot.st[AV_REGRESSED], tot.st[AV_IMPROVED], tot.st[AV_INCONCLUSIVE], tot.st[AV_UNSTABLE],
            tot.st[AV_SAME], tot.rows, r.nchange_points, r.nchange_points == 1 ? "" : "s");
    fputs("<nav><a href=\"#pairings\">pairings</a><a href=\"#comparisons\">comparisons</a>"
          "<a href=\"#trends\">trends</a><a href=\"#percentiles\">percentiles</a>"
          "<a href=\"#capacity\">capacity</a><a href=\"#notes\">notes</a>"
          "<a href=\"#reproduce\">reproduce</a></nav>\n",
          f);
    fwrite(body, 1, blen, f);
    fputs("</body>\n</html>\n", f);
    if (an_out_close(f, c.cmd, a.out))
        goto out;
    if (a.out && strcmp(a.out, "-"))
        printf("report: %s (%d pairings, %ld comparison rows: %ld regressed, %ld improved)\n",
               a.out, g.n, tot.rows, tot.st[AV_REGRESSED], tot.st[AV_IMPROVED]);
    ret = 0;
out:
    if (r.f)
        fclose(r.f);
    free(body);
    an_set_free(&base);
    an_groups_free(&g);
    an_ctx_free(&c);
    return ret;
}
