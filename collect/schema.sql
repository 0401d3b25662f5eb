-- The viobench store, schema version 3: the one definition of the store's layout.
--
-- viobench compiles this file in and runs it to create a new store; an older store is
-- migrated forward to it when opened for writing (collect/store_migrate.c), and
-- PRAGMA user_version says which version a file has. Query it with plain sqlite3:
-- examples are in README.md ("Collecting results").
--
-- Conventions: times are ISO 8601 UTC text ("2026-11-25T10:00:00.000Z"); durations are ns
-- unless a column says otherwise; an unknown pairing fact is '' (never NULL, so that a
-- pairing is one row); JSON columns hold JSON text (use json_extract).

-- A host/guest pairing: the facts a result depends on, once per distinct combination.
CREATE TABLE pairings (
    id                 INTEGER PRIMARY KEY,
    hypervisor         TEXT NOT NULL DEFAULT '',  -- kvm, hyperv, vmware, xen, none ...
    hypervisor_version TEXT NOT NULL DEFAULT '',
    guest_os           TEXT NOT NULL DEFAULT '',  -- e.g. debian, rhel, windows
    guest_version      TEXT NOT NULL DEFAULT '',  -- e.g. 12, 9.4
    kernel             TEXT NOT NULL DEFAULT '',  -- guest kernel release
    cpu_model          TEXT NOT NULL DEFAULT '',
    clocksource        TEXT NOT NULL DEFAULT '',  -- guest's current clocksource
    UNIQUE (hypervisor, hypervisor_version, guest_os, guest_version, kernel, cpu_model,
            clocksource)
);

-- One run: a viobench run directory, one Google Benchmark JSON file or one fio JSON file.
CREATE TABLE runs (
    id           INTEGER PRIMARY KEY,
    run_id       TEXT NOT NULL UNIQUE,        -- viobench's run id; gbench-/fio-<date>-<hash>
    source       TEXT NOT NULL CHECK (source IN ('viobench', 'gbench', 'fio', 'hdrlog')),
    content_hash TEXT NOT NULL UNIQUE,        -- SHA-256 of the input (see ARCHITECTURE.md)
    pairing      INTEGER NOT NULL REFERENCES pairings (id),
    start_time   TEXT NOT NULL DEFAULT '',
    end_time     TEXT NOT NULL DEFAULT '',
    tool         TEXT NOT NULL DEFAULT '',    -- viobench, fio, or the gbench executable
    tool_version TEXT NOT NULL DEFAULT '',
    host         TEXT NOT NULL DEFAULT '',    -- host name the run recorded
    complete     INTEGER NOT NULL DEFAULT 1,  -- 0: the run was interrupted
    origin       TEXT NOT NULL DEFAULT '',    -- path it was first ingested from
    ingested_at  TEXT NOT NULL,
    context      TEXT NOT NULL                -- JSON: context.json, gbench context, fio header
);
CREATE INDEX runs_start ON runs (start_time);
CREATE INDEX runs_pairing ON runs (pairing);

-- Free-form key=value labels of a run (viobench run --label, collect --label).
CREATE TABLE labels (
    run   INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    key   TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (run, key)
) WITHOUT ROWID;

-- Benchmark names (Google Benchmark run_name): timer/read/tsc, BM_Foo/64, fio/job/read/clat.
CREATE TABLE benchmarks (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);

-- One row of a run: a Google Benchmark iteration or aggregate row, in the run's order.
CREATE TABLE results (
    id               INTEGER PRIMARY KEY,
    run              INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    seq              INTEGER NOT NULL,          -- position in the run, from 0
    benchmark        INTEGER NOT NULL REFERENCES benchmarks (id),
    name             TEXT NOT NULL,             -- row name; aggregates <run_name>_<aggregate>
    run_type         TEXT NOT NULL CHECK (run_type IN ('iteration', 'aggregate')),
    aggregate_name   TEXT,                      -- mean, median, stddev, cv (aggregates)
    aggregate_unit   TEXT,                      -- time or percentage (aggregates)
    repetitions      INTEGER NOT NULL DEFAULT 1,
    repetition_index INTEGER NOT NULL DEFAULT 0,
    threads          INTEGER NOT NULL DEFAULT 1,
    iterations       INTEGER NOT NULL DEFAULT 0,  -- operations measured
    real_time        REAL,                      -- per operation, in time_unit
    cpu_time         REAL,                      -- per operation, in time_unit
    time_unit        TEXT NOT NULL DEFAULT 'ns',
    mean_ns          REAL,                      -- real_time in ns (NULL for percentages)
    p50_ns           REAL,                      -- percentiles, extremes and spread in ns,
    p90_ns           REAL,                      -- copied from the counters of the same
    p99_ns           REAL,                      -- name (viobench and fio rows); NULL
    p999_ns          REAL,                      -- where the row has none
    p9999_ns         REAL,
    min_ns           REAL,
    max_ns           REAL,
    stddev_ns        REAL,
    bytes_per_second REAL,
    items_per_second REAL,                      -- operations per second
    label            TEXT,
    error_occurred   INTEGER NOT NULL DEFAULT 0,
    error_message    TEXT,
    skipped          INTEGER NOT NULL DEFAULT 0,  -- a clean skip (error row with a reason)
    counters         TEXT,                      -- JSON object: every counter, in row order
    info             TEXT,                      -- JSON object: kernel details, or NULL
    raw              TEXT,                      -- gbench imports: the row as read (JSON)
    UNIQUE (run, seq)
);

