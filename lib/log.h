/*
 * Messages for people: one-line errors and warnings on stderr, prefixed with the program
 * name, so every tool reports problems the same way ("viobench: run: --out: ...").
 */
#ifndef VB_LOG_H
#define VB_LOG_H

#include <stdarg.h>

/* Program name used as the prefix (default "viobench"). */
void vb_set_progname(const char *name);
/* Print "viobench: <message>" and a newline to stderr. */
void vb_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print "viobench: warning: <message>" and a newline to stderr. */
void vb_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print to stderr only when verbose mode is on. */
void vb_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Turn verbose messages on or off. */
void vb_set_verbose(int on);
/* Non-zero when verbose mode is on. */
int vb_verbose(void);

#endif
