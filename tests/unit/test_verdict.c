/*
 * compare's decision rule (analyze/verdict.c) and the pairing identity (analyze/identity.c)
 * on inputs with known answers: Benjamini-Hochberg against R's p.adjust(method = "BH"),
 * Student's t quantiles against tables, each verdict (regressed, improved, no significant
 * change, inconclusive with the repetitions needed, unstable with the modes' values), and
 * the precedence rule (a label wins over detection, the overridden detection is kept),
 * and capacity's knee (the last load before the first over budget; non-monotonic p99).
 */
#include "analyze.h"
#include "check.h"

#include <math.h>
#include <string.h>

static void test_bh(void)
{
    /* p.adjust(c(0.01, 0.04, 0.03, 0.2, NA), "BH") = 0.04 0.05333 0.05333 0.2 NA */
    double p[5] = {0.01, 0.04, 0.03, 0.2, NAN}, q[5];
    an_bh(p, 5, q);
    CHECK(fabs(q[0] - 0.04) < 1e-12 && fabs(q[1] - 0.16 / 3) < 1e-12 &&
              fabs(q[2] - 0.16 / 3) < 1e-12,
          "BH q %g %g %g", q[0], q[1], q[2]);
    CHECK(fabs(q[3] - 0.2) < 1e-12 && isnan(q[4]), "BH q %g %g", q[3], q[4]);
    /* monotone: p.adjust(c(0.001, 0.002, 0.5, 0.9), "BH") = 0.004 0.004 0.6667 0.9 */
    double p2[4] = {0.9, 0.001, 0.5, 0.002}, q2[4];
    an_bh(p2, 4, q2);
    CHECK(fabs(q2[1] - 0.004) < 1e-12 && fabs(q2[3] - 0.004) < 1e-12, "BH %g %g", q2[1], q2[3]);
    CHECK(fabs(q2[2] - 2.0 / 3) < 1e-12 && fabs(q2[0] - 0.9) < 1e-12, "BH %g %g", q2[2], q2[0]);
}

static void test_t_ppf(void)
{
    CHECK(fabs(an_t_ppf(0.975, 10) - 2.228139) < 1e-5, "t(0.975, 10) = %g", an_t_ppf(0.975, 10));
    CHECK(fabs(an_t_ppf(0.975, 4) - 2.776445) < 1e-5, "t(0.975, 4) = %g", an_t_ppf(0.975, 4));
    CHECK(fabs(an_t_ppf(0.025, 4) + 2.776445) < 1e-5, "t(0.025, 4)");
    CHECK(isnan(an_t_ppf(1.5, 4)), "outside (0, 1)");
}

/* The verdict of one row (defaults: alpha 0.05, 95% CI, min-change 4%), its p-value
   corrected as if over q_scale rows. */
static struct an_verdict decide_in(struct an_verdict_in in, double q_scale)
{
    struct an_verdict v;
    in.alpha = 0.05;
    in.level = 0.95;
    in.min_change = 0.04;
    an_verdict_test(&in, &v);
    v.q = fmin(1, v.p * q_scale);
    an_verdict_decide(&in, &v);
    return v;
}

/* A p50 row; noisy_a repetitions of A flagged noisy by the run. */
static struct an_verdict decide_n(const double *a, int na, const double *b, int nb, double q_scale,
                                  int noisy_a)
{
    return decide_in(
        (struct an_verdict_in){
            .a = a, .b = b, .na = na, .nb = nb, .noisy_a = noisy_a, .metric = AM_P50},
        q_scale);
}

static struct an_verdict decide(const double *a, int na, const double *b, int nb, double q_scale)
{
    return decide_n(a, na, b, nb, q_scale, 0);
}

static struct an_verdict decide_noisy(const double *a, int na, const double *b, int nb)
{
    return decide_n(a, na, b, nb, 1, na); /* every repetition of A noisy */
}

/* Noisy windows make a row unstable only where the data cannot decide: a CI wholly past
   min-change is called (and the reason names the noise); one straddling it is not. */
