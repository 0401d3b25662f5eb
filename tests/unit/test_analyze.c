/*
 * The analyzer's statistics against independent reference values (scipy, in
 * tests/fixtures/analyze/reference.json, made by gen_fixtures.py beside it), and its pure
 * pieces: version order, change points on synthetic series, budget-file errors with line
 * numbers, sparse histograms, value units, report escaping.
 *
 * Tolerances: deterministic figures (U, p-values, Welch p, special functions) must agree to
 * 1e-9 (relative where the value is small).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyze.h"
#include "check.h"
#include "jsonx.h"

#define REF "tests/fixtures/analyze/reference.json"

static int close_rel(double a, double b, double tol)
{
    return fabs(a - b) <= tol * fmax(1e-300, fmax(fabs(a), fabs(b))) || fabs(a - b) < 1e-15;
}

static int to_array(json_t *arr, double *out, int max)
{
    int n = 0;
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
    {
        if (n < max)
            out[n++] = json_number_value(v);
    }
    return n;
}

static void test_mwu(json_t *ref)
{
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(ref, "mwu"), i, c)
    {
        double x[64], y[64];
        int nx = to_array(json_object_get(c, "x"), x, 64),
            ny = to_array(json_object_get(c, "y"), y, 64);
        struct an_mwu r;
        CHECK(an_mwu(x, nx, y, ny, &r) == 0, "mwu case %zu", i);
        CHECK(fabs(r.u - jx_num(c, "u", NAN)) < 1e-9, "mwu %zu: U %g, scipy %g", i, r.u,
              jx_num(c, "u", NAN));
        CHECK(close_rel(r.p, jx_num(c, "p", NAN), 1e-9), "mwu %zu: p %.15g, scipy %.15g (%s)", i,
              r.p, jx_num(c, "p", NAN), r.exact ? "exact" : "asymptotic");
    }
    {
        double x[1] = {1};
        struct an_mwu r;
        CHECK(an_mwu(x, 0, x, 1, &r) == -EINVAL, "empty sample accepted");
    }
}

static void test_special(json_t *ref)
{
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(ref, "betainc"), i, c)
    {
        double v = an_betainc(jx_num(c, "a", 0), jx_num(c, "b", 0), jx_num(c, "x", 0));
        CHECK(close_rel(v, jx_num(c, "v", NAN), 1e-9) || fabs(v - jx_num(c, "v", NAN)) < 1e-13,
              "betainc %zu: %.15g, scipy %.15g", i, v, jx_num(c, "v", NAN));
    }
    json_array_foreach(json_object_get(ref, "norm_ppf"), i, c)
    {
        double v = an_norm_ppf(jx_num(c, "p", 0));
        CHECK(fabs(v - jx_num(c, "v", NAN)) < 1e-9, "norm_ppf %zu: %.15g, scipy %.15g", i, v,
              jx_num(c, "v", NAN));
    }
    json_array_foreach(json_object_get(ref, "welch"), i, c)
    {
        double x[64], y[64], s1 = 0, q1 = 0, s2 = 0, q2 = 0, p;
        int nx = to_array(json_object_get(c, "x"), x, 64),
            ny = to_array(json_object_get(c, "y"), y, 64);
        for (int k = 0; k < nx; k++)
            s1 += x[k], q1 += x[k] * x[k];
        for (int k = 0; k < ny; k++)
            s2 += y[k], q2 += y[k] * y[k];
        p = an_welch_p(nx, s1, q1, ny, s2, q2);
        CHECK(close_rel(p, jx_num(c, "p", NAN), 1e-7), "welch %zu: p %.15g, scipy %.15g", i, p,
              jx_num(c, "p", NAN));
    }
}

static void test_semver(void)
{
    static const char *const sorted[] = {"1.9",
                                         "1.10",
                                         "2.3.1-rc1",
                                         "v2.3.1",
                                         "2.3.1-1",
                                         "6.1.0",
                                         "6.1.0-17-amd64",
                                         "6.1.0-18-amd64",
                                         "6.1.0-18-cloud-amd64",
                                         "6.10.0",
                                         "10.0.14393",
                                         "10.0.20348",
                                         "10.0.20348.1"};
    int n = (int)(sizeof(sorted) / sizeof(sorted[0]));
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            int c = an_vercmp(sorted[i], sorted[j]);
            CHECK((i < j && c < 0) || (i == j && c == 0) || (i > j && c > 0), "vercmp(%s, %s) = %d",
                  sorted[i], sorted[j], c);
        }
    CHECK(an_vercmp("2.3.1-alpha", "2.3.1-beta") < 0 && an_vercmp("2.3.1-beta", "2.3.1-rc2") < 0,
          "pre-release order");
    CHECK(an_vercmp("v007", "7") == 0, "leading zeros and v");
    CHECK(an_is_version("v2.1") && an_is_version("6.1.0-18") && !an_is_version("r2") &&
              !an_is_version(""),
          "an_is_version");
}

static double gauss(uint64_t *s)
{
    double u = an_rand(s), v = an_rand(s);
    return sqrt(-2 * log(u < 1e-300 ? 1e-300 : u)) * cos(2 * M_PI * v);
}

static void test_edivisive(void)
{
    struct an_cp_opts o = {.pvalue = 0.001, .min_seg = 3};
    struct an_cp cp[16];
    double x[200];
    uint64_t seed = 42;
    int n;

    for (int i = 0; i < 100; i++)
        x[i] = 100 * (i >= 60 ? 1.10 : 1) * (1 + 0.02 * gauss(&seed));
    n = an_edivisive(x, 100, &o, cp, 16);
    CHECK(n == 1 && abs(cp[0].index - 60) <= 1, "one +10%% shift at 60: %d found, first at %d", n,
          n > 0 ? cp[0].index : -1);
    if (n == 1) {
        CHECK(fabs(cp[0].after / cp[0].before - 1.10) < 0.02, "magnitude %g",
              cp[0].after / cp[0].before);
        CHECK(cp[0].p < 1e-6, "p %g", cp[0].p);
    }
    for (int i = 0; i < 150; i++)
        x[i] = 50 * (i >= 40 ? 0.9 : 1) * (i >= 110 ? 1.2 : 1) * (1 + 0.02 * gauss(&seed));
    n = an_edivisive(x, 150, &o, cp, 16);
    CHECK(n == 2 && abs(cp[0].index - 40) <= 1 && abs(cp[1].index - 110) <= 1,
          "two shifts at 40 and 110: %d found (%d, %d)", n, n > 0 ? cp[0].index : -1,
          n > 1 ? cp[1].index : -1);
    for (int i = 0; i < 200; i++)
        x[i] = 80 * (1 + 0.03 * gauss(&seed));
    n = an_edivisive(x, 200, &o, cp, 16);
    CHECK(n == 0, "no shift: %d change points", n);
    for (int i = 0; i < 50; i++)
        x[i] = 7;
    CHECK(an_edivisive(x, 50, &o, cp, 16) == 0, "constant series");
    CHECK(an_edivisive(x, 5, &o, cp, 16) == 0, "too short");
    for (int i = 0; i < 30; i++)
        x[i] = i < 27 ? 10 * (1 + 0.01 * gauss(&seed)) : 15;
    n = an_edivisive(x, 30, &o, cp, 16);
    CHECK(n == 1 && cp[0].index == 27, "a jump three points from the end: %d (%d)", n,
          n ? cp[0].index : -1);
    o.min_rel = 0.2;
    for (int i = 0; i < 100; i++)
        x[i] = 100 * (i >= 60 ? 1.10 : 1) * (1 + 0.02 * gauss(&seed));
    CHECK(an_edivisive(x, 100, &o, cp, 16) == 0, "min magnitude 20%% drops a 10%% shift");
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
}

static void test_budget(void)
{
    char path[] = "/tmp/vb-budget-XXXXXX", err[512];
    struct an_budgets b;
    int fd = mkstemp(path);
    static const struct {
        const char *text, *want;
    } bad[] = {
        {"# only a comment\n\n", ":2: no budget"},
        {"timer/* p99 <= 2us\nnet/* p99\n", ":2: expected"},
        {"\n\nx p55 <= 1us\n", ":3: unknown metric 'p55'"},
        {"x p50 =< 1us\n", ":1: unknown comparison '=<'"},
        {"x p50 <= 1parsec\n", ":1: bad value '1parsec' for p50"},
        {"x iops >= lots\n", ":1: bad value 'lots' for iops"},
        {"hypervisor=kvm p50 <= 1us\n", ":1: the line must start with a benchmark pattern"},
        {"x p50 <= 1us extra\n", ":1: expected"},
    };
    close(fd);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        write_file(path, bad[i].text);
        CHECK(an_budget_load(path, &b, err, sizeof(err)) == -EINVAL && strstr(err, bad[i].want) &&
                  strncmp(err, path, strlen(path)) == 0,
              "budget %zu: '%s' (want '%s')", i, err, bad[i].want);
    }
    write_file(path, "# budgets\n"
                     "timer/read/*  p99 <= 2us   # clock reads\n"
                     "net/tcp_rr/* hypervisor=kvm guest_os=rhel* p99.9 < 500us\n"
                     "storage/uring/randread/bs:4k/qd:32 iops >= 50k\n"
                     "storage/uring/read/* bandwidth >= 1GiB/s\n");
    CHECK(an_budget_load(path, &b, err, sizeof(err)) == 0, "good budget file: %s", err);
    CHECK(b.n == 4, "%d budgets", b.n);
    if (b.n == 4) {
        struct store_run_info ri = {0};
        CHECK(b.b[0].line == 2 && b.b[0].metric == AM_P99 && b.b[0].cmp == AC_LE &&
                  b.b[0].value == 2000,
              "line 2 parsed: %d %d %g", b.b[0].line, b.b[0].metric, b.b[0].value);
        CHECK(b.b[1].nsel == 2 && strcmp(b.b[1].keys[1], "guest_os") == 0 &&
                  b.b[1].metric == AM_P999 && b.b[1].value == 500000,
              "selectors parsed");
        CHECK(b.b[2].metric == AM_IOPS && b.b[2].value == 50000 && b.b[2].cmp == AC_GE, "iops");
        CHECK(b.b[3].value == 1073741824.0, "bandwidth %g", b.b[3].value);
        CHECK(an_budget_applies(&b.b[0], "timer/read/tsc", NULL) &&
                  !an_budget_applies(&b.b[0], "timer/wake/x", NULL),
              "pattern");
        snprintf(ri.pairing.v[SP_HYPERVISOR], 128, "kvm");
        snprintf(ri.pairing.v[SP_GUEST_OS], 128, "rhel-9.4");
        CHECK(an_budget_applies(&b.b[1], "net/tcp_rr/size:64", &ri), "selectors match");
        snprintf(ri.pairing.v[SP_HYPERVISOR], 128, "hyperv");
        CHECK(!an_budget_applies(&b.b[1], "net/tcp_rr/size:64", &ri), "selectors exclude");
        CHECK(an_budget_ok(&b.b[0], 2000) && !an_budget_ok(&b.b[0], 2001) &&
                  !an_budget_ok(&b.b[1], 500000) && an_budget_ok(&b.b[2], 50000),
              "comparisons");
        an_budget_free(&b);
    }
    CHECK(an_budget_load("/nonexistent/budget", &b, err, sizeof(err)) == -ENOENT, "missing file");
    {
        /* the parser on an open stream (the fuzz harness reads from memory) */
        char good[] = "x p50 <= 1us\ny p99 < 2ms\n", badcmp[] = "x p50 =< 1us\n";
        FILE *f = fmemopen(good, strlen(good), "r");
        CHECK(f && an_budget_read(f, "mem", &b, err, sizeof(err)) == 0 && b.n == 2 &&
                  b.b[1].value == 2e6,
              "budgets from a stream: %s", err);
        if (f) {
            fclose(f);
            an_budget_free(&b);
        }
        f = fmemopen(badcmp, strlen(badcmp), "r");
        CHECK(f && an_budget_read(f, "mem", &b, err, sizeof(err)) == -EINVAL &&
                  strncmp(err, "mem:1: unknown comparison '=<'", 30) == 0,
              "a bad stream names it: %s", err);
        if (f)
            fclose(f);
    }
    unlink(path);
}

