#!/bin/sh
# The collector end to end: a real run ingested and exported back byte for byte (JSON and
# CSV, accepted by compare.py), re-ingest idempotence (the store dump is unchanged), tar
# bundles, selectors of `collect ls`, the tidy CSV, labels, and every kind of malformed
# input rejected with its path and reason, a non-zero exit and the store unchanged.
set -u
cd "$(dirname "$0")/../.." || exit 1
V=${VIOBENCH:-$PWD/viobench}
B=${VIOBENCH_BUILD:-build/default}
GEN=$B/tools/gen_runs
FIX=$PWD/tests/fixtures/collect
command -v sqlite3 >/dev/null || { echo "SKIP: sqlite3 not installed"; exit 77; }
[ -x "$GEN" ] || { echo "SKIP: $GEN not built (make tools)"; exit 77; }
T=$(mktemp -d "${TMPDIR:-/tmp}/vb-collect.XXXXXX")
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
DB=$T/store.db
dump() { sqlite3 "$DB" .dump | sha256sum; }

# --- a real run, ingested and exported back ----------------------------------------------
"$V" run --filter 'timer/read/*' --min-time 0.02s --repetitions 2 --quiet --out "$T/results" \
    --label release=r1 >/dev/null 2>&1 || fail "viobench run"
RUN=$(ls "$T/results" | grep -v latest)
"$V" collect --db "$DB" "$T/results" >"$T/out" 2>&1 || { cat "$T/out"; fail "collect"; }
grep -q "1 run stored" "$T/out" || { cat "$T/out"; fail "summary"; }
grep -q "per run" "$T/out" || fail "no store size per run in the summary"
"$V" export --db "$DB" --run "$RUN" >"$T/export.json" || fail "export json"
cmp "$T/export.json" "$T/results/$RUN/results.json" || fail "gbench-json export differs from results.json"
"$V" export --db "$DB" --run "$RUN" --format gbench-csv --out "$T/export.csv" || fail "export csv"
cmp "$T/export.csv" "$T/results/$RUN/results.csv" || fail "gbench-csv export differs from results.csv"
"$V" export --db "$DB" --run "$(echo "$RUN" | cut -c1-12)" >/dev/null || fail "run id prefix"
if [ -x /usr/bin/python3 ] && [ -f /usr/share/benchmark/compare.py ] &&
    /usr/bin/python3 -c 'import scipy' 2>/dev/null; then
    /usr/bin/python3 /usr/share/benchmark/compare.py benchmarks "$T/results/$RUN/results.json" \
        "$T/export.json" >"$T/cmp.txt" 2>&1 || { cat "$T/cmp.txt"; fail "compare.py"; }
    grep -q "timer/read/" "$T/cmp.txt" || { cat "$T/cmp.txt"; fail "compare.py output"; }
fi

# --- re-ingest: nothing changes ---------------------------------------------------------
before=$(dump)
"$V" collect --db "$DB" "$T/results" >"$T/out" 2>&1 || fail "re-collect"
grep -q "0 runs stored (0 rows), 1 already stored" "$T/out" || { cat "$T/out"; fail "re-ingest summary"; }
[ "$(dump)" = "$before" ] || fail "re-ingest changed the store"

# --- bundles ----------------------------------------------------------------------------
"$GEN" "$T/synth" 6 4 7 || fail "gen_runs"
tar czf "$T/guest.tgz" -C "$T/synth" . || fail tar
"$V" collect --db "$DB" "$T/guest.tgz" >"$T/out" 2>&1 || { cat "$T/out"; fail "bundle"; }
grep -q "6 runs stored (24 rows)" "$T/out" || { cat "$T/out"; fail "bundle summary"; }
tar cf "$T/same.tar" -C "$T" results || fail tar
before=$(dump)
"$V" collect --db "$DB" "$T/guest.tgz" "$T/same.tar" >"$T/out" 2>&1 || fail "bundle again"
grep -q "0 runs stored (0 rows), 7 already stored" "$T/out" || { cat "$T/out"; fail "bundle re-ingest"; }
[ "$(dump)" = "$before" ] || fail "bundle re-ingest changed the store"
sqlite3 "$DB" "SELECT origin FROM runs WHERE run_id = 'synth-7-000002'" | grep -q 'guest.tgz!run-000002$' ||
    fail "bundle origin"