-- The latency histogram of an iteration row (lib/hist.h), kept mergeable: every histogram
-- has the same log-linear layout, so adding counts bucket by bucket merges any two.
-- Bucket i covers [low, low + 2^e / 2^sub_bits) ns, where
--   e = min_exp + floor(i / 2^sub_bits) and low = 2^e * (1 + (i mod 2^sub_bits) / 2^sub_bits);
-- values below 2^min_exp ns count in bucket 0 and as underflow, the largest in the last
-- bucket and as overflow.
-- buckets: the non-empty buckets as unsigned LEB128 varints, pairs of (index gap, count),
-- where the gap is index minus the previous index (the first is the index itself).
CREATE TABLE histograms (
    result    INTEGER PRIMARY KEY REFERENCES results (id) ON DELETE CASCADE,
    sub_bits  INTEGER NOT NULL,
    min_exp   INTEGER NOT NULL,
    count     INTEGER NOT NULL,
    underflow INTEGER NOT NULL,
    overflow  INTEGER NOT NULL,
    min_ns    REAL NOT NULL,
    max_ns    REAL NOT NULL,
    sum_ns    REAL NOT NULL,
    sumsq_ns  REAL NOT NULL,  -- ns^2
    buckets   BLOB NOT NULL
);

-- Every selector key of every run as (run, key, value): pairing keys, run keys and labels.
-- This is what `viobench collect ls key=value` and the analyzer's selectors match against.
CREATE VIEW run_keys (run, key, value) AS
    SELECT r.id, 'hypervisor', p.hypervisor FROM runs r JOIN pairings p ON p.id = r.pairing
    UNION ALL
    SELECT r.id, 'hypervisor_version', p.hypervisor_version
      FROM runs r JOIN pairings p ON p.id = r.pairing
    UNION ALL
    SELECT r.id, 'guest_os', p.guest_os FROM runs r JOIN pairings p ON p.id = r.pairing
    UNION ALL
    SELECT r.id, 'guest_version', p.guest_version FROM runs r JOIN pairings p ON p.id = r.pairing
    UNION ALL
    SELECT r.id, 'kernel', p.kernel FROM runs r JOIN pairings p ON p.id = r.pairing
    UNION ALL
    SELECT r.id, 'cpu_model', p.cpu_model FROM runs r JOIN pairings p ON p.id = r.pairing
    UNION ALL
    SELECT r.id, 'clocksource', p.clocksource FROM runs r JOIN pairings p ON p.id = r.pairing
    UNION ALL
    SELECT id, 'run_id', run_id FROM runs
    UNION ALL
    SELECT id, 'source', source FROM runs
    UNION ALL
    SELECT id, 'tool', tool FROM runs
    UNION ALL
    SELECT id, 'tool_version', tool_version FROM runs
    UNION ALL
    SELECT id, 'host', host FROM runs
    UNION ALL
    SELECT id, 'complete', CAST(complete AS TEXT) FROM runs
    UNION ALL
    SELECT run, key, value FROM labels;

-- One row per result with its run, pairing and benchmark name: the table to query first.
CREATE VIEW results_view AS
    SELECT r.id AS result, u.id AS run, u.run_id, u.source, u.start_time, u.tool_version, p.hypervisor,
           p.hypervisor_version, p.guest_os, p.guest_version, p.kernel, p.cpu_model,
           p.clocksource, b.name AS benchmark, r.seq, r.name, r.run_type, r.aggregate_name,
           r.repetition_index, r.threads, r.iterations, r.real_time, r.cpu_time, r.time_unit,
           r.mean_ns, r.p50_ns, r.p90_ns, r.p99_ns, r.p999_ns, r.p9999_ns, r.min_ns, r.max_ns,
           r.stddev_ns, r.bytes_per_second, r.items_per_second, r.error_occurred, r.counters
      FROM results r
      JOIN runs u ON u.id = r.run
      JOIN pairings p ON p.id = u.pairing
      JOIN benchmarks b ON b.id = r.benchmark;

-- 'vbst' marks the file as a viobench store; user_version is the schema version.
PRAGMA application_id = 1986163572;
PRAGMA user_version = 3;