static void test_noisy(void)
{
    double a[9] = {100, 100.2, 99.8, 100.1, 99.9, 100, 100.3, 99.7, 100}, b[9], c[9], d[9];
    double wide[9] = {100, 112, 91, 104, 96, 108, 93, 101, 99};
    struct an_verdict v;
    for (int i = 0; i < 9; i++) {
        b[i] = a[i] * 1.05;  /* planted +5%, tight */
        c[i] = a[i] * 1.005; /* +0.5%, tight: inside +-4% */
        d[i] = wide[i] * 1.05;
    }
    v = decide_noisy(a, 9, b, 9);
    CHECK(v.state == AV_REGRESSED && strstr(v.reason, "noisy windows") && v.lo >= 0.04,
          "noisy but decisive +5%%: %d [%g, %g] %s", v.state, v.lo, v.hi, v.reason);
    v = decide_noisy(a, 9, c, 9);
    CHECK(v.state == AV_SAME && strstr(v.reason, "inside"), "noisy, CI inside: %d %s", v.state,
          v.reason);
    v = decide_noisy(wide, 9, d, 9);
    CHECK(v.state == AV_UNSTABLE && strstr(v.reason, "noisy windows"),
          "noisy and undecided: %d [%g, %g] %s", v.state, v.lo, v.hi, v.reason);
}

/* One row of metric m with the sides' preemptions per sample. */
static struct an_verdict decide_pre(const double *a, const double *b, int n, int m, double pre_a,
                                    double pre_b)
{
    return decide_in(
        (struct an_verdict_in){
            .a = a, .b = b, .na = n, .nb = n, .metric = m, .pre_a = pre_a, .pre_b = pre_b},
        1);
}

/* A side whose windows other tasks preempted far more often measured the machine's load:
   its tail is not the pairing's (pair pl0 of bench-verdicts: A preempted in 0.7% of
   samples, B in 0.03%, every p99 and p99.9 of A 2-6x B's with tight intervals). */
static void test_preempt(void)
{
    double a[9] = {200, 210, 190, 205, 195, 200, 202, 198, 200}, b[9];
    struct an_verdict v;
    for (int i = 0; i < 9; i++)
        b[i] = a[i] * 0.5;
    v = decide_pre(a, b, 9, AM_P99, 0.007, 0.0003);
    CHECK(v.state == AV_UNSTABLE && strstr(v.reason, "A's windows were preempted") &&
              strstr(v.reason, "23x as often as B's"),
          "A preempted 23x as often, p99: %d %s", v.state, v.reason);
    v = decide_pre(b, a, 9, AM_P999, 0.0003, 0.007);
    CHECK(v.state == AV_UNSTABLE && strstr(v.reason, "B's windows were preempted"),
          "B preempted, p99.9: %d %s", v.state, v.reason);
    v = decide_pre(a, b, 9, AM_MEAN, 0.01, 0);
    CHECK(v.state == AV_UNSTABLE && strstr(v.reason, "B's never"), "B never preempted: %d %s",
          v.state, v.reason);
    v = decide_pre(b, a, 9, AM_P99, 0.007, 0.0003);
    CHECK(v.state == AV_REGRESSED, "A preempted more yet faster: B's regression stands (%d %s)",
          v.state, v.reason);
    v = decide_pre(a, b, 9, AM_P99, 0.007, 0.007);
    CHECK(v.state == AV_IMPROVED, "both sides preempted alike: called (%d %s)", v.state, v.reason);
    v = decide_pre(a, b, 9, AM_P99, 0.002, 0.0001);
    CHECK(v.state == AV_IMPROVED, "preemptions below a quarter of the p99's tail: called (%d %s)",
          v.state, v.reason);
    v = decide_pre(a, b, 9, AM_P50, 0.007, 0.0003);
    CHECK(v.state == AV_IMPROVED, "0.7%% of samples cannot move a p50: called (%d %s)", v.state,
          v.reason);
    v = decide_pre(a, b, 9, AM_P99, NAN, 0.0003);
    CHECK(v.state == AV_IMPROVED, "unknown preemptions (Google Benchmark, fio): called (%d)",
          v.state);
}

