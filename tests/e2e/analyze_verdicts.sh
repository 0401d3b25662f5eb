#!/bin/sh
# Verdicts users act on (issue 12): the pairing identity that gate, compare, matrix and
# trend group by keeps runs labelled with different hosts apart (the exact reproduction:
# two runs of exit/syscall measured here, labelled host_hypervisor=kvm and =hyperv, and a
# budget that only the hyperv run breaks must FAIL), labels win over detection, and
# compare says so when a side merges runs of different pairings or options.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/e2e/lib.sh
V=$VIOBENCH
py() { $PY -c "$@"; }

# --- gate: one budget per labelled host ---------------------------------------------------
for h in kvm hyperv; do
    "$V" run --filter exit/syscall --min-time 0.05s --quiet --out "$T/runs" \
        --label host_hypervisor=$h >/dev/null 2>&1 || fail "run labelled $h"
done
DB=$T/v.db
"$V" collect --db "$DB" "$T/runs" >/dev/null 2>&1 || fail "collect"
printf 'exit/syscall host_hypervisor=hyperv p50 <= 1ns\nexit/syscall host_hypervisor=kvm p50 <= 1s\n' >"$T/bud.txt"
"$V" analyze gate --db "$DB" --budget "$T/bud.txt" >"$T/gate.txt" 2>&1
rc=$?
[ $rc -eq 1 ] || { cat "$T/gate.txt"; fail "gate over two labelled hosts exited $rc, expected 1"; }
grep -Eq '^FAIL +exit/syscall +hypervisor=hyperv \(detected [a-z]+\).* p50 .*<= 1 ns' "$T/gate.txt" ||
    { cat "$T/gate.txt"; fail "the hyperv budget's violation is not listed"; }
grep -q '^gate: 2 checks over 2 pairings: 1 within budget, 1 over' "$T/gate.txt" ||
    { cat "$T/gate.txt"; fail "gate summary: two pairings, each checked once"; }
# the same from run directories rather than the store
"$V" analyze gate --budget "$T/bud.txt" "$T"/runs/2* >"$T/gate2.txt" 2>&1
[ $? -eq 1 ] || { cat "$T/gate2.txt"; fail "gate over run directories did not fail"; }
# only the kvm budget: passes (the hyperv run is not checked against it)
sed 1d "$T/bud.txt" >"$T/kvm.txt"
"$V" analyze gate --db "$DB" --budget "$T/kvm.txt" >"$T/gate3.txt" 2>&1 ||
    { cat "$T/gate3.txt"; fail "the kvm budget alone must pass"; }
grep -q '^gate: 1 checks over 2 pairings: 1 within budget, 0 over' "$T/gate3.txt" ||
    { cat "$T/gate3.txt"; fail "kvm-only summary"; }

# --- gate: repetitions in distinct modes are checked at the worse mode ------------------------
# Two fast and two slow repetitions (10 ns, 45 ns): their geometric mean (21 ns) is under a
# 30 ns budget, but half the repetitions break it; the gate must fail and name the modes.
py '
import json, sys
rows = [{"name": "BM_modes", "run_name": "BM_modes", "run_type": "iteration", "repetitions": 4,
         "repetition_index": i, "iterations": 1000, "real_time": t, "cpu_time": t,
         "time_unit": "ns"} for i, t in enumerate([10.0, 10.2, 45.0, 46.0])]
json.dump({"context": {"date": "2026-12-02T00:00:00+00:00", "num_cpus": 2},
           "benchmarks": rows}, open(sys.argv[1], "w"))
' "$T/modes.json"
printf 'BM_modes real_time <= 30ns\n' >"$T/modes_bud.txt"
"$V" analyze gate --budget "$T/modes_bud.txt" "$T/modes.json" >"$T/gate_modes.txt" 2>&1
rc=$?
[ $rc -eq 1 ] || { cat "$T/gate_modes.txt"; fail "gate passed a pairing whose slower mode (45 ns) breaks 30 ns (exit $rc)"; }
grep -q 'distinct modes: 10.1 ns (2), 45.5 ns (2); the higher is checked' "$T/gate_modes.txt" ||
    { cat "$T/gate_modes.txt"; fail "gate does not name the modes it checked"; }
