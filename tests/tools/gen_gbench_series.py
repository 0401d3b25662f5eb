#!/usr/bin/python3
"""Write a short version history as Google Benchmark JSON files, for trend's tests and
scripts/bench-verdicts: VERSIONS files (one per version 1.0.0, 1.1.0, ...), each with
SERIES benchmarks x REPS repetitions (iteration rows, no histograms, no aggregates).
Series 0 steps by STEP (0.15 = +15%) from version index AT (0-based) on; every value has
log-normal noise of coefficient of variation CV; with VCV, every version of every series
is also offset by log-normal noise of that CV (version-to-version scatter that no
repetition shows). Deterministic from SEED.

  gen_gbench_series.py OUTDIR SEED [VERSIONS REPS SERIES STEP AT CV VCV]  (7 3 4 0.15 4 0.05 0)
"""
import json
import math
import os
import random
import sys


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    out, seed = sys.argv[1], int(sys.argv[2])
    a = sys.argv[3:] + [None] * 7
    nver = int(a[0] or 7)
    reps = int(a[1] or 3)
    nser = int(a[2] or 4)
    step = float(a[3] or 0.15)
    at = int(a[4] or 4)
    cv = float(a[5] or 0.05)
    vcv = float(a[6] or 0)
    vsig = math.sqrt(math.log(1 + vcv * vcv))
    rnd = random.Random(seed)
    os.makedirs(out, exist_ok=True)
    sigma = math.sqrt(math.log(1 + cv * cv))
    for v in range(nver):
        rows = []
        for s in range(nser):
            base = 100.0 * (1 + s)
            if s == 0 and v >= at:
                base *= 1 + step
            if vcv:
                base *= math.exp(rnd.gauss(-vsig * vsig / 2, vsig))
            for r in range(reps):
                t = base * math.exp(rnd.gauss(-sigma * sigma / 2, sigma))
                rows.append({"name": "BM_series%d" % s, "run_name": "BM_series%d" % s,
                             "run_type": "iteration", "repetitions": reps,
                             "repetition_index": r, "threads": 1, "iterations": 1000000,
                             "real_time": t, "cpu_time": t, "time_unit": "ns"})
        doc = {"context": {"date": "2026-11-%02dT10:00:00+00:00" % (v + 1),
                           "host_name": "gen", "executable": "./bench", "num_cpus": 2,
                           "library_build_type": "release"},
               "benchmarks": rows}
        with open(os.path.join(out, "v1.%d.0.json" % v), "w") as f:
            json.dump(doc, f)


if __name__ == "__main__":
    main()
