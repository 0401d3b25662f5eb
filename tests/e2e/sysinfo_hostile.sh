#!/bin/sh
# Hostile sysinfo fixtures (issue 15): a fixture comes from another machine and is replayed
# with `viobench sysinfo --fixture DIR`, so its numbers and files must not hang, loop, or
# mislead. CPU lists beyond 8,192 CPUs (0-9223372036854775807 looped forever, 0-2147483647
# printed "-2147483648 PUs", 0-100000 gave 100,001 vCPUs) leave the count unknown with one
# warning naming the file; 200,000 CPUID leaves load in linear time (was 9.5 s, quadratic);
# an error after a long line names the file's own line number.
. "$(dirname "$0")/lib.sh"
command -v timeout >/dev/null || skip "timeout not installed"
V=$VIOBENCH
FX=$T/fx
cp -r tests/fixtures/detect/kvm "$FX" || fail "copying the fixture"
rm -f "$FX/topology.xml" # the sysfs topology reads the CPU list

# --- CPU lists ----------------------------------------------------------------------------
for l in 0-9223372036854775807 0-2147483647 0-100000 3-1 0-3x; do
    echo "$l" >"$FX/root/sys/devices/system/cpu/online"
    timeout 20 "$V" sysinfo --fixture "$FX" >"$T/out" 2>"$T/err"
    rc=$?
    [ $rc -eq 0 ] || fail "online=$l: exit $rc: $(cat "$T/err")"
    [ "$(wc -l <"$T/err")" -eq 1 ] &&
        grep -q "warning: sysinfo: /sys/devices/system/cpu/online: '$l' is not a CPU list of at most 8192 CPUs" "$T/err" ||
        fail "online=$l: warning '$(cat "$T/err")'"
    grep -q "vCPUs" "$T/out" && fail "online=$l: a vCPU count: $(grep vCPUs "$T/out")"
    grep -Eq -- "-?[0-9]+ PUs" "$T/out" && fail "online=$l: a PU count: $(grep PUs "$T/out")"
done
echo "0-3,8" >"$FX/root/sys/devices/system/cpu/online"
"$V" sysinfo --fixture "$FX" >"$T/out" 2>"$T/err" || fail "online=0-3,8: $(cat "$T/err")"
grep -q "5 vCPUs" "$T/out" || fail "online=0-3,8: not 5 vCPUs: $(grep CPU "$T/out")"

# --- cpuid.txt: many leaves, long lines -----------------------------------------------------
cp tests/fixtures/detect/kvm/root/sys/devices/system/cpu/online "$FX/root/sys/devices/system/cpu/online"
cp "$FX/cpuid.txt" "$T/cpuid.orig"
"$PY" - "$FX/cpuid.txt" <<'PYEOF' || fail "making 200,000 leaves"
import sys
with open(sys.argv[1], "a") as f:
    for i in range(200000):
        f.write("%x 1 1 2 3 4\n" % (0x50000000 + i))
PYEOF
start=$(date +%s)
timeout 20 "$V" sysinfo --fixture "$FX" >"$T/out" 2>"$T/err" ||
    fail "200,000 leaves: exit $?: $(cat "$T/err")"
echo "200,000 CPUID leaves: $(($(date +%s) - start)) s"
grep -q "KVM guest" "$T/out" || fail "200,000 leaves: conclusion $(grep Conclusion "$T/out")"

{
    cat "$T/cpuid.orig"
    printf '1 0 0 0 0 0 # %04000d\n' 0
    printf 'not hex\n'
} >"$FX/cpuid.txt"
bad=$(($(wc -l <"$T/cpuid.orig") + 2))
expect_error 1 "cpuid.txt:$bad: expected 'leaf subleaf eax ebx ecx edx'" "$V" sysinfo --fixture "$FX"
finish
