#!/bin/sh
# The analyzer end to end on synthetic runs with known differences: compare (every output
# format, a +20% latency shift found, a run against itself unchanged), trend (injected
# shifts found at their versions), gate (docs/analyze.md's budget file, exit codes 0/1/2, line
# numbers, baseline regression), matrix (pivot, PASS/FAIL, HTML), capacity (knee, Little's
# law), each plot rendered by gnuplot to a non-empty PNG, and bad input: one line, non-zero.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/e2e/lib.sh
B=${VIOBENCH_BUILD:-build/default}
for t in gen_runs gen_sweep gen_trend; do
    [ -x "$B/tools/$t" ] || skip "$B/tools/$t not built (make tools)"
done
V=$VIOBENCH
py() { $PY -c "$@"; }

# --- inputs -----------------------------------------------------------------------------
mkdir -p "$T/sw"
"$B/tools/gen_sweep" "$T/sw/a" kvm 8 50 1 || fail "gen_sweep a"
"$B/tools/gen_sweep" "$T/sw/b" kvm 8 60 2 || fail "gen_sweep b"   # +20% latency
"$B/tools/gen_sweep" "$T/sw/h" hyperv 4 70 3 || fail "gen_sweep h"
"$B/tools/gen_runs" "$T/runs" 6 12 5 >/dev/null || fail "gen_runs"
DB=$T/store.db
"$V" collect --db "$DB" "$T/runs" "$T/sw" >/dev/null || fail "collect"

# --- compare ----------------------------------------------------------------------------
# One run of one repetition a side: run-to-run variance is unknown, so nothing is called.
"$V" analyze compare "$T/sw/a" "$T/sw/b" >"$T/cmp1.txt" 2>&1 || { cat "$T/cmp1.txt"; fail "compare"; }
grep -Eq '^storage/uring/randread/bs:4k/qd:1 +p50 .* inconclusive +1 and 1 repetitions: run-to-run variance needs at least 3 a side' "$T/cmp1.txt" ||
    { cat "$T/cmp1.txt"; fail "one repetition a side must be inconclusive, with the reason"; }
grep -q '^compare: 16 benchmarks on both sides.* 0 regressed, 0 improved' "$T/cmp1.txt" || fail "compare summary"
# Four runs a side (the +20% latency of sw/b): found, every row.
RDB=$T/rep.db
for i in 1 2 3 4; do
    "$B/tools/gen_sweep" "$T/rep/a$i" kvm 8 50 $((10 + i)) >/dev/null || fail "gen_sweep rep a"
    "$B/tools/gen_sweep" "$T/rep/b$i" kvm 8 60 $((20 + i)) >/dev/null || fail "gen_sweep rep b"
