/*
 * The store (collect/store.h): creation and refusal of foreign files, histogram blobs,
 * time normalisation, adding and loading runs (every field, counters in order,
 * histograms), idempotence and run-id conflicts, rollback, selectors, pairing and version
 * keys, and migration of version-1 and version-2 stores.
 */
#include "check.h"
#include "store.h"
#include "store_int.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char tmpdir[256];

static void path_in(char *buf, size_t len, const char *name)
{
    snprintf(buf, len, "%s/%s", tmpdir, name);
}

static double rnd(void)
{
    return (double)rand() / ((double)RAND_MAX + 1);
}

static void test_histblob(void)
{
    for (int t = 0; t < 50; t++) {
        struct hist *h = hist_new(), *g = hist_new();
        uint8_t *blob;
        size_t len;
        int same = 1;
        for (int i = 0; i < 1 + t * 40; i++)
            hist_record_n(h, exp2(-6 + 46 * rnd()), 1 + (uint64_t)(rnd() * 1e6));
        CHECK(histblob_encode(h, &blob, &len) == 0, "encode");
        CHECK(histblob_decode(blob, len, g) == 0, "decode");
        for (int i = 0; i < HIST_NBUCKETS; i++)
            same &= h->counts[i] == g->counts[i];
        CHECK(same, "blob round trip changed bucket counts (trial %d)", t);
        /* A cut blob is refused, never misread. */
        CHECK(len < 2 || histblob_decode(blob, len - 1, g) == -EINVAL ||
                  (blob[len - 2] & 0x80) == 0,
              "truncated blob accepted");
        free(blob);
        hist_free(h);
        hist_free(g);
    }
    {
        struct hist *g = hist_new();
        const uint8_t zero_gap[] = {5, 1, 0, 1};   /* second gap 0: a repeated index */
        const uint8_t too_far[] = {0xff, 0x7f, 1}; /* index 16383 >= HIST_NBUCKETS */
        const uint8_t zero_count[] = {3, 0};
        const uint8_t cut[] = {3, 0x81};
        CHECK(histblob_decode(zero_gap, sizeof(zero_gap), g) == -EINVAL, "zero gap");
        CHECK(histblob_decode(too_far, sizeof(too_far), g) == -EINVAL, "index out of range");
        CHECK(histblob_decode(zero_count, sizeof(zero_count), g) == -EINVAL, "zero count");
        CHECK(histblob_decode(cut, sizeof(cut), g) == -EINVAL, "cut varint");
        hist_free(g);
    }
}

static void test_times(void)
{
    static const char *const ok[][2] = {
        {"2016-08-02 17:44:46", "2016-08-02T17:44:46.000Z"},
        {"2026-11-25T00:19:43+00:00", "2026-11-25T00:19:43.000Z"},
        {"2026-11-25T01:19:43+01:00", "2026-11-25T00:19:43.000Z"},
        {"2026-11-24T22:49:43-0130", "2026-11-25T00:19:43.000Z"},
        {"2026-11-25T00:05:39.336Z", "2026-11-25T00:05:39.336Z"},
        {"2026-11-25", "2026-11-25T00:00:00.000Z"},
    };
    static const char *const bad[] = {"yesterday", "2026-13-01", "2026-11-25T25:00", "",
                                      "2026-1-2"};
    char out[40];
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        CHECK(store_norm_time(ok[i][0], out, sizeof(out)) == 0, "%s refused", ok[i][0]);
        CHECK(strcmp(out, ok[i][1]) == 0, "%s -> %s, want %s", ok[i][0], out, ok[i][1]);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        CHECK(store_norm_time(bad[i], out, sizeof(out)) == -EINVAL, "'%s' accepted", bad[i]);
}

