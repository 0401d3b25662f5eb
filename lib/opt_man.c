/*
 * Manual pages from the option tables: `viobench COMMAND --man` prints the command's page
 * in roff (man(7) macros) from the same `struct opt` rows and `struct cmd_help` that drive
 * parsing and --help, so `man viobench-run` cannot drift from the parser either. `make man`
 * writes every command's page; `make install` installs them. See opt.h.
 */
#include "opt.h"

#include <ctype.h>
#include <string.h>

/* Text with roff's specials escaped: backslashes, hyphens (as \-, so options copy right)
   and a '.' or '\'' that would start a request at the beginning of a line. */
static void roff_text(FILE *f, const char *s, size_t n)
{
    int bol = 1;
    for (size_t i = 0; i < n && s[i]; i++) {
        char c = s[i];
        if (bol && (c == '.' || c == '\''))
            fputs("\\&", f);
        if (c == '\\')
            fputs("\\e", f);
        else if (c == '-')
            fputs("\\-", f);
        else
            fputc(c, f);
        bol = c == '\n';
    }
}

static void roff_line(FILE *f, const char *s)
{
    roff_text(f, s, strlen(s));
    fputc('\n', f);
}

/* Paragraphs of s (blank lines between them) as running text. */
static void roff_paragraphs(FILE *f, const char *s)
{
    const char *p = s;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        if (n == 0)
            fputs(".PP\n", f);
        else {
            roff_text(f, p, n);
            fputc('\n', f);
        }
        p += n + (nl ? 1 : 0);
    }
}

/* Preformatted lines (examples, exit statuses), kept as written. */
static void roff_verbatim(FILE *f, const char *s)
{
    fputs(".nf\n", f);
    roff_line(f, s);
    fputs(".fi\n", f);
}

/* "viobench collect ls" -> "viobench-collect-ls" (the page's name). */
static void page_name(char *buf, size_t len, const char *name)
{
    snprintf(buf, len, "%s", name);
    for (char *c = buf; *c; c++)
        if (*c == ' ')
            *c = '-';
}

static void roff_option(FILE *f, const struct opt *o)
{
    fputs(".TP\n", f);
    if (o->short_name)
        fprintf(f, "\\fB\\-%c\\fR, ", o->short_name);
    fputs("\\fB\\-\\-", f);
    roff_text(f, o->name, strlen(o->name));
    fputs("\\fR", f);
    if (o->metavar) {
        fputs(" \\fI", f);
        roff_text(f, o->metavar, strlen(o->metavar));
        fputs("\\fR", f);
    }
    fputc('\n', f);
    roff_line(f, o->help);
}

void opt_man(FILE *f, const struct opt *opts, const struct cmd_help *help)
{
    char page[128], upper[128], line[512];
    const char *summary = help->summary ? help->summary : "";
    size_t first = 0;

    /* the summary's first sentence (a period before a blank or the end) names the page */
    while (summary[first] &&
           !(summary[first] == '.' &&
             (summary[first + 1] == ' ' || summary[first + 1] == '\n' || summary[first + 1] == 0)))
        first++;

    page_name(page, sizeof(page), help->name);
    for (size_t i = 0; i < sizeof(upper); i++)
        if (!(upper[i] = (char)toupper((unsigned char)page[i])))
            break;
    fprintf(f, ".TH %s 1 \"\" \"viobench %s\" \"viobench manual\"\n", upper, VB_VERSION);
    fputs(".SH NAME\n", f);
    roff_text(f, page, strlen(page));
    fputs(" \\- ", f);
    for (size_t i = 0; i < first && i + 1 < sizeof(line); i++) /* one line: breaks as blanks */
        line[i] = summary[i] == '\n' ? ' ' : summary[i];
    line[first < sizeof(line) ? first : sizeof(line) - 1] = 0;
    roff_line(f, line);
    fputs(".SH SYNOPSIS\n.B ", f);
    roff_line(f, help->name);
    roff_line(f, help->usage);
    if (help->summary) {
        fputs(".SH DESCRIPTION\n", f);
        roff_paragraphs(f, help->summary);
    }
    fputs(".SH OPTIONS\n", f);
    for (const struct opt *o = opts; o && o->name; o++)
        roff_option(f, o);
    fputs(".TP\n\\fB\\-h\\fR, \\fB\\-\\-help\\fR\nshow the help and exit\n", f);
    fputs(".TP\n\\fB\\-\\-man\\fR\nprint this manual page (roff) and exit\n", f);
    if (help->examples) {
        fputs(".SH EXAMPLES\n", f);
        roff_verbatim(f, help->examples);
    }
    if (help->more) {
        /* a first line in capitals ("EXIT STATUS") is the section's title */
        const char *nl = strchr(help->more, '\n'), *p;
        int title = nl != NULL && nl > help->more;
        for (p = help->more; title && p < nl; p++)
            title = isupper((unsigned char)*p) || *p == ' ';
        fputs(".SH ", f);
        if (title) {
            roff_text(f, help->more, (size_t)(nl - help->more));
            fputc('\n', f);
            roff_verbatim(f, nl + 1);
        } else {
            fputs("NOTES\n", f);
            roff_paragraphs(f, help->more);
        }
    }
    fputs(".SH SEE ALSO\n.BR viobench (1),\nthe documents in share/viobench/doc "
          "(README.md, docs/*.md)\n",
          f);
}
