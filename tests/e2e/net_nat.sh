#!/bin/sh
# End-to-end: the network kernels through a NAT that rewrites the client's address and ports,
# as QEMU user networking or a home router does. Three network namespaces joined by two veth
# pairs: the client (10.213.10.2) routes through a router namespace whose nftables rules
# translate it to 10.213.11.1 with source ports 20000-20999 (the client's own ports are
# 40000-60999, so every port is rewritten), and the server (10.213.11.2) has no route to the
# client's network, so every reply must go back through the translation. net/udp_rr must
# work: `viobench serve` connects each UDP session to the source its bind datagram came from.
# The router's counters must show that TCP and UDP were translated, and the server's closing
# summary one bind per UDP flow. Root and nftables only (exit 77 otherwise); traffic stays
# inside these namespaces, which are removed whatever happens (trap on EXIT, INT and TERM).
set -u
cd "$(dirname "$0")/../.." || exit 1
VB=${VIOBENCH:-$PWD/viobench}
[ -x "$VB" ] || { echo "SKIP: $VB not built"; exit 77; }
command -v ip >/dev/null || { echo "SKIP: iproute2 (ip) is not installed"; exit 77; }
PATH=$PATH:/usr/sbin:/sbin # nft lives in /usr/sbin
command -v nft >/dev/null || { echo "SKIP: nft is not installed (scripts/setup)"; exit 77; }
[ "$(id -u)" -eq 0 ] || { echo "SKIP: network namespaces need root"; exit 77; }

C=vb-natc-$$ R=vb-natr-$$ S=vb-nats-$$
CI=vnc$$ RC=vnrc$$ RS=vnrs$$ SI=vns$$
T=$(mktemp -d "${TMPDIR:-/tmp}/vb-nat.XXXXXX")
srv=
cleanup() {
    [ -n "$srv" ] && kill "$srv" 2>/dev/null && wait "$srv" 2>/dev/null
    for n in "$C" "$R" "$S"; do ip netns del "$n" 2>/dev/null; done
    rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for n in "$C" "$R" "$S"; do
    if ! ip netns add "$n" 2>"$T/err"; then
        echo "SKIP: cannot create a network namespace: $(cat "$T/err")"
        exit 77
    fi
done
if ! ip link add "$CI" netns "$C" type veth peer name "$RC" netns "$R" 2>"$T/err" ||
    ! ip link add "$RS" netns "$R" type veth peer name "$SI" netns "$S" 2>>"$T/err"; then
    echo "SKIP: cannot create veth pairs: $(cat "$T/err")"
    exit 77
fi
set -e
ip -n "$C" addr add 10.213.10.2/24 dev "$CI"
ip -n "$R" addr add 10.213.10.1/24 dev "$RC"
ip -n "$R" addr add 10.213.11.1/24 dev "$RS"
ip -n "$S" addr add 10.213.11.2/24 dev "$SI"
for pair in "$C $CI" "$R $RC" "$R $RS" "$S $SI"; do
    set -- $pair
    ip -n "$1" link set lo up
    ip -n "$1" link set "$2" up
done
ip -n "$C" route add default via 10.213.10.1
ip netns exec "$C" sysctl -qw net.ipv4.ip_local_port_range="40000 60999"
ip netns exec "$R" sysctl -qw net.ipv4.ip_forward=1
set +e
if ! ip netns exec "$R" nft -f - 2>"$T/err" <<EOF; then
table ip vbnat {
    chain post {
        type nat hook postrouting priority srcnat;
        oifname "$RS" udp dport 7700 counter snat to 10.213.11.1:20000-20999
        oifname "$RS" tcp dport 7700 counter snat to 10.213.11.1:20000-20999
    }
}
EOF
    echo "SKIP: cannot install the NAT rules (nftables NAT in this kernel?): $(cat "$T/err")"
    exit 77
fi

ip netns exec "$S" "$VB" serve --listen 10.213.11.2:7700 --duration 60s --ready-fd 3 \
    3>"$T/ready" 2>"$T/serve.err" &
srv=$!
for _ in $(seq 1 50); do [ -s "$T/ready" ] && break; sleep 0.1; done
[ "$(cat "$T/ready")" = "10.213.11.2:7700" ] || { echo "FAIL: server did not start:"; cat "$T/serve.err"; exit 1; }

fail=0
rows='net/udp_rr/*,-net/udp_rr/size:1k,net/tcp_rr/size:6[4]'
ip netns exec "$C" "$VB" run --suite full "$rows" --peer 10.213.11.2:7700 --min-time 0.2s \
    --warmup 0.05s --out "$T" --run-id nat -q --format console,json >"$T/run.out" 2>&1
rc=$?
cat "$T/run.out"
[ $rc -eq 0 ] || { echo "FAIL: run through the NAT exited $rc"; fail=1; }
# the same over epoll and spin I/O (the bind runs before the socket turns non-blocking)
for io in epoll spin; do
    ip netns exec "$C" "$VB" run net/udp_rr/size:64 --peer 10.213.11.2:7700 --net-io $io \
        --min-time 0.1s --warmup 0 --out "$T" --run-id "nat-$io" -q >"$T/$io.out" 2>&1 ||
        { echo "FAIL: udp_rr through the NAT with --net-io $io:"; cat "$T/$io.out"; fail=1; }
done

python3 - "$T/nat" <<'EOF' || fail=1
import json, os, sys
res = json.load(open(os.path.join(sys.argv[1], "results.json")))
rows = [b for b in res["benchmarks"] if b.get("run_type") == "iteration"]
names = sorted(b["name"] for b in rows)
ok = len(rows) == 5
if not ok:
    print("FAIL: expected 5 rows, got", names)
for b in rows:
    if b.get("error_occurred") or b["iterations"] < 1:
        print(f"FAIL: {b['name']}: {b.get('error_message')}")
        ok = False
    elif b["name"].startswith("net/udp_rr") and b.get("lost", 0) > 0.1 * b["iterations"]:
        print(f"FAIL: {b['name']}: {b['lost']} of {b['iterations']} replies lost")
        ok = False
sys.exit(0 if ok else 1)
EOF

# The router translated both protocols (a NAT rule counts the first packet of each flow).
ip netns exec "$R" nft list table ip vbnat >"$T/nft.out"
for proto in udp tcp; do
    n=$(sed -n "s/.*$proto dport 7700 counter packets \([0-9]*\).*/\1/p" "$T/nft.out")
    [ "${n:-0}" -gt 0 ] || { echo "FAIL: no $proto flow was translated:"; cat "$T/nft.out"; fail=1; }
done
kill "$srv"
wait "$srv"
srv=
cat "$T/serve.err"
# One bind per UDP flow: three single-flow rows, one of four flows, one each for epoll and spin.
binds=$(sed -n 's/.*udp: \([0-9]*\) binds.*/\1/p' "$T/serve.err")
[ "${binds:-0}" -eq 9 ] || { echo "FAIL: the server bound ${binds:-no} UDP sessions, expected 9"; fail=1; }
grep -q 'udp: [0-9]* binds, [0-9]* replies, 0 unknown tokens, 0 malformed' "$T/serve.err" ||
    { echo "FAIL: the server dropped UDP datagrams it should have served"; fail=1; }
[ $fail -eq 0 ] && echo "PASS: tcp_rr and udp_rr through a NAT that rewrites address and ports"
exit $fail
