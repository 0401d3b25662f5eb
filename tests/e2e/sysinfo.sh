#!/bin/sh
# End-to-end checks of `viobench sysinfo`: --json parses and carries the pairing keys, the
# human report shows the disagreement line exactly when signals disagree (always for the
# recorded this-machine fixture), --record then --fixture replays the same conclusion, and
# bad input (unknown option, missing or malformed fixture, conflicting options, recording
# into a non-empty directory) gives one-line errors and the documented exit status.
set -u
cd "$(dirname "$0")/../.." || exit 1
VB=${VIOBENCH:-./viobench}
[ -x "$VB" ] || { echo "SKIP: $VB not built"; exit 77; }
command -v python3 >/dev/null || { echo "SKIP: python3 not installed"; exit 77; }
T=$(mktemp -d "${TMPDIR:-/tmp}/viobench-sysinfo.XXXXXX")
trap 'rm -rf "$T"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }

# expect_error STATUS WORD ARGS...: exit STATUS, exactly one line on stderr containing WORD.
expect_error() {
    want=$1 word=$2; shift 2
    "$VB" sysinfo "$@" >"$T/out" 2>"$T/err"; rc=$?
    [ "$rc" -eq "$want" ] || bad "sysinfo $*: exit $rc, want $want"
    [ "$(wc -l <"$T/err")" -eq 1 ] || { bad "sysinfo $*: want one error line, got:"; cat "$T/err"; }
    grep -q -- "$word" "$T/err" || bad "sysinfo $*: error does not mention '$word': $(cat "$T/err")"
    [ -s "$T/out" ] && bad "sysinfo $*: printed on stdout after an error"
}

# --json is valid JSON with the documented keys.
"$VB" sysinfo --json >"$T/live.json" || bad "sysinfo --json failed"
python3 - "$T/live.json" <<'PY' || fail=1
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
            print("FAIL: --json lacks %s.%s" % (k, s)); sys.exit(1)
for k in ("kernel_cmdline", "mitigations", "dmi", "sys_hypervisor"):
    if k not in p:
        print("FAIL: --json lacks %s" % k); sys.exit(1)
if not p["hypervisor"]["signals"]:
    print("FAIL: no signals"); sys.exit(1)
PY

# Human report: hypervisor first; the disagreement line exactly when the JSON says so.
"$VB" sysinfo >"$T/live.txt" || bad "sysinfo failed"
head -1 "$T/live.txt" | grep -q '^Hypervisor ' || bad "report does not start with the hypervisor"
grep -q '^Signals$' "$T/live.txt" || bad "report lists no signals"
dis=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["hypervisor"]["disagreement"])' "$T/live.json")
if [ "$dis" = True ]; then
    grep -q '^Disagreement  *yes: signals disagree' "$T/live.txt" || bad "live signals disagree but no disagreement line"
else
    grep -q '^Disagreement' "$T/live.txt" && bad "disagreement line without a disagreement"
fi
"$VB" sysinfo --fixture tests/fixtures/detect/this-machine >"$T/fx.txt" || bad "replay of this-machine failed"
grep -q '^Disagreement  *yes: signals disagree: cpuid 0x40000000 says bhyve' "$T/fx.txt" ||
    bad "this-machine replay does not show the bhyve disagreement"
grep -q '\[DISAGREES\] cpuid 0x40000000' "$T/fx.txt" || bad "this-machine: bhyve signal not marked"
"$VB" sysinfo --fixture tests/fixtures/detect/hyperv | grep -q '^Hypervisor  *Hyper-V 10.0 (build 20348)$' ||
    bad "hyperv fixture: wrong hypervisor line"

# Record, then replay: the same conclusion as live.
"$VB" sysinfo --record "$T/rec" >"$T/rec.out" || bad "--record failed"
for f in cpuid.txt topology.xml pairing.json root; do
    [ -e "$T/rec/$f" ] || bad "--record did not write $f"
done
"$VB" sysinfo --fixture "$T/rec" --json >"$T/replay.json" || bad "--fixture of a recording failed"
python3 - "$T/live.json" "$T/replay.json" <<'PY' || fail=1
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
for k in ("name", "disagreement", "present"):
    if a["hypervisor"][k] != b["hypervisor"][k]:
        print("FAIL: replay hypervisor.%s %r != live %r" % (k, b["hypervisor"][k], a["hypervisor"][k])); sys.exit(1)
if a["summary"]["hypervisor"] != b["summary"]["hypervisor"]:
    print("FAIL: replay summary differs"); sys.exit(1)
PY

# Help and errors.
"$VB" sysinfo --help >"$T/help" || bad "--help failed"
grep -q '^USAGE' "$T/help" && grep -q '^EXAMPLES' "$T/help" || bad "--help lacks USAGE or EXAMPLES"
expect_error 2 "--bogus" --bogus
expect_error 2 "DIR" --fixture
expect_error 1 "/nonexistent/fixture" --fixture /nonexistent/fixture
mkdir "$T/empty"
expect_error 1 "cpuid.txt" --fixture "$T/empty"
mkdir "$T/badfx" && printf '00000001 0 663\n' >"$T/badfx/cpuid.txt"
expect_error 1 "cpuid.txt:1:" --fixture "$T/badfx"
expect_error 2 "exclude" --record "$T/x" --fixture "$T/rec"
expect_error 1 "not empty" --record "$T/rec"
expect_error 2 "unexpected argument" stray
exit $fail
