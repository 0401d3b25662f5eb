#!/bin/sh
# The layers depend only downward: lib -> platform -> measure -> cli -> collect -> analyze
# (program/ on top). The build links each layer against the layers below it only
# (Makefile, $(BUILD)/layers/checked); this test checks the same independently:
#  1. on the built per-layer archives with nm: no object of a layer references a symbol
#     that only a higher layer defines (and the checker itself catches a planted upward call);
#  2. on the sources: no file of a layer includes a header that only a higher layer has
#     (every platform's files, so the Windows sources are checked on Linux too).
. "$(dirname "$0")/lib.sh"

B=${VIOBENCH_BUILD:-build/default}
LAYERS="lib platform measure cli collect analyze"
for l in $LAYERS; do
    [ -f "$B/layers/$l.a" ] || { echo "FAIL: $B/layers/$l.a not built (make all)"; exit 1; }
done

# check_archives NM DIR LAYER...: print every upward reference, exit 1 if there is one.
check_archives() {
    "$PY" - "$@" <<'EOF'
import subprocess, sys
nm, d, layers = sys.argv[1], sys.argv[2], sys.argv[3:]
defined, undef = {}, []
for i, l in enumerate(layers):
    out = subprocess.run([nm, "-A", "-P", "%s/%s.a" % (d, l)], capture_output=True,
                         text=True, check=True).stdout
    for line in out.splitlines():
        where, rest = line.rsplit(": ", 1) if ": " in line else line.split(" ", 1)
        f = rest.split()
        if len(f) < 2:
            continue
        sym, kind = f[0], f[1]
        if kind == "U":
            undef.append((i, where, sym))
        elif kind.isupper() or kind in "vw":
            defined.setdefault(sym, set()).add(i)
bad = 0
for i, where, sym in undef:
    at = defined.get(sym)
    if at and min(at) > i:
        print("upward reference: %s (%s/) uses %s, defined only in %s/"
              % (where, layers[i], sym, layers[min(at)]))
        bad += 1
print("%d undefined references of %d layers checked, %d upward" % (len(undef), len(layers), bad))
sys.exit(1 if bad else 0)
EOF
}

# 1. The built archives.
check_archives nm "$B/layers" $LAYERS || fail "an object of a lower layer calls into a higher layer"

# The checker must catch an upward call: a lib/ archive with one object calling cmd_run (cli/).
mkdir -p "$T/planted"
for l in $LAYERS; do cp "$B/layers/$l.a" "$T/planted/"; done
printf 'int cmd_run(int argc, char **argv);\nint planted(void);\nint planted(void) { return cmd_run(0, 0); }\n' >"$T/planted.c"
cc -c -o "$T/planted.o" "$T/planted.c" && ar rs "$T/planted/lib.a" "$T/planted.o" 2>/dev/null ||
    fail "could not build the planted archive"
check_archives nm "$T/planted" $LAYERS >"$T/planted.out"
[ $? -eq 1 ] && grep -qF '[planted.o] (lib/) uses cmd_run, defined only in cli/' "$T/planted.out" ||
    { cat "$T/planted.out"; fail "the checker missed a planted upward call from lib/ to cli/"; }

# The Windows build's archives, when it was built here.
W=build/windows/layers
if [ -f "$W/checked" ] && command -v x86_64-w64-mingw32-nm >/dev/null; then
    check_archives x86_64-w64-mingw32-nm "$W" lib platform measure cli ||
        fail "the Windows build has an upward reference"
fi

# 2. Includes, on the sources of every platform: a quoted include must name a header of the
#    file's own layer or one below (platform/windows/compat.h is forced into every Windows
#    file by the Makefile, below everything).
"$PY" - $LAYERS program <<'EOF' || fail "a file includes a header of a higher layer"
import os, re, sys
layers = sys.argv[1:]
rank = {l: i for i, l in enumerate(layers)}
headers = {}
for l in layers:
    for root, _, files in os.walk(l):
        for f in files:
            if f.endswith(".h"):
                headers.setdefault(f, set()).add(rank[l])
bad = n = 0
inc = re.compile(r'^\s*#\s*include\s+"([^"]+)"')
for l in layers:
    for root, _, files in os.walk(l):
        for f in sorted(files):
            if not f.endswith((".c", ".h")):
                continue
            path = os.path.join(root, f)
            for lineno, line in enumerate(open(path, encoding="utf-8"), 1):
                m = inc.match(line)
                if not m:
                    continue
                n += 1
                at = headers.get(os.path.basename(m.group(1)))
                if at and min(at) > rank[l]:
                    print("%s:%d: includes %s, a header of %s/ (above %s/)"
                          % (path, lineno, m.group(1), layers[min(at)], l))
                    bad += 1
print("%d includes checked, %d upward" % (n, bad))
sys.exit(1 if bad else 0)
EOF
finish
