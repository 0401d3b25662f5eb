#!/bin/sh
# fio end to end: a real fio job (json+ and json) on a small temporary file is ingested;
# its rows say they came from fio, json+ keeps a histogram per completion latency, the
# export is Google Benchmark JSON that compare.py reads, and the tidy CSV carries fio's
# percentiles.
set -u
cd "$(dirname "$0")/../.." || exit 1
V=${VIOBENCH:-$PWD/viobench}
command -v fio >/dev/null || { echo "SKIP: fio not installed"; exit 77; }
command -v sqlite3 >/dev/null || { echo "SKIP: sqlite3 not installed"; exit 77; }
T=$(mktemp -d "${TMPDIR:-/tmp}/vb-fio.XXXXXX")
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

for fmt in json+ json; do
    fio --name=mix --filename="$T/data" --size=2m --rw=randrw --bs=4k --ioengine=psync \
        --runtime=1 --time_based --output-format="$fmt" --output="$T/fio-$fmt.json" \
        >"$T/fio.log" 2>&1 || { cat "$T/fio.log"; fail "fio $fmt"; }
done
"$V" collect --db "$T/s.db" --label hypervisor=kvm "$T/fio-json+.json" "$T/fio-json.json" \
    >"$T/out" 2>&1 || { cat "$T/out"; fail collect; }
grep -q "2 runs stored" "$T/out" || { cat "$T/out"; fail summary; }
q() { sqlite3 "$T/s.db" "$1"; }
[ "$(q "SELECT count(*) FROM runs WHERE source = 'fio' AND tool = 'fio'")" = 2 ] || fail "runs"
[ "$(q "SELECT count(*) FROM results_view WHERE benchmark IN ('fio/mix/read/clat', 'fio/mix/write/clat') AND hypervisor = 'kvm'")" = 4 ] ||
    fail "clat rows: $(q "SELECT benchmark FROM results_view")"
[ "$(q "SELECT count(*) FROM histograms")" = 2 ] || fail "json+ histograms: $(q "SELECT count(*) FROM histograms")"
[ "$(q "SELECT count(*) FROM results WHERE p99_ns > 0 AND items_per_second > 0")" -ge 4 ] || fail "percentiles and IOPS"
RUN=$("$V" collect ls --db "$T/s.db" | sed -n 2p | cut -d' ' -f1)
"$V" export --db "$T/s.db" --run "$RUN" >"$T/export.json" || fail export
grep -q '"name": "fio/mix/read/clat"' "$T/export.json" || fail "export rows"
if [ -x /usr/bin/python3 ] && [ -f /usr/share/benchmark/compare.py ] &&
    /usr/bin/python3 -c 'import scipy' 2>/dev/null; then
    /usr/bin/python3 /usr/share/benchmark/compare.py benchmarks "$T/export.json" "$T/export.json" \
        >"$T/cmp.txt" 2>&1 || { cat "$T/cmp.txt"; fail "compare.py"; }
    grep -q "fio/mix/write/clat" "$T/cmp.txt" || { cat "$T/cmp.txt"; fail "compare.py output"; }
fi
"$V" export --db "$T/s.db" --format csv source=fio >"$T/tidy.csv" || fail "tidy"
grep -q ',fio/mix/read/clat,fio/mix/read/clat,iteration,,0,1,p99_ns,[0-9.e+]*,ns$' "$T/tidy.csv" || fail "tidy p99"
echo "collect_fio: ok"
