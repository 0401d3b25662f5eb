#!/bin/sh
# HdrHistogram interval logs both ways, checked by an independent implementation,
# hdr-histogram-js (tests/node, installed by scripts/setup): a real run (CPUID exits, timer
# wake-ups and a clock read) exported with `export --format hdrlog` and decoded by
# HistogramLogReader: per interval the same count, and p50/p90/p99/p99.9 within 1% of
# viobench's own (within 1 ns for sub-100 ns values: the log holds whole ns); the log read
# back by `viobench collect` agrees the same way; and a log written by HistogramLogWriter
# in this test (tagged and untagged intervals) comes into the store with its percentiles
# within 1% of the writer's.
. "$(dirname "$0")/lib.sh"
[ -x "$PY" ] || skip "$PY not installed"
command -v node >/dev/null || skip "node not installed (scripts/setup installs it)"
[ -d tests/node/node_modules/hdr-histogram-js ] ||
    skip "hdr-histogram-js not installed in tests/node (scripts/setup installs it, and warns when the npm registry could not be reached)"
V=$VIOBENCH
DB=$T/s.db

"$V" run --filter 'exit/cpuid/leaf:0x0,timer/wake/nanosleep,timer/read/rdtsc' --min-time 0.02s \
    --repetitions 2 --quiet --out "$T/results" >"$T/run.log" 2>&1 || { cat "$T/run.log"; fail "viobench run"; }
"$V" collect --db "$DB" "$T/results" >/dev/null 2>&1 || fail "collect"
RUN=$("$V" collect ls --db "$DB" | sed -n 2p | cut -d' ' -f1)
"$V" export --db "$DB" --run "$RUN" --format hdrlog --out "$T/run.hlog" || fail "export hdrlog"
"$V" export --db "$DB" --run "$RUN" --format csv --out "$T/own.csv" || fail "export csv"
node tests/node/hdrlog.js decode "$T/run.hlog" >"$T/js.jsonl" 2>"$T/js.err" ||
    { cat "$T/js.err"; fail "hdr-histogram-js cannot decode the export"; }
"$V" collect --db "$T/back.db" "$T/run.hlog" >/dev/null 2>&1 || fail "collect the export back"
"$V" export --db "$T/back.db" --format csv --out "$T/back.csv" || fail "export the re-import"

# compare.py OWN.csv JSONL|CSV: every interval of the second within 1% (1 ns below 100 ns)
cat >"$T/compare.py" <<'PYEOF'
import csv, json, sys
def tidy(path):
    out = {}
    for r in csv.DictReader(open(path)):
        if r["run_type"] == "iteration":
            out.setdefault((r["benchmark"], int(r["repetition"])), {})[r["metric"]] = float(r["value"])
    return out
own = tidy(sys.argv[1])
if sys.argv[2].endswith(".jsonl"):
    other = {}
    for line in open(sys.argv[2]):
        d = json.loads(line)
        name, rep = d["tag"].rsplit("#", 1)
        other[(name, int(rep))] = {"samples": d["count"], "p50_ns": d["p50"], "p90_ns": d["p90"],
                                   "p99_ns": d["p99"], "p999_ns": d["p999"]}
else:
    other = tidy(sys.argv[2])
bad, n, worst = [], 0, 0.0
if set(own) != set(other):
    sys.exit("intervals differ: %s vs %s" % (sorted(own), sorted(other)))
for key, o in own.items():
    if o["samples"] != other[key]["samples"]:
        bad.append("%s: count %s vs %s" % (key, o["samples"], other[key]["samples"]))
    for m in ("p50_ns", "p90_ns", "p99_ns", "p999_ns"):
        a, b = o[m], other[key][m]
        n += 1
        if a >= 100:
            worst = max(worst, abs(a - b) / a)
        if abs(a - b) > (0.01 * a if a >= 100 else 1.0):
            bad.append("%s %s: %s vs %s" % (key, m, a, b))
print("%d percentiles of %d intervals compared, worst %.3f%% (>= 100 ns)" % (n, len(own), worst * 100))
if bad:
    sys.exit("\n".join(bad))
PYEOF
"$PY" "$T/compare.py" "$T/own.csv" "$T/js.jsonl" || fail "hdr-histogram-js vs viobench"
"$PY" "$T/compare.py" "$T/own.csv" "$T/back.csv" || fail "re-imported vs original"
grep -q '^Tag=exit/cpuid/leaf:0x0#1,' "$T/run.hlog" || fail "tag of repetition 1"

# A log written by hdr-histogram-js comes in with its percentiles.
node tests/node/hdrlog.js write "$T/js.hlog" >"$T/written.jsonl" || fail "HistogramLogWriter"
"$V" collect --db "$T/js.db" "$T/js.hlog" >"$T/out" 2>&1 || { cat "$T/out"; fail "collect the js log"; }
"$V" export --db "$T/js.db" --format csv --out "$T/js.csv" || fail "export js import"
"$PY" - "$T/written.jsonl" "$T/js.csv" <<'PYEOF' || fail "js-written log vs store"
import csv, json, sys
want = [json.loads(l) for l in open(sys.argv[1])]
rows = {}
for r in csv.DictReader(open(sys.argv[2])):
    rows.setdefault((r["benchmark"], int(r["repetition"])), {})[r["metric"]] = float(r["value"])
# tags as the importer names them: repeated tags count repetitions, "#n" sets one, none is "hdrlog"
keys = [("net/js_rr", 0), ("net/js_rr", 1), ("exit/js", 7), ("hdrlog", 0)]
if sorted(rows) != sorted(keys):
    sys.exit("rows %s" % sorted(rows))
for k, w in zip(keys, want):
    got = rows[k]
    if got["samples"] != w["count"]:
        sys.exit("%s: count %s vs %s" % (k, got["samples"], w["count"]))
    for m, j in (("p50_ns", "p50"), ("p90_ns", "p90"), ("p99_ns", "p99"), ("p999_ns", "p999")):
        if abs(got[m] - w[j]) > 0.01 * w[j]:
            sys.exit("%s %s: %s in the store, %s written" % (k, m, got[m], w[j]))
print("js-written log: %d intervals within 1%%" % len(keys))
PYEOF
finish
