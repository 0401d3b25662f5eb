# Shared by scripts/guest-run and scripts/matrix (sourced, not run): finding the full viobench
# (the one with the collector and the analyzer), collecting a run into the store when the
# collector exists, and printing the pairing matrix through the analyzer when it exists or a
# plain table from the run directories otherwise. Each step that lacks its piece says so and
# is skipped; none pretends to have run. Needs ROOT and PROG set by the caller.

RUNCTX="/usr/bin/python3 $ROOT/scripts/guest/runctx.py"

# The full viobench: $VIOBENCH, else the tree's ./viobench, else `viobench` on PATH; empty
# when there is none.
full_viobench() {
    if [ -n "${VIOBENCH:-}" ] && [ -x "$VIOBENCH" ]; then echo "$VIOBENCH"; return; fi
    if [ -x "$ROOT/viobench" ]; then echo "$ROOT/viobench"; return; fi
    command -v viobench 2>/dev/null || true
}

# has_command VIOBENCH WORD...: 0 when `VIOBENCH WORD... --help` works (the command exists).
has_command() {
    local vb=$1
    shift
    [ -n "$vb" ] && "$vb" "$@" --help >/dev/null 2>&1
}

# collect_runs DB DIR...: put run directories into the store DB with `viobench collect`.
# 0 collected, 1 the collector failed, 77 no collector in this build (message printed).
collect_runs() {
    local db=$1 vb
    shift
    vb=$(full_viobench)
    if ! has_command "$vb" collect; then
        echo "$PROG: collect skipped: no 'viobench collect' in ${vb:-any viobench found} (the collector is not built in yet)"
        return 77
    fi
    if "$vb" collect --help 2>&1 | grep -q -- '--db'; then
        "$vb" collect --db "$db" "$@"
    else
        "$vb" collect "$db" "$@"
    fi || { echo "$PROG: viobench collect into $db failed" >&2; return 1; }
    echo "$PROG: collected $# run(s) into $db"
}

# matrix_report DB DIR...: the analyzer's pairing matrix over DB when it exists, else a plain
# table from the run directories' context.json and results.json.
matrix_report() {
    local db=$1 vb
    shift
    vb=$(full_viobench)
    if [ -n "$db" ] && [ -f "$db" ] && has_command "$vb" analyze matrix; then
        if "$vb" analyze matrix --help 2>&1 | grep -q -- '--db'; then
            "$vb" analyze matrix --db "$db"
        else
            "$vb" analyze matrix "$db"
        fi
        return
    fi
    echo "$PROG: no 'viobench analyze matrix' here (or no store): plain table from the run directories"
    $RUNCTX table "$@"
}
