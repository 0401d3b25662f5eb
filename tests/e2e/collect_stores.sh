#!/bin/sh
# Stores (issue 15, part 5): a store that is not ours, or not ours to write, is never
# modified. A foreign SQLite file is refused by `collect ls` and `collect` byte for byte
# unchanged (it used to be switched to WAL); a device path is refused (`--db /dev/null`
# left /dev/null-journal); a store in a directory the user may not write is read by `ls`,
# `export` and `analyze` (read-only opens); a store with a damaged page is refused with
# exit 1 and left as it was (collect added runs to 6 of 15 such stores with exit 0).
. "$(dirname "$0")/lib.sh"
B=${VIOBENCH_BUILD:-build/default}
GEN=$B/tools/gen_runs
[ -x "$GEN" ] || skip "$GEN not built (make tools)"
[ -x "$PY" ] || skip "$PY not installed"
V=$VIOBENCH
"$GEN" "$T/in" 6 3 >/dev/null || fail "gen_runs"
"$GEN" "$T/more" 2 3 7 100 >/dev/null || fail "gen_runs more"

# --- a foreign SQLite file ------------------------------------------------------------------
"$PY" -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('create table t(x)'); c.commit()" \
    "$T/other.sqlite" || fail "making a foreign SQLite file"
before=$(sha256sum <"$T/other.sqlite")
expect_error 1 "other.sqlite: not a viobench store \(application_id 0, 1 table\)" \
    "$V" collect ls --db "$T/other.sqlite"
expect_error 1 "other.sqlite: not a viobench store" "$V" collect --db "$T/other.sqlite" "$T/in"
expect_error 1 "other.sqlite: not a viobench store" "$V" export --db "$T/other.sqlite" --format csv
[ "$(sha256sum <"$T/other.sqlite")" = "$before" ] || fail "the foreign file was modified"
ls "$T"/other.sqlite-* 2>/dev/null && fail "journal files left beside the foreign file"

# --- device paths -----------------------------------------------------------------------------
if [ ! -e /dev/null-journal ]; then
    expect_error 1 "/dev/null: not a regular file" "$V" collect --db /dev/null "$T/in"
    expect_error 1 "/dev/null: not a regular file" "$V" collect ls --db /dev/null
    [ -e /dev/null-journal ] && { rm -f /dev/null-journal; fail "/dev/null-journal created"; }
fi
expect_error 1 "$T: not a regular file" "$V" collect --db "$T" "$T/in"

# --- a store in a read-only directory ------------------------------------------------------------
mkdir "$T/ro"
"$V" collect --db "$T/ro/s.db" "$T/in" >/dev/null || fail "collect into $T/ro"
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
    chmod 755 "$T" "$T/ro"
    nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
    out=$(nobody "$V" collect ls --db "$T/ro/s.db" 2>&1 | tail -1)
    [ "$out" = "6 runs" ] || fail "ls of a read-only store: $out"
    nobody "$V" export --db "$T/ro/s.db" --format csv >"$T/exp.csv" 2>"$T/err" ||
        fail "export of a read-only store: $(cat "$T/err")"
    [ -s "$T/exp.csv" ] || fail "export of a read-only store is empty"
    nobody "$V" analyze compare --db "$T/ro/s.db" hypervisor=kvm hypervisor=hyperv \
        >"$T/out" 2>"$T/err" || fail "analyze of a read-only store: $(cat "$T/err")"
    ls "$T/ro" | grep -q -- "-shm\|-wal" && fail "files left in the read-only directory"
    chmod 700 "$T"
else
    echo "read-only directory case not run (needs root and setpriv to drop to nobody)"
fi

# --- damaged stores -------------------------------------------------------------------------------
"$V" collect --db "$T/base.db" "$T/in" >/dev/null || fail "collect base"
pages=$(($(stat -c %s "$T/base.db") / 4096))
k=1
while [ $k -lt "$pages" ]; do
    cp "$T/base.db" "$T/bad.db"
    dd if=/dev/zero of="$T/bad.db" bs=4096 seek=$k count=1 conv=notrunc 2>/dev/null
    sum=$(sha256sum <"$T/bad.db")
    expect_error 1 "bad.db: store is damaged \(.*\); nothing was written" \
        "$V" collect --db "$T/bad.db" "$T/more"
    [ "$(sha256sum <"$T/bad.db")" = "$sum" ] || fail "page $k: the damaged store was modified"
    k=$((k + 1))
done
echo "$((pages - 1)) damaged stores refused"
finish
