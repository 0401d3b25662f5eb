/*
 * gen_trend: fill a store with synthetic runs for `viobench analyze trend`, straight through
 * the store API (faster than run directories): NVERSIONS runs, one per guest kernel
 * "6.<i/100>.<i%100>-amd64", each with NSERIES benchmarks whose p50/p99 counters carry
 * Gaussian noise of CV 3% around a per-benchmark level. Every fourth benchmark gets one
 * +10% shift at a known version; the shifts are printed ("shift BENCH VERSION") so a script
 * can check what trend finds.
 *
 *   gen_trend DB NVERSIONS NSERIES [SEED]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"

static double gauss(uint64_t *s)
{
    double u = an_rand(s), v = an_rand(s);
    return sqrt(-2 * log(u < 1e-300 ? 1e-300 : u)) * cos(2 * M_PI * v);
}

int main(int argc, char **argv)
{
    struct store *st;
    char err[512];
    int nv, ns;
    uint64_t seed;

    if (argc < 4) {
        fprintf(stderr, "usage: gen_trend DB NVERSIONS NSERIES [SEED]\n");
        return 2;
    }
    nv = atoi(argv[2]);
    ns = atoi(argv[3]);
    seed = argc > 4 ? strtoull(argv[4], NULL, 0) : 1;
    if (store_open(argv[1], 0, &st, err, sizeof(err))) {
        fprintf(stderr, "gen_trend: %s\n", err);
        return 1;
    }
    for (int k = 0; k < ns; k += 4)
        printf("shift synth/series%03d 6.%d.%d-amd64\n", k, (100 + (k * 37) % (nv - 200)) / 100,
               (100 + (k * 37) % (nv - 200)) % 100);
    for (int i = 0; i < nv; i++) {
        struct store_new_run nr = {0};
        struct vb_run r;
        char id[64], hash[65], start[40], kernel[64];
        json_t *labels = json_pack("{s:s}", "suite", "synthetic");
        if (i % 100 == 0 && store_begin(st))
            return 1;
        vb_run_init(&r);
        snprintf(id, sizeof(id), "trend-%llu-%05d", (unsigned long long)seed, i);
        snprintf(hash, sizeof(hash), "%064x", i + 1);
        memcpy(hash, "7472656e64", 10);
        snprintf(start, sizeof(start), "2026-%02d-%02dT%02d:00:00.000Z", 1 + i / 600 % 12,
                 1 + i / 24 % 25, i % 24);
        snprintf(kernel, sizeof(kernel), "6.%d.%d-amd64", i / 100, i % 100);
        json_object_set_new(r.context, "run_id", json_string(id));
        for (int k = 0; k < ns; k++) {
            char name[64];
            double level = 100 + 10 * k, v;
            int at = 100 + (k * 37) % (nv - 200);
            struct vb_row *w;
            if (k % 4 == 0 && i >= at)
                level *= 1.10;
            v = level * (1 + 0.03 * gauss(&seed));
            snprintf(name, sizeof(name), "synth/series%03d", k);
            if (!(w = vb_run_add_row(&r, name)))
                return 1;
            w->iterations = 1000;
            w->real_time = w->cpu_time = v * 1.1;
            w->items_per_second = 1e9 / (v * 1.1);
            vb_row_set_counter(w, "p50_ns", v);
            vb_row_set_counter(w, "p99_ns", v * 3);
        }
        nr.run_id = id;
        nr.source = "viobench";
        nr.content_hash = hash;
        nr.origin = "gen_trend";
        nr.start = nr.end = start;
        nr.tool = "viobench";
        nr.tool_version = "0.1.0";
        nr.host = "synth";
        nr.complete = 1;
        snprintf(nr.pairing.v[SP_HYPERVISOR], 128, "kvm");
        snprintf(nr.pairing.v[SP_GUEST_OS], 128, "debian");
        snprintf(nr.pairing.v[SP_KERNEL], 128, "%s", kernel);
        nr.labels = labels;
        nr.run = &r;
        if (store_add_run(st, &nr) < 0) {
            fprintf(stderr, "gen_trend: %s\n", store_errmsg(st));
            return 1;
        }
        vb_run_free(&r);
        json_decref(labels);
        if ((i % 100 == 99 || i == nv - 1) && store_commit(st))
            return 1;
    }
    store_close(st);
    return 0;
}