/* lib/reps.h: the one aggregation and the modes test. */
static void test_reps(void)
{
    struct reps_modes m;
    double v[5] = {44400, 9950, 45400, 9900, 45000};
    CHECK(fabs(reps_geomean((double[]){1, 100}, 2) - 10) < 1e-9, "geomean");
    CHECK(reps_geomean((double[]){0, 5, 7}, 3) == 5, "a zero: the median");
    CHECK(isnan(reps_geomean(v, 0)), "none: NAN");
    CHECK(reps_modes(v, 5, &m) == 1 && m.n[0] == 2 && m.n[1] == 3 && fabs(m.m[0] - 9925) < 1 &&
              m.m[1] > 44000 && v[0] == 44400,
          "modes %d/%d %g %g (input unchanged %g)", m.n[0], m.n[1], m.m[0], m.m[1], v[0]);
    CHECK(reps_modes((double[]){100, 110, 121, 133}, 4, &m) == 0, "a steady climb is not modes");
    CHECK(reps_modes((double[]){100, 300}, 2, &m) == 0, "two values: too few");
}

static void test_verdicts(void)
{
    double a[5] = {100, 101, 99, 100.5, 99.5}, b[5], c[5], m[5] = {100, 101, 99, 300, 302};
    struct an_verdict v;

    for (int i = 0; i < 5; i++) {
        b[i] = a[i] * 1.10;
        c[i] = a[i] * 1.02;
    }
    v = decide(a, 5, b, 5, 1);
    CHECK(v.state == AV_REGRESSED && fabs(v.change - 0.10) < 1e-9 && v.lo > 0.05 && v.hi < 0.15,
          "+10%% regressed: state %d change %g [%g, %g]", v.state, v.change, v.lo, v.hi);
    v = decide(b, 5, a, 5, 1);
    CHECK(v.state == AV_IMPROVED, "-9%% improved: %d", v.state);
    /* significant but below --min-change: not called */
    v = decide(a, 5, c, 5, 1);
    CHECK(v.state == AV_SAME && v.p < 0.05, "+2%% is no significant change: %d p %g", v.state, v.p);
    /* the same +10%, but a correction over 1e6 rows: not significant; then the spread
       decides between no change and inconclusive */
    v = decide(a, 5, b, 5, 1e9);
    CHECK(v.state != AV_REGRESSED, "corrected away: %d", v.state);
    /* two repetitions: inconclusive, says why */
    v = decide(a, 2, b, 2, 1);
    CHECK(v.state == AV_INCONCLUSIVE && strstr(v.reason, "at least 3"), "2 reps: %d %s", v.state,
          v.reason);
    /* noisy repetitions: inconclusive with how many are needed */
    {
        double n1[4] = {100, 130, 80, 110}, n2[4] = {105, 90, 125, 100};
        v = decide(n1, 4, n2, 4, 1);
        CHECK(v.state == AV_INCONCLUSIVE && v.need > 4 && strstr(v.reason, "are needed"),
              "noisy: %d need %d %s", v.state, v.need, v.reason);
    }
    /* distinct modes: unstable, with the modes' values */
    v = decide(a, 5, m, 5, 1);
    CHECK(v.state == AV_UNSTABLE && v.mode_side == 1 && v.nmode[0] == 3 && v.nmode[1] == 2 &&
              strstr(v.reason, "distinct modes"),
          "modes: %d %s", v.state, v.reason);
}

/* Runs as the unit: three runs a side whose levels differ by 10% while their repetitions
   agree within 0.5%; B is 5% above A. Pooled repetitions would call it; runs do not. */
