/*
 * vbguest: the two things the test guest's init needs that busybox cannot do. `exit N`
 * writes N to QEMU's isa-debug-exit port (0xf4), which ends QEMU with status 2N+1, so the
 * host learns the guest's outcome without parsing the console. `cpuid` prints the raw
 * hypervisor CPUID signatures (leaves 0x40000000 and 0x40000100) so the host can check
 * the guest half of the pairing independently of viobench's own detection.
 *
 * Built statically by scripts/guest-image into the initramfs; not part of `make`.
 */
#include "x86.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>

#define DEBUG_EXIT_PORT 0xf4

/* Print "LEAF MAXLEAF SIGNATURE" for one hypervisor leaf (signature in EBX:ECX:EDX,
   non-printable bytes as '.'). */
static void print_leaf(uint32_t leaf)
{
    struct cpuid_regs r = x86_cpuid(leaf, 0);
    char sig[13];

    memcpy(sig, &r.ebx, 4);
    memcpy(sig + 4, &r.ecx, 4);
    memcpy(sig + 8, &r.edx, 4);
    for (int i = 0; i < 12; i++)
        if (sig[i] < 0x20 || sig[i] > 0x7e)
            sig[i] = '.';
    sig[12] = 0;
    printf("0x%08x max=0x%08x signature=%s\n", leaf, r.eax, sig);
}

static int cmd_cpuid(void)
{
    struct cpuid_regs r = x86_cpuid(1, 0);

    printf("hypervisor_bit=%u\n", (r.ecx >> 31) & 1);
    print_leaf(0x40000000);
    print_leaf(0x40000100);
    return 0;
}

static int cmd_exit(const char *arg)
{
    char *end;
    long code = strtol(arg, &end, 10);

    if (*arg == 0 || *end || code < 0 || code > 127) {
        fprintf(stderr, "vbguest: exit: '%s' is not a status 0-127\n", arg);
        return 2;
    }
    if (ioperm(DEBUG_EXIT_PORT, 4, 1)) {
        perror("vbguest: exit: ioperm(0xf4)");
        return 1;
    }
    outb((unsigned char)code, DEBUG_EXIT_PORT);
    /* Only reached without an isa-debug-exit device. */
    fprintf(stderr, "vbguest: exit: no isa-debug-exit device at 0xf4\n");
    return 1;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "cpuid") == 0)
        return cmd_cpuid();
    if (argc == 3 && strcmp(argv[1], "exit") == 0)
        return cmd_exit(argv[2]);
    fprintf(stderr, "usage: vbguest cpuid | vbguest exit STATUS (0-127)\n");
    return 2;
}
