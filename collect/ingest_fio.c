/*
 * fio JSON (--output-format=json and json+) as benchmark rows. Each job, direction (read,
 * write, trim; sync for fsync) and latency kind with samples (slat, clat, lat) becomes one
 * row named "fio/<job>/<direction>/<kind>": iterations are the samples, real_time the mean
 * latency in ns, cpu_time the job's CPU time per I/O, items_per_second the IOPS and
 * bytes_per_second the bandwidth. fio's percentiles become counters with viobench's names
 * (99.9 -> p999_ns); json+ latency bins become a histogram in viobench's layout, so the
 * percentiles can be recomputed and merged across runs like viobench's own.
 *
 * A job that reports an error makes the whole file a rejected input: its numbers describe
 * a run that did not do what was asked.
 */
#include "ingest.h"
#include "jsonx.h"
#include "store_int.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const dirs[] = {"read", "write", "trim", "sync"};
static const char *const kinds[] = {"slat", "clat", "lat"};

/* Counter name of a fio percentile key: the value's digits without the dot, the integer
   part padded to two digits, so 50 -> p50_ns, 99.9 -> p999_ns, 99.99 -> p9999_ns (the
   names viobench uses), 1 -> p01_ns and 9.95 -> p0995_ns (never the same as 99.5). */
static int pct_name(const char *key, char *out, size_t len)
{
    char buf[40], *dot, *end;
    double p = strtod(key, &end);

    if (end == key || *end || !(p >= 0 && p <= 100))
        return -EINVAL;
    snprintf(buf, sizeof(buf), "%.10g", p);
    dot = strchr(buf, '.');
    if (dot)
        memmove(dot, dot + 1, strlen(dot));
    snprintf(out, len, "p%s%s_ns", p < 10 ? "0" : "", buf);
    return 0;
}

static int need_num(const json_t *o, const char *key, const char *where, double *v, char *err,
                    size_t errlen)
{
    json_t *x = json_object_get(o, key);
    if (!json_is_number(x)) {
        snprintf(err, errlen, "%s: %s \"%s\"", where, x ? "non-numeric" : "missing", key);
        return -EINVAL;
    }
    *v = json_number_value(x);
    return 0;
}

/* A histogram from json+ bins {"<ns>": count}, with fio's exact statistics. */
static int bins_hist(const json_t *bins, const json_t *lat, const char *where, struct hist **out,
                     char *err, size_t errlen)
{
    struct hist *h = hist_new();
    const char *k;
    json_t *v;
    double mean = jx_num(lat, "mean", 0), sd = jx_num(lat, "stddev", 0), n;

    if (!h)
        return -ENOMEM;
    json_object_foreach((json_t *)bins, k, v)
    {
        char *end;
        double ns = strtod(k, &end);
        if (end == k || *end || !(ns >= 0) || !json_is_integer(v) || json_integer_value(v) < 0) {
            snprintf(err, errlen, "%s: bad bin \"%s\"", where, k);
            hist_free(h);
            return -EINVAL;
        }
        if (json_integer_value(v))
            hist_record_n(h, ns, (uint64_t)json_integer_value(v));
    }
    if (h->count) {
        /* Bins give the shape; fio's own figures are exact for the rest. */
        n = (double)h->count;
        h->min = jx_num(lat, "min", h->min);
        h->max = jx_num(lat, "max", h->max);
        h->sum = mean * n;
        h->sumsq = sd * sd * (n - 1) + n * mean * mean;
    }
    *out = h;
    return 0;
}

struct job_figs {
    const char *name; /* benchmark name prefix, "fio/<job>" */
    double cpu_per_io_ns;
    double usr, sys, ctx, majf, minf;
    json_t *options;
};

