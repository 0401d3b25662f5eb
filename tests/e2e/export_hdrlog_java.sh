#!/bin/sh
# `export --format hdrlog` read by the reference implementation: Java HdrHistogram's
# HistogramLogProcessor (Debian's libhdrhistogram-java), the tool the issue names for
# HdrHistogram users. A real run (CPUID exits, timer wake-ups) is exported; for each tag the
# processor prints its percentile distribution (ns, -outputValueUnitRatio 1), and its p50
# and p90 (ticks it prints exactly) must be viobench's own within 1%, its total count the
# row's samples. And the other way: a log Java's HistogramLogWriter wrote
# (tests/fixtures/collect/hdrlog-java.hlog, from tests/tools/HdrLogWriter.java; StartTime,
# BaseTime, tagged and untagged intervals) comes into the store with the count, p50 and p90
# the processor reads from it.
. "$(dirname "$0")/lib.sh"
[ -x "$PY" ] || skip "$PY not installed"
command -v java >/dev/null || skip "java not installed (scripts/setup installs default-jre-headless)"
JAR=/usr/share/java/hdrhistogram.jar
[ -f "$JAR" ] || skip "$JAR missing (Debian package libhdrhistogram-java; scripts/setup)"
V=$VIOBENCH
DB=$T/s.db
"$V" run --filter 'exit/cpuid/leaf:0x0,timer/wake/nanosleep' --min-time 0.02s --quiet \
    --out "$T/results" >"$T/run.log" 2>&1 || { cat "$T/run.log"; fail "viobench run"; }
"$V" collect --db "$DB" "$T/results" >/dev/null 2>&1 || fail "collect"
RUN=$("$V" collect ls --db "$DB" | sed -n 2p | cut -d' ' -f1)
"$V" export --db "$DB" --run "$RUN" --format hdrlog --out "$T/run.hlog" || fail "export hdrlog"
"$V" export --db "$DB" --run "$RUN" --format csv --out "$T/own.csv" || fail "export csv"
n=0
for tag in $(sed -n 's/^Tag=\([^,]*\),.*/\1/p' "$T/run.hlog"); do
    n=$((n + 1))
    java -cp "$JAR" org.HdrHistogram.HistogramLogProcessor -i "$T/run.hlog" -tag "$tag" -csv \
        -outputValueUnitRatio 1 >"$T/java-$n.csv" 2>"$T/java.err" ||
        { cat "$T/java.err"; fail "HistogramLogProcessor on $tag"; continue; }
    "$PY" - "$T/own.csv" "$T/java-$n.csv" "$tag" <<'PYEOF' || fail "HistogramLogProcessor vs viobench for $tag"
import csv, sys
own_path, java_path, tag = sys.argv[1:]
name, rep = tag.rsplit("#", 1)
own = {r["metric"]: float(r["value"]) for r in csv.DictReader(open(own_path))
       if r["benchmark"] == name and r["repetition"] == rep and r["run_type"] == "iteration"}
dist = [l for l in csv.reader(l for l in open(java_path) if not l.startswith("#"))][1:]
at = {round(float(p), 6): (float(v), int(c)) for v, p, c, _ in dist if p != "1.0"}
total = int(dist[-1][2])
if total != own["samples"]:
    sys.exit("%s: Java counts %d, viobench %d" % (tag, total, own["samples"]))
for p, metric in ((0.5, "p50_ns"), (0.9, "p90_ns")):
    java, ours = at[p][0], own[metric]
    if abs(java - ours) > 0.01 * ours:
        sys.exit("%s p%g: Java %g, viobench %g" % (tag, p * 100, java, ours))
print("%s: count %d, p50 %g/%g, p90 %g/%g (Java/viobench)" % (tag, total, at[0.5][0], own["p50_ns"],
      at[0.9][0], own["p90_ns"]))
PYEOF
done
[ "$n" -eq 2 ] || fail "$n tags in the export, expected 2"

FIX=tests/fixtures/collect/hdrlog-java.hlog
"$V" collect --db "$T/java.db" "$FIX" >/dev/null 2>&1 || fail "collect the Java-written log"
"$V" export --db "$T/java.db" --format csv --out "$T/java-own.csv" || fail "export csv"
java -cp "$JAR" org.HdrHistogram.HistogramLogProcessor -i "$FIX" -csv -outputValueUnitRatio 1 \
    >"$T/j-untagged.csv" 2>/dev/null || fail "processor, untagged"
java -cp "$JAR" org.HdrHistogram.HistogramLogProcessor -i "$FIX" -tag 'java/exit#4' -csv \
    -outputValueUnitRatio 1 >"$T/j-exit.csv" 2>/dev/null || fail "processor, java/exit#4"
"$PY" - "$T/java-own.csv" "$T/j-untagged.csv" "$T/j-exit.csv" <<'PYEOF' || fail "Java-written log vs store"
import csv, sys
own = {}
for r in csv.DictReader(open(sys.argv[1])):
    own.setdefault((r["benchmark"], int(r["repetition"])), {})[r["metric"]] = float(r["value"])
if sorted(own) != [("hdrlog", 0), ("java/exit", 4), ("java/rr", 0), ("java/rr", 1)]:
    sys.exit("rows %s" % sorted(own))
for path, key in ((sys.argv[2], ("hdrlog", 0)), (sys.argv[3], ("java/exit", 4))):
    dist = [l for l in csv.reader(l for l in open(path) if not l.startswith("#"))][1:]
    at = {round(float(p), 6): float(v) for v, p, c, _ in dist if p != "1.0"}
    if int(dist[-1][2]) != own[key]["samples"]:
        sys.exit("%s: count %s vs %s" % (key, dist[-1][2], own[key]["samples"]))
    for p, m in ((0.5, "p50_ns"), (0.9, "p90_ns")):
        if abs(at[p] - own[key][m]) > 0.01 * at[p]:
            sys.exit("%s p%g: Java %g, store %g" % (key, p * 100, at[p], own[key][m]))
    print("%s: Java p50 %g p90 %g, store %g %g" % (key, at[0.5], at[0.9], own[key]["p50_ns"], own[key]["p90_ns"]))
PYEOF
finish
