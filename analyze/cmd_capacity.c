/*
 * `viobench analyze capacity`: throughput against p99 latency along QD sweeps (storage)
 * and flow or rate sweeps (network), per pairing (capacity.c), with
 *   - the knee: the highest throughput among the loads before the first whose p99 leaves
 *     --p99-budget (a load that comes back under the budget later does not count; without
 *     a budget, the point of highest throughput / p99, Kleinrock's "power"), and a note when
 *     p99 is not monotonic in load (more than 10% below a lighter load's);
 *   - a Little's-law check of every closed-loop point (X W against the configured QD or
 *     flows);
 *   - with --demand (one guest's operations per second), how many such guests one host
 *     carries under the budget: floor(knee throughput / demand). The estimate assumes the
 *     sweep measured the whole host's path (one guest driving it to the knee), that guests
 *     share that path's throughput linearly, and that their combined load behaves like the
 *     same total load from one guest; it ignores CPU and memory limits of the guests
 *     themselves. Measure with several guests to confirm it.
 */
#include "analyze.h"
#include "log.h"
#include "opt.h"
#include "units.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_WORDS 256

static struct {
    const char *db, *filter, *budget, *demand, *since, *until, *format, *out;
} a;

static const struct opt capacity_opts[] = {
    {"filter", 'f', OPT_STR, &a.filter, "PATTERN",
     "benchmarks (globs, -excluded), e.g. 'storage/uring/randread/*'"},
    {"p99-budget", 0, OPT_STR, &a.budget, "DURATION", "p99 latency budget, e.g. 500us"},
    {"demand", 0, OPT_STR, &a.demand, "RATE",
     "one guest's operations per second (e.g. 5k): guests per host under the budget"},
    {"db", 0, OPT_STR, &a.db, "DB",
     "the store: SQLite file (default " STORE_DEFAULT_PATH ") or PostgreSQL URI"},
    {"since", 0, OPT_STR, &a.since, "DATE", "runs started on or after DATE"},
    {"until", 0, OPT_STR, &a.until, "DATE", "runs started on or before DATE"},
    {"format", 0, OPT_STR, &a.format, "FMT", "console (default), csv, json, markdown, html"},
    {"out", 'o', OPT_STR, &a.out, "FILE", "write the report to FILE (default stdout)"},
    {NULL},
};

static const struct cmd_help capacity_help = {
    .name = "viobench analyze capacity",
    .usage = "[OPTIONS] [SELECTOR...|RUN...]",
    .summary =
        "Throughput against p99 along the sweeps of the selected runs (QD for storage, flows\n"
        "or --rate for network), per pairing: every point with a Little's-law check, the knee\n"
        "(highest throughput before the first load whose p99 leaves --p99-budget; a p99 that\n"
        "is not monotonic in load is noted) and, with --demand, how many guests of that demand\n"
        "one host carries under the budget.",
    .examples = "  viobench analyze capacity --filter 'storage/uring/randread/bs:4k/*' "
                "--p99-budget 1ms\n"
                "  viobench analyze capacity --filter 'net/tcp_rr/*' --p99-budget 200us --demand "
                "5k hypervisor=kvm\n"
                "  viobench analyze capacity results/latest --format csv",
};

enum { K_PAIRING, K_FAMILY, K_LEVEL, K_X, K_P99, K_MEAN, K_INFLIGHT, K_LITTLE, K_OK, K_NCOLS };
enum { N_PAIRING, N_FAMILY, N_RULE, N_LEVEL, N_X, N_P99, N_GUESTS, N_NOTE, N_NCOLS };