static void test_hist(void)
{
    struct hist *h1 = hist_new(), *h2 = hist_new();
    struct an_hist *s;
    uint64_t seed = 3;
    for (int i = 0; i < 5000; i++) {
        hist_record(h1, 100 + 900 * an_rand(&seed));
        hist_record(h2, 50 + 5000 * an_rand(&seed) * an_rand(&seed));
    }
    s = an_hist_from(h1);
    CHECK(s && an_hist_merge(s, h2) == 0, "sparse merge");
    hist_merge(h1, h2);
    for (double p = 1; p < 100; p += 7.3)
        CHECK(an_hist_percentile(s, p) == hist_percentile(h1, p), "p%g: %g vs %g", p,
              an_hist_percentile(s, p), hist_percentile(h1, p));
    CHECK(s->count == h1->count && s->min == h1->min && s->max == h1->max, "summary");
    CHECK(close_rel(an_hist_mean(s), hist_mean(h1), 1e-12) &&
              close_rel(an_hist_stddev(s), hist_stddev(h1), 1e-9),
          "mean/stddev");
    an_hist_free(s);
    hist_free(h1);
    hist_free(h2);
}

static void test_units_and_report(void)
{
    double v;
    char buf[256];
    struct an_table *t;
    static const char *const keys[] = {"name", "value"};
    FILE *f;
    char *mem = NULL;
    size_t len = 0;
    json_t *doc;

    CHECK(an_metric_parse("p99.9") == AM_P999 && an_metric_parse("median") == AM_P50 &&
              an_metric_parse("iops") == AM_IOPS && an_metric_parse("p98") == -1,
          "metric names");
    CHECK(an_parse_value(AM_P99, "2us", &v) == 0 && v == 2000, "2us");
    CHECK(an_parse_value(AM_P99, "800", &v) == 0 && v == 800, "bare ns");
    CHECK(an_parse_value(AM_IOPS, "50k/s", &v) == 0 && v == 50000, "50k/s");
    CHECK(an_parse_value(AM_BW, "1GiB/s", &v) == 0 && v == 1073741824.0, "1GiB/s");
    CHECK(an_parse_frac("5%", &v) == 0 && fabs(v - 0.05) < 1e-15 &&
              an_parse_frac("0.01", &v) == 0 && v == 0.01 && an_parse_frac("x", &v) != 0,
          "fractions");
    CHECK(strcmp(an_html_escape("<a href=\"x\">&'", buf, sizeof(buf)),
                 "&lt;a href=&quot;x&quot;&gt;&amp;&#39;") == 0,
          "html escape: %s", buf);
    t = an_table_new("rows", "t", 2, keys, NULL);
    an_table_str(t, an_table_row(t), 0, "a,\"b\"");
    an_table_num(t, 0, 1, 1.5, "1.5 ns");
    an_table_str(t, an_table_row(t), 0, "<script>");
    f = open_memstream(&mem, &len);
    an_report_write(f, AF_CSV, "x", NULL, &t, 1);
    fclose(f);
    CHECK(strcmp(mem, "name,value\n\"a,\"\"b\"\"\",1.5\n<script>,\n") == 0, "csv: %s", mem);
    free(mem);
    f = open_memstream(&mem, &len);
    an_report_write(f, AF_JSON, "x", NULL, &t, 1);
    fclose(f);
    doc = json_loads(mem, 0, NULL);
    CHECK(
        doc &&
            json_real_value(
                json_object_get(json_array_get(json_object_get(doc, "rows"), 0), "value")) == 1.5 &&
            json_is_null(json_object_get(json_array_get(json_object_get(doc, "rows"), 1), "value")),
        "json: %s", mem);
    json_decref(doc);
    free(mem);
    f = open_memstream(&mem, &len);
    an_report_write(f, AF_HTML, "x<y", NULL, &t, 1);
    fclose(f);
    CHECK(strstr(mem, "&lt;script&gt;") && !strstr(mem, "<script>") && strstr(mem, "x&lt;y"),
          "html escapes cells and titles");
    free(mem);
    f = open_memstream(&mem, &len);
    an_report_write(f, AF_MD, "x", NULL, &t, 1);
    fclose(f);
    CHECK(strstr(mem, "| a,\"b\" | 1.5 ns |") && strstr(mem, "\\<script>"), "markdown: %s", mem);
    free(mem);
    an_table_free(t);
}

int main(void)
{
    char err[512];
    json_t *ref = jx_load_file(REF, err, sizeof(err));

    if (!ref) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    test_mwu(ref);
    test_special(ref);
    test_semver();
    test_edivisive();
    test_budget();
    test_hist();
    test_units_and_report();
    json_decref(ref);
    return check_done("test_analyze");
}
