#!/bin/sh
# What changes a kernel's result is recorded from the run's option table (issue 12): every
# result-changing option in context.json's options and in each row's info.options, those set
# apart from their defaults in result_options; `collect ls` shows them; re-collecting a run
# with a new --label says that the stored run keeps its labels.
. "$(dirname "$0")/lib.sh"
V=$VIOBENCH
DB=$T/s.db

"$V" run exit/syscall --min-time 0.1s --out "$T" --run-id plain --quiet --format json \
    >/dev/null 2>&1 || fail "plain run"
"$V" run exit/syscall --min-time 0.1s --cpu 1 --rate 500/s --placement same-cpu --busy-poll 50us \
    --net-io epoll --interval 2ms --out "$T" --run-id tuned --quiet --format json \
    >/dev/null 2>&1 || fail "tuned run"
$PY - "$T" <<'PYEOF' || FAILED=1
import json, sys
T = sys.argv[1]
ok = True
def bad(*a):
    global ok
    print("FAIL:", *a); ok = False
keys = ["min_time_s", "warmup_s", "cpu", "timer", "interval_s", "rt_priority",
        "switch_clocksource", "target", "size", "allow_destructive_writes", "peer", "vsock_peer",
        "peer_cpu", "placement", "rate", "flows", "nagle", "busy_poll_s", "net_io"]
want = {"cpu": 1, "rate": 500.0, "placement": "same-cpu", "busy_poll_s": 5e-05,
        "net_io": "epoll", "interval_s": 0.002}
for run in ("plain", "tuned"):
    ctx = json.load(open("%s/%s/context.json" % (T, run)))
    res = json.load(open("%s/%s/results.json" % (T, run)))
    for k in keys:
        if k not in ctx["options"]:
            bad(run, "context.json options lack", k)
    for r in res["benchmarks"]:
        o = r.get("info", {}).get("options")
        if o is None or any(k not in o for k in keys):
            bad(run, r["name"], "info.options lacks keys:", o)
        elif any(o[k] != ctx["options"][k] for k in keys):
            bad(run, r["name"], "info.options differs from context.json's options")
    ro = ctx.get("result_options")
    # both runs set --min-time 0.1s (default 0.5s)
    expect = {"min_time_s": 0.1} if run == "plain" else dict(want, min_time_s=0.1)
    if ro != expect:
        bad(run, "result_options", ro, "expected", expect)
sys.exit(0 if ok else 1)
PYEOF

"$V" collect --db "$DB" "$T/plain" "$T/tuned" >"$T/c1" 2>&1 || fail "collect: $(cat "$T/c1")"
"$V" collect ls --db "$DB" >"$T/ls"
grep -E '^tuned .* cpu=1 .*placement=same-cpu .*rate=500' "$T/ls" >/dev/null ||
    fail "collect ls does not show tuned's options: $(cat "$T/ls")"
grep -E '^plain .*  min_time_s=0.1$' "$T/ls" >/dev/null || fail "collect ls, plain run: $(cat "$T/ls")"
"$V" collect ls --db "$DB" --json | $PY -c '
import json, sys
runs = {r["run_id"]: r for r in json.load(sys.stdin)}
assert runs["tuned"]["result_options"]["net_io"] == "epoll", runs["tuned"]
' || fail "collect ls --json lacks result_options"

# re-collecting with a new label: said, not silently dropped
"$V" collect --db "$DB" --label side=b "$T/tuned" >"$T/c2" 2>"$T/c2.err" || fail "re-collect"
grep -q "label not applied to the 1 run already stored" "$T/c2.err" ||
    fail "re-collect with --label said nothing: $(cat "$T/c2" "$T/c2.err")"
"$V" collect --db "$DB" "$T/tuned" >"$T/c3" 2>"$T/c3.err" || fail "re-collect without label"
grep -q "label" "$T/c3.err" && fail "re-collect without --label talks about labels"
finish
