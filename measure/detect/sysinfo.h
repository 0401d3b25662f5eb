/*
 * Host/guest pairing detection: what hypervisor this guest runs on (and its version), what
 * the guest is, and the environment a result depends on (clocksource, CPU, memory,
 * topology, devices, kernel command line, mitigations). `viobench sysinfo` prints it and
 * every run stores it as context.json "pairing".
 *
 * Detection reads the machine only through a probe (CPUID, files, directory listings,
 * symlinks), so tests feed it recorded fixtures (tests/fixtures/detect/<name>/) instead of a
 * live hypervisor. Every signal is reported as seen, with the conclusion drawn from them; a
 * disagreement between signals is shown, never hidden.
 */
#ifndef VB_SYSINFO_H
#define VB_SYSINFO_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct probe {
    /* CPUID (leaf, subleaf) into out[0..3] = eax, ebx, ecx, edx. 0, or -ENOENT when the
       source has no such leaf (callers then see zeros). */
    int (*cpuid)(void *ctx, uint32_t leaf, uint32_t subleaf, uint32_t out[4]);
    /* Read a whole small file ("/proc/cpuinfo") into buf, NUL-terminated. 0 or -errno. */
    int (*read)(void *ctx, const char *path, char *buf, size_t len);
    /* Call cb for each entry of a directory (not "." or ".."), sorted by name; stops early
       when cb returns non-zero. 0 or -errno. */
    int (*list)(void *ctx, const char *path, int (*cb)(const char *name, void *arg), void *arg);
    /* Target of a symbolic link (e.g. ".../driver"). 0 or -errno. */
    int (*readlink)(void *ctx, const char *path, char *buf, size_t len);
    /* hwloc XML to load instead of the live topology, or NULL. */
    const char *topology_xml;
    /* Non-zero: with no topology_xml, discover this machine's topology (live probes only:
       hwloc on Linux, the Windows API on Windows). Zero: with no topology_xml, derive the
       topology from sysfs through read/list. */
    int hwloc_live;
    void *ctx;
};

/* The live machine. */
const struct probe *probe_live(void);
/* A recorded machine: dir/cpuid.txt (lines "leaf subleaf eax ebx ecx edx", hex), files and
   symlinks under dir/root/, optional dir/topology.xml. 0 or -errno. Free with probe_free. */
int probe_fixture(const char *dir, struct probe *p);
/* probe_fixture with a one-line reason (naming the file and line at fault) in err. */
int probe_fixture_open(const char *dir, struct probe *p, char *err, size_t errlen);
/* One file of a fixture held in memory: its path in the fixture ("cpuid.txt",
   "root/proc/cpuinfo"; ending in '/': an empty directory) and its len bytes at data, or with
   link set, data is the symbolic link's target. */
struct probe_file {
    const char *path;
    const char *data;
    size_t len;
    int link;
};
/* probe_fixture_open over n files in memory instead of a directory (the fuzz harness): the
   same cpuid.txt parser and the same answers for reads (bounded by the caller's buffer),
   sorted listings and links; a link is followed by reads only when relative (-EXDEV when
   absolute, as the directory probe refuses it). No topology.xml. The files are not copied
   and must outlive the probe. 0 or -errno with a one-line reason in err. */
int probe_fixture_mem(const struct probe_file *files, size_t n, struct probe *p, char *err,
                      size_t errlen);
/* Release what probe_fixture allocated. */
void probe_free(struct probe *p);
/* Record the live machine as a fixture in dir (created; must be absent or empty): cpuid.txt
   with every leaf detection reads, root/ with every file, listing and link it reads,
   topology.xml from hwloc, pairing.json with the detection result. 0 or -errno with a
   one-line reason in err. */
int probe_record(const char *dir, char *err, size_t errlen);

/* Detect the pairing through p; a new JSON object (see docs/ARCHITECTURE.md for its keys),
   or NULL on ENOMEM. Never fails for missing files: absent facts are null or omitted. */
json_t *sysinfo_detect(const struct probe *p);
/* Print the pairing for people: one line per fact, signals and conclusion first. */
void sysinfo_print(FILE *f, const json_t *pairing);

/* The libraries this binary runs with and their versions ("hwloc API 2.9.0, jansson 2.14"),
   per platform (measure/detect/<os>/). */
void detect_runtime_libs(char *buf, size_t len);

#endif
