#!/usr/bin/python3
"""Host-side bookkeeping of runs that came back from guests, for scripts/guest-run and
scripts/matrix: add the host half of the pairing to a run's context.json (atomically, so a
reader never sees half a file), report a run's timing, and print a plain pairing matrix
from run directories when the analyzer's matrix report is not available.

  runctx.py add-host RUN_DIR HOST_JSON [GUEST_BOOT_DIR]   merge "host" (and "guest_boot")
  runctx.py suite-seconds RUN_DIR                          the suite's own duration, seconds
  runctx.py table RUN_DIR...                               one line per run: pairing, rows
"""
import json
import os
import sys
import tempfile
from datetime import datetime


def load(path):
    with open(path) as f:
        return json.load(f)


def write_atomic(path, obj):
    """Replace path with obj as JSON: temporary file in the same directory, then rename."""
    d = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".ctx.", dir=d)
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(obj, f, indent=2)
            f.write("\n")
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def guest_boot(d):
    """What the test guest's init recorded (scripts/guest/init), as one object."""
    out = {}
    for name in sorted(os.listdir(d)):
        with open(os.path.join(d, name)) as f:
            text = f.read().strip()
        if name == "cpuid.txt":
            leaves = {}
            for line in text.splitlines():
                parts = line.split()
                if line.startswith("hypervisor_bit="):
                    out["cpuid_hypervisor_bit"] = int(line.split("=")[1])
                elif len(parts) == 3 and parts[2].startswith("signature="):
                    leaves[parts[0]] = {"max_leaf": parts[1].split("=")[1],
                                        "signature": parts[2].split("=", 1)[1]}
            out["cpuid_hypervisor_leaves"] = leaves
        elif name == "uptime":
            for line in text.splitlines():
                k, v = line.split()
                out[k + "_uptime_s"] = float(v)
        elif name == "viobench_status":
            out["viobench_status"] = int(text)
        elif name == "modules":
            out["modules"] = text.split()
        else:
            out[name] = text
    return out


def add_host(run_dir, host_json, boot_dir=None):
    ctx_path = os.path.join(run_dir, "context.json")
    ctx = load(ctx_path)
    ctx["host"] = load(host_json)
    if boot_dir:
        ctx["guest_boot"] = guest_boot(boot_dir)
    write_atomic(ctx_path, ctx)


def parse_time(s):
    return datetime.strptime(s.replace("Z", "+0000"), "%Y-%m-%dT%H:%M:%S.%f%z")


def suite_seconds(run_dir):
    ctx = load(os.path.join(run_dir, "context.json"))
    return (parse_time(ctx["end"]) - parse_time(ctx["start"])).total_seconds()


def table(dirs):
    """Plain matrix: one line per run: the host half from the labels, the hypervisor the
    guest detected, the guest system, and the row counts."""
    rows = []
    for d in dirs:
        try:
            ctx = load(os.path.join(d, "context.json"))
            res = load(os.path.join(d, "results.json"))
        except (OSError, ValueError) as e:
            print("%s: unreadable run directory: %s" % (d, e), file=sys.stderr)
            continue
        lab = ctx.get("labels", {})
        pairing = ctx.get("pairing", {})
        pair = pairing.get("summary", {})
        hv = pairing.get("hypervisor")
        detected = (hv.get("name") if isinstance(hv, dict) else None) or pair.get("hypervisor", "?")
        bench = res.get("benchmarks", [])
        measured = [b for b in bench if not b.get("error_occurred")]
        skipped = [b for b in bench if b.get("skipped")]
        failed = [b for b in bench if b.get("error_occurred") and not b.get("skipped")]
        host = "%s %s" % (lab.get("host_hypervisor", pair.get("hypervisor", "?")),
                          lab.get("host_hypervisor_version", ""))
        rows.append((lab.get("guest", ctx.get("host_name", "?")), host.strip(), detected,
                     pair.get("guest", "?"), len(measured), len(skipped), len(failed),
                     ctx.get("run_id", os.path.basename(d))))
    head = ("guest", "host (labels)", "detected", "guest system", "measured", "skipped",
            "failed", "run")
    widths = [max(len(str(r[i])) for r in rows + [head]) for i in range(len(head))]
    for r in [head] + rows:
        print("  ".join(str(v).ljust(w) for v, w in zip(r, widths)).rstrip())
    return 0 if rows else 1


def main(argv):
    if len(argv) >= 3 and argv[1] == "add-host" and len(argv) <= 5:
        add_host(argv[2], argv[3], argv[4] if len(argv) == 5 else None)
        return 0
    if len(argv) == 3 and argv[1] == "suite-seconds":
        print("%.3f" % suite_seconds(argv[2]))
        return 0
    if len(argv) >= 3 and argv[1] == "table":
        return table(argv[2:])
    print(__doc__.strip(), file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
