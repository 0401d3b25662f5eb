#!/bin/sh
# Hostile bundles and run directories (issue 15, part 1): a guest is not trusted, so what it
# sends must not touch anything outside its own extraction, crash, hang, or leave its
# extraction directory behind. Each case builds its tar with Python's tarfile and checks the
# outcome: hard links to a relative and an absolute victim (the victims and the store stay
# byte-identical, `collect ls` still lists the earlier runs), symbolic links (skipped and
# counted; a member "through" one lands inside the extraction), devices, FIFOs, absolute
# and ".." names, a member 3,000 directories deep, a deep directory on disk, too many
# members, an oversized member, a truncated tar (the message names the bundle), FIFOs in a
# run directory (refused at once), Ctrl-C and a crash during extraction; and after each,
# no viobench-bundle.* left in TMPDIR.
. "$(dirname "$0")/lib.sh"
B=${VIOBENCH_BUILD:-build/default}
GEN=$B/tools/gen_runs
[ -x "$GEN" ] || skip "$GEN not built (make tools)"
[ -x "$PY" ] || skip "$PY not installed"
command -v timeout >/dev/null || skip "timeout not installed"
V=$VIOBENCH
TMP=$T/tmp
mkdir -p "$TMP" "$T/cwd" "$T/victims" "$T/evil"

