#!/bin/sh
# scripts/compare-fio in miniature: one short round per configuration produces the ratio
# table and PASS/FAIL goal lines (their values are not judged here: performance is not a
# test), fio's JSON next to viobench's run directory, a summary.json, and removes its test
# file; `viobench collect` stores both tools' runs of every round. Bad arguments are one-line
# errors with exit status 2.
. "$(dirname "$0")/lib.sh"

command -v fio >/dev/null || skip "fio not installed"
C=scripts/compare-fio
O=$T/cmp
$C --rounds 1 --runtime 0.3s --warmup 0.1s --size 16m --configs randread:4k:1,randwrite:4k:32 \
    --no-quick-suite --viobench "$VIOBENCH" --out "$O" >"$T/out" 2>"$T/err"
rc=$?
[ $rc -eq 0 ] || [ $rc -eq 1 ] || fail "compare-fio exited $rc: $(cat "$T/err")"
grep -q '^round 1 randread-4k-qd1 .*viobench .*IOPS.* fio ' "$T/out" || fail "no round line: $(cat "$T/out" "$T/err")"
grep -q '^randwrite-4k-qd32 ' "$T/out" || fail "no ratio row for randwrite-4k-qd32"
# the goals: QD1 for randread, and IOPS, p50 and CPU per I/O for every QD32 configuration
for g in '4k randread QD1 p50 latency ratio <= 1.00' 'randwrite-4k-qd32 IOPS ratio >= 1.00' \
    'randwrite-4k-qd32 p50 latency ratio <= 1.00' 'randwrite-4k-qd32 CPU per I/O ratio <= 0.70'; do
    grep -Eq "^(PASS|FAIL)  $g" "$T/out" || fail "no goal line '$g': $(cat "$T/out")"
done
for c in randread-4k-qd1 randwrite-4k-qd32; do
    [ -s "$O/round1/$c/fio.json" ] || fail "$c: no fio.json"
    ls "$O/round1/$c"/viobench-*-r1-$c/results.json >/dev/null 2>&1 || fail "$c: no viobench run directory"
done
$PY -c 'import json,sys; s=json.load(open(sys.argv[1])); assert s["goals"] and s["configs"]["randread-4k-qd1"]["medians"]["iops"] > 0, s' \
    "$O/summary.json" || fail "summary.json"
[ -z "$(find "$O" -name testfile)" ] || fail "test file left behind"
# the collector takes every round of both tools
"$VIOBENCH" collect --db "$T/c.db" "$O"/round* >"$T/collect" 2>&1 || fail "collect of the comparison: $(cat "$T/collect")"
grep -q "4 runs stored" "$T/collect" || fail "expected 4 runs stored: $(cat "$T/collect")"

expect_error 2 "compare-fio: --configs: 'foo' is not PATTERN:BS:QD" $C --configs foo
expect_error 2 "compare-fio: --configs: 'randread:4k:0': queue depth must be 1-128" $C --configs randread:4k:0
expect_error 2 "compare-fio: bad size '0'" $C --size 0
expect_error 2 "compare-fio: bad duration 'soon'" $C --runtime soon
expect_error 2 "compare-fio: --rounds: 0 is out of range" $C --rounds 0
finish
