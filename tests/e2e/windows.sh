#!/bin/bash
# The Windows build under wine: `make windows` gives a static viobench.exe (no DLL beyond
# Windows' own) that lists, describes the machine, runs the quick suite and writes the same
# run-directory files as Linux, which the Linux collector ingests as they are; network
# interop both ways on loopback (Linux serve <- Windows client, Windows serve <- Linux
# client), udp_rr included (protocol 2: token, bind, several sessions on one port); the UDP
# safety rules of the Windows server, probed the same way as the Linux one's (binds learn
# the source address, tokens bind once and die with their connection, nothing unknown is
# answered, the same closing counts); the storage safety rule. Wine checks function only:
# its timings are not Windows'.
. "$(dirname "$0")/lib.sh"

WCC=x86_64-w64-mingw32-gcc-posix
command -v $WCC >/dev/null || skip "mingw-w64 is not installed ($WCC; scripts/setup)"
WINE=$(command -v wine64 || command -v wine) || skip "wine is not installed (scripts/setup)"
command -v x86_64-w64-mingw32-objdump >/dev/null || skip "binutils-mingw-w64 is not installed"

# build (jansson from Debian's source package: fetched once into the cache)
make -s -j2 WERROR=1 windows >"$T/build.log" 2>&1
rc=$?
if [ $rc -ne 0 ]; then
    grep -q 'SKIP:' "$T/build.log" && skip "$(grep -m1 'SKIP:' "$T/build.log" | sed 's/^.*SKIP: //')"
    tail -20 "$T/build.log"
    fail "make windows failed"
    finish
fi
EXE=$PWD/viobench.exe
[ -f "$EXE" ] || { fail "make windows made no viobench.exe"; finish; }
# static: every imported DLL is one of Windows' own
dlls=$(x86_64-w64-mingw32-objdump -p "$EXE" | sed -n 's/^\s*DLL Name: //p' | tr 'A-Z' 'a-z' | sort -u)
[ -n "$dlls" ] || fail "objdump shows no DLL imports at all"
for d in $dlls; do
    case $d in
    kernel32.dll | advapi32.dll | msvcrt.dll | ws2_32.dll | setupapi.dll | ntdll.dll) ;;
    *) fail "viobench.exe imports $d, which is not one of Windows' own DLLs" ;;
    esac
done
echo "viobench.exe: $(stat -c %s "$EXE") bytes, imports: $(echo $dlls)"

# wine: a private prefix, no display, no Mono/Gecko installers, quiet
export WINEPREFIX="$T/wineprefix" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
unset DISPLAY WAYLAND_DISPLAY
W() { timeout 120 "$WINE" "$EXE" "$@"; }
# wineserver outlives the last program by seconds: stop it before the directory goes
trap 'wineserver -k >/dev/null 2>&1; sleep 0.2; rm -rf "$T"' EXIT
timeout 90 "$WINE" wineboot -i >"$T/wineboot.log" 2>&1 || skip "wineboot could not make a prefix: $(tail -1 "$T/wineboot.log")"

W version >"$T/version" 2>&1 || fail "version: $(cat "$T/version")"
grep -q '^viobench .*windows, static build' "$T/version" || fail "version does not say windows/static: $(cat "$T/version")"
W list >"$T/list" 2>&1 || fail "list failed"
for k in timer/read/qpc timer/read/precise_filetime timer/wake/waitable_timer timer/wake/sleep \
    timer/read/rdtsc exit/cpuid/leaf:0x1 storage/iocp/randread/bs:4k/qd:1 storage/flush \
    net/tcp_rr/size:64 net/tcp_crr; do
    grep -q "^$k " "$T/list" || fail "list has no $k"
