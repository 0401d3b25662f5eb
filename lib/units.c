/*
 * Units: parsing and formatting of durations, sizes, counts, rates and percentages.
 * See units.h for the accepted spellings.
 */
#include "units.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct suffix {
    const char *name;
    double mult;
};

/* Split "12.5ms" into a finite number and its suffix (leading/trailing blanks allowed). */
static int split_number(const char *s, double *v, const char **suffix)
{
    char *end;

    if (!s)
        return -EINVAL;
    while (isspace((unsigned char)*s))
        s++;
    if (!*s || *s == '-' || *s == '+')
        return -EINVAL;
    errno = 0;
    *v = strtod(s, &end);
    if (end == s || errno == ERANGE || !isfinite(*v))
        return errno == ERANGE ? -ERANGE : -EINVAL;
    /* Reject hexadecimal, inf and nan spellings strtod would take. */
    for (const char *p = s; p < end; p++)
        if (!isdigit((unsigned char)*p) && *p != '.' && *p != 'e' && *p != 'E' && *p != '-' &&
            *p != '+')
            return -EINVAL;
    while (isspace((unsigned char)*end))
        end++;
    *suffix = end;
    return 0;
}

/* Look the suffix up (trailing blanks allowed); -EINVAL when unknown. */
static int lookup(const struct suffix *tab, const char *suf, double *mult)
{
    size_t n = strlen(suf);
    while (n && isspace((unsigned char)suf[n - 1]))
        n--;
    for (; tab->name; tab++)
        if (strlen(tab->name) == n && strncmp(tab->name, suf, n) == 0) {
            *mult = tab->mult;
            return 0;
        }
    return -EINVAL;
}

/* A number times its suffix's multiplier from tab (bare: bare_mult). */
static int parse_scaled(const struct suffix *tab, const char *s, double bare_mult, double *out)
{
    const char *suf;
    double v, mult = bare_mult;
    int ret = split_number(s, &v, &suf);

    if (ret)
        return ret;
    if (*suf && lookup(tab, suf, &mult))
        return -EINVAL;
    *out = v * mult;
    return isfinite(*out) ? 0 : -ERANGE;
}

int units_parse_duration(const char *s, double bare_unit_ns, double *ns)
{
    static const struct suffix tab[] = {
        {"ns", 1},
        {"us", NS_PER_US},
        {"\xc2\xb5s", NS_PER_US},
        {"ms", NS_PER_MS},
        {"s", NS_PER_S},
        {"sec", NS_PER_S},
        {"m", 60 * NS_PER_S},
        {"min", 60 * NS_PER_S},
        {"h", 3600 * NS_PER_S},
        {NULL, 0},
    };
    double v;
    int ret = parse_scaled(tab, s, bare_unit_ns, &v);

    if (ret)
        return ret;
    if (v > 1e18)
        return -ERANGE;
    *ns = v;
    return 0;
}

/* A whole number with an optional multiplier suffix from tab, below 2^63. */
static int parse_whole(const struct suffix *tab, const char *s, uint64_t *out)
{
    double v;
    int ret = parse_scaled(tab, s, 1, &v);

    if (ret)
        return ret;
    if (v >= 0x1p63)
        return -ERANGE;
    if (v != floor(v))
        return -EINVAL;
    *out = (uint64_t)v;
    return 0;
}

int units_parse_size(const char *s, uint64_t *bytes)
{
    static const struct suffix tab[] = {
        {"b", 1},        {"B", 1},        {"k", 0x1p10},  {"K", 0x1p10},   {"kB", 0x1p10},
        {"KB", 0x1p10},  {"KiB", 0x1p10}, {"m", 0x1p20},  {"M", 0x1p20},   {"MB", 0x1p20},
        {"MiB", 0x1p20}, {"g", 0x1p30},   {"G", 0x1p30},  {"GB", 0x1p30},  {"GiB", 0x1p30},
        {"t", 0x1p40},   {"T", 0x1p40},   {"TB", 0x1p40}, {"TiB", 0x1p40}, {NULL, 0},
    };
    return parse_whole(tab, s, bytes);
}

