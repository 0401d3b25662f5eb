#!/bin/sh
# Robustness of the store: two collectors writing one store at once over overlapping runs
# lose nothing and store nothing twice; a collector killed with SIGKILL in the middle of
# an ingest (run directories, then one large bundle) leaves a consistent store holding only
# whole runs, and the next ingest completes the work.
set -u
cd "$(dirname "$0")/../.." || exit 1
V=${VIOBENCH:-$PWD/viobench}
B=${VIOBENCH_BUILD:-build/default}
GEN=$B/tools/gen_runs
command -v sqlite3 >/dev/null || { echo "SKIP: sqlite3 not installed"; exit 77; }
[ -x "$GEN" ] || { echo "SKIP: $GEN not built (make tools)"; exit 77; }
T=$(mktemp -d "${TMPDIR:-/tmp}/vb-conc.XXXXXX")
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
q() { sqlite3 "$1" "$2"; }
ROWS=10

# --- two collectors, runs 0-299 and 150-449 (150 in common) ------------------------------
"$GEN" "$T/all" 450 $ROWS 3 || fail gen
mkdir "$T/a" "$T/b"
i=0
for d in "$T"/all/run-*; do
    [ $i -lt 300 ] && ln -s "$d" "$T/a/"
    [ $i -ge 150 ] && ln -s "$d" "$T/b/"
    i=$((i + 1))
done
DB=$T/conc.db
"$V" collect --db "$DB" "$T"/a/run-* >"$T/a.out" 2>&1 &
pa=$!
"$V" collect --db "$DB" "$T"/b/run-* >"$T/b.out" 2>&1 &
pb=$!
wait $pa || { cat "$T/a.out"; fail "collector A"; }
wait $pb || { cat "$T/b.out"; fail "collector B"; }
stored=0 already=0
for f in "$T/a.out" "$T/b.out"; do
    s=$(sed -n 's/.*inputs: \([0-9]*\) runs\? stored.*/\1/p' "$f")
    a=$(sed -n 's/.*rows), \([0-9]*\) already stored.*/\1/p' "$f")
    stored=$((stored + s)) already=$((already + a))
done
[ "$(q "$DB" "SELECT count(*), count(DISTINCT run_id), count(DISTINCT content_hash) FROM runs")" = "450|450|450" ] ||
    fail "runs: $(q "$DB" "SELECT count(*), count(DISTINCT run_id) FROM runs")"
[ "$(q "$DB" "SELECT count(*) FROM results")" = $((450 * ROWS)) ] || fail "results rows"
[ "$(q "$DB" "SELECT count(*) FROM (SELECT run FROM results GROUP BY run HAVING count(*) != $ROWS)")" = 0 ] ||
    fail "a run with missing or extra rows"
[ $stored = 450 ] && [ $already = 150 ] || fail "collectors stored $stored, skipped $already"
[ "$(q "$DB" "PRAGMA integrity_check")" = ok ] || fail integrity

# --- SIGKILL during an ingest of run directories ----------------------------------------
"$GEN" "$T/many" 600 20 4 || fail gen
DB=$T/kill.db
"$V" collect --db "$DB" "$T/many" >/dev/null 2>&1 &
pid=$!
for _ in $(seq 200); do
    n=$(q "$DB" "SELECT count(*) FROM runs" 2>/dev/null || echo 0)
    [ "${n:-0}" -ge 20 ] && break
    sleep 0.02
done
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
[ "$(q "$DB" "PRAGMA integrity_check")" = ok ] || fail "integrity after kill"
before=$(q "$DB" "SELECT count(*) FROM runs")
[ "$(q "$DB" "SELECT count(*) FROM (SELECT r.id FROM runs r LEFT JOIN results x ON x.run = r.id GROUP BY r.id HAVING count(x.id) != 20)")" = 0 ] ||
    fail "a partly stored run after the kill"
[ "$(q "$DB" "SELECT count(*) FROM results")" = $((before * 20)) ] || fail "orphan results after the kill"
echo "killed after $before of 600 runs"
"$V" collect --db "$DB" "$T/many" >"$T/out" 2>&1 || { cat "$T/out"; fail "ingest after kill"; }
grep -q "$((600 - before)) runs\? stored ($(((600 - before) * 20)) rows), $before already stored" "$T/out" ||
    { cat "$T/out"; fail "re-ingest after kill"; }
[ "$(q "$DB" "SELECT count(*) FROM results")" = 12000 ] || fail "rows after completing"

# --- SIGKILL during one bundle: all of it or nothing ------------------------------------
tar cf "$T/big.tar" -C "$T/many" . || fail tar
DB=$T/bundle.db
mkdir "$T/tmp"
TMPDIR=$T/tmp "$V" collect --db "$DB" "$T/big.tar" >/dev/null 2>&1 &
pid=$!
for _ in $(seq 200); do
    ls "$T/tmp" | grep -q viobench-bundle && break
    sleep 0.01
done
sleep 0.3
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
n=$(q "$DB" "SELECT count(*) FROM runs" 2>/dev/null || echo 0)
[ "$n" = 0 ] || [ "$n" = 600 ] || fail "bundle half stored: $n runs"
[ "$n" = 0 ] && echo "bundle killed mid-ingest: nothing stored" || echo "note: bundle finished before the kill"
"$V" collect --db "$DB" "$T/big.tar" >"$T/out" 2>&1 || { cat "$T/out"; fail "bundle after kill"; }
[ "$(q "$DB" "SELECT count(*) FROM runs")" = 600 ] || fail "bundle runs after re-ingest"
[ "$(q "$DB" "PRAGMA integrity_check")" = ok ] || fail "integrity after bundle"
# --- several collectors creating the same new store at the same instant ----------------
# Switching a new store to WAL meets the other openers' locks: every collector must still
# open it and store its share (a regression test for "database is locked" at open).
for trial in 1 2 3 4 5; do
    DB=$T/fresh$trial.db
    pids=""
    for c in 1 2 3; do
        "$V" collect --db "$DB" "$T/many/$(ls "$T/many" | sed -n ${c}p)" >"$T/fresh.$c" 2>&1 &
        pids="$pids $!"
    done
    for p in $pids; do wait $p || fail "trial $trial: a collector failed: $(cat "$T"/fresh.*)"; done
    [ "$(q "$DB" "SELECT count(*) FROM runs")" = 3 ] || fail "trial $trial: runs missing"
done
echo "collect_concurrent: ok"
