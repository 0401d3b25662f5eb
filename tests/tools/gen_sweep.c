/*
 * gen_sweep: write a synthetic viobench run directory with load sweeps for `analyze
 * capacity` and its plot: storage/uring/randread/bs:4k/qd:N and net/tcp_rr/size:64/flows:N
 * for N = 1, 2, 4 ... 128. The path behaves like C parallel servers of mean service time S
 * (exponential latencies): below C in flight, latency S and throughput N/S; beyond, the
 * throughput stays at C/S and the latency grows as N S / C. Little's law holds by
 * construction (X W = N).
 *
 *   gen_sweep OUTDIR [HYPERVISOR [SERVERS [SERVICE_US [SEED]]]]   (kvm 8 50 1)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "analyze.h"

int main(int argc, char **argv)
{
    const char *hv = argc > 2 ? argv[2] : "kvm";
    double servers = argc > 3 ? atof(argv[3]) : 8, svc = (argc > 4 ? atof(argv[4]) : 50) * 1000;
    uint64_t seed = argc > 5 ? strtoull(argv[5], NULL, 0) : 1;
    static const char *const fam[] = {"storage/uring/randread/bs:4k/qd:%d",
                                      "net/tcp_rr/size:64/flows:%d"};
    struct vb_run r;
    char err[512], id[64];

    if (argc < 2) {
        fprintf(stderr, "usage: gen_sweep OUTDIR [HYPERVISOR [SERVERS [SERVICE_US [SEED]]]]\n");
        return 2;
    }
    vb_run_init(&r);
    snprintf(id, sizeof(id), "sweep-%s-%llu", hv, (unsigned long long)seed);
    json_decref(r.context);
    r.context = json_pack("{s:i, s:s, s:b, s:s, s:{s:{s:s, s:s}, s:{s:{s:s, s:s}}}}",
                          "viobench_format", VB_FORMAT_VERSION, "run_id", id, "complete", 1,
                          "start", "2026-11-25T00:00:00.000Z", "pairing", "hypervisor", "name", hv,
                          "version", "1.0", "guest", "os", "id", "debian", "version_id", "12");
    for (int f = 0; f < 2; f++)
        for (int n = 1; n <= 128; n *= 2) {
            char name[128];
            struct vb_row *w;
            double wmean = svc * fmax(1, n / servers), x = n / wmean * 1e9;
            snprintf(name, sizeof(name), fam[f], n);
            if (!(w = vb_run_add_row(&r, name)) || !(w->hist = hist_new()))
                return 1;
            for (int s = 0; s < 20000; s++) {
                double u = an_rand(&seed);
                hist_record(w->hist, -log(1 - u) * wmean);
            }
            w->iterations = 20000;
            w->real_time = w->cpu_time = hist_mean(w->hist);
            w->items_per_second = x;
            vb_row_set_counter(w, "p99_ns", hist_percentile(w->hist, 99));
            vb_row_set_counter(w, f ? "flows" : "qd", n);
            w->info = json_pack("{s:i}", f ? "flows" : "qd", n);
        }
    {
        char parent[4096], *slash;
        snprintf(parent, sizeof(parent), "%s", argv[1]);
        if ((slash = strrchr(parent, '/')) && slash != parent) {
            *slash = 0;
            mkdir(parent, 0755); /* one level: sweeps/kvm */
        }
    }
    mkdir(argv[1], 0755);
    if (vb_write_run_dir(&r, argv[1], VB_FMT_JSON, err, sizeof(err))) {
        fprintf(stderr, "gen_sweep: %s\n", err);
        return 1;
    }
    vb_run_free(&r);
    return 0;
}
