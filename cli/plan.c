/*
 * Choosing what a run measures: the table's kernels in the requested suite that match the
 * filter, each probed with its valid() so that a kernel that cannot run here becomes a clean
 * skip with its reason instead of an error.
 */
#include "cli.h"
#include "match.h"

#include <errno.h>
#include <stdlib.h>

long plan_build(const struct vb_opts *o, unsigned suite, const char *filter,
                struct plan_item **plan)
{
    const struct vb_kernel *const *rows;
    size_t n = vb_kernel_table(&rows);
    struct plan_item *p = calloc(n ? n : 1, sizeof(*p));
    long count = 0;

    if (!p)
        return -ENOMEM;
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
    *plan = p;
    return count;
}
