#!/bin/sh
# Numbers from outside (issue 15, part 3): run directories and fio JSON whose numbers are
# impossible are rejected as bad input naming the file (and for histograms.txt the line),
# so `--keep-going` goes on and stores the good runs after them: min=nan, bucket counts
# that wrap uint64, a "negative" underflow, sumsq < 0, an empty and a cut histograms.txt,
# "threads": 1e300, a fio timestamp_ms of 1e300. Loaders stay linear: a row with 100,000
# counters and fio JSON with 40,000 jobs of one name are stored within a bound that the
# quadratic loaders (10.6 s and 31.6 s) missed by far.
. "$(dirname "$0")/lib.sh"
B=${VIOBENCH_BUILD:-build/default}
GEN=$B/tools/gen_runs
[ -x "$GEN" ] || skip "$GEN not built (make tools)"
[ -x "$PY" ] || skip "$PY not installed"
command -v timeout >/dev/null || skip "timeout not installed"
V=$VIOBENCH

"$GEN" "$T/in" 10 2 >/dev/null || fail "gen_runs"
F=tests/fixtures/collect/fio-write-json.json
"$PY" tests/tools/hostile_numbers.py "$T/in" "$F" "$T" || fail "making the hostile inputs"

timeout 60 "$V" collect --keep-going --db "$T/db" "$T/in" >"$T/out" 2>"$T/err"
rc=$?
[ $rc -eq 1 ] || fail "collect --keep-going exited $rc, want 1: $(cat "$T/err")"
grep -q "3 runs stored" "$T/out" || fail "good runs not all stored: $(cat "$T/out")"
grep -q "7 rejected" "$T/out" || fail "not 7 rejected: $(cat "$T/out")"
grep -q "store failure" "$T/out" "$T/err" && fail "bad input reported as a store failure"
want() {
    grep -Eq "run-00000$1/$2" "$T/out" || fail "run $1: no rejection matching /$2/: $(cat "$T/out")"
}
want 0 'histograms.txt: line 2: .*finite'
want 1 'histograms.txt: line 3: bucket counts overflow 64 bits'
want 2 'histograms.txt: line 2: .*count is not a non-negative integer'
want 3 'histograms.txt: line 2: .*negative sumsq'
want 4 "histograms.txt: no histogram for benchmark row 'synth/bench000'"
want 5 "histograms.txt: no histogram for benchmark row 'synth/bench001'"
want 6 'results.json: benchmarks\[0\]: "threads" is not an integer'
n=$("$V" collect ls --db "$T/db" | tail -1)
[ "$n" = "3 runs" ] || fail "store has '$n', want 3 runs"

# 100,000 counters in one row: stored, in linear time (the quadratic reader took 10.6 s).
start=$(date +%s)
timeout 20 "$V" collect --db "$T/db7" "$T/in/run-000007" >"$T/out" 2>"$T/err" ||
    fail "100k counters: exit $?: $(cat "$T/err")"
echo "100k counters: $(($(date +%s) - start)) s"

# fio: a timestamp of 1e300 is refused; 40,000 jobs of one name are linear (were 31.6 s).
expect_error 1 "fio-ts.json: \"timestamp_ms\" is not a time between 1970 and 9999" \
    "$V" collect --db "$T/dbf" "$T/fio-ts.json"
start=$(date +%s)
timeout 20 "$V" collect --db "$T/dbf" "$T/fio-40k.json" >"$T/out" 2>"$T/err" ||
    fail "fio 40,000 jobs: exit $?: $(cat "$T/err")"
echo "fio 40,000 jobs: $(($(date +%s) - start)) s"
grep -q "1 run stored" "$T/out" || fail "fio 40,000 jobs: $(cat "$T/out")"
finish
