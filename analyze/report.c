/*
 * Report writers: every analyze subcommand builds plain tables (cells with a text for
 * people and a number for machines) and hands them here, so the five output formats stay
 * consistent: an aligned console table, CSV (numbers at full precision, RFC 4180 quoting),
 * JSON (an object with the metadata and one array of row objects per table), Markdown
 * (GitHub tables) and a self-contained HTML page (everything escaped).
 */
#include "analyze.h"
#include "csv.h"
#include "log.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

const char *const an_fmt_names[] = {"console", "csv", "json", "markdown", "html", NULL};

int an_fmt_parse(const char *s)
{
    for (int i = 0; an_fmt_names[i]; i++)
        if (strcmp(s, an_fmt_names[i]) == 0)
            return i;
    if (strcmp(s, "md") == 0)
        return AF_MD;
    if (strcmp(s, "table") == 0 || strcmp(s, "text") == 0)
        return AF_CONSOLE;
    return -1;
}

struct an_table *an_table_new(const char *key, const char *title, int ncols,
                              const char *const *keys, const char *const *heads)
{
    struct an_table *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->key = strdup(key);
    t->title = strdup(title ? title : "");
    t->ncols = ncols;
    t->keys = calloc((size_t)ncols, sizeof(char *));
    t->heads = calloc((size_t)ncols, sizeof(char *));
    if (!t->key || !t->title || !t->keys || !t->heads) {
        an_table_free(t);
        return NULL;
    }
    for (int i = 0; i < ncols; i++) {
        t->keys[i] = strdup(keys[i]);
        t->heads[i] = strdup(heads ? heads[i] : keys[i]);
        if (!t->keys[i] || !t->heads[i]) {
            an_table_free(t);
            return NULL;
        }
    }
    return t;
}

void an_table_free(struct an_table *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->nrows * (size_t)t->ncols; i++)
        free(t->cells[i].text);
    for (int i = 0; i < t->ncols && t->keys; i++) {
        free(t->keys[i]);
        if (t->heads)
            free(t->heads[i]);
    }
    free(t->cells);
    free(t->keys);
    free(t->heads);
    free(t->key);
    free(t->title);
    free(t);
}

long an_table_row(struct an_table *t)
{
    if (t->nrows == t->cap) {
        size_t nc = t->cap ? t->cap * 2 : 32;
        struct an_cell *n = realloc(t->cells, nc * (size_t)t->ncols * sizeof(*n));
        if (!n)
            return -1;
        t->cells = n;
        t->cap = nc;
    }
    memset(&t->cells[t->nrows * (size_t)t->ncols], 0, (size_t)t->ncols * sizeof(*t->cells));
    for (int i = 0; i < t->ncols; i++)
        t->cells[t->nrows * (size_t)t->ncols + (size_t)i].num = NAN;
    return (long)t->nrows++;
}

static struct an_cell *cell(struct an_table *t, long row, int col)
{
    return &t->cells[(size_t)row * (size_t)t->ncols + (size_t)col];
}

void an_table_str(struct an_table *t, long row, int col, const char *fmt, ...)
{
    struct an_cell *c = cell(t, row, col);
    va_list ap;
    char *s = NULL;

    va_start(ap, fmt);
    if (vasprintf(&s, fmt, ap) < 0)
        s = NULL;
    va_end(ap);
    free(c->text);
    c->text = s;
    c->isnum = 0;
}

void an_table_num(struct an_table *t, long row, int col, double num, const char *text)
{
    struct an_cell *c = cell(t, row, col);
    free(c->text);
    c->text = strdup(text ? text : "");
    c->num = num;
    c->isnum = 1;
}

static const char *txt(const struct an_cell *c)
{
    return c->text ? c->text : "";
}

/* Display width: UTF-8 continuation bytes take no column. */
static int width(const char *s)
{
    int w = 0;
    for (; *s; s++)
        w += ((unsigned char)*s & 0xc0) != 0x80;
    return w;
}

