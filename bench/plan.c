/*
 * Choosing what a run measures: the table's kernels in the requested suite that match the
 * filter, each probed with its valid() so that a kernel that cannot run here becomes a clean
 * skip with its reason instead of an error.
 */
#include "bench.h"
#include "match.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/*
 * A positive pattern without wildcards that is some kernel's whole name selects that kernel
 * only: as a plain substring, "storage/uring/randread/bs:4k/qd:1" would also select qd:16
 * and qd:128. Such patterns are rewritten into globs that match the whole name ("[s]torage/
 * ..."; names have no glob characters). Returns a new filter (free it), or NULL for none
 * or on ENOMEM (then the filter is used as given).
 */
static char *exact_names(const char *filter, const struct vb_kernel *const *rows, size_t n)
{
    size_t len = filter ? strlen(filter) : 0, w = 0;
    const char *p = filter;
    char *out;

    if (!len || !(out = malloc(2 * len + 2)))
        return NULL;
    while (*p) {
        size_t l = strcspn(p, ",");
        int exact = 0;
        if (p[0] != '-' && l && memchr(p, '*', l) == NULL && memchr(p, '?', l) == NULL &&
            memchr(p, '[', l) == NULL)
            for (size_t i = 0; i < n && !exact; i++)
                exact = strlen(rows[i]->name) == l && memcmp(rows[i]->name, p, l) == 0;
        if (exact) {
            out[w++] = '[';
            out[w++] = p[0];
            out[w++] = ']';
            memcpy(out + w, p + 1, l - 1);
            w += l - 1;
        } else {
            memcpy(out + w, p, l);
            w += l;
        }
        p += l;
        if (*p == ',')
            out[w++] = *p++;
    }
    out[w] = 0;
    return out;
}

long plan_build(const struct vb_opts *o, unsigned suite, const char *filter,
                struct plan_item **plan)
{
    const struct vb_kernel *const *rows;
    size_t n = vb_kernel_table(&rows);
    struct plan_item *p = calloc(n ? n : 1, sizeof(*p));
    char *exact = exact_names(filter, rows, n);
    long count = 0;

    if (!p) {
        free(exact);
        return -ENOMEM;
    }
    if (exact)
        filter = exact;
    for (size_t i = 0; i < n; i++) {
        const struct vb_kernel *k = rows[i];
        if (suite && !(k->suites & suite))
            continue;
        if (!match_filter(filter, k->name))
            continue;
        p[count].k = k;
        if (k->valid && k->valid(k, o, p[count].why, sizeof(p[count].why)))
            p[count].skip = 1;
        count++;
    }
    free(exact);
    *plan = p;
    return count;
}
