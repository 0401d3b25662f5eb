/*
 * Pairing detection: the one entry point (sysinfo_detect) that runs the OS facts collector,
 * the CPUID decoder, the topology and the conclusion over one probe, and lays the result
 * out in a stable key order (summary and hypervisor first). See sysinfo.h and
 * docs/ARCHITECTURE.md (pairing) for the keys.
 */
#include "jsonx.h"
#include "sysinfo_os.h"

#include <string.h>

json_t *sysinfo_detect(const struct probe *p)
{
    static const char *const order[] = {
        "summary",  "hypervisor", "guest",          "cpu",         "memory", "clocksource",
        "topology", "devices",    "kernel_cmdline", "mitigations", "dmi",    "sys_hypervisor"};
    json_t *pairing = json_object(), *cpu, *hv, *cpuid, *flags, *guest;

    if (!pairing)
        return NULL;
    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
        json_object_set_new(pairing, order[i], json_null());
    json_object_set_new(pairing, "cpu", json_object());
    json_object_set_new(pairing, "hypervisor",
                        json_pack("{s:n, s:n, s:n}", "present", "name", "version"));
    if (sysinfo_os_collect(p, pairing))
        goto fail;
    cpu = json_object_get(pairing, "cpu");
    hv = json_object_get(pairing, "hypervisor");
    cpuid = detect_cpuid(p, cpu);
    if (!cpuid)
        goto fail;
    json_object_set_new(hv, "cpuid", cpuid);
    /* The kernel's view first; CPUID's where the OS gave none. */
    if (!json_is_string(json_object_get(cpu, "model")) && json_object_get(cpu, "model_cpuid"))
        jx_copy(cpu, cpu, "model_cpuid", "model");
    flags = json_object_get(cpu, "flags_of_interest");
    if (!flags) {
        flags = json_array();
        json_object_set_new(cpu, "flags_of_interest", flags);
    }
    if (json_is_true(json_object_get(cpu, "invariant_tsc")))
        json_array_append_new(flags, json_string("invariant_tsc"));
    if (!json_object_get(cpu, "mhz"))
        json_object_set_new(cpu, "mhz", json_null());
    if (!json_object_get(cpu, "count"))
        json_object_set_new(cpu, "count", json_null());
    guest = json_object_get(pairing, "guest");
    if (json_is_object(guest) && !json_is_string(json_object_get(guest, "arch")))
        json_object_set_new(
            guest, "arch",
            json_object_get(cpu, "long_mode")
                ? json_string(json_is_true(json_object_get(cpu, "long_mode")) ? "x86_64" : "i686")
                : json_null());
    json_object_set_new(pairing, "topology", topology_collect(p));
    if (!json_object_get(pairing, "topology") || detect_conclude(pairing))
        goto fail;
    return pairing;
fail:
    json_decref(pairing);
    return NULL;
}