done
"$V" collect --db "$RDB" "$T/rep" >/dev/null || fail "collect rep"
RA='run_id=sweep-kvm-1[1-4]' RB='run_id=sweep-kvm-2[1-4]'
"$V" analyze compare --db "$RDB" "$RA" "$RB" >"$T/cmp.txt" 2>&1 || { cat "$T/cmp.txt"; fail "compare"; }
grep -Eq '^storage/uring/randread/bs:4k/qd:1 +p50 .* regressed' "$T/cmp.txt" || { cat "$T/cmp.txt"; fail "p50 +20% not regressed"; }
grep -q '^compare: 16 benchmarks on both sides' "$T/cmp.txt" || fail "compare summary"
"$V" analyze compare "$T/sw/a" "$T/sw/a" >"$T/same.txt" || fail "compare with itself"
grep -Eq ' (regressed|improved)$' "$T/same.txt" && fail "a run compared with itself changed"
grep -q ' 0 regressed, 0 improved' "$T/same.txt" || fail "self-compare summary"
"$V" analyze compare --db "$RDB" "$RA" "$RB" --format json -m p50,p99,iops >"$T/cmp.json" || fail "compare json"
py 'import json,sys
d=json.load(open(sys.argv[1]))
rows=d["rows"]; s=d["summary"]
assert d["correction"]=="benjamini-hochberg" and d["unit"]=="repetition", d
assert s["benchmarks"]==16 and s["regressed"]>=32, s
r=[x for x in rows if x["benchmark"]=="net/tcp_rr/size:64/flows:1" and x["metric"]=="p50"][0]
assert 15 < r["change_pct"] < 25 and r["ci_low_pct"] > 0 and r["verdict"]=="regressed", r
assert r["ci_method"]=="welch-log" and r["adjusted_p"] >= r["welch_p"] and r["reps_a"]==4, r
i=[x for x in rows if x["metric"]=="iops" and x["benchmark"].endswith("qd:1")][0]
assert i["verdict"]=="regressed" and i["change_pct"] < 0, i  # fewer ops/s is worse' "$T/cmp.json" || fail "compare JSON content"
"$V" analyze compare "$T/sw/a" "$T/sw/b" --format json -m iops | py 'import json,sys
i=json.load(sys.stdin)["rows"][0]
assert i["verdict"]=="inconclusive" and "at least 3" in i["reason"], i' || fail "one repetition, no histogram: inconclusive"
"$V" analyze compare "$T/sw/a" "$T/sw/b" --format csv >"$T/cmp.csv" || fail "compare csv"
py 'import csv,sys
rows=list(csv.DictReader(open(sys.argv[1])))
assert len(rows)>=32 and set(rows[0])>={"benchmark","metric","change_pct","ci_low_pct","u_pvalue","verdict"}, rows[0]' "$T/cmp.csv" || fail "compare CSV"
"$V" analyze compare "$T/sw/a" "$T/sw/b" --format markdown | grep -q '^| storage/uring/randread/bs:4k/qd:1 | p50 |' || fail "compare markdown"
"$V" analyze compare --db "$RDB" "$RA" "$RB" --format html >"$T/cmp.html" || fail "compare html"
grep -q '<td class="v-regressed">regressed</td>' "$T/cmp.html" || fail "compare html: the verdict is coloured"
grep -q '<p class="summary">.*<span class="v-regressed">regressed [1-9]' "$T/cmp.html" || fail "compare html: summary line"
"$V" analyze compare --db "$RDB" "$RA" "$RB" --fail-on-regression >/dev/null
[ $? -eq 1 ] || fail "--fail-on-regression did not exit 1"
"$V" analyze compare --db "$DB" 'hypervisor=kvm source=viobench run_id=synth-*' 'hypervisor=hyperv' -f 'synth/*' >"$T/sel.txt" || fail "compare selectors"
grep -q '^compare: 12 benchmarks on both sides (A: hypervisor=kvm source=viobench run_id=synth-\*, 2 runs' "$T/sel.txt" || { cat "$T/sel.txt"; fail "selector sides"; }

expect_error 2 'needs two inputs' "$V" analyze compare "$T/sw/a"
expect_error 1 "'nosuchrun' is neither a file" "$V" analyze compare --db "$DB" "$T/sw/a" nosuchrun
expect_error 1 "unknown key 'colour'" "$V" analyze compare --db "$DB" colour=red "$T/sw/a"
expect_error 1 "no stored run matches 'hypervisor=xen'" "$V" analyze compare --db "$DB" hypervisor=xen "$T/sw/a"
expect_error 1 'store /nonexistent.db: No such file' "$V" analyze compare --db /nonexistent.db hypervisor=kvm "$T/sw/a"
expect_error 2 "unknown format 'yaml'" "$V" analyze compare "$T/sw/a" "$T/sw/b" --format yaml
expect_error 2 "unknown metric 'p98'" "$V" analyze compare "$T/sw/a" "$T/sw/b" -m p98
expect_error 1 'no benchmark measured on both sides' "$V" analyze compare "$T/sw/a" "$T/runs/run-000000"
expect_error 2 "unknown subcommand 'frobnicate'" "$V" analyze frobnicate

# --- trend ------------------------------------------------------------------------------
TDB=$T/trend.db
"$B/tools/gen_trend" "$TDB" 300 8 9 >"$T/shifts.txt" || fail "gen_trend"
"$V" analyze trend --db "$TDB" --by kernel --format json >"$T/trend.json" || fail "trend"
py 'import json,sys
d=json.load(open(sys.argv[1])); want={}
for l in open(sys.argv[2]):
    _,b,v=l.split(); want[b]=v
