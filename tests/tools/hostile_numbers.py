#!/usr/bin/python3
"""Impossible numbers from outside (issue 15, part 3). Mutates runs 0-7 of a gen_runs
directory of at least 10 runs: min=nan (0), bucket counts that wrap uint64 (1), a negative
underflow (2), sumsq < 0 (3), an empty (4) and a cut (5) histograms.txt, "threads": 1e300
(6), 100,000 counters in one row (7, valid); and writes from a fio JSON file fio-ts.json
(timestamp_ms 1e300) and fio-40k.json (40,000 jobs of one name, valid) into FIO_OUT_DIR.
Shared by tests/e2e/collect_numbers.sh (which asserts each outcome) and scripts/bench-hostile
(which tabulates and times them).

    hostile_numbers.py RUNS_DIR FIO_JSON FIO_OUT_DIR
"""
import copy, json, os, re, sys
d, fio, fio_out = sys.argv[1:4]

def hist(i, f):
    p = os.path.join(d, "run-%06d" % i, "histograms.txt")
    lines = open(p).read().split("\n")
    open(p, "w").write("\n".join(f(lines)))

def header(i, key, val):
    def f(lines):
        lines[1] = re.sub(" %s=[^ ]*" % key, " %s=%s" % (key, val), lines[1])
        return lines
    hist(i, f)

header(0, "min", "nan")
def wrap(lines):  # two buckets whose counts add up to the header's count modulo 2^64
    n = int(re.search(r" count=(\d+)", lines[1]).group(1))
    lines[2] = "1000:18446744073709551615 1001:%d" % (n + 1)
    return lines
hist(1, wrap)
header(2, "underflow", "-1")
header(3, "sumsq", "-1")
hist(4, lambda lines: lines[:1])          # only the comment: empty
hist(5, lambda lines: lines[:3])          # the second record cut away
p = os.path.join(d, "run-000006", "results.json")
r = json.load(open(p)); r["benchmarks"][0]["threads"] = 1e300; json.dump(r, open(p, "w"))
p = os.path.join(d, "run-000007", "results.json")
r = json.load(open(p))
for k in range(100000):
    r["benchmarks"][0]["c%d" % k] = k
json.dump(r, open(p, "w"))

# fio
d = json.load(open(fio)); out = fio_out
e = copy.deepcopy(d); e["timestamp_ms"] = 1e300; json.dump(e, open(out + "/fio-ts.json", "w"))
e = copy.deepcopy(d)
e["jobs"] = [{"jobname": d["jobs"][0]["jobname"], "error": 0, "elapsed": 1}] * 39999 + d["jobs"]
json.dump(e, open(out + "/fio-40k.json", "w"))