done
W sysinfo --json >"$T/sys.json" 2>"$T/sys.err" || fail "sysinfo --json: $(cat "$T/sys.err")"
$PY - "$T/sys.json" <<'EOF' || fail "sysinfo --json content"
import json, sys
p = json.load(open(sys.argv[1]))
assert p["guest"]["os"]["id"] == "windows", p["guest"]
assert p["guest"]["kernel"]["name"] == "Windows NT", p["guest"]["kernel"]
assert p["topology"]["source"] == "GetLogicalProcessorInformationEx", p["topology"]
assert p["topology"]["pus"] >= 1 and isinstance(p["topology"]["caches"], list)
assert "cpuid" in p["hypervisor"] and "conclusion" in p["hypervisor"], p["hypervisor"].keys()
assert p["memory"]["total_bytes"] > 0
assert "timer_resolution" in p["clocksource"], p["clocksource"]
EOF
expect_error 2 'run: --suite: unknown suite' W run --suite nope
expect_error 1 "serve: --listen vsock:7700: vsock is Linux's" W serve --listen vsock:7700 --quiet
W run 'net/tcp_rr/size:64' --net-io epoll --min-time 0.05s --out "$T/r" --run-id e1 --quiet \
    >"$T/e1.out" 2>&1
grep -q 'skipped: --net-io epoll is Linux' "$T/e1.out" || fail "--net-io epoll on Windows: $(cat "$T/e1.out")"

# the quick suite, with the Linux build's files beside it for the format comparison
W run --min-time 0.05s --size 8M --out "$T/r" --run-id w1 --quiet >"$T/quick.out" 2>"$T/quick.err"
rc=$?
if [ $rc -ne 0 ]; then
    # what viobench said, what it wrote, and wine's own errors on a second try (diagnosis
    # only: the test fails either way)
    WINEDEBUG=err+all W run --min-time 0.05s --size 8M --out "$T/r" --run-id w1b --quiet \
        >"$T/quick2.out" 2>"$T/quick2.err"
    rc2=$?
    fail "quick suite under wine exited $rc: stderr: $(tail -5 "$T/quick.err"); stdout: \
$(tail -5 "$T/quick.out"); files: $(ls "$T/r/w1" 2>&1 | tr '\n' ' '); a second try exited $rc2: \
$(grep -v '^fixme' "$T/quick2.err" | tail -8)"
fi
"$VIOBENCH" run 'timer/read/rdtsc,exit/cpuid/leaf:0x1' --min-time 0.05s --out "$T/r" --run-id l1 \
    --quiet >/dev/null 2>&1 || fail "Linux reference run failed"
W run 'timer/read/rdtsc,exit/cpuid/leaf:0x1' --min-time 0.05s --out "$T/r" --run-id w2 --quiet \
    >/dev/null 2>&1 || fail "Windows reference run failed"
ls -d "$T"/r/w1/viobench-storage.* >/dev/null 2>&1 && fail "the storage test directory was left behind"
$PY - "$T/r" <<'EOF' || fail "Windows run files differ in format from Linux's"
import csv, json, os, sys
r = sys.argv[1]
def load(run):
    d = os.path.join(r, run)
    for f in ("context.json", "results.json", "results.csv", "histograms.txt"):
        assert b"\r" not in open(os.path.join(d, f), "rb").read(), (run, f, "CR bytes")
    return (json.load(open(os.path.join(d, "context.json"))),
            json.load(open(os.path.join(d, "results.json"))),
            list(csv.reader(open(os.path.join(d, "results.csv")))),
            open(os.path.join(d, "histograms.txt")).read())
ctx, res, rows, hist = load("w1")
assert ctx["tool"]["platform"] == "windows" and ctx["complete"] is True, ctx["tool"]
assert ctx["pairing"]["guest"]["os"]["id"] == "windows"
names = {b["name"]: b for b in res["benchmarks"] if b["run_type"] == "iteration"}
for k in ("timer/read/qpc", "timer/wake/waitable_timer", "exit/cpuid/leaf:0x1",
          "storage/iocp/randread/bs:4k/qd:1", "storage/iocp/randwrite/bs:4k/qd:32",
          "storage/flush", "net/tcp_rr/size:64", "net/udp_rr/size:64", "net/tcp_crr"):
    b = names.get(k)
    assert b and not b.get("error_occurred") and b["iterations"] > 0, (k, b)
    assert "viobench-hist 1 %s#0 " % k in hist, k + " has no histogram"
