#!/bin/sh
# The timer and core benchmark scripts: --help has USAGE and EXAMPLES, every bad argument is
# a usage error (exit 2) naming the option, and short real runs print their figure lines
# and end in PASS or FAIL (0 or 1), never an error. No figure is asserted: timings are noisy.
set -u
cd "$(dirname "$0")/../.." || exit 1
TMP=$(mktemp -d "${TMPDIR:-/tmp}/vb-scripts.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
fail=0

for s in compare-cyclictest bench-core; do
    out=$(scripts/$s --help 2>&1) || { echo "FAIL: $s --help exit $?"; fail=1; }
    for w in USAGE OPTIONS EXAMPLES; do
        echo "$out" | grep -q "^$w" || { echo "FAIL: $s --help lacks $w"; fail=1; }
    done
done

# bad SCRIPT WORD ARGS...: exit 2 with a message containing WORD.
bad() {
    s=$1 word=$2
    shift 2
    scripts/$s "$@" >"$TMP/bad.log" 2>&1
    rc=$?
    if [ $rc -ne 2 ] || ! grep -q -- "$word" "$TMP/bad.log"; then
        echo "FAIL: $s $*: exit $rc (want 2), output: $(cat "$TMP/bad.log")"; fail=1
    fi
}
bad compare-cyclictest --rounds --rounds 0
bad compare-cyclictest --rounds --rounds
bad compare-cyclictest --duration --duration abc
bad compare-cyclictest --duration --duration 5ms
bad compare-cyclictest --interval --interval 1.5us
bad compare-cyclictest --interval --interval 20s
bad compare-cyclictest --rt-priority --rt-priority 100
bad compare-cyclictest --cpu --cpu one
bad compare-cyclictest "unknown argument" --bogus
bad bench-core --figures --figures hist,bogus
bad bench-core --figures --figures ,
bad bench-core --rounds --rounds 0
bad bench-core --round-time --round-time 5ms
bad bench-core "unknown argument" --bogus

if command -v cyclictest >/dev/null; then
    scripts/compare-cyclictest --rounds 2 --duration 0.2s --keep "$TMP/cmp" >"$TMP/cmp.log" 2>&1
    rc=$?
    if [ $rc -eq 77 ]; then
        echo "note: compare-cyclictest skipped: $(grep -m1 '^SKIP' "$TMP/cmp.log")"
        [ "$(id -u)" -ne 0 ] || { echo "FAIL: compare-cyclictest skipped as root"; fail=1; }
    elif [ $rc -gt 1 ]; then
        echo "FAIL: compare-cyclictest exit $rc"; cat "$TMP/cmp.log"; fail=1
    else
        for pat in '^1 .* us .* us ' '^2 .* us .* us ' '^median ' '^(PASS|FAIL): viobench/cyclictest'; do
            grep -Eq "$pat" "$TMP/cmp.log" || { echo "FAIL: compare-cyclictest output lacks /$pat/"; cat "$TMP/cmp.log"; fail=1; }
        done
        [ -f "$TMP/cmp/ct-2.hist" ] && [ -f "$TMP/cmp/vb-2/results.json" ] ||
            { echo "FAIL: --keep did not keep the raw outputs"; fail=1; }
    fi
else
    echo "note: cyclictest not installed: compare-cyclictest run skipped"
fi

scripts/bench-core --no-build --figures hist,cpuid --rounds 3 --round-time 50ms >"$TMP/core.log" 2>&1
rc=$?
if [ $rc -gt 1 ]; then
    echo "FAIL: bench-core exit $rc"; cat "$TMP/core.log"; fail=1
else
    grep -Eq '^histogram record \(hist_record\) +[0-9.]+ ns +<= 5 ns +(PASS|FAIL)' "$TMP/core.log" ||
        { echo "FAIL: no histogram figure"; cat "$TMP/core.log"; fail=1; }
    grep -Eq '^exit/cpuid/leaf:0x0 / inline CPUID loop +[0-9.]+ +within 2% +(PASS|FAIL)' "$TMP/core.log" ||
        { echo "FAIL: no cpuid figure"; cat "$TMP/core.log"; fail=1; }
fi
[ $fail -eq 0 ] && echo "timer_scripts: ok"
exit $fail
