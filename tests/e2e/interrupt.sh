#!/bin/sh
# Interrupted runs keep what they measured. Ctrl-C: the run stops after the current window,
# writes what completed with "complete": false and exits 130. SIGTERM (timeout, systemd, CI)
# does the same with status 143, and a repeated SIGTERM (timeout signals the child, then its
# whole process group) is not a second interrupt. Rows an interrupt left short of their
# repetitions say so. Without a terminal, one progress line per finished window goes to
# stderr; --quiet silences it.
. "$(dirname "$0")/lib.sh"

# check DIR MINROWS MAXROWS [REPS]: complete false, MINROWS..MAXROWS measured rows; with
# REPS, rows of a kernel with fewer than REPS repetitions carry incomplete/repetitions_done.
check() {
    $PY - "$@" <<'PYEOF' || FAILED=1
import json, sys
d, lo, hi = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
reps = int(sys.argv[4]) if len(sys.argv) > 4 else 1
ctx = json.load(open(d + "/context.json"))
res = json.load(open(d + "/results.json"))
ok = True
if ctx["complete"] is not False:
    print("FAIL: %s: context.json complete is" % d, ctx["complete"]); ok = False
rows = [r for r in res["benchmarks"] if not r.get("error_occurred") and r["run_type"] == "iteration"]
if not lo <= len(rows) <= hi:
    print("FAIL: %s: expected %d..%d rows, got %d" % (d, lo, hi, len(rows))); ok = False
failed = [r["name"] for r in res["benchmarks"] if r.get("error_occurred") and not r.get("skipped")]
if failed:
    print("FAIL: %s: the interrupt made rows fail:" % d, failed); ok = False
count = {}
for r in rows:
    count[r["run_name"]] = count.get(r["run_name"], 0) + 1
    if r["iterations"] <= 0:
        print("FAIL: empty row", r["name"]); ok = False
for r in rows:
    info = r.get("info", {})
    short = count[r["run_name"]] < reps
    if short and (info.get("incomplete") is not True or info.get("repetitions_done") != count[r["run_name"]]):
        print("FAIL: %s: %s is short of its repetitions but not marked: %s" % (d, r["name"], info)); ok = False
    if not short and "incomplete" in info:
        print("FAIL: %s: %s marked incomplete with all repetitions" % (d, r["name"])); ok = False
if reps > 1 and not any(c < reps for c in count.values()):
    print("FAIL: %s: no kernel was short of its repetitions (test too slow?)" % d); ok = False
sys.exit(0 if ok else 1)
PYEOF
}

# Ctrl-C, quiet: nothing but the final message on stderr.
"$VIOBENCH" run --filter 'timer/read/*,exit/syscall' --min-time 0.4s --out "$T" --run-id i1 \
    --quiet >"$T/out" 2>"$T/err" &
pid=$!
sleep 1.5
kill -INT $pid
wait $pid
rc=$?
[ $rc -eq 130 ] || fail "interrupted run exited $rc, expected 130"
check "$T/i1" 1 7
grep -q "interrupted; partial results in" "$T/err" || fail "no partial-results message"
[ "$(wc -l <"$T/err")" -eq 1 ] || fail "--quiet printed more than the final line: $(cat "$T/err")"

# SIGTERM through timeout(1), which signals the run and then its process group: the run is
# not lost, exits 143 (timeout --preserve-status passes it on), rows short of repetitions
# are marked in the files and the table, and each finished window logged one line.
timeout --preserve-status 2 "$VIOBENCH" run --filter 'timer/read/*,exit/syscall' \
    --min-time 0.4s --repetitions 2 --out "$T" --run-id t1 >"$T/out" 2>"$T/err"
rc=$?
[ $rc -eq 143 ] || fail "SIGTERM (timeout) run exited $rc, expected 143: $(cat "$T/err")"
check "$T/t1" 1 7 2
grep -q "interrupted again" "$T/err" && fail "a repeated SIGTERM was taken as a second interrupt"
grep -q "INCOMPLETE 1/2 reps" "$T/out" || fail "no INCOMPLETE marker in the table: $(cat "$T/out")"
n=$(grep -Ec '^viobench: \[[0-9]+/16\] rep 1/2 [a-z/_]+: p50 [0-9.]+ [nu]s \(.* elapsed, ~.* left\)$' "$T/err")
[ "$n" -ge 1 ] || fail "no progress line per finished window without a terminal: $(cat "$T/err")"

# Three SIGTERMs in a row while a network kernel (and the run's own peer) is measuring: one
# interrupt, cleanup done (the peer is gone), the windows before it written.
"$VIOBENCH" run --filter 'exit/syscall,net/udp_rr/size:64' --min-time 1s --out "$T" \
    --run-id t2 >"$T/out2" 2>"$T/err2" &
pid=$!
sleep 2.2
kill -TERM $pid
kill -TERM $pid
kill -TERM $pid
wait $pid
rc=$?
[ $rc -eq 143 ] || fail "three SIGTERMs: exited $rc, expected 143: $(cat "$T/err2")"
check "$T/t2" 1 1
grep -q "interrupted again" "$T/err2" && fail "a repeated SIGTERM was taken as a second interrupt"
peer=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["kernel_context"]["network"]["peer"]["pid"])' \
    "$T/t2/context.json") || fail "no peer pid in context.json"
[ -n "$peer" ] && kill -0 "$peer" 2>/dev/null && fail "the run's peer (pid $peer) outlived the run"

# (SIGTERM then Ctrl-C, signal by signal: tests/unit/test_interrupt.c.)
finish
