#!/bin/sh
# Storage targets on file systems this test mounts (root only; skipped otherwise):
#  - a full file system (tmpfs size=8m, and a loop-mounted 32 MiB ext4): a clear ENOSPC
#    error, exit 1, nothing left on it;
#  - a read-only file system: --target DIR and --target FILE with writes allowed are one-line
#    errors before anything runs; reads of a file on it still work;
#  - ramfs, which refuses O_DIRECT: the result says direct: false, with a warning.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || skip "needs root to mount file systems"
M=$T/mnt
mkdir -p "$M"
mount -t tmpfs -o size=8m tmpfs "$M" 2>"$T/merr" || skip "mount not permitted: $(cat "$T/merr")"
cleanup() {
    umount_wait "$M" 2>/dev/null
    [ -n "${LOOP:-}" ] && losetup -d "$LOOP" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT

# full: tmpfs
"$VIOBENCH" run 'storage/uring/randread/bs:4k/qd:1' --target "$M" --size 64m --min-time 0.05s \
    --out "$T/r" --run-id full-tmpfs --quiet >"$T/out" 2>"$T/err"
rc=$?
[ $rc -eq 1 ] || fail "ENOSPC on tmpfs: exited $rc, expected 1"
grep -Eq "^viobench: run: storage/uring/randread/bs:4k/qd:1: --target $M: no room for a 64 MiB test file \(.* free; see --size\): No space left on device$" "$T/err" ||
    fail "ENOSPC on tmpfs: unclear error: $(cat "$T/err")"
[ "$(grep -c '^viobench: run:' "$T/err")" -eq 1 ] || fail "ENOSPC reported more than once: $(cat "$T/err")"
[ -z "$(ls -A "$M")" ] || fail "ENOSPC on tmpfs left: $(ls -A "$M")"

# full: loop-mounted ext4, with fallocate and O_DIRECT really in play (size just over free)
umount_wait "$M"
truncate -s 32m "$T/ext4.img" && mkfs.ext4 -q -F "$T/ext4.img" >/dev/null 2>&1 || fail "mkfs.ext4"
LOOP=$(losetup -f --show "$T/ext4.img" 2>"$T/lerr") || skip "losetup not permitted: $(cat "$T/lerr")"
mount "$LOOP" "$M" || fail "mount ext4"
"$VIOBENCH" run 'storage/uring/randwrite/bs:4k/qd:1' --target "$M" --size 48m --min-time 0.05s \
    --out "$T/r" --run-id full-ext4 --quiet >"$T/out" 2>"$T/err"
rc=$?
[ $rc -eq 1 ] || fail "ENOSPC on ext4: exited $rc, expected 1"
grep -q "no room for a 48 MiB test file.*No space left on device" "$T/err" ||
    fail "ENOSPC on ext4: unclear error: $(cat "$T/err")"
[ -z "$(ls -A "$M" | grep -v lost+found)" ] || fail "ENOSPC on ext4 left: $(ls -A "$M" | grep -v lost+found)"
# and a size that fits runs there, removing its file afterwards
"$VIOBENCH" run 'storage/uring/randwrite/bs:4k/qd:1' --target "$M" --size 8m --min-time 0.05s \
    --out "$T/r" --run-id fits-ext4 --quiet >"$T/out" 2>"$T/err" || fail "8m on ext4: $(cat "$T/err")"
[ -z "$(ls -A "$M" | grep -v lost+found)" ] || fail "run on ext4 left: $(ls -A "$M" | grep -v lost+found)"

# read-only
umount_wait "$M"
mount -t tmpfs -o size=16m tmpfs "$M"
head -c 4194304 /dev/urandom >"$M/ro.dat"
mount -o remount,ro "$M"
expect_error 2 "run: --target $M: cannot create the test file there: Read-only file system" \
    "$VIOBENCH" run 'storage/*' --target "$M" --out "$T/o"
expect_error 2 "run: --target $M/ro.dat: not writable: Read-only file system" \
    "$VIOBENCH" run 'storage/*' --target "$M/ro.dat" --allow-destructive-writes --out "$T/o"
[ ! -e "$T/o" ] || fail "a refused target left a run directory"
"$VIOBENCH" run --suite full 'storage/psync/randread/bs:4k/qd:1' --target "$M/ro.dat" \
    --min-time 0.05s --out "$T/r" --run-id ro-read --quiet >"$T/out" 2>"$T/err" ||
    fail "reading a file on a read-only mount: $(cat "$T/err")"

# ramfs: no O_DIRECT
umount_wait "$M"
mount -t ramfs ramfs "$M" || skip "cannot mount ramfs"
"$VIOBENCH" run 'storage/uring/randread/bs:4k/qd:1' --target "$M" --size 4m --min-time 0.05s \
    --out "$T/r" --run-id ramfs --quiet >"$T/out" 2>"$T/err" || fail "ramfs run: $(cat "$T/err")"
grep -q "warning: storage: .*O_DIRECT refused.*direct: false" "$T/err" || fail "no direct:false warning: $(cat "$T/err")"
$PY - "$T/r/ramfs" <<'PYEOF' || FAILED=1
import json, sys
d = sys.argv[1]
row = json.load(open(d + "/results.json"))["benchmarks"][0]
st = json.load(open(d + "/context.json"))["kernel_context"]["storage"]
ok = row["info"]["direct"] is False and st["direct"] is False and "O_DIRECT" in st["no_direct_reason"]
ok = ok and st["fs_type"] == "ramfs" and row["iterations"] > 0
print("" if ok else "FAIL: ramfs row %s / %s" % (row.get("info"), st))
sys.exit(0 if ok else 1)
PYEOF
[ -z "$(ls -A "$M")" ] || fail "ramfs run left: $(ls -A "$M")"
finish
