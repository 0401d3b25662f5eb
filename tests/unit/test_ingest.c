/*
 * The collector's readers (collect/ingest.h): fio json and json+ (rows, counters, the
 * histogram rebuilt from bins against fio's own percentiles, errored jobs refused),
 * Google Benchmark JSON with complexity rows, viobench run directories and their content
 * hash, and every kind of malformed input refused with a reason.
 */
#include "check.h"
#include "ingest.h"
#include "store_int.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FIX "tests/fixtures/collect/"

static char tmpdir[256];

static const struct vb_row *row(const struct ingest_item *it, const char *name)
{
    for (size_t i = 0; i < it->run.nrows; i++)
        if (strcmp(it->run.rows[i].name, name) == 0)
            return &it->run.rows[i];
    return NULL;
}

static int read_json(const char *path, struct ingest_item *it, char *err, size_t errlen)
{
    ingest_item_init(it);
    return ingest_read_json(path, it, err, errlen);
}

static void test_fio_jsonplus(void)
{
    struct ingest_item it;
    char err[512];
    const struct vb_row *w;

    CHECK(read_json(FIX "fio-randread-jsonplus.json", &it, err, sizeof(err)) == 0, "read: %s", err);
    CHECK(strcmp(it.source, "fio") == 0 && strcmp(it.tool_version, "3.33") == 0, "source %s %s",
          it.source, it.tool_version);
    CHECK(strncmp(it.run_id, "fio-2026", 8) == 0, "run id %s", it.run_id);
    CHECK(it.run.nrows == 3, "rows %zu", it.run.nrows);
    CHECK(row(&it, "fio/randread/read/slat") && row(&it, "fio/randread/read/lat"), "kinds");
    w = row(&it, "fio/randread/read/clat");
    CHECK(w && w->hist, "clat histogram from bins");
    if (w && w->hist) {
        static const struct {
            const char *name;
            double p;
        } pc[] = {{"p50_ns", 50}, {"p90_ns", 90}, {"p99_ns", 99}, {"p999_ns", 99.9}};
        CHECK(hist_count(w->hist) == w->iterations, "bins hold %llu of %llu",
              (unsigned long long)hist_count(w->hist), (unsigned long long)w->iterations);
        CHECK(fabs(hist_mean(w->hist) - w->real_time) <= 1e-9 * w->real_time, "mean %f vs %f",
              hist_mean(w->hist), w->real_time);
        CHECK(hist_min(w->hist) == vb_row_counter(w, "min_ns") &&
                  hist_max(w->hist) == vb_row_counter(w, "max_ns"),
              "exact extremes");
        CHECK(fabs(hist_stddev(w->hist) - vb_row_counter(w, "stddev_ns")) <=
                  1e-6 * vb_row_counter(w, "stddev_ns"),
              "stddev %f vs %f", hist_stddev(w->hist), vb_row_counter(w, "stddev_ns"));
        /* fio reports a bin's value; ours is within 1/256 of any value in our bucket. */
        for (size_t i = 0; i < sizeof(pc) / sizeof(pc[0]); i++) {
            double fio = vb_row_counter(w, pc[i].name), ours = hist_percentile(w->hist, pc[i].p);
            CHECK(fio > 0 && fabs(ours - fio) <= 0.01 * fio, "%s: fio %.0f, recomputed %.0f",
                  pc[i].name, fio, ours);
        }
        CHECK(!isnan(vb_row_counter(w, "p01_ns")) && !isnan(vb_row_counter(w, "p995_ns")) &&
                  !isnan(vb_row_counter(w, "p9995_ns")),
              "fio's other percentiles kept");
        CHECK(w->items_per_second > 0 && w->bytes_per_second > 0 && w->cpu_time > 0,
              "iops %f bw %f cpu %f", w->items_per_second, w->bytes_per_second, w->cpu_time);
        CHECK(json_is_object(json_object_get(w->info, "job_options")), "job options kept");
    }
    CHECK(json_object_get(it.run.context, "fio_version") &&
              json_integer_value(json_object_get(it.run.context, "json_schema_version")) == 1,
          "context");
    ingest_item_free(&it);
}