/* Which --db values name PostgreSQL, and that a bad one is refused without echoing it. */
static void test_backend_choice(void)
{
    static const char *const remote[] = {"postgresql://u@h/db", "postgres://h/db",
                                         "host=/run/pg dbname=vb", " dbname = vb", "service=fleet"};
    static const char *const local[] = {
        "results/viobench.db", "./host=x.db", "/srv/a=b.db", "fleet.db", "Host=x", "",
        "postgresql:/x.db"};
    char err[512];
    struct store *s = NULL;

    for (size_t i = 0; i < sizeof(remote) / sizeof(remote[0]); i++)
        CHECK(store_is_remote(remote[i]), "'%s' not taken for PostgreSQL", remote[i]);
    for (size_t i = 0; i < sizeof(local) / sizeof(local[0]); i++)
        CHECK(!store_is_remote(local[i]), "'%s' taken for PostgreSQL", local[i]);
    CHECK(store_open("host=/nowhere password=hunter22 bogus", STORE_RDONLY, &s, err, sizeof(err)) ==
              -EINVAL,
          "an unparsable connection string opened");
    CHECK(strstr(err, "hunter22") == NULL && strstr(err, "not a valid PostgreSQL") != NULL,
          "message: %s", err);
    CHECK(store_open("postgresql://u:hunter22@/db?host=/nowhere&port=1", STORE_RDONLY, &s, err,
                     sizeof(err)) < 0,
          "an unreachable server opened");
    CHECK(strstr(err, "hunter22") == NULL && strstr(err, "postgresql:///db?host=/nowhere") == err,
          "message: %s", err);
    CHECK(strchr(err, '\n') == NULL, "one line: %s", err);
}

static void test_refusals(void)
{
    char p[300], err[512];
    struct store *s;
    sqlite3 *db;
    FILE *f;

    path_in(p, sizeof(p), "garbage.db");
    f = fopen(p, "w");
    fprintf(f, "this is not a database, just text that is long enough to have a header......."
               "................................................................................");
    fclose(f);
    CHECK(store_open(p, 0, &s, err, sizeof(err)) < 0, "garbage opened as a store");
    CHECK(strstr(err, "garbage.db") != NULL, "error names the file: %s", err);

    path_in(p, sizeof(p), "foreign.db");
    sqlite3_open(p, &db);
    sqlite3_exec(db, "CREATE TABLE t (x); INSERT INTO t VALUES (1);", NULL, NULL, NULL);
    sqlite3_close(db);
    CHECK(store_open(p, 0, &s, err, sizeof(err)) == -EPROTO, "foreign SQLite file opened");
    CHECK(strstr(err, "not a viobench store") != NULL, "reason: %s", err);

    path_in(p, sizeof(p), "newer.db");
    sqlite3_open(p, &db);
    sqlite3_exec(db, "PRAGMA application_id = 1986163572; PRAGMA user_version = 99;", NULL, NULL,
                 NULL);
    sqlite3_close(db);
    CHECK(store_open(p, 0, &s, err, sizeof(err)) == -EPROTO, "newer store opened");
    CHECK(strstr(err, "newer") != NULL, "reason: %s", err);

    path_in(p, sizeof(p), "missing.db");
    CHECK(store_open(p, STORE_RDONLY, &s, err, sizeof(err)) == -ENOENT, "read-only open created");
    CHECK(access(p, F_OK) != 0, "read-only open left a file");
}

/* A run with an iteration row (histogram, counters, info), a cv aggregate and a skip. */
static void make_run(struct vb_run *r, const char *run_id, const char *hv, const char *kernel,
                     const char *start, double scale)
{
    struct vb_row *w;
    vb_run_init(r);
    json_object_set_new(r->context, "viobench_format", json_integer(1));
    json_object_set_new(r->context, "run_id", json_string(run_id));
    json_object_set_new(r->context, "start", json_string(start));
    json_object_set_new(r->context, "pairing",
                        json_pack("{s:{s:s, s:s}, s:{s:{s:s}}, s:{s:s}}", "hypervisor", "name", hv,
                                  "version", "8.2", "guest", "kernel", "release", kernel, "cpu",
                                  "model", "Test CPU"));
    w = vb_run_add_row(r, "timer/read/tsc");
    w->hist = hist_new();
    for (int i = 0; i < 1000; i++)
        hist_record(w->hist, scale * (10 + i % 37));
    w->iterations = 1000;
    w->real_time = hist_mean(w->hist);
    w->cpu_time = 0.1 + 1.0 / 3.0;
    w->items_per_second = 1e9 / w->real_time;
    vb_row_set_counter(w, "p99_ns", hist_percentile(w->hist, 99));
    vb_row_set_counter(w, "zeta", 0.1);
    vb_row_set_counter(w, "alpha", 1e300);
    w->info = json_pack("{s:s, s:f}", "mode", "loop", "window_ns", 1.5);
    w = vb_run_add_row(r, "timer/read/tsc_cv");
    free(w->run_name);
    w->run_name = strdup("timer/read/tsc");
    w->run_type = VB_AGGREGATE;
    w->aggregate_name = strdup("cv");
    w->aggregate_is_pct = 1;
    w->repetitions = 3;
    w->real_time = 0.02;
    w = vb_run_add_row(r, "exit/vmcall");
    vb_row_set_error(w, 1, "VMCALL raises #UD here");
    w->label = strdup("a, \"quoted\" label");
}