# --- collect ls: selectors --------------------------------------------------------------
n() { "$V" collect ls --db "$DB" "$@" | tail -1; }
[ "$(n)" = "7 runs" ] || fail "ls all: $(n)"
[ "$(n hypervisor=kvm 'run_id=synth-*')" = "2 runs" ] || fail "ls hypervisor=kvm: $(n hypervisor=kvm 'run_id=synth-*')"
[ "$(n 'hypervisor=hyper*' 'kernel=6.1.0-1[14]-amd64')" = "2 runs" ] || fail "ls globs"
[ "$(n release=r1)" = "5 runs" ] || fail "ls label: $(n release=r1)"
[ "$(n source=viobench --since 2026-01-01T00:03 --until 2026-01-01T00:04)" = "2 runs" ] ||
    fail "ls dates"
"$V" collect ls --db "$DB" --json hypervisor=vmware | grep -q '"hypervisor": "vmware"' || fail "ls --json"

# --- labels at collect time fill the pairing -------------------------------------------
"$GEN" "$T/one" 1 2 8 100 || fail gen
sed -i -e '/"hypervisor": {/,/}/ s/"name": "[a-z]*"/"name": "unknown"/' \
    -e 's/"hypervisor": "[a-z]*"/"hypervisor": "unknown"/' "$T/one/run-000100/context.json"
"$V" collect --db "$DB" --label site=lab1 --label hypervisor=xen "$T/one" >/dev/null 2>&1 || fail "labels"
[ "$(n site=lab1 hypervisor=xen)" = "1 run" ] || fail "label and pairing from --label"

# --- tidy CSV ---------------------------------------------------------------------------
"$V" export --db "$DB" --format csv release=r1 --out "$T/tidy.csv" || fail "tidy csv"
head -1 "$T/tidy.csv" | grep -q '^run_id,source,start_time,hypervisor,.*,metric,value,unit$' || fail "tidy header"
rows=$(sqlite3 "$DB" "SELECT count(*) FROM results r JOIN labels l ON l.run = r.run
    WHERE l.key = 'release' AND l.value = 'r1' AND r.p99_ns IS NOT NULL")
[ "$(grep -c ',p99_ns,' "$T/tidy.csv")" = "$rows" ] || fail "tidy p99 lines $(grep -c ',p99_ns,' "$T/tidy.csv") != $rows"
[ "$(cut -d, -f1 "$T/tidy.csv" | sort -u | wc -l)" = 7 ] || fail "tidy runs"
# Values in the tidy table are the stored ones, at full precision.
want=$(sqlite3 "$DB" "SELECT printf('%.17g', real_time) FROM results_view
    WHERE run_id = '$RUN' AND seq = 0")
got=$(grep "^$RUN,.*,real_time," "$T/tidy.csv" | head -1 | awk -F, '{print $(NF-1)}')
[ -n "$got" ] && [ "$(printf "%.10g" "$got")" = "$(printf "%.10g" "$want")" ] || fail "tidy real_time $got != $want"

# --- docs/collect.md's sqlite3 examples work on this store -----------------------------
awk -v dir="$T" '/^sqlite3 -header -column results\/viobench.db "$/ { q = 1; n++; next }
    q && /"$/ { sub(/"$/, ""); print > (dir "/readme" n ".sql"); q = 0; next }
    q { print > (dir "/readme" n ".sql") }' docs/collect.md
[ -s "$T/readme1.sql" ] && [ -s "$T/readme2.sql" ] || fail "docs/collect.md queries not found"
for k in 1 2; do
    sqlite3 "$DB" <"$T/readme$k.sql" >"$T/q.out" 2>&1 || { cat "$T/q.out"; fail "README query $k"; }
    grep -q 'timer/read/monotonic\|^.*|'"$RUN"'|' "$T/q.out" || { cat "$T/q.out"; fail "README query $k: no rows"; }
done

# --- malformed inputs: rejected, named, store unchanged ---------------------------------
mkdir -p "$T/bad"
head -c 300 "$FIX/gbench-complexity.json" >"$T/bad/truncated.json"
sed 's/"iterations": 1256834/"iterations": "many"/' "$FIX/gbench-complexity.json" >"$T/bad/types.json"
sed 's/"name": "BM_Err",//' "$FIX/gbench-complexity.json" >"$T/bad/missing.json"
cp "$FIX/fio-error.json" "$T/bad/fio-error.json"
cp "$V" "$T/bad/binary.json"
cp "$V" "$T/bad/binary.bin"
head -c 3000 "$T/guest.tgz" >"$T/bad/truncated.tgz"
mkdir -p "$T/mixed" && "$GEN" "$T/mixed/good" 1 2 11 || fail gen