static void test_fio_json(void)
{
    struct ingest_item it;
    char err[512];
    const struct vb_row *w;

    CHECK(read_json(FIX "fio-write-json.json", &it, err, sizeof(err)) == 0, "read: %s", err);
    w = row(&it, "fio/seqwrite/sync/lat");
    CHECK(w && !isnan(vb_row_counter(w, "p99_ns")), "fsync latency row with percentiles");
    w = row(&it, "fio/seqwrite/write/clat");
    CHECK(w && !w->hist && !isnan(vb_row_counter(w, "p50_ns")), "json (no bins): no histogram");
    CHECK(row(&it, "fio/seqwrite/read/clat") == NULL, "directions without I/O skipped");
    ingest_item_free(&it);

    CHECK(read_json(FIX "fio-error.json", &it, err, sizeof(err)) == -EINVAL, "errored job stored");
    CHECK(strstr(err, "misaligned") && strstr(err, "error 22"), "reason: %s", err);
    ingest_item_free(&it);
}

static void test_gbench(void)
{
    struct ingest_item it;
    char err[512];
    const struct vb_row *w;

    CHECK(read_json(FIX "gbench-complexity.json", &it, err, sizeof(err)) == 0, "read: %s", err);
    CHECK(strcmp(it.source, "gbench") == 0 && strcmp(it.tool, "bm") == 0, "source/tool %s %s",
          it.source, it.tool);
    CHECK(strcmp(it.start, "2026-11-25T00:19:43.000Z") == 0, "start %s", it.start);
    CHECK(strncmp(it.run_id, "gbench-20261125-001943-", 23) == 0, "run id %s", it.run_id);
    CHECK(json_array_size(it.raw_rows) == it.run.nrows && it.run.nrows == 13, "raw rows %zu/%zu",
          json_array_size(it.raw_rows), it.run.nrows);
    w = row(&it, "BM_Vec_BigO");
    CHECK(w && w->run_type == VB_AGGREGATE && vb_row_counter(w, "cpu_coefficient") > 0,
          "complexity row read");
    w = row(&it, "BM_Err");
    CHECK(w && w->error_occurred && strcmp(w->error_message, "no device") == 0, "error row");
    ingest_item_free(&it);
}

/* Write text to a file in the temporary directory; returns its path (static buffer). */
static const char *put(const char *name, const char *text, size_t len)
{
    static char p[512];
    FILE *f;
    snprintf(p, sizeof(p), "%s/%s", tmpdir, name);
    f = fopen(p, "wb");
    fwrite(text, 1, len, f);
    fclose(f);
    return p;
}

static void bad(const char *what, const char *name, const char *text, size_t len, const char *want)
{
    struct ingest_item it;
    char err[512] = "";
    CHECK(read_json(put(name, text, len), &it, err, sizeof(err)) == -EINVAL, "%s accepted", what);
    CHECK(strstr(err, want) != NULL, "%s: reason '%s' lacks '%s'", what, err, want);
    ingest_item_free(&it);
}

#define S(x) x, sizeof(x) - 1