static int add_src(struct store *s, const char *source, const char *run_id, const char *hash,
                   const char *hv, const char *kernel, const char *start, const char *release);

static int add(struct store *s, const char *run_id, const char *hash, const char *hv,
               const char *kernel, const char *start, const char *release)
{
    return add_src(s, "viobench", run_id, hash, hv, kernel, start, release);
}

static int add_src(struct store *s, const char *source, const char *run_id, const char *hash,
                   const char *hv, const char *kernel, const char *start, const char *release)
{
    struct store_new_run nr;
    struct vb_run r;
    json_t *labels = json_pack("{s:s}", "release", release);
    char norm[40];
    int ret;

    make_run(&r, run_id, hv, kernel, start, 1);
    memset(&nr, 0, sizeof(nr));
    nr.run_id = run_id;
    nr.source = source;
    nr.content_hash = hash;
    nr.origin = "/test";
    store_norm_time(start, norm, sizeof(norm));
    nr.start = norm;
    nr.tool = "viobench";
    nr.tool_version = "0.1.0";
    nr.complete = 1;
    nr.labels = labels;
    nr.run = &r;
    store_pairing_from_context(r.context, labels, &nr.pairing);
    ret = store_begin(s);
    if (!ret) {
        ret = store_add_run(s, &nr);
        if (ret == 0)
            ret = store_commit(s);
        else
            store_rollback(s);
    }
    vb_run_free(&r);
    json_decref(labels);
    return ret;
}

static void test_roundtrip(struct store *s)
{
    struct vb_run want, got;
    struct store_run_info *runs;
    size_t n;
    int64_t id;

    CHECK(add(s, "run-a", "hash-a", "kvm", "6.1.0-9", "2026-01-05T10:00:00.000Z", "r1") == 0,
          "add: %s", store_errmsg(s));
    CHECK(store_find_run(s, "run-a", &id) == 0, "find");
    vb_run_init(&got);
    CHECK(store_load_run(s, id, &got) == 0, "load: %s", store_errmsg(s));
    make_run(&want, "run-a", "kvm", "6.1.0-9", "2026-01-05T10:00:00.000Z", 1);
    CHECK(got.nrows == 3, "rows %zu", got.nrows);
    CHECK(json_equal(got.context, want.context), "context differs");
    for (size_t i = 0; i < 3 && got.nrows == 3; i++) {
        const struct vb_row *a = &want.rows[i], *b = &got.rows[i];
        CHECK(strcmp(a->name, b->name) == 0 && strcmp(a->run_name, b->run_name) == 0,
              "row %zu name %s/%s", i, b->name, b->run_name);
        CHECK(a->run_type == b->run_type && a->aggregate_is_pct == b->aggregate_is_pct,
              "row %zu type", i);
        CHECK(a->iterations == b->iterations && a->repetitions == b->repetitions, "row %zu n", i);
        CHECK(a->real_time == b->real_time && a->cpu_time == b->cpu_time, "row %zu times", i);
        CHECK((isnan(a->items_per_second) && isnan(b->items_per_second)) ||
                  a->items_per_second == b->items_per_second,
              "row %zu items/s", i);
        CHECK(a->error_occurred == b->error_occurred && a->skipped == b->skipped, "row %zu err", i);
        CHECK(a->ncounters == b->ncounters, "row %zu counters %zu", i, b->ncounters);
        for (size_t c = 0; c < a->ncounters && c < b->ncounters; c++)
            CHECK(strcmp(a->counters[c].name, b->counters[c].name) == 0 &&
                      a->counters[c].value == b->counters[c].value,
                  "counter %zu: %s=%.17g", c, b->counters[c].name, b->counters[c].value);
        CHECK(!a->info == !b->info && (!a->info || json_equal(a->info, b->info)), "row %zu info",
              i);
        CHECK(!a->hist == !b->hist, "row %zu histogram presence", i);
        if (a->hist && b->hist)
            CHECK(memcmp(a->hist, b->hist, sizeof(*a->hist)) == 0, "histogram differs");
    }
    CHECK(got.nrows == 3 && strcmp(got.rows[2].error_message, "VMCALL raises #UD here") == 0 &&
              strcmp(got.rows[2].label, "a, \"quoted\" label") == 0,
          "error row text");
    vb_run_free(&want);
    vb_run_free(&got);

    /* The same content again changes nothing; the same id with other content is refused. */
    CHECK(add(s, "run-a", "hash-a", "kvm", "6.1.0-9", "2026-01-05T10:00:00.000Z", "r1") == 1,
          "re-add stored again");
    CHECK(add(s, "run-a", "hash-other", "kvm", "6.1.0-9", "2026-01-05T10:00:00.000Z", "r1") ==
              -EEXIST,
          "conflicting run id accepted");
    CHECK(strstr(store_errmsg(s), "run-a") != NULL, "conflict message: %s", store_errmsg(s));
    CHECK(store_select_runs(s, NULL, &runs, &n) == 0 && n == 1, "runs after re-add: %zu", n);
    store_runs_free(runs, n);
}

