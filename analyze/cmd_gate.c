/*
 * `viobench analyze gate`: the release gate. Every budget of a budget file (budget.c) is
 * checked against every pairing of the candidate runs it applies to. Runs are grouped by
 * their pairing identity (identity.c: the host half the user labelled, e.g.
 * host_hypervisor, over what the guest detected), their result-changing options, and the
 * value of every other key a budget selects on, so a budget with selectors meets every run
 * it selects and no other. A figure combines the repetitions (AN_AGGREGATION); when they
 * fall into distinct modes the worse mode is checked, so a pairing that is over budget in
 * some of its repetitions cannot pass on an average; optionally every checked figure is also
 * compared with a baseline selection (--baseline: the same identity apart from versions)
 * and may not be worse by more than --max-regression. That comparison is compare's
 * (verdict.c: repetitions or runs as the unit, the pairing's run-to-run drift from the store
 * where a side holds fewer than 3 runs, Benjamini-Hochberg over the gate's baseline checks,
 * --max-regression as the minimum change): FAIL when the change for the worse is
 * significant and at least --max-regression, PASS when the data rule that out, UNDECIDED
 * when they cannot tell (a point value over a limit within the runs' scatter decides
 * nothing: the point rule failed 36 of 108 A/A checks of real runs, scripts/bench-verdicts).
 * The report lists every violation with the measured value, the budget and the margin;
 * the exit status is what CI reads: 0 all inside, 1 anything over or undecided (or a budget
 * without data, unless --allow-missing), 2 a usage, input or budget-file error.
 */
#include "analyze.h"
#include "log.h"
#include "opt.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_WORDS 256

static struct {
    const char *db, *budget, *baseline, *metric, *since, *until, *format, *out;
    double max_reg;
    int all, allow_missing, allow_undecided;
} a;

static const struct opt gate_opts[] = {
    {"budget", 'b', OPT_STR, &a.budget, "FILE", "the budget file (see docs/analyze.md, \"gate\")"},
    {"baseline", 0, OPT_STR, &a.baseline, "SELECTOR",
     "also compare with these runs (selector words, run id or path)"},
    {"max-regression", 0, OPT_PERCENT, &a.max_reg, "PCT",
     "with --baseline: largest change for the worse allowed (default 5%)"},
    {"metric", 'm', OPT_STR, &a.metric, "LIST",
     "with --baseline and no --budget: metrics compared for every benchmark (default p99)"},
    {"db", 0, OPT_STR, &a.db, "DB",
     "the store: SQLite file (default " STORE_DEFAULT_PATH ") or PostgreSQL URI"},
    {"since", 0, OPT_STR, &a.since, "DATE", "candidate runs started on or after DATE"},
    {"until", 0, OPT_STR, &a.until, "DATE", "candidate runs started on or before DATE"},
    {"all", 0, OPT_FLAG, &a.all, NULL, "list every check, not only the violations"},
    {"allow-missing", 0, OPT_FLAG, &a.allow_missing, NULL,
     "a budget that matches no measured benchmark is not a failure"},
    {"allow-undecided", 0, OPT_FLAG, &a.allow_undecided, NULL,
     "with --baseline: a check the runs cannot decide (too few runs or repetitions for their "
     "scatter, distinct modes) is not a failure"},
    {"format", 0, OPT_STR, &a.format, "FMT", "console (default), csv, json, markdown, html"},
    {"out", 'o', OPT_STR, &a.out, "FILE", "write the report to FILE (default stdout)"},
    {NULL},
};