static void test_malformed(void)
{
    static const char bin[] = "\x7f"
                              "ELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x03\0>\0";
    bad("truncated JSON", "trunc.json", S("{\"context\": {}, \"benchmarks\": [{\"name\": \"a\""),
        "line");
    bad("wrong type", "type.json",
        S("{\"benchmarks\": [{\"name\": \"a\", \"iterations\": \"many\", \"real_time\": 1, "
          "\"cpu_time\": 1, \"time_unit\": \"ns\"}]}"),
        "iterations");
    bad("missing name", "noname.json",
        S("{\"benchmarks\": [{\"iterations\": 1, \"real_time\": 1, \"cpu_time\": 1, "
          "\"time_unit\": \"ns\"}]}"),
        "name");
    bad("missing time", "notime.json",
        S("{\"benchmarks\": [{\"name\": \"a\", \"iterations\": 1, \"time_unit\": \"ns\"}]}"),
        "real_time");
    bad("binary", "binary.json", bin, sizeof(bin) - 1, "binary");
    bad("other JSON", "other.json", S("{\"hello\": [1, 2]}"), "neither");
    bad("empty gbench", "empty.json", S("{\"context\": {}, \"benchmarks\": []}"), "no benchmark");
    bad("fio without jobs", "nojobs.json", S("{\"fio version\": \"fio-3.33\", \"jobs\": []}"),
        "jobs");
    bad("fio job without error", "noerr.json",
        S("{\"fio version\": \"fio-3.33\", \"jobs\": [{\"jobname\": \"j\"}]}"), "error");
    bad("fio bad bin", "badbin.json",
        S("{\"fio version\": \"fio-3.33\", \"jobs\": [{\"jobname\": \"j\", \"error\": 0, "
          "\"read\": {\"total_ios\": 2, \"clat_ns\": {\"N\": 2, \"mean\": 5, \"min\": 4, "
          "\"max\": 6, \"stddev\": 1, \"bins\": {\"x\": 2}}}}]}"),
        "bin");
    bad("fio missing mean", "nomean.json",
        S("{\"fio version\": \"fio-3.33\", \"jobs\": [{\"jobname\": \"j\", \"error\": 0, "
          "\"read\": {\"total_ios\": 2, \"clat_ns\": {\"N\": 2}}}]}"),
        "mean");
    bad("text before gbench", "pre.json", S("note: hello\n{\"benchmarks\": []}"), "text before");
    {
        /* fio's own notes before its JSON are skipped. */
        struct ingest_item it;
        char err[512], *buf;
        FILE *f = fopen(FIX "fio-write-json.json", "rb");
        long len;
        fseek(f, 0, SEEK_END);
        len = ftell(f);
        rewind(f);
        buf = calloc(1, (size_t)len + 64);
        strcpy(buf, "note: both iodepth >= 1 and synchronous I/O engine\n");
        CHECK(fread(buf + strlen(buf), 1, (size_t)len, f) == (size_t)len, "read");
        fclose(f);
        CHECK(read_json(put("note.json", buf, strlen(buf)), &it, err, sizeof(err)) == 0,
              "fio with a note: %s", err);
        ingest_item_free(&it);
        free(buf);
    }
}