assert d["order"]=="semantic version" and d["versions"]==300 and d["nseries"]==8, d
found={(c["benchmark"],c["version"]) for c in d["change_points"] if c["direction"]=="regression"}
for b,v in want.items():
    maj,mi=v[2:-6].split(".")
    ok=[c for c in found if c[0]==b and abs(int(c[1].split(".")[1])*100+int(c[1].split(".")[2].split("-")[0])-(int(maj)*100+int(mi)))<=1]
    assert ok, (b,v,sorted(found))' "$T/trend.json" "$T/shifts.txt" || fail "trend missed an injected shift"
"$V" analyze trend --db "$TDB" --by kernel --filter 'synth/series000' >"$T/trend.txt" || fail "trend console"
grep -Eq '^synth/series000 .* regression' "$T/trend.txt" || { cat "$T/trend.txt"; fail "trend console row"; }
"$V" analyze trend --db "$TDB" --by kernel --filter 'synth/series000' --fail-on-regression >/dev/null
[ $? -eq 1 ] || fail "trend --fail-on-regression"
# "version=" matches any version key (here the kernel): the +10% of series000 at 6.1.0
"$V" analyze compare --db "$TDB" 'version=6.0.*' 'version=6.2.*' -f 'synth/series00[01]' -m p50 >"$T/ver.txt" || fail "version= selector"
grep -Eq '^synth/series000 +p50 .* regressed( |$)' "$T/ver.txt" && grep -Eq '^synth/series001 +p50 .* no significant change( |$)' "$T/ver.txt" ||
    { cat "$T/ver.txt"; fail "version= compare verdicts"; }
expect_error 1 "by: unknown key 'wibble'" "$V" analyze trend --db "$TDB" --by wibble
expect_error 2 'by KEY is required' "$V" analyze trend --db "$TDB"
expect_error 1 "no stored run matches 'kernel=7.\\*'" "$V" analyze trend --db "$TDB" --by kernel 'kernel=7.*'

# --- gate -------------------------------------------------------------------------------
BUD=tests/fixtures/analyze/budgets.txt
grep -v '^#' "$BUD" | while IFS= read -r l; do
    grep -qF "$l" docs/analyze.md || { echo "FAIL: docs/analyze.md lacks the budget line '$l'"; exit 1; }
done || FAILED=1
"$V" analyze gate --budget "$BUD" "$T/sw/a" --allow-missing >"$T/gate.txt"
[ $? -eq 0 ] || { cat "$T/gate.txt"; fail "gate of a run inside its budget did not exit 0"; }
grep -q 'PASS$' "$T/gate.txt" || fail "gate summary"
"$V" analyze gate --budget "$BUD" "$T/sw/a" >"$T/gate.txt"
[ $? -eq 1 ] || fail "budgets without data must fail without --allow-missing"
grep -Eq '^FAIL +timer/read/\* .* no data' "$T/gate.txt" || { cat "$T/gate.txt"; fail "no-data row"; }
printf 'storage/uring/randread/bs:4k/qd:* p99 <= 1ms\nstorage/uring/randread/bs:4k/qd:1 iops >= 25k\n' >"$T/tight.txt"
"$V" analyze gate --budget "$T/tight.txt" "$T/sw/a" >"$T/gate.txt"
[ $? -eq 1 ] || fail "gate over budget did not exit 1"
grep -Eq '^FAIL +storage/uring/randread/bs:4k/qd:128 .* p99 +[0-9.]+ ms +<= 1 ms +\+[0-9.]+%' "$T/gate.txt" || { cat "$T/gate.txt"; fail "violation row (measured, budget, margin)"; }
grep -Eq '^FAIL +storage/uring/randread/bs:4k/qd:1 .* iops .*>= 25k/s' "$T/gate.txt" || { cat "$T/gate.txt"; fail "iops violation"; }
"$V" analyze gate --budget "$T/tight.txt" "$T/sw/a" --format json | py 'import json,sys
d=json.load(sys.stdin); assert d["result"]=="FAIL" and d["over"]==3, d
assert all(c["margin_pct"]>0 for c in d["checks"]), d' || fail "gate JSON"
printf 'storage/* p99 <= 100ms\n' >"$T/loose.txt"
# --baseline: compare's rule. Four runs a side, +20%: FAIL at 5%, PASS at 30%.
"$V" analyze gate --db "$RDB" --budget "$T/loose.txt" --baseline "$RA" --max-regression 5% "$RB" >"$T/gate.txt"
[ $? -eq 1 ] || fail "baseline regression of 20% did not fail"
grep -Eq '^FAIL .* <= \+5.0% vs baseline .* baseline +change \+[12][0-9]\.[0-9]% \[\+1[0-9]\.[0-9]%, \+2[0-9]\.[0-9]%\]: runs as the unit \(4 and 4' "$T/gate.txt" ||
    { cat "$T/gate.txt"; fail "baseline row"; }