static void console_table(FILE *f, const struct an_table *t)
{
    int *w = calloc((size_t)t->ncols, sizeof(int));
    if (!w)
        return;
    if (t->title[0])
        fprintf(f, "%s\n", t->title);
    for (int c = 0; c < t->ncols; c++)
        w[c] = width(t->heads[c]);
    for (size_t r = 0; r < t->nrows; r++)
        for (int c = 0; c < t->ncols; c++) {
            int x = width(txt(&t->cells[r * (size_t)t->ncols + (size_t)c]));
            if (x > w[c])
                w[c] = x;
        }
    for (int c = 0; c < t->ncols; c++)
        fprintf(f, "%s%-*s", c ? "  " : "", c == t->ncols - 1 ? 0 : w[c], t->heads[c]);
    fputc('\n', f);
    for (size_t r = 0; r < t->nrows; r++) {
        int last = 0; /* trailing empty cells print nothing: no trailing blanks */
        for (int c = 0; c < t->ncols; c++)
            if (width(txt(&t->cells[r * (size_t)t->ncols + (size_t)c])) > 0)
                last = c;
        for (int c = 0; c <= last; c++) {
            const struct an_cell *x = &t->cells[r * (size_t)t->ncols + (size_t)c];
            int pad = w[c] - width(txt(x));
            if (c)
                fputs("  ", f);
            if (x->isnum) /* numbers right-aligned */
                fprintf(f, "%*s%s", pad, "", txt(x));
            else
                fprintf(f, "%s%*s", txt(x), c == last ? 0 : pad, "");
        }
        fputc('\n', f);
    }
    free(w);
}

static void csv_table(FILE *f, const struct an_table *t)
{
    for (int c = 0; c < t->ncols; c++) {
        if (c)
            fputc(',', f);
        csv_put_field(f, t->keys[c], 0);
    }
    fputc('\n', f);
    for (size_t r = 0; r < t->nrows; r++) {
        for (int c = 0; c < t->ncols; c++) {
            const struct an_cell *x = &t->cells[r * (size_t)t->ncols + (size_t)c];
            if (c)
                fputc(',', f);
            if (x->isnum) {
                if (isfinite(x->num))
                    fprintf(f, "%.17g", x->num);
            } else {
                csv_put_field(f, txt(x), 0);
            }
        }
        fputc('\n', f);
    }
}

static json_t *json_table(const struct an_table *t)
{
    json_t *arr = json_array();
    for (size_t r = 0; arr && r < t->nrows; r++) {
        json_t *o = json_object();
        for (int c = 0; o && c < t->ncols; c++) {
            const struct an_cell *x = &t->cells[r * (size_t)t->ncols + (size_t)c];
            json_object_set_new(o, t->keys[c],
                                x->isnum  ? (isfinite(x->num) ? json_real(x->num) : json_null())
                                : x->text ? json_string(x->text)
                                          : json_null());
        }
        json_array_append_new(arr, o);
    }
    return arr;
}

static void md_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '|' || *s == '\\' || *s == '*' || *s == '_' || *s == '`' || *s == '<')
            fputc('\\', f);
        fputc(*s == '\n' ? ' ' : *s, f);
    }
}

static void md_table(FILE *f, const struct an_table *t)
{
    if (t->title[0]) {
        fputs("### ", f);
        md_text(f, t->title);
        fputs("\n\n", f);
    }
    fputc('|', f);
    for (int c = 0; c < t->ncols; c++) {
        fputc(' ', f);
        md_text(f, t->heads[c]);
        fputs(" |", f);
    }
    fputs("\n|", f);
    for (int c = 0; c < t->ncols; c++) {
        int num = t->nrows && t->cells[c].isnum;
        fputs(num ? " ---: |" : " --- |", f);
    }
    fputc('\n', f);
    for (size_t r = 0; r < t->nrows; r++) {
        fputc('|', f);
        for (int c = 0; c < t->ncols; c++) {
            fputc(' ', f);
            md_text(f, txt(&t->cells[r * (size_t)t->ncols + (size_t)c]));
            fputs(" |", f);
        }
        fputc('\n', f);
    }
    fputc('\n', f);
}

const char *an_html_escape(const char *s, char *buf, size_t len)
{
    size_t o = 0;
    for (; *s && o + 7 < len; s++) {
        const char *e = NULL;
        switch (*s) {
        case '&':
            e = "&amp;";
            break;
        case '<':
            e = "&lt;";
            break;
        case '>':
            e = "&gt;";
            break;
        case '"':
            e = "&quot;";
            break;
        case '\'':
            e = "&#39;";
            break;
        }
        if (e) {
            size_t n = strlen(e);
            memcpy(buf + o, e, n);
            o += n;
        } else {
            buf[o++] = *s;
        }
    }
    buf[o] = 0;
    return buf;
}

