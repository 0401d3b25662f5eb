/*
 * Fuzz pairing detection over a recorded fixture (`viobench sysinfo --fixture DIR`), which
 * anyone can hand over: cpuid.txt and the /proc, /sys and /etc texts detection reads. The
 * input is FUZZ_SEP-separated parts: the first is cpuid.txt, the next go to the files in
 * files[] below in order (a missing part: the file is absent). A fixed skeleton (a block
 * device, a cache, a PCI function, a NUMA node) is made once, so the listing paths run too.
 * Each input goes through probe_fixture_open() (the cpuid.txt parser) and sysinfo_detect()
 * (every text parser, CPUID decoding, topology from sysfs, the conclusion).
 * CPU lists with huge numbers (the online file) once looped for ever or counted billions
 * of CPUs: regressions/fuzz_sysinfo/.
 */
#include "fuzz.h"
#include "sysinfo_os.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
#define NFILES   ((int)(sizeof(files) / sizeof(files[0])))
#define F_ONLINE 1
#define F_SHARED 11

static const char *const skeleton_dirs[] = {
    "root/etc",
    "root/proc/sys/kernel",
    "root/sys/devices/system/clocksource/clocksource0",
    "root/sys/class/dmi/id",
    "root/sys/hypervisor/version",
    "root/sys/devices/system/cpu/cpu0/cache/index0",
    "root/sys/devices/system/cpu/cpu0/topology",
    "root/sys/devices/system/cpu/vulnerabilities",
    "root/sys/devices/system/node/node0",
    "root/sys/block/vda/queue",
    "root/sys/bus/pci/devices/0000:00:03.0",
};

static char fixture[4200];

static void mkdirs(const char *rel)
{
    char path[4400];
    snprintf(path, sizeof(path), "%s/%s", fixture, rel);
    for (char *p = path + strlen(fixture) + 1; (p = strchr(p, '/')); p++) {
        *p = 0;
        mkdir(path, 0700);
        *p = '/';
    }
    mkdir(path, 0700);
}

static void put(const char *rel, const char *text)
{
    char path[4400];
    snprintf(path, sizeof(path), "%s/%s", fixture, rel);
    fuzz_write(path, text, strlen(text));
}

static void make_skeleton(void)
{
    snprintf(fixture, sizeof(fixture), "%s/fixture", fuzz_dir());
    mkdir(fixture, 0700);
    for (size_t i = 0; i < sizeof(skeleton_dirs) / sizeof(skeleton_dirs[0]); i++)
        mkdirs(skeleton_dirs[i]);
    put("root/sys/devices/system/cpu/cpu0/cache/index0/level", "1\n");
    put("root/sys/devices/system/cpu/cpu0/cache/index0/type", "Data\n");
    put("root/sys/block/vda/queue/scheduler", "[none] mq-deadline\n");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *parts[NFILES + 1], path[4400], err[512];
    size_t lens[NFILES + 1];
    int n = fuzz_split(data, size, parts, lens, NFILES + 1);
    struct probe p;

    if (!fixture[0])
        make_skeleton();
    snprintf(path, sizeof(path), "%s/cpuid.txt", fixture);
    fuzz_write(path, parts[0], lens[0]);
    for (int i = 0; i < NFILES; i++) {
        snprintf(path, sizeof(path), "%s/%s", fixture, files[i]);
        if (i + 1 < n)
            fuzz_write(path, parts[i + 1], lens[i + 1]);
        else
            unlink(path);
    }
    if (probe_fixture_open(fixture, &p, err, sizeof(err)) == 0) {
        json_t *pairing = sysinfo_detect(&p);
        json_decref(pairing);
        probe_free(&p);
    }
out:
    fuzz_parts_free(parts, n);
    return 0;
}
