/*
 * Google Benchmark JSON (schema version 1): writing a run and reading any program's output.
 * The layout follows what Google Benchmark's JSONReporter writes and compare.py reads; the
 * facts are summarised in docs/ARCHITECTURE.md.
 */
#include "jsonx.h"
#include "result.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Keys of a benchmark row that are not counters. */
static const char *const row_keys[] = {
    "name",
    "run_name",
    "run_type",
    "family_index",
    "per_family_instance_index",
    "repetitions",
    "repetition_index",
    "threads",
    "iterations",
    "real_time",
    "cpu_time",
    "time_unit",
    "bytes_per_second",
    "items_per_second",
    "label",
    "error_occurred",
    "error_message",
    "aggregate_name",
    "aggregate_unit",
    "skipped",
    "info",
    NULL,
};

static int is_row_key(const char *k)
{
    for (int i = 0; row_keys[i]; i++)
        if (strcmp(row_keys[i], k) == 0)
            return 1;
    return 0;
}

/* Google Benchmark's context block, derived from a viobench context.json object. */
static json_t *gbench_context(const json_t *ctx)
{
    json_t *g = json_object(), *pairing = json_object_get(ctx, "pairing");
    json_t *cpu = json_object_get(pairing, "cpu");
    json_t *caches = json_object_get(json_object_get(pairing, "topology"), "caches");
    json_t *ts = json_object_get(ctx, "timesource");
    json_t *load = json_object_get(ctx, "load_avg");
    json_t *summary = json_object_get(pairing, "summary");
    const char *exe = json_string_value(json_array_get(json_object_get(ctx, "command_line"), 0));
    double mhz = jx_num(cpu, "mhz", 0);

    if (!g)
        return NULL;
    if (mhz <= 0)
        mhz = jx_num(ts, "tsc_hz", 0) / 1e6;
    json_object_set_new(g, "date", json_string(jx_str(ctx, "start", "")));
    json_object_set_new(g, "host_name", json_string(jx_str(ctx, "host_name", "")));
    json_object_set_new(g, "executable", json_string(exe ? exe : "viobench"));
    json_object_set_new(g, "num_cpus", json_integer((json_int_t)jx_num(cpu, "count", 0)));
    json_object_set_new(g, "mhz_per_cpu", json_integer((json_int_t)llround(mhz)));
    json_object_set_new(g, "cpu_scaling_enabled", json_false());
    json_object_set_new(g, "caches", json_is_array(caches) ? json_incref(caches) : json_array());
    json_object_set_new(g, "load_avg", json_is_array(load) ? json_incref(load) : json_array());
    json_object_set_new(g, "library_build_type", json_string("release"));
    json_object_set_new(g, "json_schema_version", json_integer(VB_GBENCH_SCHEMA));
    json_object_set_new(g, "viobench_format", json_integer(VB_FORMAT_VERSION));
    jx_copy(g, json_object_get(ctx, "tool"), "version", "viobench_version");
    jx_copy(g, ctx, "run_id", "run_id");
    jx_copy(g, ctx, "complete", "complete");
    jx_copy(g, ts, "name", "timesource");
    jx_copy(g, summary, "hypervisor", "hypervisor");
    jx_copy(g, summary, "guest", "guest");
    jx_copy(g, ctx, "labels", "labels");
    return g;
}

static int set_num(json_t *o, const char *k, double v)
{
    if (!isfinite(v))
        return 0;
    return json_object_set_new(o, k, json_real(v));
}

static json_t *row_json(const struct vb_row *w, int family)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    json_object_set_new(o, "name", json_string(w->name));
    json_object_set_new(o, "family_index", json_integer(family));
    json_object_set_new(o, "per_family_instance_index", json_integer(0));
    json_object_set_new(o, "run_name", json_string(w->run_name));
    json_object_set_new(o, "run_type",
                        json_string(w->run_type == VB_AGGREGATE ? "aggregate" : "iteration"));
    json_object_set_new(o, "repetitions", json_integer(w->repetitions));
    if (w->run_type == VB_ITERATION)
        json_object_set_new(o, "repetition_index", json_integer(w->repetition_index));
    json_object_set_new(o, "threads", json_integer(w->threads));
    if (w->run_type == VB_AGGREGATE) {
        json_object_set_new(o, "aggregate_name", json_string(w->aggregate_name));
        json_object_set_new(o, "aggregate_unit",
                            json_string(w->aggregate_is_pct ? "percentage" : "time"));
    }
    if (w->error_occurred) {
        json_object_set_new(o, "error_occurred", json_true());
        json_object_set_new(o, "error_message", json_string(w->error_message ?: ""));
        if (w->skipped)
            json_object_set_new(o, "skipped", json_true());
    }
    json_object_set_new(o, "iterations", json_integer((json_int_t)w->iterations));
    json_object_set_new(o, "real_time", json_real(isfinite(w->real_time) ? w->real_time : 0));
    json_object_set_new(o, "cpu_time", json_real(isfinite(w->cpu_time) ? w->cpu_time : 0));
    json_object_set_new(o, "time_unit", json_string(w->time_unit));
    set_num(o, "bytes_per_second", w->bytes_per_second);
    set_num(o, "items_per_second", w->items_per_second);
    if (w->label && *w->label)
        json_object_set_new(o, "label", json_string(w->label));
    for (size_t i = 0; i < w->ncounters; i++)
        set_num(o, w->counters[i].name, w->counters[i].value);
    if (w->info)
        json_object_set(o, "info", w->info);
    return o;
}