printf 'BM_modes real_time <= 50ns\n' >"$T/modes_bud.txt"
"$V" analyze gate --budget "$T/modes_bud.txt" "$T/modes.json" >"$T/gate_modes.txt" 2>&1 ||
    { cat "$T/gate_modes.txt"; fail "both modes under 50 ns must pass"; }

# --- selectors on pairing keys follow the identity (the label wins) ------------------------
"$V" analyze compare --db "$DB" hypervisor=kvm hypervisor=hyperv -m p50 >"$T/cmp.txt" 2>&1 ||
    { cat "$T/cmp.txt"; fail "compare hypervisor=kvm hypervisor=hyperv (labels)"; }
grep -q '^compare: 1 benchmarks on both sides (A: hypervisor=kvm, 1 run; B: hypervisor=hyperv, 1 run)' "$T/cmp.txt" ||
    { cat "$T/cmp.txt"; fail "each side selects its labelled run"; }

# --- compare says when a side merges pairings -------------------------------------------
"$V" analyze compare --db "$DB" 'source=viobench' hypervisor=kvm -m p50 >"$T/mix.txt" 2>&1 ||
    { cat "$T/mix.txt"; fail "compare of a mixed side"; }
grep -q '^note: A merges runs of 2 pairings or option sets' "$T/mix.txt" ||
    { cat "$T/mix.txt"; fail "compare must say that A merged two pairings"; }

# --- runs that differ only in a result-changing option (the run's own result_options) ----
mkdir -p "$T/opt"
"$V" run -q --filter exit/syscall --min-time 0.02s -r 2 --out "$T/opt" --run-id o1 --label side=oa >/dev/null 2>&1 &&
    "$V" run -q --filter exit/syscall --min-time 0.02s -r 2 --out "$T/opt" --run-id o2 --label side=oa \
        --placement same-cpu >/dev/null 2>&1 &&
    "$V" collect --db "$T/opt.db" "$T/opt/o1" "$T/opt/o2" >/dev/null || fail "option runs"
grep -q '"result_options": {[^}]*"placement": "same-cpu"' "$T/opt/o2/context.json" ||
    grep -A3 '"result_options"' "$T/opt/o2/context.json" | grep -q '"placement": "same-cpu"' ||
    fail "context.json lacks result_options.placement"
"$V" analyze compare --db "$T/opt.db" run_id=o1 side=oa -m p50 >"$T/optcmp.txt" 2>&1 ||
    { cat "$T/optcmp.txt"; fail "compare over option sets"; }
grep -q '^note: B merges runs of 2 pairings or option sets' "$T/optcmp.txt" &&
    grep -q '\[options .*placement=same-cpu' "$T/optcmp.txt" ||
    { cat "$T/optcmp.txt"; fail "compare must name the placement that sets B's runs apart"; }

# --- matrix rows are the identity's hypervisor -------------------------------------------
"$V" analyze matrix --db "$DB" -b exit/syscall --budget "$T/bud.txt" >"$T/mx.txt" 2>&1
[ $? -eq 1 ] || { cat "$T/mx.txt"; fail "matrix with the hyperv budget must fail"; }
grep -Eq '^hyperv .*FAIL' "$T/mx.txt" && grep -Eq '^kvm .*PASS' "$T/mx.txt" ||
    { cat "$T/mx.txt"; fail "matrix rows by labelled host"; }
# rows that merge both hosts: the cell says so
"$V" analyze matrix --db "$DB" -b exit/syscall --rows source --cols complete >"$T/mx2.txt" 2>&1
grep -Eq '^viobench .* \*$' "$T/mx2.txt" && grep -q '^\* 1 cells merge runs of several pairing identities' "$T/mx2.txt" ||
    { cat "$T/mx2.txt"; fail "a matrix cell merging two identities must be marked"; }
