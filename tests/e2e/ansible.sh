#!/bin/bash
# End to end: scripts/ansible/viobench.yml (the fleet playbook and its role) drives real
# OpenSSH servers through Debian's ansible-playbook. The test starts two sshd on 127.0.0.1
# high ports (private config, generated keys, root login by key only); they stand for the
# machines of a lab (they are this machine). The inventory: guests alpha and beta on one
# hypervisor host (so they must run one after the other), gamma on a port where nothing
# listens (unreachable), delta asking for a suite that does not exist (its run fails), and
# hv1, a host that only serves the network peer the guests' net/tcp_rr runs against. The
# play must bring alpha's and beta's run directories home with the inventory's labels,
# collect them into the store, print the matrix, name gamma and delta, exit 4, leave
# nothing in the guests' temporary directories and stop the peer. Everything stays on
# 127.0.0.1. The syntax and lint checks (Windows tasks included) are in ansible_lint.sh.
# When PostgreSQL is installed, viobench_db is a postgresql:// URI (with a password in it)
# to a private server (pg_lib.sh), and the password must appear nowhere in the play's
# output; otherwise an SQLite file.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || skip "needs root to run sshd and log in as root"
[ -x /usr/sbin/sshd ] || skip "openssh-server is not installed (scripts/setup)"
command -v ssh >/dev/null && command -v ssh-keygen >/dev/null || skip "openssh-client is not installed"
command -v ansible-playbook >/dev/null || skip "ansible-playbook is not installed (ansible-core: scripts/setup)"
make -s static >"$T/make.log" 2>&1 || { cat "$T/make.log"; fail "make static failed"; finish; }

