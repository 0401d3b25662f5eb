/*
 * Google Benchmark CSV: writing a run and reading it back. The header is Google Benchmark's
 * fixed one, then one quoted column per counter; unlike Google Benchmark (which freezes the
 * counter set at the first row) the column set is the union over all rows, core counters
 * first in VB_CORE_COUNTERS order and the rest sorted, so every row has every column.
 */
#include "csv.h"
#include "result.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define CSV_HEADER                                                                          \
    "name,iterations,real_time,cpu_time,time_unit,bytes_per_second,items_per_second,label," \
    "error_occurred,error_message"
#define CSV_FIXED 10

static void put_num(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, "%.17g", v);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Counter columns: core names present in any row, then other names sorted. */
static size_t counter_columns(const struct vb_run *r, const char ***out)
{
    static const char *core[] = {VB_CORE_COUNTERS};
    size_t ncore = sizeof(core) / sizeof(core[0]), n = 0, cap = ncore + 16, extra_start;
    const char **cols = malloc(cap * sizeof(*cols));

    if (!cols)
        return (size_t)-1;
    for (size_t c = 0; c < ncore; c++)
        for (size_t i = 0; i < r->nrows; i++)
            if (!isnan(vb_row_counter(&r->rows[i], core[c]))) {
                cols[n++] = core[c];
                break;
            }
    extra_start = n;
    for (size_t i = 0; i < r->nrows; i++)
        for (size_t k = 0; k < r->rows[i].ncounters; k++) {
            const char *name = r->rows[i].counters[k].name;
            size_t j;
            for (j = 0; j < n && strcmp(cols[j], name) != 0; j++)
                ;
            if (j < n)
                continue;
            if (n == cap) {
                const char **nc = realloc(cols, (cap *= 2) * sizeof(*cols));
                if (!nc) {
                    free(cols);
                    return (size_t)-1;
                }
                cols = nc;
            }
            cols[n++] = name;
        }
    qsort(cols + extra_start, n - extra_start, sizeof(*cols), cmp_str);
    *out = cols;
    return n;
}

int vb_write_gbench_csv(const struct vb_run *r, FILE *f)
{
    const char **cols;
    size_t ncols = counter_columns(r, &cols);

    if (ncols == (size_t)-1)
        return -ENOMEM;
    fputs(CSV_HEADER, f);
    for (size_t c = 0; c < ncols; c++) {
        fputc(',', f);
        csv_put_field(f, cols[c], 1);
    }
    fputc('\n', f);
    for (size_t i = 0; i < r->nrows; i++) {
        const struct vb_row *w = &r->rows[i];
        csv_put_field(f, w->name, 0);
        if (w->error_occurred) {
            /* Google Benchmark leaves the measurement columns empty on error rows. */
            fputs(",,,,,,,", f);
            fputs(",true,", f);
            csv_put_field(f, w->error_message, 0);
        } else {
            fprintf(f, ",%llu,", (unsigned long long)w->iterations);
            put_num(f, w->real_time);
            fputc(',', f);
            put_num(f, w->cpu_time);
            fprintf(f, ",%s,", w->time_unit);
            put_num(f, w->bytes_per_second);
            fputc(',', f);
            put_num(f, w->items_per_second);
            fputc(',', f);
            csv_put_field(f, w->label, 0);
            fputs(",false,", f);
        }
        for (size_t c = 0; c < ncols; c++) {
            fputc(',', f);
            if (!w->error_occurred)
                put_num(f, vb_row_counter(w, cols[c]));
        }
        fputc('\n', f);
    }
    free(cols);
    return ferror(f) ? -EIO : 0;
}

/* Split one CSV record (RFC 4180 quoting, may span lines) into fields. Returns the number
   of fields, 0 at end of file, -EINVAL on a malformed record. Fields point into *buf. */
