/*
 * The pairing for people (`viobench sysinfo` without --json): the hypervisor and the
 * conclusion first, then every signal with whether it fits the conclusion (a disagreement
 * gets its own line, so it cannot be missed), then the guest, CPU, memory, clocksource,
 * topology, vendor CPUID decodes, devices, DMI, kernel command line and mitigations.
 * Reads only the JSON, so it prints a replayed fixture exactly like the live machine.
 */
#include "jsonx.h"
#include "sysinfo.h"
#include "units.h"

#include <string.h>

#define W 17 /* width of the label column */

static const char *str(const json_t *o, const char *key)
{
    return jx_str(o, key, "-");
}

/* "Label  text" with the text wrapped at word boundaries under the value column. */
static void print_wrapped(FILE *f, const char *label, const char *text)
{
    int col = W;
    fprintf(f, "%-*s", W, label);
    while (*text) {
        int n = (int)strcspn(text, " ");
        if (col > W && col + 1 + n > 100) {
            fprintf(f, "\n%*s", W, "");
            col = W;
        } else if (col > W) {
            fputc(' ', f);
            col++;
        }
        fprintf(f, "%.*s", n, text);
        col += n;
        text += n;
        text += strspn(text, " ");
    }
    fputc('\n', f);
}

/* Space-separated strings of an array, wrapped under the value column. */
static void print_words(FILE *f, const char *label, const json_t *arr)
{
    int col = W + 2;
    fprintf(f, "  %-*s", W - 2, label);
    if (!json_array_size(arr))
        fputs("(none)", f);
    for (size_t i = 0; i < json_array_size(arr); i++) {
        const char *w = json_string_value(json_array_get(arr, i));
        int n = w ? (int)strlen(w) : 0;
        if (!w)
            continue;
        if (col > W + 2 && col + n + 1 > 100) {
            fprintf(f, "\n%*s", W, "");
            col = W;
        } else if (i) {
            fputc(' ', f);
            col++;
        }
        fputs(w, f);
        col += n;
    }
    fputc('\n', f);
}

static void print_signals(FILE *f, const json_t *hv)
{
    const json_t *sigs = json_object_get(hv, "signals");
    const char *name = str(hv, "name");

    if (json_is_true(json_object_get(hv, "disagreement"))) {
        fprintf(f, "%-*s", W, "Disagreement");
        fprintf(f, "yes: signals disagree:");
        for (size_t i = 0; i < json_array_size(sigs); i++) {
            const json_t *s = json_array_get(sigs, i);
            if (json_is_false(json_object_get(s, "agrees")))
                fprintf(f, " %s says %s;", str(s, "source"), str(s, "says"));
        }
        fprintf(f, " the conclusion is %s\n", name);
    }
    fprintf(f, "Signals\n");
    for (size_t i = 0; i < json_array_size(sigs); i++) {
        const json_t *s = json_array_get(sigs, i);
        const json_t *a = json_object_get(s, "agrees");
        fprintf(f, "  %-11s %-27s %-9s %s\n",
                json_is_true(a)    ? "[agrees]"
                : json_is_false(a) ? "[DISAGREES]"
                                   : "[info]",
                str(s, "source"), str(s, "says"), str(s, "detail"));
    }
}

/* "2 cores, " from an integer key; nothing when absent. */
static void count(FILE *f, const json_t *o, const char *key, const char *what)
{
    const json_t *v = json_object_get(o, key);
    if (json_is_integer(v))
        fprintf(f, "%lld %s%s, ", json_integer_value(v), what,
                json_integer_value(v) == 1 ? "" : "s");
}