static void html_text(FILE *f, const char *s)
{
    char buf[4096];
    size_t n = strlen(s);
    /* escape in chunks so long cells are not cut */
    for (size_t i = 0; i < n; i += 500) {
        char chunk[501];
        size_t k = n - i < 500 ? n - i : 500;
        memcpy(chunk, s + i, k);
        chunk[k] = 0;
        fputs(an_html_escape(chunk, buf, sizeof(buf)), f);
    }
}

/* The class attribute that colours a verdict or status cell, or NULL. */
static const char *verdict_class(const char *s)
{
    static const struct {
        const char *text, *cls;
    } v[] = {{"PASS", " class=\"pass\""},           {"FAIL", " class=\"fail\""},
             {"NO DATA", " class=\"fail\""},        {"regressed", " class=\"v-regressed\""},
             {"improved", " class=\"v-improved\""}, {"inconclusive", " class=\"v-inconclusive\""},
             {"unstable", " class=\"v-unstable\""}, {"no significant change", " class=\"v-same\""}};
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
        if (strcmp(s, v[i].text) == 0 || (i < 2 && strncmp(s, v[i].text, 4) == 0))
            return v[i].cls;
    return NULL;
}

/* The command's outcome first: a "result" (PASS/FAIL) and the counts of a "summary" object,
   each verdict count in its verdict's colour. */
static void html_summary(FILE *f, json_t *meta)
{
    json_t *sum = json_object_get(meta, "summary"), *res = json_object_get(meta, "result"), *v;
    const char *k;
    int first = 1;
    char buf[64];

    if (!json_is_object(sum) && !json_is_string(res))
        return;
    fputs("<p class=\"summary\">", f);
    if (json_is_string(res)) {
        const char *cls = verdict_class(json_string_value(res));
        fprintf(f, "<span%s>", cls ? cls : "");
        html_text(f, json_string_value(res));
        fputs("</span>", f);
        first = 0;
    }
    json_object_foreach(sum, k, v)
    {
        const char *cls;
        if (!json_is_number(v))
            continue;
        snprintf(buf, sizeof(buf), "%s", strcmp(k, "no_change") == 0 ? "no significant change" : k);
        cls = verdict_class(buf);
        fprintf(f, "%s<span%s>", first ? "" : " &middot; ",
                cls && json_number_value(v) > 0 ? cls : "");
        html_text(f, buf);
        fprintf(f, " %.15g</span>", json_number_value(v));
        first = 0;
    }
    fputs("</p>\n", f);
}

static void html_table(FILE *f, const struct an_table *t)
{
    if (t->title[0]) {
        fputs("<h2>", f);
        html_text(f, t->title);
        fputs("</h2>\n", f);
    }
    fputs("<table>\n<thead><tr>", f);
    for (int c = 0; c < t->ncols; c++) {
        fputs("<th>", f);
        html_text(f, t->heads[c]);
        fputs("</th>", f);
    }
    fputs("</tr></thead>\n<tbody>\n", f);
    for (size_t r = 0; r < t->nrows; r++) {
        fputs("<tr>", f);
        for (int c = 0; c < t->ncols; c++) {
            const struct an_cell *x = &t->cells[r * (size_t)t->ncols + (size_t)c];
            const char *s = txt(x);
            const char *cls = verdict_class(s);
            if (!cls)
                cls = x->isnum ? " class=\"num\"" : "";
            fprintf(f, "<td%s>", cls);
            html_text(f, s);
            fputs("</td>", f);
        }
        fputs("</tr>\n", f);
    }
    fputs("</tbody>\n</table>\n", f);
}

