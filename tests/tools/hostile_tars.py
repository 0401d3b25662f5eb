#!/usr/bin/python3
"""Hostile tar bundles (issue 15, part 1), written with tarfile as an attacking guest would:
hard links carrying data to a relative store and an absolute victim, symbolic links and
members written through them, devices, a FIFO, absolute and '..' names, a member 3,000
directories deep, too many members, an oversized member header, a tar cut mid-member.
Shared by tests/e2e/collect_hostile.sh (which asserts each outcome) and scripts/bench-hostile
(which tabulates them).

    hostile_tars.py OUT_DIR VICTIMS_DIR GOOD_RUNS_DIR
"""
import io, os, sys, tarfile
out, victims, good = sys.argv[1:4]
run = sorted(d for d in os.listdir(good))[0]

def tar(name, members, fmt=tarfile.PAX_FORMAT, mode="w"):
    with tarfile.open(os.path.join(out, name), mode, format=fmt) as t:
        for m in members:
            m(t)

def reg(name, data=b"{}\n"):
    def add(t):
        ti = tarfile.TarInfo(name); ti.size = len(data)
        t.addfile(ti, io.BytesIO(data))
    return add

def link(name, target, kind, data=b""):
    def add(t):
        ti = tarfile.TarInfo(name); ti.type = kind; ti.linkname = target; ti.size = len(data)
        t.addfile(ti, io.BytesIO(data) if data else None)
    return add

def special(name, kind):
    def add(t):
        ti = tarfile.TarInfo(name); ti.type = kind; ti.devmajor = 1; ti.devminor = 3
        t.addfile(ti)
    return add

def real_run(prefix="results/"):
    def add(t):
        t.add(os.path.join(good, run), prefix + run)
    return add

evil = b'{"pwned": true, "padding": "xxxxxxxxxxxxxx"}\n'
# Hard links carrying data: pax archives let a link member have a size.
tar("hl-rel.tar", [real_run(), link("run/context.json", "results/viobench.db", tarfile.LNKTYPE, evil)])
tar("hl-abs.tar", [real_run(), link("run/context.json", victims + "/abs.txt", tarfile.LNKTYPE, evil)])
tar("hl-plain.tar", [real_run(), link("results/copy.json", "results/" + run + "/results.json", tarfile.LNKTYPE)])
# A guest's results/ with its latest link: accepted, the link skipped and counted.
tar("latest.tgz", [real_run(), link("results/latest", run, tarfile.SYMTYPE)], mode="w:gz")
# A link, then members written "through" it: they must land inside the extraction.
tar("through.tar", [real_run(), link("results/esc", victims + "/dir", tarfile.SYMTYPE),
                    reg("results/esc/owned.txt", b"owned\n"),
                    link("results/up", "../../../../../../../../" + victims + "/dir", tarfile.SYMTYPE),
                    reg("results/up/owned2.txt", b"owned\n")])
tar("chardev.tar", [real_run(), special("results/null", tarfile.CHRTYPE)])
tar("blockdev.tar", [real_run(), special("results/sda", tarfile.BLKTYPE)])
tar("fifo.tar", [real_run(), special("results/" + run + "/results.json.fifo", tarfile.FIFOTYPE)])
tar("absolute.tar", [real_run(), reg(victims + "/dir/abs-owned.json")])
tar("dotdot.tar", [real_run(), reg("results/../../../../../../.." + victims + "/dir/dotdot-owned.json")])
tar("deep.tgz", [reg("a/" * 3000 + "x.json")], mode="w:gz")
tar("deep65.tar", [reg("d/" * 64 + "x.json")])
tar("deep64.tar", [real_run("d/" * 61)])
tar("longname.tar", [reg("results/" + "n" * 300 + ".json")])
tar("twice.tar", [real_run(), real_run()])
# 100,001 members that write nothing (links), so the count is what refuses it.
def many(t):
    for i in range(100001):
        ti = tarfile.TarInfo("l/%d" % i); ti.type = tarfile.SYMTYPE; ti.linkname = "x"
        t.addfile(ti)
tar("many.tar", [many], fmt=tarfile.GNU_FORMAT)
# A member whose header claims 2 GiB (the data is never reached).
hdr = tarfile.TarInfo("results/huge.json"); hdr.size = 2 << 30
with open(os.path.join(out, "huge.tar"), "wb") as f:
    f.write(hdr.tobuf(tarfile.GNU_FORMAT) + b"x" * 512)
# A plain tar cut in the middle of a member.
tar("whole.tar", [real_run()], fmt=tarfile.GNU_FORMAT)
data = open(os.path.join(out, "whole.tar"), "rb").read()
open(os.path.join(out, "cut.tar"), "wb").write(data[:512 * 3 + 100])
os.unlink(os.path.join(out, "whole.tar"))