# ... and a budget line's selectors meet every run of the cell: the hyperv run fails it
"$V" analyze matrix --db "$DB" -b exit/syscall -m p50 --rows source --cols complete --budget "$T/bud.txt" >"$T/mx5.txt" 2>&1
[ $? -eq 1 ] || { cat "$T/mx5.txt"; fail "matrix cell with the hyperv run must fail its budget"; }
grep -Eq '^viobench +FAIL .* \*$' "$T/mx5.txt" || { cat "$T/mx5.txt"; fail "the merged cell is FAIL and marked"; }
# matrix: a benchmark without the metric is left out, a row without a cell hidden, the
# budget stated
cp "$DB" "$T/mx.db"
$PY tests/tools/gen_gbench_series.py "$T/gbm" 1 1 2 1 || fail "gen gbench"
"$V" collect --db "$T/mx.db" --label host_hypervisor=xen "$T/gbm/v1.0.0.json" >/dev/null 2>&1 || fail "collect gbench"
"$V" analyze matrix --db "$T/mx.db" --budget-value 1s >"$T/mx3.txt" 2>&1 || { cat "$T/mx3.txt"; fail "matrix"; }
grep -q '^exit/syscall: p99 (PASS/FAIL: p99 <= 1 s)' "$T/mx3.txt" || { cat "$T/mx3.txt"; fail "matrix title states the budget"; }
grep -q 'BM_series0' "$T/mx3.txt" && { cat "$T/mx3.txt"; fail "a benchmark without p99 got a table"; }
grep -q '^xen' "$T/mx3.txt" && { cat "$T/mx3.txt"; fail "a row without cells is shown"; }
grep -q '1 benchmark without p99 left out; empty rows and columns hidden' "$T/mx3.txt" || { cat "$T/mx3.txt"; fail "matrix footer"; }
"$V" analyze matrix --db "$T/mx.db" -m real_time -b 'BM_*' >"$T/mx4.txt" 2>&1 || { cat "$T/mx4.txt"; fail "matrix real_time"; }
grep -Eq '^xen +[0-9.]+ ns' "$T/mx4.txt" || { cat "$T/mx4.txt"; fail "the gbench row by real_time"; }

# --- Google Benchmark aggregates without aggregate_name are measurements, as compare.py
# reads them (its own test inputs test3_run0/1.json have them)
for x in 0 1; do
    printf '{"context": {"date": "2016-08-02 17:44:46"}, "benchmarks": [
{"name": "BM_One", "run_type": "aggregate", "iterations": 1000, "real_time": %s, "cpu_time": 100, "time_unit": "ns"},
{"name": "BM_One", "run_type": "aggregate", "iterations": 1000, "real_time": %s, "cpu_time": 100, "time_unit": "ns"},
{"name": "BM_One", "run_type": "aggregate", "iterations": 1000, "real_time": %s, "cpu_time": 100, "time_unit": "ns"},
{"name": "BM_One_mean", "run_name": "BM_One", "run_type": "aggregate", "aggregate_name": "mean", "iterations": 3, "real_time": 1, "cpu_time": 1, "time_unit": "ns"}]}\n' \
        $((10 + 10 * x)) $((11 + 10 * x)) $((10 + 10 * x)) >"$T/t3_$x.json"
done
# (one file a side and no store: the row is read, but how far runs drift apart is unmeasured)
(cd "$T" && "$V" analyze compare "$T/t3_0.json" "$T/t3_1.json" --format json) | py 'import json,sys
r=json.load(sys.stdin)["rows"][0]
assert r["benchmark"]=="BM_One" and r["reps_a"]==3 and r["reps_b"]==3, r
assert abs(r["change_pct"] - 96.92) < 0.1 and r["verdict"]=="inconclusive" and "one run" in r["reason"], r' ||
    fail "aggregates without aggregate_name read as measurements (the _mean aggregate is not one)"