assert names["storage/iocp/randread/bs:4k/qd:1"]["bytes_per_second"] > 0
assert "timer_resolution_before" in names["timer/wake/sleep"]["info"]
assert ctx["kernel_context"]["storage"]["created_by_viobench"] is True
assert ctx["kernel_context"]["network"]["peer"]["started_by_run"] is True
# the same kernels on both builds: the same JSON keys and the same CSV columns
lc, lr, lrows, _ = load("l1")
wc, wr, wrows, _ = load("w2")
assert set(lc) == set(wc), set(lc) ^ set(wc)
assert set(lr) == set(wr) and set(lr["context"]) == set(wr["context"]), set(lr["context"]) ^ set(wr["context"])
# a counter the platform cannot measure is NaN: left out of the JSON (and an empty CSV cell),
# as on Linux where steal time is not known; nothing else may differ
unknown = {"steal_pct", "invol_csw", "vol_csw", "irqs"}
for a, b in zip(lr["benchmarks"], wr["benchmarks"]):
    assert a["name"] == b["name"] and (set(a) ^ set(b)) - {"info"} <= unknown, (a["name"], set(a) ^ set(b))
# Google Benchmark's ten columns first, in order; counter columns by name (their order
# follows the first row that has each value)
assert lrows[0][:10] == wrows[0][:10] and set(lrows[0]) == set(wrows[0]), (lrows[0], wrows[0])
assert [x[0] for x in lrows] == [x[0] for x in wrows]
EOF
"$VIOBENCH" collect "$T/r/w1" --db "$T/store.db" >"$T/collect.out" 2>&1 ||
    fail "Linux collect rejected the Windows run: $(cat "$T/collect.out")"
grep -q '1 run stored' "$T/collect.out" || fail "collect: $(cat "$T/collect.out")"
"$VIOBENCH" collect ls --db "$T/store.db" | grep -q 'windows' || fail "collect ls does not show the Windows guest"

# safety: a --target FILE viobench did not create is never written without the flag
head -c 1048576 /dev/urandom >"$T/victim"
sum=$(md5sum <"$T/victim")
W run 'storage/iocp/randwrite/bs:4k/qd:1' --target "$T/victim" --min-time 0.05s --out "$T/r" \
    --run-id w3 --quiet >"$T/safe.out" 2>&1
grep -q 'refusing to write to' "$T/safe.out" || fail "write to a user file was not refused: $(cat "$T/safe.out")"
[ "$(md5sum <"$T/victim")" = "$sum" ] || fail "the user's --target file was modified"

# Ctrl-C (SIGINT to wine is a console Ctrl-C): the run stops, writes what it has marked
# incomplete, exits 130 and removes the test file and its directory
"$WINE" "$EXE" run 'storage/iocp/randread/bs:4k/qd:1' --size 8M --min-time 30s --out "$T/r" \
    --run-id c1 --quiet </dev/null >"$T/c1.out" 2>&1 &
CPID=$!
for _ in $(seq 100); do ls "$T"/r/c1/viobench-storage.*/testfile >/dev/null 2>&1 && break; sleep 0.1; done
ls "$T"/r/c1/viobench-storage.*/testfile >/dev/null 2>&1 || fail "no storage test file appeared"
sleep 0.5
kill -INT $CPID
for _ in $(seq 100); do kill -0 $CPID 2>/dev/null || break; sleep 0.1; done
kill -0 $CPID 2>/dev/null && { fail "the Windows run did not stop on Ctrl-C"; kill $CPID; }
wait $CPID
rc=$?
[ $rc -eq 130 ] || fail "Ctrl-C: exit $rc, expected 130: $(cat "$T/c1.out")"
ls -d "$T"/r/c1/viobench-storage.* >/dev/null 2>&1 && fail "Ctrl-C left the storage test directory"
$PY -c 'import json,sys; assert json.load(open(sys.argv[1]))["complete"] is False' \
    "$T/r/c1/context.json" || fail "Ctrl-C: context.json is not marked incomplete"