static void test_rundir(void)
{
    struct ingest_item a, b;
    struct vb_run r;
    struct vb_row *w;
    char dir[300], err[512], path[400];
    FILE *f;

    snprintf(dir, sizeof(dir), "%s/run1", tmpdir);
    mkdir(dir, 0755);
    vb_run_init(&r);
    json_object_set_new(r.context, "viobench_format", json_integer(1));
    json_object_set_new(r.context, "run_id", json_string("20260101-000000-t-1"));
    json_object_set_new(r.context, "start", json_string("2026-01-01T00:00:00.000Z"));
    json_object_set_new(r.context, "labels", json_pack("{s:s, s:i}", "release", "r1", "n", 3));
    json_object_set_new(r.context, "tool", json_pack("{s:s}", "version", "0.1.0"));
    w = vb_run_add_row(&r, "timer/read/tsc");
    w->hist = hist_new();
    hist_record(w->hist, 12);
    w->iterations = 1;
    w->real_time = 12;
    CHECK(vb_write_run_dir(&r, dir, VB_FMT_JSON | VB_FMT_CSV, err, sizeof(err)) == 0, "%s", err);
    vb_run_free(&r);

    ingest_item_init(&a);
    ingest_item_init(&b);
    CHECK(ingest_read_rundir(dir, &a, err, sizeof(err)) == 0, "read: %s", err);
    CHECK(ingest_read_rundir(dir, &b, err, sizeof(err)) == 0, "read again: %s", err);
    CHECK(strcmp(a.hash, b.hash) == 0, "hash not stable");
    CHECK(strcmp(a.run_id, "20260101-000000-t-1") == 0 && strcmp(a.tool_version, "0.1.0") == 0,
          "run id %s", a.run_id);
    CHECK(strcmp(json_string_value(json_object_get(a.labels, "n")), "3") == 0,
          "numeric label as text");
    CHECK(a.run.nrows == 1 && a.hists && a.hists[0].blob && a.hists[0].count == 1 &&
              a.hists[0].max == 12,
          "histogram read");
    ingest_item_free(&b);
    snprintf(path, sizeof(path), "%s/histograms.txt", dir);
    f = fopen(path, "a");
    fputs("# a comment changes the bytes\n", f);
    fclose(f);
    ingest_item_init(&b);
    CHECK(ingest_read_rundir(dir, &b, err, sizeof(err)) == 0 && strcmp(a.hash, b.hash) != 0,
          "hash ignores histograms.txt");
    ingest_item_free(&a);
    ingest_item_free(&b);

    snprintf(path, sizeof(path), "%s/results.json", dir);
    f = fopen(path, "w");
    fputs("{\"context\": {}, \"benchmarks\": [", f);
    fclose(f);
    ingest_item_init(&a);
    CHECK(ingest_read_rundir(dir, &a, err, sizeof(err)) == -EINVAL, "truncated results.json");
    CHECK(strstr(err, "results.json") != NULL, "reason names the file: %s", err);
    ingest_item_free(&a);
}

/* The direct histograms.txt reader gives the same blobs and totals as lib's reader plus
   the store's encoder, including records out of order; malformed text is refused. */
