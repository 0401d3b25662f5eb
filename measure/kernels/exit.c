/*
 * exit/...: the cost of leaving the guest. CPUID always traps to the hypervisor on VMX and
 * SVM, so it is the purest round trip guest -> hypervisor -> guest; VMCALL/VMMCALL is the
 * hypercall instruction (KVM answers user mode with an error code, other hypervisors may
 * raise #UD); an OUT to port 0x80 is a port-I/O exit that the VMM usually handles in user
 * space. A plain system call is the no-exit baseline. Modelled on kvm-unit-tests' vmexit.
 */
#include "kernel.h"
#include "modules.h"
#include "platform.h"
#include "x86.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

struct leaf {
    uint32_t leaf, subleaf;
};

static int cpuid_batch(void *state, uint64_t n)
{
    const struct leaf *l = state;
    uint32_t sink = 0;
    for (uint64_t i = 0; i < n; i++)
        sink += x86_cpuid(l->leaf, l->subleaf).eax;
    __asm__ __volatile__("" ::"r"(sink));
    return 0;
}

static json_t *cpuid_describe(void *state)
{
    const struct leaf *l = state;
    return json_pack("{s:I, s:b}", "leaf", (json_int_t)l->leaf, "hypervisor_bit",
                     (int)((x86_cpuid(1, 0).ecx >> 31) & 1));
}

/* VMCALL on Intel, VMMCALL on AMD and Hygon. */
static int cpu_is_amd(void)
{
    struct cpuid_regs r = x86_cpuid(0, 0);
    char v[13];
    memcpy(v, &r.ebx, 4);
    memcpy(v + 4, &r.edx, 4);
    memcpy(v + 8, &r.ecx, 4);
    v[12] = 0;
    return strcmp(v, "AuthenticAMD") == 0 || strcmp(v, "HygonGenuine") == 0;
}

static const char *hypercall_insn(void)
{
    return cpu_is_amd() ? "vmmcall" : "vmcall";
}

/* Hypercall number 0 (none is defined there); KVM returns -KVM_ENOSYS/-KVM_EPERM in rax. */
static inline uint64_t do_hypercall(int amd)
{
    uint64_t rax = 0;
    if (amd)
        __asm__ __volatile__("vmmcall" : "+a"(rax)::"rbx", "rcx", "rdx", "rsi", "memory");
    else
        __asm__ __volatile__("vmcall" : "+a"(rax)::"rbx", "rcx", "rdx", "rsi", "memory");
    return rax;
}

struct hc_state {
    int amd;
    uint64_t rax;
};

static struct hc_state hc;

static void hypercall_once(void *arg)
{
    struct hc_state *s = arg;
    s->rax = do_hypercall(s->amd);
}

static int hypercall_valid(const struct vb_kernel *k, const struct vb_opts *o, char *why,
                           size_t len)
{
    char fault[128];
    int ret;
    (void)k;
    (void)o;
    hc.amd = cpu_is_amd();
    ret = pf_try(hypercall_once, &hc, fault, sizeof(fault));
    if (ret == 0)
        return 0;
    if (ret > 0)
        snprintf(why, len, "%s from user mode faulted: %s (the hypervisor refuses it)",
                 hypercall_insn(), fault);
    else
        snprintf(why, len, "cannot probe %s: %s", hypercall_insn(), strerror(-ret));
    return 1;
}

static int hypercall_setup(const struct vb_kernel *k, const struct vb_opts *o, void **state,
                           char *why, size_t len)
{
    /* valid() ran the probe; run it again so a state is never used unprobed. */
    if (hypercall_valid(k, o, why, len))
        return 1;
    *state = &hc;
    return 0;
}

static int hypercall_batch(void *state, uint64_t n)
{
    struct hc_state *s = state;
    uint64_t sink = 0;
    for (uint64_t i = 0; i < n; i++)
        sink += do_hypercall(s->amd);
    s->rax = sink / (n ? n : 1);
    return 0;
}

static json_t *hypercall_describe(void *state)
{
    struct hc_state *s = state;
    return json_pack("{s:s, s:I, s:s}", "instruction", hypercall_insn(), "returned_rax",
                     (json_int_t)s->rax, "note",
                     "user-mode hypercall returned (KVM answers CPL>0 with an error code)");
}

static void outb_once(void *arg)
{
    (void)arg;
    __asm__ __volatile__("outb %%al, $0x80" ::"a"(0) : "memory");
}

static int pio_valid(const struct vb_kernel *k, const struct vb_opts *o, char *why, size_t len)
{
    char fault[128];
    int ret;
    (void)k;
    (void)o;
    ret = pf_ioperm(0x80);
    if (ret) {
        snprintf(why, len, "port I/O permission refused: ioperm: %s%s", strerror(-ret),
                 ret != -EPERM  ? ""
                 : pf_is_root() ? " (needs CAP_SYS_RAWIO)"
                                : " (needs root)");
        return 1;
    }
    ret = pf_try(outb_once, NULL, fault, sizeof(fault));
    if (ret) {
        snprintf(why, len, "OUT to port 0x80 faulted: %s", ret > 0 ? fault : strerror(-ret));
        return 1;
    }
    return 0;
}

static int pio_batch(void *state, uint64_t n)
{
    (void)state;
    for (uint64_t i = 0; i < n; i++)
        __asm__ __volatile__("outb %%al, $0x80" ::"a"(0) : "memory");
    return 0;
}

static int syscall_batch(void *state, uint64_t n)
{
    long sink = 0;
    (void)state;
    for (uint64_t i = 0; i < n; i++)
        sink += pf_null_syscall();
    __asm__ __volatile__("" ::"r"(sink));
    return 0;
}

static json_t *syscall_describe(void *state)
{
    (void)state;
    return json_pack("{s:s}", "syscall", pf_null_syscall_name());
}

static const struct leaf leaves[] = {{0, 0}, {1, 0}, {0x40000000u, 0}};

#define CPUID_ROW(nm, i)                                                                        \
    {                                                                                           \
        .name = "exit/cpuid/leaf:" nm, .category = "exit",                                      \
        .suites = VB_SUITE_QUICK | VB_SUITE_FULL, .help = "one CPUID (leaf " nm ") round trip", \
        .batch = cpuid_batch, .describe = cpuid_describe, .arg = &leaves[i],                    \
    }

static const struct vb_kernel rows[] = {
    CPUID_ROW("0x0", 0),
    CPUID_ROW("0x1", 1),
    CPUID_ROW("0x40000000", 2),
    {
        .name = "exit/vmcall",
        .category = "exit",
        .suites = VB_SUITE_QUICK | VB_SUITE_FULL,
        .help = "one VMCALL (Intel) or VMMCALL (AMD) hypercall from user mode",
        .valid = hypercall_valid,
        .setup = hypercall_setup,
        .batch = hypercall_batch,
        .describe = hypercall_describe,
    },
    {
        .name = "exit/pio/port:0x80",
        .category = "exit",
        .suites = VB_SUITE_QUICK | VB_SUITE_FULL,
        .help = "one OUT to I/O port 0x80 (port-I/O exit)",
        .valid = pio_valid,
        .batch = pio_batch,
    },
    {
        .name = "exit/syscall",
        .category = "exit",
        .suites = VB_SUITE_QUICK | VB_SUITE_FULL,
        .help = "one cheap system call (no VM exit): the baseline",
        .batch = syscall_batch,
        .describe = syscall_describe,
    },
};

const struct vb_kernel *exit_kernels(size_t *n)
{
    *n = sizeof(rows) / sizeof(rows[0]);
    return rows;
}
