# Shared helpers for tests/e2e/*.sh (sourced, not run): a private temporary directory removed
# on exit, the binary under test, and small assertion helpers. Exit 0 pass, 1 fail, 77 skip.
set -u
cd "$(dirname "$0")/../.." || exit 1
VIOBENCH=${VIOBENCH:-$PWD/viobench}
PY=/usr/bin/python3
T=$(mktemp -d "${TMPDIR:-/tmp}/vbe2e.XXXXXX")
trap 'rm -rf "$T"' EXIT
FAILED=0

fail() { echo "FAIL: $*"; FAILED=1; }
skip() { echo "SKIP: $*"; exit 77; }
finish() { [ "$FAILED" -eq 0 ] && echo "ok" ; exit "$FAILED"; }
# sigint_ignored: 0 when this test started with SIGINT ignored (as a background job of a shell
# without job control). A shell script under test cannot trap a signal ignored on entry, so
# Ctrl-C checks of shell scripts skip themselves with a note then.
sigint_ignored() {
    ign=$(sed -n 's/^SigIgn:[[:space:]]*//p' /proc/$$/status 2>/dev/null)
    [ -n "$ign" ] && [ $((0x$ign & 2)) -ne 0 ]
}
[ -x "$VIOBENCH" ] || { echo "FAIL: $VIOBENCH not built"; exit 1; }

# expect_error STATUS PATTERN CMD...: CMD must exit with STATUS and print exactly one line
# on stderr that matches PATTERN (grep -E).
expect_error() {
    want=$1 pat=$2; shift 2
    "$@" >"$T/stdout" 2>"$T/err"
    got=$?
    [ "$got" -eq "$want" ] || fail "'$*' exited $got, expected $want"
    lines=$(wc -l <"$T/err")
    [ "$lines" -eq 1 ] || fail "'$*' printed $lines lines on stderr, expected 1: $(cat "$T/err")"
    grep -Eq "$pat" "$T/err" || fail "'$*' stderr '$(cat "$T/err")' does not match /$pat/"
}

# umount_wait DIR: unmount everything mounted on DIR, retrying up to 5 s while busy (an
# io_uring ring releases its files asynchronously after its process exits, so an umount
# straight after a run can fail and leave the mount behind). 0, or 1 when still busy.
umount_wait() {
    n=0
    while mountpoint -q "$1"; do
        umount "$1" 2>/dev/null && continue
        n=$((n + 1))
        [ $n -lt 50 ] || { umount "$1"; return 1; }
        sleep 0.1
    done
}
