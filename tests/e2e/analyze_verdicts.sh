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

# --- matrix rows are the identity's hypervisor -------------------------------------------
"$V" analyze matrix --db "$DB" -b exit/syscall --budget "$T/bud.txt" >"$T/mx.txt" 2>&1
[ $? -eq 1 ] || { cat "$T/mx.txt"; fail "matrix with the hyperv budget must fail"; }
grep -Eq '^hyperv .*FAIL' "$T/mx.txt" && grep -Eq '^kvm .*PASS' "$T/mx.txt" ||
    { cat "$T/mx.txt"; fail "matrix rows by labelled host"; }
finish