static void print_cpu(FILE *f, const json_t *p)
{
    const json_t *cpu = json_object_get(p, "cpu"), *t = json_object_get(p, "topology");
    const json_t *mem = json_object_get(p, "memory"), *cs = json_object_get(p, "clocksource");
    const json_t *caches = json_object_get(t, "caches");
    char buf[64];

    fprintf(f, "%-*s%s", W, "CPU", str(cpu, "model"));
    if (json_object_get(cpu, "family"))
        fprintf(f, ", family %lld model %lld stepping %lld",
                json_integer_value(json_object_get(cpu, "family")),
                json_integer_value(json_object_get(cpu, "model_id")),
                json_integer_value(json_object_get(cpu, "stepping")));
    if (json_is_integer(json_object_get(cpu, "count")))
        fprintf(f, ", %lld %s", json_integer_value(json_object_get(cpu, "count")),
                json_is_true(json_object_get(json_object_get(p, "hypervisor"), "present"))
                    ? "vCPUs"
                    : "CPUs");
    if (json_is_number(json_object_get(cpu, "mhz")))
        fprintf(f, ", %.0f MHz", jx_num(cpu, "mhz", 0));
    fputc('\n', f);
    if (json_is_string(json_object_get(cpu, "model_cpuid")) &&
        strcmp(str(cpu, "model"), str(cpu, "model_cpuid")) != 0)
        fprintf(f, "  %-*s%s\n", W - 2, "CPUID model", str(cpu, "model_cpuid"));
    print_words(f, "flags", json_object_get(cpu, "flags_of_interest"));
    if (json_is_number(json_object_get(mem, "total_bytes")))
        fprintf(f, "%-*s%s\n", W, "Memory",
                units_fmt_size(jx_num(mem, "total_bytes", 0), buf, sizeof(buf)));
    fprintf(f, "%-*s%s (available:", W, "Clocksource", str(cs, "current"));
    for (size_t i = 0; i < json_array_size(json_object_get(cs, "available")); i++)
        fprintf(f, " %s", json_string_value(json_array_get(json_object_get(cs, "available"), i)));
    fprintf(f, ")\n");
    fprintf(f, "%-*s", W, "Topology");
    count(f, t, "packages", "package");
    count(f, t, "cores", "core");
    count(f, t, "pus", "PU");
    count(f, t, "numa_nodes", "NUMA node");
    fprintf(f, "from %s\n", str(t, "source"));
    if (json_array_size(caches)) {
        fprintf(f, "  %-*s", W - 2, "caches");
        for (size_t i = 0; i < json_array_size(caches); i++) {
            const json_t *c = json_array_get(caches, i);
            const char *type = str(c, "type");
            fprintf(f, "%sL%lld%s %s (%lld PU)", i ? ", " : "",
                    json_integer_value(json_object_get(c, "level")),
                    strcmp(type, "Data") == 0          ? "d"
                    : strcmp(type, "Instruction") == 0 ? "i"
                                                       : "",
                    units_fmt_size(jx_num(c, "size", 0), buf, sizeof(buf)),
                    json_integer_value(json_object_get(c, "num_sharing")));
        }
        fputc('\n', f);
    }
}

