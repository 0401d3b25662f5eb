/*
 * What CPUID says about the hypervisor and the CPU, decoded from the raw leaves.
 *
 * Leaf 1 ECX bit 31 is the hypervisor-present bit. Hypervisors answer leaf 0x40000000 with
 * their highest leaf in EAX and a 12-byte signature in EBX:ECX:EDX; a hypervisor that also
 * offers another one's interface (KVM or Xen offering Hyper-V enlightenments) puts that
 * interface at 0x40000000 and its own signature 0x100 higher, so every base from
 * 0x40000000 to 0x40000F00 is scanned and the layering is reported as seen. Vendor leaves
 * are decoded where they carry versions and features: Hyper-V 0x40000001-0x40000006
 * (Microsoft's Hypervisor Top Level Functional Specification), KVM's feature leaf, VMware's
 * 0x40000010 frequencies, Xen's version leaf. Bit names follow the specifications' names.
 */
#include "sysinfo_os.h"

#include <stdio.h>
#include <string.h>

#define HV_BASE  0x40000000u
#define HV_BASES 16 /* 0x40000000 .. 0x40000F00 */

static const struct {
    const char sig[13];
    const char *name;
} signatures[] = {
    {"KVMKVMKVM\0\0\0", "kvm"},     {"Linux KVM Hv", "kvm"},       {"Microsoft Hv", "hyperv"},
    {"VMwareVMware", "vmware"},     {"XenVMMXenVMM", "xen"},       {"TCGTCGTCGTCG", "tcg"},
    {"bhyve bhyve ", "bhyve"},      {"BHyVE BHyVE ", "bhyve"},     {"ACRNACRNACRN", "acrn"},
    {"VBoxVBoxVBox", "virtualbox"}, {" lrpepyh  vr", "parallels"}, {"QNXQVMBSQG\0\0", "qnx"},
};

static const struct {
    const char *name, *display;
} displays[] = {
    {"kvm", "KVM"},
    {"hyperv", "Hyper-V"},
    {"vmware", "VMware"},
    {"xen", "Xen"},
    {"tcg", "QEMU TCG"},
    {"bhyve", "bhyve"},
    {"acrn", "ACRN"},
    {"virtualbox", "VirtualBox"},
    {"parallels", "Parallels"},
    {"qnx", "QNX Hypervisor"},
    {"none", "none"},
    {"unknown", "unknown"},
};

const char *hv_display(const char *name)
{
    for (size_t i = 0; i < sizeof(displays) / sizeof(displays[0]); i++)
        if (strcmp(displays[i].name, name) == 0)
            return displays[i].display;
    return name;
}

/* Names of set bits; names[i] NULL means reserved (reported as "bitN"). */
static json_t *bit_names(uint32_t v, const char *const *names, int nnames, int offset)
{
    json_t *a = json_array();
    char tmp[16];

    for (int i = 0; i < 32; i++) {
        if (!(v & (1u << i)))
            continue;
        if (i < nnames && names[i]) {
            json_array_append_new(a, json_string(names[i]));
        } else {
            snprintf(tmp, sizeof(tmp), "bit%d", i + offset);
            json_array_append_new(a, json_string(tmp));
        }
    }
    return a;
}

static json_t *hex(uint32_t v)
{
    char b[16];
    snprintf(b, sizeof(b), "0x%08x", v);
    return json_string(b);
}

/* The 12-byte signature as seen: printable bytes kept, NUL as \0, others as \xNN. */
static void sig_printable(const char sig[12], char *out, size_t len)
{
    size_t o = 0;
    for (int i = 0; i < 12 && o + 5 < len; i++) {
        unsigned char c = (unsigned char)sig[i];
        if (c >= 0x20 && c < 0x7f)
            out[o++] = (char)c;
        else
            o += (size_t)snprintf(out + o, len - o, c ? "\\x%02x" : "\\0", c);
    }
    out[o] = 0;
}