static void test_by_runs(void)
{
    double a[15], b[15], lvl[3] = {100, 110, 90}, jit[5] = {-0.005, 0.002, 0, 0.004, -0.001};
    int ra[15], rb[15];
    struct an_verdict_in in = {.a = a,
                               .b = b,
                               .run_a = ra,
                               .run_b = rb,
                               .na = 15,
                               .nb = 15,
                               .metric = AM_P50,
                               .alpha = 0.05,
                               .level = 0.95,
                               .min_change = 0.04};
    struct an_verdict v;
    for (int r = 0; r < 3; r++)
        for (int k = 0; k < 5; k++) {
            a[r * 5 + k] = lvl[r] * (1 + jit[k]);
            b[r * 5 + k] = lvl[(r + 1) % 3] * 1.05 * (1 + jit[(k + 2) % 5]);
            ra[r * 5 + k] = rb[r * 5 + k] = r;
        }
    an_verdict_test(&in, &v);
    v.q = v.p;
    an_verdict_decide(&in, &v);
    CHECK(v.by_runs == 1 && v.nruns_a == 3 && v.p > 0.05 && v.state != AV_REGRESSED,
          "runs scatter: by_runs %d p %g state %d (%s)", v.by_runs, v.p, v.state, v.reason);
    /* the same data as one run a side: the repetitions decide (and see the 5%) */
    in.run_a = in.run_b = NULL;
    an_verdict_test(&in, &v);
    CHECK(!v.by_runs, "one run a side: repetitions are the unit");
    /* runs that agree: repetitions stay the unit */
    for (int i = 0; i < 15; i++) {
        a[i] = 100 * (1 + jit[i % 5]);
        b[i] = 105 * (1 + jit[(i + 1) % 5]);
    }
    in.run_a = ra;
    in.run_b = rb;
    an_verdict_test(&in, &v);
    v.q = v.p;
    an_verdict_decide(&in, &v);
    CHECK(!v.by_runs && v.state == AV_REGRESSED, "runs agree: by_runs %d state %d", v.by_runs,
          v.state);
}

/* One run a side: its repetitions cannot show how far runs drift apart. Without the
   drift measured elsewhere nothing is called; with it, the runs are the unit. The two
   runs below differ by 10% with repetitions that agree within 0.5% (two runs minutes apart
   on the development machine: exit/cpuid p50 8.3 and 11.6 us, each run's spread 7.6%). */
static void test_one_run(void)
{
    double a[5], b[5], jit[5] = {-0.005, 0.002, 0, 0.004, -0.001};
    int ra[5] = {0}, rb[5] = {0};
    struct an_verdict_in in = {
        .a = a, .b = b, .run_a = ra, .run_b = rb, .na = 5, .nb = 5, .metric = AM_P50};
    struct an_verdict v;

    for (int k = 0; k < 5; k++) {
        a[k] = 100 * (1 + jit[k]);
        b[k] = 110 * (1 + jit[(k + 2) % 5]);
    }
    v = decide_in(in, 1);
    CHECK(v.state == AV_INCONCLUSIVE && v.drift == 1 && strstr(v.reason, "each side holds one run"),
          "drift unmeasured: %d %s", v.state, v.reason);
    /* earlier runs of the pairing scatter 8% (a run's CV), 10 of them: 10% is not resolved */
    in.drift_var = 0.08 * 0.08;
    in.drift_df = 9;
    in.drift_runs = 10;
    v = decide_in(in, 1);
    CHECK(v.state == AV_INCONCLUSIVE && v.drift == 2 && v.need_runs > 1 && v.lo < 0 &&
              strstr(v.reason, "scatter 8.0% (10 runs)"),
          "drift 8%%: %d [%g, %g] need %d %s", v.state, v.lo, v.hi, v.need_runs, v.reason);
    /* the 10% needs fewer runs to confirm than the 4% minimum to resolve: both are said
       (ceil(2 x 2.8016^2 x 0.08^2 / ln(1.1)^2) + 1 = 13; / ln(1.04)^2: 67) */
    CHECK(strstr(v.reason,
                 "about 67 runs a side are needed to resolve 4%, 13 to confirm one of +10%"),
          "runs to confirm: %s", v.reason);
    /* they scatter 1%: the 10% is called, and the reason says against what */
    in.drift_var = 0.01 * 0.01;
    v = decide_in(in, 1);
    CHECK(v.state == AV_REGRESSED && v.lo > 0.04 && strstr(v.reason, "runs as the unit"),
          "drift 1%%: %d [%g, %g] %s", v.state, v.lo, v.hi, v.reason);
    /* fewer than 2 degrees of freedom measure nothing */
    in.drift_df = 1;
    v = decide_in(in, 1);
    CHECK(v.state == AV_INCONCLUSIVE && v.drift == 1, "1 df: %d", v.state);
}

