# Sourced by the tests that drive real OpenSSH servers (matrix.sh, ansible.sh), after lib.sh:
# test "guests" that are sshd on 127.0.0.1 high ports of this machine, with a private
# configuration, generated host and client keys, and root login by key only. Nothing listens
# beyond loopback.
#
#   sshd_start N   start N servers: PORTS (their ports), DEAD (a port where nothing
#                  listens), $T/id (the client key), $T/known_hosts, $T/ssh_config (Host
#                  127.0.0.1 as root with that key); fails the test if one does not come up
#   sshd_stop      stop them (call it from the test's EXIT trap)

SSHD_PIDS=()
MADE_RUN_SSHD=0

sshd_stop() {
    for p in "${SSHD_PIDS[@]}"; do
        kill -TERM "$p" 2>/dev/null
        wait "$p" 2>/dev/null
    done
    SSHD_PIDS=()
    [ $MADE_RUN_SSHD -eq 0 ] || rmdir /run/sshd 2>/dev/null
    MADE_RUN_SSHD=0
}

free_port() {
    $PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# listening PORT: 0 when something listens on 127.0.0.1:PORT (read from /proc/net/tcp
# without connecting: a login costs seconds here).
listening() {
    $PY -c 'import sys; p = ":%04X" % int(sys.argv[1]); sys.exit(0 if any(l.split()[1].endswith(p) and l.split()[3] == "0A" for l in open("/proc/net/tcp").readlines()[1:]) else 1)' "$1"
}

sshd_start() {
    local count=$1 n port ok
    # sshd refuses to start without its privilege separation directory.
    if [ ! -d /run/sshd ]; then mkdir -m 0755 /run/sshd && MADE_RUN_SSHD=1; fi
    ssh-keygen -q -t ed25519 -N '' -f "$T/hostkey" -C viobench-test-host
    ssh-keygen -q -t ed25519 -N '' -f "$T/id" -C viobench-test-client
    cp "$T/id.pub" "$T/authorized_keys"
    : >"$T/known_hosts"
    PORTS=()
    for n in $(seq "$count"); do
        port=$(free_port)
        cat >"$T/sshd$n.conf" <<EOF
Port $port
ListenAddress 127.0.0.1
HostKey $T/hostkey
PidFile $T/sshd$n.pid
AuthorizedKeysFile $T/authorized_keys
StrictModes no
UsePAM no
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
X11Forwarding no
AllowTcpForwarding no
PrintMotd no
EOF
        /usr/sbin/sshd -D -e -f "$T/sshd$n.conf" 2>"$T/sshd$n.log" &
        SSHD_PIDS+=($!)
        echo "[127.0.0.1]:$port $(cut -d' ' -f1-2 "$T/hostkey.pub")" >>"$T/known_hosts"
        PORTS+=("$port")
    done
    DEAD=$(free_port)
    cat >"$T/ssh_config" <<EOF
Host 127.0.0.1
    User root
    IdentityFile $T/id
    IdentitiesOnly yes
    UserKnownHostsFile $T/known_hosts
    StrictHostKeyChecking yes
    LogLevel ERROR
EOF
    for n in $(seq 0 $((count - 1))); do
        ok=0
        for _ in $(seq 50); do listening "${PORTS[$n]}" && { ok=1; break; }; sleep 0.1; done
        [ $ok -eq 1 ] || { cat "$T/sshd$((n + 1)).log"; fail "sshd on port ${PORTS[$n]} did not come up"; finish; }
    done
}
