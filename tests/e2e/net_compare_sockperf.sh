#!/bin/sh
# scripts/compare-sockperf in miniature: one short round prints round lines, medians and
# PASS/FAIL goal lines (their values are not judged: performance is not a test); both tools
# get the same placement (clients on CPU 0 and servers on CPU 1 by default with 2+ CPUs,
# `--pin none` leaves both to the scheduler, not run here to keep the test short); a bad
# --pin is a one-line error with exit status 2. About 8 s.
. "$(dirname "$0")/lib.sh"

for t in sockperf iperf3 taskset; do command -v $t >/dev/null || skip "$t not installed"; done
C=scripts/compare-sockperf
$C --rounds 1 --duration 1s >"$T/out" 2>"$T/err"
rc=$?
[ $rc -eq 0 ] || [ $rc -eq 1 ] || fail "compare-sockperf exited $rc: $(cat "$T/err" "$T/out")"
if [ "$(nproc)" -gt 1 ]; then
    grep -q 'clients on CPU 0, servers on CPU 1' "$T/out" || fail "default placement not 0,1: $(cat "$T/out")"
fi
for g in 'UDP RR p50 RTT viobench/sockperf' 'TCP RR p99 RTT viobench/sockperf' \
    'TCP stream throughput viobench/iperf3'; do
    grep -Eq "$g .*(PASS|FAIL)" "$T/out" || fail "no goal line '$g': $(cat "$T/out")"
done
$C --pin 0,999 >"$T/out3" 2>"$T/err3"
[ $? -eq 2 ] || fail "--pin 0,999 did not exit 2"
grep -q -- "--pin: expected CLIENT_CPU,SERVER_CPU" "$T/err3" || fail "bad --pin message: $(cat "$T/err3")"
finish
