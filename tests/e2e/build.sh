#!/bin/sh
# Build targets: plain `make` in a clean copy of the tree (the README's first command after
# set-up) builds a working ./viobench; `make static` gives a statically linked guest binary
# that runs a kernel and writes a run directory; `make install PREFIX=...` installs a working
# viobench.
. "$(dirname "$0")/lib.sh"

# Plain `make` in a clean copy: the default goal must be the binary, not some earlier rule.
mkdir -p "$T/clean"
git ls-files -z | xargs -0 cp --parents -t "$T/clean" 2>/dev/null ||
    tar cf - $(git ls-files) | tar xf - -C "$T/clean"
(cd "$T/clean" && make -j2 >"$T/plain.log" 2>&1) || { tail -20 "$T/plain.log"; fail "plain make failed"; }
[ -x "$T/clean/viobench" ] && "$T/clean/viobench" version | grep -q '^viobench ' ||
    fail "plain make did not build ./viobench: $(tail -3 "$T/plain.log")"
rm -rf "$T/clean"

make -s static >"$T/static.log" 2>&1 || { tail -20 "$T/static.log"; fail "make static failed"; }
S=$PWD/viobench-static
if [ -x "$S" ]; then
    file "$S" | grep -q 'statically linked' || fail "viobench-static is not statically linked: $(file "$S")"
    "$S" version | grep -q 'static build' || fail "static binary does not say it is static"
    "$S" list >/dev/null || fail "static list failed"
    "$S" collect 2>"$T/err"; rc=$?
    [ $rc -eq 2 ] && grep -q "unknown command 'collect'" "$T/err" || fail "static build should not have collect"
    env -i "$S" run --filter exit/syscall --min-time 0.05s --out "$T/r" --run-id s1 --quiet >/dev/null 2>"$T/err" ||
        fail "static run failed: $(cat "$T/err")"
    $PY -c 'import json,sys; c=json.load(open(sys.argv[1])); assert c["tool"]["build"]=="static", c["tool"]' \
        "$T/r/s1/context.json" || fail "static run context"
    echo "static binary: $(stat -c %s "$S") bytes"
fi
make -s install PREFIX="$T/inst" >"$T/install.log" 2>&1 || { cat "$T/install.log"; fail "make install failed"; }
"$T/inst/bin/viobench" version | grep -q '^viobench ' || fail "installed viobench does not run"
[ -x "$T/inst/share/viobench/scripts/setup" ] || fail "scripts not installed"
[ -f "$T/inst/share/viobench/doc/README.md" ] || fail "README not installed"
[ -f "$T/inst/share/viobench/doc/analyze.md" ] || fail "docs/*.md not installed"
ls "$T"/inst/share/viobench/doc/machines/*.md >/dev/null 2>&1 || fail "docs/machines/*.md not installed"
for p in viobench viobench-run viobench-serve viobench-analyze-gate; do
    [ -f "$T/inst/share/man/man1/$p.1" ] || fail "man page $p.1 not installed"
done
MANPATH="$T/inst/share/man" man -w viobench-run >/dev/null 2>&1 ||
    { command -v man >/dev/null && fail "man does not find the installed viobench-run"; }
finish