static void test_rollback(struct store *s)
{
    long runs0, rows0, runs1, rows1;
    long long b;
    struct vb_run r;
    struct store_new_run nr = {.run_id = "run-rb", .source = "viobench", .content_hash = "hash-rb"};

    store_stats(s, &runs0, &rows0, &b);
    make_run(&r, "run-rb", "kvm", "k", "2026-01-01", 1);
    nr.run = &r;
    CHECK(store_add_run(s, &nr) == -EINVAL, "add outside a transaction accepted");
    CHECK(store_begin(s) == 0, "begin");
    CHECK(store_add_run(s, &nr) == 0, "add: %s", store_errmsg(s));
    store_rollback(s);
    store_stats(s, &runs1, &rows1, &b);
    CHECK(runs1 == runs0 && rows1 == rows0, "rollback kept %ld runs %ld rows", runs1 - runs0,
          rows1 - rows0);
    CHECK(store_has_hash(s, "hash-rb") == 0, "rolled-back hash present");
    vb_run_free(&r);
}

static size_t count_sel(struct store *s, const char *const *kv, const char *since,
                        const char *until)
{
    struct store_sel sel = {0};
    struct store_run_info *runs;
    size_t n = 0;
    char err[256];
    for (int i = 0; kv && kv[i]; i++)
        store_sel_add(&sel, kv[i], err, sizeof(err));
    store_sel_dates(&sel, since, until, err, sizeof(err));
    if (store_select_runs(s, &sel, &runs, &n))
        n = 999;
    store_runs_free(runs, n == 999 ? 0 : n);
    store_sel_free(&sel);
    return n;
}

