#!/bin/sh
# Network placement (docs/network.md): by default client and the run's own peer sit on two
# different CPUs; --placement same-cpu puts them on one, scheduler pins neither, cross-numa
# is a clean skip on a machine with one NUMA node. Every network row records the placement,
# the CPUs asked and the CPUs its threads were observed on, with their migrations.
. "$(dirname "$0")/lib.sh"

[ "$(nproc)" -ge 2 ] || skip "needs 2 CPUs"
K=net/udp_rr/size:64,net/tcp_rr/size:64
for m in default same-cpu scheduler cross-core cross-numa; do
    p=; [ $m = default ] || p="--placement $m"
    # shellcheck disable=SC2086
    "$VIOBENCH" run $K $p --min-time 0.2s --out "$T" --run-id $m --quiet --format json \
        >/dev/null 2>"$T/$m.err" || fail "--placement $m: run failed: $(cat "$T/$m.err")"
done
$PY - "$T" <<'PYEOF' || FAILED=1
import json, sys
T = sys.argv[1]
ok = True
def rows(run):
    return json.load(open("%s/%s/results.json" % (T, run)))["benchmarks"]
def bad(*a):
    global ok
    print("FAIL:", *a); ok = False
for run, want in (("default", "cross-cpu"), ("same-cpu", "same-cpu"), ("scheduler", "scheduler")):
    for r in rows(run):
        i = r.get("info", {})
        if r.get("error_occurred"):
            bad(run, r["name"], r.get("error_message")); continue
        if i.get("placement") != want:
            bad(run, r["name"], "placement", i.get("placement"), "expected", want)
        for k in ("client_cpus", "peer_cpus"):
            if not isinstance(i.get(k), list) or not i[k] or not all(isinstance(c, int) for c in i[k]):
                bad(run, r["name"], k, i.get(k))
        for k in ("client_migrations", "peer_migrations"):
            if not isinstance(i.get(k), int) or i[k] < 0:
                bad(run, r["name"], k, i.get(k))
        c, p = i.get("client_cpu_asked"), i.get("peer_cpu_asked")
        if want == "scheduler":
            if c is not None or p is not None:
                bad(run, r["name"], "scheduler placement pinned", c, p)
            continue
        if not isinstance(c, int) or not isinstance(p, int):
            bad(run, r["name"], "CPUs asked", c, p); continue
        if (want == "same-cpu") != (c == p):
            bad(run, r["name"], want, "asked client", c, "peer", p)
        # pinned threads are seen only where they were asked to be
        if i.get("client_cpus") != [c] or i.get("peer_cpus") != [p]:
            bad(run, r["name"], "observed", i.get("client_cpus"), i.get("peer_cpus"), "asked", c, p)
ctx = json.load(open(T + "/same-cpu/context.json"))
# the options are recorded once, from the option table: context.json's options, not again
# in the network context
if ctx["options"].get("placement") != "same-cpu" or "options" in ctx["kernel_context"]["network"]:
    bad("context.json: placement not in options, or options repeated in the network context")
# cross-core and cross-numa: run, or a clean skip that says why
for run in ("cross-core", "cross-numa"):
    for r in rows(run):
        if r.get("error_occurred") and not (r.get("skipped") and "--placement " + run in r["error_message"]):
            bad(run, r["name"], "neither ran nor skipped with the reason:", r.get("error_message"))
        if not r.get("error_occurred") and r["info"]["client_cpu_asked"] == r["info"]["peer_cpu_asked"]:
            bad(run, r["name"], "same CPU asked")
sys.exit(0 if ok else 1)
PYEOF
expect_error 2 "^viobench: run: --placement: unknown mode 'nearby'" \
    "$VIOBENCH" run net/udp_rr/size:64 --placement nearby --out "$T"
expect_error 2 "^viobench: run: --placement: places the peer the run starts" \
    "$VIOBENCH" run net/udp_rr/size:64 --placement same-cpu --peer 127.0.0.1:9 --out "$T"
finish
