#!/bin/sh
# End-to-end checks of `viobench sysinfo`: --json parses and carries the pairing keys, the
# human report shows the disagreement line exactly when signals disagree (always for the
# recorded bhyve fixture, never for the recorded Firecracker one), --record then --fixture
# replays the same conclusion, and
# bad input (unknown option, missing or malformed fixture, conflicting options, recording
# into a non-empty directory) gives one-line errors and the documented exit status.
. "$(dirname "$0")/lib.sh"
VB=$VIOBENCH

# --json is valid JSON with the documented keys.
"$VB" sysinfo --json >"$T/live.json" || fail "sysinfo --json failed"
$PY - "$T/live.json" <<'PY' || fail "sysinfo --json keys"
import json, sys
p = json.load(open(sys.argv[1]))
need = {"summary": ["hypervisor", "guest", "conclusion"],
        "hypervisor": ["present", "name", "version", "cpuid", "signals", "disagreement", "conclusion"],
        "guest": ["os", "kernel", "arch"], "cpu": ["vendor", "model", "count", "mhz", "flags_of_interest"],
        "memory": ["total_bytes"], "clocksource": ["current", "available"],
        "topology": ["source", "packages", "cores", "pus", "numa_nodes", "caches"],
        "devices": ["virtio", "vmbus", "block", "net", "vsock"]}
for k, sub in need.items():
    for s in sub:
        if s not in p.get(k, {}):
            sys.exit("--json lacks %s.%s" % (k, s))
for k in ("kernel_cmdline", "mitigations", "dmi", "sys_hypervisor"):
    if k not in p:
        sys.exit("--json lacks %s" % k)
if not p["hypervisor"]["signals"]:
    sys.exit("no signals")
PY

# Human report: hypervisor first; the disagreement line exactly when the JSON says so.
"$VB" sysinfo >"$T/live.txt" || fail "sysinfo failed"
head -1 "$T/live.txt" | grep -q '^Hypervisor ' || fail "report does not start with the hypervisor"
grep -q '^Signals$' "$T/live.txt" || fail "report lists no signals"
dis=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["hypervisor"]["disagreement"])' "$T/live.json")
if [ "$dis" = True ]; then
    grep -q '^Disagreement  *yes: signals disagree' "$T/live.txt" ||
        fail "live signals disagree but the report has no disagreement line"
else
    grep -q '^Disagreement' "$T/live.txt" && fail "disagreement line without a disagreement"
fi
FX=tests/fixtures/detect
"$VB" sysinfo --fixture $FX/bhyve-kvmclock-2026-11 >"$T/fx.txt" || fail "replay of bhyve-kvmclock-2026-11 failed"
grep -q '^Disagreement  *yes: signals disagree: cpuid 0x40000000 says bhyve' "$T/fx.txt" ||
    fail "bhyve-kvmclock-2026-11 replay does not show the bhyve disagreement"
grep -q '\[DISAGREES\] cpuid 0x40000000' "$T/fx.txt" || fail "bhyve-kvmclock-2026-11: bhyve signal not marked"
# the same microVM kind on two CPU vendors: detection must not depend on the vendor
for fc in firecracker-kvm-2026-12:AMD firecracker-kvm-intel-2026-12:Intel; do
    name=${fc%%:*} vendor=${fc#*:}
    "$VB" sysinfo --fixture $FX/$name >"$T/fc.txt" || fail "replay of $name failed"
    head -1 "$T/fc.txt" | grep -q '^Hypervisor  *KVM$' || fail "$name: hypervisor line: $(head -1 "$T/fc.txt")"
    grep -q 'all signals agree' "$T/fc.txt" && ! grep -q '^Disagreement' "$T/fc.txt" ||
        fail "$name: signals should agree"
    grep -q 'Firecracker' "$T/fc.txt" || fail "$name: Firecracker not named"
    grep -q '^  \[info\]  *dmi .*no DMI tables' "$T/fc.txt" || fail "$name: missing DMI not said"
    grep -q '^Clocksource  *tsc (available: tsc kvm-clock)$' "$T/fc.txt" || fail "$name: clocksource"
    grep -q '^Confidence  *high$' "$T/fc.txt" || fail "$name: confidence should be high"
    grep -q "^CPU  *$vendor" "$T/fc.txt" || fail "$name: CPU line does not name $vendor: $(grep '^CPU' "$T/fc.txt")"
done
grep -q '^Confidence  *low$' "$T/fx.txt" || fail "bhyve-kvmclock-2026-11: a disagreement must lower the confidence"
"$VB" sysinfo --fixture tests/fixtures/detect/hyperv | grep -q '^Hypervisor  *Hyper-V 10.0 (build 20348)$' ||
    fail "hyperv fixture: wrong hypervisor line"

# Record, then replay: the same conclusion as live.
"$VB" sysinfo --record "$T/rec" >"$T/rec.out" || fail "--record failed"
for f in cpuid.txt topology.xml pairing.json root; do
    [ -e "$T/rec/$f" ] || fail "--record did not write $f"
done
"$VB" sysinfo --fixture "$T/rec" --json >"$T/replay.json" || fail "--fixture of a recording failed"
$PY - "$T/live.json" "$T/replay.json" <<'PY' || fail "replay differs from live"
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
for k in ("name", "disagreement", "present"):
    if a["hypervisor"][k] != b["hypervisor"][k]:
        sys.exit("replay hypervisor.%s %r != live %r" % (k, b["hypervisor"][k], a["hypervisor"][k]))
if a["summary"]["hypervisor"] != b["summary"]["hypervisor"]:
    sys.exit("replay summary differs")
PY

# Help and errors.
"$VB" sysinfo --help >"$T/help" || fail "--help failed"
grep -q '^USAGE' "$T/help" && grep -q '^EXAMPLES' "$T/help" || fail "--help lacks USAGE or EXAMPLES"
expect_error 2 "unknown option '--bogus'" "$VB" sysinfo --bogus
expect_error 2 "sysinfo: --fixture needs a value" "$VB" sysinfo --fixture
expect_error 1 "sysinfo: --fixture: /nonexistent/fixture: No such file" "$VB" sysinfo --fixture /nonexistent/fixture
mkdir "$T/empty"
expect_error 1 "not a fixture \(no cpuid.txt" "$VB" sysinfo --fixture "$T/empty"
mkdir "$T/badfx" && printf '00000001 0 663\n' >"$T/badfx/cpuid.txt"
expect_error 1 "cpuid.txt:1: expected" "$VB" sysinfo --fixture "$T/badfx"
expect_error 2 "exclude each other" "$VB" sysinfo --record "$T/x" --fixture "$T/rec"
expect_error 1 "sysinfo: --record: .*exists and is not empty" "$VB" sysinfo --record "$T/rec"
expect_error 2 "unexpected argument 'stray'" "$VB" sysinfo stray
finish
