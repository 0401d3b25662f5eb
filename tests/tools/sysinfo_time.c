/*
 * Times pairing detection on this machine (sysinfo_detect over the live probe, as every
 * `viobench run` does at start): prints one line per call in milliseconds, the first call
 * being the cold one. Used by scripts/bench-sysinfo.
 *
 *   sysinfo_time [CALLS]
 */
#include "sysinfo.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
    int calls = argc > 1 ? atoi(argv[1]) : 5;
    if (calls < 1 || calls > 10000) {
        fprintf(stderr, "sysinfo_time: CALLS must be 1..10000\n");
        return 2;
    }
    for (int i = 0; i < calls; i++) {
        double t0 = now_ms();
        json_t *p = sysinfo_detect(probe_live());
        double t1 = now_ms();
        if (!p) {
            fprintf(stderr, "sysinfo_time: detection failed\n");
            return 1;
        }
        json_decref(p);
        printf("%.3f\n", t1 - t0);
    }
    return 0;
}
