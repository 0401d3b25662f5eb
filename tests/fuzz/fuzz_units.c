/*
 * Fuzz lib/units.c: every option and budget value a user or a file gives (durations, sizes,
 * counts, rates, percentages) goes through these parsers, and every parsed value may be
 * printed back with the formatters. The input is one string.
 * fuzz-options: -max_len=256
 */
#include "fuzz.h"
#include "units.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_str(data, size), buf[64];
    double d;
    uint64_t u;

    if (units_parse_duration(s, 1.0, &d) == 0)
        units_fmt_duration(d, buf, sizeof(buf));
    if (units_parse_duration(s, NS_PER_S, &d) == 0)
        units_fmt_duration(d, buf, sizeof(buf));
    if (units_parse_size(s, &u) == 0) {
        units_fmt_size((double)u, buf, sizeof(buf));
        units_fmt_name_size(u, buf, sizeof(buf));
    }
    if (units_parse_count(s, &u) == 0)
        units_fmt_count((double)u, buf, sizeof(buf));
    if (units_parse_rate(s, &d) == 0)
        units_fmt_count(d, buf, sizeof(buf));
    units_parse_percent(s, &d);
    free(s);
    return 0;
}