static int add_kind(struct ingest_item *it, const struct job_figs *j, const char *dir,
                    const json_t *d, const char *kind, char *err, size_t errlen)
{
    char key[16], name[1200], where[1300], pname[96];
    const json_t *lat, *pct, *bins;
    struct vb_row *w;
    double v, samples;
    const char *k;
    json_t *x;

    snprintf(key, sizeof(key), "%s_ns", kind);
    lat = json_object_get(d, key);
    if (!lat)
        return 0;
    snprintf(where, sizeof(where), "%s/%s: %s", j->name, dir, key);
    if (!json_is_object(lat)) {
        snprintf(err, errlen, "%s is not an object", where);
        return -EINVAL;
    }
    if (need_num(lat, "N", where, &samples, err, errlen))
        return -EINVAL;
    if (samples <= 0)
        return 0;
    snprintf(name, sizeof(name), "%s/%s/%s", j->name, dir, kind);
    if (!(w = vb_run_add_row(&it->run, name)))
        return -ENOMEM;
    w->iterations = (uint64_t)samples;
    if (need_num(lat, "mean", where, &w->real_time, err, errlen))
        return -EINVAL;
    w->cpu_time = j->cpu_per_io_ns;
    w->items_per_second = jx_num(d, "iops", NAN);
    w->bytes_per_second = jx_num(d, "bw_bytes", NAN);
    if ((pct = json_object_get(lat, "percentile"))) {
        if (!json_is_object(pct)) {
            snprintf(err, errlen, "%s: \"percentile\" is not an object", where);
            return -EINVAL;
        }
        if (json_object_size(pct) > 1000) {
            snprintf(err, errlen, "%s: %zu percentiles (at most 1000)", where,
                     json_object_size(pct));
            return -EINVAL;
        }
        json_object_foreach((json_t *)pct, k, x)
        {
            if (pct_name(k, pname, sizeof(pname)) || !json_is_number(x)) {
                snprintf(err, errlen, "%s: bad percentile \"%s\"", where, k);
                return -EINVAL;
            }
            if (vb_row_set_counter(w, pname, json_number_value(x)))
                return -ENOMEM;
        }
    }
    if (need_num(lat, "min", where, &v, err, errlen) || vb_row_set_counter(w, "min_ns", v) ||
        need_num(lat, "max", where, &v, err, errlen) || vb_row_set_counter(w, "max_ns", v) ||
        need_num(lat, "stddev", where, &v, err, errlen) || vb_row_set_counter(w, "stddev_ns", v))
        return -EINVAL;
    if (vb_row_set_counter(w, "samples", samples) ||
        vb_row_set_counter(w, "io_bytes", jx_num(d, "io_bytes", 0)) ||
        vb_row_set_counter(w, "total_ios", jx_num(d, "total_ios", 0)) ||
        vb_row_set_counter(w, "short_ios", jx_num(d, "short_ios", 0)) ||
        vb_row_set_counter(w, "drop_ios", jx_num(d, "drop_ios", 0)) ||
        vb_row_set_counter(w, "runtime_ms", jx_num(d, "runtime", 0)) ||
        vb_row_set_counter(w, "usr_cpu_pct", j->usr) ||
        vb_row_set_counter(w, "sys_cpu_pct", j->sys) ||
        vb_row_set_counter(w, "ctx_switches", j->ctx) ||
        vb_row_set_counter(w, "major_faults", j->majf) ||
        vb_row_set_counter(w, "minor_faults", j->minf))
        return -ENOMEM;
    w->info = json_pack("{s:s, s:s, s:o}", "direction", dir, "latency", kind, "job_options",
                        j->options ? json_incref(j->options) : json_object());
    if (!w->info)
        return -ENOMEM;
    if ((bins = json_object_get(lat, "bins"))) {
        if (!json_is_object(bins)) {
            snprintf(err, errlen, "%s: \"bins\" is not an object", where);
            return -EINVAL;
        }
        return bins_hist(bins, lat, where, &w->hist, err, errlen);
    }
    return 0;
}

/* Rows of one job. */
static int add_job(struct ingest_item *it, const json_t *job, const char *prefix, char *err,
                   size_t errlen)
{
    struct job_figs j = {.name = prefix};
    double ios = 0, runtime = jx_num(job, "job_runtime", 0);
    int ret;

    j.usr = jx_num(job, "usr_cpu", 0);
    j.sys = jx_num(job, "sys_cpu", 0);
    j.ctx = jx_num(job, "ctx", 0);
    j.majf = jx_num(job, "majf", 0);
    j.minf = jx_num(job, "minf", 0);
    j.options = json_object_get(job, "job options");
    for (size_t i = 0; i < 4; i++) {
        const json_t *d = json_object_get(job, dirs[i]);
        if (d && !json_is_object(d)) {
            snprintf(err, errlen, "%s: \"%s\" is not an object", prefix, dirs[i]);
            return -EINVAL;
        }
        if (i < 3)
            ios += jx_num(d, "total_ios", 0);
    }
    j.cpu_per_io_ns = ios > 0 ? (j.usr + j.sys) / 100.0 * runtime * 1e6 / ios : 0;
    for (size_t i = 0; i < 4; i++) {
        const json_t *d = json_object_get(job, dirs[i]);
        if (!d || jx_num(d, "total_ios", 0) <= 0)
            continue;
        for (size_t k = 0; k < 3; k++)
            if ((ret = add_kind(it, &j, dirs[i], d, kinds[k], err, errlen)))
                return ret;
    }
    return 0;
}

/* "fio/<jobname>", with ".<n>" when several jobs share the name (numjobs without
   group_reporting). `total` maps each name to its number of jobs, `seen` to how many came
   before (two hash tables, so 40,000 jobs of one name stay linear). 0 or -ENOMEM. */
static int job_prefix(const json_t *job, json_t *total, json_t *seen, char *out, size_t len)
{
    const char *name = jx_str(job, "jobname", "");
    json_int_t before = json_integer_value(json_object_get(seen, name));

    if (json_object_set_new(seen, name, json_integer(before + 1)))
        return -ENOMEM;
    if (json_integer_value(json_object_get(total, name)) > 1)
        snprintf(out, len, "fio/%s.%lld", name, (long long)before);
    else
        snprintf(out, len, "fio/%s", name);
    return 0;
}