NETK='net/tcp_rr/size:64,net/udp_rr/size:64,net/tcp_crr,net/tcp_stream/size:64k,net/tcp_maerts/size:64k'
# udp_rr explicitly: the smallest and a large message, and four sessions on one UDP port
UDPK='net/udp_rr/size:1,net/udp_rr/size:16k,net/udp_rr/size:64/flows:4'
UDP_BINDS=7 # one bind per UDP flow: 1 (in NETK) + 1 + 1 + 4
check_net() { # run-dir expected-peer-os row...
    $PY - "$@" <<'EOF'
import json, sys
d, want, rows = sys.argv[1], sys.argv[2], sys.argv[3:]
res = json.load(open(d + "/results.json"))
ctx = json.load(open(d + "/context.json"))
got = {b["name"]: b for b in res["benchmarks"] if b["run_type"] == "iteration"}
for k in rows:
    b = got.get(k)
    assert b and not b.get("error_occurred") and b["iterations"] > 0, (k, b and b.get("error_message"))
    if k.startswith("net/udp_rr"):  # loopback: (nearly) every request answered
        assert b["lost"] <= 0.01 * b["iterations"], (k, b["lost"], b["iterations"])
peer = ctx["kernel_context"]["network"]["peer"]
assert peer["started_by_run"] is False
os_id = peer["sysinfo"]["guest"]["os"]["id"]
assert (os_id == "windows") == (want == "windows"), os_id
EOF
}
NETROWS=$(echo "$NETK" | tr ',' ' ')
UDPROWS=$(echo "$UDPK" | tr ',' ' ')
# udp_count SUMMARY-FILE NAME: one of the counts of a server's closing "udp:" summary
udp_count() { sed -n 's/.*; udp: //p' "$1" | tr -d '\r' | tr ',' '\n' | sed -n "s/^ *\([0-9]*\) $2\$/\1/p"; }
# stop_server PID: SIGINT (a console Ctrl-C under wine), then wait for it
stop_server() {
    kill -INT "$1" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$1" 2>/dev/null && { fail "server $1 did not stop on SIGINT"; kill "$1"; }
    wait "$1" 2>/dev/null
}

# interop 1: the Linux server, the Windows client
"$VIOBENCH" serve --listen 127.0.0.1:0 --ready-fd 3 --duration 60s 3>"$T/lport" 2>"$T/lserve.err" &
LPID=$!
for _ in $(seq 50); do [ -s "$T/lport" ] && break; sleep 0.1; done
P=$(head -1 "$T/lport")
W run "$NETK" --peer "$P" --min-time 0.1s --out "$T/r" --run-id i1 --quiet >"$T/i1.out" 2>&1 ||
    fail "Windows client against the Linux server: $(tail -5 "$T/i1.out")"
check_net "$T/r/i1" linux $NETROWS || fail "interop Windows client -> Linux server"
W run "$UDPK" --suite full --peer "$P" --min-time 0.1s --out "$T/r" --run-id u1 --quiet \
    >"$T/u1.out" 2>&1 || fail "Windows udp_rr client against the Linux server: $(tail -5 "$T/u1.out")"
check_net "$T/r/u1" linux $UDPROWS || fail "udp_rr interop Windows client -> Linux server"
stop_server $LPID
n=$(udp_count "$T/lserve.err" binds)
[ "${n:-0}" -eq $UDP_BINDS ] ||
    fail "the Linux server bound ${n:-no} UDP sessions of the Windows client, expected $UDP_BINDS: $(cat "$T/lserve.err")"

# interop 2: the Windows server (its ready line on its standard output), the Linux client
"$WINE" "$EXE" serve --listen 127.0.0.1:0 --ready-fd 1 --duration 60s >"$T/wport" 2>"$T/wserve.err" &
WPID=$!
for _ in $(seq 100); do [ -s "$T/wport" ] && break; sleep 0.1; done
P=$(head -1 "$T/wport" | tr -d '\r')
[ -n "$P" ] || fail "the Windows server reported no address: $(cat "$T/wserve.err")"
"$VIOBENCH" run "$NETK" --peer "$P" --min-time 0.1s --out "$T/r" --run-id i2 --quiet >"$T/i2.out" 2>&1 ||
    fail "Linux client against the Windows server: $(tail -5 "$T/i2.out")"
check_net "$T/r/i2" windows $NETROWS || fail "interop Linux client -> Windows server"
$PY -c 'import json,sys; s=json.load(open(sys.argv[1]))["kernel_context"]["network"]["peer"]["server"]; assert s["platform"]=="windows" and s["protocol"]==2, s' \
    "$T/r/i2/context.json" || fail "the Windows server's info reply"
