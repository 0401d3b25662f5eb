// An independent HdrHistogram implementation (hdr-histogram-js) on both sides of
// viobench's interval-log support, for tests/e2e/export_hdrlog.sh:
//   node hdrlog.js decode FILE   one JSON line per interval: tag, count, p50/p90/p99/p999
//   node hdrlog.js write FILE    write a log (tagged and untagged intervals, StartTime,
//                                BaseTime) and print each interval's figures likewise
'use strict';
const hdr = require('hdr-histogram-js');
const fs = require('fs');

function figures(h) {
  return {
    tag: h.tag || null, count: h.totalCount, p50: h.getValueAtPercentile(50),
    p90: h.getValueAtPercentile(90), p99: h.getValueAtPercentile(99),
    p999: h.getValueAtPercentile(99.9), max: h.maxValue,
  };
}

function decode(file) {
  const r = new hdr.HistogramLogReader(fs.readFileSync(file, 'utf8'));
  let h, n = 0;
  while ((h = r.nextIntervalHistogram()) !== null) {
    console.log(JSON.stringify(figures(h)));
    n++;
  }
  if (!n) {
    console.error('no intervals in ' + file);
    process.exit(1);
  }
}

// A deterministic long-tailed latency mix (ns): a body near base, a tail up to 100x.
function fill(h, base, n, seed) {
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    const u = x / 2147483648;
    h.recordValue(Math.round(base * (u < 0.95 ? 1 + u : 1 + 100 * (u - 0.95) * 20)));
  }
}

function write(file) {
  let out = '';
  const w = new hdr.HistogramLogWriter((s) => { out += s; });
  w.outputLogFormatVersion();
  w.outputStartTime(1764000000000);
  w.outputLegend();
  const specs = [['net/js_rr', 2000, 20000, 1], ['net/js_rr', 2100, 20000, 2],
                 ['exit/js#7', 1500, 5000, 3], [null, 80000, 3000, 4]];
  specs.forEach(([tag, base, n, seed], i) => {
    const h = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3600e9,
                          numberOfSignificantValueDigits: 3 });
    fill(h, base, n, seed);
    if (tag) h.tag = tag;
    w.outputIntervalHistogram(h, i, i + 1, 1e6);
    console.log(JSON.stringify(figures(h)));
  });
  fs.writeFileSync(file, out);
}

if (process.argv[2] === 'decode') decode(process.argv[3]);
else if (process.argv[2] === 'write') write(process.argv[3]);
else { console.error('usage: node hdrlog.js decode|write FILE'); process.exit(2); }
