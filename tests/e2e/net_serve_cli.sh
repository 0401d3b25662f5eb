#!/bin/sh
# End-to-end: `viobench serve` as a user starts it. --help, the ready report, stopping by
# --duration and by SIGTERM (exit 0 with a summary), loopback by default, a port already in use (exit 1), and
# every bad option (one line naming it, exit 2).
set -u
cd "$(dirname "$0")/../.." || exit 1
VB=${VIOBENCH:-$PWD/viobench}
[ -x "$VB" ] || { echo "SKIP: $VB not built"; exit 77; }
T=$(mktemp -d "${TMPDIR:-/tmp}/vb-serve.XXXXXX")
srv=
cleanup() { [ -n "$srv" ] && kill "$srv" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT INT TERM
fail=0
bad() { echo "FAIL: $*"; fail=1; }

"$VB" serve --help >"$T/help" || bad "--help exit status"
grep -q '^USAGE' "$T/help" && grep -q '^EXAMPLES' "$T/help" && grep -q -- '--max-conns' "$T/help" ||
    bad "--help lacks USAGE, EXAMPLES or --max-conns"

# Stops by itself after --duration, having reported where it listens.
"$VB" serve --listen 127.0.0.1:0 --duration 0.5s --ready-fd 3 3>"$T/ready" 2>"$T/err1"
[ $? -eq 0 ] || bad "--duration run did not exit 0"
grep -q '^127\.0\.0\.1:[0-9][0-9]*$' "$T/ready" || bad "ready report: $(cat "$T/ready")"
grep -q 'listening on 127.0.0.1' "$T/err1" || bad "no listening line"
grep -q 'stopped:' "$T/err1" || bad "no closing summary"

# Without --listen it binds to loopback only (127.0.0.1:7700), checked in a private network
# namespace so the fixed port cannot clash with anything (needs unshare -n: root).
if unshare -n true 2>/dev/null; then
    unshare -n sh -c 'ip link set lo up && exec "$0" serve --duration 0.3s --ready-fd 3 3>"$1" 2>"$2"' \
        "$VB" "$T/ready0" "$T/err0" || bad "serve without --listen failed: $(cat "$T/err0")"
    [ "$(cat "$T/ready0")" = "127.0.0.1:7700" ] ||
        bad "serve without --listen is not on 127.0.0.1:7700: $(cat "$T/ready0")"
else
    echo "note: no network namespace here (not root): the default address was not checked"
fi

# SIGTERM: exit 0. A second server on the same port: exit 1 naming the address.
"$VB" serve --listen 127.0.0.1:0 --duration 20s --ready-fd 3 3>"$T/ready2" 2>"$T/err2" &
srv=$!
for _ in 1 2 3 4 5 6 7 8 9 10; do [ -s "$T/ready2" ] && break; sleep 0.2; done
addr=$(head -n1 "$T/ready2")
[ -n "$addr" ] || bad "no ready report from the background server"
"$VB" serve --listen "$addr" --duration 1s 2>"$T/err3"
rc=$?
[ $rc -eq 1 ] || bad "second server on $addr exited $rc, expected 1"
grep -q "serve: --listen $addr: cannot listen: Address already in use" "$T/err3" ||
    { bad "in-use message"; cat "$T/err3"; }
kill -TERM $srv
wait $srv
rc=$?
srv=
[ $rc -eq 0 ] || bad "SIGTERM exit status $rc"

# Non-loopback addresses get a warning (the unspecified address binds everywhere).
"$VB" serve --listen 0.0.0.0:0 --duration 0.2s 2>"$T/err4"
grep -q 'not loopback' "$T/err4" || bad "no warning for 0.0.0.0"

check_usage() {
    want=$1; shift
    "$VB" serve "$@" >"$T/u.out" 2>&1
    rc=$?
    [ $rc -eq 2 ] || bad "serve $* exited $rc, expected 2"
    grep -q -- "$want" "$T/u.out" || { bad "serve $*: message lacks '$want':"; cat "$T/u.out"; }
}
check_usage "--listen: '127.0.0.1': no port" --listen 127.0.0.1
check_usage "--listen: 'vsock:x:1': CID must be a number" --listen vsock:x:1
check_usage "--listen: at most 8" -L 127.0.0.1:0 -L 127.0.0.1:0 -L 127.0.0.1:0 \
    -L 127.0.0.1:0 -L 127.0.0.1:0 -L 127.0.0.1:0 -L 127.0.0.1:0 -L 127.0.0.1:0 -L 127.0.0.1:0
check_usage "--max-conns: 0 is out of range" --max-conns 0
check_usage "--max-msg: 0 is out of range" --max-msg 0
check_usage "--max-msg: 1073741824 is out of range" --max-msg 1g
check_usage "--idle-timeout: must be at least 1ms" --idle-timeout 0
check_usage "--handshake-timeout: must be at least 1ms" --handshake-timeout 10us
check_usage "--workers: -1 is out of range" --workers -1
check_usage "--ready-fd: 77 is not an open file descriptor" --ready-fd 77
check_usage "unexpected argument 'extra'" extra
check_usage "--max-msg: bad value" --max-msg lots
exit $fail