. "$(dirname "$0")/sshd_lib.sh"
. "$(dirname "$0")/pg_lib.sh"
stop_all() {
    pg_stop
    sshd_stop
    for s in "$T"/ansible-home/cp/*; do
        [ -S "$s" ] && ssh -o ControlPath="$s" -O exit dummy >/dev/null 2>&1
    done
    rm -rf "$T"
}
trap stop_all EXIT
trap 'exit 130' INT TERM

sshd_start 2
mkdir -p "$T/remote" "$T/out"
STORE="$T/out/store.db" STORE_SHOWN="$T/out/store.db" SECRET=secret-xyz-ansible
if pg_bindir >/dev/null; then
    pg_start "-c fsync=off" || fail "PostgreSQL did not start"
    pg_psql postgres "CREATE ROLE vbw LOGIN" >/dev/null && pg_psql postgres "CREATE DATABASE vb OWNER vbw" >/dev/null ||
        fail "creating the database"
    STORE="postgresql://vbw:$SECRET@/vb?host=$PG_DIR&port=$PG_PORT"
    STORE_SHOWN="postgresql://vbw:***@/vb?host=$PG_DIR&port=$PG_PORT"
    echo "store: PostgreSQL at $PG_DIR port $PG_PORT"
fi

PEER_PORT=$(free_port)
AT="$T/ansible-remote"
cat >"$T/inventory.yml" <<EOF2
all:
  vars:
    ansible_user: root
    ansible_host: 127.0.0.1
    ansible_ssh_private_key_file: $T/id
    ansible_ssh_common_args: -o UserKnownHostsFile=$T/known_hosts -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes -o ConnectTimeout=5
    ansible_python_interpreter: /usr/bin/python3
    ansible_remote_tmp: $AT
    viobench_tmpdir: $T/remote
  hosts:
    hv1:
      ansible_port: ${PORTS[0]}
      viobench_guest: false
      viobench_peer_address: 127.0.0.1
      viobench_peer_port: $PEER_PORT
    alpha:
      ansible_port: ${PORTS[0]}
      viobench_hypervisor_host: hv1
      viobench_peer_host: hv1
      viobench_labels: {host_hypervisor: kvm, host_hypervisor_version: test-8.2, note: "a*b=c \$HOME"}
    gamma:
      ansible_port: $DEAD
      viobench_hypervisor_host: hv2
      viobench_labels: {host_hypervisor: xen}
    beta:
      ansible_port: ${PORTS[1]}
      viobench_hypervisor_host: hv1
      viobench_peer_host: hv1
      viobench_labels: {host_hypervisor: hyperv, host_hypervisor_version: test-10.0}
    delta:
      ansible_port: ${PORTS[1]}
      viobench_hypervisor_host: hv3
      viobench_suite: bogus
      viobench_labels: {host_hypervisor: vmware}
EOF2
mkdir -p "$AT"

export ANSIBLE_HOME="$T/ansible-home" ANSIBLE_SSH_CONTROL_PATH_DIR="$T/ansible-home/cp"
export ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=0 ANSIBLE_LOCAL_TEMP="$T/ansible-local"
start=$(date +%s)
ansible-playbook -i "$T/inventory.yml" scripts/ansible/viobench.yml \
    -e viobench_out="$T/out" -e viobench_db="$STORE" -e viobench_summary_file="$T/summary.jsonl" \
    -e viobench_filter=exit/syscall,timer/read/boottime,net/tcp_rr \
    -e '{"viobench_args": ["--min-time", "0.05s"]}' >"$T/play.out" 2>&1
rc=$?
cat "$T/play.out"
echo "ansible-playbook took $(($(date +%s) - start)) s"
[ $rc -eq 4 ] || fail "ansible-playbook exited $rc, expected 4 (an unreachable host)"
grep -q 'fatal: \[gamma\]: UNREACHABLE!' "$T/play.out" || fail "gamma not named unreachable"  # refused, or a broken pipe on a busy machine
grep -q '"2 of 4 guests ran, 1 unreachable, 1 failed"' "$T/play.out" || fail "summary line missing or wrong"
grep -q '"gamma: UNREACHABLE' "$T/play.out" || fail "gamma not in the summary"
grep -q '"delta: FAILED, run failed (exit 2): .*suite.*bogus' "$T/play.out" || fail "delta's failing run not in the summary"
grep -q 'fatal: \[delta\]: FAILED!.*run failed' "$T/play.out" || fail "delta not failed at the end"
grep -q '"alpha: ok, results in ' "$T/play.out" && grep -q '"beta: ok, results in ' "$T/play.out" ||
    fail "alpha and beta did not run"
[ "$(grep -c '"outcome"' "$T/summary.jsonl" 2>/dev/null)" = 4 ] || fail "summary file lacks the 4 guests"

for g in alpha beta; do
    d=$(ls -d "$T/out/"*-$g 2>/dev/null | head -1)
    [ -n "$d" ] && [ -f "$d/context.json" ] && [ -f "$d/results.json" ] || { fail "$g: no run directory came back"; continue; }
    $PY - "$d" "$g" "$PEER_PORT" <<'PYEOF' || fail "$g: run directory"
import json, os, sys
d, g, port = sys.argv[1], sys.argv[2], sys.argv[3]
ctx = json.load(open(os.path.join(d, "context.json")))
res = json.load(open(os.path.join(d, "results.json")))
want = {"alpha": ("kvm", "test-8.2"), "beta": ("hyperv", "test-10.0")}[g]
lab = ctx["labels"]
assert lab["guest"] == g, lab
assert (lab["host_hypervisor"], lab["host_hypervisor_version"]) == want, lab
assert lab.get("note") == ("a*b=c $HOME" if g == "alpha" else None), lab  # literal: no shell
assert ctx["tool"]["build"] == "static", ctx["tool"]
assert ctx["host"]["source"] == "inventory" and ctx["host"]["entry"] == g, ctx["host"]
assert ctx["host"]["hypervisor_host"] == "hv1", ctx["host"]
assert ("--peer", "127.0.0.1:" + port) in zip(ctx["command_line"], ctx["command_line"][1:]), ctx["command_line"]
names = sorted(b["name"] for b in res["benchmarks"])
assert names == ["exit/syscall", "net/tcp_rr/size:64", "timer/read/boottime"], names
assert all(b["iterations"] > 0 for b in res["benchmarks"]), "empty rows"
PYEOF
done
[ -z "$(ls -d "$T/out/"*-gamma "$T/out/"*-delta 2>/dev/null)" ] || fail "gamma or delta left a run directory"
[ -z "$(ls "$T/out/"*.tgz "$T/out/"*.part "$T/out/"*.host.json 2>/dev/null)" ] || fail "leftovers in the output directory: $(ls "$T/out")"
# alpha and beta share hypervisor host hv1: one after the other, never overlapping.
$PY - "$T/out" <<'PYEOF' || fail "alpha and beta overlapped"
import glob, json, sys
t = {}
for g in ("alpha", "beta"):
    c = json.load(open(glob.glob(sys.argv[1] + "/*-" + g + "/context.json")[0]))
    t[g] = (c["start"], c["end"])
a, b = t["alpha"], t["beta"]
assert a[1] <= b[0] or b[1] <= a[0], t
print("alpha %s..%s, beta %s..%s: one after the other" % (a + b))
PYEOF

# Nothing left on the "guests": the play's temporary directories and ansible's own.
[ -z "$(ls -A "$T/remote")" ] || fail "temporary directories left on the guests: $(ls "$T/remote")"
[ -z "$(ls -A "$AT")" ] || fail "ansible's remote temporary files left: $(ls "$AT")"
# The peer was started (the net/tcp_rr rows ran against it) and stopped.
grep -q "viobench serve on hv1 listens on 127.0.0.1:$PEER_PORT" "$T/play.out" || fail "the peer did not report listening"
grep -q 'stopped viobench serve (pid' "$T/play.out" || fail "the peer was not stopped by the play"
! pgrep -f "viobench serve --listen 127.0.0.1:$PEER_PORT" >/dev/null || fail "viobench serve still runs"

# The store and the matrix.
case $STORE in /*) [ -s "$STORE" ] || fail "the store was not written" ;; esac
grep -qF '"collected 2 run(s) into '"$STORE_SHOWN"'"' "$T/play.out" || fail "collect not reported"
grep -q "$SECRET" "$T/play.out" && fail "the store's password appears in the play's output"
"$VIOBENCH" collect ls --db "$STORE" >"$T/ls.out" 2>&1 || fail "collect ls failed: $(cat "$T/ls.out")"
[ "$(grep -c -- '-alpha\|-beta' "$T/ls.out")" -ge 2 ] || fail "the store lacks alpha's and beta's runs: $(cat "$T/ls.out")"
grep -q 'TASK \[viobench : Viobench: matrix\]' "$T/play.out" && grep -q 'kvm' "$T/play.out" && grep -q 'hyperv' "$T/play.out" ||
    fail "the matrix with the kvm and hyperv pairings was not printed"

finish