static void test_hist_text(void)
{
    struct vb_run r;
    char dir[300], err[512], path[400];
    FILE *f;

    snprintf(dir, sizeof(dir), "%s/run2", tmpdir);
    mkdir(dir, 0755);
    vb_run_init(&r);
    json_object_set_new(r.context, "viobench_format", json_integer(1));
    json_object_set_new(r.context, "run_id", json_string("hist-test"));
    for (int k = 0; k < 6; k++) {
        char name[64];
        struct vb_row *w;
        snprintf(name, sizeof(name), k == 3 ? "with space %%/%d" : "bench/%d", k);
        w = vb_run_add_row(&r, name);
        w->iterations = 1;
        w->repetitions = 2;
        w->repetition_index = k % 2;
        if (k == 4) {
            vb_row_set_error(w, 1, "skipped: none here");
            continue;
        }
        w->hist = hist_new();
        for (int i = 0; i < 500 * (k + 1); i++)
            hist_record(w->hist, exp2(-5 + (double)((i * 7919) % 4400) / 100.0));
        if (k == 5)
            hist_reset(w->hist); /* an empty histogram is still a record */
    }
    CHECK(vb_write_run_dir(&r, dir, VB_FMT_JSON, err, sizeof(err)) == 0, "%s", err);
    vb_run_free(&r);
    /* Reverse the bucket order of the first record: lib accepts it, so must we. */
    snprintf(path, sizeof(path), "%s/histograms.txt", dir);
    {
        char *buf = NULL, *line2, *end;
        size_t n = 0;
        FILE *g = fopen(path, "r");
        CHECK(getdelim(&buf, &n, 0, g) > 0, "read histograms");
        fclose(g);
        line2 = strchr(strchr(buf, '\n') + 1, '\n') + 1; /* after comment and header */
        end = strchr(line2, '\n');
        {
            char *a = line2, *sp = memchr(a, ' ', (size_t)(end - a));
            /* swap the first two pairs: "i1:c1 i2:c2" -> "i2:c2 i1:c1" */
            if (sp) {
                char *sp2 = memchr(sp + 1, ' ', (size_t)(end - sp - 1));
                size_t l1 = (size_t)(sp - a), l2 = (size_t)((sp2 ? sp2 : end) - sp - 1);
                char tmp[128];
                if (l1 + l2 + 1 < sizeof(tmp)) {
                    memcpy(tmp, sp + 1, l2);
                    tmp[l2] = ' ';
                    memcpy(tmp + l2 + 1, a, l1);
                    memcpy(a, tmp, l1 + l2 + 1);
                }
            }
        }
        g = fopen(path, "w");
        fputs(buf, g);
        fclose(g);
        free(buf);
    }
    {
        struct ingest_item it;
        struct vb_run lib;
        size_t same = 0, have = 0;
        ingest_item_init(&it);
        vb_run_init(&lib);
        CHECK(ingest_read_rundir(dir, &it, err, sizeof(err)) == 0, "direct: %s", err);
        CHECK(vb_read_run_dir(dir, &lib, err, sizeof(err)) == 0, "lib: %s", err);
        for (size_t i = 0; it.hists && i < lib.nrows && i < it.run.nrows; i++) {
            uint8_t *blob = NULL;
            size_t len = 0;
            const struct store_hist *h = &it.hists[i];
            if (!lib.rows[i].hist) {
                CHECK(!h->blob, "row %zu: histogram from nowhere", i);
                continue;
            }
            have++;
            histblob_encode(lib.rows[i].hist, &blob, &len);
            same += h->blob && h->len == len && memcmp(h->blob, blob, len) == 0 &&
                    h->count == lib.rows[i].hist->count && h->sum == lib.rows[i].hist->sum &&
                    h->max == hist_max(lib.rows[i].hist);
            free(blob);
        }
        CHECK(have == 5 && same == have, "direct reader differs: %zu of %zu same", same, have);
        ingest_item_free(&it);
        vb_run_free(&lib);
    }
    {
        static const char *const bad[][2] = {
            {"viobench-hist 1 bench/0#0 count=2 underflow=0 overflow=0 min=1 max=2 sum=3 "
             "sumsq=5\n900:1\n",
             "add up to 1"},
            {"viobench-hist 1 bench/0#0 count=1 underflow=0 overflow=0 min=1 max=2 sum=3 "
             "sumsq=5\n99999:1\n",
             "bad bucket index"},
            {"viobench-hist 1 bench/0#0 count=1 underflow=0 overflow=0 min=1 max=2 sum=3 "
             "sumsq=5\n",
             "no bucket line"},
            {"viobench-hist 2 bench/0#0 count=1 underflow=0 overflow=0 min=1 max=2 sum=3 "
             "sumsq=5\n900:1\n",
             "version 2"},
            {"viobench-hist 1 nosuch#0 count=1 underflow=0 overflow=0 min=1 max=2 sum=3 "
             "sumsq=5\n900:1\n",
             "matches no benchmark row"},
            {"hello world\n", "not a histogram header"},
            {"viobench-hist 1 bench/0#0 count=1 underflow=0 overflow=0 min=1 max=2 sum=3 "
             "sumsq=5\n900:-1\n",
             "bad bucket count"},
        };
        for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
            struct ingest_item it;
            f = fopen(path, "w");
            fputs(bad[k][0], f);
            fclose(f);
            ingest_item_init(&it);
            CHECK(ingest_read_rundir(dir, &it, err, sizeof(err)) == -EINVAL, "bad %zu accepted", k);
            CHECK(strstr(err, bad[k][1]) && strstr(err, "histograms.txt"),
                  "bad %zu: '%s' lacks '%s'", k, err, bad[k][1]);
            ingest_item_free(&it);
        }
    }
}

int main(void)
{
    char cmd[400];
    snprintf(tmpdir, sizeof(tmpdir), "%s/vb-ingest-XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(tmpdir))
        SKIP("cannot make a temporary directory");
    test_fio_jsonplus();
    test_fio_json();
    test_gbench();
    test_malformed();
    test_rundir();
    test_hist_text();
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmpdir);
    return check_done("test_ingest");
}