static const struct cmd_help gate_help = {
    .name = "viobench analyze gate",
    .usage = "--budget FILE [--baseline SELECTOR [--max-regression PCT]] [OPTIONS] [INPUT...]",
    .summary =
        "Check the candidate runs (INPUT: run directories, results.json files, run ids or\n"
        "selector words; none selects the whole store) against a budget file, and with\n"
        "--baseline against earlier runs. Budget file lines: BENCHMARK [KEY=GLOB...] METRIC OP\n"
        "VALUE, e.g. 'timer/read/* p99 <= 2us' or 'storage/uring/randread/* iops >= 50k'.\n"
        "Runs are checked per pairing identity: labels (host_hypervisor=hyperv ...) win over\n"
        "what the guest detected, so differently labelled hosts are never merged (see\n"
        "docs/verdicts.md).",
    .examples = "  viobench analyze gate --budget budgets.txt results/latest\n"
                "  viobench analyze gate --budget budgets.txt kernel=6.1.0-18-amd64\n"
                "  viobench analyze gate --budget budgets.txt --baseline kernel=6.1.0-17-amd64 "
                "kernel=6.1.0-18-amd64\n"
                "  viobench analyze gate --baseline release=r1 --max-regression 3% -m p50,p99 "
                "release=r2",
    .more = "EXIT STATUS\n  0 everything inside its budget, 1 anything over, a baseline check the "
            "runs\n  cannot decide (unless --allow-undecided) or a budget with no data (unless\n"
            "  --allow-missing), 2 usage, input or budget-file error (with the file's line\n"
            "  number).",
};

enum {
    G_STATUS,
    G_BENCH,
    G_PAIRING,
    G_METRIC,
    G_MEASURED,
    G_LIMIT,
    G_MARGIN,
    G_SOURCE,
    G_NOTE,
    G_NCOLS
};

struct tally {
    long checks, over, undecided, missing, modes;
};

enum { G_PASS, G_FAIL, G_UNDECIDED };
static const char *const g_status[] = {"PASS", "FAIL", "UNDECIDED"};

/* The figure a check compares: the repetitions' aggregate (AN_AGGREGATION), unless they
   fall into distinct modes: then the worse mode for this check (the higher one against an
   upper limit, the lower one against a lower limit), so that a summary never passes a
   pairing whose other mode breaks the budget. Writes the modes to note (counting them),
   and, first, how often other tasks preempted the windows when that reaches the metric's
   tail (an_preempt_reach): a failure may then be the machine's load, a pass is not. */
static double check_value(struct tally *n, const struct an_bench *x, int metric, int upper,
                          char *note, size_t len)
{
    double v = an_bench_value(x, metric), tmp[64], pre = an_bench_preempt(x);
    double reach = an_preempt_reach(metric);
    int nr = an_bench_reps(x, metric, NULL, 0);
    struct reps_modes m;
    char b1[48], b2[48], modes[200] = "";

    if (nr >= 3 && nr <= 64 && isfinite(v) && metric != AM_MIN && metric != AM_MAX) {
        an_bench_reps(x, metric, tmp, nr);
        if (reps_modes(tmp, nr, &m) > 0) {
            n->modes++;
            snprintf(modes, sizeof(modes),
                     "repetitions in distinct modes: %s (%d), %s (%d); the %s is checked",
                     an_fmt_value(metric, m.m[0], b1, sizeof(b1)), m.n[0],
                     an_fmt_value(metric, m.m[1], b2, sizeof(b2)), m.n[1],
                     upper ? "higher" : "lower");
            v = upper ? m.m[1] : m.m[0];
        }
    }
    if (reach > 0 && pre >= reach) /* the figure may be the machine's other load */
        snprintf(note, len, "preempted by other tasks in %.2g%% of samples%s%s", pre * 100,
                 *modes ? "; " : "", modes);
    else
        snprintf(note, len, "%s", modes);
    return v;
}

/* One check's row (G_PASS rows only with --all), counted in n. */
static void add_check(struct an_table *t, struct tally *n, int status, const struct an_bench *x,
                      const char *pairing, int metric, double v, const char *limit, double margin,
                      const char *source, const char *note)
{
    const char *bench = x->name;
    char b[64];
    long r;

    n->checks++;
    n->over += status == G_FAIL;
    n->undecided += status == G_UNDECIDED;
    if (status == G_PASS && !a.all)
        return;
    if ((r = an_table_row(t)) < 0)
        return;
    an_table_str(t, r, G_STATUS, "%s", g_status[status]);
    an_table_str(t, r, G_BENCH, "%s", bench);
    an_table_str(t, r, G_PAIRING, "%s", pairing);
    an_table_str(t, r, G_METRIC, "%s", an_metrics[metric].name);
    an_table_num(t, r, G_MEASURED, v, an_fmt_value(metric, v, b, sizeof(b)));
    an_table_str(t, r, G_LIMIT, "%s", limit);
    snprintf(b, sizeof(b), "%+.1f%%", margin * 100);
    an_table_num(t, r, G_MARGIN, margin * 100, b);
    an_table_str(t, r, G_SOURCE, "%s", source);
    an_table_str(t, r, G_NOTE, "%s", note);
}

