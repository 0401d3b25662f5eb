/*
 * Thread pinning through hwloc; see pin.h.
 */
#include "pin.h"
#include "platform.h"

#include <errno.h>
#include <hwloc.h>
#include <stdio.h>
#include <string.h>

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
