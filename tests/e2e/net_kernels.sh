#!/bin/sh
# End-to-end: the network kernels on loopback against the peer the run starts itself.
# Every quick-suite network row and a few sweep rows run briefly; the results must carry
# round-trip percentiles, stream throughput, both ends of the path in context.json, and
# the peer must be gone after the run (also after Ctrl-C). Then the network options' bad
# inputs, each with its message and exit status 2, a peer that stops answering (TCP) or never
# acknowledges the UDP bind, and an unreachable --peer (exit 1).
set -u
cd "$(dirname "$0")/../.." || exit 1
VB=${VIOBENCH:-$PWD/viobench}
[ -x "$VB" ] || { echo "SKIP: $VB not built"; exit 77; }
command -v python3 >/dev/null || { echo "SKIP: python3 missing"; exit 77; }
T=$(mktemp -d "${TMPDIR:-/tmp}/vb-net.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM
fail=0
bad() { echo "FAIL: $*"; fail=1; }

rows='net/tcp_rr/size:64,net/tcp_rr/size:64k,net/udp_rr/size:1,net/udp_rr/size:64,net/tcp_crr,net/tcp_stream/size:64k,net/tcp_maerts/size:64k,net/tcp_rr/size:64/flows:2,net/vsock_rr/size:64,-*/flows:[48]'
"$VB" run --suite full "$rows" --min-time 0.2s --warmup 0.05s --out "$T" --run-id a -q \
    --format json >"$T/a.out" 2>&1 || { cat "$T/a.out"; bad "run of the network rows failed"; }

python3 - "$T/a" <<'EOF' || fail=1
import json, os, sys
d = sys.argv[1]
res = json.load(open(os.path.join(d, "results.json")))
ctx = json.load(open(os.path.join(d, "context.json")))
rows = {b["name"]: b for b in res["benchmarks"] if b.get("run_type") == "iteration"}
ok = True
def bad(msg):
    global ok
    print("FAIL:", msg)
    ok = False
for name in ["net/tcp_rr/size:64", "net/tcp_rr/size:64k", "net/udp_rr/size:1",
             "net/udp_rr/size:64", "net/tcp_crr", "net/tcp_rr/size:64/flows:2"]:
    b = rows.get(name)
    if not b or b.get("error_occurred"):
        bad(f"{name}: {b and b.get('error_message')}")
        continue
    if not (0 < b["p50_ns"] <= b["p99_ns"] <= b["max_ns"]):
        bad(f"{name}: percentiles out of order")
    if b["items_per_second"] <= 0 or b["iterations"] < 10:
        bad(f"{name}: no transactions")
    if "full round-trip" not in b.get("info", {}).get("figure", ""):
        bad(f"{name}: info does not name the figure as the full round trip")
if rows.get("net/tcp_rr/size:64/flows:2", {}).get("flows") != 2:
    bad("flows:2 row does not report 2 flows")
for name in ["net/tcp_stream/size:64k", "net/tcp_maerts/size:64k"]:
    b = rows.get(name)
    if not b or b.get("error_occurred") or not b.get("bytes_per_second", 0) > 1e6:
        bad(f"{name}: no throughput ({b and b.get('error_message')})")
v = rows.get("net/vsock_rr/size:64")
# skipped with its reason here; a machine with vsock loopback runs it
if not v or (v.get("error_occurred") and "skipped: no vsock" not in v.get("error_message", "")):
    bad(f"vsock row is neither run nor skipped with the reason: {v}")
net = ctx.get("kernel_context", {}).get("network")
if not net:
    bad("context.json has no kernel_context.network")
else:
    peer = net.get("peer", {})
    if not peer.get("started_by_run") or "sysinfo" not in peer or "server" not in peer:
        bad(f"peer context incomplete: {sorted(peer)}")
    if net.get("local", {}).get("interface") != "lo" or not net["local"].get("mtu"):
        bad(f"local NIC facts missing: {net.get('local')}")
    if peer.get("server", {}).get("nic", {}).get("interface") != "lo":
        bad("the peer's NIC facts are missing")
    pid = peer.get("pid")
    try:
        cmd = open(f"/proc/{pid}/cmdline").read()
        if "serve" in cmd:
            bad(f"the peer (pid {pid}) outlived the run")
    except OSError:
        pass
sys.exit(0 if ok else 1)
EOF

# Open loop: paced rows report the target rate and stay near it.
"$VB" run net/udp_rr/size:64 --rate 2k/s --min-time 0.5s --out "$T" --run-id b -q \
    --format json >"$T/b.out" 2>&1 || { cat "$T/b.out"; bad "paced run failed"; }
python3 - "$T/b/results.json" <<'EOF' || fail=1
import json, sys
b = [r for r in json.load(open(sys.argv[1]))["benchmarks"] if r.get("run_type") == "iteration"][0]
if b.get("target_rate") != 2000 or not 1000 < b["items_per_second"] < 2200:
    print("FAIL: paced run:", b.get("target_rate"), b["items_per_second"]); sys.exit(1)
EOF

# I/O modes and socket options all work.
for io in epoll spin; do
    "$VB" run 'net/tcp_rr/size:64,net/udp_rr/size:64,net/tcp_stream/size:64k' --net-io $io \
        --busy-poll 10us --nagle --min-time 0.1s --warmup 0.02s --out "$T" --run-id "io-$io" \
        -q --format json >"$T/io.out" 2>&1 || { cat "$T/io.out"; bad "--net-io $io failed"; }
done

# Ctrl-C: the run stops, writes what it has, and takes its peer down with it.
"$VB" run net/tcp_rr/size:64 --min-time 30s --out "$T" --run-id c -q --format json \
    >"$T/c.out" 2>&1 &
run=$!
sleep 1.5
kill -INT $run
wait $run
rc=$?
[ $rc -eq 130 ] || bad "interrupted run exited $rc, expected 130"
pid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["kernel_context"]["network"]["peer"]["pid"])' "$T/c/context.json" 2>/dev/null)
if [ -n "$pid" ] && grep -q serve "/proc/$pid/cmdline" 2>/dev/null; then
    bad "peer $pid still running after the interrupted run"
