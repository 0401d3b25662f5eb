#!/bin/sh
# Hostile sysinfo fixtures (issue 15): a fixture comes from another machine and is replayed
# with `viobench sysinfo --fixture DIR`, so its numbers and files must not hang, loop, or
# mislead. CPU lists beyond 8,192 CPUs (0-9223372036854775807 looped forever, 0-2147483647
# printed "-2147483648 PUs", 0-100000 gave 100,001 vCPUs) leave the count unknown with one
# warning naming the file; 200,000 CPUID leaves load in linear time (was 9.5 s, quadratic);
# an error after a long line names the file's own line number. Files are read inside the
# fixture only: a FIFO (root/proc/cpuinfo, cpuid.txt, topology.xml hung forever) is refused
# at once, and absolute symlinks (root/proc/cpuinfo -> /proc/cpuinfo, root/etc -> /etc, which
# read this machine's files into the replay) are refused with a warning naming them. An
# empty, comment-only, NUL-filled or directory cpuid.txt (concluded "none (bare metal) ...
# all signals agree", exit 0) is refused: no CPUID data is not bare metal. Xen's "no VP
# limit" is said so, not printed as 4294967295 VPs; non-UTF-8 bytes do not make the CPU
# model or OS name vanish; "Linux KVM Hv" keeps its Hyper-V decoding.
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

# --- files from outside the fixture, FIFOs ------------------------------------------------------
cp "$T/cpuid.orig" "$FX/cpuid.txt"
rm -f "$FX/root/proc/cpuinfo"
mkfifo "$FX/root/proc/cpuinfo"
timeout 20 "$V" sysinfo --fixture "$FX" >"$T/out" 2>"$T/err"
rc=$?
[ $rc -eq 0 ] || fail "FIFO cpuinfo: exit $rc: $(cat "$T/err")"
grep -q "root/proc/cpuinfo: not a regular file" "$T/err" || fail "FIFO cpuinfo: '$(cat "$T/err")'"
rm -f "$FX/root/proc/cpuinfo"
ln -s /proc/cpuinfo "$FX/root/proc/cpuinfo"
mv "$FX/root/etc" "$FX/etc.real"
ln -s /etc "$FX/root/etc"
timeout 20 "$V" sysinfo --fixture "$FX" --json >"$T/out" 2>"$T/err"
rc=$?
[ $rc -eq 0 ] || fail "links: exit $rc: $(cat "$T/err")"
grep -q "root/proc/cpuinfo: leaves the fixture" "$T/err" || fail "cpuinfo link: '$(cat "$T/err")'"
grep -q "root/etc/os-release: leaves the fixture" "$T/err" || fail "etc link: '$(cat "$T/err")'"
# refused links read as absent: the replay equals one without those files
mv "$T/out" "$T/links.json"
rm -f "$FX/root/proc/cpuinfo" "$FX/root/etc"
mkdir "$FX/root/etc"
"$V" sysinfo --fixture "$FX" --json >"$T/absent.json" 2>/dev/null
cmp -s "$T/links.json" "$T/absent.json" || fail "links read this machine's files: $(diff "$T/links.json" "$T/absent.json" | head -5)"
rmdir "$FX/root/etc"
mv "$FX/etc.real" "$FX/root/etc"
cp tests/fixtures/detect/kvm/root/proc/cpuinfo "$FX/root/proc/cpuinfo" 2>/dev/null || rm -f "$FX/root/proc/cpuinfo"
rm -f "$FX/cpuid.txt" && mkfifo "$FX/cpuid.txt"
expect_error 1 "cpuid.txt: not a regular file" timeout 20 "$V" sysinfo --fixture "$FX"
rm -f "$FX/cpuid.txt" && cp "$T/cpuid.orig" "$FX/cpuid.txt"
mkfifo "$FX/topology.xml"
timeout 20 "$V" sysinfo --fixture "$FX" >"$T/out" 2>"$T/err" || fail "FIFO topology.xml: exit $?"
grep -q "topology.xml: not a regular file" "$T/err" || fail "FIFO topology.xml: '$(cat "$T/err")'"