static int sig_plausible(const char sig[12])
{
    int nonzero = 0;
    for (int i = 0; i < 12; i++) {
        unsigned char c = (unsigned char)sig[i];
        if (c && (c < 0x20 || c >= 0x7f))
            return 0;
        nonzero |= c != 0;
    }
    return nonzero;
}

/* CPUID of a hypervisor leaf, also kept in raw (hex registers by leaf) when not all zero. */
static void hvq(const struct probe *p, json_t *raw, uint32_t leaf, uint32_t r[4])
{
    char b[16];
    probe_cpuid(p, leaf, 0, r);
    snprintf(b, sizeof(b), "0x%08x", leaf);
    if (r[0] || r[1] || r[2] || r[3])
        json_object_set_new(raw, b,
                            json_pack("[o,o,o,o]", hex(r[0]), hex(r[1]), hex(r[2]), hex(r[3])));
}

static const char *sig_vendor(const char sig[12])
{
    for (size_t i = 0; i < sizeof(signatures) / sizeof(signatures[0]); i++)
        if (memcmp(sig, signatures[i].sig, 12) == 0)
            return signatures[i].name;
    return "unknown";
}

/* KVM: feature bits of base+1 EAX (Linux's KVM_FEATURE_* numbering) and hints in EDX. */
static json_t *decode_kvm(const struct probe *p, json_t *raw, uint32_t base, uint32_t max)
{
    static const char *const feat[25] = {"clocksource",
                                         "nop_io_delay",
                                         "mmu_op",
                                         "clocksource2",
                                         "async_pf",
                                         "steal_time",
                                         "pv_eoi",
                                         "pv_unhalt",
                                         NULL,
                                         "pv_tlb_flush",
                                         "async_pf_vmexit",
                                         "pv_send_ipi",
                                         "poll_control",
                                         "pv_sched_yield",
                                         "async_pf_int",
                                         "msi_ext_dest_id",
                                         "hc_map_gpa_range",
                                         "migration_control",
                                         NULL,
                                         NULL,
                                         NULL,
                                         NULL,
                                         NULL,
                                         NULL,
                                         "clocksource_stable_bit"};
    static const char *const hints[1] = {"realtime"};
    uint32_t r[4];
    char b[16];

    snprintf(b, sizeof(b), "0x%08x", base);
    if (max != 0 && max < base + 1)
        return json_pack("{s:s}", "base", b);
    hvq(p, raw, base + 1, r);
    return json_pack("{s:s, s:o, s:o, s:o}", "base", b, "features", bit_names(r[0], feat, 25, 0),
                     "features_raw", hex(r[0]), "hints", bit_names(r[3], hints, 1, 0));
}

