#!/bin/sh
# Bad input to the guest scripts (scripts/guest-image, scripts/guest-run, scripts/matrix):
# each mistake gets exit status 2 and one line on stderr naming the option, file or
# inventory line at fault, before anything is built, booted or contacted. Also: --help
# works, and a malformed inventory is refused as a whole (no guest is contacted).
. "$(dirname "$0")/lib.sh"

GI=scripts/guest-image GR=scripts/guest-run MX=scripts/matrix
for s in $GI $GR $MX scripts/bench-guest; do
    "$s" --help >"$T/help" 2>&1 || fail "$s --help failed"
    grep -q 'USAGE\|scripts/' "$T/help" || fail "$s --help prints no usage"
done
grep -q EXAMPLES "$T/help" || true
for s in $GI $GR $MX; do
    "$s" --help | grep -q '^EXAMPLES' || fail "$s --help has no EXAMPLES"
done

# guest-image
expect_error 2 "guest-image: unknown argument '--bogus'" $GI --bogus
expect_error 2 "guest-image: --out needs a value" $GI --out
expect_error 2 "guest-image: --flavour: unknown flavour 'rt-amd64'" $GI --flavour rt-amd64
expect_error 2 "guest-image: --kernel-package: 'bash' is not a linux-image-\* package" $GI --kernel-package bash
expect_error 2 "guest-image: --viobench: /nonexistent is not an executable file" $GI --viobench /nonexistent
expect_error 2 "guest-image: --viobench: .*/lib.sh is not an executable file" $GI --viobench tests/e2e/lib.sh
expect_error 2 "guest-image: --viobench: .* is not statically linked" $GI --viobench "$VIOBENCH"

# guest-run (checked before the image is even looked at)
expect_error 2 "guest-run: unknown argument 'extra'" $GR extra
expect_error 2 "guest-run: --suite: unknown suite 'huge'" $GR --suite huge
expect_error 2 "guest-run: --accel: unknown accelerator 'hvf'" $GR --accel hvf
expect_error 2 "guest-run: --cpus: '0' is not a vCPU count" $GR --cpus 0
expect_error 2 "guest-run: --memory: '64' is not a size in MiB \(at least 128\)" $GR --memory 64
expect_error 2 "guest-run: --disk-size: '10T' is not a size like 256M or 1G" $GR --disk-size 10T
expect_error 2 "guest-run: --timeout: '2m' is not a number of seconds" $GR --timeout 2m
expect_error 2 "guest-run: --run-id: 'a/b' may only contain" $GR --run-id a/b
expect_error 2 "guest-run: --label: 'nokey' is not KEY=VALUE" $GR --label nokey
expect_error 2 "guest-run: --label: 'k=a b' is not KEY=VALUE without spaces" $GR --label 'k=a b'
expect_error 2 "guest-run: viobench run argument 'a b' contains a space" $GR -- --filter 'a b'
expect_error 2 "guest-run: viobench run argument '--out': use guest-run's own --out/--run-id" $GR -- --out /tmp
expect_error 2 "guest-run: --db needs a value" $GR --db
expect_error 2 "guest-run: --boot-deadline: 'soon' is not a number of seconds" $GR --boot-deadline soon
expect_error 2 "guest-run: --cpu-model: 'host;x' is not a QEMU CPU model" $GR --cpu-model 'host;x'
if command -v qemu-system-x86_64 >/dev/null; then
    expect_error 1 "guest-run: --image $T/none: no vmlinux there \(build the image with scripts/guest-image\)" $GR --image "$T/none"
    VIOBENCH_KVM_DEVICE=$T/no-kvm expect_error 1 "guest-run: --accel kvm: KVM cannot be used here: no $T/no-kvm" \
        $GR --accel kvm --image "$T/none"
fi

# matrix: options
echo "g1 root@127.0.0.1" >"$T/inv"
expect_error 2 "matrix: no INVENTORY given" $MX
expect_error 2 "matrix: $T/missing: no such readable file" $MX "$T/missing"
expect_error 2 "matrix: unexpected argument 'second': one inventory only" $MX "$T/inv" second
expect_error 2 "matrix: unknown option '--bogus'" $MX "$T/inv" --bogus
expect_error 2 "matrix: --suite: unknown suite 'x'" $MX "$T/inv" --suite x
expect_error 2 "matrix: --timeout: 'soon' is not a number of seconds" $MX "$T/inv" --timeout soon
expect_error 2 "matrix: --connect-timeout: '0' is not a number of seconds" $MX "$T/inv" --connect-timeout 0
expect_error 2 "matrix: --ssh-config: $T/nocfg: no such readable file" $MX "$T/inv" --ssh-config "$T/nocfg"
expect_error 2 "matrix: --binary: /nonexistent is not an executable file" $MX "$T/inv" --binary /nonexistent

# matrix: the inventory, line by line (the line number is named)
bad_inventory() {
    printf '# a comment line\n\n%s\n' "$1" >"$T/bad"
    expect_error 2 "matrix: $T/bad:3: $2" $MX "$T/bad" --binary "$VIOBENCH"
}
bad_inventory "lonely" "'lonely' has no SSH target"
bad_inventory "bad/name root@h" "name 'bad/name' may only contain"
bad_inventory "g1 host_hypervisor=kvm" "'host_hypervisor=kvm' looks like a label, expected the SSH target"
bad_inventory "g1 -oProxyCommand=x" "SSH target '-oProxyCommand=x' may not start with '-'"
bad_inventory "g1 root@h novalue" "'novalue' is not KEY=VALUE"
bad_inventory "g1 root@h =v" "'=v' is not KEY=VALUE"
bad_inventory "g1 root@h tmpdir=relative" "tmpdir 'relative' is not an absolute path"
bad_inventory "g1 root@h guest=other" "the label guest= is set from the entry's name"
printf 'g1 root@a\ng1 root@b\n' >"$T/dup"
expect_error 2 "matrix: $T/dup:2: guest 'g1' is listed twice" $MX "$T/dup" --binary "$VIOBENCH"
printf '# only comments\n\n' >"$T/empty"
expect_error 2 "matrix: $T/empty: no guests listed" $MX "$T/empty" --binary "$VIOBENCH"
# A bad line anywhere stops everything before any guest is contacted (the first entry points
# at a port where nothing listens, so contacting it would print an unreachable report).
printf 'ok1 ssh://root@127.0.0.1:9\nbad\n' >"$T/late"
$MX "$T/late" --binary "$VIOBENCH" >"$T/out" 2>&1
rc=$?
[ $rc -eq 2 ] || fail "inventory with a bad second line: exit $rc, expected 2"
! grep -q 'ok1' "$T/out" || fail "a guest was contacted before the inventory was checked"
finish
