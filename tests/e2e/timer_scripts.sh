#!/bin/sh
# The timer and core benchmark scripts: --help has USAGE and EXAMPLES, every bad argument is
# a usage error (exit 2) naming the option, and short real runs print their figure lines
# and end in PASS or FAIL (0 or 1), never an error. No timing is asserted (they are noisy);
# compare-cyclictest's medians are recomputed from its kept histograms.
set -u
cd "$(dirname "$0")/../.." || exit 1
TMP=$(mktemp -d "${TMPDIR:-/tmp}/vb-scripts.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
fail=0
PY=/usr/bin/python3

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
        # the printed medians are the interpolated 1 us bucket medians, recomputed here from
        # the kept files: cyclictest's histogram, and viobench's within 1 us of its exact p50;
        # round 2 ran viobench first
        $PY - "$TMP/cmp" "$TMP/cmp.log" <<'PYEOF' || fail=1
import json, os, re, sys
d, log = sys.argv[1], open(sys.argv[2]).read()
bins, over = {}, 0
for line in open(os.path.join(d, "ct-1.hist")):
    m = re.match(r"^# Histogram Overflows:\s*(\d+)", line)
    over = int(m.group(1)) if m else over
    m = re.match(r"^(\d+)\s+(\d+)", line)
    if m and int(m.group(2)):
        bins[int(m.group(1))] = int(m.group(2))
half, seen = (sum(bins.values()) + over) / 2.0, 0
for us in sorted(bins):
    if seen + bins[us] >= half:
        want = us + (half - seen) / bins[us]
        break
    seen += bins[us]
row = re.search(r"^1\s+([\d.]+) us\s+([\d.]+) us\s+([\d.]+)\s+([\d.]+) us", log, re.M)
bad = []
if not row:
    bad.append("no round 1 row")
else:
    ct, vb, ratio, exact = (float(x) for x in row.groups())
    if abs(ct - want) > 0.011:
        bad.append("cyclictest median %.2f us, recomputed %.3f us" % (ct, want))
    if abs(vb - exact) > 1.0:
        bad.append("viobench binned median %.2f us vs exact p50 %.2f us" % (vb, exact))
    if abs(ratio - vb / ct) > 0.002:
        bad.append("ratio %.3f is not %.2f / %.2f" % (ratio, vb, ct))
if os.path.getmtime(os.path.join(d, "vb-2", "results.json")) > os.path.getmtime(os.path.join(d, "ct-2.hist")):
    bad.append("round 2 did not run viobench first")
for b in bad:
    print("FAIL: compare-cyclictest:", b)
sys.exit(1 if bad else 0)
PYEOF
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
