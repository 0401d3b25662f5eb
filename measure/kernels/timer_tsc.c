/*
 * timer/read/rdtsc and timer/read/rdtscp: the cost of reading the TSC directly. Cheap
 * unless the hypervisor traps RDTSC (TSC scaling off, migration, some nested setups), in
 * which case it becomes a VM exit and shows up here first.
 */
#include "kernel.h"
#include "modules.h"
#include "platform.h"
#include "x86.h"

#include <stdio.h>

static int tsc_batch(void *state, uint64_t n)
{
    uint64_t sink = 0;
    (void)state;
    for (uint64_t i = 0; i < n; i++)
        sink += x86_rdtsc();
    __asm__ __volatile__("" ::"r"(sink));
    return 0;
}

static int tscp_batch(void *state, uint64_t n)
{
    uint64_t sink = 0;
    (void)state;
    for (uint64_t i = 0; i < n; i++)
        sink += x86_rdtscp(0);
    __asm__ __volatile__("" ::"r"(sink));
    return 0;
}

static int rdtscp_advertised(void)
{
    struct cpuid_regs r = x86_cpuid(0x80000000u, 0);
    return r.eax >= 0x80000001u && ((x86_cpuid(0x80000001u, 0).edx >> 27) & 1);
}

static void rdtscp_once(void *arg)
{
    *(uint64_t *)arg = x86_rdtscp(0);
}

/* Some hypervisors execute RDTSCP without advertising it: try it rather than trust CPUID. */
static int tscp_valid(const struct vb_kernel *k, const struct vb_opts *o, char *why, size_t len)
{
    char fault[128];
    uint64_t v;
    int ret = pf_try(rdtscp_once, &v, fault, sizeof(fault));
    (void)k;
    (void)o;
    if (ret == 0)
        return 0;
    snprintf(why, len, "RDTSCP %s (CPUID 0x80000001 EDX[27] %s)", ret > 0 ? fault : "untestable",
             rdtscp_advertised() ? "set" : "clear");
    return 1;
}

static json_t *tscp_describe(void *state)
{
    (void)state;
    return json_pack("{s:b}", "cpuid_advertises_rdtscp", rdtscp_advertised());
}

static const struct vb_kernel rows[] = {
    {
        .name = "timer/read/rdtsc",
        .category = "timer",
        .suites = VB_SUITE_QUICK | VB_SUITE_FULL,
        .help = "one RDTSC instruction",
        .batch = tsc_batch,
    },
    {
        .name = "timer/read/rdtscp",
        .category = "timer",
        .suites = VB_SUITE_QUICK | VB_SUITE_FULL,
        .help = "one RDTSCP instruction",
        .valid = tscp_valid,
        .batch = tscp_batch,
        .describe = tscp_describe,
    },
};

const struct vb_kernel *timer_tsc_kernels(size_t *n)
{
    *n = sizeof(rows) / sizeof(rows[0]);
    return rows;
}
