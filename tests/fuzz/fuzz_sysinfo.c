/*
 * Fuzz pairing detection over a recorded fixture (`viobench sysinfo --fixture DIR`), which
 * anyone can hand over: cpuid.txt and the /proc, /sys and /etc texts detection reads. The
 * input is FUZZ_SEP-separated parts: the first is cpuid.txt, the next go to the files in
 * files[] below in order (a missing part: the file is absent), the last ones are the
 * targets of the links in links[]. A fixed skeleton (a block device, a cache, a PCI
 * function, a NUMA node) is always there, so the listing paths run too. The fixture is
 * held in memory (probe_fixture_mem, the same cpuid.txt parser and the same answers as the
 * directory probe, which tests/unit/test_detect.c checks on every recorded fixture): each
 * input goes through the cpuid.txt parser and sysinfo_detect() (every text parser, CPUID
 * decoding, topology from sysfs, the conclusion) without a file written or opened.
 * CPU lists with huge numbers (the online file) once looped for ever or counted billions
 * of CPUs: regressions/fuzz_sysinfo/.
 */
#include "fuzz.h"
#include "sysinfo_os.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const files[] = {
    "root/proc/cpuinfo",
    "root/sys/devices/system/cpu/online",
    "root/etc/os-release",
    "root/proc/meminfo",
    "root/proc/cmdline",
    "root/sys/devices/system/clocksource/clocksource0/current_clocksource",
    "root/sys/devices/system/clocksource/clocksource0/available_clocksource",
    "root/sys/class/dmi/id/sys_vendor",
    "root/sys/class/dmi/id/product_name",
    "root/sys/hypervisor/type",
    "root/sys/hypervisor/version/major",
    "root/sys/devices/system/cpu/cpu0/cache/index0/shared_cpu_list",
    "root/sys/devices/system/cpu/cpu0/cache/index0/size",
    "root/sys/devices/system/cpu/cpu0/topology/core_id",
    "root/proc/sys/kernel/osrelease",
    "root/sys/block/vda/size",
    "root/sys/bus/pci/devices/0000:00:03.0/vendor",
    "root/sys/bus/pci/devices/0000:00:03.0/device",
    "root/sys/devices/system/cpu/vulnerabilities/meltdown",
};
#define NFILES ((int)(sizeof(files) / sizeof(files[0])))

/* Links: a disk's driver, a PCI function's driver (targets from the input). */
static const char *const links[] = {
    "root/sys/block/vda/device/driver",
    "root/sys/bus/pci/devices/0000:00:03.0/driver",
};
#define NLINKS ((int)(sizeof(links) / sizeof(links[0])))

/* The skeleton: files every input has. */
static const struct probe_file skeleton[] = {
    {"root/sys/devices/system/cpu/cpu0/cache/index0/level", "1\n", 2, 0},
    {"root/sys/devices/system/cpu/cpu0/cache/index0/type", "Data\n", 5, 0},
    {"root/sys/block/vda/queue/scheduler", "[none] mq-deadline\n", 19, 0},
    {"root/sys/devices/system/node/node0/", "", 0, 0},
};
#define NSKEL  ((int)(sizeof(skeleton) / sizeof(skeleton[0])))
#define NPARTS (1 + NFILES + NLINKS)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *parts[NPARTS], err[512];
    size_t lens[NPARTS];
    int n = fuzz_split(data, size, parts, lens, NPARTS), nf = 0;
    struct probe_file fx[NPARTS + NSKEL];
    struct probe p;

    fx[nf++] = (struct probe_file){"cpuid.txt", parts[0], lens[0], 0};
    for (int i = 0; i < NSKEL; i++)
        fx[nf++] = skeleton[i];
    for (int i = 1; i < n; i++)
        fx[nf++] = (struct probe_file){i <= NFILES ? files[i - 1] : links[i - 1 - NFILES], parts[i],
                                       lens[i], i > NFILES};
    if (probe_fixture_mem(fx, (size_t)nf, &p, err, sizeof(err)) == 0) {
        json_t *pairing = sysinfo_detect(&p);
        json_decref(pairing);
        probe_free(&p);
    }
    fuzz_parts_free(parts, n);
    return 0;
}
