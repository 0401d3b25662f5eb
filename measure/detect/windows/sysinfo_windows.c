/*
 * What a Windows guest knows about its pairing, in the same keys as sysinfo_linux.c so the
 * store and the matrix treat both alike: the Windows version (RtlGetVersion, which does not
 * lie to unmanifested programs as GetVersionEx does, plus the product name and update
 * revision from the registry), the CPU (registry name and clock, CPUID flags), memory
 * (GlobalMemoryStatusEx), the timer facts (QPC frequency, the timer resolution in force from
 * NtQueryTimerResolution), DMI strings from the SMBIOS tables (GetSystemFirmwareTable), and
 * PCI devices with their drivers (SetupAPI). The CPUID hypervisor leaves, Hyper-V's version
 * leaf included, are decoded by the portable measure/detect/detect_hv.c; the topology is
 * topology_windows.c's.
 */
#include "jsonx.h"
#include "sysinfo_os.h"
#include "win_info.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>

typedef LONG(NTAPI *rtl_get_version_fn)(OSVERSIONINFOEXW *v);
typedef LONG(NTAPI *nt_query_timer_resolution_fn)(ULONG *coarsest, ULONG *finest, ULONG *current);

static FARPROC ntdll_fn(const char *name)
{
    HMODULE nt = GetModuleHandleA("ntdll.dll");
    return nt ? GetProcAddress(nt, name) : NULL;
}

/* A REG_SZ or REG_DWORD value under HKEY_LOCAL_MACHINE; 0 when read. */
static int reg_str(const char *key, const char *name, char *out, size_t len)
{
    DWORD n = (DWORD)len;
    if (RegGetValueA(HKEY_LOCAL_MACHINE, key, name, RRF_RT_REG_SZ, NULL, out, &n) != ERROR_SUCCESS)
        return -1;
    out[len - 1] = 0;
    return 0;
}

static int reg_dword(const char *key, const char *name, DWORD *v)
{
    DWORD n = sizeof(*v);
    return RegGetValueA(HKEY_LOCAL_MACHINE, key, name, RRF_RT_REG_DWORD, NULL, v, &n) ==
                   ERROR_SUCCESS
               ? 0
               : -1;
}

#define NT_KEY  "SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion"
#define CPU_KEY "HARDWARE\\DESCRIPTION\\System\\CentralProcessor\\0"

int win_version(struct win_version *v)
{
    rtl_get_version_fn fn = (rtl_get_version_fn)(void (*)(void))ntdll_fn("RtlGetVersion");
    OSVERSIONINFOEXW o;

    memset(v, 0, sizeof(*v));
    memset(&o, 0, sizeof(o));
    o.dwOSVersionInfoSize = sizeof(o);
    if (!fn || fn(&o) != 0)
        return -ENOSYS;
    v->major = o.dwMajorVersion;
    v->minor = o.dwMinorVersion;
    v->build = o.dwBuildNumber;
    v->server = o.wProductType != VER_NT_WORKSTATION;
    if (reg_dword(NT_KEY, "UBR", &v->ubr))
        v->ubr = 0;
    if (reg_str(NT_KEY, "ProductName", v->product, sizeof(v->product)))
        v->product[0] = 0;
    if (reg_str(NT_KEY, "DisplayVersion", v->display, sizeof(v->display)) &&
        reg_str(NT_KEY, "ReleaseId", v->display, sizeof(v->display)))
        v->display[0] = 0;
    /* Windows 11 and Server 2022+ still say "Windows 10" in ProductName on clients */
    if (!v->server && v->major == 10 && v->build >= 22000 &&
        strncmp(v->product, "Windows 10", 10) == 0)
        memcpy(v->product, "Windows 11", 10);
    return 0;
}

int win_timer_resolution(struct win_timer_res *r)
{
    nt_query_timer_resolution_fn fn =
        (nt_query_timer_resolution_fn)(void (*)(void))ntdll_fn("NtQueryTimerResolution");
    ULONG coarse, fine, cur;
    if (!fn || fn(&coarse, &fine, &cur) != 0)
        return -ENOSYS;
    r->coarsest_ns = (double)coarse * 100;
    r->finest_ns = (double)fine * 100;
    r->current_ns = (double)cur * 100;
    return 0;
}

json_t *win_timer_resolution_json(void)
{
    struct win_timer_res r;
    if (win_timer_resolution(&r))
        return json_null();
    return json_pack("{s:f, s:f, s:f, s:s}", "current_ns", r.current_ns, "finest_ns", r.finest_ns,
                     "coarsest_ns", r.coarsest_ns, "source", "NtQueryTimerResolution");
}