static void test_selectors(struct store *s)
{
    struct store_sel sel = {0};
    struct store_run_info *runs;
    char err[256], **names;
    size_t n;
    int64_t id;

    add(s, "run-b", "hash-b", "hyperv", "6.1.0-10", "2026-02-01T08:00:00.000Z", "r2");
    add(s, "run-c", "hash-c", "kvm", "6.5.0-1", "2026-03-01T08:00:00.000Z", "r2");
    CHECK(count_sel(s, NULL, NULL, NULL) == 3, "all runs");
    CHECK(count_sel(s, (const char *[]){"hypervisor=kvm", NULL}, NULL, NULL) == 2, "kvm");
    CHECK(count_sel(s, (const char *[]){"kernel=6.1.*", NULL}, NULL, NULL) == 2, "kernel glob");
    CHECK(count_sel(s, (const char *[]){"release=r2", NULL}, NULL, NULL) == 2, "label");
    CHECK(count_sel(s, (const char *[]){"release=r2", "hypervisor=kvm", NULL}, NULL, NULL) == 1,
          "AND");
    CHECK(count_sel(s, (const char *[]){"cpu_model=Test*", "source=viobench", NULL}, NULL, NULL) ==
              3,
          "cpu_model and source");
    CHECK(count_sel(s, (const char *[]){"nosuchlabel=*", NULL}, NULL, NULL) == 0, "absent label");
    CHECK(count_sel(s, NULL, "2026-02", NULL) == 2, "since month");
    CHECK(count_sel(s, NULL, NULL, "2026-02-01") == 2, "until includes the day");
    CHECK(count_sel(s, NULL, "2026-02-01T09:00", "2026-03-01") == 1, "range");
    CHECK(store_sel_add(&sel, "novalue", err, sizeof(err)) == -EINVAL, "KEY without =");
    CHECK(store_sel_add(&sel, "bad key=1", err, sizeof(err)) == -EINVAL, "blank in key");
    CHECK(store_sel_dates(&sel, "last week", NULL, err, sizeof(err)) == -EINVAL, "bad date");
    CHECK(strstr(err, "--since") != NULL, "date error names the option: %s", err);
    store_sel_free(&sel);

    CHECK(store_find_run(s, "run-", &id) == -EINVAL, "ambiguous prefix accepted");
    CHECK(store_find_run(s, "run-c", &id) == 0, "exact id");
    CHECK(store_find_run(s, "nope", &id) == -ENOENT, "missing id");
    CHECK(store_list_benchmarks(s, id, &names, &n) == 0 && n == 2, "benchmarks: %zu", n);
    CHECK(n == 2 && strcmp(names[0], "timer/read/tsc") == 0 && strcmp(names[1], "exit/vmcall") == 0,
          "benchmark order");
    store_names_free(names, n);
    CHECK(store_select_runs(s, NULL, &runs, &n) == 0 && n == 3, "select");
    if (n == 3) {
        CHECK(strcmp(store_run_key(&runs[1], "hypervisor"), "hyperv") == 0, "run key pairing");
        CHECK(strcmp(store_run_key(&runs[1], "release"), "r2") == 0, "run key label");
        CHECK(strcmp(store_run_key(&runs[1], "tool_version"), "0.1.0") == 0, "run key run");
        CHECK(store_run_key(&runs[1], "absent") == NULL, "absent key");
        CHECK(runs[1].rows == 3, "rows count %ld", runs[1].rows);
    }
    store_runs_free(runs, n);
}

static void test_pairing(void)
{
    struct store_pairing p;
    json_t *ctx = json_pack("{s:{s:{s:s, s:s}, s:{s:s}}}", "pairing", "summary", "hypervisor",
                            "unknown", "kernel", "6.1.0", "clocksource", "current", "kvm-clock");
    json_t *labels =
        json_pack("{s:s, s:s, s:s}", "hypervisor", "hyperv", "kernel", "9.9", "guest", "rhel");
    store_pairing_from_context(ctx, labels, &p);
    CHECK(strcmp(p.v[SP_HYPERVISOR], "hyperv") == 0, "label fills unknown: %s", p.v[SP_HYPERVISOR]);
    CHECK(strcmp(p.v[SP_KERNEL], "6.1.0") == 0, "detected wins over label: %s", p.v[SP_KERNEL]);
    CHECK(strcmp(p.v[SP_GUEST_OS], "rhel") == 0, "guest label: %s", p.v[SP_GUEST_OS]);
    CHECK(strcmp(p.v[SP_CLOCKSOURCE], "kvm-clock") == 0, "clocksource: %s", p.v[SP_CLOCKSOURCE]);
    CHECK(p.v[SP_CPU_MODEL][0] == 0, "absent stays empty");
    store_pairing_from_context(ctx, NULL, &p);
    CHECK(strcmp(p.v[SP_HYPERVISOR], "unknown") == 0, "unknown kept without a label");
    json_decref(ctx);
    json_decref(labels);
    CHECK(store_is_version_key("kernel") && store_is_version_key("hypervisor_version") &&
              store_is_version_key("qemu_version") && !store_is_version_key("hypervisor") &&
              !store_is_version_key("release"),
          "version keys");
}

