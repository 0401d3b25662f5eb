#!/bin/sh
# Google Benchmark's own compare.py (Debian libbenchmark-tools, run with Debian's python3)
# accepts two viobench results.json and prints its comparison, with the Mann-Whitney U-test
# rows since each side has 3 repetitions.
. "$(dirname "$0")/lib.sh"
CMP=/usr/share/benchmark/compare.py
[ -f $CMP ] || skip "compare.py not installed (apt-get install libbenchmark-tools)"
$PY -c 'import scipy' 2>/dev/null || skip "python3-scipy not installed"

for side in a b; do
    "$VIOBENCH" run --filter 'timer/read/monotonic,exit/syscall' --repetitions 3 --min-time 0.05s \
        --out "$T" --run-id $side --quiet --format json >/dev/null 2>"$T/$side.err" ||
        fail "run $side: $(cat "$T/$side.err")"
done
$PY $CMP --no-color benchmarks "$T/a/results.json" "$T/b/results.json" >"$T/cmp" 2>"$T/cmp.err"
rc=$?
[ $rc -eq 0 ] || fail "compare.py exited $rc: $(tail -3 "$T/cmp.err")"
grep -q 'Comparing' "$T/cmp" || fail "no comparison header"
for b in timer/read/monotonic exit/syscall; do
    grep -q "^$b " "$T/cmp" || fail "no row for $b"
    grep -q "^${b}_pvalue " "$T/cmp" || fail "no U-test row for $b"
    grep -q "^${b}_median " "$T/cmp" || fail "no median aggregate row for $b"
done
grep -q 'OVERALL_GEOMEAN' "$T/cmp" || fail "no geomean row"
[ $FAILED -eq 0 ] || cat "$T/cmp"
finish
