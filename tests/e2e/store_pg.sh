#!/bin/sh
# The PostgreSQL store (issue 17) against a real private server (tests/e2e/pg_lib.sh: initdb
# in a temporary directory, socket only, stopped on exit): the same inputs (viobench runs,
# fio json and json+, Google Benchmark JSON) collected into SQLite and PostgreSQL give the
# same sorted `export --format csv`, `collect ls` and analyze output; re-ingest and
# `collect --from` uploads store nothing twice; four collectors at once on overlapping
# inputs (into a fresh database: they also race to create the schema) store each run once;
# kill -9 mid-ingest leaves only whole runs and the next ingest completes the work; deleting
# runs deletes their labels, results and histograms as in SQLite, and truncating them too; a
# read-only role serves analyze and export and cannot collect; an unreachable server, a
# malformed connection string, a newer or older schema and a foreign database each give one
# clear line; a version-2 store is read as it is and migrated by a collect (its source
# check learns 'hdrlog'); the password (URI or PGPASSWORD) appears in no output. About 10 s.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pg_lib.sh"
B=${VIOBENCH_BUILD:-build/default}
GEN=$B/tools/gen_runs
[ -x "$GEN" ] || skip "$GEN not built (make tools)"
V=$VIOBENCH
SECRET=secret-xyz
export PGPASSWORD=$SECRET
trap 'pg_stop; rm -rf "$T"' EXIT
trap 'exit 130' INT TERM
pg_start "-c fsync=off -c synchronous_commit=off" || exit 1
pg_psql postgres "CREATE ROLE vbw LOGIN PASSWORD '$SECRET'" >/dev/null
pg_psql postgres "CREATE ROLE vbro LOGIN" >/dev/null
for d in vb vb2 vb3 vb4 vb5 other; do pg_psql postgres "CREATE DATABASE $d OWNER vbw" >/dev/null; done
U=$(pg_uri vbw vb)
# every output of every command goes through here: the password must never show
OUTS=$T/all-output
touch "$OUTS"
run() { "$@" >"$T/o" 2>"$T/e"; rc=$?; cat "$T/o" "$T/e" >>"$OUTS"; return $rc; }
xerr() { expect_error "$@"; cat "$T/stdout" "$T/err" >>"$OUTS"; }

"$GEN" "$T/in" 8 4 >/dev/null || fail "gen_runs"
FIX="tests/fixtures/collect/fio-randread-jsonplus.json tests/fixtures/collect/fio-write-json.json tests/fixtures/collect/gbench-complexity.json"
# shellcheck disable=SC2086
run "$V" collect --db "$T/s.db" "$T/in" $FIX || fail "collect into SQLite: $(cat "$T/e")"
# shellcheck disable=SC2086
run "$V" collect --db "$U" "$T/in" $FIX || fail "collect into PostgreSQL: $(cat "$T/e")"
grep -q "^collect: 11 inputs: 11 runs stored (.* rows), 0 already stored, 0 rejected" "$T/o" ||
    fail "first PostgreSQL collect: $(cat "$T/o")"
grep -q "^store postgresql:///vb?host=$PG_DIR&port=$PG_PORT: 11 runs" "$T/o" ||
    fail "store line names host and db only: $(cat "$T/o")"

