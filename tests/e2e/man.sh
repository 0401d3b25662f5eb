#!/bin/sh
# Manual pages come from the option tables: `viobench COMMAND --man` prints a roff page for
# every command (and `viobench --man` the overview), with every option --help lists, that
# groff renders without a warning; `make install` installs them (tests/e2e/build.sh).
. "$(dirname "$0")/lib.sh"

CMDS="run list sysinfo serve version"
"$VIOBENCH" collect --help >/dev/null 2>&1 &&
    CMDS="$CMDS collect collect-ls export analyze-compare analyze-trend analyze-gate analyze-matrix analyze-capacity analyze-plot analyze-report"

"$VIOBENCH" --man >"$T/viobench.1" || fail "viobench --man exited non-zero"
head -1 "$T/viobench.1" | grep -q '^\.TH VIOBENCH 1 ' || fail "viobench.1 has no .TH line"
for c in $CMDS; do
    words=$(echo "$c" | tr - ' ')
    page="$T/viobench-$c.1"
    # shellcheck disable=SC2086
    "$VIOBENCH" $words --man >"$page" 2>"$T/err" || { fail "$words --man exited non-zero"; continue; }
    [ -s "$T/err" ] && fail "$words --man wrote to stderr: $(cat "$T/err")"
    up=$(echo "viobench-$c" | tr a-z A-Z)
    head -1 "$page" | grep -q "^\.TH $up 1 " || fail "$words: no '.TH $up 1' line"
    for s in NAME SYNOPSIS DESCRIPTION OPTIONS EXAMPLES; do
        grep -q "^\.SH $s" "$page" || fail "$words: no $s section"
    done
    grep -q "viobench\\\\-$(echo "$c" | sed 's/-/\\\\-/g') \\\\- [A-Z]" "$page" || fail "$words: NAME line"
    # every long option of --help is in the page
    # shellcheck disable=SC2086
    "$VIOBENCH" $words --help | sed -n '/^OPTIONS/,/^$/p' |
        awk '$1 ~ /^--/ { print $1 } $1 ~ /^-.,$/ && $2 ~ /^--/ { print $2 }' | sort -u >"$T/opts"
    # shellcheck disable=SC2086
    if [ ! -s "$T/opts" ] && "$VIOBENCH" $words --help | grep -q '^OPTIONS'; then
        fail "$words: no options found in --help"
    fi
    while read -r o; do
        roff=$(printf '%s' "$o" | sed 's/-/\\\\-/g')
        grep -q -- "\\\\fB$roff\\\\fR" "$page" || fail "$words: $o is in --help but not in the page"
    done <"$T/opts"
done
if command -v groff >/dev/null; then
    for p in "$T"/*.1; do
        groff -man -Tutf8 -P-cbou -ww "$p" >"$T/out" 2>"$T/warn" || fail "groff failed on $(basename "$p")"
        [ -s "$T/warn" ] && fail "groff warns on $(basename "$p"): $(head -3 "$T/warn")"
        grep -q '^OPTIONS\|^COMMANDS' "$T/out" || fail "$(basename "$p") renders without its options"
    done
else
    echo "note: groff not installed: pages not rendered"
fi
echo "$(echo "$CMDS" | wc -w) command pages and viobench.1 checked"
finish