void an_html_head(FILE *f, const char *title)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>", f);
    html_text(f, title);
    fputs("</title>\n<style>\n"
          "body{font-family:system-ui,sans-serif;margin:2em;color:#222}\n"
          "table{border-collapse:collapse;margin-bottom:2em}\n"
          "th,td{border:1px solid #bbb;padding:.3em .6em;text-align:left}\n"
          "th{background:#eee}\n"
          "td.num{text-align:right;font-variant-numeric:tabular-nums}\n"
          ".pass{background:#dff5df}\n.fail{background:#f9d6d5;font-weight:bold}\n"
          ".v-regressed{background:#f9d6d5;font-weight:bold}\n.v-improved{background:#dff5df}\n"
          ".v-inconclusive{background:#fff4cc}\n.v-unstable{background:#ffe0b8}\n"
          ".summary{font-size:1.1em;padding:.5em .8em;background:#f3f3f3;border-left:4px solid "
          "#888}\n"
          ".meta{color:#555}\n"
          "</style>\n</head>\n<body>\n<h1>",
          f);
    html_text(f, title);
    fputs("</h1>\n", f);
}

static void scalar_text(json_t *v, char *buf, size_t len)
{
    if (json_is_string(v))
        snprintf(buf, len, "%s", json_string_value(v));
    else if (json_is_integer(v))
        snprintf(buf, len, "%lld", (long long)json_integer_value(v));
    else if (json_is_real(v))
        snprintf(buf, len, "%.15g", json_real_value(v)); /* 1000000, not 1e+06 */
    else if (json_is_boolean(v))
        snprintf(buf, len, "%s", json_is_true(v) ? "true" : "false");
    else
        snprintf(buf, len, "-");
}

int an_report_write(FILE *f, enum an_fmt fmt, const char *title, json_t *meta,
                    struct an_table *const *tables, int ntables)
{
    const char *k;
    json_t *v;
    char buf[1024];

    switch (fmt) {
    case AF_CONSOLE:
        for (int i = 0; i < ntables; i++) {
            if (i)
                fputc('\n', f);
            console_table(f, tables[i]);
        }
        break;
    case AF_CSV:
        for (int i = 0; i < ntables; i++) {
            if (ntables > 1)
                fprintf(f, "%s# %s\n", i ? "\n" : "", tables[i]->key);
            csv_table(f, tables[i]);
        }
        break;
    case AF_JSON: {
        json_t *doc = meta ? json_deep_copy(meta) : json_object();
        for (int i = 0; doc && i < ntables; i++)
            json_object_set_new(doc, tables[i]->key, json_table(tables[i]));
        if (!doc || json_dumpf(doc, f, JSON_INDENT(2) | JSON_REAL_PRECISION(15)) < 0) {
            json_decref(doc);
            return -EIO;
        }
        fputc('\n', f);
        json_decref(doc);
        break;
    }
    case AF_MD:
        fprintf(f, "## ");
        md_text(f, title);
        fputs("\n\n", f);
        json_object_foreach(meta, k, v)
        {
            if (json_is_object(v) || json_is_array(v))
                continue;
            scalar_text(v, buf, sizeof(buf));
            fputs("- ", f);
            md_text(f, k);
            fputs(": ", f);
            md_text(f, buf);
            fputc('\n', f);
        }
        if (json_object_size(meta))
            fputc('\n', f);
        for (int i = 0; i < ntables; i++)
            md_table(f, tables[i]);
        break;
    case AF_HTML:
        an_html_head(f, title);
        html_summary(f, meta);
        if (json_object_size(meta)) {
            fputs("<ul class=\"meta\">\n", f);
            json_object_foreach(meta, k, v)
            {
                if (json_is_object(v) || json_is_array(v))
                    continue;
                scalar_text(v, buf, sizeof(buf));
                fputs("<li>", f);
                html_text(f, k);
                fputs(": ", f);
                html_text(f, buf);
                fputs("</li>\n", f);
            }
            fputs("</ul>\n", f);
        }
        for (int i = 0; i < ntables; i++)
            html_table(f, tables[i]);
        fputs("</body>\n</html>\n", f);
        break;
    }
    return ferror(f) ? -EIO : 0;
}

FILE *an_out_open(const char *cmd, const char *path)
{
    FILE *f;
    if (!path || strcmp(path, "-") == 0)
        return stdout;
    if (!(f = fopen(path, "w")))
        vb_err("%s: --out %s: %s", cmd, path, strerror(errno));
    return f;
}

int an_out_close(FILE *f, const char *cmd, const char *path)
{
    int bad = ferror(f);
    if (f == stdout)
        return fflush(f) || bad ? -1 : 0;
    if (fclose(f) || bad) {
        vb_err("%s: --out %s: write failed", cmd, path);
        return -1;
    }
    return 0;
}