/* Hyper-V leaves per the TLFS; o gets the decoded fields. Returns the version string. */
static void decode_hyperv(const struct probe *p, json_t *raw, uint32_t base, uint32_t max,
                          json_t *o, char *version, size_t vlen)
{
    static const char *const priv_lo[15] = {
        "AccessVpRunTimeReg",    "AccessPartitionReferenceCounter",
        "AccessSynicRegs",       "AccessSyntheticTimerRegs",
        "AccessIntrCtrlRegs",    "AccessHypercallMsrs",
        "AccessVpIndex",         "AccessResetReg",
        "AccessStatsReg",        "AccessPartitionReferenceTsc",
        "AccessGuestIdleReg",    "AccessFrequencyRegs",
        "AccessDebugRegs",       "AccessReenlightenmentControls",
        "AccessRootSchedulerReg"};
    static const char *const priv_hi[22] = {"CreatePartitions",
                                            "AccessPartitionId",
                                            "AccessMemoryPool",
                                            "AdjustMessageBuffers",
                                            "PostMessages",
                                            "SignalEvents",
                                            "CreatePort",
                                            "ConnectPort",
                                            "AccessStats",
                                            NULL,
                                            NULL,
                                            "Debugging",
                                            "CpuManagement",
                                            "ConfigureProfiler",
                                            "AccessVpExitTracing",
                                            "EnableExtendedGvaRangesForFlushVirtualAddressList",
                                            "AccessVsm",
                                            "AccessVpRegisters",
                                            NULL,
                                            NULL,
                                            "EnableExtendedHypercalls",
                                            "StartVirtualProcessor"};
    static const char *const features[20] = {"MwaitAvailable(deprecated)",
                                             "GuestDebuggingAvailable",
                                             "PerformanceMonitorsAvailable",
                                             "CpuDynamicPartitioningAvailable",
                                             "XmmRegistersForFastHypercallAvailable",
                                             "GuestIdleAvailable",
                                             "HypervisorSleepStateSupportAvailable",
                                             "NumaDistanceQueryAvailable",
                                             "FrequencyRegsAvailable",
                                             "SyntheticMachineCheckAvailable",
                                             "GuestCrashRegsAvailable",
                                             "DebugRegsAvailable",
                                             "Npiep1Available",
                                             "DisableHypervisorAvailable",
                                             "ExtendedGvaRangesForFlushVirtualAddressListAvailable",
                                             "FastHypercallOutputAvailable",
                                             NULL,
                                             "SintPollingModeAvailable",
                                             "HypercallMsrLockAvailable",
                                             "DirectSyntheticTimers"};
    static const char *const recs[19] = {"UseHypercallForAddressSpaceSwitch",
                                         "UseHypercallForLocalFlush",
                                         "UseHypercallForRemoteFlushAndLocalFlushEntire",
                                         "UseApicMsrs",
                                         "UseHvRegisterForReset",
                                         "UseRelaxedTiming",
                                         "UseDmaRemapping",
                                         "UseInterruptRemapping",
                                         "UseX2ApicMsrs",
                                         "DeprecateAutoEoi",
                                         "UseSyntheticClusterIpi",
                                         "UseExProcessorMasks",
                                         "Nested",
                                         "UseIntForMbecSystemCalls",
                                         "UseVmcsEnlightenments",
                                         "UseSyncedTimeline",
                                         NULL,
                                         "UseDirectLocalFlushEntire",
                                         "NoNonArchitecturalCoreSharing"};
    static const char *const hw[10] = {"ApicOverlayAssistInUse",
                                       "MsrBitmapsInUse",
                                       "ArchitecturalPerformanceCountersInUse",
                                       "SecondLevelAddressTranslationInUse",
                                       "DmaRemappingInUse",
                                       "InterruptRemappingInUse",
                                       "MemoryPatrolScrubberPresent",
                                       "DmaProtectionInUse",
                                       "HpetRequested",
                                       "SyntheticTimersVolatile"};
    uint32_t r[4];
    char iface[5];

    hvq(p, raw, base + 1, r);
    memcpy(iface, &r[0], 4);
    iface[4] = 0;
    for (int i = 0; i < 4; i++)
        if ((unsigned char)iface[i] < 0x20 || (unsigned char)iface[i] >= 0x7f)
            iface[i] = '?';
    json_object_set_new(o, "interface", json_string(iface));
    if (memcmp(&r[0], "Hv#1", 4) != 0)
        return;
    if (max >= base + 2) {
        hvq(p, raw, base + 2, r);
        json_object_set_new(o, "build", json_integer(r[0]));
        json_object_set_new(o, "major", json_integer(r[1] >> 16));
        json_object_set_new(o, "minor", json_integer(r[1] & 0xffff));
        json_object_set_new(o, "service_pack", json_integer(r[2]));
        json_object_set_new(o, "service_branch", json_integer(r[3] >> 24));
        json_object_set_new(o, "service_number", json_integer(r[3] & 0xffffff));
        if (r[0] || r[1])
            snprintf(version, vlen, "%u.%u (build %u)", r[1] >> 16, r[1] & 0xffff, r[0]);
    }
    if (max >= base + 3) {
        hvq(p, raw, base + 3, r);
        json_t *priv = bit_names(r[0], priv_lo, 15, 0);
        json_t *hi = bit_names(r[1], priv_hi, 22, 32);
        json_array_extend(priv, hi);
        json_decref(hi);
        json_object_set_new(o, "privileges", priv);
        json_object_set_new(o, "features", bit_names(r[3], features, 20, 0));
        json_object_set_new(o, "max_power_state", json_integer(r[2] & 0xf));
        /* Only the root partition (the Hyper-V host's own OS) may create partitions. */
        json_object_set_new(o, "root_partition", json_boolean(r[1] & 1));
    }
    if (max >= base + 4) {
        hvq(p, raw, base + 4, r);
        json_object_set_new(o, "recommendations", bit_names(r[0], recs, 19, 0));
        json_object_set_new(o, "spinlock_retries",
                            r[1] == 0xffffffffu ? json_null() : json_integer(r[1]));
    }
    if (max >= base + 5) {
        hvq(p, raw, base + 5, r);
        /* 0xffffffff (Xen's viridian leaves) means no limit: null, not 4294967295 */
        json_object_set_new(o, "max_vps", r[0] == 0xffffffffu ? json_null() : json_integer(r[0]));
        json_object_set_new(o, "max_lps", r[1] == 0xffffffffu ? json_null() : json_integer(r[1]));
    }
    if (max >= base + 6) {
        hvq(p, raw, base + 6, r);
        json_object_set_new(o, "hardware_features", bit_names(r[0], hw, 10, 0));
    }
}

