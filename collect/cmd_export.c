/*
 * `viobench export`: a stored run written back out. gbench-json and gbench-csv are Google
 * Benchmark's formats, written by lib/result.h's writers, so an exported viobench run is
 * the results.json/results.csv `viobench run` wrote, and an imported Google Benchmark file
 * comes back with its rows as they were read (compare.py accepts either). csv is one tidy
 * table, one line per run x row x metric, for spreadsheets and gnuplot; it takes several
 * runs (--run repeated, or selectors). The interchange formats other tools read (hdrlog,
 * prometheus, bmf, otava-csv) are written by export_*.c (export.h).
 */
#include "collect.h"
#include "csv.h"
#include "export.h"
#include "log.h"
#include "opt.h"
#include "store.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static struct {
    const char *db, *format, *out, *since, *until;
    struct opt_list runs;
} a;

static const struct opt export_opts[] = {
    {"run", 'r', OPT_LIST, &a.runs, "ID",
     "run id (or a unique prefix) as `collect ls` shows it; csv, prometheus and otava-csv "
     "take several"},
    {"format", 'f', OPT_STR, &a.format, "FMT",
     "gbench-json (default), gbench-csv, csv, hdrlog (HdrHistogram interval log), "
     "prometheus (text exposition 0.0.4), bmf (Bencher Metric Format) or otava-csv"},
    {"out", 'o', OPT_STR, &a.out, "FILE", "write to FILE (default standard output)"},
    {"db", 0, OPT_STR, &a.db, "DB",
     "the store: SQLite file (default " STORE_DEFAULT_PATH ") or PostgreSQL URI"},
    {"since", 0, OPT_STR, &a.since, "DATE",
     "csv, prometheus, otava-csv: runs started on or after DATE"},
    {"until", 0, OPT_STR, &a.until, "DATE",
     "csv, prometheus, otava-csv: runs started on or before DATE"},
    {NULL},
};

static const struct cmd_help export_help = {
    .name = "viobench export",
    .usage = "--run ID [--format gbench-json|gbench-csv|hdrlog|bmf] [--out FILE]\n"
             "  viobench export --format csv|prometheus|otava-csv [--run ID...] [KEY=VALUE...] "
             "[--out FILE]",
    .summary = "Write stored runs out. gbench-json and gbench-csv give one run in Google "
               "Benchmark's\nformats (what `viobench run` wrote, or the imported file's rows); "
               "compare.py reads them.\ncsv is a tidy table of one or more runs: run_id, "
               "pairing keys, labels, benchmark, row,\nmetric, value, unit. KEY=VALUE selectors "
               "work as in `viobench collect ls`.\nFor other tools: hdrlog is one run as an "
               "HdrHistogram interval log (tags\n<benchmark>#<repetition>, values in ns; "
               "`viobench collect` reads it back); prometheus\nis text exposition (histogram "
               "and quantiles in seconds, pairing as labels) for\npromtool, a Pushgateway or "
               "node_exporter; bmf is one run as Bencher Metric Format\n(latency, p50-latency, "
               "p99-latency in ns, lowest/highest repetition as bounds);\notava-csv is one line "
               "per run for Apache Otava (see docs/collect.md).",
    .examples =
        "  viobench export --run 20261125-000539-vm-10722 > run.json\n"
        "  compare.py benchmarks old.json <(viobench export --run 20261125-0005)\n"
        "  viobench export --run 20261125-000539 --format gbench-csv --out run.csv\n"
        "  viobench export --format csv hypervisor=kvm --since 2026-11-01 --out kvm.csv\n"
        "  viobench export --run 20261125-000539 --format hdrlog --out run.hlog\n"
        "  viobench export --format prometheus hypervisor=kvm --out /var/lib/node/vb.prom\n"
        "  viobench export --run 20261125-000539 --format bmf | bencher run --adapter json\n"
        "  viobench export --format otava-csv guest_os=rhel* --out otava/viobench.csv",
};

/* The leading columns shared by every line of a run. */
struct run_cols {
    const struct store_run_info *r;
    char labels[2048];
};

