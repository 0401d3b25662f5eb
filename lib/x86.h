/*
 * x86 instructions the measurement core and the VM-exit kernels execute directly: CPUID,
 * RDTSC, RDTSCP and fences. Inline so that a measured loop contains nothing else; GCC-style
 * inline assembly, which both gcc and mingw-w64 accept.
 */
#ifndef VB_X86_H
#define VB_X86_H

#include <stdint.h>

struct cpuid_regs {
    uint32_t eax, ebx, ecx, edx;
};

/* Execute CPUID for (leaf, subleaf); always exits to the hypervisor inside a VM. */
static inline struct cpuid_regs x86_cpuid(uint32_t leaf, uint32_t subleaf)
{
    struct cpuid_regs r;
    __asm__ __volatile__("cpuid"
                         : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
                         : "a"(leaf), "c"(subleaf)
                         : "memory");
    return r;
}

/* Read the TSC without ordering (cheapest). */
static inline uint64_t x86_rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

/* Read the TSC and the TSC_AUX (CPU id on Linux) with RDTSCP. */
static inline uint64_t x86_rdtscp(uint32_t *aux)
{
    uint32_t lo, hi, c;
    __asm__ __volatile__("rdtscp" : "=a"(lo), "=d"(hi), "=c"(c));
    if (aux)
        *aux = c;
    return ((uint64_t)hi << 32) | lo;
}

/* Start of a timed region: earlier instructions finish before the TSC is read. */
static inline uint64_t x86_tsc_begin(void)
{
    uint32_t lo, hi;
    __asm__ __volatile__("lfence\n\trdtsc" : "=a"(lo), "=d"(hi)::"memory");
    return ((uint64_t)hi << 32) | lo;
}

/* End of a timed region: the TSC is read after the region, later code waits for it.
   LFENCE around RDTSC rather than RDTSCP, which some hypervisors do not offer. */
static inline uint64_t x86_tsc_end(void)
{
    uint32_t lo, hi;
    __asm__ __volatile__("lfence\n\trdtsc\n\tlfence" : "=a"(lo), "=d"(hi)::"memory");
    return ((uint64_t)hi << 32) | lo;
}

#endif