"$VIOBENCH" run "$UDPK" --suite full --peer "$P" --min-time 0.1s --out "$T/r" --run-id u2 --quiet \
    >"$T/u2.out" 2>&1 || fail "Linux udp_rr client against the Windows server: $(tail -5 "$T/u2.out")"
check_net "$T/r/u2" windows $UDPROWS || fail "udp_rr interop Linux client -> Windows server"
stop_server $WPID
grep -q 'viobench serve: stopped:' "$T/wserve.err" || fail "the Windows server wrote no closing summary: $(cat "$T/wserve.err")"
n=$(udp_count "$T/wserve.err" binds)
[ "${n:-0}" -eq $UDP_BINDS ] ||
    fail "the Windows server bound ${n:-no} UDP sessions of the Linux client, expected $UDP_BINDS: $(cat "$T/wserve.err")"
for k in "unknown tokens" malformed; do
    [ "$(udp_count "$T/wserve.err" "$k")" = 0 ] ||
        fail "the Windows server counted $k datagrams of its own clients: $(cat "$T/wserve.err")"
done

# UDP safety: the same probe against each server (a 1 s handshake timeout). It prints the
# udp counts it expects; each server's closing summary must show exactly those.
cat >"$T/probe.py" <<'EOF'
import socket, struct, sys, time
host, port = sys.argv[1].rsplit(":", 1)
port = int(port)
exp = {"binds": 0, "unknown tokens": 0, "malformed": 0, "bad length": 0}

def reply(c):
    h = b""
    while len(h) < 24:
        d = c.recv(24 - len(h))
        assert d, "the server closed before its reply"
        h += d
    assert h[:4] == b"VBNP", h
    n, t = struct.unpack(">I", h[16:20])[0], b""
    while len(t) < n:
        d = c.recv(n - len(t))
        assert d, "the server closed in its reply text"
        t += d
    return h[5], struct.unpack(">H", h[12:14])[0], t

def register(req, resp):  # a udp_rr hello: the control connection and the token
    c = socket.create_connection((host, port), timeout=5)
    c.sendall(b"VBNP\x02\x05" + bytes(2) + struct.pack(">III", req, resp, 0) + bytes(12))
    st, uport, t = reply(c)
    assert st == 0 and uport == port and len(t) == 8 and t != bytes(8), (st, uport, t)
    return c, t

def udp(addr="127.0.0.1"):
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind((addr, 0))
    u.connect((host, port))
    u.settimeout(0.3)
    return u

def dgram(tok, kind=1, version=2):
    return b"VBNB" + bytes([version, kind]) + bytes(2) + tok

def recv(u):
    try:
        return u.recv(70000)
    except (socket.timeout, ConnectionRefusedError):
        return None

def silent(*socks):  # nothing came back to any of socks
    time.sleep(0.4)
    for u in socks:
        u.setblocking(False)
        try:
            d = u.recv(70000)
        except (BlockingIOError, ConnectionRefusedError):
            d = None
        u.settimeout(0.3)
        assert d is None, "an answer to a datagram that must get none: %r" % d[:32]

def bind(u, tok):  # as a client does: the bind again until its ack comes
    for _ in range(10):
        u.send(dgram(tok))
        d = recv(u)
        if d is not None:
            assert d == dgram(tok, 2), "not the ack of the bind: %r" % d
            exp["binds"] += 1
            return
    raise AssertionError("no ack of a bind with a live token")

def trips(u, req, resp, n, base):  # round trips with sequence stamps
    for seq in range(base, base + n):
        k = min(req, resp, 8)
        msg = (seq.to_bytes(8, "big")[8 - min(req, 8):] + bytes(req))[:req]
        u.send(msg)
        d = recv(u)
        assert d is not None, "no reply to round trip %d" % seq
        assert len(d) == resp and d[:k] == msg[:k], "reply %d: %d bytes %r" % (seq, len(d), d[:8])

