/*
 * CSV field writer; see csv.h.
 */
#include "csv.h"

#include <string.h>

void csv_put_field(FILE *f, const char *s, int force)
{
    if (!s)
        return;
    if (!force && !strpbrk(s, ",\"\n\r")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}
