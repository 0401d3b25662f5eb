/*
 * Result format round trips: a run with iteration, aggregate, error and skip rows, counters,
 * info and histograms is written as Google Benchmark JSON, CSV and a run directory and read
 * back equal; malformed Google Benchmark JSON and CSV are refused with a reason.
 */
#include "check.h"
#include "jsonx.h"
#include "result.h"

#include <math.h>
#include <string.h>
#include <unistd.h>

static void build(struct vb_run *r)
{
    vb_run_init(r);
    json_object_set_new(r->context, "viobench_format", json_integer(VB_FORMAT_VERSION));
    json_object_set_new(r->context, "run_id", json_string("t-1"));
    json_object_set_new(r->context, "start", json_string("2026-11-24T00:00:00.000Z"));
    json_object_set_new(r->context, "host_name", json_string("h"));
    json_object_set_new(r->context, "pairing",
                        json_pack("{s:{s:i, s:f}, s:{s:s, s:s}}", "cpu", "count", 2, "mhz", 2096.0,
                                  "summary", "hypervisor", "KVM", "guest", "Debian 12"));
    for (int rep = 0; rep < 3; rep++) {
        struct vb_row *w = vb_run_add_row(r, "exit/cpuid/leaf:0x0");
        w->repetitions = 3;
        w->repetition_index = rep;
        w->iterations = 1000 + rep;
        w->hist = hist_new();
        for (int i = 0; i < 100; i++)
            hist_record(w->hist, 6000 + i * 10 + rep);
        w->real_time = hist_mean(w->hist);
        w->cpu_time = w->real_time * 0.99;
        w->items_per_second = 1e9 / w->real_time;
        vb_row_set_counter(w, "p99_ns", hist_percentile(w->hist, 99));
        vb_row_set_counter(w, "noisy", 0);
        vb_row_set_counter(w, "extra, \"quoted\"", 1.5);
        w->info = json_pack("{s:s}", "mode", "loop");
        w->label = strdup("label, with comma");
    }
    {
        struct vb_row *w = vb_run_add_row(r, "storage/uring/randread/bs:4k/qd:1");
        w->iterations = 500;
        w->real_time = 80000;
        w->cpu_time = 5000;
        w->bytes_per_second = 4096 * 12500.0;
        w->items_per_second = 12500;
        w->hist = hist_new();
        hist_record_n(w->hist, 80000, 500);
        vb_row_set_counter(w, "short_ios", 0);
    }
    vb_row_set_error(vb_run_add_row(r, "exit/vmcall"), 1, "skipped: vmmcall faulted");
    vb_row_set_error(vb_run_add_row(r, "net/tcp_rr/size:64"), 0, "connect: refused");
    vb_run_add_aggregates(r);
}

static const struct vb_row *find(const struct vb_run *r, const char *name, int rep)
{
    for (size_t i = 0; i < r->nrows; i++)
        if (strcmp(r->rows[i].name, name) == 0 && r->rows[i].repetition_index == rep)
            return &r->rows[i];
    return NULL;
}

static int same_num(double a, double b)
{
    return (isnan(a) && isnan(b)) || a == b;
}

