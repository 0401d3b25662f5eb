#!/bin/sh
# Google Benchmark round trip: a real Google Benchmark program (counters, a label with a
# comma and quotes, an error, repetitions with aggregates, complexity rows) is built and
# run, its JSON ingested, and the export is equal in content to the original and accepted
# by compare.py; the gbench-csv export names every row.
set -u
cd "$(dirname "$0")/../.." || exit 1
V=${VIOBENCH:-$PWD/viobench}
command -v g++ >/dev/null || { echo "SKIP: g++ not installed"; exit 77; }
[ -f /usr/include/benchmark/benchmark.h ] || { echo "SKIP: libbenchmark-dev not installed"; exit 77; }
[ -x /usr/bin/python3 ] || { echo "SKIP: /usr/bin/python3 missing"; exit 77; }
T=$(mktemp -d "${TMPDIR:-/tmp}/vb-gbench.XXXXXX")
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

cat >"$T/bm.cc" <<'CC'
#include <benchmark/benchmark.h>
#include <vector>
static void BM_Vec(benchmark::State &s)
{
    for (auto _ : s) {
        std::vector<int> v(s.range(0));
        benchmark::DoNotOptimize(v.data());
    }
    s.SetComplexityN(s.range(0));
    s.counters["elems"] = benchmark::Counter(s.range(0), benchmark::Counter::kIsRate);
    s.SetBytesProcessed(s.iterations() * s.range(0) * 4);
    s.SetLabel("a, \"label\"");
}
BENCHMARK(BM_Vec)->Range(8, 512)->Complexity();
static void BM_Err(benchmark::State &s)
{
    for (auto _ : s) {
        s.SkipWithError("no device");
        break;
    }
}
BENCHMARK(BM_Err);
static void BM_Rep(benchmark::State &s)
{
    for (auto _ : s)
        benchmark::DoNotOptimize(s.iterations());
    s.SetItemsProcessed(s.iterations());
}
BENCHMARK(BM_Rep)->Repetitions(3);
BENCHMARK_MAIN();
CC
g++ -O1 -o "$T/bm" "$T/bm.cc" -lbenchmark -lpthread 2>"$T/cc.log" || { cat "$T/cc.log"; fail "build"; }
"$T/bm" --benchmark_min_time=0.005 --benchmark_out="$T/bm.json" --benchmark_out_format=json \
    >/dev/null 2>&1 || fail "run the Google Benchmark program"
"$V" collect --db "$T/s.db" --label release=7 "$T/bm.json" >"$T/out" 2>&1 || { cat "$T/out"; fail collect; }
grep -q "1 run stored (13 rows)" "$T/out" || { cat "$T/out"; fail "summary"; }
RUN=$("$V" collect ls --db "$T/s.db" source=gbench tool=bm release=7 | sed -n 2p | cut -d' ' -f1)
case $RUN in gbench-*) ;; *) fail "run id '$RUN'" ;; esac
"$V" export --db "$T/s.db" --run "$RUN" --out "$T/export.json" || fail export
/usr/bin/python3 - "$T/bm.json" "$T/export.json" <<'PY' || fail "export differs in content"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
if a != b:
    for x, y in zip(a["benchmarks"], b["benchmarks"]):
        if x != y:
            print("first difference:", x, y)
            break
    sys.exit(1)
PY
if [ -f /usr/share/benchmark/compare.py ] && /usr/bin/python3 -c 'import scipy' 2>/dev/null; then
    /usr/bin/python3 /usr/share/benchmark/compare.py benchmarks "$T/bm.json" "$T/export.json" \
        >"$T/cmp.txt" 2>&1 || { cat "$T/cmp.txt"; fail "compare.py"; }
    grep -q "BM_Rep/repeats:3_pvalue" "$T/cmp.txt" || { cat "$T/cmp.txt"; fail "compare.py output"; }
fi
"$V" export --db "$T/s.db" --run "$RUN" --format gbench-csv >"$T/export.csv" || fail "csv export"
head -1 "$T/export.csv" | grep -q '^name,iterations,real_time,cpu_time,time_unit,bytes_per_second,items_per_second,label,error_occurred,error_message,"' ||
    fail "csv header"
[ "$(wc -l <"$T/export.csv")" = 14 ] || fail "csv rows"
grep -q '^BM_Vec/64,.*"a, ""label"""' "$T/export.csv" || fail "csv label quoting"
grep -q '^BM_Err,.*,true,no device' "$T/export.csv" || fail "csv error row"
echo "collect_gbench: ok"