static void metric(FILE *f, const struct run_cols *c, const struct vb_row *w, const char *name,
                   double v, const char *unit)
{
    const struct store_run_info *r = c->r;
    if (isnan(v))
        return;
    csv_put_field(f, r->run_id, 0);
    fputc(',', f);
    csv_put_field(f, r->source, 0);
    fputc(',', f);
    csv_put_field(f, r->start, 0);
    for (int k = 0; k < SP_NKEYS; k++) {
        fputc(',', f);
        csv_put_field(f, r->pairing.v[k], 0);
    }
    fputc(',', f);
    csv_put_field(f, r->tool_version, 0);
    fputc(',', f);
    csv_put_field(f, c->labels, 0);
    fputc(',', f);
    csv_put_field(f, w->run_name, 0);
    fputc(',', f);
    csv_put_field(f, w->name, 0);
    fprintf(f, ",%s,", w->run_type == VB_AGGREGATE ? "aggregate" : "iteration");
    csv_put_field(f, w->run_type == VB_AGGREGATE ? w->aggregate_name : "", 0);
    fprintf(f, ",%d,%d,", w->repetition_index, w->threads);
    csv_put_field(f, name, 0);
    fprintf(f, ",%.17g,%s\n", v, unit);
}

static const char *counter_unit(const char *name)
{
    size_t n = strlen(name);
    if (n > 3 && strcmp(name + n - 3, "_ns") == 0)
        return "ns";
    if (n > 4 && strcmp(name + n - 4, "_pct") == 0)
        return "%";
    return "";
}

static void tidy_run(FILE *f, const struct store_run_info *r, const struct vb_run *run)
{
    struct run_cols c = {.r = r};
    const char *k;
    json_t *v;
    size_t o = 0;

    json_object_foreach(r->labels, k, v)
    {
        if (o < sizeof(c.labels))
            o += (size_t)snprintf(c.labels + o, sizeof(c.labels) - o, "%s%s=%s", o ? ";" : "", k,
                                  json_string_value(v));
    }
    for (size_t i = 0; i < run->nrows; i++) {
        const struct vb_row *w = &run->rows[i];
        const char *tu = w->aggregate_is_pct ? "ratio" : w->time_unit;
        if (w->error_occurred) {
            metric(f, &c, w, "error_occurred", 1, "");
            continue;
        }
        metric(f, &c, w, "iterations", (double)w->iterations, "");
        metric(f, &c, w, "real_time", w->real_time, tu);
        metric(f, &c, w, "cpu_time", w->cpu_time, tu);
        metric(f, &c, w, "bytes_per_second", w->bytes_per_second, "B/s");
        metric(f, &c, w, "items_per_second", w->items_per_second, "1/s");
        for (size_t j = 0; j < w->ncounters; j++)
            metric(f, &c, w, w->counters[j].name, w->counters[j].value,
                   counter_unit(w->counters[j].name));
    }
}

static int write_tidy(FILE *f, struct store *s, const struct store_run_info *runs, size_t n)
{
    fprintf(f, "run_id,source,start_time");
    for (int k = 0; k < SP_NKEYS; k++)
        fprintf(f, ",%s", store_pairing_keys[k]);
    fprintf(f, ",tool_version,labels,benchmark,row,run_type,aggregate,repetition,threads,metric,"
               "value,unit\n");
    for (size_t i = 0; i < n; i++) {
        struct vb_run run;
        if (vb_run_init(&run))
            return -ENOMEM;
        if (store_load_run(s, runs[i].id, &run)) {
            vb_run_free(&run);
            vb_err("export: %s", store_errmsg(s));
            return -EIO;
        }
        tidy_run(f, &runs[i], &run);
        vb_run_free(&run);
    }
    return 0;
}

/* One run in a Google Benchmark format. */
static int write_gbench(FILE *f, struct store *s, const struct store_run_info *r, int json)
{
    struct vb_run run;
    json_t *raw = NULL;
    int ret;

    if (vb_run_init(&run))
        return -ENOMEM;
    if (store_load_run(s, r->id, &run)) {
        vb_err("export: %s", store_errmsg(s));
        vb_run_free(&run);
        return -EIO;
    }
    if (json && (raw = store_load_raw_rows(s, r->id))) {
        /* An imported Google Benchmark file: its context and rows as they were. */
        json_t *doc = json_pack("{s:O, s:O}", "context", run.context, "benchmarks", raw);
        ret = doc && json_dumpf(doc, f, JSON_INDENT(2) | JSON_REAL_PRECISION(17)) == 0 ? 0 : -EIO;
        fputc('\n', f);
        json_decref(doc);
        json_decref(raw);
    } else {
        ret = json ? vb_write_gbench_json(&run, f) : vb_write_gbench_csv(&run, f);
    }
    vb_run_free(&run);
    return ret;
}