# --- trend on a short history: 7 versions x 3 repetitions (Google Benchmark JSON, no
# histograms), BM_series0 +15% from 1.4.0, CV 5%: found with the default options for each
# of six seeds, nothing else called, and the fallback to real_time said ---------------------
for seed in 1 2 3 4 5 6; do
    $PY tests/tools/gen_gbench_series.py "$T/gb$seed" $seed || fail "gen_gbench_series"
    for f in "$T/gb$seed"/*.json; do
        v=$(basename "$f" .json)
        "$V" collect --db "$T/gb$seed.db" --label "bench_version=${v#v}" "$f" >/dev/null 2>&1 || fail "collect $f"
    done
    "$V" analyze trend --db "$T/gb$seed.db" --by bench_version >"$T/tr.txt" 2>&1 ||
        { cat "$T/tr.txt"; fail "trend seed $seed"; }
    grep -Eq '^BM_series0 +- +1\.4\.0 +1\.3\.0 .* \+1[0-9]\.[0-9]% +regression' "$T/tr.txt" ||
        { cat "$T/tr.txt"; fail "seed $seed: the +15% step at 1.4.0 was not found"; }
    grep -q '1 change points: 1 regressions, 0 improvements' "$T/tr.txt" ||
        { cat "$T/tr.txt"; fail "seed $seed: flat series called changed"; }
    grep -q '^(4 series have no p50 (no histograms.*they use real_time)' "$T/tr.txt" ||
        { cat "$T/tr.txt"; fail "seed $seed: the real_time fallback is not said"; }
done
"$V" analyze trend --db "$T/gb1.db" --by bench_version --format json | py 'import json,sys
d=json.load(sys.stdin)
assert d["series_on_real_time"]==4 and d["metric"]=="p50", d
p=[x for x in d["points"] if x["benchmark"]=="BM_series0"]
assert len(p)==7 and all(x["n"]==3 and len(x["values"].split())==3 for x in p), p
assert "near_misses" in d and "series" in d, list(d)' || fail "trend JSON: points with their values"
# versions that scatter (3%) more than their repetitions (1%), no step: the points are the
# unit then, and nothing is called
for seed in 1 2 3 4 5 6; do
    $PY tests/tools/gen_gbench_series.py "$T/sc$seed" $seed 7 3 4 0 4 0.01 0.03 || fail "gen scatter"
    for f in "$T/sc$seed"/*.json; do
        v=$(basename "$f" .json)
        "$V" collect --db "$T/sc$seed.db" --label "bench_version=${v#v}" "$f" >/dev/null 2>&1 || fail "collect $f"
    done
    "$V" analyze trend --db "$T/sc$seed.db" --by bench_version >"$T/sc.txt" 2>&1
    grep -q ' 0 change points' "$T/sc.txt" || { cat "$T/sc.txt"; fail "seed $seed: version scatter called a change"; }
done
# an explicit --metric does not fall back
expect_error 1 'no measured p50 values' "$V" analyze trend --db "$T/gb1.db" --by bench_version -m p50
# a noisy near-miss: +6% step, CV 5%, listed apart rather than called
$PY tests/tools/gen_gbench_series.py "$T/nm" 4 7 3 1 0.06 4 0.05 || fail "gen near-miss"
for f in "$T/nm"/*.json; do
    v=$(basename "$f" .json)
    "$V" collect --db "$T/nm.db" --label "bench_version=${v#v}" "$f" >/dev/null 2>&1 || fail "collect $f"
done
"$V" analyze trend --db "$T/nm.db" --by bench_version --format json | py 'import json,sys
d=json.load(sys.stdin)
assert not d["change_points"] and d["near_misses"], d
c=d["near_misses"][0]
assert c["version"]=="1.4.0" and 0.001 <= c["pvalue"] < 0.05 and c["change_pct"] > 0, c' || fail "trend near-miss"
"$V" analyze trend --db "$T/nm.db" --by bench_version | grep -q '^Near-misses' || fail "near-misses shown"
# --- compare: one side preempted by other tasks far more often -----------------------------
# A real run whose repetitions' p99 are made tight (histograms removed, so compare reads the
# counters: a real window's p99 on a noisy machine can form modes, which would decide first)
# and a copy at half the latency (scale_run): B's p99 is 50% lower with a tight interval.
# When A's windows record 25x the involuntary context switches per sample (as bench-verdicts'
# pair pl0, run beside a busy collector), its tail measured the machine's other load: compare
# must say unstable and why; with equal preemptions it calls the row.
SR=${VIOBENCH_BUILD:-build/default}/tools/scale_run
"$V" run -q --filter timer/read/rdtsc --min-time 0.05s -r 5 --out "$T/pre" --run-id pa >/dev/null 2>&1 ||
    fail "run for the preemption case"
rm -f "$T/pre/pa/histograms.txt"
set_preempt() { # DIR FRACTION [P99...]: invol_csw = FRACTION x samples in every measured row
    py '
import json, sys
p = sys.argv[1] + "/results.json"
d = json.load(open(p))
rows = [b for b in d["benchmarks"] if b.get("run_type") == "iteration"]
for i, b in enumerate(rows):
    b["invol_csw"] = b["samples"] * float(sys.argv[2])
    if len(sys.argv) > 3:
        b["p99_ns"] = float(sys.argv[3 + i % (len(sys.argv) - 3)])
json.dump(d, open(p, "w"))
' "$@" || fail "editing $1"
}
set_preempt "$T/pre/pa" 0.01 20 20.2 19.8 20.1 19.9
"$SR" "$T/pre/pa" "$T/pre/pb" 0.5 >/dev/null || fail "scale_run"
set_preempt "$T/pre/pb" 0.0004
"$V" analyze compare -m p99 "$T/pre/pa" "$T/pre/pb" >"$T/pre.txt" 2>&1 || { cat "$T/pre.txt"; fail "compare (preempted A)"; }
grep -Eq "^timer/read/rdtsc +p99 .* unstable +A's windows were preempted by other tasks 25x as often as B's" "$T/pre.txt" ||
    { cat "$T/pre.txt"; fail "a side preempted 25x as often must make the row unstable, with the reason"; }
set_preempt "$T/pre/pb" 0.01
# One run a side, no store: nothing measured how far runs drift apart, so nothing is called
# (two runs a few minutes apart differed by 9-15% here while each run's repetitions agreed
# within 7%: the drift must be measured, not assumed)
(cd "$T" && "$V" analyze compare -m p99 "$T/pre/pa" "$T/pre/pb") >"$T/pre2.txt" 2>&1 || fail "compare (both preempted)"
grep -Eq '^timer/read/rdtsc +p99 .* inconclusive +each side holds one run, and no other stored runs of its pairing' "$T/pre2.txt" ||
    { cat "$T/pre2.txt"; fail "one run a side without history: the row must be inconclusive, saying why"; }
grep -q '^note: each side is one run, and the store holds no other runs of its pairing' "$T/pre2.txt" ||
    { cat "$T/pre2.txt"; fail "one run a side without history: the note must say so"; }
# --fail-on-regression does not pass what it could not judge
(cd "$T" && "$V" analyze compare -m p99 --fail-on-regression "$T/pre/pa" "$T/pre/pb") >/dev/null 2>"$T/pre2.err"
[ $? -eq 1 ] || fail "--fail-on-regression passed a row it could not judge (one run a side, no history)"
grep -q "^viobench: analyze compare: --fail-on-regression: 1 row could not be judged" "$T/pre2.err" ||
    { cat "$T/pre2.err"; fail "--fail-on-regression: the reason for failing is not said"; }
grep -q '^note: each side is one run' "$T/pre.txt" &&
    { cat "$T/pre.txt"; fail "the only row is unstable: no note on run-to-run drift expected"; }
# With three earlier runs of the pairing in the store (1% apart), the runs are the unit: the
# halved p99 is called against their scatter, and the reason says so
for f in 1.0 1.01 0.99; do
    "$SR" "$T/pre/pa" "$T/pre/h$f" "$f" side=h >/dev/null || fail "scale_run $f"
done
"$V" collect --db "$T/pre.db" "$T/pre/h1.0" "$T/pre/h1.01" "$T/pre/h0.99" "$T/pre/pa" "$T/pre/pb" >/dev/null ||
    fail "collect the preemption runs"
"$V" analyze compare --db "$T/pre.db" -m p99 pa pa-x0.5 >"$T/pre3.txt" 2>&1 || { cat "$T/pre3.txt"; fail "compare (history)"; }
grep -Eq '^timer/read/rdtsc +p99 .* improved +runs as the unit \(1 and 1; a run scatters [0-9.]+%, from 3 runs of this pairing\)' "$T/pre3.txt" ||
    { cat "$T/pre3.txt"; fail "one run a side with history: a halved p99 must be called improved, naming the runs' scatter"; }
grep -q '^note: with 1 and 1 run a side, 1 row is decided with runs as the unit' "$T/pre3.txt" ||
    { cat "$T/pre3.txt"; fail "one run a side with history: the note must say the runs were the unit"; }
"$V" analyze compare --db "$T/pre.db" -m p99 pa pa-x0.5 --fail-on-regression >/dev/null 2>&1 ||
    fail "--fail-on-regression: an improvement judged against history must pass"
"$V" analyze compare --db "$T/pre.db" -m p99 pa-x0.5 pa --fail-on-regression >/dev/null 2>&1
[ $? -eq 1 ] || fail "--fail-on-regression: a doubled p99 judged against history must fail"
# ... and a 3% shift against runs that scatter about 1% is not called (a store without the
# halved copy, which would widen the scatter)
"$SR" "$T/pre/pa" "$T/pre/p3" 1.03 side=p3 >/dev/null &&
    "$V" collect --db "$T/pre3.db" "$T/pre/h1.0" "$T/pre/h1.01" "$T/pre/h0.99" "$T/pre/pa" "$T/pre/p3" >/dev/null ||
    fail "scale_run 1.03"
"$V" analyze compare --db "$T/pre3.db" -m p99 pa side=p3 --format json | py 'import json,sys
r=json.load(sys.stdin)["rows"][0]
assert abs(r["change_pct"] - 3) < 0.01 and 0 < r["run_scatter_pct"] < 2, r
assert r["verdict"] == "inconclusive" and r["runs_needed"] > 1, r' ||
    fail "one run a side with history: a 3% shift within the runs' scatter must not be called"
# Two runs a side that agree within each side (0.3%, under their repetitions' 0.5%), 10%
# apart, while five earlier runs of the pairing scatter 8%: the sides' own F-test cannot see
# the drift (the repetitions were the unit, and called -10% improved in A/A pairs of real
# runs); against the pairing's runs the change is within the drift
for f in 1.001 1.1 0.9 1.05 0.95; do "$SR" "$T/pre/pa" "$T/pre/d$f" "$f" side=h2 >/dev/null || fail "scale_run $f"; done
for f in 1.0 1.003; do "$SR" "$T/pre/pa" "$T/pre/a$f" "$f" side=a2 >/dev/null || fail "scale_run $f"; done
for f in 0.9005 0.903; do "$SR" "$T/pre/pa" "$T/pre/b$f" "$f" side=b2 >/dev/null || fail "scale_run $f"; done
"$V" collect --db "$T/pre4.db" "$T/pre/d"* "$T/pre/a1"* "$T/pre/b0"* >/dev/null || fail "collect the two-run case"
"$V" analyze compare --db "$T/pre4.db" -m p99 side=a2 side=b2 --format json | py 'import json,sys
r=json.load(sys.stdin)["rows"][0]
assert abs(r["change_pct"] + 9.85) < 0.2 and r["verdict"] == "inconclusive", r
assert r["run_scatter_pct"] > 5 and "runs of this pairing scatter" in r["reason"], r' ||
    fail "two runs a side: a 10% change within the pairing's 8% run scatter must not be called"
# without the earlier runs, the sides' own runs (2 a side: 2 degrees of freedom) are the scatter
"$V" collect --db "$T/pre5.db" "$T/pre/a1"* "$T/pre/b0"* >/dev/null || fail "collect the two-run case alone"
"$V" analyze compare --db "$T/pre5.db" -m p99 side=a2 side=b2 >"$T/pre5.txt" 2>&1 || fail "compare two runs a side"
grep -Eq '^timer/read/rdtsc +p99 .* improved +runs as the unit \(2 and 2; a run scatters [0-9.]+%, from 4 runs of this pairing\)' "$T/pre5.txt" ||
    { cat "$T/pre5.txt"; fail "two runs a side that agree: the -10% is called, with the runs as the unit"; }

# Three runs a side that agree within each side (0.2%), 8% apart, against the same five
# earlier runs that scatter 8%: the sides' own F-test (4 degrees of freedom between runs)
# sees no drift, and with the repetitions as the unit the -8% was called improved; the
# pairing's runs measure the drift, and against it the change is not resolved
for f in 1.0 1.002 0.998; do "$SR" "$T/pre/pa" "$T/pre/e$f" "$f" side=a3 >/dev/null || fail "scale_run $f"; done
for f in 0.92 0.9218 0.9182; do "$SR" "$T/pre/pa" "$T/pre/e$f" "$f" side=b3 >/dev/null || fail "scale_run $f"; done
"$V" collect --db "$T/pre6.db" "$T/pre/d"* "$T/pre/e"* >/dev/null || fail "collect the three-run case"
"$V" analyze compare --db "$T/pre6.db" -m p99 side=a3 side=b3 --format json | py 'import json,sys
r=json.load(sys.stdin)["rows"][0]
assert abs(r["change_pct"] + 8) < 0.3 and r["verdict"] == "inconclusive", r
assert r["run_scatter_pct"] > 4 and "runs of this pairing scatter" in r["reason"], r' ||
    fail "three runs a side: an 8% change within the pairing's 8% run scatter must not be called"
# without the earlier runs, the sides' own runs decide as before: the repetitions are the unit
"$V" collect --db "$T/pre7.db" "$T/pre/e"* >/dev/null || fail "collect the three-run case alone"
"$V" analyze compare --db "$T/pre7.db" -m p99 side=a3 side=b3 --format json | py 'import json,sys
r=json.load(sys.stdin)["rows"][0]
assert r["verdict"] == "improved" and r.get("run_scatter_pct") is None, r' ||
    fail "three runs a side that agree, no other runs: the -8% is called"

# --- gate --baseline decides by compare's rule, against the pairing's run-to-run drift -------
# B's two runs are 11% worse than A's, over a 5% limit, while runs of the pairing scatter 8%:
# a point value over the limit within that scatter decides nothing (the old check failed
# it; on this machine a quarter of unchanged single-run checks would fail so): UNDECIDED
"$V" analyze gate --db "$T/pre4.db" -m p99 --baseline side=b2 side=a2 >"$T/g1.txt" 2>&1
[ $? -eq 1 ] || { cat "$T/g1.txt"; fail "gate: an undecided baseline check must fail the gate"; }
grep -Eq '^UNDECIDED +timer/read/rdtsc .* p99 .* <= \+5.0% vs baseline .* baseline +change \+1[01]\.[0-9]% \[.*\]: runs of this pairing scatter [0-9.]+% \([0-9]+ runs\)' "$T/g1.txt" ||
    { cat "$T/g1.txt"; fail "gate: +10% within an 8% run scatter must be UNDECIDED, with the CI and why"; }
grep -q '^gate: 1 checks over 1 pairing: 0 within budget, 0 over, 1 undecided' "$T/g1.txt" &&
    grep -q '^note: 1 baseline check could not be decided' "$T/g1.txt" || { cat "$T/g1.txt"; fail "gate: undecided summary"; }
"$V" analyze gate --db "$T/pre4.db" -m p99 --baseline side=b2 side=a2 --allow-undecided >"$T/g2.txt" 2>&1 ||
    { cat "$T/g2.txt"; fail "gate --allow-undecided: an undecided check must not fail"; }
grep -q 'not counted as failures (--allow-undecided)' "$T/g2.txt" || { cat "$T/g2.txt"; fail "--allow-undecided note"; }
"$V" analyze gate --db "$T/pre4.db" -m p99 --baseline side=b2 side=a2 --allow-undecided --format json |
    py 'import json,sys
d=json.load(sys.stdin); c=d["checks"][0]
assert d["result"]=="PASS" and d["undecided"]==1 and d["over"]==0 and d["allow_undecided"], d
assert c["status"]=="UNDECIDED" and c["source"]=="baseline", c' || fail "gate JSON: undecided"
# One run a side against three earlier runs 1% apart: the doubled p99 fails, the halved passes
"$V" analyze gate --db "$T/pre.db" -m p99 --baseline pa-x0.5 pa >"$T/g3.txt" 2>&1
[ $? -eq 1 ] || { cat "$T/g3.txt"; fail "gate: a doubled p99 judged against history must fail"; }
grep -Eq '^FAIL +timer/read/rdtsc .* change \+100\.0% \[.*\]: runs as the unit \(1 and 1; a run scatters' "$T/g3.txt" ||
    { cat "$T/g3.txt"; fail "gate: the doubled p99's row"; }
"$V" analyze gate --db "$T/pre.db" -m p99 --baseline pa pa-x0.5 >"$T/g4.txt" 2>&1 ||
    { cat "$T/g4.txt"; fail "gate: a halved p99 judged against history must pass"; }
# ... and without any history nothing is decided: the gate fails, saying why
(cd "$T" && "$V" analyze gate -m p99 --baseline "$T/pre/pb" "$T/pre/pa") >"$T/g5.txt" 2>&1
[ $? -eq 1 ] || { cat "$T/g5.txt"; fail "gate: one run a side without history must not pass"; }
grep -Eq '^UNDECIDED .*each side holds one run, and no other stored runs of its pairing' "$T/g5.txt" ||
    { cat "$T/g5.txt"; fail "gate: one run a side without history: the reason"; }

# A change just past the limit that the table's correction leaves unresolved: compare says
# "no significant change" with enough repetitions to resolve the limit, yet +5.1% is over 5%:
# the gate must not PASS it. Three Google Benchmark files a side (5 repetitions, 4.5%
# spread), BM_x 5.1% slower on B, ten unchanged benchmarks beside it.
py '
import json, sys
z = [-1.4, -0.6, 0, 0.6, 1.4]
for side, shift in (("a", 1.0), ("b", 1.051)):
    for k in range(3):
        rows = [{"name": nm, "run_name": nm, "run_type": "iteration", "repetitions": 5,
                 "repetition_index": i, "iterations": 1000, "time_unit": "ns",
                 "real_time": 100 * (1 + 0.045 * z[i]) * (shift if nm == "BM_x" else 1),
                 "cpu_time": 100}
                for nm in ["BM_x"] + ["BM_n%d" % j for j in range(10)] for i in range(5)]
        json.dump({"context": {"date": "2026-12-0%dT0%d:00:00+00:00" % (1 + (side == "b"), k),
                               "num_cpus": 2}, "benchmarks": rows},
                  open("%s/near-%s%d.json" % (sys.argv[1], side, k), "w"))
' "$T" || fail "writing the near-limit files"
"$V" collect --db "$T/near.db" --label side=a "$T"/near-a*.json >/dev/null &&
    "$V" collect --db "$T/near.db" --label side=b "$T"/near-b*.json >/dev/null || fail "collect the near-limit files"
"$V" analyze gate --db "$T/near.db" -m real_time --baseline side=a side=b >"$T/g6.txt" 2>&1
[ $? -eq 1 ] || { cat "$T/g6.txt"; fail "gate: +5.1% past a 5% limit, unresolved, must not pass"; }
grep -Eq '^UNDECIDED +BM_x .* change \+5\.1% \[.*\]: past the limit, but not told apart from the runs. scatter' "$T/g6.txt" ||
    { cat "$T/g6.txt"; fail "gate: the near-limit row and its reason"; }
grep -q '^gate: 11 checks over 1 pairing: 10 within budget, 0 over, 1 undecided' "$T/g6.txt" ||
    { cat "$T/g6.txt"; fail "gate: the ten unchanged benchmarks pass"; }

# gate names the preemptions of a failing check (the failure may be the machine's load)
printf 'timer/read/rdtsc p99 <= 1ns\n' >"$T/pre_bud.txt"
"$V" analyze gate --budget "$T/pre_bud.txt" "$T/pre/pa" >"$T/pre_gate.txt" 2>&1
[ $? -eq 1 ] || { cat "$T/pre_gate.txt"; fail "gate of a preempted run over budget must fail"; }
grep -q 'preempted by other tasks in 1% of samples' "$T/pre_gate.txt" ||
    { cat "$T/pre_gate.txt"; fail "gate does not name the preemptions"; }
finish
