/*
 * The live probe on Windows (see bench/sysinfo.h): CPUID as on Linux, files and directory
 * listings through the C runtime, no symbolic links. Windows keeps its facts in APIs, not
 * files, so sysinfo_windows.c and topology_windows.c ask the APIs directly; the probe
 * carries what the portable detection reads (CPUID), and lets a Windows build replay
 * fixtures recorded on Linux.
 */
#include "platform.h"
#include "sysinfo.h"
#include "x86.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>

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
    WIN32_FIND_DATAA fd;
    char pattern[MAX_PATH + 8];
    char **v = NULL;
    size_t n = 0, cap = 0;
    int ret = 0;
    HANDLE h;

    (void)ctx;
    if (strlen(path) + 3 > sizeof(pattern))
        return -ENAMETOOLONG;
    snprintf(pattern, sizeof(pattern), "%s/*", path);
    h = FindFirstFileA(pattern, &fd);
    if (h == INVALID_HANDLE_VALUE)
        return GetLastError() == ERROR_FILE_NOT_FOUND ? 0 : -ENOENT;
    do {
        if (strcmp(fd.cFileName, ".") == 0 || strcmp(fd.cFileName, "..") == 0)
            continue;
        if (n == cap) {
            char **nv = realloc(v, (cap = cap ? cap * 2 : 16) * sizeof(*v));
            if (!nv) {
                ret = -ENOMEM;
                break;
            }
            v = nv;
        }
        if (!(v[n] = strdup(fd.cFileName))) {
            ret = -ENOMEM;
            break;
        }
        n++;
    } while (FindNextFileA(h, &fd));
    FindClose(h);
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
    (void)ctx;
    (void)path;
    (void)buf;
    (void)len;
    return -ENOSYS;
}

const struct probe *probe_live(void)
{
    static const struct probe live = {
        .cpuid = live_cpuid,
        .read = live_read,
        .list = live_list,
        .readlink = live_readlink,
        .topology_xml = NULL,
        .hwloc_live = 1, /* the live topology: GetLogicalProcessorInformationEx */
        .ctx = NULL,
    };
    return &live;
}