"$V" analyze gate --db "$RDB" --budget "$T/loose.txt" --baseline "$RA" --max-regression 30% "$RB" >/dev/null || fail "30% allowed"
# one repetition of one run a side: the data cannot decide, and the gate does not pass
"$V" analyze gate --budget "$T/loose.txt" --baseline "$T/sw/a" --max-regression 5% "$T/sw/b" >"$T/gate.txt"
[ $? -eq 1 ] || fail "an undecided baseline check passed"
grep -Eq '^UNDECIDED .* baseline +change \+[0-9.]+%: 1 and 1 repetitions: run-to-run variance needs at least 3 a side' "$T/gate.txt" ||
    { cat "$T/gate.txt"; fail "undecided baseline row"; }
"$V" analyze gate --db "$DB" --baseline run_id=sweep-kvm-1 -m p50 run_id=sweep-kvm-2 >/dev/null
[ $? -eq 1 ] || fail "baseline-only gate"
printf 'timer/* p99 <= 2us\n\nnet/* p99\n' >"$T/bad.txt"
expect_error 2 "bad.txt:3: expected 'BENCHMARK" "$V" analyze gate --budget "$T/bad.txt" "$T/sw/a"
printf 'timer/* p99 <= 2 us\n' >"$T/bad.txt"
expect_error 2 'bad.txt:1: expected' "$V" analyze gate --budget "$T/bad.txt" "$T/sw/a"
printf 'timer/* flavour=x p99 <= 2us\n' >"$T/bad.txt"
expect_error 2 "bad.txt:1: unknown key 'flavour'" "$V" analyze gate --db "$DB" --budget "$T/bad.txt"
expect_error 2 'nope.txt: No such file' "$V" analyze gate --budget "$T/nope.txt" "$T/sw/a"
expect_error 2 'give --budget FILE' "$V" analyze gate "$T/sw/a"
expect_error 2 "no stored run matches" "$V" analyze gate --db "$DB" --budget "$BUD" hypervisor=xen

# --- matrix -----------------------------------------------------------------------------
"$V" analyze matrix --db "$DB" -b 'synth/bench000' >"$T/m.txt" || { cat "$T/m.txt"; fail "matrix"; }
grep -Eq '^host +debian 12 +rhel 12' "$T/m.txt" && grep -Eq '^kvm 8\.2\.2 ' "$T/m.txt" && grep -Eq '^hyperv 10\.0\.20348 ' "$T/m.txt" || { cat "$T/m.txt"; fail "matrix rows/columns"; }
"$V" analyze matrix --db "$DB" -b 'synth/bench000' --budget-value 1ns >"$T/m.txt"
[ $? -eq 1 ] || fail "matrix with failing cells did not exit 1"
grep -q 'FAIL ' "$T/m.txt" || fail "matrix FAIL cells"
"$V" analyze matrix --db "$DB" -b 'storage/uring/randread/bs:4k/qd:1' --budget "$T/loose.txt" --format html >"$T/m.html" || fail "matrix html"
grep -q '<td class="pass">PASS ' "$T/m.html" && grep -q '<!DOCTYPE html>' "$T/m.html" || fail "matrix html cells"
"$V" analyze matrix --db "$DB" --format csv | py 'import csv,sys
rows=list(csv.DictReader(sys.stdin)); assert {"benchmark","row","column","value","status"}<=set(rows[0]) and len(rows)>=40, rows[:2]' || fail "matrix csv"
expect_error 1 "no benchmark matches --benchmark 'zzz'" "$V" analyze matrix --db "$DB" -b zzz
expect_error 2 "rows/--cols: unknown key 'rack'" "$V" analyze matrix --db "$DB" --rows rack

