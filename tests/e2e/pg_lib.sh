# A private PostgreSQL server for tests/e2e/store_pg*.sh and scripts/bench-store (sourced):
# initdb in a temporary directory as an unprivileged user (initdb refuses root: as root the
# cluster runs as nobody), Unix socket only in that directory (listen_addresses=''), a
# random port number (it names the socket), stopped and removed by pg_stop, which the
# caller puts in its exit trap. Needs lib.sh's skip (or a function of that name).
#
#   pg_start [EXTRA_POSTGRES_OPTIONS]   sets PG_DIR, PG_PORT, PG_AS (command prefix to run a
#                                       server tool as the cluster's owner), pg_uri ROLE DB
#   pg_psql DB SQL [PSQL_OPTIONS]       run SQL as the superuser vbadmin
#   pg_stop                             stop the server (immediate) and remove PG_DIR

pg_bindir() {
    for d in "$(pg_config --bindir 2>/dev/null)" /usr/lib/postgresql/*/bin; do
        [ -n "$d" ] && [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/psql" ] &&
            { echo "$d"; return 0; }
    done
    return 1
}

pg_start() {
    PG_BIN=$(pg_bindir) || skip "PostgreSQL server not installed (initdb/pg_ctl not found via pg_config --bindir or /usr/lib/postgresql/*/bin; scripts/setup installs postgresql)"
    PG_DIR=$(mktemp -d /tmp/vbpg.XXXXXX)
    PG_PORT=$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000))
    PG_AS=""
    if [ "$(id -u)" -eq 0 ]; then
        chown nobody "$PG_DIR"
        PG_AS="runuser -u nobody --"
    fi
    chmod 755 "$PG_DIR"
    $PG_AS "$PG_BIN/initdb" -D "$PG_DIR/data" -U vbadmin --auth=trust -E UTF8 \
        --locale=C.UTF-8 >"$PG_DIR/initdb.log" 2>&1 ||
        { cat "$PG_DIR/initdb.log"; echo "FAIL: initdb"; return 1; }
    $PG_AS "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
        -o "-c listen_addresses='' -k $PG_DIR -p $PG_PORT ${1:-}" start >/dev/null 2>&1 ||
        { cat "$PG_DIR/server.log"; echo "FAIL: pg_ctl start"; return 1; }
    PG_STARTED=1
}

# pg_uri ROLE DB: a connection URI over the socket.
pg_uri() {
    echo "postgresql://$1@/$2?host=$PG_DIR&port=$PG_PORT"
}

pg_psql() {
    db=$1 sql=$2
    shift 2
    "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_DIR" -p "$PG_PORT" -U vbadmin -d "$db" \
        "$@" -c "$sql"
}

pg_stop() {
    if [ -n "${PG_STARTED:-}" ]; then
        $PG_AS "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1
        PG_STARTED=""
    fi
    [ -n "${PG_DIR:-}" ] && rm -rf "$PG_DIR"
}
