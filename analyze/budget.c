/*
 * Budget files for `analyze gate` and `analyze matrix`: one budget per line,
 *
 *   BENCHMARK-PATTERN  [KEY=GLOB ...]  METRIC  OP  VALUE
 *
 * BENCHMARK-PATTERN is a glob over benchmark names (*, ?, [set]; without a wildcard it is
 * one exact name); KEY=GLOB selectors restrict the budget to runs whose pairing, run or
 * label keys match (hypervisor=kvm guest_os=rhel*); METRIC is p50 (median), p90, p99,
 * p99.9, p99.99, min, max, mean, real_time, cpu_time, iops or bandwidth; OP is <, <=, > or
 * >=; VALUE has units: a duration for latencies (2us, 0.5ms; a bare number is ns), a rate
 * for iops (50k, 50k/s), a size per second for bandwidth (1GiB/s, 500M). '#' starts a
 * comment; blank lines are ignored. Every error names the file and line.
 *
 * A line-oriented format instead of INI: a budget is one fact, the lines read as a table,
 * and a duplicate pattern with another metric or selector is simply another line.
 */
#include "analyze.h"
#include "match.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *an_cmp_str(enum an_cmp c)
{
    static const char *const s[] = {"<", "<=", ">", ">="};
    return s[c];
}

static int parse_cmp(const char *s, enum an_cmp *c)
{
    for (int i = 0; i < 4; i++)
        if (strcmp(s, an_cmp_str((enum an_cmp)i)) == 0) {
            *c = (enum an_cmp)i;
            return 0;
        }
    return -EINVAL;
}

/* KEY=GLOB with KEY of letters, digits, '_', '.', '-'. */
static int is_selector(const char *t)
{
    const char *eq = strchr(t, '=');
    if (!eq || eq == t)
        return 0;
    for (const char *p = t; p < eq; p++)
        if (!isalnum((unsigned char)*p) && !strchr("_.-", *p))
            return 0;
    return 1;
}

static void free_one(struct an_budget *x)
{
    for (int k = 0; k < x->nsel; k++) {
        free(x->keys[k]);
        free(x->vals[k]);
    }
    free(x->keys);
    free(x->vals);
    free(x->pattern);
    free(x->text);
}

void an_budget_free(struct an_budgets *b)
{
    for (int i = 0; i < b->n; i++)
        free_one(&b->b[i]);
    free(b->b);
    b->b = NULL;
    b->n = 0;
}

#define MAX_TOKS 32

static int parse_line(char *line, int lineno, const char *path, struct an_budget *out, char *err,
                      size_t errlen)
{
    char *tok[MAX_TOKS], *save = NULL, *hash;
    int n = 0, nsel;

    memset(out, 0, sizeof(*out));
    out->line = lineno;
    /* '#' starts a comment at the start of the line or after blank space */
    for (hash = line; (hash = strchr(hash, '#')); hash++)
        if (hash == line || isspace((unsigned char)hash[-1])) {
            *hash = 0;
            break;
        }
    for (char *t = strtok_r(line, " \t\r\n", &save); t; t = strtok_r(NULL, " \t\r\n", &save)) {
        if (n == MAX_TOKS) {
            snprintf(err, errlen, "%s:%d: too many fields", path, lineno);
            return -EINVAL;
        }
        tok[n++] = t;
    }
    if (n == 0)
        return 1; /* blank or comment */
    nsel = 0;
    while (1 + nsel < n && is_selector(tok[1 + nsel]))
        nsel++;
    if (n - 1 - nsel != 3) {
        snprintf(err, errlen,
                 "%s:%d: expected 'BENCHMARK [KEY=GLOB...] METRIC OP VALUE' (e.g. 'net/tcp_rr/* "
                 "p99 <= 500us'), got %d field%s after the selectors",
                 path, lineno, n - 1 - nsel, n - 1 - nsel == 1 ? "" : "s");
        return -EINVAL;
    }
    if (is_selector(tok[0])) {
        snprintf(err, errlen, "%s:%d: the line must start with a benchmark pattern, not '%s'", path,
                 lineno, tok[0]);
        return -EINVAL;
    }
    out->metric = an_metric_parse(tok[1 + nsel]);
    if (out->metric < 0) {
        snprintf(err, errlen,
                 "%s:%d: unknown metric '%s' (p50, p90, p99, p99.9, p99.99, min, max, mean, "
                 "real_time, cpu_time, iops, bandwidth)",
                 path, lineno, tok[1 + nsel]);
        return -EINVAL;
    }
    if (parse_cmp(tok[2 + nsel], &out->cmp)) {
        snprintf(err, errlen, "%s:%d: unknown comparison '%s' (<, <=, > or >=)", path, lineno,
                 tok[2 + nsel]);
        return -EINVAL;
    }
    if (an_parse_value(out->metric, tok[3 + nsel], &out->value) || !(out->value >= 0)) {
        snprintf(err, errlen, "%s:%d: bad value '%s' for %s (expected %s)", path, lineno,
                 tok[3 + nsel], an_metrics[out->metric].name,
                 out->metric == AM_IOPS ? "a rate such as 50k or 50k/s"
                 : out->metric == AM_BW ? "a size per second such as 1GiB/s or 500M"
                                        : "a duration such as 2us, 0.5ms or 800ns");
        return -EINVAL;
    }
    if (!(out->pattern = strdup(tok[0])) || !(out->text = strdup(tok[3 + nsel])))
        return -ENOMEM;
    out->keys = calloc((size_t)nsel + 1, sizeof(char *));
    out->vals = calloc((size_t)nsel + 1, sizeof(char *));
    if (!out->keys || !out->vals)
        return -ENOMEM;
    for (int k = 0; k < nsel; k++) {
        char *eq = strchr(tok[1 + k], '=');
        out->keys[k] = strndup(tok[1 + k], (size_t)(eq - tok[1 + k]));
        out->vals[k] = strdup(eq + 1);
        out->nsel++;
        if (!out->keys[k] || !out->vals[k])
            return -ENOMEM;
    }
    return 0;
}