/* The baseline group of the same pairing identity as g apart from versions, or NULL. */
static struct an_group *baseline_of(struct an_groups *base, const struct an_group *g)
{
    char k1[2048], k2[2048];
    an_id_group_key(&g->ri, AN_ID_VERSIONS, k1, sizeof(k1));
    for (int i = 0; i < base->n; i++)
        if (strcmp(an_id_group_key(&base->g[i].ri, AN_ID_VERSIONS, k2, sizeof(k2)), k1) == 0)
            return &base->g[i];
    return NULL;
}

/* "@identity,KEY,...": the identity and every non-identity key a budget selects on, so
   that every run of a group is selected by a budget or none is. */
static char *group_keys(const struct an_budgets *bud)
{
    size_t len = 16;
    char *s;
    for (int i = 0; i < bud->n; i++)
        for (int k = 0; k < bud->b[i].nsel; k++)
            len += strlen(bud->b[i].keys[k]) + 1;
    if (!(s = malloc(len)))
        return NULL;
    strcpy(s, "@identity");
    for (int i = 0; i < bud->n; i++)
        for (int k = 0; k < bud->b[i].nsel; k++) {
            const char *key = bud->b[i].keys[k], *p = s;
            size_t kl = strlen(key);
            int seen = 0;
            while (!seen && (p = strchr(p, ','))) {
                p++;
                seen = strncmp(p, key, kl) == 0 && (p[kl] == ',' || !p[kl]);
            }
            if (!seen && an_id_key(key) < 0) {
                strcat(s, ",");
                strcat(s, key);
            }
        }
    return s;
}

/* Baseline checks wait for the correction over all of them (as compare's rows do). */
struct bchecks {
    struct an_vrow *rows;
    int *group; /* each row's candidate group */
    size_t n, cap;
    struct an_drift *drift; /* per candidate group, loaded on its first check */
    char *loaded;
};

/* Queue the comparison of candidate group gi's benchmark x on metric with the baseline
   runs of its identity (none: nothing to compare, not a violation). 0, or -1 after
   printing why (the store's history could not be read, or out of memory). */
static int queue_baseline(struct an_ctx *c, struct bchecks *q, struct an_groups *base,
                          struct an_groups *cand, int gi, const struct an_bench *x, int metric)
{
    struct an_group *g = &cand->g[gi], *bg = baseline_of(base, g);
    const struct an_bench *y = bg ? an_set_find(&bg->set, x->name) : NULL;
    double bv = y ? an_bench_value(y, metric) : NAN;
    int t;

    if (!isfinite(bv) || !(bv > 0))
        return 0;
    for (size_t i = 0; i < q->n; i++) /* two budget lines on one figure: one check */
        if (q->group[i] == gi && q->rows[i].x == y && q->rows[i].m == metric)
            return 0;
    if (!q->loaded[gi]) {
        if (an_drift_load(c, &bg->set, &g->set, &q->drift[gi]))
            return -1;
        q->loaded[gi] = 1;
    }
    if (q->n == q->cap) {
        size_t cap = q->cap ? q->cap * 2 : 32;
        struct an_vrow *nr = realloc(q->rows, sizeof(*nr) * cap);
        int *ng = nr ? realloc(q->group, sizeof(*ng) * cap) : NULL;
        if (nr)
            q->rows = nr;
        if (!ng)
            goto oom;
        q->group = ng;
        q->cap = cap;
    }
    /* A is the baseline, B the candidate: change = candidate / baseline - 1 */
    t = an_vrow_test(&q->rows[q->n], y, x, metric, 0.05, 0.95, a.max_reg / 100, &q->drift[gi]);
    if (t < 0)
        goto oom;
    q->group[q->n] = gi;
    q->n += (size_t)t;
    return 0;
oom:
    vb_err("%s: out of memory", c->cmd);
    return -1;
}

