#!/bin/sh
# `export --format bmf` (Bencher Metric Format) and `--format otava-csv` (Apache Otava).
# Neither tool has a Debian package or an npm validator (PyPI is out of reach), so an
# independent Python parser checks each against its documented structure: BMF is an object
# of benchmarks, each an object of measures {value, lower_value, upper_value} (numbers,
# lower <= value <= upper), lower/upper the lowest and highest repetition's p50 and p99
# exactly; Otava's CSV has one line per run, oldest first, an ISO time column, the
# attribute columns and numeric metric columns that agree with the BMF figures. Plus the
# error lines of both (a format that takes one run, an unknown format).
. "$(dirname "$0")/lib.sh"
[ -x "$PY" ] || skip "$PY not installed"
V=$VIOBENCH
DB=$T/s.db
for i in 1 2; do
    "$V" run --filter 'exit/cpuid/leaf:0x0,timer/read/rdtsc' --min-time 0.02s --repetitions 3 \
        --quiet --out "$T/r$i" --label "release=r$i" >"$T/run.log" 2>&1 || { cat "$T/run.log"; fail "viobench run"; }
    "$V" collect --db "$DB" "$T/r$i" >/dev/null 2>&1 || fail collect
done
RUN=$("$V" collect ls --db "$DB" | sed -n 3p | cut -d' ' -f1)
"$V" export --db "$DB" --run "$RUN" --format bmf --out "$T/bmf.json" || fail "export bmf"
"$V" export --db "$DB" --format otava-csv --out "$T/otava.csv" || fail "export otava-csv"
"$V" export --db "$DB" --format csv --out "$T/own.csv" || fail "export csv"
"$PY" - "$T/bmf.json" "$T/otava.csv" "$T/own.csv" "$RUN" <<'PYEOF' || fail "bmf/otava content"
import csv, json, re, sys
from datetime import datetime
bmf_path, otava_path, own_path, run = sys.argv[1:]
doc = json.load(open(bmf_path))
num = (int, float)
if not isinstance(doc, dict) or not doc:
    sys.exit("BMF: not a non-empty object")
for bench, measures in doc.items():
    if not bench or not isinstance(measures, dict) or not measures:
        sys.exit("BMF: %r is not an object of measures" % bench)
    for slug, m in measures.items():
        if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug):
            sys.exit("BMF: measure slug %r" % slug)
        if set(m) - {"value", "lower_value", "upper_value"} or not isinstance(m.get("value"), num):
            sys.exit("BMF: %s/%s: %r" % (bench, slug, m))
        lo, hi = m.get("lower_value", m["value"]), m.get("upper_value", m["value"])
        if not (isinstance(lo, num) and isinstance(hi, num) and lo <= hi):
            sys.exit("BMF: %s/%s bounds %r" % (bench, slug, m))
        if not (lo * 0.999 <= m["value"] <= hi * 1.001):
            sys.exit("BMF: %s/%s value outside its repetitions %r" % (bench, slug, m))
reps = {}
for r in csv.DictReader(open(own_path)):
    if r["run_id"] == run and r["run_type"] == "iteration":
        reps.setdefault(r["benchmark"], {}).setdefault(r["metric"], []).append(float(r["value"]))
if sorted(doc) != sorted(reps):
    sys.exit("BMF benchmarks %s vs run %s" % (sorted(doc), sorted(reps)))
for bench, m in reps.items():
    for slug, metric in (("p50-latency", "p50_ns"), ("p99-latency", "p99_ns")):
        got = doc[bench][slug]
        if (got["lower_value"], got["upper_value"]) != (min(m[metric]), max(m[metric])):
            sys.exit("BMF %s %s: bounds %r, repetitions %r" % (bench, slug, got, m[metric]))
    if len(m["p50_ns"]) != 3 or "latency" not in doc[bench]:
        sys.exit("BMF %s: %r" % (bench, doc[bench]))
rows = list(csv.DictReader(open(otava_path)))
fixed = ["time", "run_id", "source", "tool_version", "hypervisor", "hypervisor_version",
         "guest_os", "guest_version", "kernel", "cpu_model", "clocksource", "release"]
head = next(csv.reader(open(otava_path)))
if head[:len(fixed)] != fixed:
    sys.exit("Otava header %s" % head)
metrics = head[len(fixed):]
if len(rows) != 2 or [r["release"] for r in rows] != ["r1", "r2"]:
    sys.exit("Otava rows %r" % [(r["run_id"], r["release"]) for r in rows])
times = [datetime.fromisoformat(r["time"].replace("Z", "+00:00")) for r in rows]
if times != sorted(times):
    sys.exit("Otava rows not oldest first")
for r in rows:
    for c in metrics:
        float(r[c])
mine = [r for r in rows if r["run_id"] == run][0]
for bench in doc:
    for slug, suffix in (("latency", ".mean_ns"), ("p50-latency", ".p50_ns"), ("p99-latency", ".p99_ns")):
        a, b = doc[bench][slug]["value"], float(mine[bench + suffix])
        if abs(a - b) > 1e-6 * abs(a):
            sys.exit("Otava %s%s %s vs BMF %s" % (bench, suffix, b, a))
print("BMF: %d benchmarks; Otava: %d runs x %d metrics" % (len(doc), len(rows), len(metrics)))
PYEOF
expect_error 2 "export: --format bmf writes one run: give exactly one --run ID" "$V" export --db "$DB" --format bmf
expect_error 2 "export: --format hdrlog writes one run" "$V" export --db "$DB" --format hdrlog release=r1
expect_error 2 "export: --format: 'bencher' is not gbench-json, gbench-csv, csv, hdrlog, prometheus, bmf or otava-csv" \
    "$V" export --db "$DB" --format bencher
expect_error 1 "export: otava-csv: no selected run has measured rows" "$V" export --db "$DB" --format otava-csv release=none
# a run without a start time (a log without StartTime) is left out of Otava's CSV, said once
"$PY" tests/tools/hdrlog_craft.py good-notime "$T/notime.hlog" || fail craft
"$V" collect --db "$DB" "$T/notime.hlog" >/dev/null 2>&1 || fail "collect a log without time"
"$V" export --db "$DB" --format otava-csv --out "$T/otava2.csv" 2>"$T/err" || fail "otava with a timeless run"
grep -q "^viobench: warning: export: otava-csv: run hdrlog-[0-9a-f]* has no start time: left out" "$T/err" ||
    fail "timeless run warning: $(cat "$T/err")"
[ "$(wc -l <"$T/otava2.csv")" -eq 3 ] || fail "otava rows with a timeless run: $(cat "$T/otava2.csv")"
# a Google Benchmark import has no histograms to write as a log
"$V" collect --db "$DB" tests/fixtures/collect/gbench-complexity.json >/dev/null 2>&1 || fail "collect gbench"
GB=$("$V" collect ls --db "$DB" "run_id=gbench-*" | sed -n 2p | cut -d" " -f1)
expect_error 1 "export: hdrlog: run $GB has no histograms" "$V" export --db "$DB" --run "$GB" --format hdrlog
"$V" export --db "$DB" --run "$GB" --format bmf >"$T/gb.json" || fail "bmf of a gbench import"
"$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if all("latency" in m for m in d.values()) else 1)' "$T/gb.json" ||
    fail "bmf of a gbench import: $(head -c 300 "$T/gb.json")"
finish