int an_cmd_capacity(int argc, char **argv)
{
    static const char *const pkeys[K_NCOLS] = {"pairing",    "sweep",        "load",
                                               "throughput", "p99_ns",       "mean_ns",
                                               "inflight",   "little_ratio", "under_budget"};
    static const char *const pheads[K_NCOLS] = {"pairing", "sweep", "load",     "throughput", "p99",
                                                "mean",    "X*W",   "X*W/load", "p99 ok"};
    static const char *const nkeys[N_NCOLS] = {
        "pairing",         "sweep",       "rule",   "knee_load",
        "knee_throughput", "knee_p99_ns", "guests", "note"};
    static const char *const nheads[N_NCOLS] = {"pairing",    "sweep", "knee by",     "load",
                                                "throughput", "p99",   "guests/host", "note"};
    const char *pos[MAX_WORDS];
    struct an_ctx c = {.cmd = "analyze capacity"};
    struct an_cap cap = {0};
    struct an_table *t[2] = {NULL, NULL};
    double budget = NAN, demand = NAN;
    int npos, ret, fmt, nonmono;
    json_t *meta = NULL;
    FILE *f;

    memset(&a, 0, sizeof(a));
    ret = opt_parse(capacity_opts, &capacity_help, argc, argv, pos, MAX_WORDS, &npos);
    if (ret)
        return ret == 1 ? 0 : 2;
    if (a.budget && (units_parse_duration(a.budget, 1, &budget) || !(budget > 0))) {
        vb_err("analyze capacity: --p99-budget: bad duration '%s' (e.g. 500us)", a.budget);
        return 2;
    }
    if (a.demand && (units_parse_rate(a.demand, &demand) || !(demand > 0))) {
        vb_err("analyze capacity: --demand: bad rate '%s' (e.g. 5k or 5k/s)", a.demand);
        return 2;
    }
    if ((fmt = an_fmt_parse(a.format ? a.format : "console")) < 0) {
        vb_err("analyze capacity: --format: unknown format '%s'", a.format);
        return 2;
    }
    c.db = a.db;
    ret = 1;
    if (an_capacity_build(&c, pos, npos, a.since, a.until, a.filter, &cap))
        goto out;
    t[0] = an_table_new("points", "Sweep points", K_NCOLS, pkeys, pheads);
    t[1] = an_table_new("knees", "Knees", N_NCOLS, nkeys, nheads);
    if (!t[0] || !t[1])
        goto out;
    for (size_t i = 0; i < cap.n;) {
        size_t j = i;
        int knee;
        long r;
        char b[64];
        while (j < cap.n && strcmp(cap.p[j].pairing, cap.p[i].pairing) == 0 &&
               strcmp(cap.p[j].family, cap.p[i].family) == 0)
            j++;
        for (size_t k = i; k < j; k++) {
            const struct an_cap_point *p = &cap.p[k];
            if ((r = an_table_row(t[0])) < 0)
                goto out;
            an_table_str(t[0], r, K_PAIRING, "%s", p->pairing);
            an_table_str(t[0], r, K_FAMILY, "%s", p->family);
            snprintf(b, sizeof(b), "%s %g", an_load_name(p->kind), p->level);
            an_table_num(t[0], r, K_LEVEL, p->level, b);
            an_table_num(t[0], r, K_X, p->x, an_fmt_value(AM_IOPS, p->x, b, sizeof(b)));
            an_table_num(t[0], r, K_P99, p->p99, an_fmt_value(AM_P99, p->p99, b, sizeof(b)));
            an_table_num(t[0], r, K_MEAN, p->mean, an_fmt_value(AM_MEAN, p->mean, b, sizeof(b)));
            snprintf(b, sizeof(b), "%.2f", p->inflight);
            an_table_num(t[0], r, K_INFLIGHT, p->inflight, b);
            snprintf(b, sizeof(b), isfinite(p->little) ? "%.2f" : "-", p->little);
            an_table_num(t[0], r, K_LITTLE, p->little, b);
            an_table_str(t[0], r, K_OK, "%s",
                         !isfinite(budget)  ? "-"
                         : p->p99 <= budget ? "yes"
                                            : "no");
        }
        knee = an_capacity_knee(&cap, i, j, budget, &nonmono);
        if ((r = an_table_row(t[1])) < 0)
            goto out;
        if (nonmono > 0) {
            const struct an_cap_point *q = &cap.p[nonmono];
            char b2[48];
            an_table_str(
                t[1], r, N_NOTE, "p99 not monotonic: %s at %s %g, lower than a lighter load",
                an_fmt_value(AM_P99, q->p99, b2, sizeof(b2)), an_load_name(q->kind), q->level);
        } else {
            an_table_str(t[1], r, N_NOTE, "%s", "");
        }
        an_table_str(t[1], r, N_PAIRING, "%s", cap.p[i].pairing);
        an_table_str(t[1], r, N_FAMILY, "%s", cap.p[i].family);
        if (isfinite(budget))
            an_table_str(t[1], r, N_RULE, "p99 <= %s", units_fmt_duration(budget, b, sizeof(b)));
        else
            an_table_str(t[1], r, N_RULE, "max throughput/p99");
        if (knee < 0) {
            an_table_str(t[1], r, N_LEVEL, "none under the budget");
            an_table_num(t[1], r, N_X, NAN, "-");
            an_table_num(t[1], r, N_P99, NAN, "-");
            an_table_num(t[1], r, N_GUESTS, isfinite(demand) ? 0 : NAN,
                         isfinite(demand) ? "0" : "-");
        } else {
            const struct an_cap_point *p = &cap.p[knee];
            double guests = isfinite(demand) ? floor(p->x / demand) : NAN;
            snprintf(b, sizeof(b), "%s %g", an_load_name(p->kind), p->level);
            an_table_num(t[1], r, N_LEVEL, p->level, b);
            an_table_num(t[1], r, N_X, p->x, an_fmt_value(AM_IOPS, p->x, b, sizeof(b)));
            an_table_num(t[1], r, N_P99, p->p99, an_fmt_value(AM_P99, p->p99, b, sizeof(b)));
            snprintf(b, sizeof(b), isfinite(guests) ? "%.0f" : "-", guests);
            an_table_num(t[1], r, N_GUESTS, guests, b);
        }
        i = j;
    }
    meta =
        json_pack("{s:s, s:o, s:o, s:I}", "command", "capacity", "p99_budget_ns",
                  isfinite(budget) ? json_real(budget) : json_null(), "demand_ops",
                  isfinite(demand) ? json_real(demand) : json_null(), "points", (json_int_t)cap.n);
    if (!(f = an_out_open(c.cmd, a.out)))
        goto out;
    an_report_write(f, fmt, "viobench capacity", meta, t, 2);
    if (fmt == AF_CONSOLE)
        fprintf(f,
                "\nX = throughput (ops/s), W = mean latency; Little's law: X*W is the mean "
                "number in flight,\nwhich should equal the QD or flows of a closed loop "
                "(ratio 1.00).%s\n",
                isfinite(demand) ? " guests/host = floor(knee throughput / demand)." : "");
    if (an_out_close(f, c.cmd, a.out))
        goto out;
    ret = 0;
out:
    json_decref(meta);
    an_table_free(t[0]);
    an_table_free(t[1]);
    an_capacity_free(&cap);
    an_ctx_free(&c);
    return ret;
}
