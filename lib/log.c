/*
 * One-line messages on stderr with the program name as prefix; see log.h.
 */
#include "log.h"

#include <stdio.h>

static const char *progname = "viobench";
static int verbose;

void vb_set_progname(const char *name)
{
    progname = name;
}

void vb_set_verbose(int on)
{
    verbose = on;
}

int vb_verbose(void)
{
    return verbose;
}

static void vmsg(const char *kind, const char *fmt, va_list ap)
{
    fprintf(stderr, "%s: %s", progname, kind);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

void vb_err(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmsg("", fmt, ap);
    va_end(ap);
}

void vb_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmsg("warning: ", fmt, ap);
    va_end(ap);
}

void vb_debug(const char *fmt, ...)
{
    va_list ap;
    if (!verbose)
        return;
    va_start(ap, fmt);
    vmsg("debug: ", fmt, ap);
    va_end(ap);
}