static void compare_rows(const struct vb_run *a, const struct vb_run *b, const char *what,
                         int have_meta)
{
    CHECK(a->nrows == b->nrows, "%s: %zu rows vs %zu", what, a->nrows, b->nrows);
    for (size_t i = 0; i < a->nrows && i < b->nrows; i++) {
        /* CSV has no repetition index: match its rows by position */
        const struct vb_row *x = &a->rows[i],
                            *y = have_meta ? find(b, x->name, x->repetition_index) : &b->rows[i];
        CHECK(y != NULL && !strcmp(x->name, y->name), "%s: row %s missing", what, x->name);
        if (!y)
            continue;
        CHECK(x->error_occurred == y->error_occurred, "%s: %s error flag", what, x->name);
        if (x->error_occurred) {
            CHECK(strcmp(x->error_message, y->error_message) == 0, "%s: %s message '%s'", what,
                  x->name, y->error_message);
            if (have_meta)
                CHECK(x->skipped == y->skipped, "%s: %s skipped flag", what, x->name);
            continue;
        }
        CHECK(x->iterations == y->iterations, "%s: %s iterations", what, x->name);
        CHECK(x->real_time == y->real_time && x->cpu_time == y->cpu_time, "%s: %s times", what,
              x->name);
        CHECK(same_num(x->bytes_per_second, y->bytes_per_second) &&
                  same_num(x->items_per_second, y->items_per_second),
              "%s: %s throughput", what, x->name);
        CHECK((!x->label && !y->label) || (x->label && y->label && !strcmp(x->label, y->label)),
              "%s: %s label", what, x->name);
        for (size_t c = 0; c < x->ncounters; c++)
            CHECK(same_num(x->counters[c].value, vb_row_counter(y, x->counters[c].name)),
                  "%s: %s counter %s", what, x->name, x->counters[c].name);
        if (have_meta) {
            CHECK(x->run_type == y->run_type && x->repetitions == y->repetitions,
                  "%s: %s run type/repetitions", what, x->name);
            CHECK(!x->aggregate_name || !strcmp(x->aggregate_name, y->aggregate_name),
                  "%s: %s aggregate", what, x->name);
            CHECK(json_equal(x->info, y->info) || (!x->info && !y->info), "%s: %s info", what,
                  x->name);
        }
    }
}

static void test_json_roundtrip(const struct vb_run *r)
{
    FILE *f = tmpfile();
    json_t *root;
    json_error_t e;
    struct vb_run back;
    char err[256];

    CHECK(vb_write_gbench_json(r, f) == 0, "write json");
    rewind(f);
    root = json_loadf(f, 0, &e);
    CHECK(root != NULL, "written JSON does not parse: %s", e.text);
    vb_run_init(&back);
    CHECK(vb_read_gbench_json(root, &back, err, sizeof(err)) == 0, "read json: %s", err);
    compare_rows(r, &back, "json", 1);
    {
        json_t *ctx = json_object_get(root, "context");
        CHECK(jx_num(ctx, "json_schema_version", 0) == 1, "schema version");
        CHECK(jx_num(ctx, "num_cpus", 0) == 2 && jx_num(ctx, "mhz_per_cpu", 0) == 2096,
              "gbench context from pairing");
        CHECK(strcmp(jx_str(ctx, "hypervisor", ""), "KVM") == 0, "pairing summary in context");
    }
    vb_run_free(&back);
    json_decref(root);
    fclose(f);
}

static void test_csv_roundtrip(const struct vb_run *r)
{
    FILE *f = tmpfile();
    struct vb_run back;
    char err[256], header[512];

    CHECK(vb_write_gbench_csv(r, f) == 0, "write csv");
    rewind(f);
    CHECK(fgets(header, sizeof(header), f) != NULL, "csv header");
    {
        const char *want = "name,iterations,real_time,cpu_time,time_unit,bytes_per_second,"
                           "items_per_second,label,error_occurred,error_message,\"p99_ns\","
                           "\"noisy\",\"extra, \"\"quoted\"\"\",\"short_ios\"\n";
        CHECK(strcmp(header, want) == 0, "csv header is '%s'", header);
    }
    rewind(f);
    vb_run_init(&back);
    CHECK(vb_read_gbench_csv(f, &back, err, sizeof(err)) == 0, "read csv: %s", err);
    compare_rows(r, &back, "csv", 0);
    vb_run_free(&back);
    fclose(f);
}