int vb_write_gbench_json(const struct vb_run *r, FILE *f)
{
    json_t *root = json_object(), *arr = json_array(), *ctx;
    int ret = -ENOMEM, nfam = 0, *fam = calloc(r->nrows + 1, sizeof(*fam));

    if (!root || !arr || !fam)
        goto out;
    if (json_object_get(r->context, "viobench_format"))
        ctx = gbench_context(r->context);
    else
        ctx = json_deep_copy(r->context);
    if (!ctx)
        goto out;
    json_object_set_new(root, "context", ctx);
    json_object_set(root, "benchmarks", arr);
    for (size_t i = 0; i < r->nrows; i++) {
        /* family_index groups a benchmark's repetitions and aggregates, which compare.py's
           sort relies on: rows of one run_name share the index of its first row. */
        json_t *row;
        size_t j = 0;
        while (j < i && strcmp(r->rows[j].run_name, r->rows[i].run_name) != 0)
            j++;
        fam[i] = j < i ? fam[j] : nfam++;
        row = row_json(&r->rows[i], fam[i]);
        if (!row || json_array_append_new(arr, row))
            goto out;
    }
    ret = json_dumpf(root, f, JSON_INDENT(2) | JSON_REAL_PRECISION(17)) ? -EIO : 0;
    fputc('\n', f);
out:
    free(fam);
    json_decref(arr);
    json_decref(root);
    return ret;
}

static int bad(char *err, size_t errlen, const char *fmt, size_t i, const char *what)
{
    snprintf(err, errlen, fmt, i, what);
    return -EINVAL;
}

/* An integer key of a row ("threads", "repetitions"...): absent gives def; a number outside
   [lo, hi] or with a fraction is refused (the cast of 1e300 to int is undefined). */
static int row_int(json_t *b, const char *key, int def, int lo, int hi, int *out)
{
    json_t *v = json_object_get(b, key);
    double d;
    if (!v) {
        *out = def;
        return 0;
    }
    if (!json_is_number(v))
        return -EINVAL;
    d = json_number_value(v);
    if (!(d >= lo && d <= hi) || d != floor(d))
        return -EINVAL;
    *out = (int)d;
    return 0;
}

