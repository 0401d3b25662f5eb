/*
 * gen_runs: write synthetic viobench run directories (context.json, results.json,
 * results.csv, histograms.txt through lib/result.h's writers) for the collector's tests and
 * scripts/bench-collect. Runs differ in pairing (hypervisor, versions, kernel), labels, start
 * time and numbers, deterministically from the seed.
 *
 *   gen_runs OUTDIR NRUNS ROWS [SEED [FIRST]]
 *
 * writes OUTDIR/run-<i> for i = FIRST .. FIRST+NRUNS-1, each with ROWS iteration rows that
 * carry viobench's counters and a histogram of 2,000 samples (about 100 non-empty buckets).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "result.h"

static uint64_t rng_state;

static double rnd(void) /* uniform in [0, 1), splitmix64 */
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    return (double)(z >> 11) / 9007199254740992.0;
}

static json_t *context(long i, long seed)
{
    static const char *const hv[] = {"kvm", "hyperv", "vmware"};
    static const char *const hvv[] = {"8.2.2", "10.0.20348", "8.0.2"};
    static const char *const os[] = {"debian", "rhel", "windows"};
    char id[64], start[40], end[40], kernel[32];
    long t = 1767225600L + i * 60; /* 2026-01-01 plus a minute per run */
    struct tm tm;
    time_t tt = t;

    snprintf(id, sizeof(id), "synth-%ld-%06ld", seed, i);
    gmtime_r(&tt, &tm);
    strftime(start, sizeof(start), "%Y-%m-%dT%H:%M:%S.000Z", &tm);
    tt += 30;
    gmtime_r(&tt, &tm);
    strftime(end, sizeof(end), "%Y-%m-%dT%H:%M:%S.000Z", &tm);
    snprintf(kernel, sizeof(kernel), "6.1.0-%ld-amd64", 10 + i % 7);
    /* The pairing as `viobench sysinfo` writes it (docs/ARCHITECTURE.md, "The pairing"). */
    return json_pack("{s:i, s:s, s:b, s:{s:s, s:s}, s:s, s:s, s:s, s:{s:s, s:s}, "
                     "s:{s:{s:s, s:s}, s:{s:s, s:s}, s:{s:{s:s, s:s}, s:{s:s}}, s:{s:i, s:s}, "
                     "s:{s:s}}}",
                     "viobench_format", VB_FORMAT_VERSION, "run_id", id, "complete", 1, "tool",
                     "name", "viobench", "version", i % 2 ? "0.1.0" : "0.2.0", "start", start,
                     "end", end, "host_name", "synth", "labels", "suite", "synthetic", "release",
                     i % 3 ? "r1" : "r2", "pairing", "summary", "hypervisor", hv[i % 3], "guest",
                     os[(i / 3) % 3], "hypervisor", "name", hv[i % 3], "version", hvv[i % 3],
                     "guest", "os", "id", os[(i / 3) % 3], "version_id", "12", "kernel", "release",
                     kernel, "cpu", "count", 2, "model", "Synthetic CPU @ 2.1GHz", "clocksource",
                     "current", "kvm-clock");
}

static int make_run(const char *dir, long i, long rows, long seed)
{
    static const char *const counters[] = {VB_CORE_COUNTERS};
    struct vb_run r;
    char err[512];
    int ret = -ENOMEM;

    if (vb_run_init(&r))
        return -ENOMEM;
    json_decref(r.context);
    if (!(r.context = context(i, seed)))
        goto out;
    for (long k = 0; k < rows; k++) {
        char name[64];
        struct vb_row *w;
        double base = 20 + 5 * (double)k + rnd() * 2;
        snprintf(name, sizeof(name), "synth/bench%03ld", k);
        if (!(w = vb_run_add_row(&r, name)) || !(w->hist = hist_new()))
            goto out;
        /* A peak about 10% wide and a 5% tail over four octaves, like a measured path. */
        for (int s = 0; s < 2000; s++)
            hist_record(w->hist, rnd() < 0.95 ? base * (1 + 0.1 * rnd() * rnd())
                                              : base * exp2(1 + 3 * rnd()));
        w->iterations = 2000;
        w->real_time = hist_mean(w->hist);
        w->cpu_time = w->real_time * 0.98;
        w->items_per_second = 1e9 / w->real_time;
        {
            double v[14] = {hist_percentile(w->hist, 50),
                            hist_percentile(w->hist, 90),
                            hist_percentile(w->hist, 99),
                            hist_percentile(w->hist, 99.9),
                            hist_percentile(w->hist, 99.99),
                            hist_min(w->hist),
                            hist_max(w->hist),
                            hist_stddev(w->hist),
                            2000,
                            1,
                            0,
                            1,
                            10,
                            0};
            for (int c = 0; c < 14; c++)
                if (vb_row_set_counter(w, counters[c], v[c]))
                    goto out;
        }
    }
    mkdir(dir, 0755);
    ret = vb_write_run_dir(&r, dir, VB_FMT_JSON | VB_FMT_CSV, err, sizeof(err));
    if (ret)
        fprintf(stderr, "gen_runs: %s\n", err);
out:
    vb_run_free(&r);
    return ret;
}

int main(int argc, char **argv)
{
    long n, rows, seed = 1, first = 0;

    if (argc < 4) {
        fprintf(stderr, "usage: gen_runs OUTDIR NRUNS ROWS [SEED [FIRST]]\n");
        return 2;
    }
    n = atol(argv[2]);
    rows = atol(argv[3]);
    if (argc > 4)
        seed = atol(argv[4]);
    if (argc > 5)
        first = atol(argv[5]);
    if (mkdir(argv[1], 0755) && errno != EEXIST) {
        fprintf(stderr, "gen_runs: %s: %s\n", argv[1], strerror(errno));
        return 1;
    }
    for (long i = first; i < first + n; i++) {
        char dir[4096];
        rng_state = (uint64_t)seed * 1000003u + (uint64_t)i;
        snprintf(dir, sizeof(dir), "%s/run-%06ld", argv[1], i);
        if (make_run(dir, i, rows, seed))
            return 1;
    }
    return 0;
}
