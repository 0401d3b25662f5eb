#!/bin/sh
# Storage kernels end to end on a file here: the quick suite's storage rows and a few of the
# full sweep's (psync, sequential 1m, randrw, SQPOLL) measure real I/O with their counters
# and details, the device behind the file goes into context.json, IOPOLL runs or skips with
# a reason, and the test file viobench created is gone afterwards.
. "$(dirname "$0")/lib.sh"

"$VIOBENCH" run --suite quick 'storage/*' --size 16m --min-time 0.15s --out "$T/r" --run-id q \
    --quiet >"$T/console" 2>"$T/err" || fail "quick storage run failed: $(cat "$T/err")"
"$VIOBENCH" run --suite full --size 16m --min-time 0.1s --out "$T/r" --run-id f --quiet \
    --filter 'storage/psync/randrw/bs:16k/qd:1,storage/uring/read/bs:1m/qd:2,storage/uring/randrw/bs:4k/qd:8,storage/uring-sqpoll/randread/bs:4k/qd:1,storage/uring-iopoll/randread/bs:4k/qd:1' \
    >>"$T/console" 2>>"$T/err" || fail "full-suite storage rows failed: $(cat "$T/err")"
for d in q f; do
    left=$(find "$T/r/$d" -name 'viobench-storage.*' | head -1)
    [ -z "$left" ] || fail "test file left behind: $left"
done

$PY - "$T/r" <<'PYEOF' || FAILED=1
import json, os, sys
base = sys.argv[1]
bad = []
def need(cond, msg):
    if not cond:
        bad.append(msg)
for run, expect in (("q", 6), ("f", 5)):
    d = os.path.join(base, run)
    ctx = json.load(open(os.path.join(d, "context.json")))
    rows = [r for r in json.load(open(os.path.join(d, "results.json")))["benchmarks"]
            if r["run_type"] == "iteration"]
    need(len(rows) == expect, "%s: %d rows, expected %d" % (run, len(rows), expect))
    st = ctx.get("kernel_context", {}).get("storage")
    need(st is not None, "%s: no kernel_context.storage" % run)
    if st:
        need(st["created_by_viobench"] is True and st["kind"] == "file", "%s: target kind" % run)
        need(st["size_bytes"] == 16 << 20, "%s: size %s" % (run, st["size_bytes"]))
        need(st["fill_seconds"] > 0 and st["alignment"] >= 512, "%s: fill/alignment" % run)
        dev = st.get("device")
        if dev:
            for k in ("driver", "logical_block_size", "scheduler", "rotational", "nr_requests",
                      "write_cache", "io_poll", "queue_depth"):
                need(k in dev, "%s: device lacks %s" % (run, k))
        else:
            need("device_error" in st, "%s: neither device nor device_error" % run)
    for r in rows:
        n, info = r["name"], r.get("info", {})
        if r.get("error_occurred"):
            need(r.get("skipped") and "iopoll" in n and "polled queues" in r["error_message"],
                 "%s: %s" % (n, r.get("error_message")))
            continue
        need(r["iterations"] > 0 and r["items_per_second"] > 0, "%s: no I/O" % n)
        need(r["p50_ns"] <= r["p99_ns"] <= r["max_ns"] * 1.0001, "%s: percentiles" % n)
        need(r["cpu_time"] > 0, "%s: cpu_time" % n)
        if n == "storage/uring/nop":
            continue
        bs = info["bs"]
        need(abs(r["bytes_per_second"] - r["items_per_second"] * bs) <= 0.01 * r["bytes_per_second"],
             "%s: bytes_per_second %g vs IOPS x bs" % (n, r["bytes_per_second"]))
        need(r["errors"] == 0 and r["short_ios"] == 0, "%s: errors/short" % n)
        need(r["cpu_per_io_ns"] > 0, "%s: cpu_per_io_ns" % n)
        need(info["direct"] is True, "%s: not O_DIRECT" % n)
        need(info["latency"].startswith("submit to completion"), "%s: latency definition" % n)
        if info["engine"].startswith("uring"):
            need(info["registered_buffers"] and info["registered_files"], "%s: registration" % n)
            need(info["sqpoll"] == ("sqpoll" in n), "%s: sqpoll flag" % n)
            # the ring set-up is recorded: batch sizes (at most 4 per enter, 2 completions
            # per wait from QD16 up) and how the batching turned out
            need(info.get("submit_batch") == min(info["qd"], 4), "%s: submit_batch %s" % (n, info.get("submit_batch")))
            need(info.get("wait_min_complete") == (2 if info["qd"] >= 16 else 1),
                 "%s: wait_min_complete %s" % (n, info.get("wait_min_complete")))
            need(isinstance(info.get("ring_flags"), list), "%s: ring_flags" % n)
            need(info.get("ios_per_wait", 0) >= 1 and info.get("ios_per_enter", 0) > 0,
                 "%s: ios_per_wait %s ios_per_enter %s" % (n, info.get("ios_per_wait"), info.get("ios_per_enter")))
        if info["pattern"] == "randrw":
            total = r["read_ios"] + r["write_ios"]
            need(total == r["iterations"] and 0.55 < r["read_ios"] / total < 0.85,
                 "%s: randrw mix %s/%s" % (n, r["read_ios"], r["write_ios"]))
for m in bad:
    print("FAIL:", m)
sys.exit(1 if bad else 0)
PYEOF
grep -q '^storage/flush ' "$T/console" || fail "console table lacks storage/flush"
finish