# --- the same answers as SQLite -----------------------------------------------------------------
same() { # same WHAT CMD-ARGS...: output with --db SQLite and --db PostgreSQL identical
    what=$1; shift
    run "$V" "$@" --db "$T/s.db" || fail "$what on SQLite: $(cat "$T/e")"
    cp "$T/o" "$T/lite.out"
    run "$V" "$@" --db "$U" || fail "$what on PostgreSQL: $(cat "$T/e")"
    cmp -s "$T/o" "$T/lite.out" || { diff "$T/lite.out" "$T/o" | head -5; fail "$what differs"; }
    [ -s "$T/o" ] || fail "$what printed nothing"
}
"$V" export --db "$T/s.db" --format csv | sort >"$T/lite.csv"
run "$V" export --db "$U" --format csv || fail "export: $(cat "$T/e")"
sort "$T/o" >"$T/pg.csv"
cmp -s "$T/lite.csv" "$T/pg.csv" || fail "sorted export csv differs"
[ "$(wc -l <"$T/pg.csv")" -gt 300 ] || fail "export has only $(wc -l <"$T/pg.csv") lines"
same "export gbench-json" export --format gbench-json --run gbench-
same "collect ls" collect ls
same "collect ls selectors" collect ls 'hypervisor=kvm' 'release=r*' --since 2026-01-01
same "collect ls json" collect ls --json
same "collect ls globs" collect ls 'kernel=6.1.0-1[0-3]-amd64' complete=1 'source=v*' 'hypervisor=?vm' --until 2026-01-01T00:05
same "collect ls label" collect ls 'suite=synth*' 'release=r2'
same "analyze compare" analyze compare hypervisor=kvm hypervisor=hyperv
same "analyze compare fio" analyze compare source=fio source=fio
same "analyze trend" analyze trend --by kernel
same "analyze matrix" analyze matrix -b 'synth/bench000'
same "analyze gate" analyze gate --baseline release=r1 --max-regression 50% -m p50 release=r2

# --- idempotence: again, and an upload of the SQLite store ------------------------------------------
# shellcheck disable=SC2086
run "$V" collect --db "$U" "$T/in" $FIX || fail "second collect"
grep -q "11 inputs: 0 runs stored (0 rows), 11 already stored" "$T/o" || fail "re-collect: $(cat "$T/o")"
run "$V" collect --from "$T/s.db" --db "$U" || fail "--from into a full store: $(cat "$T/e")"
grep -q "11 inputs: 0 runs stored (0 rows), 11 already stored" "$T/o" || fail "--from again: $(cat "$T/o")"
U2=$(pg_uri vbw vb2)
run "$V" collect --from "$T/s.db" --db "$U2" || fail "--from: $(cat "$T/e")"
grep -q "11 inputs: 11 runs stored" "$T/o" || fail "--from: $(cat "$T/o")"
run "$V" collect --from "$T/s.db" --db "$U2" || fail "--from twice: $(cat "$T/e")"
grep -q "11 inputs: 0 runs stored (0 rows), 11 already stored" "$T/o" || fail "--from twice: $(cat "$T/o")"
"$V" export --db "$U2" --format csv | sort | cmp -s - "$T/lite.csv" || fail "uploaded store exports differently"
run "$V" collect --from "$U2" --db "$T/back.db" || fail "--from PostgreSQL into SQLite: $(cat "$T/e")"
"$V" export --db "$T/back.db" --format csv | sort | cmp -s - "$T/lite.csv" || fail "round trip back to SQLite differs"

# --- four collectors at once, overlapping, into a fresh database ------------------------------------
"$GEN" "$T/c" 24 3 9 >/dev/null || fail "gen_runs c"
U3=$(pg_uri vbw vb3)
i=0
for part in "0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15" "8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23" \
    "0 2 4 6 8 10 12 14 16 18 20 22" "23 21 19 17 15 13 11 9 7 5 3 1"; do
    args=""
    for k in $part; do args="$args $T/c/$(printf run-%06d "$k")"; done
    # shellcheck disable=SC2086
    "$V" collect --db "$U3" $args >"$T/p$i.out" 2>&1 &
    eval "pid$i=$!"
    i=$((i + 1))
done
stored=0
for i in 0 1 2 3; do
    eval "wait \$pid$i" || fail "concurrent collector $i: $(cat "$T/p$i.out")"
    n=$(sed -n 's/^collect: .* inputs: \([0-9]*\) runs\{0,1\} stored.*/\1/p' "$T/p$i.out")
    stored=$((stored + ${n:-0}))
    cat "$T/p$i.out" >>"$OUTS"
