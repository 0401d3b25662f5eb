#!/bin/sh
# The analyzer reads run directories and JSON files from outside (issue 15, part 2): each
# file only as a regular file, non-blocking and bounded. A FIFO named results.json,
# histograms.txt or context.json in a run directory, or given as the JSON file itself,
# hung `viobench analyze compare` forever; now it is refused at once with one line naming
# the file, exit 1.
. "$(dirname "$0")/lib.sh"
B=${VIOBENCH_BUILD:-build/default}
GEN=$B/tools/gen_runs
[ -x "$GEN" ] || skip "$GEN not built (make tools)"
command -v timeout >/dev/null || skip "timeout not installed"
V=$VIOBENCH
"$GEN" "$T/r" 2 2 >/dev/null || fail "gen_runs"
A=$T/r/run-000000
Bd=$T/r/run-000001
timeout 60 "$V" analyze compare "$A" "$Bd" >/dev/null 2>"$T/err" || fail "good runs: $(cat "$T/err")"
for f in results.json histograms.txt context.json; do
    cp -r "$Bd" "$T/fifo-$f"
    rm "$T/fifo-$f/$f"
    mkfifo "$T/fifo-$f/$f"
    expect_error 1 "fifo-$f/$f: not a regular file" timeout 20 "$V" analyze compare "$A" "$T/fifo-$f"
done
expect_error 1 "fifo-results.json/results.json: not a regular file" \
    timeout 20 "$V" analyze compare "$A/results.json" "$T/fifo-results.json/results.json"
ln -s "$Bd/results.json" "$T/link.json"
cp -r "$Bd" "$T/linked"
rm "$T/linked/results.json"
ln -s "$Bd/results.json" "$T/linked/results.json"
expect_error 1 "linked/results.json: .*link" timeout 20 "$V" analyze compare "$A" "$T/linked"
finish
