/*
 * The full build variant (make): guest-side commands plus the collector and the analyzer.
 */
#include "program.h"
#include "analyze.h"
#include "collect.h"

const struct cli_cmd variant_cmds[] = {
    {"collect", "gather runs, Google Benchmark and fio JSON into the store", cmd_collect},
    {"export",
     "write stored runs as Google Benchmark JSON/CSV, tidy CSV, HdrHistogram, Prometheus, Bencher "
     "or Otava",
     cmd_export},
    {"analyze", "compare, trend, gate, matrix, capacity and plots over stored results",
     cmd_analyze},
    {NULL, NULL, NULL},
};
