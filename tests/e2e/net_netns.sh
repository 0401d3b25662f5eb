#!/bin/sh
# End-to-end: two hosts on one machine. Two network namespaces joined by a veth pair with
# private addresses; `viobench serve` in one, the network kernels in the other with --peer.
# The results must name both ends of the path (veth on each side, the peer's sysinfo).
# Root only: exits 77 with the reason when namespaces cannot be made. Traffic stays inside
# these namespaces; they are removed whatever happens (trap on EXIT, INT and TERM).
set -u
cd "$(dirname "$0")/../.." || exit 1
VB=${VIOBENCH:-$PWD/viobench}
[ -x "$VB" ] || { echo "SKIP: $VB not built"; exit 77; }
command -v ip >/dev/null || { echo "SKIP: iproute2 (ip) is not installed"; exit 77; }
command -v python3 >/dev/null || { echo "SKIP: python3 missing"; exit 77; }
[ "$(id -u)" -eq 0 ] || { echo "SKIP: network namespaces need root"; exit 77; }

A=vb-srv-$$ B=vb-cli-$$ VA=vbs$$ VB_IF=vbc$$
SA=10.213.7.1 SB=10.213.7.2
T=$(mktemp -d "${TMPDIR:-/tmp}/vb-netns.XXXXXX")
srv=
cleanup() {
    [ -n "$srv" ] && kill "$srv" 2>/dev/null && wait "$srv" 2>/dev/null
    ip netns del "$A" 2>/dev/null
    ip netns del "$B" 2>/dev/null
    ip link del "$VA" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if ! ip netns add "$A" 2>"$T/err"; then
    echo "SKIP: cannot create a network namespace: $(cat "$T/err")"
    exit 77
fi
ip netns add "$B" || { echo "SKIP: cannot create a second network namespace"; exit 77; }
if ! ip link add "$VA" type veth peer name "$VB_IF" 2>"$T/err"; then
    echo "SKIP: cannot create a veth pair: $(cat "$T/err")"
    exit 77
fi
set -e
ip link set "$VA" netns "$A"
ip link set "$VB_IF" netns "$B"
ip -n "$A" addr add "$SA/24" dev "$VA"
ip -n "$B" addr add "$SB/24" dev "$VB_IF"
ip -n "$A" link set lo up
ip -n "$B" link set lo up
ip -n "$A" link set "$VA" up
ip -n "$B" link set "$VB_IF" up
set +e

ip netns exec "$A" "$VB" serve --listen "$SA:7700" --duration 60s --ready-fd 3 \
    3>"$T/ready" 2>"$T/serve.err" &
srv=$!
for _ in $(seq 1 50); do [ -s "$T/ready" ] && break; sleep 0.1; done
[ "$(cat "$T/ready")" = "$SA:7700" ] || { echo "FAIL: server did not start:"; cat "$T/serve.err"; exit 1; }

rows='net/tcp_rr/size:64,net/udp_rr/size:64,net/tcp_crr,net/tcp_stream/size:64k,net/tcp_maerts/size:64k,net/tcp_rr/size:64/flows:2,-*/flows:[48]'
ip netns exec "$B" "$VB" run --suite full "$rows" --peer "$SA:7700" --min-time 0.2s \
    --warmup 0.05s --out "$T" --run-id ns -q --format console,json >"$T/run.out" 2>&1
rc=$?
cat "$T/run.out"
[ $rc -eq 0 ] || { echo "FAIL: run in $B exited $rc"; exit 1; }

python3 - "$T/ns" "$VA" "$VB_IF" "$SA" "$SB" <<'EOF'
import json, os, sys
d, va, vb, sa, sb = sys.argv[1:]
res = json.load(open(os.path.join(d, "results.json")))
net = json.load(open(os.path.join(d, "context.json")))["kernel_context"]["network"]
ok = True
def bad(m):
    global ok
    print("FAIL:", m)
    ok = False
for b in res["benchmarks"]:
    if b.get("run_type") != "iteration":
        continue
    if b.get("error_occurred") or b["iterations"] < 1:
        bad(f"{b['name']}: {b.get('error_message')}")
    if b["info"]["peer"] != f"{sa}:7700":
        bad(f"{b['name']}: peer {b['info']['peer']}")
loc, peer = net["local"], net["peer"]
if (loc.get("interface"), loc.get("driver"), loc.get("address")) != (vb, "veth", sb):
    bad(f"client end of the path: {loc}")
nic = peer.get("server", {}).get("nic", {})
if (nic.get("interface"), nic.get("driver"), nic.get("address")) != (va, "veth", sa):
    bad(f"server end of the path: {nic}")
if peer.get("started_by_run") or "sysinfo" not in peer:
    bad(f"peer context: {sorted(peer)}")
print("both ends:", loc["interface"], loc["driver"], loc.get("mtu"), "->", nic.get("interface"),
      nic.get("driver"), nic.get("mtu"))
sys.exit(0 if ok else 1)
EOF