/* Decide the queued checks (Benjamini-Hochberg over all of them, then compare's rule with
   --max-regression as the minimum change) and add their rows. 0 or -1 (out of memory). */
static int decide_baselines(struct an_table *t, struct tally *n, struct bchecks *q,
                            struct an_groups *cand)
{
    if (an_vrows_decide(q->rows, q->n))
        return -1;
    for (size_t i = 0; i < q->n; i++) {
        struct an_vrow *r = &q->rows[i];
        struct an_verdict *v = &r->v;
        double worse, lim = a.max_reg / 100;
        int status;
        char pairing[1024], limit[96], b[48], note[512];

        worse = an_metrics[r->m].higher_better ? -v->change : v->change;
        if (v->state == AV_REGRESSED)
            status = G_FAIL;
        else if (v->state == AV_INCONCLUSIVE || v->state == AV_UNSTABLE)
            status = G_UNDECIDED;
        else if (v->state == AV_SAME && worse >= lim) { /* past the limit, within the noise */
            status = G_UNDECIDED;
            snprintf(v->reason, sizeof(v->reason),
                     "past the limit, but not told apart from the runs' scatter");
        } else
            status = G_PASS;
        an_pairing_label(&cand->g[q->group[i]].ri, pairing, sizeof(pairing));
        snprintf(limit, sizeof(limit), "<= %+.1f%% vs baseline %s", a.max_reg,
                 an_fmt_value(r->m, v->va, b, sizeof(b)));
        if (isfinite(v->lo))
            snprintf(note, sizeof(note), "change %+.1f%% [%+.1f%%, %+.1f%%]%s%s", v->change * 100,
                     v->lo * 100, v->hi * 100, v->reason[0] ? ": " : "", v->reason);
        else
            snprintf(note, sizeof(note), "change %+.1f%%%s%s", v->change * 100,
                     v->reason[0] ? ": " : "", v->reason);
        add_check(t, n, status, r->y, pairing, r->m, v->vb, limit, worse - lim, "baseline", note);
    }
    return 0;
}

static void bchecks_free(struct bchecks *q, int ngroups)
{
    for (size_t i = 0; i < q->n; i++)
        an_vrow_free(&q->rows[i]);
    free(q->rows);
    free(q->group);
    for (int i = 0; q->drift && i < ngroups; i++)
        if (q->loaded[i])
            an_drift_free(&q->drift[i]);
    free(q->drift);
    free(q->loaded);
}

static int parse_metrics(const char *s, int *out)
{
    char *copy = strdup(s ? s : "p99"), *save = NULL, *tok;
    int n = 0;
    for (tok = strtok_r(copy, ",", &save); tok && n < AM_NMETRICS;
         tok = strtok_r(NULL, ",", &save)) {
        if ((out[n] = an_metric_parse(tok)) < 0) {
            vb_err("analyze gate: --metric: unknown metric '%s'", tok);
            free(copy);
            return -1;
        }
        n++;
    }
    free(copy);
    return n;
}