static void cpu_facts(const struct probe *p, json_t *cpu, int *hv_bit)
{
    uint32_t r[4], maxext, maxbasic;
    char vendor[13], brand[49];
    unsigned fam, model;

    probe_cpuid(p, 0, 0, r);
    maxbasic = r[0];
    memcpy(vendor, &r[1], 4);
    memcpy(vendor + 4, &r[3], 4);
    memcpy(vendor + 8, &r[2], 4);
    vendor[12] = 0;
    if (sig_plausible(vendor))
        json_object_set_new(cpu, "vendor", json_string(vendor));
    probe_cpuid(p, 1, 0, r);
    fam = (r[0] >> 8) & 0xf;
    model = (r[0] >> 4) & 0xf;
    if (fam == 0xf || fam == 6)
        model |= ((r[0] >> 16) & 0xf) << 4;
    if (fam == 0xf)
        fam += (r[0] >> 20) & 0xff;
    *hv_bit = (r[2] >> 31) & 1;
    if (r[0]) {
        json_object_set_new(cpu, "family", json_integer(fam));
        json_object_set_new(cpu, "model_id", json_integer(model));
        json_object_set_new(cpu, "stepping", json_integer(r[0] & 0xf));
    }
    if (maxbasic >= 0x16 && maxbasic < 0x100) {
        probe_cpuid(p, 0x16, 0, r);
        if (r[0])
            json_object_set_new(cpu, "base_mhz_cpuid", json_integer(r[0] & 0xffff));
    }
    probe_cpuid(p, 0x80000000, 0, r);
    maxext = r[0];
    if (maxext >= 0x80000001 && maxext < 0x80000100) {
        probe_cpuid(p, 0x80000001, 0, r);
        json_object_set_new(cpu, "long_mode", json_boolean((r[3] >> 29) & 1));
        json_object_set_new(cpu, "rdtscp_cpuid", json_boolean((r[3] >> 27) & 1));
    }
    if (maxext >= 0x80000004 && maxext < 0x80000100) {
        char *s = brand, *e;
        for (uint32_t l = 0; l < 3; l++) {
            probe_cpuid(p, 0x80000002 + l, 0, r);
            memcpy(brand + 16 * l, r, 16);
        }
        brand[48] = 0;
        while (*s == ' ')
            s++;
        e = s + strlen(s);
        while (e > s && e[-1] == ' ')
            *--e = 0;
        for (char *c = s; *c; c++)
            if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f)
                *c = '?';
        if (*s)
            json_object_set_new(cpu, "model_cpuid", json_string(s));
    }
    if (maxext >= 0x80000007 && maxext < 0x80000100) {
        probe_cpuid(p, 0x80000007, 0, r);
        json_object_set_new(cpu, "invariant_tsc", json_boolean((r[3] >> 8) & 1));
    }
}

