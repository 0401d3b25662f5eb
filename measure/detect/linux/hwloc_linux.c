/*
 * Linux: what viobench asks of hwloc, in one place. Pinning the measuring thread (OS CPU
 * numbering, falling back to the platform's own call when hwloc cannot bind; see
 * measure/detect/pin.h), the topology of the pairing (measure/detect/sysinfo_os.h:
 * topology_os, discovered live or loaded from a fixture's XML, and the XML export a
 * recording keeps), and the library versions `viobench version` prints.
 */
#include "sysinfo.h"
#include "pin.h"
#include "platform.h"
#include "sysinfo_os.h"

#include <errno.h>
#include <hwloc.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef HWLOC_VERSION
#define HWLOC_VERSION "2"
#endif

int pin_thread(int cpu, char *err, size_t errlen)
{
    hwloc_topology_t topo;
    hwloc_obj_t pu;
    int ret;

    if (cpu < 0) {
        snprintf(err, errlen, "CPU %d: must be 0 or more", cpu);
        return -EINVAL;
    }
    if (hwloc_topology_init(&topo) == 0) {
        if (hwloc_topology_load(topo) == 0 &&
            (pu = hwloc_get_pu_obj_by_os_index(topo, (unsigned)cpu)) != NULL) {
            ret = hwloc_set_cpubind(topo, pu->cpuset, HWLOC_CPUBIND_THREAD | HWLOC_CPUBIND_STRICT);
            hwloc_topology_destroy(topo);
            if (ret == 0)
                return 0;
        } else {
            hwloc_topology_destroy(topo);
            snprintf(err, errlen, "CPU %d: no such CPU here (%d online)", cpu, pf_ncpus());
            return -EINVAL;
        }
    }
    ret = pf_pin_thread(cpu);
    if (ret)
        snprintf(err, errlen, "CPU %d: cannot bind: %s", cpu, strerror(-ret));
    return ret;
}

/* hwloc loads its plugins (I/O discovery: PCI, OpenCL, GL; libxml2 for XML) at every first
   topology of a process and unloads them after the last one: 30-50 ms here, although the
   pairing needs no I/O objects (it reads devices from sysfs itself) and the built-in XML
   parser reads and writes the same files. Unless the user chose otherwise, do not load them. */
static void skip_io_plugins(void)
{
    setenv("HWLOC_PLUGINS_BLACKLIST", "hwloc_pci,hwloc_opencl,hwloc_gl,hwloc_xml_libxml", 0);
}

static int topo_open(hwloc_topology_t *t, const char *xml)
{
    skip_io_plugins();
    if (hwloc_topology_init(t))
        return -1;
    hwloc_topology_set_io_types_filter(*t, HWLOC_TYPE_FILTER_KEEP_NONE);
    hwloc_topology_set_cache_types_filter(*t, HWLOC_TYPE_FILTER_KEEP_ALL);
    hwloc_topology_set_icache_types_filter(*t, HWLOC_TYPE_FILTER_KEEP_ALL);
    if ((xml && hwloc_topology_set_xml(*t, xml)) || hwloc_topology_load(*t)) {
        hwloc_topology_destroy(*t);
        return -1;
    }
    return 0;
}

json_t *topology_os(const struct probe *p)
{
    hwloc_topology_t t;
    hwloc_obj_t o;
    json_t *caches, *r;
    long long mem = 0;
    int nnuma;

    if (!p->topology_xml && !p->hwloc_live)
        return NULL;
    if (topo_open(&t, p->topology_xml))
        return NULL;
    caches = json_array();
    for (o = hwloc_get_obj_by_type(t, HWLOC_OBJ_PU, 0); o; o = o->parent)
        if (hwloc_obj_type_is_cache(o->type) && o->attr)
            json_array_append_new(
                caches, topology_cache(o->attr->cache.type == HWLOC_OBJ_CACHE_DATA          ? 1
                                       : o->attr->cache.type == HWLOC_OBJ_CACHE_INSTRUCTION ? 2
                                                                                            : 3,
                                       (int)o->attr->cache.depth, (long long)o->attr->cache.size,
                                       hwloc_bitmap_weight(o->cpuset)));
    nnuma = hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_NUMANODE);
    for (int i = 0; i < nnuma; i++)
        if ((o = hwloc_get_obj_by_type(t, HWLOC_OBJ_NUMANODE, (unsigned)i)) && o->attr)
            mem += (long long)o->attr->numanode.local_memory;
    r = json_pack("{s:s, s:s, s:i, s:i, s:i, s:i, s:I, s:o}", "source", "hwloc " HWLOC_VERSION,
                  "from", p->topology_xml ? "xml" : "live", "packages",
                  hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_PACKAGE), "cores",
                  hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_CORE), "pus",
                  hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_PU), "numa_nodes", nnuma,
                  "numa_memory_bytes", (json_int_t)mem, "caches", topology_caches_sorted(caches));
    hwloc_topology_destroy(t);
    return r;
}

int topology_export_xml(const char *path)
{
    hwloc_topology_t t;
    int ret;

    if (topo_open(&t, NULL))
        return -EIO;
    ret = hwloc_topology_export_xml(t, path, 0) ? -EIO : 0;
    hwloc_topology_destroy(t);
    return ret;
}

void detect_runtime_libs(char *buf, size_t len)
{
    unsigned v = hwloc_get_api_version();
    snprintf(buf, len, "hwloc API %u.%u.%u, jansson %s", v >> 16, (v >> 8) & 0xff, v & 0xff,
             jansson_version_str());
}
