#!/bin/sh
# A remote peer's CPUs (docs/network.md): against --peer, a `viobench serve` reports its own
# threads over the protocol (NP_TEST_THREADS) as the window begins and ends, so the row's
# info.peer_cpus and peer_migrations are filled as for a peer the run started itself. An
# older server refuses the unknown test and a peer sending garbage is refused by the client:
# both rows still pass, with peer_cpus null and a note saying why (played here by a small
# Python peer that speaks tcp_rr only).
. "$(dirname "$0")/lib.sh"

K=net/tcp_rr/size:64
"$VIOBENCH" serve --listen 127.0.0.1:0 --duration 30s --quiet --ready-fd 3 3>"$T/ready" &
srv=$!
trap 'kill $srv $old 2>/dev/null; rm -rf "$T"' EXIT
old=
for _ in $(seq 50); do [ -s "$T/ready" ] && break; sleep 0.1; done
peer=$(head -1 "$T/ready")
[ -n "$peer" ] || fail "serve reported no address"
"$VIOBENCH" run $K --peer "$peer" --min-time 0.2s --out "$T" --run-id new --quiet --format json \
    >/dev/null 2>"$T/new.err" || fail "run against serve failed: $(cat "$T/new.err")"

# An older peer (refuses test 7) and a garbled one (a threads reply of the wrong length).
cat >"$T/oldpeer.py" <<'PYEOF'
import socket, struct, sys, threading
mode, portfile = sys.argv[1], sys.argv[2]
ls = socket.socket(); ls.bind(("127.0.0.1", 0)); ls.listen(8)
open(portfile, "w").write("127.0.0.1:%d\n" % ls.getsockname()[1])
def reply(c, status, text=b""):
    c.sendall(b"VBNP" + bytes([2, status, 0, 0]) + struct.pack(">IHHI", 1 << 20, 0, 0, len(text)) + bytes(4) + text)
def recvall(c, n):
    b = b""
    while len(b) < n:
        x = c.recv(n - len(b))
        if not x: raise EOFError
        b += x
    return b
def serve(c):
    try:
        h = recvall(c, 32)
        test, req, resp = h[5], *struct.unpack(">II", h[8:16])
        if test == 7:
            if mode == "old": reply(c, 3, b"unknown test 7")
            else: reply(c, 0, b"\x00\x01\x00\x00garbage")
        elif test == 6: reply(c, 0, b"{}")
        elif test == 1:
            c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            reply(c, 0)
            while True:
                m = recvall(c, req)
                c.sendall(m[:8].ljust(resp, b"\0")[:resp])
        else: reply(c, 3, b"unknown test")
    except (EOFError, OSError): pass
    c.close()
while True:
    c, _ = ls.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
PYEOF
for m in old garbage; do
    $PY "$T/oldpeer.py" $m "$T/$m.port" & old="$old $!"
    for _ in $(seq 50); do [ -s "$T/$m.port" ] && break; sleep 0.1; done
    "$VIOBENCH" run $K --peer "$(head -1 "$T/$m.port")" --min-time 0.2s --out "$T" --run-id $m \
        --quiet --format json >/dev/null 2>"$T/$m.err" || fail "run against the $m peer failed: $(cat "$T/$m.err")"
done
$PY - "$T" <<'PYEOF' || FAILED=1
import json, sys
T, ok = sys.argv[1], True
def bad(*a):
    global ok
    print("FAIL:", *a); ok = False
def info(run):
    r = json.load(open("%s/%s/results.json" % (T, run)))["benchmarks"][0]
    if r.get("error_occurred"): bad(run, r.get("error_message"))
    return r.get("info", {})
i = info("new")
if not isinstance(i.get("peer_cpus"), list) or not i["peer_cpus"] or \
        not all(isinstance(c, int) and c >= 0 for c in i["peer_cpus"]):
    bad("serve's own report: peer_cpus", i.get("peer_cpus"))
if not isinstance(i.get("peer_migrations"), int) or i["peer_migrations"] < 0:
    bad("serve's own report: peer_migrations", i.get("peer_migrations"))
if "reported by the peer" not in i.get("peer_cpus_note", ""):
    bad("note", i.get("peer_cpus_note"))
for run, why in (("old", "older than the threads report"), ("garbage", "threads report")):
    i = info(run)
    if i.get("peer_cpus") is not None or i.get("peer_migrations") is not None:
        bad(run, "peer CPUs should be unknown:", i.get("peer_cpus"), i.get("peer_migrations"))
    if why not in i.get("peer_cpus_note", ""):
        bad(run, "note", i.get("peer_cpus_note"))
    if not i.get("client_cpus"):
        bad(run, "client_cpus", i.get("client_cpus"))
sys.exit(0 if ok else 1)
PYEOF
finish