/* The runs to export: --run ids (each must exist), else the selectors. */
static int pick(struct store *s, const struct store_sel *sel, struct store_run_info **runs,
                size_t *n)
{
    struct store_run_info *all = NULL, *out;
    size_t nall = 0, k = 0;

    if (store_select_runs(s, a.runs.n ? NULL : sel, &all, &nall)) {
        vb_err("export: %s", store_errmsg(s));
        return -EIO;
    }
    if (!a.runs.n) {
        *runs = all;
        *n = nall;
        return 0;
    }
    if (!(out = calloc((size_t)a.runs.n, sizeof(*out)))) {
        store_runs_free(all, nall);
        return -ENOMEM;
    }
    for (int i = 0; i < a.runs.n; i++) {
        int64_t id;
        size_t j;
        if (store_find_run(s, a.runs.v[i], &id)) {
            vb_err("export: --run: %s", store_errmsg(s));
            store_runs_free(out, k);
            store_runs_free(all, nall);
            return -ENOENT;
        }
        for (j = 0; j < nall && all[j].id != id; j++)
            ;
        if (j == nall)
            continue;
        out[k] = all[j];
        out[k++].labels = json_incref(all[j].labels);
    }
    store_runs_free(all, nall);
    *runs = out;
    *n = k;
    return 0;
}

int cmd_export(int argc, char **argv)
{
    const char *pos[256];
    struct store_sel sel = {0};
    struct store_run_info *runs = NULL;
    struct store *s = NULL;
    size_t n = 0;
    FILE *f = stdout;
    char err[1024];
    static const char *const fmts[] = {"gbench-json", "gbench-csv", "csv",      "hdrlog",
                                       "prometheus",  "bmf",        "otava-csv"};
    int npos, ret, fmt, one_run;
    struct stat st;

    memset(&a, 0, sizeof(a));
    ret = opt_parse(export_opts, &export_help, argc, argv, pos, 256, &npos);
    if (ret)
        return ret == 1 ? 0 : 2;
    ret = 2;
    for (fmt = 0; a.format && fmt < 7 && strcmp(a.format, fmts[fmt]); fmt++)
        ;
    if (!a.format)
        fmt = 0;
    if (fmt == 7) {
        vb_err("export: --format: '%s' is not gbench-json, gbench-csv, csv, hdrlog, prometheus, "
               "bmf or otava-csv",
               a.format);
        goto out;
    }
    one_run = fmt < 2 || fmt == 3 || fmt == 5;
    if (one_run && (a.runs.n != 1 || npos || a.since || a.until)) {
        vb_err("export: --format %s writes one run: give exactly one --run ID and no selectors",
               fmts[fmt]);
        goto out;
    }
    for (int i = 0; i < npos; i++)
        if (store_sel_add(&sel, pos[i], err, sizeof(err))) {
            vb_err("export: %s", err);
            goto out;
        }
    if (store_sel_dates(&sel, a.since, a.until, err, sizeof(err))) {
        vb_err("export: %s", err);
        goto out;
    }
    ret = 1;
    if (!a.db)
        a.db = STORE_DEFAULT_PATH;
    if (!store_is_remote(a.db) && stat(a.db, &st)) {
        vb_err("export: %s: no store here (run viobench collect first)", a.db);
        goto out;
    }
    if (store_open(a.db, STORE_RDONLY, &s, err, sizeof(err))) {
        vb_err("export: %s", err);
        goto out;
    }
    if (pick(s, &sel, &runs, &n))
        goto out;
    if (a.out && !(f = fopen(a.out, "we"))) {
        vb_err("export: --out: %s: %s", a.out, strerror(errno));
        f = stdout;
        goto out;
    }
    if (one_run && n == 0) {
        vb_err("export: --run %s: no such run", a.runs.v[0]);
        goto out;
    }
    switch (fmt) {
    case 2:
        ret = write_tidy(f, s, runs, n);
        break;
    case 3:
        ret = export_hdrlog(f, s, &runs[0]);
        break;
    case 4:
        ret = export_prometheus(f, s, runs, n);
        break;
    case 5:
        ret = export_bmf(f, s, &runs[0]);
        break;
    case 6:
        ret = export_otava(f, s, runs, n);
        break;
    default:
        ret = write_gbench(f, s, &runs[0], fmt == 0);
    }
    if (fflush(f) || ferror(f) || ret) {
        if (!ret)
            vb_err("export: %s: write failed", a.out ? a.out : "standard output");
        ret = 1;
        goto out;
    }
    ret = 0;
out:
    if (f != stdout && fclose(f) && !ret) {
        vb_err("export: --out: %s: %s", a.out, strerror(errno));
        ret = 1;
    }
    store_runs_free(runs, n);
    store_sel_free(&sel);
    store_close(s);
    opt_list_free(&a.runs);
    return ret;
}
