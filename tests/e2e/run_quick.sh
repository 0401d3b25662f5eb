#!/bin/sh
# End to end: `viobench run --suite quick` on this machine writes a complete run directory:
# context.json with the pairing and time source, Google Benchmark JSON and CSV that parse,
# one histogram per measured row, and a console table.
. "$(dirname "$0")/lib.sh"

"$VIOBENCH" run --suite quick --out "$T/res" --run-id q1 --label purpose=e2e >"$T/console" 2>"$T/stderr"
rc=$?
[ $rc -eq 0 ] || fail "quick suite exited $rc: $(tail -5 "$T/stderr")"
D=$T/res/q1
for f in context.json results.json results.csv histograms.txt; do
    [ -s "$D/$f" ] || fail "$f missing or empty"
done
[ "$(readlink "$T/res/latest")" = q1 ] || fail "results/latest does not point at the run"
grep -q '^benchmark .*p50 .*p99 .*p99.9 .*max .*mean .*ops/s' "$T/console" || fail "no console table header"
grep -q '^exit/cpuid/leaf:0x0 ' "$T/console" || fail "console table lacks exit/cpuid"

$PY - "$D" "$VIOBENCH" <<'PYEOF' || FAILED=1
import csv, json, os, subprocess, sys
d, exe = sys.argv[1], sys.argv[2]
ctx = json.load(open(os.path.join(d, "context.json")))
res = json.load(open(os.path.join(d, "results.json")))
bad = []
def need(cond, msg):
    if not cond:
        bad.append(msg)
need(ctx["viobench_format"] == 1, "format version")
need(ctx["complete"] is True, "complete flag")
need(ctx["labels"] == {"purpose": "e2e"}, "labels")
need(ctx["options"]["suite"] == "quick", "options")
ts = ctx["timesource"]
need(ts["name"] and ts["overhead_ns"] > 0 and ts["resolution_ns"] > 0, "time source figures")
need("pairing" in ctx and "summary" in ctx["pairing"], "pairing")
need(ctx["peak_rss_kib"] > 0 and ctx["end"] >= ctx["start"], "end/rss")
g = res["context"]
need(g["json_schema_version"] == 1 and g["num_cpus"] >= 1, "gbench context")
# The quick suite in the table must be what ran.
listed = json.loads(subprocess.run([exe, "list", "--json"], capture_output=True, text=True).stdout)
quick = {k["name"] for k in listed if k["quick"]}
rows = res["benchmarks"]
names = {r["name"] for r in rows}
need(quick <= names, "quick kernels missing: %s" % sorted(quick - names))
measured = 0
for r in rows:
    for k in ("name", "run_name", "run_type", "iterations", "real_time", "cpu_time", "time_unit"):
        need(k in r, "%s lacks %s" % (r.get("name"), k))
    if r.get("error_occurred"):
        need(r.get("skipped") is True, "%s failed: %s" % (r["name"], r.get("error_message")))
        need(r["error_message"].startswith("skipped: "), "skip message")
        continue
    measured += 1
    need(r["iterations"] > 0 and r["real_time"] > 0, "%s empty" % r["name"])
    need(r["p50_ns"] <= r["p99_ns"] <= r["p999_ns"] <= r["max_ns"] * 1.0001, "%s percentiles not ordered" % r["name"])
    need(r["min_ns"] <= r["real_time"] <= r["max_ns"], "%s mean outside min..max" % r["name"])
    need(r["samples"] >= 1 and r["ops_per_sample"] >= 1, "%s samples" % r["name"])
    need("steal_pct" in r and "invol_csw" in r and r["noisy"] in (0, 1), "%s noise" % r["name"])
    need(r["info"]["mode"] in ("loop", "latency"), "%s info" % r["name"])
need(measured >= 5, "only %d measured rows" % measured)
hist = [l for l in open(os.path.join(d, "histograms.txt")) if l.startswith("viobench-hist ")]
need(len(hist) == measured, "%d histograms for %d rows" % (len(hist), measured))
with open(os.path.join(d, "results.csv"), newline="") as f:
    rd = list(csv.reader(f))
need(rd[0][:10] == "name,iterations,real_time,cpu_time,time_unit,bytes_per_second,items_per_second,label,error_occurred,error_message".split(","), "csv header")
need(all(len(x) == len(rd[0]) for x in rd), "csv rows differ in width")
need(len(rd) - 1 == len(rows), "csv has %d rows, json %d" % (len(rd) - 1, len(rows)))
for m in bad:
    print("FAIL:", m)
sys.exit(1 if bad else 0)
PYEOF
finish
