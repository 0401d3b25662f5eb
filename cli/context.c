/*
 * The context of a run (context.json): who measured, how, when and where. It names the
 * tool and its build, the command line, start and end times, the host, the load, the time
 * source and its checks, and the host/guest pairing, so a result can always be traced to
 * the pairing it was measured on.
 */
#include "cli.h"
#include "reps.h"
#include "jsonx.h"
#include "platform.h"
#include "sysinfo.h"
#include "timesrc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

/* Current UTC time as ISO 8601 with milliseconds. */
static json_t *now_iso(void)
{
    struct timeval tv;
    struct tm tm;
    char buf[32], out[64];

    time_t sec;

    gettimeofday(&tv, NULL);
    sec = tv.tv_sec; /* tv_sec is not a time_t everywhere (Windows: long) */
    gmtime_r(&sec, &tm);
    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, sizeof(out), "%s.%03dZ", buf, (int)(tv.tv_usec / 1000) % 1000);
    return json_string(out);
}

static json_t *load_avg(void)
{
    char buf[256];
    double a[3];
    if (pf_read_text("/proc/loadavg", buf, sizeof(buf)) ||
        sscanf(buf, "%lf %lf %lf", &a[0], &a[1], &a[2]) != 3)
        return json_array();
    return json_pack("[f,f,f]", a[0], a[1], a[2]);
}

static json_t *timesource_json(void)
{
    return json_pack("{s:s, s:s, s:f, s:f, s:f, s:b, s:s, s:I, s:f, s:s}", "name", vb_ts.name,
                     "kind", vb_ts.kind == TS_TSC ? "tsc" : "clock", "tsc_hz", vb_ts.tsc_hz,
                     "overhead_ns", vb_ts.overhead_ns, "resolution_ns", vb_ts.resolution_ns,
                     "tsc_invariant", vb_ts.tsc_invariant, "tsc_cross_cpu_check",
                     vb_ts.tsc_cross_cpu < 0    ? "not run"
                     : vb_ts.tsc_cross_cpu == 1 ? "passed"
                                                : "failed",
                     "tsc_backsteps", (json_int_t)vb_ts.tsc_backsteps, "tsc_check_sensitivity_ns",
                     vb_ts.tsc_check_sensitivity_ns, "reason", vb_ts.reason);
}

json_t *context_new(int argc, char **argv, const char *run_id)
{
    json_t *c = json_object(), *cmd = json_array(), *pairing;
    char host[256] = "";

    if (!c || !cmd)
        goto fail;
    for (int i = 0; i < argc; i++)
        json_array_append_new(cmd, json_string(argv[i]));
    pf_hostname(host, sizeof(host));
    json_object_set_new(c, "viobench_format", json_integer(VB_FORMAT_VERSION));
    json_object_set_new(c, "run_id", json_string(run_id));
    json_object_set_new(c, "complete", json_false());
    json_object_set_new(c, "tool",
                        json_pack("{s:s, s:s, s:s, s:s, s:s}", "name", "viobench", "version",
                                  VB_VERSION, "git", VB_GITREV, "platform", VB_PLATFORM, "build",
                                  VB_BUILD_KIND));
    json_object_set_new(c, "command_line", cmd);
    cmd = NULL;
    json_object_set_new(c, "start", now_iso());
    json_object_set_new(c, "host_name", json_string(host));
    json_object_set_new(c, "load_avg", load_avg());
    json_object_set_new(c, "timesource", timesource_json());
    json_object_set_new(c, "labels", json_object());
    /* how figures combine repetitions: the console table (and the analyzer) vs the
       Google Benchmark aggregate rows of results.json/csv */
    json_object_set_new(c, "aggregation",
                        json_pack("{s:s, s:s}", "summary",
                                  REPS_AGGREGATION ", max over all samples", "aggregate_rows",
                                  "Google Benchmark's: arithmetic mean, median, stddev and cv of "
                                  "the repetitions' real_time and cpu_time"));
    pairing = sysinfo_detect(probe_live());
    json_object_set_new(c, "pairing", pairing ? pairing : json_object());
    return c;
fail:
    json_decref(cmd);
    json_decref(c);
    return NULL;
}

void context_finish(json_t *ctx, int complete)
{
    json_object_set_new(ctx, "end", now_iso());
    json_object_set_new(ctx, "complete", json_boolean(complete));
    json_object_set_new(ctx, "peak_rss_kib", json_integer(pf_peak_rss_kib()));
}