# --- capacity ---------------------------------------------------------------------------
"$V" analyze capacity "$T/sw/a" "$T/sw/h" --p99-budget 2ms --demand 5k --format json >"$T/cap.json" || fail "capacity"
py 'import json,sys
d=json.load(open(sys.argv[1]))
k={(x["pairing"].split()[0],x["sweep"]):x for x in d["knees"]}
a=k[("hypervisor=kvm","storage/uring/randread/bs:4k/qd:*")]
assert a["knee_load"]==8 and 150000<a["knee_throughput"]<170000 and a["guests"]==32, a
h=k[("hypervisor=hyperv","net/tcp_rr/size:64/flows:*")]
assert h["knee_load"]==4, h
assert all(0.9<p["little_ratio"]<1.1 for p in d["points"]), "Little"' "$T/cap.json" || fail "capacity knee/Little"
"$V" analyze capacity "$T/sw/a" --p99-budget 1ms --format html >"$T/cap.html" || fail "capacity html"
grep -q 'p99_budget_ns: 1000000<' "$T/cap.html" || fail "capacity html: the budget in plain digits, not 1e+06"
expect_error 1 'no sweep in the selected runs' "$V" analyze capacity "$T/runs/run-000000"
expect_error 2 "p99-budget: bad duration 'soon'" "$V" analyze capacity "$T/sw/a" --p99-budget soon

# --- plots ------------------------------------------------------------------------------
png_ok() { [ -s "$1" ] && [ "$(head -c 4 "$1" | od -An -c | tr -d ' ')" = "211PNG" ] && [ "$(stat -c %s "$1")" -gt 2000 ]; }
if command -v gnuplot >/dev/null; then
    "$V" analyze plot percentiles -b storage/uring/randread/bs:4k/qd:8 --out "$T/p" "$T/sw/a" "$T/sw/h" >/dev/null || fail "plot percentiles"
    "$V" analyze plot distribution -b storage/uring/randread/bs:4k/qd:8 --out "$T/p" "$T/sw/a" "$T/sw/h" >/dev/null || fail "plot distribution"
    "$V" analyze plot trend --db "$TDB" --by kernel -b 'synth/series00[0-3]' --out "$T/p" >/dev/null || fail "plot trend"
    "$V" analyze plot capacity -b 'storage/*' --p99-budget 2ms --out "$T/p" "$T/sw/a" "$T/sw/h" >/dev/null || fail "plot capacity"
    for k in percentiles distribution trend capacity; do
        png_ok "$T/p/$k.png" || fail "$k.png missing or not a PNG"
        [ -s "$T/p/$k.gp" ] && [ -s "$T/p/$k.dat" ] || fail "$k: script or data not kept"
        grep -q "set xlabel" "$T/p/$k.gp" && grep -q "set ylabel" "$T/p/$k.gp" && grep -q "title" "$T/p/$k.gp" || fail "$k: labels"
    done
    grep -q 'set arrow' "$T/p/trend.gp" || fail "trend plot marks no change point"
    (cd "$T/p" && gnuplot percentiles.gp) || fail "kept script does not re-run"
    "$V" analyze plot percentiles -b storage/uring/randread/bs:4k/qd:8 --format svg --out "$T/p" "$T/sw/a" >/dev/null || fail "svg"
    grep -q '<svg' "$T/p/percentiles.svg" || fail "svg content"
    expect_error 1 "no histogram of 'nope'" "$V" analyze plot percentiles -b nope --out "$T/p" "$T/sw/a"
else
    echo "note: gnuplot not installed: plot rendering not checked"
fi
expect_error 1 'gnuplot not found on PATH' env PATH=/nonexistent "$V" analyze plot percentiles -b x --out "$T/p" "$T/sw/a"
expect_error 2 "unknown plot 'pie'" "$V" analyze plot pie
finish
