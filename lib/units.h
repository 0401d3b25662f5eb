/*
 * Units: the one place where durations, sizes, counts, rates and percentages are parsed
 * from user text and formatted for people. Every CLI option, budget file and script goes
 * through these, so "10s", "250us", "4k" and "5%" mean the same thing everywhere.
 *
 * Durations: a number with ns, us (or µs), ms, s, m, h; a bare number takes the caller's
 * default unit. Sizes: bytes with k/K/KiB=1024, m/M/MiB, g/G/GiB, t/T/TiB (binary, as fio
 * does; "kB"/"KB" are binary too); a bare number is bytes. Counts: integer with optional
 * k/M/G (powers of 1000). Rates: a count per second, "10k/s", "500/s" or "500".
 * Percentages: "5%" or a bare number of percent.
 */
#ifndef VB_UNITS_H
#define VB_UNITS_H

#include <stddef.h>
#include <stdint.h>

#define NS_PER_US 1000.0
#define NS_PER_MS 1000000.0
#define NS_PER_S  1000000000.0

/* Parse a duration into ns; a bare number is in `bare_unit_ns`. 0, -EINVAL or -ERANGE. */
int units_parse_duration(const char *s, double bare_unit_ns, double *ns);
/* Parse a size into bytes. 0, -EINVAL or -ERANGE. */
int units_parse_size(const char *s, uint64_t *bytes);
/* Parse a non-negative count with optional k/M/G (x1000). 0, -EINVAL or -ERANGE. */
int units_parse_count(const char *s, uint64_t *n);
/* Parse a rate into operations per second. 0 or -EINVAL. */
int units_parse_rate(const char *s, double *per_s);
/* Parse a percentage into percent (5% -> 5.0). 0 or -EINVAL. */
int units_parse_percent(const char *s, double *pct);

/* Format ns as e.g. "812 ns", "12.3 us", "4.56 ms", "1.20 s" (3 significant digits). */
const char *units_fmt_duration(double ns, char *buf, size_t len);
/* Format bytes as e.g. "4 KiB", "1.5 MiB". */
const char *units_fmt_size(double bytes, char *buf, size_t len);
/* Format bytes as they appear in kernel names: "1m", "64k", "64" (the exact count: a
   mebibyte or kibibyte suffix only where it divides evenly). */
const char *units_fmt_name_size(uint64_t bytes, char *buf, size_t len);
/* Format a rate as e.g. "512", "12.3k", "4.56M" (no unit suffix). */
const char *units_fmt_count(double n, char *buf, size_t len);

#endif