/* an_drift_of: the scatter of run means, from a side's own runs when it holds several. */
static void test_drift_of(void)
{
    enum { R = 3, K = 5 };
    double lvl[R] = {100, 110, 90}, jit[K] = {-0.005, 0.002, 0, 0.004, -0.001},
           vals[R * K * AM_NMETRICS];
    double one[K * AM_NMETRICS], var, s = 0, ss = 0;
    int runs[R * K], runs1[K] = {0}, df, nr;
    struct an_bench x = {.name = "b", .nrows = R * K, .vals = vals, .runs = runs};
    struct an_bench y = {.name = "b", .nrows = K, .vals = one, .runs = runs1};

    for (int i = 0; i < R * K * AM_NMETRICS; i++)
        vals[i] = NAN;
    for (int i = 0; i < K * AM_NMETRICS; i++)
        one[i] = NAN;
    for (int r = 0; r < R; r++)
        for (int k = 0; k < K; k++) {
            AN_VAL(&x, r * K + k, AM_P50) = lvl[r] * (1 + jit[k]);
            runs[r * K + k] = r;
        }
    for (int k = 0; k < K; k++)
        AN_VAL(&y, k, AM_P50) = 100 * (1 + jit[k]);
    for (int r = 0; r < R; r++) {
        s += log(lvl[r]);
        ss += log(lvl[r]) * log(lvl[r]);
    }
    CHECK(an_drift_of(NULL, &x, &y, AM_P50, &var, &df, &nr) == 0 && df == 2 && nr == 3,
          "three runs: df %d runs %d", df, nr);
    /* the run means' sample variance, within 5% (the repetitions' jitter adds little) */
    ss = (ss - s * s / R) / (R - 1);
    CHECK(fabs(var / ss - 1) < 0.05, "variance %g, runs' %g", var, ss);
    CHECK(an_drift_of(NULL, &y, &y, AM_P50, &var, &df, &nr) == -1 && isnan(var),
          "one run a side and no history: not measured");
}

static void test_identity(void)
{
    struct store_run_info ri;
    char buf[512], k1[1024], k2[1024];

    memset(&ri, 0, sizeof(ri));
    snprintf(ri.pairing.v[SP_HYPERVISOR], sizeof(ri.pairing.v[0]), "kvm");
    snprintf(ri.pairing.v[SP_GUEST_OS], sizeof(ri.pairing.v[0]), "debian");
    ri.labels = json_pack("{s:s}", "host_hypervisor", "hyperv");
    CHECK(strcmp(an_id_value(&ri, AI_HYPERVISOR), "hyperv") == 0, "label wins");
    CHECK(strcmp(an_id_detected(&ri, AI_HYPERVISOR), "kvm") == 0, "detection kept");
    CHECK(strcmp(an_id_value(&ri, AI_GUEST_OS), "debian") == 0, "detection without a label");
    an_id_label(&ri, 0, buf, sizeof(buf));
    CHECK(strcmp(buf, "hypervisor=hyperv (detected kvm) guest_os=debian") == 0, "label '%s'", buf);
    CHECK(strcmp(an_run_key(&ri, "hypervisor"), "hyperv") == 0, "selector keys follow the rule");
    an_id_group_key(&ri, 0, k1, sizeof(k1));
    json_object_set_new(ri.labels, "host_hypervisor", json_string("kvm"));
    an_id_group_key(&ri, 0, k2, sizeof(k2));
    CHECK(strcmp(k1, k2) != 0, "two labelled hosts are two identities");
    CHECK(strcmp(an_id_detected(&ri, AI_HYPERVISOR), "") == 0, "label = detection");
    json_object_set_new(ri.labels, "guest_kernel", json_string("6.1.0-18"));
    CHECK(strcmp(an_id_value(&ri, AI_KERNEL), "6.1.0-18") == 0, "guest_kernel label");
    an_id_group_key(&ri, AN_ID_VERSIONS, k1, sizeof(k1));
    json_object_set_new(ri.labels, "guest_kernel", json_string("6.1.0-17"));
    an_id_group_key(&ri, AN_ID_VERSIONS, k2, sizeof(k2));
    CHECK(strcmp(k1, k2) == 0, "versions left out of a baseline's identity");
    json_decref(ri.labels);
}