static int csv_record(FILE *f, char **buf, size_t *cap, char ***fields, size_t *fcap)
{
    size_t len = 0, nf = 0;
    int c, inq = 0, any = 0, start = 1;

    for (;;) {
        c = fgetc(f);
        if (c == EOF) {
            if (inq)
                return -EINVAL;
            if (!any)
                return 0;
            break;
        }
        any = 1;
        if (len + 2 > *cap) {
            char *nb = realloc(*buf, *cap = *cap ? *cap * 2 : 256);
            if (!nb)
                return -ENOMEM;
            *buf = nb;
        }
        if (inq) {
            if (c == '"') {
                int d = fgetc(f);
                if (d == '"') {
                    (*buf)[len++] = '"';
                    continue;
                }
                inq = 0;
                if (d != EOF)
                    ungetc(d, f);
                continue;
            }
            (*buf)[len++] = (char)c;
            continue;
        }
        if (c == '"' && start) {
            inq = 1;
            start = 0;
            continue;
        }
        if (c == '\r')
            continue;
        if (c == ',' || c == '\n') {
            (*buf)[len++] = 0;
            nf++;
            start = 1;
            if (c == '\n')
                goto done;
            continue;
        }
        start = 0;
        (*buf)[len++] = (char)c;
    }
    (*buf)[len++] = 0;
    nf++;
done:
    if (nf > *fcap) {
        char **nfp = realloc(*fields, (*fcap = nf + 16) * sizeof(**fields));
        if (!nfp)
            return -ENOMEM;
        *fields = nfp;
    }
    for (size_t i = 0, off = 0; i < nf; i++) {
        (*fields)[i] = *buf + off;
        off += strlen(*buf + off) + 1;
    }
    return (int)nf;
}

static int parse_double(const char *s, double *v)
{
    char *end;
    if (!*s) {
        *v = NAN;
        return 0;
    }
    *v = strtod(s, &end);
    return *end ? -EINVAL : 0;
}

int vb_read_gbench_csv(FILE *f, struct vb_run *r, char *err, size_t errlen)
{
    char *buf = NULL, **fld = NULL, **cols = NULL;
    size_t cap = 0, fcap = 0, ncols = 0;
    int n, ret = -EINVAL, line = 1;

    n = csv_record(f, &buf, &cap, &fld, &fcap);
    if (n < CSV_FIXED) {
        snprintf(err, errlen, "line 1: not a Google Benchmark CSV header");
        goto out;
    }
    {
        size_t off = 0;
        for (int i = 0; i < CSV_FIXED; i++) {
            const char *want = CSV_HEADER + off;
            size_t wl = strcspn(want, ",");
            if (strlen(fld[i]) != wl || strncmp(fld[i], want, wl) != 0) {
                snprintf(err, errlen, "line 1: column %d is '%s', expected '%.*s'", i + 1, fld[i],
                         (int)wl, want);
                goto out;
            }
            off += wl + 1;
        }
    }
    ncols = (size_t)n - CSV_FIXED;
    cols = calloc(ncols + 1, sizeof(*cols));
    if (!cols) {
        ret = -ENOMEM;
        goto out;
    }
    for (size_t c = 0; c < ncols; c++)
        if (!(cols[c] = strdup(fld[CSV_FIXED + c]))) {
            ret = -ENOMEM;
            goto out;
        }
    while ((n = csv_record(f, &buf, &cap, &fld, &fcap)) != 0) {
        struct vb_row *w;
        line++;
        if (n < 0 || (size_t)n != CSV_FIXED + ncols) {
            snprintf(err, errlen, "line %d: %d fields, expected %zu", line, n, CSV_FIXED + ncols);
            goto out;
        }
        if (!(w = vb_run_add_row(r, fld[0]))) {
            ret = -ENOMEM;
            goto out;
        }
        if (strcmp(fld[8], "true") == 0) {
            if (vb_row_set_error(w, 0, fld[9])) {
                ret = -ENOMEM;
                goto out;
            }
            continue;
        }
        {
            char *end;
            double v;
            w->iterations = strtoull(fld[1], &end, 10);
            if (!*fld[1] || *end || parse_double(fld[2], &w->real_time) ||
                parse_double(fld[3], &w->cpu_time) || vb_time_unit_scale(fld[4]) == 0 ||
                parse_double(fld[5], &w->bytes_per_second) ||
                parse_double(fld[6], &w->items_per_second)) {
                snprintf(err, errlen, "line %d: bad number or time unit", line);
                goto out;
            }
            snprintf(w->time_unit, sizeof(w->time_unit), "%s", fld[4]);
            if (*fld[7] && !(w->label = strdup(fld[7]))) {
                ret = -ENOMEM;
                goto out;
            }
            for (size_t c = 0; c < ncols; c++) {
                if (parse_double(fld[CSV_FIXED + c], &v)) {
                    snprintf(err, errlen, "line %d: bad number in column '%s'", line, cols[c]);
                    goto out;
                }
                if (!isnan(v) && vb_row_set_counter(w, cols[c], v)) {
                    ret = -ENOMEM;
                    goto out;
                }
            }
        }
    }
    ret = 0;
out:
    for (size_t c = 0; cols && c < ncols; c++)
        free(cols[c]);
    free(cols);
    free(fld);
    free(buf);
    return ret;
}