int an_cmd_gate(int argc, char **argv)
{
    static const char *const keys[G_NCOLS] = {"status",     "benchmark", "pairing",
                                              "metric",     "measured",  "limit",
                                              "margin_pct", "source",    "note"};
    static const char *const heads[G_NCOLS] = {"status", "benchmark", "pairing",
                                               "metric", "measured",  "limit",
                                               "margin", "budget",    "note"};
    const char *pos[MAX_WORDS];
    struct an_ctx c = {.cmd = "analyze gate"};
    struct an_budgets bud = {0};
    struct an_groups cand = {0}, base = {0};
    struct an_table *t = NULL;
    struct tally n = {0};
    struct bchecks bq = {0};
    int npos, ret, fmt, metrics[AM_NMETRICS], nmetrics = 0, have_base = 0;
    char err[1024];
    json_t *meta = NULL;
    FILE *f;

    memset(&a, 0, sizeof(a));
    a.max_reg = 5;
    ret = opt_parse(gate_opts, &gate_help, argc, argv, pos, MAX_WORDS, &npos);
    if (ret)
        return ret == 1 ? 0 : 2;
    if (!a.budget && !a.baseline) {
        vb_err("analyze gate: give --budget FILE, --baseline SELECTOR or both (see --help)");
        return 2;
    }
    if ((fmt = an_fmt_parse(a.format ? a.format : "console")) < 0) {
        vb_err("analyze gate: --format: unknown format '%s' (console, csv, json, markdown, html)",
               a.format);
        return 2;
    }
    if (!a.budget && (nmetrics = parse_metrics(a.metric, metrics)) < 0)
        return 2;
    if (a.budget && an_budget_load(a.budget, &bud, err, sizeof(err))) {
        vb_err("analyze gate: budget file %s", err);
        return 2;
    }
    c.db = a.db;
    ret = 2;
    /* Selector keys of the budgets must exist (a typo would silently match nothing). */
    for (int i = 0; i < bud.n; i++)
        for (int k = 0; k < bud.b[i].nsel; k++)
            if (!an_key_known(&c, bud.b[i].keys[k])) {
                vb_err("analyze gate: budget file %s:%d: unknown key '%s' (no stored run has "
                       "it)",
                       a.budget, bud.b[i].line, bud.b[i].keys[k]);
                goto out;
            }
    {
        char *gk = group_keys(&bud);
        int r = !gk || an_groups_collect(&c, pos, npos, a.since, a.until, gk, &cand);
        free(gk);
        if (r)
            goto out;
    }
    if (a.baseline) {
        const char *bw[1] = {a.baseline};
        if (an_groups_collect(&c, bw, 1, NULL, NULL, NULL, &base))
            goto out;
        have_base = 1;
    }
    if (!(bq.drift = calloc((size_t)cand.n + 1, sizeof(*bq.drift))) ||
        !(bq.loaded = calloc((size_t)cand.n + 1, 1))) {
        vb_err("%s: out of memory", c.cmd);
        goto out;
    }
    if (!(t = an_table_new("checks", "", G_NCOLS, keys, heads)))
        goto out;
    for (int bi = 0; bi < bud.n; bi++) {
        const struct an_budget *b = &bud.b[bi];
        long matched = 0, selected = 0;
        char src[64];
        snprintf(src, sizeof(src), "%s:%d", a.budget, b->line);
        for (int gi = 0; gi < cand.n; gi++) {
            struct an_group *g = &cand.g[gi];
            char pairing[1024];
            an_pairing_label(&g->ri, pairing, sizeof(pairing));
            selected += an_budget_selects(b, &g->ri);
            for (size_t k = 0; k < g->set.n; k++) {
                const struct an_bench *x = &g->set.b[k];
                double v, margin;
                char lim[96], vb[48], note[200];
                if (!an_budget_applies(b, x->name, &g->ri))
                    continue;
                v = check_value(&n, x, b->metric, b->cmp <= AC_LE, note, sizeof(note));
                if (!isfinite(v))
                    continue; /* skipped here, or no such figure */
                matched++;
                margin = b->value > 0 ? (b->cmp <= AC_LE ? v / b->value - 1 : 1 - v / b->value)
                                      : (v - b->value);
                snprintf(lim, sizeof(lim), "%s %s", an_cmp_str(b->cmp),
                         an_fmt_value(b->metric, b->value, vb, sizeof(vb)));
                add_check(t, &n, an_budget_ok(b, v) ? G_PASS : G_FAIL, x, pairing, b->metric, v,
                          lim, margin, src, note);
                if (have_base && queue_baseline(&c, &bq, &base, &cand, gi, x, b->metric))
                    goto out;
            }
        }
        /* A budget for other pairings (its selectors match no candidate) does not apply. */
        if (!matched && selected) {
            long r = an_table_row(t);
            n.missing++;
            if (r >= 0) {
                an_table_str(t, r, G_STATUS, "%s", a.allow_missing ? "NO DATA" : "FAIL");
                an_table_str(t, r, G_BENCH, "%s", b->pattern);
                an_table_str(t, r, G_PAIRING, "%s", b->nsel ? "(selectors of the line)" : "-");
                an_table_str(t, r, G_METRIC, "%s", an_metrics[b->metric].name);
                an_table_num(t, r, G_MEASURED, NAN, "no data");
                an_table_str(t, r, G_LIMIT, "%s %s", an_cmp_str(b->cmp), b->text);
                an_table_num(t, r, G_MARGIN, NAN, "-");
                an_table_str(t, r, G_SOURCE, "%s", src);
            }
        }
    }
    /* Baseline alone: every benchmark, the chosen metrics. */
    for (int gi = 0; !a.budget && gi < cand.n; gi++)
        for (size_t k = 0; k < cand.g[gi].set.n; k++)
            for (int m = 0; m < nmetrics; m++)
                if (isfinite(an_bench_value(&cand.g[gi].set.b[k], metrics[m])) &&
                    queue_baseline(&c, &bq, &base, &cand, gi, &cand.g[gi].set.b[k], metrics[m]))
                    goto out;
    if (decide_baselines(t, &n, &bq, &cand)) {
        vb_err("%s: out of memory", c.cmd);
        goto out;
    }
    {
        int fail = n.over || (n.undecided && !a.allow_undecided) || (n.missing && !a.allow_missing);
        meta = json_pack(
            "{s:s, s:s?, s:s?, s:f, s:I, s:I, s:I, s:I, s:I, s:I, s:b, s:s, s:s}", "command",
            "gate", "budget", a.budget, "baseline", a.baseline, "max_regression_pct", a.max_reg,
            "pairings", (json_int_t)cand.n, "checks", (json_int_t)n.checks, "over",
            (json_int_t)n.over, "undecided", (json_int_t)n.undecided, "without_data",
            (json_int_t)n.missing, "checks_on_modes", (json_int_t)n.modes, "allow_undecided",
            a.allow_undecided, "aggregation", AN_AGGREGATION, "result", fail ? "FAIL" : "PASS");
        if (!(f = an_out_open(c.cmd, a.out)))
            goto out;
        if (t->nrows || fmt != AF_CONSOLE)
            an_report_write(f, fmt, "viobench gate", meta, &t, 1);
        if (fmt == AF_CONSOLE)
            fprintf(f,
                    "%sgate: %ld checks over %d pairing%s: %ld within budget, %ld over, %ld "
                    "undecided, %ld budget%s without data: %s\n",
                    t->nrows ? "\n" : "", n.checks, cand.n, cand.n == 1 ? "" : "s",
                    n.checks - n.over - n.undecided, n.over, n.undecided, n.missing,
                    n.missing == 1 ? "" : "s", fail ? "FAIL" : "PASS");
        if (fmt == AF_CONSOLE && n.undecided)
            fprintf(f,
                    "note: %ld baseline check%s could not be decided (see note)%s: compare 3 or "
                    "more runs a side, taken in turn, or collect earlier runs of the pairing\n",
                    n.undecided, n.undecided == 1 ? "" : "s",
                    a.allow_undecided ? ", not counted as failures (--allow-undecided)" : "");
        if (fmt == AF_CONSOLE)
            fprintf(f, "(figures: %s; min and max over all samples)%s\n", AN_AGGREGATION,
                    n.modes ? "; some checks' repetitions fall in distinct modes (see note): "
                              "re-run them pinned (--cpu) before trusting the verdict"
                            : "");
        if (an_out_close(f, c.cmd, a.out))
            goto out;
        ret = fail ? 1 : 0;
    }
out:
    bchecks_free(&bq, cand.n);
    json_decref(meta);
    an_table_free(t);
    an_budget_free(&bud);
    an_groups_free(&cand);
    an_groups_free(&base);
    an_ctx_free(&c);
    return ret;
}