static void test_dir_roundtrip(const struct vb_run *r)
{
    char dir[] = "/tmp/vbtest.XXXXXX", err[512];
    struct vb_run back;
    size_t hists = 0;

    CHECK(mkdtemp(dir) != NULL, "mkdtemp");
    CHECK(vb_write_run_dir(r, dir, VB_FMT_JSON | VB_FMT_CSV, err, sizeof(err)) == 0, "write: %s",
          err);
    vb_run_init(&back);
    CHECK(vb_read_run_dir(dir, &back, err, sizeof(err)) == 0, "read dir: %s", err);
    compare_rows(r, &back, "dir", 1);
    for (size_t i = 0; i < back.nrows; i++)
        if (back.rows[i].hist) {
            const struct vb_row *o = find(r, back.rows[i].name, back.rows[i].repetition_index);
            hists++;
            CHECK(o && o->hist && !memcmp(o->hist, back.rows[i].hist, sizeof(struct hist)),
                  "histogram of %s differs", back.rows[i].name);
        }
    CHECK(hists == 4, "%zu histograms read back", hists);
    CHECK(json_equal(r->context, back.context), "context.json round trip");
    vb_run_free(&back);
    {
        char cmd[600];
        snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
        CHECK(system(cmd) == 0, "cleanup");
    }
}

static void expect_bad_json(const char *text, const char *what)
{
    json_error_t e;
    json_t *root = json_loads(text, 0, &e);
    struct vb_run r;
    char err[256] = "";
    vb_run_init(&r);
    CHECK(root && vb_read_gbench_json(root, &r, err, sizeof(err)) < 0 && err[0],
          "bad gbench JSON (%s) accepted", what);
    vb_run_free(&r);
    json_decref(root);
}

static void test_bad_inputs(void)
{
    expect_bad_json("[1,2]", "array");
    expect_bad_json("{\"context\":{}}", "no benchmarks");
    expect_bad_json("{\"context\":{\"json_schema_version\":2},\"benchmarks\":[]}", "schema 2");
    expect_bad_json("{\"benchmarks\":[{\"name\":\"a\",\"iterations\":1,\"cpu_time\":1,"
                    "\"time_unit\":\"ns\"}]}",
                    "missing real_time");
    expect_bad_json("{\"benchmarks\":[{\"name\":\"a\",\"iterations\":\"1\",\"real_time\":1,"
                    "\"cpu_time\":1,\"time_unit\":\"ns\"}]}",
                    "string iterations");
    expect_bad_json("{\"benchmarks\":[{\"name\":\"a\",\"iterations\":1,\"real_time\":1,"
                    "\"cpu_time\":1,\"time_unit\":\"fortnights\"}]}",
                    "unknown unit");
    expect_bad_json("{\"benchmarks\":[{\"iterations\":1}]}", "no name");
    expect_bad_json("{\"benchmarks\":[7]}", "row not an object");
    {
        FILE *f = tmpfile();
        struct vb_run r;
        char err[256] = "";
        fputs("name,iterations\nx,1\n", f);
        rewind(f);
        vb_run_init(&r);
        CHECK(vb_read_gbench_csv(f, &r, err, sizeof(err)) < 0 && err[0], "bad CSV header");
        vb_run_free(&r);
        fclose(f);
    }
}

int main(void)
{
    struct vb_run r;
    build(&r);
    CHECK(r.nrows == 4 + 2 + 4, "rows incl. 4 aggregates: %zu", r.nrows);
    {
        const struct vb_row *mean = find(&r, "exit/cpuid/leaf:0x0_mean", 0);
        const struct vb_row *cv = find(&r, "exit/cpuid/leaf:0x0_cv", 0);
        CHECK(mean && mean->run_type == VB_AGGREGATE && mean->iterations == 3, "mean row");
        CHECK(mean && fabs(mean->real_time -
                           (r.rows[0].real_time + r.rows[1].real_time + r.rows[2].real_time) / 3) <
                          1e-9,
              "mean value");
        CHECK(cv && cv->aggregate_is_pct && cv->real_time > 0 && cv->real_time < 0.01, "cv row");
    }
    test_json_roundtrip(&r);
    test_csv_roundtrip(&r);
    test_dir_roundtrip(&r);
    test_bad_inputs();
    vb_run_free(&r);
    return check_done("test_result");
}
