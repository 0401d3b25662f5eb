/*
 * Internals of pairing detection shared by its modules: the seam between the portable part
 * (bench/: CPUID identification, signals and conclusion, topology, printing) and the facts
 * only the OS knows (platform/<os>/sysinfo_<os>.c), and small helpers over struct probe that
 * both sides use so that every read goes through the probe (and so can be recorded and
 * replayed from a fixture).
 */
#ifndef VB_SYSINFO_OS_H
#define VB_SYSINFO_OS_H

#include "sysinfo.h"

/* Fill pairing with what the OS knows: guest {os, kernel, arch}, cpu {model, count, mhz,
   flags_of_interest}, memory, clocksource, devices, kernel_cmdline, mitigations, dmi,
   sys_hypervisor. Absent facts are null or omitted. 0 or -ENOMEM. */
int sysinfo_os_collect(const struct probe *p, json_t *pairing);

/* CPUID through the probe; zeros when the source has no such leaf. */
void probe_cpuid(const struct probe *p, uint32_t leaf, uint32_t subleaf, uint32_t out[4]);
/* A small file with trailing white space removed. 0 or -errno. */
int probe_text(const struct probe *p, const char *path, char *buf, size_t len);
/* A small file as a trimmed JSON string; JSON null when it cannot be read. */
json_t *probe_jstr(const struct probe *p, const char *path);
/* Last component of a symbolic link's target ("virtio_blk" for ".../drivers/virtio_blk").
   0 or -errno. */
int probe_link_base(const struct probe *p, const char *path, char *buf, size_t len);

/* Names of a directory's entries, sorted. */
struct names {
    int n;
    char **v;
};
/* Collect the entries of a directory. 0 or -errno (out is then empty). */
int probe_names(const struct probe *p, const char *path, struct names *out);
/* Release what probe_names collected. */
void names_free(struct names *n);
/* Append a copy of name to the struct names at arg (a list callback). 0 or -ENOMEM. */
int names_add(const char *name, void *arg);
/* Sort n in natural order (virtio2 before virtio10), then call cb for each name until it
   returns non-zero. */
void names_visit(struct names *n, int (*cb)(const char *name, void *arg), void *arg);

/* CPUID leaves by (leaf, subleaf), as a fixture holds them. */
struct cpuid_leaf {
    uint32_t leaf, sub, r[4];
    size_t line; /* fixtures: the cpuid.txt line (a later line wins) */
};
struct cpuid_leaves {
    struct cpuid_leaf *v;
    size_t n, cap;
};
/* Set (or replace) one leaf. 0 or -ENOMEM. */
int cpuid_leaves_put(struct cpuid_leaves *l, uint32_t leaf, uint32_t sub, const uint32_t r[4]);
/* The leaf (leaf, subleaf) of sorted, unique leaves (as cpuid_txt_read leaves them) into
   out; 0, or -ENOENT with zeros in out. */
int cpuid_leaves_get(const struct cpuid_leaves *l, uint32_t leaf, uint32_t subleaf,
                     uint32_t out[4]);
/* Parse a cpuid.txt read from f (path names it in messages) into l, sorted by (leaf,
   subleaf), the last line of a leaf winning. 0, or -EINVAL with "PATH:LINE: reason" in err
   (also for a file without any leaf), -ENOMEM. */
int cpuid_txt_read(FILE *f, const char *path, struct cpuid_leaves *l, char *err, size_t errlen);
/* Release a probe_fixture_mem probe (probe_free calls it; nothing for other probes). */
void probe_mem_release(struct probe *p);
/* Placeholder file the recorder puts in directories it creates empty (git keeps no empty
   directory); fixture listings skip it. */
#define FIXTURE_KEEP ".keep"

/* Where the link at path (absolute) points when its target is target: target itself when
   absolute, else resolved against the link's directory, with "." and ".." removed
   lexically. 0, or -ENAMETOOLONG. */
int path_resolve(const char *path, const char *target, char *out, size_t len);

/* CPUID facts: fills cpu (vendor, family, model_id, stepping, model_cpuid, invariant_tsc,
   long_mode) and returns the hypervisor "cpuid" object (hypervisor_bit, leaves[], and
   vendor-specific decodes: kvm, hyperv, vmware, xen). NULL on ENOMEM. See detect_hv.c. */
json_t *detect_cpuid(const struct probe *p, json_t *cpu);
/* Display name of a hypervisor name ("hyperv" -> "Hyper-V"). */
const char *hv_display(const char *name);

/* From the facts in pairing (hypervisor.cpuid, clocksource, sys_hypervisor, dmi, devices,
   kernel_cmdline, cpu), add hypervisor {present, name, version, signals, disagreement,
   conclusion} and summary. 0 or -ENOMEM. See signals.c. */
int detect_conclude(json_t *pairing);

/* CPU numbers a CPU list may hold: 0 .. CPULIST_MAX - 1 (Linux's largest NR_CPUS). */
#define CPULIST_MAX 8192
/* Parse a CPU list such as "0-3,8" (ends at NUL or newline) into cpus (up to max; cpus may
   be NULL): the count, or -EINVAL when malformed, reversed or beyond CPULIST_MAX CPUs. */
int cpulist_parse(const char *s, int *cpus, int max);

/* Topology: the OS's own (topology_os), else sysfs through the probe.
   {source, packages, cores, pus, numa_nodes, caches[]}; NULL on ENOMEM. See topology.c. */
json_t *topology_collect(const struct probe *p);
/* The OS's topology for this probe, or NULL when it has none (then sysfs is read):
   Linux: hwloc from the probe's XML, or live (hwloc_live); Windows: the live machine from
   GetLogicalProcessorInformationEx (hwloc_live). Per platform (platform/<os>/). */
json_t *topology_os(const struct probe *p);
/* Export this machine's topology as hwloc XML to path (Linux). 0 or -errno (-ENOSYS). */
int topology_export_xml(const char *path);
/* One "caches" entry as Google Benchmark writes it; type 1 Data, 2 Instruction, 3 Unified,
   size in bytes, sharing = logical CPUs that share it. New object. */
json_t *topology_cache(int type, int level, long long size, int sharing);
/* The caches sorted by level, Data before Instruction before Unified; takes caches. */
json_t *topology_caches_sorted(json_t *caches);

#endif