cp "$T/bad/types.json" "$T/mixed/" && tar czf "$T/bad/mixed.tgz" -C "$T/mixed" . || fail tar
"$GEN" "$T/brokenrun" 1 2 9 || fail gen
printf '{"context": {}, "benchmarks": [' >"$T/brokenrun/run-000000/results.json"
echo "just some notes" >"$T/bad/notes.txt"
before=$(dump)
for f in truncated.json:line types.json:iterations missing.json:name fio-error.json:'error 22' \
    binary.json:binary binary.bin:'unknown input' truncated.tgz:'[Tt]runcated' mixed.tgz:types.json \
    notes.txt:'unknown input' ../brokenrun/run-000000:results.json; do
    file=${f%%:*} why=${f#*:}
    "$V" collect --db "$DB" "$T/bad/$file" >"$T/out" 2>"$T/err"
    rc=$?
    [ $rc = 1 ] || fail "$file: exit $rc, want 1"
    grep -q "collect: $T/bad/$file: .*$why" "$T/err" || { cat "$T/err"; fail "$file: message"; }
    [ "$(wc -l <"$T/err")" = 1 ] || { cat "$T/err"; fail "$file: not one line"; }
    [ "$(dump)" = "$before" ] || fail "$file: store changed"
done

# --- keep-going: the rest is stored, the summary lists the rejected ---------------------
"$GEN" "$T/kg" 2 2 10 || fail gen
cp "$T/bad/truncated.json" "$T/bad/fio-error.json" "$T/kg/"
"$V" collect --db "$DB" "$T/kg" >"$T/out" 2>"$T/err" && fail "keep-less walk exit 0"
grep -q "0 runs stored" "$T/out" && grep -q "1 rejected" "$T/out" || { cat "$T/out"; fail "stop at first"; }
"$V" collect --db "$DB" --keep-going "$T/kg" >"$T/out" 2>"$T/err"
[ $? = 1 ] || fail "keep-going exit status"
grep -q "2 runs stored (4 rows), 0 already stored, 2 rejected" "$T/out" || { cat "$T/out"; fail "keep-going summary"; }
grep -q "^  $T/kg/fio-error.json: job 'misaligned' failed" "$T/out" || { cat "$T/out"; fail "rejects listed"; }

# --- usage errors -----------------------------------------------------------------------
"$V" collect --db "$DB" --label nokey "$T/kg" 2>"$T/err"; [ $? = 2 ] || fail "bad --label"
grep -q -- "--label: 'nokey' is not KEY=VALUE" "$T/err" || fail "bad --label message"
"$V" collect --db "$DB" --jobs 99 "$T/kg" 2>"$T/err"; [ $? = 2 ] || fail "bad --jobs"
grep -q -- "--jobs: 99 is out of range" "$T/err" || fail "bad --jobs message"
"$V" collect ls --db "$DB" 'bad key=1' 2>"$T/err"; [ $? = 2 ] || fail "bad selector"
grep -q "selector 'bad key=1'" "$T/err" || fail "bad selector message"
"$V" collect ls --db "$DB" --since yesterday 2>"$T/err"; [ $? = 2 ] || fail "bad --since"
grep -q "\-\-since 'yesterday'" "$T/err" || fail "bad --since message"
"$V" collect ls --db "$T/none.db" 2>"$T/err"; [ $? = 1 ] || fail "ls without store"
grep -q "none.db: no store here" "$T/err" || fail "ls without store message"
"$V" export --db "$DB" --run nosuchrun 2>"$T/err"; [ $? = 1 ] || fail "export missing run"
grep -q "no run 'nosuchrun'" "$T/err" || fail "export missing run message"
"$V" export --db "$DB" --run synth- 2>"$T/err"; [ $? = 1 ] || fail "ambiguous run"
grep -q "ambiguous" "$T/err" || fail "ambiguous message"
"$V" export --db "$DB" --run "$RUN" --format yaml 2>"$T/err"; [ $? = 2 ] || fail "bad format"
grep -q "'yaml' is not gbench-json, gbench-csv, csv, hdrlog, prometheus, bmf or otava-csv" "$T/err" || fail "bad format message"
"$V" export --db "$DB" hypervisor=kvm 2>"$T/err"; [ $? = 2 ] || fail "gbench-json with selectors"
grep -q "writes one run" "$T/err" || fail "one run message"
"$V" export --db "$DB" --run "$RUN" --out "$T/nodir/x.json" 2>"$T/err"; [ $? = 1 ] || fail "bad --out"
grep -q "\-\-out: $T/nodir/x.json" "$T/err" || fail "bad --out message"
echo "not a database, not at all, just text" >"$T/text.db"
"$V" collect --db "$T/text.db" "$T/kg" 2>"$T/err"; [ $? = 1 ] || fail "text as store"
grep -q "text.db" "$T/err" || fail "text store message"
"$V" collect --help | grep -q EXAMPLES || fail "collect --help"
"$V" export --help | grep -q EXAMPLES || fail "export --help"
sqlite3 "$DB" "PRAGMA integrity_check" | grep -qx ok || fail "integrity"
echo "collect: ok"
