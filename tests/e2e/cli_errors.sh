#!/bin/sh
# Bad input to `viobench`: each mistake gives one clear line naming what is wrong, a
# non-zero exit, and no run directory left behind. Also --help has USAGE and EXAMPLES for
# every command.
. "$(dirname "$0")/lib.sh"
R="$VIOBENCH"
O="$T/out"

expect_error 2 "unknown command 'frobnicate'" $R frobnicate
expect_error 2 "run: unknown option '--nope'" $R run --nope
expect_error 2 "run: no benchmark .*matches 'no-such-kernel'" $R run --filter no-such-kernel --out "$O"
expect_error 2 "run: --min-time: bad value 'fast'" $R run --min-time fast --out "$O"
expect_error 2 "run: --min-time: bad value '10q'" $R run --min-time 10q --out "$O"
expect_error 2 "run: --min-time: must be more than zero" $R run --min-time 0s --out "$O"
expect_error 2 "run: --suite: unknown suite 'huge'" $R run --suite huge --out "$O"
expect_error 2 "run: --format: unknown format 'xml'" $R run --format json,xml --out "$O"
expect_error 2 "run: --label: 'novalue' is not KEY=VALUE" $R run --filter exit/syscall --label novalue --min-time 0.01s --out "$O"
expect_error 2 "run: --repetitions: 0 is out of range" $R run --repetitions 0 --out "$O"
expect_error 2 "run: --repetitions: bad value 'many'" $R run --repetitions many --out "$O"
expect_error 2 "run: --cpu: CPU 4096 does not exist" $R run --cpu 4096 --out "$O"
expect_error 2 "run: --timer: unknown source 'sundial'" $R run --timer sundial --out "$O"
expect_error 2 "run: --interval: must be between" $R run --interval 1ns --out "$O"
expect_error 2 "run: --min-time needs a value" $R run --min-time
expect_error 2 "run: --run-id: '../x' is not a plain directory name" $R run --run-id ../x --out "$O"
expect_error 2 "list: no benchmark matches 'zzz'" $R list zzz
expect_error 2 "list: unexpected argument 'b'" $R list a b
expect_error 2 "version: unknown option '--x'" $R version --x

# Unwritable output directory: a path under a regular file cannot be created.
touch "$T/file"
expect_error 2 "run: --out $T/file/sub: cannot create directory: Not a directory" \
    $R run --filter exit/syscall --out "$T/file/sub"
if [ "$(id -u)" -ne 0 ]; then
    mkdir "$T/ro" && chmod 555 "$T/ro"
    expect_error 2 "run: --out $T/ro: cannot create run directory: Permission denied" \
        $R run --filter exit/syscall --out "$T/ro"
fi
# An existing run id is refused, not overwritten.
mkdir -p "$O/taken"
expect_error 2 "run: $O/taken: run directory already exists" $R run --filter exit/syscall --run-id taken --out "$O"
[ -z "$(ls -A "$O/taken")" ] || fail "existing run directory was written into"

# No failed invocation left a run directory behind (only 'taken', made above).
left=$(ls "$O" 2>/dev/null | grep -v '^taken$' || true)
[ -z "$left" ] || fail "failed runs left directories: $left"

for c in run list sysinfo version; do
    $R $c --help >"$T/help" 2>&1 || fail "$c --help exited non-zero"
    grep -q '^USAGE' "$T/help" || fail "$c --help has no USAGE"
    grep -q '^EXAMPLES' "$T/help" || fail "$c --help has no EXAMPLES"
done
$R --help | grep -q '^COMMANDS' || fail "viobench --help lists no commands"
finish