int an_budget_load(const char *path, struct an_budgets *out, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    int ret;

    memset(out, 0, sizeof(*out));
    if (!f) {
        ret = -errno;
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return ret;
    }
    ret = an_budget_read(f, path, out, err, errlen);
    fclose(f);
    return ret;
}

int an_budget_read(FILE *f, const char *path, struct an_budgets *out, char *err, size_t errlen)
{
    char *line = NULL;
    size_t cap = 0;
    int lineno = 0, ret = 0;

    memset(out, 0, sizeof(*out));
    while (getline(&line, &cap, f) >= 0) {
        struct an_budget b, *nb;
        lineno++;
        ret = parse_line(line, lineno, path, &b, err, errlen);
        if (ret == 1) {
            ret = 0;
            continue;
        }
        if (!ret && !(nb = realloc(out->b, sizeof(*nb) * (size_t)(out->n + 1))))
            ret = -ENOMEM;
        if (ret) {
            free_one(&b);
            if (ret == -ENOMEM)
                snprintf(err, errlen, "%s:%d: out of memory", path, lineno);
            break;
        }
        out->b = nb;
        out->b[out->n++] = b;
    }
    if (!ret && ferror(f)) {
        ret = -EIO;
        snprintf(err, errlen, "%s: read error", path);
    }
    if (!ret && out->n == 0) {
        ret = -EINVAL;
        snprintf(err, errlen,
                 "%s:%d: no budget in the file (lines are 'BENCHMARK [KEY=GLOB...] "
                 "METRIC OP VALUE')",
                 path, lineno);
    }
    free(line);
    if (ret)
        an_budget_free(out);
    return ret;
}

int an_budget_selects(const struct an_budget *b, const struct store_run_info *ri)
{
    /* pairing keys resolve through the identity rule (identity.c), as everywhere */
    for (int k = 0; k < b->nsel; k++) {
        const char *v = ri ? an_run_key(ri, b->keys[k]) : "";
        if (!*v || !match_glob(b->vals[k], v))
            return 0;
    }
    return 1;
}

int an_budget_applies(const struct an_budget *b, const char *bench, const struct store_run_info *ri)
{
    return match_glob(b->pattern, bench) && an_budget_selects(b, ri);
}

int an_budget_ok(const struct an_budget *b, double v)
{
    switch (b->cmp) {
    case AC_LT:
        return v < b->value;
    case AC_LE:
        return v <= b->value;
    case AC_GT:
        return v > b->value;
    default:
        return v >= b->value;
    }
}