# --- no CPUID data is not bare metal (part 4) ------------------------------------------------------
rm -f "$FX/topology.xml" "$FX/cpuid.txt"
: >"$FX/cpuid.txt"
expect_error 1 "cpuid.txt: no CPUID leaves \(empty or only comments\)" "$V" sysinfo --fixture "$FX"
printf '# only a comment\n\n' >"$FX/cpuid.txt"
expect_error 1 "cpuid.txt: no CPUID leaves \(empty or only comments\)" "$V" sysinfo --fixture "$FX"
head -c 4096 /dev/zero >"$FX/cpuid.txt"
expect_error 1 "cpuid.txt:1: a NUL byte" "$V" sysinfo --fixture "$FX"
rm -f "$FX/cpuid.txt" && mkdir "$FX/cpuid.txt"
expect_error 1 "cpuid.txt: not a regular file" "$V" sysinfo --fixture "$FX"

# Non-UTF-8 bytes in /proc/cpuinfo's model name and os-release's PRETTY_NAME become '?'
# (the values used to vanish from the pairing).
cp -r tests/fixtures/detect/kvm "$T/u8"
"$PY" - "$T/u8/root" <<'PYEOF' || fail "making the non-UTF-8 fixture"
import re, sys
r = sys.argv[1]
p = r + "/proc/cpuinfo"; b = open(p, "rb").read()
open(p, "wb").write(re.sub(rb"(model name\s*: )[^\n]*", lambda m: m.group(1) + b"Evil\xff CPU", b))
p = r + "/etc/os-release"; b = open(p, "rb").read()
open(p, "wb").write(re.sub(rb"PRETTY_NAME=[^\n]*", lambda m: b'PRETTY_NAME="Debian\xfe 12"', b))
PYEOF
"$V" sysinfo --fixture "$T/u8" --json >"$T/u8.json" 2>"$T/err" || fail "u8: $(cat "$T/err")"
"$PY" - "$T/u8.json" <<'PYEOF' || fail "non-UTF-8 values vanished"
import json, sys
p = json.load(open(sys.argv[1]))
assert p["cpu"].get("model") == "Evil? CPU", p["cpu"].get("model")
assert p["guest"]["os"].get("pretty_name") == "Debian? 12", p["guest"]["os"]
PYEOF

# "Linux KVM Hv" at 0x40000000 (KVM's own Hyper-V interface) keeps its Hyper-V decoding.
cp -r tests/fixtures/detect/kvm-hyperv-enlightened "$T/lkh"
sed -i 's/^40000000 0 4000000a 7263694d 666f736f 76482074/40000000 0 4000000a 756e694c 564b2078 7648204d/' \
    "$T/lkh/cpuid.txt"
"$V" sysinfo --fixture "$T/lkh" >"$T/out" 2>"$T/err" || fail "lkh: $(cat "$T/err")"
grep -q "^Hyper-V  *interface Hv#1" "$T/out" || fail "Linux KVM Hv: no Hyper-V decoding"
grep -q "^Hypervisor  *KVM with Hyper-V enlightenments" "$T/out" ||
    fail "Linux KVM Hv: $(grep ^Hypervisor "$T/out")"

# Xen's viridian leaves say "no VP limit" with 0xffffffff (was printed as 4294967295 VPs).
cp -r tests/fixtures/detect/hyperv "$T/xenvp"
sed -i 's/^40000005 0 000000f0 00000200/40000005 0 ffffffff ffffffff/' "$T/xenvp/cpuid.txt"
"$V" sysinfo --fixture "$T/xenvp" >"$T/out" 2>"$T/err" || fail "xenvp: $(cat "$T/err")"
grep -q "no VP limit, no LP limit" "$T/out" || fail "no VP limit: $(grep VP "$T/out")"
grep -q 4294967295 "$T/out" && fail "4294967295 printed: $(grep 4294967295 "$T/out")"
finish
