#!/bin/sh
# --target BLOCKDEV on a loop device over a temporary image (root only; skipped otherwise):
# reads run and name the device (driver "loop"); writes are refused without
# --allow-destructive-writes (image checksum unchanged) and happen with it (checksum
# changes); a mounted device is refused even with the flag (checksum unchanged), and so are
# a second loop device over the same image and the image file itself (issue 15: the mount
# check looked only at the device's own numbers, and both were written).
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || skip "needs root for losetup"
IMG=$T/disk.img
head -c 33554432 /dev/urandom >"$IMG"
LOOP=$(losetup -f --show "$IMG" 2>"$T/lerr") || skip "losetup not permitted: $(cat "$T/lerr")"
M=$T/mnt
cleanup() {
    umount_wait "$M" 2>/dev/null
    losetup -d "$LOOP" 2>/dev/null
    [ -n "${LOOP2:-}" ] && losetup -d "$LOOP2" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT
W='storage/uring/randwrite/bs:4k/qd:4'
R='storage/uring/randread/bs:4k/qd:4'

sum0=$(sha256sum <"$IMG")
"$VIOBENCH" run --suite full "$R,$W" --target "$LOOP" --min-time 0.1s --out "$T/r" --run-id ro \
    --quiet >"$T/console" 2>"$T/err" || fail "read run on $LOOP: $(cat "$T/err")"
sync
[ "$(sha256sum <"$IMG")" = "$sum0" ] || fail "device changed although writes were refused"
grep -q "^$W  *skipped: refusing to write to $LOOP: viobench did not create it" "$T/console" ||
    fail "write not refused: $(cat "$T/console")"
$PY - "$T/r/ro" <<'PYEOF' || FAILED=1
import json, sys
d = sys.argv[1]
st = json.load(open(d + "/context.json"))["kernel_context"]["storage"]
row = [r for r in json.load(open(d + "/results.json"))["benchmarks"] if not r.get("error_occurred")][0]
ok = st["kind"] == "blockdev" and st["size_bytes"] == 32 << 20 and st["device"]["driver"] == "loop"
ok = ok and st["device"]["loop_backing_file"].endswith("disk.img") and row["iterations"] > 0
print("" if ok else "FAIL: blockdev context %s" % st)
sys.exit(0 if ok else 1)
PYEOF

"$VIOBENCH" run --suite full "$W" --target "$LOOP" --allow-destructive-writes --min-time 0.1s \
    --out "$T/r" --run-id rw --quiet >"$T/console" 2>"$T/err" || fail "allowed writes on $LOOP: $(cat "$T/err")"
sync
[ "$(sha256sum <"$IMG")" != "$sum0" ] || fail "allowed writes did not reach the device"

mkfs.ext4 -q -F "$LOOP" >/dev/null 2>&1 || fail "mkfs.ext4 $LOOP"
mkdir -p "$M"
mount -o ro,noload "$LOOP" "$M" || skip "cannot mount $LOOP"
sync
sum1=$(sha256sum <"$IMG")
"$VIOBENCH" run --suite full "$W,storage/flush" --target "$LOOP" --allow-destructive-writes \
    --min-time 0.1s --out "$T/r" --run-id mounted --quiet >"$T/console" 2>"$T/err" ||
    fail "mounted run exited non-zero: $(cat "$T/err")"
n=$(grep -c "skipped: refusing to write to $LOOP: .* is mounted at $M (even with --allow-destructive-writes)" "$T/console")
[ "$n" -eq 2 ] || fail "mounted device not refused: $(cat "$T/console")"
sync
[ "$(sha256sum <"$IMG")" = "$sum1" ] || fail "mounted device changed"

# The same image through a second loop device, and the image file: refused, image unchanged.
if LOOP2=$(losetup -f --show "$IMG" 2>"$T/lerr"); then
    for t in "$LOOP2" "$IMG"; do
        "$VIOBENCH" run --suite full "$W" --target "$t" --allow-destructive-writes --min-time 0.1s \
            --out "$T/r" --run-id "other-$(basename "$t")" --quiet >"$T/console" 2>"$T/err" ||
            fail "run on $t exited non-zero: $(cat "$T/err")"
        grep -q "skipped: refusing to write to $t: .*attached as ${LOOP#/dev/}, and ${LOOP#/dev/} is mounted at $M (even with --allow-destructive-writes)" "$T/console" ||
            fail "$t (the image of mounted $LOOP) not refused: $(cat "$T/console")"
    done
    sync
    [ "$(sha256sum <"$IMG")" = "$sum1" ] || fail "the image of a mounted device changed"
else
    fail "a second loop device over $IMG: $(cat "$T/lerr")"
fi
finish
