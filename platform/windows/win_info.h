/*
 * Windows facts more than one Windows file needs (sysinfo, the timer kernels): the Windows
 * version, the timer resolution in force, and the hardware the guest sees (SMBIOS strings,
 * PCI and VMBus devices with their drivers). Private to the Windows build.
 */
#ifndef VB_WIN_INFO_H
#define VB_WIN_INFO_H

#include <jansson.h>

struct win_version {
    unsigned long major, minor, build, ubr; /* 10.0.20348.1487 */
    int server;                             /* a Server edition */
    char product[128];                      /* "Windows Server 2022 Datacenter" */
    char display[32];                       /* "21H2", "" when unknown */
};
/* RtlGetVersion plus the product name and update revision (registry). 0 or -ENOSYS. */
int win_version(struct win_version *v);

/* The system timer resolution, in ns (NtQueryTimerResolution's 100 ns units scaled):
   the coarsest and finest it can be set to, and the one in force now. */
struct win_timer_res {
    double coarsest_ns, finest_ns, current_ns;
};
/* 0 or -ENOSYS. */
int win_timer_resolution(struct win_timer_res *r);
/* The same as {current_ns, finest_ns, coarsest_ns, source}, or JSON null. */
json_t *win_timer_resolution_json(void);

/* DMI strings from the SMBIOS tables, in Linux's /sys/class/dmi/id names; JSON null when
   the firmware table cannot be read. */
json_t *win_dmi(void);
/* Devices in the keys sysinfo_linux.c uses: {virtio[], vmbus[], xen[], pci[], block[],
   net[], vsock}, from SetupAPI's PCI and VMBus enumerators. */
json_t *win_devices(void);

#endif
