#!/bin/sh
# `viobench analyze report` end to end (about 8 s, most of it three Chromium starts): a
# store of synthetic sweeps (kvm, and a host whose label is an HTML attack, +20% latency,
# four runs each) and a trend store with injected shifts become pages that must: name the
# benchmarks in the DOM headless Chromium builds, count the regressions in the summary
# line, mark the knee and the change points, reference nothing outside the file, escape
# every value, render a screenshot at 1400x1000 that is not blank, and log no console
# message (the console check is first shown to catch a deliberately broken page). Sections
# without data say so; a real run's placement note and command show; bad options: one line,
# non-zero.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/e2e/lib.sh
B=${VIOBENCH_BUILD:-build/default}
for t in gen_sweep gen_trend; do
    [ -x "$B/tools/$t" ] || skip "$B/tools/$t not built (make tools)"
done
V=$VIOBENCH
EVIL='<script>alert(1)</script>'

# --- inputs -----------------------------------------------------------------------------
for i in 1 2 3 4; do
    "$B/tools/gen_sweep" "$T/k/a$i" kvm 8 50 $((10 + i)) >/dev/null || fail "gen_sweep kvm"
    "$B/tools/gen_sweep" "$T/h/b$i" hyperv 8 60 $((20 + i)) >/dev/null || fail "gen_sweep hyperv"
done
DB=$T/store.db
"$V" collect --db "$DB" --label team=blue "$T/k" >/dev/null || fail "collect kvm"
"$V" collect --db "$DB" --label "team=$EVIL" "$T/h" >/dev/null || fail "collect hyperv"
TDB=$T/trend.db
"$B/tools/gen_trend" "$TDB" 150 2 5 >"$T/shifts.txt" || fail "gen_trend"

# --- the pages --------------------------------------------------------------------------
"$V" analyze report --db "$DB" -g team --baseline team=blue --p99-budget 2ms \
    --title "sweeps $EVIL" -o "$T/r.html" >"$T/r.out" 2>"$T/r.err" || { cat "$T/r.err"; fail "report"; }
grep -q "^report: $T/r.html (2 pairings" "$T/r.out" || { cat "$T/r.out"; fail "report's one line"; }
[ -s "$T/r.err" ] && { cat "$T/r.err"; fail "report printed warnings on stderr"; }
H=$T/r.html
grep -Eq 'id="summary">Comparisons: <span class="regressed">[1-9][0-9]* regressed' "$H" ||
    fail "summary line: the +20% side is not regressed"
grep -q '<td class="v-regressed">regressed</td>' "$H" || fail "verdicts not coloured"
[ "$(grep -c '<h3>' "$H")" -eq 1 ] || fail "the baseline's own pairing was compared with itself"
"$V" analyze report --db "$DB" team=blue -g team --baseline team=blue -o "$T/self.html" >/dev/null || fail "report self"
grep -q 'Every pairing is part of the baseline' "$T/self.html" || fail "baseline only: not said"
grep -q 'class="knee"' "$H" || fail "capacity: knee not marked"
grep -q 'p99 budget 2 ms' "$H" || fail "capacity: budget line not labelled"
grep -q "No trend: no selected run has a value for --by kernel" "$H" || fail "empty trend not said"
grep -q 'placement\|No row was flagged noisy' "$H" || fail "notes section missing"
grep -q '<h2 id="reproduce">' "$H" && grep -q 'gen_sweep\|viobench 0\|Written by viobench' "$H" ||
    fail "reproduce section missing"
# self-contained: no script, no external reference of any kind
if grep -Eni 'https?:|src=|@import|url\(|<script|<link|<iframe|<object' "$H" >"$T/ext.txt"; then
    head -3 "$T/ext.txt"
    fail "the page references something outside itself, or holds a script"
fi
grep -q '&lt;script&gt;alert(1)&lt;/script&gt;' "$H" || fail "a label with <script> is not escaped"

"$V" analyze report --db "$TDB" --by kernel -g hypervisor -f 'synth/*' -o "$T/t.html" >/dev/null 2>"$T/t.err" ||
    { cat "$T/t.err"; fail "report trend"; }
grep -q 'change point: +[0-9.]*% at ' "$T/t.html" || { cat "$T/shifts.txt"; fail "trend: change point not drawn"; }
grep -q 'One pairing only: nothing to compare' "$T/t.html" || fail "one pairing: comparisons not said empty"
grep -q 'No benchmark of the selected runs has a latency histogram' "$T/t.html" || fail "empty percentiles not said"