static json_t *guest_facts(void)
{
    struct win_version v;
    char rel[64], ver[64], pretty[320];
    SYSTEM_INFO si;

    GetNativeSystemInfo(&si);
    if (win_version(&v))
        return json_pack("{s:{s:s, s:n, s:n, s:s, s:n}, s:{s:s, s:n, s:n}, s:s, s:n}", "os", "id",
                         "windows", "version_id", "pretty_name", "name", "Windows", "codename",
                         "kernel", "name", "Windows NT", "release", "version", "arch", "x86_64",
                         "container");
    snprintf(rel, sizeof(rel), "%lu.%lu.%lu", (unsigned long)v.major, (unsigned long)v.minor,
             (unsigned long)v.build);
    snprintf(ver, sizeof(ver), "build %lu.%lu", (unsigned long)v.build, (unsigned long)v.ubr);
    snprintf(pretty, sizeof(pretty), "%s%s%s (%s)", v.product[0] ? v.product : "Windows",
             v.display[0] ? " " : "", v.display, ver);
    return json_pack("{s:{s:s, s:s, s:s, s:s, s:s?, s:s}, s:{s:s, s:s, s:s}, s:s, s:n}", "os", "id",
                     "windows", "version_id", rel, "pretty_name", pretty, "name",
                     v.product[0] ? v.product : "Windows", "codename",
                     v.display[0] ? v.display : NULL, "edition", v.server ? "server" : "client",
                     "kernel", "name", "Windows NT", "release", rel, "version", ver, "arch",
                     si.wProcessorArchitecture == PROCESSOR_ARCHITECTURE_AMD64   ? "x86_64"
                     : si.wProcessorArchitecture == PROCESSOR_ARCHITECTURE_ARM64 ? "aarch64"
                                                                                 : "unknown",
                     "container");
}

static void cpu_facts(const struct probe *p, json_t *cpu)
{
    uint32_t l1[4], e1[4], mx[4];
    char name[256];
    DWORD mhz;
    json_t *flags = json_array();

    if (reg_str(CPU_KEY, "ProcessorNameString", name, sizeof(name)) == 0) {
        char *s = name, *e = name + strlen(name);
        while (*s == ' ')
            s++;
        while (e > s && e[-1] == ' ')
            *--e = 0;
        if (*s)
            json_object_set_new(cpu, "model", json_string(s));
    }
    if (reg_dword(CPU_KEY, "~MHz", &mhz) == 0 && mhz > 0)
        json_object_set_new(cpu, "mhz", json_real(mhz));
    json_object_set_new(cpu, "count", json_integer(GetActiveProcessorCount(ALL_PROCESSOR_GROUPS)));
    probe_cpuid(p, 1, 0, l1);
    probe_cpuid(p, 0x80000000u, 0, mx);
    memset(e1, 0, sizeof(e1));
    if (mx[0] >= 0x80000001u)
        probe_cpuid(p, 0x80000001u, 0, e1);
    /* the flags Linux reports under the same names, from CPUID */
    if (l1[2] >> 31 & 1)
        json_array_append_new(flags, json_string("hypervisor"));
    if (e1[3] >> 27 & 1)
        json_array_append_new(flags, json_string("rdtscp"));
    if (l1[2] >> 24 & 1)
        json_array_append_new(flags, json_string("tsc_deadline_timer"));
    if (l1[2] >> 21 & 1)
        json_array_append_new(flags, json_string("x2apic"));
    json_object_set_new(cpu, "flags_of_interest", flags);
}

static json_t *memory_facts(void)
{
    MEMORYSTATUSEX m;
    m.dwLength = sizeof(m);
    if (!GlobalMemoryStatusEx(&m))
        return json_pack("{s:n}", "total_bytes");
    return json_pack("{s:I}", "total_bytes", (json_int_t)m.ullTotalPhys);
}

/* Windows picks the source behind QueryPerformanceCounter itself (the invariant TSC, the
   Hyper-V reference time, HPET, ACPI PM) and does not say which: "current" stays null. */
static json_t *clock_facts(void)
{
    LARGE_INTEGER f;
    json_t *c = json_pack("{s:n, s:[], s:s}", "current", "available", "note",
                          "Windows chooses the QueryPerformanceCounter source itself and does "
                          "not name it");
    if (c && QueryPerformanceFrequency(&f))
        json_object_set_new(c, "qpc_hz", json_integer(f.QuadPart));
    if (c)
        json_object_set_new(c, "timer_resolution", win_timer_resolution_json());
    return c;
}

int sysinfo_os_collect(const struct probe *p, json_t *pairing)
{
    json_t *cpu = jx_obj(pairing, "cpu");

    if (!cpu)
        return -ENOMEM;
    json_object_set_new(pairing, "guest", guest_facts());
    cpu_facts(p, cpu);
    json_object_set_new(pairing, "memory", memory_facts());
    json_object_set_new(pairing, "clocksource", clock_facts());
    json_object_set_new(pairing, "devices", win_devices());
    json_object_set_new(pairing, "kernel_cmdline", json_null());
    json_object_set_new(pairing, "mitigations", json_null());
    json_object_set_new(pairing, "dmi", win_dmi());
    json_object_set_new(pairing, "sys_hypervisor", json_null());
    return 0;
}