fi

# Bad input: one line naming the option, exit 2.
check_usage() {
    want=$1; shift
    "$VB" run net/tcp_rr/size:64 "$@" --out "$T" -q >"$T/u.out" 2>&1
    rc=$?
    [ $rc -eq 2 ] || bad "'$*' exited $rc, expected 2"
    grep -q -- "$want" "$T/u.out" || { bad "'$*' message lacks '$want':"; cat "$T/u.out"; }
}
check_usage "--peer: '127.0.0.1': no port" --peer 127.0.0.1
check_usage "--peer: 'localhost:0': port 0" --peer localhost:0
check_usage "--peer: 'vsock:2:5' is a vsock address" --peer vsock:2:5
check_usage "--vsock-peer: 'vsock:127.0.0.1:7': CID must be a number" --vsock-peer 127.0.0.1:7
check_usage "--vsock-peer: 'vsock:7': give both" --vsock-peer vsock:7
check_usage "--vsock-peer: 'vsock:7': give both" --vsock-peer 7
check_usage "--net-io: unknown mode 'poll'" --net-io poll
check_usage "--flows: -1 is out of range" --flows -1
check_usage "--flows: 1000 is out of range" --flows 1000
check_usage "--rate: bad value" --rate fast
check_usage "--busy-poll: must be between" --busy-poll 1s
check_usage "--peer-cpu: CPU 999" --peer-cpu 999

# A peer that accepts the hello and then never answers: the row fails after 5 s with the
# reason (the watchdog of blocking sockets), it does not hang. For udp_rr it hands out a
# session token and a UDP port that never acknowledges the bind (64-byte rows), or no token
# at all (1-byte rows): each fails with its reason.
python3 - "$T/stall.port" <<'EOF' &
import socket, struct, sys
srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(8)
udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
udp.bind(("127.0.0.1", 0))  # receives the binds, answers none
open(sys.argv[1], "w").write(str(srv.getsockname()[1]))
srv.settimeout(30)
held = []
try:
    while True:
        c, _ = srv.accept()
        c.settimeout(5)
        hello = c.recv(32)
        if hello[5] == 5 and hello[8:12] == struct.pack(">I", 64):  # udp_rr: a token, silence
            c.sendall(b"VBNP\x02\x00" + bytes(6) + struct.pack(">H", udp.getsockname()[1])
                      + bytes(2) + struct.pack(">I", 8) + bytes(4) + b"\x01" * 8)
        else:
            c.sendall(b"VBNP\x02\x00" + bytes(18))  # accepted, no text
        if hello[5] == 6:  # the info request: close after the reply
            c.close()
        else:
            held.append(c)  # then silence
except OSError:
    pass
EOF
stall=$!
for _ in 1 2 3 4 5 6 7 8 9 10; do [ -s "$T/stall.port" ] && break; sleep 0.2; done
start=$(date +%s)
"$VB" run net/tcp_rr/size:64 --peer "127.0.0.1:$(cat "$T/stall.port")" --min-time 1s \
    --out "$T" -q >"$T/s.out" 2>&1
rc=$?
took=$(( $(date +%s) - start ))
[ $rc -eq 1 ] || bad "stalled peer: exit $rc, expected 1"
grep -q "no answer from the peer in 5 s" "$T/s.out" || { bad "stalled peer message:"; cat "$T/s.out"; }
[ $took -le 20 ] || bad "stalled peer: the run took ${took}s"
"$VB" run --suite full 'net/udp_rr/size:6[4],net/udp_rr/size:[1]' --peer "127.0.0.1:$(cat "$T/stall.port")" \
    --min-time 0.1s --out "$T" -q >"$T/u.out" 2>&1
rc=$?
kill $stall 2>/dev/null
[ $rc -eq 1 ] || bad "silent UDP peer: exit $rc, expected 1"
grep -q "UDP bind: no acknowledgement from the peer's UDP port in 5000 ms (50 tries" "$T/u.out" ||
    { bad "silent UDP peer message:"; cat "$T/u.out"; }
grep -q "no udp_rr session token in its reply (0 bytes of text)" "$T/u.out" ||
    { bad "udp_rr reply without a token message:"; cat "$T/u.out"; }

# A peer that is not there: the rows fail with the reason, exit 1.
"$VB" run net/tcp_rr/size:64 --peer 127.0.0.1:1 --min-time 0.1s --out "$T" -q >"$T/p.out" 2>&1
rc=$?
[ $rc -eq 1 ] || bad "unreachable peer exited $rc, expected 1"
grep -q "cannot connect to 127.0.0.1:1" "$T/p.out" || { bad "unreachable peer message"; cat "$T/p.out"; }
exit $fail