static void print_vendor(FILE *f, const json_t *cpuid)
{
    const json_t *h = json_object_get(cpuid, "hyperv"), *k = json_object_get(cpuid, "kvm");
    const json_t *v = json_object_get(cpuid, "vmware"), *x = json_object_get(cpuid, "xen");

    fprintf(f, "%-*s", W, "CPUID leaves");
    for (size_t i = 0; i < json_array_size(json_object_get(cpuid, "leaves")); i++) {
        const json_t *l = json_array_get(json_object_get(cpuid, "leaves"), i);
        fprintf(f, "%s%s '%s' (%s, max %s)", i ? "; " : "", str(l, "base"), str(l, "signature"),
                str(l, "vendor"), str(l, "max_leaf"));
    }
    if (!json_array_size(json_object_get(cpuid, "leaves")))
        fprintf(f, "none (hypervisor bit %s)",
                json_is_true(json_object_get(cpuid, "hypervisor_bit")) ? "set" : "clear");
    fputc('\n', f);
    if (h) {
        fprintf(f, "%-*sinterface %s", W, "Hyper-V", str(h, "interface"));
        if (json_object_get(h, "build"))
            fprintf(f,
                    ", version %lld.%lld build %lld, service pack %lld, branch %lld, number %lld",
                    json_integer_value(json_object_get(h, "major")),
                    json_integer_value(json_object_get(h, "minor")),
                    json_integer_value(json_object_get(h, "build")),
                    json_integer_value(json_object_get(h, "service_pack")),
                    json_integer_value(json_object_get(h, "service_branch")),
                    json_integer_value(json_object_get(h, "service_number")));
        if (json_is_integer(json_object_get(h, "max_vps")))
            fprintf(f, ", max %lld VPs", json_integer_value(json_object_get(h, "max_vps")));
        else if (json_is_null(json_object_get(h, "max_vps")))
            fprintf(f, ", no VP limit");
        if (json_is_integer(json_object_get(h, "max_lps")))
            fprintf(f, " / %lld LPs", json_integer_value(json_object_get(h, "max_lps")));
        else if (json_is_null(json_object_get(h, "max_lps")))
            fprintf(f, ", no LP limit");
        if (json_is_true(json_object_get(h, "root_partition")))
            fprintf(f, ", ROOT PARTITION (this is the Hyper-V host)");
        fputc('\n', f);
        if (json_object_get(h, "privileges"))
            print_words(f, "privileges", json_object_get(h, "privileges"));
        if (json_object_get(h, "features"))
            print_words(f, "features", json_object_get(h, "features"));
        if (json_object_get(h, "recommendations"))
            print_words(f, "recommended", json_object_get(h, "recommendations"));
        if (json_object_get(h, "hardware_features"))
            print_words(f, "hardware", json_object_get(h, "hardware_features"));
    }
    if (k && json_object_get(k, "features")) {
        fprintf(f, "%-*sat %s\n", W, "KVM", str(k, "base"));
        print_words(f, "features", json_object_get(k, "features"));
        if (json_array_size(json_object_get(k, "hints")))
            print_words(f, "hints", json_object_get(k, "hints"));
    }
    if (v)
        fprintf(f, "%-*sTSC %lld kHz, bus %lld kHz\n", W, "VMware",
                json_integer_value(json_object_get(v, "tsc_khz")),
                json_integer_value(json_object_get(v, "bus_khz")));
    if (x)
        fprintf(f, "%-*sversion %s (CPUID %s)\n", W, "Xen", str(x, "version"), str(x, "base"));
}