done
[ "$stored" -eq 24 ] || fail "concurrent collectors stored $stored runs in all, expected 24"
q=$(pg_psql vb3 "SELECT count(*), count(DISTINCT content_hash), (SELECT count(*) FROM results),
    (SELECT count(*) FROM histograms), (SELECT count(*) FROM pairings) FROM runs" -tA)
[ "$q" = "24|24|72|72|$(pg_psql vb3 "SELECT count(*) FROM (SELECT DISTINCT hypervisor, hypervisor_version, guest_os, guest_version, kernel, cpu_model, clocksource FROM pairings) x" -tA)" ] ||
    fail "after concurrent collectors: runs|hashes|rows|hists|pairings = $q"

# --- kill -9 mid-ingest, then the next ingest completes ---------------------------------------------
"$GEN" "$T/k" 150 12 11 >/dev/null || fail "gen_runs k"
U4=$(pg_uri vbw vb4)
"$V" collect --db "$U4" --jobs 0 "$T/k" >/dev/null 2>&1 &
kp=$!
n=0 tries=0
while [ "$n" -lt 5 ] && [ $tries -lt 400 ] && kill -0 $kp 2>/dev/null; do
    n=$(pg_psql vb4 "SELECT count(*) FROM runs" -tA 2>/dev/null || echo 0)
    tries=$((tries + 1))
done
kill -9 $kp 2>/dev/null && echo "killed the collector after $n runs were committed"
wait $kp 2>/dev/null
bad=$(pg_psql vb4 "SELECT count(*) FROM runs r WHERE (SELECT count(*) FROM results x WHERE x.run = r.id) <> 12
    OR (SELECT count(*) FROM histograms h JOIN results x ON x.id = h.result WHERE x.run = r.id) <> 12" -tA)
[ "$bad" = "0" ] || fail "$bad partial runs after kill -9"
run "$V" collect --db "$U4" "$T/k" || fail "collect after kill -9: $(cat "$T/e")"
[ "$(pg_psql vb4 "SELECT count(*) FROM runs" -tA)" = "150" ] || fail "runs after re-ingest"

# --- deleting runs takes their rows with them, as SQLite's ON DELETE CASCADE does --------------------
# (in PostgreSQL by triggers: labels, results and histograms carry no foreign key to their run)
run "$V" collect --db "$T/k.db" "$T/k" || fail "collect into SQLite: $(cat "$T/e")"
gone=$(pg_psql vb4 "SELECT string_agg(quote_literal(run_id), ',') FROM
    (SELECT run_id FROM runs ORDER BY run_id LIMIT 3) x" -tA)
pg_psql vb4 "DELETE FROM runs WHERE run_id IN ($gone)" >/dev/null || fail "deleting runs"
counts="SELECT (SELECT count(*) FROM runs) || '|' || (SELECT count(*) FROM labels) || '|' ||
    (SELECT count(*) FROM results) || '|' || (SELECT count(*) FROM histograms)"
pgc=$(pg_psql vb4 "$counts" -tA)
litec=$("$PY" -c "
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.execute('PRAGMA foreign_keys = ON')
c.execute('DELETE FROM runs WHERE run_id IN (%s)' % sys.argv[2])
c.commit()
print(c.execute(sys.argv[3]).fetchone()[0])" "$T/k.db" "$gone" "$counts") || fail "deleting in SQLite"
[ "$pgc" = "$litec" ] || fail "after deleting 3 runs, runs|labels|results|hists: PostgreSQL $pgc, SQLite $litec"
[ "${pgc%%|*}" = 147 ] || fail "147 runs expected after deleting 3: $pgc"
orphans=$(pg_psql vb4 "SELECT (SELECT count(*) FROM labels l WHERE NOT EXISTS (SELECT 1 FROM runs r WHERE r.id = l.run))
    + (SELECT count(*) FROM results x WHERE NOT EXISTS (SELECT 1 FROM runs r WHERE r.id = x.run))
    + (SELECT count(*) FROM histograms h WHERE NOT EXISTS (SELECT 1 FROM results x WHERE x.id = h.result))" -tA)
[ "$orphans" = 0 ] || fail "$orphans rows left pointing at deleted runs or results"
pg_psql vb4 "UPDATE runs SET id = id + 100000 WHERE id = (SELECT max(id) FROM runs)" >"$T/o" 2>&1 &&
    fail "a run's id changed under its rows"
grep -q "runs.id [0-9]* cannot change: rows of the store point at it" "$T/o" || fail "renumbering: $(cat "$T/o")"
pg_psql vb4 "TRUNCATE runs" >/dev/null || fail "truncating runs"
[ "$(pg_psql vb4 "$counts" -tA)" = "0|0|0|0" ] || fail "rows left after TRUNCATE runs: $(pg_psql vb4 "$counts" -tA)"

# --- a read-only role --------------------------------------------------------------------------------
pg_psql vb "GRANT SELECT ON ALL TABLES IN SCHEMA public TO vbro" >/dev/null
R=$(pg_uri vbro vb)
run "$V" export --db "$R" --format csv || fail "export as read-only role: $(cat "$T/e")"
sort "$T/o" | cmp -s - "$T/lite.csv" || fail "read-only export differs"
run "$V" analyze compare --db "$R" hypervisor=kvm hypervisor=hyperv || fail "analyze as read-only: $(cat "$T/e")"
"$GEN" "$T/new" 1 2 77 >/dev/null || fail "gen_runs new"
xerr 1 "^viobench: collect: .*permission denied" "$V" collect --db "$R" "$T/new"
# a collector role needs SELECT and INSERT on the tables, nothing more (docs/collect.md)
pg_psql postgres "CREATE ROLE vbins LOGIN" >/dev/null
pg_psql vb "GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA public TO vbins" >/dev/null
run "$V" collect --db "$(pg_uri vbins vb)" "$T/new" || fail "collect with SELECT and INSERT only: $(cat "$T/e")"
grep -q "1 run stored" "$T/o" || fail "collect with SELECT and INSERT only: $(cat "$T/o")"
# a statement that fails inside the one round trip of BEGIN, the run and COMMIT (no INSERT on
# histograms: the run's rows fail last) leaves nothing behind, and the next collect works
pg_psql postgres "CREATE ROLE vbnoh LOGIN" >/dev/null
pg_psql vb "GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA public TO vbnoh;
    REVOKE INSERT ON histograms FROM vbnoh" >/dev/null
before=$(pg_psql vb "SELECT count(*) || '/' || (SELECT count(*) FROM results) FROM runs" -tA)
"$GEN" "$T/new2" 2 3 78 >/dev/null || fail "gen_runs new2"
xerr 1 "^viobench: collect: .*store failed, input not stored: .*permission denied for table histograms" \
    "$V" collect --db "$(pg_uri vbnoh vb)" "$T/new2"
[ "$(pg_psql vb "SELECT count(*) || '/' || (SELECT count(*) FROM results) FROM runs" -tA)" = "$before" ] ||
    fail "a failed run statement left runs or rows behind"
run "$V" collect --db "$(pg_uri vbins vb)" "$T/new2" || fail "collect after the failed one: $(cat "$T/e")"
grep -q "2 runs stored" "$T/o" || fail "collect after the failed one: $(cat "$T/o")"

# --- bad servers, strings and schemas ------------------------------------------------------------------
BADU="postgresql://vbw:$SECRET@/vb?host=$T/nowhere&port=5"
xerr 1 "^viobench: collect: postgresql:///vb\?host=$T/nowhere&port=5: cannot connect: " \
    "$V" collect --db "$BADU" "$T/in"
xerr 1 "^viobench: analyze compare: postgresql:///vb\?host=$T/nowhere&port=5: cannot connect" \
    "$V" analyze compare --db "$BADU" hypervisor=kvm hypervisor=hyperv
xerr 1 "^viobench: collect: postgresql://127.0.0.1:1/vb: cannot connect: .*refused" \
    "$V" collect --db "postgresql://vbw:$SECRET@127.0.0.1:1/vb?sslmode=prefer" "$T/in"
xerr 1 "^viobench: export: .*cannot connect" "$V" export --format csv --db "host=$T/nowhere password=$SECRET dbname=vb"
xerr 1 "^viobench: collect ls: --db: not a valid PostgreSQL connection" \
    "$V" collect ls --db "host=/tmp password=$SECRET bogus"
xerr 1 "^viobench: collect ls: postgresql:///vb5\\?host=[^:]*: no viobench store in this database yet" \
    "$V" collect ls --db "$(pg_uri vbw vb5)"
run "$V" collect --db "$(pg_uri vbw vb5)" "$T/in/run-000000" || fail "collect into vb5"
pg_psql vb5 "UPDATE viobench_meta SET value = '99' WHERE key = 'schema_version'" >/dev/null
xerr 1 "vb5\\?host=[^:]*: store schema version 99 is newer than this viobench \(3\)" \
    "$V" collect --db "$(pg_uri vbw vb5)" "$T/in/run-000001"
xerr 1 "vb5\\?host=[^:]*: store schema version 99 is newer" "$V" analyze trend --by kernel --db "$(pg_uri vbw vb5)"
pg_psql vb5 "UPDATE viobench_meta SET value = '1' WHERE key = 'schema_version'" >/dev/null
xerr 1 "vb5\\?host=[^:]*: store schema version 1 needs migrating to 3" "$V" export --format csv --db "$(pg_uri vbw vb5)"
xerr 1 "vb5\\?host=[^:]*: no migration from schema version 1" "$V" collect --db "$(pg_uri vbw vb5)" "$T/in/run-000001"
# version 2 (runs.source without 'hdrlog'): read as it is, migrated by a collect
pg_psql vb5 "ALTER TABLE runs DROP CONSTRAINT runs_source_check, ADD CONSTRAINT runs_source_check
    CHECK (source IN ('viobench', 'gbench', 'fio'));
    UPDATE viobench_meta SET value = '2' WHERE key = 'schema_version'" >/dev/null
pg_psql vb5 "INSERT INTO runs (run_id, source, content_hash, pairing, ingested_at, context)
    SELECT 'x', 'hdrlog', 'hx', pairing, '', '{}' FROM runs LIMIT 1" >/dev/null 2>&1 &&
    fail "the version 2 check accepted source hdrlog"
run "$V" collect ls --db "$(pg_uri vbw vb5)" || fail "read-only open of version 2: $(cat "$T/e")"
grep -q "^synth-" "$T/o" || fail "version 2 ls: $(cat "$T/o")"
run "$V" collect --db "$(pg_uri vbw vb5)" tests/fixtures/collect/hdrlog-java.hlog ||
    fail "collect into version 2: $(cat "$T/e")"
[ "$(pg_psql vb5 "SELECT value FROM viobench_meta WHERE key = 'schema_version'" -tA)" = 3 ] ||
    fail "version 2 not migrated to 3"
[ "$(pg_psql vb5 "SELECT source FROM runs WHERE tool = 'hdrhistogram'" -tA)" = hdrlog ] ||
    fail "the HdrHistogram log's source: $(pg_psql vb5 "SELECT source, tool FROM runs" -tA)"
pg_psql other "CREATE TABLE runs (x int)" >/dev/null
xerr 1 "other\\?host=[^:]*: not a viobench store \(1 table and no viobench_meta" \
    "$V" collect --db "$(pg_uri vbw other)" "$T/in"
[ "$(pg_psql other "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'" -tA)" = 1 ] ||
    fail "the foreign database was changed"
grep -q "$SECRET" "$OUTS" && fail "the password appears in an output: $(grep "$SECRET" "$OUTS" | head -2)"
grep -q "$SECRET" "$PG_DIR/server.log" && fail "the password appears in the server log"

# --- the PostgreSQL schema has SQLite's tables and columns --------------------------------------------
"$PY" -c "
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
for (t,) in c.execute(\"select name from sqlite_master where type in ('table','view') order by name\"):
    for r in c.execute('pragma table_info(\"%s\")' % t):
        print(t, r[1])" "$T/s.db" | sort >"$T/lite.cols"
pg_psql vb "SELECT table_name || ' ' || column_name FROM information_schema.columns
    WHERE table_schema = 'public' AND table_name <> 'viobench_meta'" -tA | sort >"$T/pg.cols"
cmp -s "$T/lite.cols" "$T/pg.cols" || { diff "$T/lite.cols" "$T/pg.cols"; fail "schema columns differ"; }
finish
