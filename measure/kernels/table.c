/*
 * The benchmark table: the concatenation of every kernel module's rows, in the order of the
 * platform's module list (measure/kernels/<platform>/modules.c), which is also the order
 * `viobench list` and `run` use. Modules return static rows, or rows generated once for
 * parameter sweeps.
 */
#include "kernel.h"
#include "modules.h"

#include <stdlib.h>
#include <string.h>

size_t vb_kernel_table(const struct vb_kernel *const **rows)
{
    static const struct vb_kernel **table;
    static size_t n;

    if (!table) {
        size_t cap = 0;
        for (size_t m = 0; vb_modules[m].rows; m++) {
            size_t k;
            const struct vb_kernel *r = vb_modules[m].rows(&k);
            const struct vb_kernel **t = realloc(table, (cap + k) * sizeof(*t));
            if (!t)
                abort();
            table = t;
            for (size_t i = 0; i < k; i++)
                table[cap + i] = &r[i];
            cap += k;
        }
        n = cap;
    }
    *rows = table;
    return n;
}

int vb_kernel_check_opts(const struct vb_opts *o, char *msg, size_t len)
{
    for (size_t m = 0; vb_modules[m].rows; m++) {
        int ret = vb_modules[m].check_opts ? vb_modules[m].check_opts(o, msg, len) : 0;
        if (ret)
            return ret;
    }
    return 0;
}

const struct vb_kernel *vb_kernel_find(const char *name)
{
    const struct vb_kernel *const *rows;
    size_t n = vb_kernel_table(&rows);
    for (size_t i = 0; i < n; i++)
        if (strcmp(rows[i]->name, name) == 0)
            return rows[i];
    return NULL;
}
