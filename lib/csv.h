/*
 * Writing CSV fields (RFC 4180 quoting), shared by the Google Benchmark CSV writer, the
 * store's tidy export and the analyzer's reports, so every CSV viobench writes quotes alike.
 */
#ifndef VB_CSV_H
#define VB_CSV_H

#include <stdio.h>

/* Write s as one CSV field: quoted, with quotes doubled, when it holds a comma, a quote or a
   line break, or always when force is set. NULL writes an empty field. */
void csv_put_field(FILE *f, const char *s, int force);

#endif
