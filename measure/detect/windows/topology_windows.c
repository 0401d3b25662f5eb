/*
 * Windows: the topology of the pairing from GetLogicalProcessorInformationEx (packages,
 * cores, logical processors, NUMA nodes, the caches of the first logical processor in the
 * same "caches" keys as hwloc gives on Linux), pinning without hwloc (measure/detect/pin.h),
 * and the library versions `viobench version` prints. hwloc is not part of the Windows
 * build.
 */
#include "sysinfo.h"
#include "pin.h"
#include "platform.h"
#include "sysinfo_os.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>

/* The records of one relationship kind; malloc'ed, *len bytes. NULL when unavailable. */
static SYSTEM_LOGICAL_PROCESSOR_INFORMATION_EX *glpi(LOGICAL_PROCESSOR_RELATIONSHIP rel, DWORD *len)
{
    SYSTEM_LOGICAL_PROCESSOR_INFORMATION_EX *buf = NULL;
    *len = 0;
    if (GetLogicalProcessorInformationEx(rel, NULL, len) ||
        GetLastError() != ERROR_INSUFFICIENT_BUFFER || !*len)
        return NULL;
    buf = malloc(*len);
    if (buf && !GetLogicalProcessorInformationEx(rel, buf, len)) {
        free(buf);
        return NULL;
    }
    return buf;
}

#define NEXT(p) ((SYSTEM_LOGICAL_PROCESSOR_INFORMATION_EX *)((char *)(p) + (p)->Size))

static int popcount_mask(KAFFINITY m)
{
    return __builtin_popcountll((unsigned long long)m);
}

/* Does a group mask include logical processor 0 of group 0 (the "CPU 0" of the caches)? */
static int has_cpu0(const GROUP_AFFINITY *g)
{
    return g->Group == 0 && (g->Mask & 1);
}

json_t *topology_os(const struct probe *p)
{
    SYSTEM_LOGICAL_PROCESSOR_INFORMATION_EX *all, *r;
    DWORD len;
    int packages = 0, cores = 0, pus = 0, numa = 0;
    json_t *caches, *out;

    if (p->topology_xml || !p->hwloc_live)
        return NULL; /* a fixture: its sysfs files (there is no hwloc XML reader here) */
    all = glpi(RelationAll, &len);
    if (!all)
        return NULL;
    caches = json_array();
    for (r = all; (char *)r < (char *)all + len && r->Size; r = NEXT(r)) {
        switch (r->Relationship) {
        case RelationProcessorPackage:
            packages++;
            break;
        case RelationProcessorCore:
            cores++;
            for (WORD g = 0; g < r->Processor.GroupCount; g++)
                pus += popcount_mask(r->Processor.GroupMask[g].Mask);
            break;
        case RelationNumaNode:
            numa++;
            break;
        case RelationCache: {
            const CACHE_RELATIONSHIP *c = &r->Cache;
            int type = c->Type == CacheData ? 1 : c->Type == CacheInstruction ? 2 : 3;
            if (!has_cpu0(&c->GroupMask))
                break;
            json_array_append_new(caches, topology_cache(type, c->Level, (long long)c->CacheSize,
                                                         popcount_mask(c->GroupMask.Mask)));
            break;
        }
        default:
            break;
        }
    }
    free(all);
    out = json_pack(
        "{s:s, s:s, s:o, s:o, s:o, s:o, s:o}", "source", "GetLogicalProcessorInformationEx", "from",
        "live", "packages", packages ? json_integer(packages) : json_null(), "cores",
        cores ? json_integer(cores) : json_null(), "pus", pus ? json_integer(pus) : json_null(),
        "numa_nodes", numa ? json_integer(numa) : json_null(), "caches",
        topology_caches_sorted(caches));
    return out;
}

int topology_export_xml(const char *path)
{
    (void)path;
    return -ENOSYS; /* no hwloc in the Windows build */
}

int pin_thread(int cpu, char *err, size_t errlen)
{
    int ret;
    if (cpu < 0) {
        snprintf(err, errlen, "CPU %d: must be 0 or more", cpu);
        return -EINVAL;
    }
    if (cpu >= pf_ncpus()) {
        snprintf(err, errlen, "CPU %d: no such CPU here (%d online)", cpu, pf_ncpus());
        return -EINVAL;
    }
    ret = pf_pin_thread(cpu);
    if (ret)
        snprintf(err, errlen, "CPU %d: cannot bind: %s", cpu, strerror(-ret));
    return ret;
}

void detect_runtime_libs(char *buf, size_t len)
{
    snprintf(buf, len, "jansson %s (static), Windows API", jansson_version_str());
}
