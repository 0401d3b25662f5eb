#!/usr/bin/python3
"""HdrHistogram interval logs made by hand, good and hostile, for tests/e2e/collect_hdrlog.sh
and the fuzz seeds (tests/fuzz/make-seeds): an encoder of the V2 compressed encoding written
independently of collect/hdr_codec.c, with knobs to break each field.

    tests/tools/hdrlog_craft.py CASE OUT     write one case (see CASES) to OUT
"""
import base64
import struct
import sys
import zlib

COOKIE_V2 = 0x1C849313
COOKIE_V2Z = 0x1C849314


def zigzag(v):
    u = (v << 1) ^ (v >> 63)
    u &= (1 << 64) - 1
    out = bytearray()
    for _ in range(8):
        if u < 0x80:
            break
        out.append((u & 0x7F) | 0x80)
        u >>= 7
    out.append(u & 0xFF)
    return bytes(out)


def payload(items):
    """items: counts (>= 0) and ('zeros', n) runs, in index order."""
    b = bytearray()
    for it in items:
        b += zigzag(-it[1]) if isinstance(it, tuple) else zigzag(it)
    return bytes(b)


def histogram(items=(5, 3), lowest=1, highest=3600 * 10**9, sig=3, cookie=COOKIE_V2Z,
              inner=COOKIE_V2, plen=None, zlen=None, raw=None, compressed=None):
    body = raw if raw is not None else payload(items)
    head = struct.pack(">iiiiqqd", inner, len(body) if plen is None else plen, 0, sig, lowest,
                       highest, 1.0)
    z = compressed if compressed is not None else zlib.compress(head + body)
    return base64.b64encode(struct.pack(">ii", cookie, len(z) if zlen is None else zlen) + z).decode()


HEADER = ('#[Histogram log format version 1.3]\n'
          '#[StartTime: 1764000000.000 (seconds since epoch), 2025-11-24T16:00:00Z]\n'
          '"StartTimestamp","Interval_Length","Interval_Max","Interval_Compressed_Histogram"\n')


def log(*lines, header=HEADER):
    return header + "".join(line + "\n" for line in lines)


def good(tag="net/rr#0", items=((("zeros", 1500)), 10, 20, 5)):
    return ("Tag=%s," % tag if tag else "") + "0.000,1.000,0.004," + histogram(items)


CASES = {
    # well-formed: tagged, untagged, escaped tag, EndTimestamp legend, BaseTime
    "good": lambda: log(good(), good("net/rr#1"), good(None), good("odd%2Cname%20x#3")),
    "good-endtimestamp": lambda: log(good(None), header='#[BaseTime: 1764000000.000 (seconds since epoch)]\n'
                                     '"EndTimestamp","Interval_Length","Interval_Max","Interval_Compressed_Histogram"\n'),
    "good-absolute": lambda: "1764000000.000,1.000,0.004," + histogram() + "\n",
    "good-notime": lambda: log(good("x/y#0"), header=HEADER.split("\n", 2)[2]),
    "good-comment": lambda: "# written by hand\n" + log(good("x/c#0")),
    # hostile
    "fields": lambda: log("0.000,1.000,0.004"),
    "base64": lambda: log("0.000,1.000,0.004,HISTFA!!notbase64"),
    "cookie": lambda: log("0.000,1.000,0.004," + histogram(cookie=0x12345678)),
    "v1": lambda: log("0.000,1.000,0.004," + histogram(cookie=0x1C849302)),
    "zlen": lambda: log("0.000,1.000,0.004," + histogram(zlen=999)),
    "zlib": lambda: log("0.000,1.000,0.004," + histogram(compressed=b"\x78\x9c" + b"garbage" * 4)),
    "bomb": lambda: log("0.000,1.000,0.004," + histogram(raw=b"\x00" * (64 << 20))),
    "plen": lambda: log("0.000,1.000,0.004," + histogram(plen=1 << 20)),
    "layout": lambda: log("0.000,1.000,0.004," + histogram(sig=7)),
    "runpast": lambda: log("0.000,1.000,0.004," + histogram(items=(("zeros", 10**9), 1))),
    "index": lambda: log("0.000,1.000,0.004," + histogram(items=[1] * 3000, highest=2047)),
    "overflow": lambda: log("0.000,1.000,0.004," + histogram(items=(2**62, 2**62))),
    "truncated": lambda: log("0.000,1.000,0.004," + histogram(raw=b"\x02\x80\x80")),
    "legend": lambda: log(header='#[Histogram log format version 1.3]\n"Foo","Bar"\n'),
    "longline": lambda: log("Tag=" + "x" * (5 << 20) + ",0,1,0,HIST"),
    "empty": lambda: log(),
    "twice": lambda: log(good("a#1"), good("a#1")),
    "start": lambda: log("-5,1.000,0.004," + histogram()),
    "control": lambda: log(good("bad%0Aname#0")),
    "utf8": lambda: log(good("bad\xffname#0")),
    "nul": lambda: log(good()) + "\0",
    "halfgood": lambda: log(good("a#0"), good("a#1"), "0.000,1.000,0.004," + histogram(sig=9)),
}

if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in CASES:
        sys.exit("usage: hdrlog_craft.py CASE OUT (cases: %s)" % " ".join(CASES))
    with open(sys.argv[2], "w", encoding="latin-1") as f:
        f.write(CASES[sys.argv[1]]())