# Nothing left behind by the extraction.
clean_tmp() {
    left=$(ls -A "$TMP")
    [ -z "$left" ] || { fail "$1: left in TMPDIR: $left"; rm -rf "${TMP:?}"/*; }
}

# collect_in_cwd NAME ARGS...: run collect from $T/cwd (its default store is
# results/viobench.db there), bounded in time; status in $rc, output in $T/out, $T/err.
collect_in_cwd() {
    name=$1
    shift
    (cd "$T/cwd" && TMPDIR=$TMP timeout 60 "$V" collect "$@" >"$T/out" 2>"$T/err")
    rc=$?
    [ $rc -ne 124 ] || fail "$name: collect did not finish in 60 s"
    [ $rc -lt 128 ] || fail "$name: collect died of signal $((rc - 128)): $(cat "$T/err")"
    clean_tmp "$name"
}

# refused NAME PATTERN: the last collect exited 1 with one line naming the bundle and
# matching PATTERN.
refused() {
    [ "$rc" -eq 1 ] || fail "$1: exit $rc, want 1: $(cat "$T/err")"
    [ "$(wc -l <"$T/err")" -eq 1 ] || fail "$1: not one line: $(cat "$T/err")"
    grep -Eq "^viobench: collect: $T/evil/$1: .*$2" "$T/err" ||
        fail "$1: message '$(cat "$T/err")' does not match /$2/"
}

# --- a store with earlier runs, and victims -------------------------------------------
"$GEN" "$T/good" 3 2 5 >/dev/null || fail "gen_runs"
collect_in_cwd setup "$T/good"
[ $rc -eq 0 ] || fail "setup collect: $(cat "$T/err")"
DB=$T/cwd/results/viobench.db
printf 'precious data\n' >"$T/victims/abs.txt"
mkdir -p "$T/victims/dir"
snap() { sha256sum "$DB" "$T/victims/abs.txt" | awk '{print $1}' | tr '\n' ' '; ls -A "$T/victims/dir"; }
before=$(snap)
runs_before=$("$V" collect ls --db "$DB" | tail -1)
[ "$runs_before" = "3 runs" ] || fail "setup: $runs_before"

# --- the hostile tars -------------------------------------------------------------------
"$PY" tests/tools/hostile_tars.py "$T/evil" "$T/victims" "$T/good" || fail "making the hostile tars"

# --- hard links: refused, victims and store untouched ----------------------------------
collect_in_cwd hl-rel "$T/evil/hl-rel.tar"
refused hl-rel.tar "member 'run/context.json': a hard link \(to 'results/viobench.db'\), refused"
collect_in_cwd hl-abs "$T/evil/hl-abs.tar"
refused hl-abs.tar "member 'run/context.json': a hard link \(to '$T/victims/abs.txt'\), refused"
collect_in_cwd hl-plain "$T/evil/hl-plain.tar"
refused hl-plain.tar "member 'results/copy.json': a hard link"
[ "$(snap)" = "$before" ] || fail "hard links: a victim or the store changed"
[ "$("$V" collect ls --db "$DB" | tail -1)" = "$runs_before" ] || fail "hard links: store lost runs"
"$V" collect ls --db "$DB" | grep -q "synth-5-000002" || fail "hard links: earlier run not listed"

# --- symbolic links: skipped and counted, never created --------------------------------
collect_in_cwd latest "$T/evil/latest.tgz"
[ $rc -eq 0 ] || fail "latest: exit $rc: $(cat "$T/err")"
grep -q "1 already stored" "$T/out" || fail "latest: $(cat "$T/out")"
grep -q "^bundles: 1 symbolic link skipped" "$T/out" || fail "latest: link count: $(cat "$T/out")"
collect_in_cwd through "$T/evil/through.tar"
[ $rc -eq 0 ] || fail "through: exit $rc: $(cat "$T/err")"
grep -q "^bundles: 2 symbolic links skipped" "$T/out" || fail "through: $(cat "$T/out")"
[ "$(snap)" = "$before" ] || fail "through: wrote through a link: $(ls -A "$T/victims/dir")"

# --- devices, FIFOs, absolute and escaping names ---------------------------------------
collect_in_cwd chardev "$T/evil/chardev.tar"
refused chardev.tar "member 'results/null': a device, refused"
collect_in_cwd blockdev "$T/evil/blockdev.tar"
refused blockdev.tar "member 'results/sda': a device, refused"
collect_in_cwd fifo "$T/evil/fifo.tar"
refused fifo.tar "member 'results/.*/results.json.fifo': a FIFO, refused"
collect_in_cwd absolute "$T/evil/absolute.tar"
refused absolute.tar "member '$T/victims/dir/abs-owned.json': an absolute name, refused"
collect_in_cwd dotdot "$T/evil/dotdot.tar"
refused dotdot.tar "a '\.\.' in its name, refused"
[ "$(snap)" = "$before" ] || fail "names: a victim or the store changed"
[ ! -e "$T/victims/dir/dotdot-owned.json" ] && [ ! -e "$T/victims/dir/abs-owned.json" ] ||
    fail "an escaping member was written"

# --- bounds -----------------------------------------------------------------------------
[ "$(wc -c <"$T/evil/deep.tgz")" -lt 20000 ] || fail "deep.tgz is not small"
collect_in_cwd deep "$T/evil/deep.tgz"
refused deep.tgz "member 'a/a/a.*: a name longer than 1024 bytes, refused"
collect_in_cwd deep65 "$T/evil/deep65.tar"
refused deep65.tar "a name more than 64 components deep"
collect_in_cwd deep64 "$T/evil/deep64.tar" # 61 directories, the run, a file: 64 components
[ $rc -eq 0 ] || fail "deep64: a run 63 directories deep: exit $rc: $(cat "$T/err")"
collect_in_cwd longname "$T/evil/longname.tar"
refused longname.tar "a name component longer than 255 bytes"
collect_in_cwd twice "$T/evil/twice.tar"
refused twice.tar "named twice in the bundle"
collect_in_cwd many "$T/evil/many.tar"
refused many.tar "more than 100000 members, refused"
collect_in_cwd huge "$T/evil/huge.tar"
refused huge.tar "member 'results/huge.json': 2147483648 bytes, more than the 1 GiB"
collect_in_cwd cut "$T/evil/cut.tar"
refused cut.tar "truncated or corrupt bundle: .*[Tt]runcated"
[ "$(snap)" = "$before" ] || fail "bounds: the store changed"

# A directory 3,000 deep on disk: an error naming where the walk stopped, no crash.
mkdir -p "$T/deepdir" && "$PY" -c '
import os, sys
os.chdir(sys.argv[1])
for _ in range(3000):
    os.mkdir("d")
    os.chdir("d")
' "$T/deepdir" || fail "making a deep directory"
collect_in_cwd deepdir "$T/deepdir"
[ $rc -eq 1 ] || fail "deepdir: exit $rc, want 1"
grep -Eq "^viobench: collect: $T/deepdir(/d)+: directories nested more than 64 deep, not walked$" \
    "$T/err" || fail "deepdir: message: $(cut -c1-300 "$T/err")"

# --- FIFOs and links in a run directory: refused at once, never waited on ---------------
for f in results.json histograms.txt context.json; do
    rm -rf "$T/fifo"
    "$GEN" "$T/fifo" 1 2 7 >/dev/null || fail gen
    r=$(ls "$T/fifo")
    rm -f "$T/fifo/$r/$f" && mkfifo "$T/fifo/$r/$f" || fail mkfifo
    start=$(date +%s)
    collect_in_cwd "fifo-$f" "$T/fifo/$r"
    [ $(($(date +%s) - start)) -le 10 ] || fail "fifo $f: took more than 10 s"
    [ $rc -eq 1 ] || fail "fifo $f: exit $rc, want 1"
    grep -q "$T/fifo/$r/$f: not a regular file (a FIFO, device or socket), not read" "$T/err" ||
        fail "fifo $f: message: $(cat "$T/err")"
done
rm -f "$T/fifo/$r/context.json" && ln -s "$T/victims/abs.txt" "$T/fifo/$r/context.json"
collect_in_cwd symlink-context "$T/fifo/$r"
[ $rc -eq 1 ] && grep -q "context.json: a symbolic link, not followed" "$T/err" ||
    fail "symlinked context.json: exit $rc: $(cat "$T/err")"
mkfifo "$T/named.fifo"
collect_in_cwd named-fifo "$T/named.fifo"
[ $rc -eq 1 ] && grep -q "named.fifo: not a regular file or directory" "$T/err" ||
    fail "named FIFO: exit $rc: $(cat "$T/err")"
[ "$(snap)" = "$before" ] || fail "run directories: the store changed"

# --- Ctrl-C and a crash while a bundle is extracted: the directory goes -----------------
"$PY" - "$T/big.tgz" "$T/good" <<'PYEOF' || fail "making a big bundle"
import io, os, sys, tarfile
with tarfile.open(sys.argv[1], "w:gz", compresslevel=1) as t:
    t.add(sys.argv[2], "results")
    for i in range(16):
        ti = tarfile.TarInfo("results/blob%d.bin" % i); ti.size = 32 << 20
        t.addfile(ti, io.BytesIO(bytes(ti.size)))
PYEOF
for sig in INT TERM SEGV; do
    # A background job starts with SIGINT ignored: restore the default, as in a terminal.
    (cd "$T/cwd" && TMPDIR=$TMP exec "$PY" -c 'import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.execv(sys.argv[1], sys.argv[1:])' "$V" collect "$T/big.tgz" >"$T/out" 2>"$T/err") &
    pid=$!
    n=0
    while [ -z "$(ls -A "$TMP")" ] && [ $n -lt 200 ] && kill -0 $pid 2>/dev/null; do
        sleep 0.05
        n=$((n + 1))
    done
    [ -n "$(ls -A "$TMP")" ] || fail "$sig: no extraction directory seen"
    kill -$sig $pid
    wait $pid
    rc=$?
    # Killed by the signal (128 + its number); a sanitizer reports a SEGV and exits 1.
    case $sig in INT) want=130 ;; TERM) want=143 ;; SEGV) want=139 ;; esac
    if [ $sig = SEGV ] && [ $rc -eq 1 ] && grep -q Sanitizer "$T/err"; then want=1; fi
    [ $rc -eq $want ] || fail "$sig: exit $rc, want $want: $(cat "$T/err")"
    clean_tmp "$sig"
done
[ "$(snap)" = "$before" ] || fail "interrupted: the store changed"
[ "$("$V" collect ls --db "$DB" | tail -1)" = "$runs_before" ] || fail "store lost runs"
finish