/* fio's end time in Unix ms: timestamp_ms, else timestamp (s); NAN when out of range. */
static double fio_timestamp_ms(const json_t *root)
{
    double ts_ms = jx_num(root, "timestamp_ms", jx_num(root, "timestamp", 0) * 1000);
    return ts_ms >= 0 && ts_ms <= STORE_MAX_UNIX_MS ? ts_ms : NAN;
}

static int make_context(json_t *root, struct ingest_item *it, double elapsed_s)
{
    json_t *c = json_object();
    double ts_ms = fio_timestamp_ms(root);

    if (!c)
        return -ENOMEM;
    store_iso_time(ts_ms, it->end, sizeof(it->end));
    store_iso_time(ts_ms - elapsed_s * 1000, it->start, sizeof(it->start));
    json_object_set_new(c, "date", json_string(it->start));
    json_object_set_new(c, "host_name", json_string(""));
    json_object_set_new(c, "executable", json_string("fio"));
    json_object_set_new(c, "json_schema_version", json_integer(VB_GBENCH_SCHEMA));
    jx_copy(c, root, "fio version", "fio_version");
    jx_copy(c, root, "time", "fio_time");
    jx_copy(c, root, "timestamp_ms", "fio_timestamp_ms");
    jx_copy(c, root, "global options", "global_options");
    jx_copy(c, root, "disk_util", "disk_util");
    json_decref(it->run.context);
    it->run.context = c;
    return 0;
}

int ingest_fio(json_t *root, struct ingest_item *it, char *err, size_t errlen)
{
    const json_t *jobs = json_object_get(root, "jobs");
    const char *ver = json_string_value(json_object_get(root, "fio version"));
    double elapsed = 0;
    size_t i;
    json_t *job, *total = NULL, *seen = NULL;
    int ret;

    if (!ver) {
        snprintf(err, errlen, "\"fio version\" is not a string");
        return -EINVAL;
    }
    if (!json_is_array(jobs) || json_array_size(jobs) == 0) {
        snprintf(err, errlen, "fio JSON without jobs (missing or empty \"jobs\")");
        return -EINVAL;
    }
    json_array_foreach(jobs, i, job)
    {
        json_t *e = json_object_get(job, "error");
        if (!json_is_object(job) || !json_is_string(json_object_get(job, "jobname"))) {
            snprintf(err, errlen, "jobs[%zu]: not a job (no \"jobname\")", i);
            return -EINVAL;
        }
        if (!json_is_integer(e)) {
            snprintf(err, errlen, "job '%s': missing or non-integer \"error\"",
                     jx_str(job, "jobname", ""));
            return -EINVAL;
        }
        if (json_integer_value(e) != 0) {
            snprintf(err, errlen,
                     "job '%s' failed with error %lld (%s): fio's numbers for it "
                     "are not a measurement",
                     jx_str(job, "jobname", ""), (long long)json_integer_value(e),
                     strerror((int)json_integer_value(e)));
            return -EINVAL;
        }
        if (!(jx_num(job, "elapsed", 0) >= 0 && jx_num(job, "elapsed", 0) <= 1e9)) {
            snprintf(err, errlen, "job '%s': \"elapsed\" is not a number of seconds in [0, 1e9]",
                     jx_str(job, "jobname", ""));
            return -EINVAL;
        }
        if (jx_num(job, "elapsed", 0) > elapsed)
            elapsed = jx_num(job, "elapsed", 0);
    }
    if (isnan(fio_timestamp_ms(root))) {
        snprintf(err, errlen, "\"timestamp_ms\" is not a time between 1970 and 9999");
        return -EINVAL;
    }
    if (!(total = json_object()) || !(seen = json_object()))
        goto nomem;
    json_array_foreach(jobs, i, job)
    {
        const char *name = jx_str(job, "jobname", "");
        json_int_t n = json_integer_value(json_object_get(total, name));
        if (json_object_set_new(total, name, json_integer(n + 1)))
            goto nomem;
    }
    json_array_foreach(jobs, i, job)
    {
        char prefix[1100];
        if (job_prefix(job, total, seen, prefix, sizeof(prefix)))
            goto nomem;
        if ((ret = add_job(it, job, prefix, err, errlen))) {
            json_decref(total);
            json_decref(seen);
            return ret == -ENOMEM ? (snprintf(err, errlen, "out of memory"), -EINVAL) : ret;
        }
    }
    json_decref(total);
    json_decref(seen);
    if (it->run.nrows == 0) {
        snprintf(err, errlen, "no job did any I/O (every total_ios is 0)");
        return -EINVAL;
    }
    if (make_context(root, it, elapsed)) {
        snprintf(err, errlen, "out of memory");
        return -EINVAL;
    }
    it->source = "fio";
    snprintf(it->tool, sizeof(it->tool), "fio");
    snprintf(it->tool_version, sizeof(it->tool_version), "%s",
             strncmp(ver, "fio-", 4) == 0 ? ver + 4 : ver);
    ingest_make_run_id(it, "fio");
    return 0;
nomem:
    json_decref(total);
    json_decref(seen);
    snprintf(err, errlen, "out of memory");
    return -EINVAL;
}