json_t *detect_cpuid(const struct probe *p, json_t *cpu)
{
    json_t *o = json_object(), *leaves = json_array(), *raw = json_object();
    int hv_bit = 0;

    if (!o || !leaves || !raw) {
        json_decref(o);
        json_decref(leaves);
        json_decref(raw);
        return NULL;
    }
    cpu_facts(p, cpu, &hv_bit);
    json_object_set_new(o, "hypervisor_bit", json_boolean(hv_bit));
    for (int k = 0; k < HV_BASES; k++) {
        uint32_t base = HV_BASE + 0x100u * (uint32_t)k, r[4], max;
        char sig[12], shown[64], b[16];
        const char *vendor;
        json_t *leaf;

        if (k > 0 && !hv_bit)
            break; /* without the bit, only 0x40000000 is looked at (and must look sane) */
        hvq(p, raw, base, r);
        memcpy(sig, &r[1], 4);
        memcpy(sig + 4, &r[2], 4);
        memcpy(sig + 8, &r[3], 4);
        max = r[0];
        snprintf(b, sizeof(b), "0x%08x", base);
        if (!sig_plausible(sig) || (max != 0 && (max < base || max > base + 0xff)) ||
            (!hv_bit && max == 0))
            continue;
        vendor = sig_vendor(sig);
        sig_printable(sig, shown, sizeof(shown));
        leaf = json_pack("{s:s, s:o, s:s, s:s}", "base", b, "max_leaf", hex(max), "signature",
                         shown, "vendor", vendor);
        json_array_append_new(leaves, leaf);
        if (strcmp(vendor, "kvm") == 0 && memcmp(sig, "KVMKVMKVM", 9) == 0 &&
            !json_object_get(o, "kvm"))
            json_object_set_new(o, "kvm", decode_kvm(p, raw, base, max));
        /* KVM's own Hyper-V emulation signs "Linux KVM Hv" and offers the same interface */
        if ((strcmp(vendor, "hyperv") == 0 || memcmp(sig, "Linux KVM Hv", 12) == 0) &&
            !json_object_get(o, "hyperv")) {
            json_t *h = json_pack("{s:s}", "base", b);
            char version[64] = "";
            decode_hyperv(p, raw, base, max, h, version, sizeof(version));
            if (version[0])
                json_object_set_new(h, "version", json_string(version));
            json_object_set_new(o, "hyperv", h);
        }
        if (strcmp(vendor, "vmware") == 0 && max >= base + 0x10 && !json_object_get(o, "vmware")) {
            hvq(p, raw, base + 0x10, r);
            json_object_set_new(
                o, "vmware",
                json_pack("{s:I, s:I}", "tsc_khz", (json_int_t)r[0], "bus_khz", (json_int_t)r[1]));
        }
        if (strcmp(vendor, "xen") == 0 && max >= base + 1 && !json_object_get(o, "xen")) {
            char v[32];
            hvq(p, raw, base + 1, r);
            snprintf(v, sizeof(v), "%u.%u", r[0] >> 16, r[0] & 0xffff);
            json_object_set_new(o, "xen", json_pack("{s:s, s:s}", "base", b, "version", v));
        }
    }
    json_object_set_new(o, "leaves", leaves);
    json_object_set_new(o, "raw", raw);
    return o;
}
