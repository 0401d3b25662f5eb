#!/bin/sh
# timer/clocksource/* end to end. On the real system: the current clocksource's row runs
# without switching anything. On a fake sysfs directory (VIOBENCH_CLOCKSOURCE_DIR): the
# others skip with the reason unless root passes --switch-clocksource; with it they run and
# the clocksource is restored afterwards, also after one Ctrl-C (the run ends early) and
# after two (the signal handler restores and exits). The real clocksource is never switched.
set -u
cd "$(dirname "$0")/../.." || exit 1
VB=${VIOBENCH:-$PWD/viobench}
command -v python3 >/dev/null || { echo "SKIP: python3 not installed"; exit 77; }
TMP=$(mktemp -d "${TMPDIR:-/tmp}/vb-cs.XXXXXX")
chmod 755 "$TMP"
trap 'rm -rf "$TMP"' EXIT
fail=0
SYS=/sys/devices/system/clocksource/clocksource0

# rows RUN_DIR: "name|skipped|switched|error" per timer/clocksource row.
rows() {
    python3 -c '
import json, sys
for b in json.load(open(sys.argv[1]))["benchmarks"]:
    if b["name"].startswith("timer/clocksource/") and b.get("run_type") == "iteration":
        i = b.get("info", {})
        print("%s|%s|%s|%s" % (b["name"], b.get("skipped", False), i.get("switched"),
                               b.get("error_message", "")))
' "$1/results.json"
}

# 1. The real system: the current clocksource is measured, nothing is switched.
if [ -r "$SYS/current_clocksource" ]; then
    cur=$(cat "$SYS/current_clocksource")
    "$VB" run -q --filter "timer/clocksource/$cur" --min-time 0.1s --out "$TMP" --run-id real \
        --format json >"$TMP/real.log" 2>&1 || { echo "FAIL: real run"; cat "$TMP/real.log"; fail=1; }
    r=$(rows "$TMP/real")
    [ "$r" = "timer/clocksource/$cur|False|False|" ] || { echo "FAIL: real row: $r"; fail=1; }
    [ "$(cat "$SYS/current_clocksource")" = "$cur" ] || { echo "FAIL: real clocksource changed"; fail=1; }
else
    echo "note: no $SYS: real-system check skipped"
fi

# 2. A fake directory.
FAKE=$TMP/cs
mkdir -p "$FAKE" && chmod 755 "$FAKE"
echo "kvm-clock tsc acpi_pm" >"$FAKE/available_clocksource"
echo kvm-clock >"$FAKE/current_clocksource"
chmod 644 "$FAKE/current_clocksource"
export VIOBENCH_CLOCKSOURCE_DIR=$FAKE

"$VB" list >"$TMP/list.log" 2>&1
for n in kvm-clock tsc acpi_pm; do
    grep -q "^timer/clocksource/$n " "$TMP/list.log" || { echo "FAIL: list lacks $n"; fail=1; }
done

"$VB" run -q --filter 'timer/clocksource/*' --min-time 0.1s --out "$TMP" --run-id noflag \
    --format json >"$TMP/noflag.log" 2>&1 || { echo "FAIL: run without the flag"; fail=1; }
rows "$TMP/noflag" >"$TMP/noflag.rows"
grep -q '^timer/clocksource/kvm-clock|False|False|$' "$TMP/noflag.rows" || { echo "FAIL: current row"; fail=1; }
for n in tsc acpi_pm; do
    grep -q "^timer/clocksource/$n|True|None|skipped: not the current clocksource (kvm-clock).*--switch-clocksource" \
        "$TMP/noflag.rows" || { echo "FAIL: $n skip reason: $(cat "$TMP/noflag.rows")"; fail=1; }
done

if [ "$(id -u)" -ne 0 ]; then
    echo "note: not root: switch checks skipped"
    [ $fail -eq 0 ] && echo "timer_clocksource: ok"
    exit $fail
fi

# Not root, with the flag: skipped because switching needs root.
mkdir -p "$TMP/nobody-out" && chmod 777 "$TMP/nobody-out"
setpriv --reuid=65534 --regid=65534 --clear-groups "$VB" run -q --filter 'timer/clocksource/tsc' \
    --switch-clocksource --min-time 0.1s --out "$TMP/nobody-out" --run-id nobody --format json \
    >"$TMP/nobody.log" 2>&1
grep -q 'needs root' "$TMP/nobody-out/nobody/results.json" 2>/dev/null || { echo "FAIL: non-root: $(cat "$TMP/nobody.log")"; fail=1; }

# Root with the flag: every row runs, switched, and the clocksource is restored.
"$VB" run -q --filter 'timer/clocksource/*' --switch-clocksource --min-time 0.1s --out "$TMP" \
    --run-id switch --format json >"$TMP/switch.log" 2>&1 || { echo "FAIL: switch run"; cat "$TMP/switch.log"; fail=1; }
rows "$TMP/switch" >"$TMP/switch.rows"
grep -q '^timer/clocksource/kvm-clock|False|False|$' "$TMP/switch.rows" || { echo "FAIL: current row"; fail=1; }
for n in tsc acpi_pm; do
    grep -q "^timer/clocksource/$n|False|True|$" "$TMP/switch.rows" || { echo "FAIL: $n: $(cat "$TMP/switch.rows")"; fail=1; }
done
[ "$(cat "$FAKE/current_clocksource")" = kvm-clock ] || { echo "FAIL: not restored after the run"; fail=1; }

# interrupt N: start a long switched window, send N SIGINTs once switched, expect 130 and
# the clocksource restored. With two, the second may land in the handler (which restores and
# exits) or after the run already restored: both must end restored. The unit test covers
# the handler path deterministically.
interrupt() {
    echo kvm-clock >"$FAKE/current_clocksource"
    "$VB" run -q --filter 'timer/clocksource/tsc' --switch-clocksource --min-time 20s \
        --out "$TMP" --run-id "int$1" --format json >"$TMP/int$1.log" 2>&1 &
    pid=$!
    i=0
    while [ "$(cat "$FAKE/current_clocksource")" != tsc ] && [ $i -lt 100 ]; do
        sleep 0.05; i=$((i + 1))
    done
    [ $i -lt 100 ] || { echo "FAIL: interrupt $1: never switched"; kill "$pid"; fail=1; return; }
    kill -INT "$pid"
    [ "$1" -eq 2 ] && kill -INT "$pid" 2>/dev/null
    wait "$pid"
    rc=$?
    [ $rc -eq 130 ] || { echo "FAIL: interrupt $1: exit $rc"; cat "$TMP/int$1.log"; fail=1; }
    [ "$(cat "$FAKE/current_clocksource")" = kvm-clock ] ||
        { echo "FAIL: interrupt $1: clocksource left at $(cat "$FAKE/current_clocksource")"; fail=1; }
}
interrupt 1
interrupt 2
[ $fail -eq 0 ] && echo "timer_clocksource: ok"
exit $fail
