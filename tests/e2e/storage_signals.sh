#!/bin/sh
# The test file viobench creates is removed when the run is interrupted: SIGINT and SIGTERM
# during a measured window, SIGTERM while the file is still being written, and two SIGINTs
# in a row (the second runs the cleanups from the signal handler). Each run exits 130 (143
# after SIGTERM) and leaves nothing in the target directory.
. "$(dirname "$0")/lib.sh"

# start NAME SIZE: a long storage run in the background on $T/NAME; sets pid.
start() {
    mkdir -p "$T/$1"
    "$VIOBENCH" run --suite quick 'storage/uring/randread/bs:4k/qd:1' --target "$T/$1" \
        --size "$2" --min-time 30s --out "$T/res" --run-id "$1" --quiet \
        >"$T/$1.out" 2>"$T/$1.err" &
    pid=$!
}

# wait_file NAME: until the test file exists (at most 10 s).
wait_file() {
    i=0
    while [ $i -lt 200 ]; do
        ls "$T/$1"/viobench-storage.*/testfile >/dev/null 2>&1 && return 0
        sleep 0.05
        i=$((i + 1))
    done
    fail "$1: the test file never appeared: $(cat "$T/$1.err")"
    return 1
}

# check NAME [STATUS]: exit STATUS (130: Ctrl-C) and an empty target directory.
check() {
    wait $pid
    rc=$?
    [ $rc -eq "${2:-130}" ] || fail "$1: exited $rc, expected ${2:-130}: $(cat "$T/$1.err")"
    left=$(ls -A "$T/$1")
    [ -z "$left" ] || fail "$1: left behind in the target directory: $left"
}

for sig in INT TERM; do
    start "measure-$sig" 16m
    wait_file "measure-$sig" && sleep 1
    kill -$sig $pid
    if [ $sig = TERM ]; then check "measure-$sig" 143; else check "measure-$sig"; fi
done

# SIGTERM while the 4 GiB file is being written (about 5 s of writing here).
start fill 4g
wait_file fill
kill -TERM $pid
check fill 143
grep -q "interrupted" "$T/fill.err" || fail "fill: no interrupted message"

start twice 16m
wait_file twice && sleep 0.5
kill -INT $pid
kill -INT $pid
check twice
finish
