#!/bin/sh
# timer/wake/* end to end: `viobench run` writes one row per wake method with samples,
# non-negative lateness and the settings used in "info"; --interval reaches the kernels;
# --rt-priority 50 runs them under SCHED_FIFO where allowed (root) or skips each with the
# reason (checked for real by dropping root to nobody); out-of-range --rt-priority and --interval are usage errors naming the option.
set -u
cd "$(dirname "$0")/../.." || exit 1
VB=${VIOBENCH:-$PWD/viobench}
command -v python3 >/dev/null || { echo "SKIP: python3 not installed"; exit 77; }
TMP=$(mktemp -d "${TMPDIR:-/tmp}/vb-wake.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
fail=0

# check RUN_DIR POLICY INTERVAL_NS: every timer/wake row ran with these settings.
check() {
    python3 - "$1/results.json" "$2" "$3" <<'PY' || fail=1
import json, sys
path, policy, interval = sys.argv[1], sys.argv[2], float(sys.argv[3])
rows = [b for b in json.load(open(path))["benchmarks"]
        if b["name"].startswith("timer/wake/") and b.get("run_type") == "iteration"]
names = sorted(b["name"] for b in rows)
want = sorted("timer/wake/" + m for m in ("clock_nanosleep", "nanosleep", "timerfd", "epoll"))
bad = []
if names != want:
    bad.append("rows %s, want %s" % (names, want))
for b in rows:
    n, i = b["name"], b.get("info", {})
    if b.get("error_occurred"):
        bad.append("%s: error %s" % (n, b.get("error_message")))
        continue
    if not b.get("samples", 0) >= 1 or b["iterations"] != b["samples"]:
        bad.append("%s: samples %s iterations %s" % (n, b.get("samples"), b["iterations"]))
    if b["min_ns"] < 0 or b["p50_ns"] < b["min_ns"] or b["max_ns"] < b["p99_ns"]:
        bad.append("%s: implausible min/p50/p99/max" % n)
    if i.get("mode") != "latency" or i.get("clock") != "CLOCK_MONOTONIC":
        bad.append("%s: info mode/clock %s" % (n, i))
    if i.get("interval_ns") != interval:
        bad.append("%s: interval_ns %s" % (n, i.get("interval_ns")))
    if i.get("sched_policy") != policy:
        bad.append("%s: sched_policy %s, want %s" % (n, i.get("sched_policy"), policy))
    if policy == "SCHED_FIFO" and i.get("rt_priority") != 50:
        bad.append("%s: rt_priority %s" % (n, i.get("rt_priority")))
    if policy != "SCHED_FIFO" and i.get("timer_slack_ns") != 1:
        bad.append("%s: timer_slack_ns %s" % (n, i.get("timer_slack_ns")))
    if "memory_locked" not in i or i.get("early_wakeups") != 0:
        bad.append("%s: memory_locked/early_wakeups %s" % (n, i))
for m in bad:
    print("FAIL:", m)
sys.exit(1 if bad else 0)
PY
}

"$VB" run -q --filter 'timer/wake/*' --min-time 0.2s --out "$TMP" --run-id plain \
    --format json >"$TMP/plain.log" 2>&1 || { echo "FAIL: plain run"; cat "$TMP/plain.log"; fail=1; }
check "$TMP/plain" SCHED_OTHER 1000000

"$VB" run -q --filter 'timer/wake/*' --min-time 0.2s --interval 2ms --out "$TMP" \
    --run-id interval --format json >"$TMP/interval.log" 2>&1 || { echo "FAIL: --interval run"; fail=1; }
check "$TMP/interval" SCHED_OTHER 2000000
python3 -c '
import json, sys
for b in json.load(open(sys.argv[1]))["benchmarks"]:
    if b["name"] == "timer/wake/epoll" and b["info"].get("timeout_ms") != 2:
        sys.exit("FAIL: epoll timeout_ms %s with --interval 2ms" % b["info"].get("timeout_ms"))
' "$TMP/interval/results.json" || fail=1

"$VB" run -q --filter 'timer/wake/*' --min-time 0.2s --rt-priority 50 --out "$TMP" \
    --run-id rt --format json >"$TMP/rt.log" 2>&1
rc=$?
if grep -q 'SCHED_FIFO priority 50 refused' "$TMP/rt/results.json" 2>/dev/null; then
    [ "$(id -u)" -eq 0 ] && echo "note: root was refused SCHED_FIFO here (no RT bandwidth?)"
    [ $rc -eq 0 ] || { echo "FAIL: a skipped --rt-priority run exits $rc"; fail=1; }
    n=$(grep -o '"skipped": true' "$TMP/rt/results.json" | wc -l)
    [ "$n" -eq 4 ] || { echo "FAIL: $n rows skipped, want 4"; fail=1; }
else
    [ $rc -eq 0 ] || { echo "FAIL: --rt-priority run exit $rc"; cat "$TMP/rt.log"; fail=1; }
    check "$TMP/rt" SCHED_FIFO 1000000
fi

# Without the privilege (root drops to nobody), --rt-priority skips each row with the reason.
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
    mkdir -p "$TMP/nobody" && chmod 777 "$TMP" "$TMP/nobody"
    setpriv --reuid=65534 --regid=65534 --clear-groups "$VB" run -q --filter 'timer/wake/*' \
        --min-time 0.1s --rt-priority 50 --out "$TMP/nobody" --run-id rt --format json \
        >"$TMP/nobody.log" 2>&1
    rc=$?
    n=$(grep -c '"error_message": "skipped: SCHED_FIFO priority 50 refused: Operation not permitted' \
        "$TMP/nobody/rt/results.json" 2>/dev/null)
    if [ $rc -ne 0 ] || [ "${n:-0}" -ne 4 ]; then
        echo "FAIL: non-root --rt-priority: exit $rc, $n skip rows (want 0 and 4)"
        cat "$TMP/nobody.log"; fail=1
    fi
fi

# Usage errors name the option and exit 2.
for bad in "--rt-priority 100" "--interval 500ns" "--interval 11s"; do
    # shellcheck disable=SC2086
    "$VB" run -q --filter 'timer/wake/*' $bad --out "$TMP" >"$TMP/bad.log" 2>&1
    rc=$?
    opt=${bad%% *}
    if [ $rc -ne 2 ] || ! grep -q -- "$opt" "$TMP/bad.log"; then
        echo "FAIL: '$bad' exit $rc (want 2), message: $(cat "$TMP/bad.log")"; fail=1
    fi
done
[ $fail -eq 0 ] && echo "timer_wake: ok"
exit $fail