# A real run (about 0.5 s): its command line, options and the network row's placement show.
"$V" run -q -f 'net/tcp_rr/size:64' -t 0.05s -r 2 --placement scheduler -o "$T/real" --run-id r1 >/dev/null 2>"$T/run.err" ||
    { cat "$T/run.err"; fail "viobench run for the report"; }
"$V" analyze report "$T/real/r1" -o "$T/real.html" >/dev/null 2>"$T/real.err" || { cat "$T/real.err"; fail "report of a run directory"; }
grep -q '<td>net/tcp_rr/size:64</td><td>[^<]*placement scheduler, client CPUs \[' "$T/real.html" || fail "placement note missing"
grep -q '<td>viobench run -q -f net/tcp_rr/size:64 -t 0.05s -r 2 --placement scheduler' "$T/real.html" || fail "reproduce: the run's command"
grep -q 'placement=scheduler</td>' "$T/real.html" || fail "reproduce: result-changing options"

# --- bad input --------------------------------------------------------------------------
expect_error 2 "p99-budget: bad duration 'soon'" "$V" analyze report --db "$DB" --p99-budget soon
expect_error 1 "no stored run matches 'hypervisor=xen'" "$V" analyze report --db "$DB" hypervisor=xen -o "$T/x.html"
[ -e "$T/x.html" ] && fail "a failed report left a file"
expect_error 2 "min-change: bad value '-5'" "$V" analyze report --db "$DB" --min-change -5
expect_error 2 "unknown option" "$V" analyze report --pvalue 0.01

# --- in a browser -----------------------------------------------------------------------
CHROME=$(command -v chromium || command -v chromium-browser || true)
[ -n "$CHROME" ] || { [ "$FAILED" -eq 0 ] || finish; skip "chromium not installed (scripts/setup installs it): page not rendered"; }
chrome() { # chrome OUT ERR ARGS...: a headless run with its own profile, bounded in time
    out=$1 err=$2
    shift 2
    timeout 90 "$CHROME" --headless --no-sandbox --disable-gpu --user-data-dir="$T/profile" \
        --enable-logging=stderr --v=1 "$@" >"$out" 2>"$err"
}
console() { grep -E ':CONSOLE[:(]' "$1"; }
# The console check must catch a broken page before it can vouch for ours.
printf '<!DOCTYPE html><html><body><p>broken</p><script>nosuchfunction();</script></body></html>\n' >"$T/broken.html"
chrome "$T/broken.dom" "$T/broken.log" --dump-dom "file://$T/broken.html"
console "$T/broken.log" >/dev/null || { tail -5 "$T/broken.log"; fail "the console check misses a script error"; }
chrome "$T/dom.html" "$T/dom.log" --dump-dom "file://$H" || { tail -5 "$T/dom.log"; fail "chromium --dump-dom"; }
for b in storage/uring/randread/bs:4k/qd:1 net/tcp_rr/size:64/flows:1; do
    grep -q "$b" "$T/dom.html" || fail "the rendered DOM does not name $b"
done
grep -q '<svg' "$T/dom.html" || fail "no inline SVG in the rendered DOM"
if console "$T/dom.log"; then fail "console messages while rendering the report"; fi
chrome /dev/null "$T/shot.log" --screenshot="$T/shot.png" --window-size=1400,1000 "file://$H" ||
    { tail -5 "$T/shot.log"; fail "chromium --screenshot"; }
$PY - "$T/shot.png" <<'EOF' || fail "the screenshot is blank or not 1400x1000"
import struct, sys, zlib
d = open(sys.argv[1], "rb").read()
assert d[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
i, idat, w, h = 8, b"", 0, 0
while i < len(d):
    n, t = struct.unpack(">I4s", d[i:i + 8])
    if t == b"IHDR":
        w, h, depth, ctype = struct.unpack(">IIBB", d[i + 8:i + 18])
        assert depth == 8 and ctype in (2, 6), (depth, ctype)
        bpp = 3 if ctype == 2 else 4
    elif t == b"IDAT":
        idat += d[i + 8:i + 8 + n]
    i += 12 + n
assert (w, h) == (1400, 1000), (w, h)
raw = zlib.decompress(idat)
stride = w * bpp + 1
colours, dark = set(), 0
for y in range(0, h, 7):  # filtered bytes still vary with the picture: sample them raw
    row = raw[y * stride + 1:(y + 1) * stride]
    for x in range(0, w * bpp, bpp * 5):
        colours.add(row[x:x + 3])
assert len(colours) > 50, "only %d distinct byte triples: blank" % len(colours)
EOF
if console "$T/shot.log"; then fail "console messages while taking the screenshot"; fi
finish
