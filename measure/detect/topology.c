/*
 * The topology part of the pairing (packages, cores, PUs, NUMA nodes, the caches of CPU 0
 * in Google Benchmark's "caches" format). The OS's own source comes first (topology_os:
 * hwloc on Linux, discovered live or loaded from the hwloc XML a fixture carries; the
 * Windows API on Windows). When it has nothing, or a fixture has no XML, the same facts
 * come from Linux's sysfs topology files read through the probe, and "source" says "sysfs".
 */
#include "sysinfo_os.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CPUS CPULIST_MAX

int cpulist_parse(const char *s, int *cpus, int max)
{
    int n = 0;
    while (*s && *s != '\n') {
        char *end;
        long a, b;
        if (*s < '0' || *s > '9')
            return -EINVAL;
        a = strtol(s, &end, 10);
        b = a;
        if (*end == '-') {
            if (end[1] < '0' || end[1] > '9')
                return -EINVAL;
            b = strtol(end + 1, &end, 10);
        }
        /* strtol saturates at LONG_MAX, which the bound refuses too */
        if (a > b || b >= CPULIST_MAX || n + (b - a + 1) > CPULIST_MAX)
            return -EINVAL;
        for (long c = a; c <= b; c++) {
            if (cpus && n < max)
                cpus[n] = (int)c;
            n++;
        }
        if (*end == ',')
            s = end + 1;
        else if (*end == '\n' || *end == 0)
            s = end;
        else
            return -EINVAL;
    }
    return n;
}

static const char *cache_type(int t)
{
    return t == 1 ? "Data" : t == 2 ? "Instruction" : "Unified";
}

json_t *topology_cache(int type, int level, long long size, int sharing)
{
    return json_pack("{s:s, s:i, s:I, s:i}", "type", cache_type(type), "level", level, "size",
                     (json_int_t)size, "num_sharing", sharing);
}

/* Caches ascending by level, Data before Instruction before Unified (as Google Benchmark). */
static int cmp_cache(const void *a, const void *b)
{
    json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    int lx = (int)json_integer_value(json_object_get(x, "level"));
    int ly = (int)json_integer_value(json_object_get(y, "level"));
    if (lx != ly)
        return lx - ly;
    return strcmp(json_string_value(json_object_get(x, "type")),
                  json_string_value(json_object_get(y, "type")));
}

json_t *topology_caches_sorted(json_t *caches)
{
    size_t n = json_array_size(caches);
    json_t **v = calloc(n ? n : 1, sizeof(*v)), *out = json_array();
    for (size_t i = 0; v && i < n; i++)
        v[i] = json_array_get(caches, i);
    if (v)
        qsort(v, n, sizeof(*v), cmp_cache);
    for (size_t i = 0; v && i < n; i++)
        json_array_append(out, v[i]);
    free(v);
    json_decref(caches);
    return out;
}

static long long parse_size(const char *s)
{
    char *end;
    long long v = strtoll(s, &end, 10);
    if (*end == 'K')
        v <<= 10;
    else if (*end == 'M')
        v <<= 20;
    else if (*end == 'G')
        v <<= 30;
    return v;
}

static int sysfs_int(const struct probe *p, const char *fmt, int a, int *out)
{
    char path[PATH_MAX], v[64];
    snprintf(path, sizeof(path), fmt, a);
    if (probe_text(p, path, v, sizeof(v)))
        return -1;
    *out = atoi(v);
    return 0;
}

static json_t *from_sysfs(const struct probe *p)
{
    int *cpus = calloc(3 * MAX_CPUS, sizeof(int)), *pkg = cpus + MAX_CPUS;
    int *core = pkg + MAX_CPUS;
    char text[4096];
    json_t *caches = json_array();
    struct names n;
    int ncpu = 0, npkg = 0, ncore = 0, nnuma = 0, known = 0;

    if (!cpus)
        return NULL;
    if (probe_text(p, "/sys/devices/system/cpu/online", text, sizeof(text)) == 0)
        ncpu = cpulist_parse(text, cpus, MAX_CPUS);
    if (ncpu < 0) /* malformed: unknown (sysinfo_os_collect says so) */
        ncpu = 0;
    for (int i = 0; i < ncpu; i++) {
        int pk = 0, co = 0, seen_pkg = 0, seen_core = 0;
        if (sysfs_int(p, "/sys/devices/system/cpu/cpu%d/topology/physical_package_id", cpus[i],
                      &pk) ||
            sysfs_int(p, "/sys/devices/system/cpu/cpu%d/topology/core_id", cpus[i], &co))
            continue;
        known++;
        for (int j = 0; j < i; j++) {
            seen_pkg |= pkg[j] == pk;
            seen_core |= pkg[j] == pk && core[j] == co;
        }
        pkg[i] = pk;
        core[i] = co;
        npkg += !seen_pkg;
        ncore += !seen_core;
    }
    if (probe_names(p, "/sys/devices/system/node", &n) == 0) {
        for (int i = 0; i < n.n; i++)
            nnuma += strncmp(n.v[i], "node", 4) == 0 && n.v[i][4] >= '0' && n.v[i][4] <= '9';
        names_free(&n);
    }
    if (ncpu > 0 && probe_names(p, "/sys/devices/system/cpu/cpu0/cache", &n) == 0) {
        for (int i = 0; i < n.n; i++) {
            char path[PATH_MAX], type[32], size[32], shared[1024];
            int level;
            if (strncmp(n.v[i], "index", 5) != 0)
                continue;
            snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu0/cache/%s/type", n.v[i]);
            if (probe_text(p, path, type, sizeof(type)))
                continue;
            snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu0/cache/%s/size", n.v[i]);
            if (probe_text(p, path, size, sizeof(size)))
                continue;
            snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu0/cache/%s/shared_cpu_list",
                     n.v[i]);
            if (probe_text(p, path, shared, sizeof(shared)))
                snprintf(shared, sizeof(shared), "0");
            snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu0/cache/%s/level", n.v[i]);
            if (probe_text(p, path, text, sizeof(text)))
                continue;
            level = atoi(text);
            json_array_append_new(caches, topology_cache(strcmp(type, "Data") == 0          ? 1
                                                         : strcmp(type, "Instruction") == 0 ? 2
                                                                                            : 3,
                                                         level, parse_size(size),
                                                         cpulist_parse(shared, NULL, 0) > 0
                                                             ? cpulist_parse(shared, NULL, 0)
                                                             : 0));
        }
        names_free(&n);
    }
    free(cpus);
    return json_pack("{s:s, s:o, s:o, s:o, s:o, s:o}", "source", "sysfs", "packages",
                     known ? json_integer(npkg) : json_null(), "cores",
                     known ? json_integer(ncore) : json_null(), "pus",
                     ncpu ? json_integer(ncpu) : json_null(), "numa_nodes",
                     nnuma ? json_integer(nnuma) : json_null(), "caches",
                     topology_caches_sorted(caches));
}

json_t *topology_collect(const struct probe *p)
{
    json_t *t = topology_os(p);
    return t ? t : from_sysfs(p);
}