static void print_devices(FILE *f, const json_t *d)
{
    const json_t *a;
    char buf[64];

    fprintf(f, "Devices\n");
    a = json_object_get(d, "virtio");
    for (size_t i = 0; i < json_array_size(a); i++) {
        const json_t *e = json_array_get(a, i);
        fprintf(f, "  %-*s%-10s %-8s %-28s %s%s%s\n", W - 2, "virtio", str(e, "name"),
                str(e, "type"), str(e, "driver"), str(e, "transport"),
                json_object_get(e, "node") ? " -> " : "", jx_str(e, "node", ""));
    }
    a = json_object_get(d, "vmbus");
    for (size_t i = 0; i < json_array_size(a); i++) {
        const json_t *e = json_array_get(a, i);
        fprintf(f, "  %-*s%-38s %-14s %s\n", W - 2, "vmbus", str(e, "name"), str(e, "type"),
                str(e, "driver"));
    }
    a = json_object_get(d, "xen");
    for (size_t i = 0; i < json_array_size(a); i++) {
        const json_t *e = json_array_get(a, i);
        fprintf(f, "  %-*s%-12s %-8s %s\n", W - 2, "xen", str(e, "name"), str(e, "type"),
                str(e, "driver"));
    }
    a = json_object_get(d, "block");
    for (size_t i = 0; i < json_array_size(a); i++) {
        const json_t *e = json_array_get(a, i);
        fprintf(f, "  %-*s%-10s %-12s", W - 2, "block", str(e, "name"), str(e, "driver"));
        if (json_object_get(e, "adapter"))
            fprintf(f, " via %s", str(e, "adapter"));
        if (json_object_get(e, "model"))
            fprintf(f, " '%s'", str(e, "model"));
        if (json_object_get(e, "size_bytes"))
            fprintf(f, " %s", units_fmt_size(jx_num(e, "size_bytes", 0), buf, sizeof(buf)));
        if (json_object_get(e, "scheduler"))
            fprintf(f, " scheduler %s", str(e, "scheduler"));
        fputc('\n', f);
    }
    a = json_object_get(d, "net");
    for (size_t i = 0; i < json_array_size(a); i++) {
        const json_t *e = json_array_get(a, i);
        fprintf(f, "  %-*s%-10s %-12s mtu %lld\n", W - 2, "net", str(e, "name"), str(e, "driver"),
                json_integer_value(json_object_get(e, "mtu")));
    }
    fprintf(f, "  %-*s%s", W - 2, "vsock",
            json_is_true(json_object_get(d, "vsock")) ? "yes" : "no");
    a = json_object_get(d, "vsock_transports");
    for (size_t i = 0; i < json_array_size(a); i++)
        fprintf(f, "%s%s", i ? ", " : " (", json_string_value(json_array_get(a, i)));
    fprintf(f, "%s\n", json_array_size(a) ? ")" : "");
}

/* An object of strings, one "key value" line each; "(none)" for null. */
static void print_strings(FILE *f, const char *label, const json_t *o)
{
    const char *k;
    json_t *v;
    int width = 0;

    if (!json_is_object(o) || !json_object_size(o)) {
        fprintf(f, "%-*s(none)\n", W, label);
        return;
    }
    json_object_foreach((json_t *)o, k, v)
    {
        if ((int)strlen(k) > width)
            width = (int)strlen(k);
    }
    fprintf(f, "%s\n", label);
    json_object_foreach((json_t *)o, k, v)
    {
        const char *t = json_is_string(v) ? json_string_value(v) : "-";
        fprintf(f, "  %-*s %s\n", width, k, *t ? t : "(empty)");
    }
}

void sysinfo_print(FILE *f, const json_t *p)
{
    const json_t *sum = json_object_get(p, "summary"), *hv = json_object_get(p, "hypervisor");
    const json_t *g = json_object_get(p, "guest");
    const json_t *k = json_object_get(g, "kernel");

    fprintf(f, "%-*s%s\n", W, "Hypervisor", str(sum, "hypervisor"));
    print_wrapped(f, "Conclusion", str(sum, "conclusion"));
    if (json_is_string(json_object_get(hv, "confidence")))
        fprintf(f, "%-*s%s\n", W, "Confidence", str(hv, "confidence"));
    print_signals(f, hv);
    fprintf(f, "%-*s%s (%s)\n", W, "Guest", str(sum, "guest"), str(g, "arch"));
    if (json_is_string(json_object_get(g, "container")))
        fprintf(f, "  %-*s%s (this process runs in a container on that kernel)\n", W - 2,
                "container", str(g, "container"));
    fprintf(f, "  %-*s%s\n", W - 2, "kernel build", str(k, "version"));
    print_cpu(f, p);
    print_vendor(f, json_object_get(hv, "cpuid"));
    print_devices(f, json_object_get(p, "devices"));
    print_strings(f, "DMI", json_object_get(p, "dmi"));
    print_strings(f, "/sys/hypervisor", json_object_get(p, "sys_hypervisor"));
    print_wrapped(f, "Kernel cmdline", str(p, "kernel_cmdline"));
    print_strings(f, "Mitigations", json_object_get(p, "mitigations"));
}
