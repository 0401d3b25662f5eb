#!/bin/sh
# Ctrl-C during a run: the run stops after the current window, writes what completed with
# "complete": false, and exits 130; a second signal exits at once.
. "$(dirname "$0")/lib.sh"

"$VIOBENCH" run --filter 'timer/read/*,exit/syscall' --min-time 0.4s --out "$T" --run-id i1 \
    --quiet >"$T/out" 2>"$T/err" &
pid=$!
sleep 1.5
kill -INT $pid
wait $pid
rc=$?
[ $rc -eq 130 ] || fail "interrupted run exited $rc, expected 130"
$PY - "$T/i1" <<'PYEOF' || FAILED=1
import json, sys
d = sys.argv[1]
ctx = json.load(open(d + "/context.json"))
res = json.load(open(d + "/results.json"))
ok = True
if ctx["complete"] is not False:
    print("FAIL: context.json complete is", ctx["complete"]); ok = False
rows = [r for r in res["benchmarks"] if not r.get("error_occurred")]
if not 1 <= len(rows) < 8:
    print("FAIL: expected some but not all rows, got", len(rows)); ok = False
for r in rows:
    if r["iterations"] <= 0:
        print("FAIL: empty row", r["name"]); ok = False
sys.exit(0 if ok else 1)
PYEOF
grep -q "interrupted; partial results in" "$T/err" || fail "no partial-results message"
finish