static void test_options(void)
{
    json_t *ctx = json_pack("{s:{s:i, s:s, s:f, s:s}}", "options", "cpu", 3, "timer", "tsc",
                            "min_time_s", 0.2, "filter", "x");
    char buf[256];
    an_options_sig(ctx, buf, sizeof(buf));
    CHECK(strcmp(buf, "cpu=3 timer=tsc") == 0, "options '%s'", buf);
    json_decref(ctx);
    /* defaults say nothing */
    ctx = json_pack("{s:{s:i, s:s, s:f, s:b, s:i, s:n}}", "options", "cpu", -1, "timer", "auto",
                    "interval_s", 0.001, "switch_clocksource", 0, "peer_cpu", 2, "target");
    an_options_sig(ctx, buf, sizeof(buf));
    CHECK(strcmp(buf, "peer_cpu=2") == 0, "options '%s'", buf);
    json_decref(ctx);
}

static void test_aggregation(void)
{
    /* the unpinned net/udp_rr of the issue: p50 9.95 us (19,271 samples), 44.4 us and
       45.4 us (about 2,220 each); each repetition weighs the same, and the modes are said */
    double vals[3 * AM_NMETRICS], reps[3] = {9950, 44400, 45400}, v;
    struct an_bench b = {.name = "net/udp_rr", .nrows = 3, .vals = vals, .cap = 3};
    char note[160];
    for (int i = 0; i < 3 * AM_NMETRICS; i++)
        vals[i] = NAN;
    for (int r = 0; r < 3; r++)
        AN_VAL(&b, r, AM_P50) = reps[r];
    v = an_bench_value(&b, AM_P50);
    CHECK(fabs(v - cbrt(9950.0 * 44400 * 45400)) < 1e-6, "geometric mean over repetitions %g", v);
    CHECK(an_rep_modes(reps, 3, AM_P50, note, sizeof(note)) == 1 &&
              strstr(note, "distinct modes") && strstr(note, "(1)") && strstr(note, "(2)"),
          "modes '%s'", note);
    CHECK(an_rep_modes((double[]){100, 101, 102}, 3, AM_P50, note, sizeof(note)) == 0 && !note[0],
          "no modes '%s'", note);
}

static void test_knee(void)
{
    /* p99 by QD 1..32: 1 ms, 2 ms, 6 ms (over a 5 ms budget), 4 ms (back under), 8 ms */
    struct an_cap_point p[5];
    struct an_cap c = {.n = 5, .p = p};
    double p99[5] = {1e6, 2e6, 6e6, 4e6, 8e6}, x[5] = {1000, 2000, 3000, 5000, 5500};
    int nm, k;
    memset(p, 0, sizeof(p));
    for (int i = 0; i < 5; i++) {
        p[i].level = 1 << (i + 1);
        p[i].x = x[i];
        p[i].p99 = p99[i];
    }
    k = an_capacity_knee(&c, 0, 5, 5e6, &nm);
    CHECK(k == 1, "knee is the last load before the first over budget: %d", k);
    CHECK(nm == 3, "non-monotonic p99 flagged at point 3: %d", nm);
    p99[3] = 7e6;
    p[3].p99 = 7e6;
    k = an_capacity_knee(&c, 0, 5, 9e6, &nm);
    CHECK(k == 4 && nm == -1, "monotonic, all under: knee %d nonmono %d", k, nm);
}

int main(void)
{
    test_bh();
    test_t_ppf();
    test_verdicts();
    test_by_runs();
    test_one_run();
    test_drift_of();
    test_identity();
    test_options();
    test_knee();
    test_aggregation();
    test_noisy();
    test_preempt();
    test_reps();
    return check_done("test_verdict");
}
