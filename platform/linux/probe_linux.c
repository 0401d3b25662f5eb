/*
 * The live probe on Linux: pairing detection reads this machine only through it (CPUID,
 * small files under /proc, /sys and /etc, directory listings, symbolic links), so the same
 * detection code runs on recorded fixtures in tests. See bench/sysinfo.h.
 */
#include "platform.h"
#include "sysinfo.h"
#include "x86.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int live_cpuid(void *ctx, uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
    struct cpuid_regs r = x86_cpuid(leaf, subleaf);
    (void)ctx;
    out[0] = r.eax;
    out[1] = r.ebx;
    out[2] = r.ecx;
    out[3] = r.edx;
    return 0;
}

static int live_read(void *ctx, const char *path, char *buf, size_t len)
{
    (void)ctx;
    return pf_read_text(path, buf, len);
}

static int cmp_names(const void *a, const void *b)
{
    return strverscmp(*(char *const *)a, *(char *const *)b);
}

static int live_list(void *ctx, const char *path, int (*cb)(const char *name, void *arg), void *arg)
{
    struct dirent *e;
    char **v = NULL;
    size_t n = 0, cap = 0;
    int ret = 0;
    DIR *d = opendir(path);

    (void)ctx;
    if (!d)
        return -errno;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (n == cap) {
            char **nv = realloc(v, (cap = cap ? cap * 2 : 16) * sizeof(*v));
            if (!nv) {
                ret = -ENOMEM;
                break;
            }
            v = nv;
        }
        if (!(v[n] = strdup(e->d_name))) {
            ret = -ENOMEM;
            break;
        }
        n++;
    }
    closedir(d);
    if (!ret && n)
        qsort(v, n, sizeof(*v), cmp_names);
    for (size_t i = 0; !ret && i < n; i++)
        if (cb(v[i], arg))
            break;
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
    return ret;
}

static int live_readlink(void *ctx, const char *path, char *buf, size_t len)
{
    ssize_t n;
    (void)ctx;
    if (len == 0)
        return -EINVAL;
    n = readlink(path, buf, len - 1);
    if (n < 0)
        return -errno;
    buf[n] = 0;
    return 0;
}

const struct probe *probe_live(void)
{
    static const struct probe live = {
        .cpuid = live_cpuid,
        .read = live_read,
        .list = live_list,
        .readlink = live_readlink,
        .topology_xml = NULL,
        .hwloc_live = 1,
        .ctx = NULL,
    };
    return &live;
}
