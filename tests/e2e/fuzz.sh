#!/bin/sh
# Fuzzing, briefly (issue 15 part 7): builds every libFuzzer harness of tests/fuzz/ with
# clang under ASan and UBSan and runs `make fuzz` for 3 s per harness, two at a time: each
# harness's crash regressions must replay clean, no harness may find anything new or leave
# a file behind, and every harness must report its executions and coverage. Then checks
# that the runner does fail on a finding (a planted crashing harness). Long runs are
# scripts/bench-fuzz's. Skips when clang or its libFuzzer runtime is missing.
. "$(dirname "$0")/lib.sh"

command -v clang >/dev/null || skip "clang not installed (scripts/setup installs clang)"
printf '#include <stddef.h>\n#include <stdint.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { return n > 2 && d[0] == 0x46 && d[1] == 0x5a && d[2] == 0x21 ? *(volatile int *)0 : 0; }\n' >"$T/planted.c"
clang -fsanitize=fuzzer,address,undefined -o "$T/planted" "$T/planted.c" 2>"$T/cc.log" ||
    skip "clang's libFuzzer runtime is missing (-fsanitize=fuzzer: $(head -n 1 "$T/cc.log"); scripts/setup installs libclang-rt-14-dev)"

if ! make -j2 fuzz-build >"$T/build.log" 2>&1; then
    tail -n 30 "$T/build.log"
    fail "make fuzz-build failed"
    finish
fi
harnesses=$(ls tests/fuzz/fuzz_*.c | grep -v fuzz_common | sed 's,.*/,,; s,\.c$,,')
n=$(echo "$harnesses" | wc -l)
[ "$n" -ge 12 ] || fail "only $n harnesses in tests/fuzz/"

start=$(date +%s)
make fuzz FUZZ_SECONDS=3 FUZZ_JOBS=2 >"$T/fuzz.log" 2>&1
rc=$?
secs=$(($(date +%s) - start))
cat "$T/fuzz.log" | grep -v -e '^tests/fuzz/run' -e '^make'
[ $rc -eq 0 ] || fail "make fuzz exited $rc"
for h in $harnesses; do
    line=$(grep "^$h " "$T/fuzz.log")
    [ -n "$line" ] || { fail "$h: no result line"; continue; }
    execs=$(echo "$line" | awk '{print $2}')
    cov=$(echo "$line" | awk '{print $5}')
    case "$execs" in '' | *[!0-9]*) fail "$h: no execution count: $line"; continue ;; esac
    [ "$execs" -gt 0 ] || fail "$h: no executions"
    case "$cov" in '' | *[!0-9]*) fail "$h: no coverage: $line" ;; esac
    echo "$line" | grep -q ' ok$' || fail "$h: $line"
done
echo "fuzz: $n harnesses in $secs s"

# The runner must fail on a finding and keep the input.
mkdir -p "$T/b/bin"
cp "$T/planted" "$T/b/bin/fuzz_planted"
mkdir -p "$T/b/seeds"
tests/fuzz/run --build "$T/b" --seconds 20 fuzz_planted >"$T/planted.log" 2>&1
prc=$?
[ $prc -eq 1 ] || fail "the runner exited $prc on a crashing harness, expected 1: $(cat "$T/planted.log")"
grep -q '^fuzz_planted .*FINDING' "$T/planted.log" ||
    fail "no FINDING line for the planted crash: $(cat "$T/planted.log")"
ls "$T/b/artifacts/fuzz_planted/" | grep -q '^crash-' || fail "the planted crash's input was not kept"
finish
