#!/bin/sh
# HdrHistogram interval logs into the store (collect/ingest_hdrlog.c), with logs made by
# tests/tools/hdrlog_craft.py (an encoder independent of viobench's): tagged, untagged and
# %XX-escaped tags, StartTime, BaseTime and absolute timestamps, an "EndTimestamp" legend,
# detection by content under any file name; then every hostile case (bad base64, cookies,
# lengths, zlib data, a 64 MiB zlib bomb, layouts, runs and indexes past the layout, counts
# that overflow, truncated counts, long lines, NUL bytes, duplicates, control characters,
# names that are not UTF-8)
# rejected with its one line, and nothing of a rejected log in the store.
. "$(dirname "$0")/lib.sh"
[ -x "$PY" ] || skip "$PY not installed"
V=$VIOBENCH
C=tests/tools/hdrlog_craft.py
DB=$T/s.db
craft() { "$PY" "$C" "$1" "$2" || fail "craft $1"; }
q() { sqlite3 "$DB" "$1"; }
command -v sqlite3 >/dev/null || skip "sqlite3 not installed"

# Good logs, one under a name that says nothing (detection by content).
craft good "$T/good.hlog"
craft good-endtimestamp "$T/wrk2-output.txt"
craft good-absolute "$T/abs.log"
"$V" collect --db "$DB" "$T/good.hlog" "$T/wrk2-output.txt" "$T/abs.log" >"$T/out" 2>&1 ||
    { cat "$T/out"; fail "collect good logs"; }
grep -q "3 runs stored (6 rows)" "$T/out" || fail "summary: $(cat "$T/out")"
[ "$(q "SELECT count(*) FROM runs WHERE tool = 'hdrhistogram' AND start_time LIKE '2025-11-24T16:00:00%'")" = 3 ] ||
    fail "runs: $(q "SELECT run_id, tool, tool_version, start_time FROM runs")"
got=$(q "SELECT b.name || '#' || r.repetition_index FROM results r JOIN benchmarks b ON b.id = r.benchmark JOIN runs u ON u.id = r.run WHERE u.origin LIKE '%good.hlog' ORDER BY r.seq" | tr '\n' ' ')
[ "$got" = "net/rr#0 net/rr#1 hdrlog#0 odd,name x#3 " ] || fail "names and repetitions: '$got'"
# 35 values at 1500, 1501, 1502 ns (10, 20, 5): p50 is 1501, which viobench's bucket
# [1496, 1504) reports as its midpoint 1500 (0.07% off); max is exact
[ "$(q "SELECT iterations || ' ' || p50_ns || ' ' || max_ns FROM results LIMIT 1")" = "35 1500.0 1502.0" ] ||
    fail "figures: $(q "SELECT iterations, p50_ns, max_ns, min_ns FROM results LIMIT 1")"
[ "$(q "SELECT count(*) FROM histograms")" = 6 ] || fail "histograms: $(q "SELECT count(*) FROM histograms")"
# a first line that is a plain comment still makes a log (JSON never starts with '#')
craft good-comment "$T/comment.hlog"
"$V" collect --db "$T/c.db" "$T/comment.hlog" >/dev/null 2>&1 || fail "a log opening with a comment"
# the same content again is already stored
"$V" collect --db "$DB" "$T/good.hlog" >"$T/out" 2>&1 && grep -q "1 already stored" "$T/out" ||
    fail "re-collect: $(cat "$T/out")"

runs_before=$(q "SELECT count(*) FROM runs")
bad() {
    craft "$1" "$T/$1.hlog"
    expect_error 1 "^viobench: collect: .*$1.hlog: (HdrHistogram log )?$2" "$V" collect --db "$DB" "$T/$1.hlog"
}
bad fields "HdrHistogram log line 4: an interval line has 3 fields, not 4"
bad base64 "line 4: histogram is not valid base64$"
bad cookie "line 4: histogram cookie 0x12345678 is not HdrHistogram's compressed V2$"
bad v1 "line 4: histogram cookie 0x1c849302: only the compressed V2 encoding is read$"
bad zlen "line 4: histogram declares 999 compressed bytes but holds [0-9]+$"
bad zlib "line 4: histogram's zlib data is corrupt$"
bad bomb "line 4: histogram inflates to more than 2097152 bytes \(the limit\)$"
bad plen "line 4: histogram declares a 1048576-byte payload but holds 2$"
bad layout "line 4: histogram layout lowest=1 highest=3600000000000 digits=7 is not one HdrHistogram makes$"
bad runpast "line 4: histogram's run of empty buckets passes its last bucket$"
bad index "line 4: histogram bucket index 2048 is past its layout \(2048 buckets\)$"
bad overflow "line 4: histogram's total count overflows 63 bits$"
bad truncated "line 4: histogram payload ends inside a count$"
bad legend "line 2: unknown legend \"Foo\",\"Bar\""
bad longline "line 4: longer than 4194304 bytes$"
bad empty "HdrHistogram log without intervals$"
bad twice "line 5: benchmark 'a' repetition 1 appears twice$"
bad start "line 4: interval start '-5' is not a number of seconds$"
bad nul "binary data \(a NUL byte at offset [0-9]+\), not an HdrHistogram log$"
bad utf8 "line 4: tag 'bad%FFname' is not valid UTF-8$"
bad halfgood "line 6: histogram layout .* digits=9 is not one HdrHistogram makes$"
bad control "line 4: tag 'bad%0Aname' holds a control character$"
[ "$(q "SELECT count(*) FROM runs")" = "$runs_before" ] || fail "a rejected log left runs behind"
[ "$(q "SELECT count(*) FROM benchmarks WHERE name = 'a'")" = 0 ] || fail "half a log stored"
# Not a log, not JSON: the walker names what it accepts.
printf 'hello\n' >"$T/notes.txt"
expect_error 1 "notes.txt: unknown input: .*an HdrHistogram log" "$V" collect --db "$DB" "$T/notes.txt"
finish