/* Create path from the SQL of a fixture in tests/fixtures/collect; 0 or -1. */
static int load_fixture(const char *name, const char *path)
{
    char fx[200], *sql;
    sqlite3 *db;
    long len;
    int ok;
    FILE *f;

    snprintf(fx, sizeof(fx), "tests/fixtures/collect/%s", name);
    CHECK((f = fopen(fx, "r")) != NULL, "fixture %s missing", fx);
    if (!f)
        return -1;
    fseek(f, 0, SEEK_END);
    len = ftell(f);
    rewind(f);
    sql = calloc(1, (size_t)len + 1);
    CHECK(sql && fread(sql, 1, (size_t)len, f) == (size_t)len, "read fixture");
    fclose(f);
    sqlite3_open(path, &db);
    ok = sql && sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK;
    CHECK(ok, "fixture %s: %s", name, sqlite3_errmsg(db));
    sqlite3_close(db);
    free(sql);
    return ok ? 0 : -1;
}

/* Version 2 -> 3: read-only opens read a version-2 store as it is; a writable open widens
   runs.source's check, so an HdrHistogram log import is stored as 'hdrlog'. */
static void test_migration_v2(void)
{
    char p[300], err[512];
    struct store *s = NULL;
    struct store_run_info *runs = NULL;
    struct vb_run r;
    sqlite3 *db;
    size_t n = 0;
    int rc;

    path_in(p, sizeof(p), "v2.db");
    if (load_fixture("store-v2.sql", p))
        return;
    /* the fixture is a real version 2: its check refuses the new source */
    sqlite3_open(p, &db);
    rc = sqlite3_exec(db,
                      "INSERT INTO runs (run_id, source, content_hash, pairing, ingested_at,"
                      " context) VALUES ('x', 'hdrlog', 'hx', 1, 't', '{}')",
                      NULL, NULL, NULL);
    sqlite3_close(db);
    CHECK(rc == SQLITE_CONSTRAINT, "version 2 accepted source hdrlog (%d)", rc);

    CHECK(store_open(p, STORE_RDONLY, &s, err, sizeof(err)) == 0, "read-only v2: %s", err);
    if (!s)
        return;
    CHECK(store_schema_version(s) == 2, "read-only version %d", store_schema_version(s));
    CHECK(store_select_runs(s, NULL, &runs, &n) == 0 && n == 1, "v2 runs %zu", n);
    if (n == 1) {
        CHECK(strcmp(runs[0].source, "gbench") == 0 && strcmp(runs[0].host, "g1") == 0 &&
                  runs[0].rows == 1 && strcmp(store_run_key(&runs[0], "release"), "r8") == 0,
              "v2 run read");
        vb_run_init(&r);
        CHECK(store_load_run(s, runs[0].id, &r) == 0 && r.nrows == 1 &&
                  r.rows[0].real_time == 120.5,
              "v2 load: %s", store_errmsg(s));
        vb_run_free(&r);
    }
    store_runs_free(runs, n);
    store_close(s);

    CHECK(store_open(p, 0, &s, err, sizeof(err)) == 0, "migrate v2: %s", err);
    if (!s)
        return;
    CHECK(store_schema_version(s) == STORE_SCHEMA_VERSION, "version %d", store_schema_version(s));
    CHECK(add_src(s, "hdrlog", "hdrlog-1", "hash-h1", "kvm", "6.1", "2026-01-01T00:00:00.000Z",
                  "r9") == 0,
          "add hdrlog run: %s", store_errmsg(s));
    CHECK(add_src(s, "bogus", "bogus-1", "hash-b1", "kvm", "6.1", "2026-01-01T00:00:00.000Z",
                  "r9") < 0,
          "the widened check still refuses other sources");
    store_close(s);
    CHECK(store_open(p, STORE_RDONLY, &s, err, sizeof(err)) == 0, "reopen: %s", err);
    if (!s)
        return;
    n = 0;
    CHECK(store_select_runs(s, NULL, &runs, &n) == 0 && n == 2 &&
              strcmp(runs[0].source, "gbench") == 0 && strcmp(runs[1].source, "hdrlog") == 0,
          "after migration: %zu runs", n);
    store_runs_free(runs, n);
    store_close(s);
}