int units_parse_count(const char *s, uint64_t *n)
{
    static const struct suffix tab[] = {
        {"k", 1e3}, {"K", 1e3}, {"M", 1e6}, {"G", 1e9}, {NULL, 0},
    };
    return parse_whole(tab, s, n);
}

int units_parse_rate(const char *s, double *per_s)
{
    static const struct suffix tab[] = {{"k", 1e3}, {"K", 1e3}, {"M", 1e6}, {NULL, 0}};
    char buf[64];
    const char *slash;
    double v;
    int ret;

    if (!s || strlen(s) >= sizeof(buf))
        return -EINVAL;
    slash = strchr(s, '/');
    if (slash && strcmp(slash, "/s") != 0)
        return -EINVAL;
    snprintf(buf, sizeof(buf), "%.*s", slash ? (int)(slash - s) : (int)strlen(s), s);
    /* Rates may be fractional ("0.5/s"): a count's suffixes, but the fraction is kept. */
    ret = parse_scaled(tab, buf, 1, &v);
    if (ret)
        return ret;
    if (v <= 0)
        return -EINVAL;
    *per_s = v;
    return 0;
}

int units_parse_percent(const char *s, double *pct)
{
    const char *suf;
    double v;
    int ret = split_number(s, &v, &suf);

    if (ret)
        return ret;
    if (*suf && strcmp(suf, "%") != 0)
        return -EINVAL;
    *pct = v;
    return 0;
}

/* Print v with 3 significant digits, then sep and unit. */
static void fmt3(char *buf, size_t len, double v, const char *sep, const char *unit)
{
    if (v >= 100 || v == floor(v))
        snprintf(buf, len, "%.0f%s%s", v, sep, unit);
    else if (v >= 10)
        snprintf(buf, len, "%.1f%s%s", v, sep, unit);
    else
        snprintf(buf, len, "%.2f%s%s", v, sep, unit);
}

const char *units_fmt_duration(double ns, char *buf, size_t len)
{
    if (ns < 0 || !isfinite(ns))
        snprintf(buf, len, "-");
    else if (ns < 1e3)
        fmt3(buf, len, ns, " ", "ns");
    else if (ns < 1e6)
        fmt3(buf, len, ns / 1e3, " ", "us");
    else if (ns < 1e9)
        fmt3(buf, len, ns / 1e6, " ", "ms");
    else
        fmt3(buf, len, ns / 1e9, " ", "s");
    return buf;
}

const char *units_fmt_size(double bytes, char *buf, size_t len)
{
    static const char *unit[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int u = 0;
    while (bytes >= 1024 && u < 4) {
        bytes /= 1024;
        u++;
    }
    fmt3(buf, len, bytes, " ", unit[u]);
    return buf;
}

const char *units_fmt_name_size(uint64_t bytes, char *buf, size_t len)
{
    if (bytes >= 1024 && bytes % (1024 * 1024) == 0)
        snprintf(buf, len, "%llum", (unsigned long long)(bytes >> 20));
    else if (bytes >= 1024 && bytes % 1024 == 0)
        snprintf(buf, len, "%lluk", (unsigned long long)(bytes >> 10));
    else
        snprintf(buf, len, "%llu", (unsigned long long)bytes);
    return buf;
}

const char *units_fmt_count(double n, char *buf, size_t len)
{
    if (n < 0 || !isfinite(n))
        snprintf(buf, len, "-");
    else if (n < 1e4)
        snprintf(buf, len, "%.0f", n);
    else if (n < 1e6)
        fmt3(buf, len, n / 1e3, "", "k");
    else if (n < 1e9)
        fmt3(buf, len, n / 1e6, "", "M");
    else
        fmt3(buf, len, n / 1e9, "", "G");
    return buf;
}
