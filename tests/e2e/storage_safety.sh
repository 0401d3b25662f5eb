#!/bin/sh
# Storage safety on files: a --target FILE viobench did not create is read-only (write
# kernels are skipped with the reason, the file's sha256 unchanged, reads run); with
# --allow-destructive-writes the writes happen (the checksum changes: the check can fail);
# the file is never removed. Bad --target/--size values are one-line errors, exit 2, with
# no run directory.
. "$(dirname "$0")/lib.sh"

F=$T/user.dat
head -c 8388608 /dev/urandom >"$F"
sum0=$(sha256sum <"$F")
W='storage/uring/randwrite/bs:4k/qd:4,storage/uring/write/bs:64k/qd:2,storage/uring/randrw/bs:4k/qd:1,storage/psync/write/bs:4k/qd:1,storage/flush'

"$VIOBENCH" run --suite full --filter "$W,storage/uring/randread/bs:4k/qd:4" --target "$F" \
    --min-time 0.1s --out "$T/r" --run-id refused --quiet >"$T/console" 2>"$T/err"
rc=$?
[ $rc -eq 0 ] || fail "refused-writes run exited $rc: $(cat "$T/err")"
[ "$(sha256sum <"$F")" = "$sum0" ] || fail "user file changed although writes were refused"
[ -f "$F" ] || fail "user file removed"
n=$(grep -c 'skipped: refusing to write to .*viobench did not create it' "$T/console")
[ "$n" -eq 5 ] || fail "expected 5 refused write kernels, saw $n: $(cat "$T/console")"
grep -q '^storage/uring/randread/bs:4k/qd:4  *[0-9]' "$T/console" || fail "read kernel did not run on the user file"

"$VIOBENCH" run --suite full --filter "storage/uring/randwrite/bs:4k/qd:4" --target "$F" \
    --allow-destructive-writes --min-time 0.1s --out "$T/r" --run-id allowed --quiet \
    >"$T/console2" 2>"$T/err" || fail "allowed-writes run failed: $(cat "$T/err")"
[ "$(sha256sum <"$F")" != "$sum0" ] || fail "writes with --allow-destructive-writes did not reach the file"
[ -f "$F" ] && [ "$(stat -c %s "$F")" -eq 8388608 ] || fail "user file removed or resized"
$PY -c 'import json,sys; r=json.load(open(sys.argv[1]))["benchmarks"][0]; assert r["iterations"]>0 and r["info"]["created_by_viobench"] is False, r' \
    "$T/r/allowed/results.json" || fail "allowed write row"

# Bad values: one line, exit 2, no run directory.
O=$T/out
expect_error 2 "run: --target $T/missing: No such file or directory" \
    "$VIOBENCH" run 'storage/*' --target "$T/missing" --out "$O"
expect_error 2 "run: --target /dev/null: not a directory, regular file or block device" \
    "$VIOBENCH" run 'storage/*' --target /dev/null --out "$O"
expect_error 2 "run: --target: empty path" "$VIOBENCH" run 'storage/*' --target '' --out "$O"
expect_error 2 "run: --size: must be at least 1M" "$VIOBENCH" run 'storage/*' --size 4k --out "$O"
expect_error 2 "run: --size: bad value 'big'" "$VIOBENCH" run 'storage/*' --size big --out "$O"
[ ! -e "$O" ] || [ -z "$(ls -A "$O")" ] || fail "a bad option left a run directory: $(ls "$O")"

# A target smaller than one I/O: the kernel is skipped with the reason.
head -c 1048576 /dev/urandom >"$T/small.dat"
"$VIOBENCH" run --suite full --filter 'storage/uring/randread/bs:1m/qd:1,storage/uring/randread/bs:4k/qd:1' \
    --target "$T/small.dat" --size 1m --min-time 0.05s --out "$T/r" --run-id small --quiet \
    >"$T/console3" 2>"$T/err" || fail "small target run failed: $(cat "$T/err")"
grep -q '^storage/uring/randread/bs:4k/qd:1  *[0-9]' "$T/console3" || fail "4k read on 1 MiB target"
finish
