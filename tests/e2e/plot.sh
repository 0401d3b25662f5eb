#!/bin/sh
# `viobench analyze plot` draws what it says (about 5 s): lines split by -g KEY or per input
# (two teams measured on one pairing are two lines, not one), the legend outside the data,
# tick labels in units chosen per value, a log y axis when a trend mixes scales (the storage
# sweep's 50 us next to 800 us) and a linear one for one narrow series, change points in
# their series' colour and in the legend, titles that say whether any were found, the knee
# ringed on capacity with the budget line, long titles wrapped; an option a plot does not
# use is refused with one line. Asserts on the gnuplot scripts the command keeps.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/e2e/lib.sh
B=${VIOBENCH_BUILD:-build/default}
for t in gen_sweep gen_trend; do
    [ -x "$B/tools/$t" ] || skip "$B/tools/$t not built (make tools)"
done
V=$VIOBENCH

# --- refused options (no gnuplot needed) --------------------------------------------------
expect_error 2 "plot percentiles: --by does not apply to this plot \(only to trend\)" \
    "$V" analyze plot percentiles -b x --by kernel
expect_error 2 "plot trend: --p99-budget does not apply to this plot \(only to capacity\)" \
    "$V" analyze plot trend --by kernel --p99-budget 1ms
expect_error 2 "plot capacity: --group does not apply" "$V" analyze plot capacity -g kernel
expect_error 2 "plot capacity: --per-input does not apply" "$V" analyze plot capacity --per-input
expect_error 2 "plot distribution: --pvalue does not apply" "$V" analyze plot distribution -b x --pvalue 0.01
expect_error 2 "plot percentiles: --metric does not apply" "$V" analyze plot percentiles -b x -m p99
expect_error 2 "percentiles: --group and --per-input both choose the lines" "$V" analyze plot percentiles -b x -g a --per-input
expect_error 2 "plot percentiles: --per-input needs inputs" "$V" analyze plot percentiles -b x --per-input
command -v gnuplot >/dev/null || { [ "$FAILED" -eq 0 ] || finish; skip "gnuplot not installed (scripts/setup installs gnuplot-nox)"; }

# --- inputs: two teams on one pairing, kernels over four runs, a trend with a shift ------
for i in 1 2 3 4; do
    "$B/tools/gen_sweep" "$T/a/r$i" kvm 8 50 $((10 + i)) >/dev/null || fail "gen_sweep a"
done
"$B/tools/gen_sweep" "$T/b/r1" kvm 8 65 31 >/dev/null || fail "gen_sweep b"
DB=$T/s.db
"$V" collect --db "$DB" --label team=a "$T/a/r1" >/dev/null || fail "collect a"
"$V" collect --db "$DB" --label team=b "$T/b/r1" >/dev/null || fail "collect b"
KDB=$T/k.db
for i in 1 2 3 4; do
    "$V" collect --db "$KDB" --label "kernel=6.1.$i" "$T/a/r$i" >/dev/null || fail "collect kernel $i"
done
TDB=$T/t.db
"$B/tools/gen_trend" "$TDB" 150 2 5 >/dev/null || fail "gen_trend"
P=$T/p
Q=storage/uring/randread/bs:4k/qd:8
series() { grep -c "index [0-9]* using" "$1"; }

# --- percentiles and distribution: lines per -g key or per input ------------------------
"$V" analyze plot percentiles --db "$DB" -b $Q --out "$P" --name one >/dev/null || fail "percentiles"
[ "$(series "$P/one.gp")" -eq 1 ] || fail "one pairing identity: not one line"
"$V" analyze plot percentiles --db "$DB" -b $Q -g team --out "$P" --name team >/dev/null || fail "percentiles -g"
[ "$(series "$P/team.gp")" -eq 2 ] || fail "-g team: not two lines"
grep -q 'title "team=a"' "$P/team.gp" && grep -q 'title "team=b"' "$P/team.gp" || fail "-g team: legend entries"
grep -q "set logscale y" "$P/team.gp" && grep -q "set format y '%.0s %cs'" "$P/team.gp" ||
    fail "percentiles: log latency axis with units per value"
grep -q "set key outside right" "$P/team.gp" || fail "legend not outside the data"
"$V" analyze plot distribution -b $Q --per-input "$T/a/r1" "$T/b/r1" --out "$P" --name dist >/dev/null || fail "distribution --per-input"
[ "$(series "$P/dist.gp")" -eq 2 ] || fail "--per-input: not one line per input"
grep -q "title \"$T/a/r1\"" "$P/dist.gp" || fail "--per-input: the input is not the legend entry"
grep -q "set logscale x" "$P/dist.gp" && grep -q "set logscale y" "$P/dist.gp" || fail "distribution: log on both axes"

# --- trend: log axis for mixed scales, change points true to the data -------------------
"$V" analyze plot trend --db "$KDB" --by kernel --out "$P" --name mixed >/dev/null 2>&1 || fail "trend mixed"
grep -q "set logscale y" "$P/mixed.gp" || fail "trend of 50 us and 800 us series: no log axis"
grep -q '(no change point found)' "$P/mixed.gp" || fail "trend without change points: title"
grep -q 'dashed: change points' "$P/mixed.gp" && fail "title claims change points that are not drawn"
"$V" analyze plot trend --db "$KDB" --by kernel -b $Q --out "$P" --name narrow >/dev/null || fail "trend narrow"
grep -q "set logscale y" "$P/narrow.gp" && fail "one narrow series drawn on a log axis"
grep -q "set format y '%.2s %cs'" "$P/narrow.gp" || fail "trend: units per value, decimals for a narrow band"
"$V" analyze plot trend --db "$TDB" --by kernel -b 'synth/series000' --out "$P" --name cp --pvalue 0.001 >/dev/null || fail "trend --pvalue"
grep -q 'dashed: change points' "$P/cp.gp" || fail "trend with a change point: title"
grep -q 'NaN with lines dt 2 lw 1.5 lc 1 title "change point: +[0-9.]*% at 6.1.0-amd64"' "$P/cp.gp" ||
    fail "change point not in the legend in its series' colour"
grep -q 'set arrow from .* dt 2 lw 1.5 lc 1$' "$P/cp.gp" || fail "change point line not in its series' colour"
"$V" analyze plot trend --db "$TDB" --by kernel -b 'synth/series000' --out "$P" --name cp2 --pvalue 1e-300 >/dev/null || fail "trend --pvalue tiny"
grep -q 'no change point found' "$P/cp2.gp" || fail "--pvalue is not used"
expect_error 2 "trend: --pvalue: 'x' is not a probability" "$V" analyze plot trend --db "$TDB" --by kernel --pvalue x

# --- capacity: the knee ringed, the budget drawn, a long title wrapped ------------------
"$V" analyze plot capacity --db "$DB" -b 'storage/*' --p99-budget 2ms --out "$P" >/dev/null || fail "capacity"
grep -q "^set label '' at first .* point lt 1 pt 6" "$P/capacity.gp" || fail "capacity: knee not ringed"
grep -q 'title "knee: qd [0-9]*, ' "$P/capacity.gp" || fail "capacity: knee not in the legend"
grep -q "p99 budget 2 ms" "$P/capacity.gp" || fail "capacity: budget not drawn"
grep -q "set format x '%.0s%c/s'" "$P/capacity.gp" || fail "capacity: throughput units per value"
grep '^set title' "$P/capacity.gp" | grep -q '\\n' || fail "capacity: long title not wrapped"
finish
