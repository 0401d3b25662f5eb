/*
 * The full build variant (make): guest-side commands plus the collector and the analyzer.
 */
#include "bench.h"

const struct bench_cmd bench_variant_cmds[] = {
    {NULL, NULL, NULL},
};

const char bench_build_kind[] = "dynamic";