static void test_migration(void)
{
    char p[300], err[512], *sql;
    struct store *s;
    struct store_run_info *runs = NULL;
    struct vb_run r;
    sqlite3 *db;
    size_t n = 0;
    long len;
    FILE *f = fopen("tests/fixtures/collect/store-v1.sql", "r");

    CHECK(f != NULL, "fixture missing");
    if (!f)
        return;
    fseek(f, 0, SEEK_END);
    len = ftell(f);
    rewind(f);
    sql = calloc(1, (size_t)len + 1);
    CHECK(fread(sql, 1, (size_t)len, f) == (size_t)len, "read fixture");
    fclose(f);
    path_in(p, sizeof(p), "v1.db");
    sqlite3_open(p, &db);
    CHECK(sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK, "fixture: %s", sqlite3_errmsg(db));
    sqlite3_close(db);
    free(sql);

    CHECK(store_open(p, STORE_RDONLY, &s, err, sizeof(err)) == -EPROTO, "read-only migrated");
    CHECK(strstr(err, "needs migrating") != NULL, "reason: %s", err);
    CHECK(store_open(p, 0, &s, err, sizeof(err)) == 0, "migrate: %s", err);
    if (!s)
        return;
    CHECK(store_schema_version(s) == STORE_SCHEMA_VERSION, "version %d", store_schema_version(s));
    CHECK(store_select_runs(s, NULL, &runs, &n) == 0 && n == 2, "runs %zu", n);
    if (n == 2) {
        CHECK(strcmp(runs[0].pairing.v[SP_HYPERVISOR], "kvm") == 0 &&
                  strcmp(runs[0].pairing.v[SP_CPU_MODEL], "Old CPU") == 0 &&
                  strcmp(runs[0].pairing.v[SP_KERNEL], "6.1.0-9-amd64") == 0,
              "pairing migrated");
        CHECK(strcmp(store_run_key(&runs[0], "release"), "r7") == 0, "labels migrated");
        CHECK(strcmp(runs[0].host, "g1") == 0 && strcmp(runs[1].tool, "./bm_old") == 0,
              "host/tool derived");
        vb_run_init(&r);
        CHECK(store_load_run(s, runs[0].id, &r) == 0, "load: %s", store_errmsg(s));
        CHECK(r.nrows == 2 && r.rows[0].hist && hist_count(r.rows[0].hist) == 10 &&
                  hist_max(r.rows[0].hist) == 40,
              "histogram migrated");
        CHECK(r.nrows == 2 && r.rows[1].aggregate_is_pct, "cv is a percentage");
        CHECK(r.nrows == 2 && r.rows[0].ncounters == 3 &&
                  strcmp(r.rows[0].counters[1].name, "p99_ns") == 0,
              "counters migrated");
        vb_run_free(&r);
    }
    store_runs_free(runs, n);
    store_close(s);
    /* Opening again finds nothing to do. */
    CHECK(store_open(p, STORE_RDONLY, &s, err, sizeof(err)) == 0, "reopen read-only: %s", err);
    store_close(s);
}

int main(void)
{
    char p[300], err[512];
    struct store *s = NULL;

    snprintf(tmpdir, sizeof(tmpdir), "%s/vb-store-XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(tmpdir))
        SKIP("cannot make a temporary directory");
    test_histblob();
    test_times();
    test_refusals();
    test_backend_choice();
    test_pairing();
    path_in(p, sizeof(p), "store.db");
    CHECK(store_open(p, 0, &s, err, sizeof(err)) == 0, "create: %s", err);
    if (s) {
        CHECK(store_schema_version(s) == STORE_SCHEMA_VERSION, "new store version");
        char want[64];
        snprintf(want, sizeof(want), "PRAGMA user_version = %d;", STORE_SCHEMA_VERSION);
        CHECK(strstr(store_schema_sql(), want) != NULL,
              "schema.sql and STORE_SCHEMA_VERSION agree");
        test_roundtrip(s);
        test_rollback(s);
        test_selectors(s);
        store_close(s);
    }
    CHECK(store_open(p, STORE_RDONLY, &s, err, sizeof(err)) == 0, "read-only reopen: %s", err);
    store_close(s);
    test_migration();
    test_migration_v2();
    {
        char cmd[400];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", tmpdir);
    }
    return check_done("test_store");
}