# the control connection comes from 127.0.0.1, the datagrams from 127.0.0.2: the server
# must answer where the bind came from
c1, t1 = register(64, 64)
g, u1 = udp(), udp("127.0.0.2")
garbled = [dgram(t1)[:15], dgram(t1) + b"x", b"XXNB" + dgram(t1)[4:], dgram(t1, version=1),
           dgram(t1, kind=2), dgram(t1, kind=3), dgram(t1)[:6] + b"\x01\x00" + t1,
           dgram(bytes(8)), bytes(64)]
for d in garbled:
    g.send(d)
exp["malformed"] += len(garbled)
g.send(dgram(bytes(7) + b"\x01"))  # a token nobody has
exp["unknown tokens"] += 1
silent(g)
bind(u1, t1)  # the garbled and unknown binds did not use the token up
trips(u1, 64, 64, 20, 0)
# a second session on the same UDP port with other sizes (a request as long as a bind):
# each source gets its own session's replies
c2, t2 = register(16, 200)
assert t2 != t1
u2 = udp()
bind(u2, t2)
for r in range(3):
    trips(u1, 64, 64, 5, 100 + 10 * r)
    trips(u2, 16, 200, 5, 200 + 10 * r)
# single use: the live token again from another port is unknown; the other session's token
# from a bound source is ignored; a wrong size is dropped; a repeated bind from the bound
# source (its ack was lost) is acknowledged again
g.send(dgram(t1))
exp["unknown tokens"] += 1
u2.send(dgram(t1))
u1.send(bytes(63))
exp["bad length"] += 1
silent(g, u1, u2)
u1.send(dgram(t1))
assert recv(u1) == dgram(t1, 2), "a repeated bind is not acknowledged again"
trips(u1, 64, 64, 5, 300)
trips(u2, 16, 200, 5, 400)
# the control connection closes: the session ends, its source is unknown, its token dead
c1.close()
time.sleep(0.6)
u1.send(bytes(64))
exp["malformed"] += 1
u1.send(dgram(t1))
exp["unknown tokens"] += 1
silent(u1)
trips(u2, 16, 200, 3, 500)
c2.close()
# a token whose connection closed before any bind binds nothing
c3, t3 = register(64, 64)
c3.close()
time.sleep(0.6)
u3 = udp()
u3.send(dgram(t3))
exp["unknown tokens"] += 1
silent(u3)
# no bind within the handshake timeout (1 s): refused with status 6, and the token is dead
c4, t4 = register(64, 64)
st, _, text = reply(c4)
assert st == 6 and b"no UDP bind datagram" in text, (st, text)
u4 = udp()
u4.send(dgram(t4))
exp["unknown tokens"] += 1
silent(u4)
print(";".join("%d %s" % (v, k) for k, v in exp.items()))
EOF
probe() { # NAME SERVE-PID SUMMARY-FILE ADDRESS
    local out v k got
    out=$(timeout 60 $PY "$T/probe.py" "$4" 2>&1) || { fail "UDP probe of the $1 server: $out"; stop_server "$2"; return; }
    stop_server "$2"
    while IFS=' ' read -r v k; do
        got=$(udp_count "$3" "$k")
        [ "$got" = "$v" ] || fail "the $1 server counted ${got:-no} '$k', the probe expected $v: $(cat "$3")"
    done <<<"$(echo "$out" | tr ';' '\n')"
    echo "UDP probe of the $1 server: $out"
}
"$VIOBENCH" serve --listen 127.0.0.1:0 --ready-fd 3 --handshake-timeout 1s --duration 60s \
    3>"$T/lport2" 2>"$T/lserve2.err" &
LPID=$!
for _ in $(seq 50); do [ -s "$T/lport2" ] && break; sleep 0.1; done
probe Linux $LPID "$T/lserve2.err" "$(head -1 "$T/lport2")"
"$WINE" "$EXE" serve --listen 127.0.0.1:0 --ready-fd 1 --handshake-timeout 1s --duration 60s \
    >"$T/wport2" 2>"$T/wserve2.err" &
WPID=$!
for _ in $(seq 100); do [ -s "$T/wport2" ] && break; sleep 0.1; done
probe Windows $WPID "$T/wserve2.err" "$(head -1 "$T/wport2" | tr -d '\r')"
finish
