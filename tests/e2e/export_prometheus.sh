#!/bin/sh
# `export --format prometheus` checked by Prometheus' own promtool (`check metrics`: syntax
# and lint) on two real runs, one with a pairing value that needs escaping; then read with
# an independent parser: per series le ascending and counts cumulative, +Inf equal to
# _count equal to the samples of all repetitions, the summary's p50 between the
# repetitions' p50s, and the p99 Prometheus would interpolate from the buckets within the
# documented 12.5% of the exact one; the labels carry the pairing, unescaped intact.
. "$(dirname "$0")/lib.sh"
[ -x "$PY" ] || skip "$PY not installed"
command -v promtool >/dev/null || skip "promtool not installed (Debian package prometheus; scripts/setup)"
V=$VIOBENCH
DB=$T/s.db
for i in 1 2; do
    "$V" run --filter 'exit/cpuid/leaf:0x0,timer/read/rdtsc' --min-time 0.02s --repetitions 2 \
        --quiet --out "$T/r$i" >"$T/run.log" 2>&1 || { cat "$T/run.log"; fail "viobench run"; }
done
"$V" collect --db "$DB" "$T/r1" >/dev/null 2>&1 || fail collect
"$V" collect --db "$DB" --label 'hypervisor_version=8.2 "q" \b' "$T/r2" >/dev/null 2>&1 || fail collect
"$V" export --db "$DB" --format prometheus --out "$T/m.prom" || fail "export prometheus"
promtool check metrics <"$T/m.prom" >"$T/promtool.out" 2>&1 || { cat "$T/promtool.out"; fail "promtool check metrics"; }
[ -s "$T/promtool.out" ] && { cat "$T/promtool.out"; fail "promtool lint findings"; }
"$V" export --db "$DB" --format csv --out "$T/own.csv" || fail "export csv"
"$PY" - "$T/m.prom" "$T/own.csv" <<'PYEOF' || fail "exposition content"
import csv, math, re, sys
line_re = re.compile(r'^([a-z_]+)\{(.*)\} (\S+)$')
lab_re = re.compile(r'([a-z_]+)="((?:[^"\\]|\\.)*)"')
def unesc(s):
    return re.sub(r'\\(.)', lambda m: "\n" if m.group(1) == "n" else m.group(1), s)
series = {}
for line in open(sys.argv[1]):
    if line.startswith("#"):
        continue
    m = line_re.match(line.strip())
    if not m:
        sys.exit("bad line: " + line)
    name, labels, value = m.group(1), dict((k, unesc(v)) for k, v in lab_re.findall(m.group(2))), float(m.group(3))
    le, q = labels.pop("le", None), labels.pop("quantile", None)
    key = (labels["run_id"], labels["benchmark"])
    s = series.setdefault(key, {"labels": labels, "buckets": [], "q": {}})
    if name.endswith("_bucket"):
        s["buckets"].append((float(le), value))
    elif name == "viobench_latency_seconds_count":
        s["count"] = value
    elif name == "viobench_latency_quantiles_seconds":
        s["q"][float(q)] = value
own = {}
for r in csv.DictReader(open(sys.argv[2])):
    if r["run_type"] == "iteration":
        own.setdefault((r["run_id"], r["benchmark"]), []).append((r["metric"], float(r["value"])))
if set(series) != set(own):
    sys.exit("series %s vs runs %s" % (sorted(series), sorted(own)))
escaped = 0
for key, s in series.items():
    b = s["buckets"]
    if b[-1][0] != math.inf or any(b[i][0] >= b[i + 1][0] or b[i][1] > b[i + 1][1] for i in range(len(b) - 1)):
        sys.exit("%s: buckets not ascending and cumulative" % (key,))
    samples = sum(v for m, v in own[key] if m == "samples")
    if not (b[-1][1] == s["count"] == samples):
        sys.exit("%s: +Inf %s, count %s, samples %s" % (key, b[-1][1], s["count"], samples))
    p50s = [v * 1e-9 for m, v in own[key] if m == "p50_ns"]
    if not (min(p50s) * 0.999 <= s["q"][0.5] <= max(p50s) * 1.001):
        sys.exit("%s: quantile 0.5 %s outside %s" % (key, s["q"][0.5], p50s))
    # histogram_quantile: linear inside the bucket holding rank 0.99 * count
    rank, lo, prev = 0.99 * s["count"], 0.0, 0.0
    for le, c in b:
        if c >= rank:
            est = lo + (le - lo) * (rank - prev) / (c - prev)
            break
        lo, prev = le, c
    if abs(est - s["q"][0.99]) > 0.125 * s["q"][0.99]:
        sys.exit("%s: interpolated p99 %g vs exact %g" % (key, est, s["q"][0.99]))
    escaped += s["labels"]["hypervisor_version"] == '8.2 "q" \\b'
    if not s["labels"]["hypervisor"] or "kernel" not in s["labels"]:
        sys.exit("%s: pairing labels missing: %s" % (key, s["labels"]))
if escaped != 2:
    sys.exit("escaped label value found in %d series, expected 2" % escaped)
print("%d series, buckets per series %d" % (len(series), len(b)))
PYEOF
# one selected run only, and a selector that matches nothing
RUN=$("$V" collect ls --db "$DB" | sed -n 2p | cut -d' ' -f1)
"$V" export --db "$DB" --format prometheus --run "$RUN" | grep -c '_count{' | grep -qx 4 || fail "--run selects one run"
expect_error 1 "export: prometheus: no selected run has histograms" \
    "$V" export --db "$DB" --format prometheus hypervisor=nothing-like-this
finish