/* Fill one row from a benchmark object; checks types of every known key. */
static int read_row(json_t *b, size_t i, struct vb_run *r, char *err, size_t errlen)
{
    const char *name, *k, *s;
    json_t *v;
    struct vb_row *w;
    int ret, optional;

    if (!json_is_object(b))
        return bad(err, errlen, "benchmarks[%zu]: %s", i, "not an object");
    name = json_string_value(json_object_get(b, "name"));
    if (!name || !*name)
        return bad(err, errlen, "benchmarks[%zu]: %s", i, "missing or empty \"name\"");
    w = vb_run_add_row(r, name);
    if (!w)
        return -ENOMEM;
    if ((v = json_object_get(b, "error_occurred")) && !json_is_boolean(v))
        return bad(err, errlen, "benchmarks[%zu]: %s", i, "\"error_occurred\" is not a boolean");
    w->error_occurred = json_is_true(v);
    if (w->error_occurred) {
        s = json_string_value(json_object_get(b, "error_message"));
        if (vb_row_set_error(w, json_is_true(json_object_get(b, "skipped")), s ? s : ""))
            return -ENOMEM;
    }
    /* Google Benchmark writes times on error rows too; require them only on measured rows.
       Complexity rows (aggregates BigO and RMS, from ->Complexity()) carry coefficients
       instead of times and iterations. */
    s = json_string_value(json_object_get(b, "aggregate_name"));
    optional = w->error_occurred || (s && (strcmp(s, "BigO") == 0 || strcmp(s, "RMS") == 0));
    for (int t = 0; t < 2; t++) {
        const char *key = t ? "cpu_time" : "real_time";
        v = json_object_get(b, key);
        if (!v && optional)
            continue;
        if (!json_is_number(v))
            return bad(err, errlen, "benchmarks[%zu]: %s", i,
                       t ? "missing or non-numeric \"cpu_time\""
                         : "missing or non-numeric \"real_time\"");
        if (t)
            w->cpu_time = json_number_value(v);
        else
            w->real_time = json_number_value(v);
    }
    v = json_object_get(b, "iterations");
    if (v && (!json_is_integer(v) || json_integer_value(v) < 0))
        return bad(err, errlen, "benchmarks[%zu]: %s", i,
                   "\"iterations\" is not a non-negative integer");
    if (!v && !optional)
        return bad(err, errlen, "benchmarks[%zu]: %s", i, "missing \"iterations\"");
    w->iterations = v ? (uint64_t)json_integer_value(v) : 0;
    s = jx_str(b, "time_unit", optional ? "ns" : NULL);
    if (!s || vb_time_unit_scale(s) == 0)
        return bad(err, errlen, "benchmarks[%zu]: %s", i, "missing or unknown \"time_unit\"");
    snprintf(w->time_unit, sizeof(w->time_unit), "%s", s);
    if ((s = json_string_value(json_object_get(b, "run_name")))) {
        free(w->run_name);
        if (!(w->run_name = strdup(s)))
            return -ENOMEM;
    }
    s = jx_str(b, "run_type", "iteration");
    if (strcmp(s, "aggregate") == 0 && !json_is_string(json_object_get(b, "aggregate_name"))) {
        /* an aggregate that names no statistic (Google Benchmark's own test inputs): one
           measurement of its name, as compare.py reads it */
        w->run_type = VB_ITERATION;
    } else if (strcmp(s, "aggregate") == 0) {
        w->run_type = VB_AGGREGATE;
        s = json_string_value(json_object_get(b, "aggregate_name"));
        if (!(w->aggregate_name = strdup(s)))
            return -ENOMEM;
        w->aggregate_is_pct = strcmp(jx_str(b, "aggregate_unit", "time"), "percentage") == 0;
    } else if (strcmp(s, "iteration") != 0) {
        return bad(err, errlen, "benchmarks[%zu]: %s", i, "unknown \"run_type\"");
    }
    if (row_int(b, "repetitions", 1, 0, 1 << 30, &w->repetitions))
        return bad(err, errlen, "benchmarks[%zu]: %s", i,
                   "\"repetitions\" is not an integer in [0, 2^30]");
    if (row_int(b, "repetition_index", 0, 0, 1 << 30, &w->repetition_index))
        return bad(err, errlen, "benchmarks[%zu]: %s", i,
                   "\"repetition_index\" is not an integer in [0, 2^30]");
    if (row_int(b, "threads", 1, 1, 1 << 20, &w->threads))
        return bad(err, errlen, "benchmarks[%zu]: %s", i,
                   "\"threads\" is not an integer in [1, 2^20]");
    w->bytes_per_second = jx_num(b, "bytes_per_second", NAN);
    w->items_per_second = jx_num(b, "items_per_second", NAN);
    if ((s = json_string_value(json_object_get(b, "label"))) && !(w->label = strdup(s)))
        return -ENOMEM;
    if ((v = json_object_get(b, "info")) && json_is_object(v))
        w->info = json_incref(v);
    json_object_foreach(b, k, v)
    {
        if (is_row_key(k))
            continue;
        if (!json_is_number(v))
            continue; /* Google Benchmark allows other keys; only numbers are counters */
        if ((ret = vb_row_add_counter(w, k, json_number_value(v))))
            return ret;
    }
    return 0;
}

int vb_read_gbench_json(json_t *root, struct vb_run *r, char *err, size_t errlen)
{
    json_t *ctx, *arr, *ver;
    size_t i;
    int ret;

    if (!json_is_object(root)) {
        snprintf(err, errlen, "top level is not a JSON object");
        return -EINVAL;
    }
    ctx = json_object_get(root, "context");
    arr = json_object_get(root, "benchmarks");
    if (!json_is_array(arr)) {
        snprintf(err, errlen, "no \"benchmarks\" array (not Google Benchmark JSON)");
        return -EINVAL;
    }
    if (ctx && !json_is_object(ctx)) {
        snprintf(err, errlen, "\"context\" is not an object");
        return -EINVAL;
    }
    ver = json_object_get(ctx, "json_schema_version");
    if (ver && (!json_is_integer(ver) || json_integer_value(ver) != VB_GBENCH_SCHEMA)) {
        snprintf(err, errlen, "unsupported json_schema_version (expected %d)", VB_GBENCH_SCHEMA);
        return -EINVAL;
    }
    if (ctx) {
        json_decref(r->context);
        r->context = json_deep_copy(ctx);
        if (!r->context)
            return -ENOMEM;
    }
    json_array_foreach(arr, i, ctx)
    {
        if ((ret = read_row(ctx, i, r, err, errlen)))
            return ret;
    }
    return 0;
}
