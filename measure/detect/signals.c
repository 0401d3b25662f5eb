/*
 * From facts to a conclusion: which hypervisor the guest runs on, and how sure we are.
 *
 * Each independent source of evidence becomes one signal {source, says, detail, agrees}:
 * the CPUID hypervisor bit, every CPUID signature leaf, the clocksource, /sys/hypervisor,
 * DMI strings, the devices and their drivers, kernel command line hints. Each signal is
 * consistent with a set of hypervisors (virtio devices fit KVM, TCG, bhyve and ACRN; a
 * "Microsoft Hv" leaf at 0x40000000 fits Hyper-V and anyone offering Hyper-V
 * enlightenments) and carries a weight; the hypervisor with the most weight behind it is
 * the conclusion. Every signal is reported as seen, and a weighted signal that does not fit
 * the conclusion sets "disagreement": a disagreement is shown, never resolved silently.
 * Works on the JSON facts only, so it is portable and tested on fixtures.
 */
#include "jsonx.h"
#include "sysinfo_os.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum { KVM, HYPERV, VMWARE, XEN, TCG, BHYVE, ACRN, VBOX, PARALLELS, QNX, NONE, NNAMES };
static const char *const names[NNAMES] = {"kvm",  "hyperv",     "vmware",    "xen", "tcg", "bhyve",
                                          "acrn", "virtualbox", "parallels", "qnx", "none"};
#define M(x)   (1u << (x))
#define ANY_HV (M(NONE) - 1)
/* What virtio devices fit: the VMMs that offer virtio (QEMU with KVM or TCG, Firecracker,
   cloud-hypervisor, bhyve, ACRN, QNX). */
#define VIRTIO_FAMILY (M(KVM) | M(TCG) | M(BHYVE) | M(ACRN) | M(QNX))

struct sig {
    char source[48];
    char says[24]; /* a hypervisor name, "virtual", "virtio", "qemu", or "" (nothing) */
    char detail[320];
    char tag[200];   /* short phrase for the conclusion sentence */
    unsigned compat; /* hypervisors this signal fits; 0: says nothing specific */
    int weight;
    int primary; /* the hypervisor it points to first, or -1 */
};

struct sigs {
    struct sig v[48];
    int n;
};

static int name_index(const char *name)
{
    for (int i = 0; i < NNAMES; i++)
        if (strcmp(names[i], name) == 0)
            return i;
    return -1;
}

static struct sig *add(struct sigs *s, const char *source, const char *says, unsigned compat,
                       int weight, int primary)
{
    struct sig *g;
    if (s->n >= (int)(sizeof(s->v) / sizeof(s->v[0])))
        return NULL;
    g = &s->v[s->n++];
    memset(g, 0, sizeof(*g));
    snprintf(g->source, sizeof(g->source), "%s", source);
    snprintf(g->says, sizeof(g->says), "%s", says);
    g->compat = compat;
    g->weight = weight;
    g->primary = primary;
    return g;
}

/* Append ", item" (or "item" when empty) to a fixed buffer. */
static void list_add(char *buf, size_t len, const char *item)
{
    size_t n = strlen(buf);
    if (strstr(buf, item))
        return; /* already listed */
    snprintf(buf + n, len - n, "%s%s", n ? ", " : "", item);
}

static void cpuid_signals(const json_t *pairing, struct sigs *s)
{
    const json_t *cpuid = json_object_get(json_object_get(pairing, "hypervisor"), "cpuid");
    const json_t *leaves = json_object_get(cpuid, "leaves");
    const json_t *hv = json_object_get(cpuid, "hyperv");
    size_t nleaves = json_array_size(leaves);
    struct sig *g;

    if (!cpuid)
        return;
    if (json_is_true(json_object_get(cpuid, "hypervisor_bit"))) {
        g = add(s, "cpuid leaf 1", "virtual", ANY_HV, 1, -1);
        if (g) {
            snprintf(g->detail, sizeof(g->detail), "hypervisor-present bit (ECX bit 31) set");
            /* no tag: it fits every hypervisor, so it adds nothing to the sentence */
        }
    } else {
        g = add(s, "cpuid leaf 1", "none", M(NONE), 2, NONE);
        if (g) {
            snprintf(g->detail, sizeof(g->detail), "hypervisor-present bit (ECX bit 31) clear");
            snprintf(g->tag, sizeof(g->tag), "CPUID hypervisor bit clear");
        }
    }
    for (size_t i = 0; i < nleaves; i++) {
        const json_t *l = json_array_get(leaves, i);
        const char *base = jx_str(l, "base", "?"), *vendor = jx_str(l, "vendor", "unknown");
        const char *sig = jx_str(l, "signature", "");
        int idx = name_index(vendor);
        char src[48];

        snprintf(src, sizeof(src), "cpuid %s", base);
        if (idx < 0) {
            g = add(s, src, "unknown", ANY_HV, 1, -1);
        } else if (idx == HYPERV && strcmp(base, "0x40000000") == 0) {
            /* The Hyper-V interface: Hyper-V itself, or KVM, Xen or VirtualBox offering
               Hyper-V enlightenments (their own signature then follows 0x100 higher). */
            g = add(s, src, vendor, M(HYPERV) | M(KVM) | M(XEN) | M(VBOX), 3, HYPERV);
        } else {
            g = add(s, src, vendor, M(idx), 3, idx);
        }
        if (!g)
            return;
        snprintf(g->detail, sizeof(g->detail), "signature '%s', max leaf %s", sig,
                 jx_str(l, "max_leaf", "?"));
        if (idx == HYPERV && hv) {
            size_t n = strlen(g->detail);
            snprintf(g->detail + n, sizeof(g->detail) - n, ", interface %s%s%s",
                     jx_str(hv, "interface", "?"),
                     json_object_get(hv, "version") ? ", version " : "", jx_str(hv, "version", ""));
            if (nleaves > 1) {
                n = strlen(g->detail);
                snprintf(g->detail + n, sizeof(g->detail) - n,
                         " (Hyper-V enlightenments; another hypervisor's signature follows)");
            }
        }
        snprintf(g->tag, sizeof(g->tag), "CPUID '%s' at %s", sig, base);
    }
    if (json_is_true(json_object_get(cpuid, "hypervisor_bit")) && nleaves == 0) {
        g = add(s, "cpuid 0x40000000", "", 0, 0, -1);
        if (g)
            snprintf(g->detail, sizeof(g->detail), "no hypervisor signature (leaf empty)");
    }
}

static void clocksource_signal(const json_t *pairing, struct sigs *s)
{
    static const struct {
        const char *cs;
        int who;
        const char *what;
    } pv[] = {{"kvm-clock", KVM, "KVM pvclock"},
              {"hyperv_clocksource_tsc_page", HYPERV, "Hyper-V reference TSC page"},
              {"hyperv_clocksource_msr", HYPERV, "Hyper-V reference counter MSR"},
              /* (QEMU/KVM offers both Hyper-V clocks too, with hv-time: see pv_compat) */
              {"xen", XEN, "Xen pvclock"},
              {"vmware-tsc", VMWARE, "VMware"}};
    /* Hyper-V's reference clocks are also what QEMU/KVM offers a guest with the hv-time
       enlightenment, so they fit KVM as well (and point to Hyper-V first). */
#define pv_compat(who) ((who) == HYPERV ? M(HYPERV) | M(KVM) : M(who))
    const json_t *cs = json_object_get(pairing, "clocksource");
    const char *cur = jx_str(cs, "current", NULL);
    const json_t *avail = json_object_get(cs, "available");
    struct sig *g;

    if (!cur)
        return;
    for (size_t i = 0; i < sizeof(pv) / sizeof(pv[0]); i++)
        if (strcmp(cur, pv[i].cs) == 0) {
            if ((g = add(s, "clocksource", names[pv[i].who], pv_compat(pv[i].who), 3, pv[i].who))) {
                snprintf(g->detail, sizeof(g->detail), "current %s (%s)", cur, pv[i].what);
                snprintf(g->tag, sizeof(g->tag), "clocksource %s", cur);
            }
            return;
        }
    /* A plain current clocksource: a paravirtual one still offered is evidence too. */
    for (size_t k = 0; k < json_array_size(avail); k++) {
        const char *a = json_string_value(json_array_get(avail, k));
        for (size_t i = 0; a && i < sizeof(pv) / sizeof(pv[0]); i++)
            if (strcmp(a, pv[i].cs) == 0) {
                if ((g = add(s, "clocksource", names[pv[i].who], pv_compat(pv[i].who), 2,
                             pv[i].who))) {
                    snprintf(g->detail, sizeof(g->detail), "current %s; %s (%s) available", cur, a,
                             pv[i].what);
                    snprintf(g->tag, sizeof(g->tag), "%s available", a);
                }
                return;
            }
    }
    if ((g = add(s, "clocksource", "", 0, 0, -1)))
        snprintf(g->detail, sizeof(g->detail), "current %s (not hypervisor-specific)", cur);
}

static void sys_hypervisor_signal(const json_t *pairing, struct sigs *s)
{
    const char *type = jx_str(json_object_get(pairing, "sys_hypervisor"), "type", NULL);
    struct sig *g;
    int idx;

    if (!type)
        return;
    idx = name_index(type);
    g = idx >= 0 ? add(s, "/sys/hypervisor/type", type, M(idx), 3, idx)
                 : add(s, "/sys/hypervisor/type", "unknown", ANY_HV, 1, -1);
    if (g) {
        snprintf(g->detail, sizeof(g->detail), "%s", type);
        snprintf(g->tag, sizeof(g->tag), "/sys/hypervisor type %s", type);
    }
}

static int has(const char *hay, const char *needle)
{
    return hay && strcasestr(hay, needle) != NULL;
}

static void dmi_signal(const json_t *pairing, struct sigs *s)
{
    const json_t *dmi = json_object_get(pairing, "dmi");
    const char *ven = jx_str(dmi, "sys_vendor", ""), *prod = jx_str(dmi, "product_name", "");
    const char *bios = jx_str(dmi, "bios_vendor", ""), *what = NULL, *says = "";
    unsigned compat = 0;
    int primary = -1, weight = 2;
    struct sig *g;

    if (!json_is_object(dmi)) {
        if ((g = add(s, "dmi", "", 0, 0, -1)))
            snprintf(g->detail, sizeof(g->detail),
                     "no DMI tables (/sys/class/dmi/id absent; microVMs such as Firecracker "
                     "have none)");
        return;
    }
    if (has(ven, "VMware") || has(prod, "VMware")) {
        primary = VMWARE;
    } else if (has(ven, "Microsoft Corporation") && has(prod, "Virtual Machine")) {
        primary = HYPERV;
    } else if (has(ven, "QEMU") || has(prod, "QEMU") || has(prod, "Standard PC (")) {
        says = "qemu";
        compat = M(KVM) | M(TCG);
        primary = KVM;
        what = "QEMU (with KVM or TCG)";
    } else if (has(ven, "Xen") || has(prod, "HVM domU")) {
        primary = XEN;
    } else if (has(ven, "innotek") || has(prod, "VirtualBox")) {
        primary = VBOX;
    } else if (has(ven, "Parallels") || has(prod, "Parallels")) {
        primary = PARALLELS;
    } else if (has(prod, "BHYVE") || has(bios, "BHYVE")) {
        primary = BHYVE;
    } else if (has(ven, "Amazon EC2") || has(ven, "Google") || has(prod, "Google Compute") ||
               has(ven, "Cloud Hypervisor") || has(prod, "KubeVirt") || has(prod, "OpenStack") ||
               has(prod, "Nutanix AHV")) {
        primary = KVM;
        weight = 1;
        what = "a KVM-based cloud or VMM";
    }
    if (primary >= 0 && !compat) {
        compat = M(primary);
        says = names[primary];
    }
    if ((g = add(s, "dmi", says, compat, compat ? weight : 0, primary))) {
        snprintf(g->detail, sizeof(g->detail), "sys_vendor '%s', product_name '%s'%s%s%s", ven,
                 prod, what ? ": " : "", what ? what : "",
                 compat ? "" : " (not a known virtual platform)");
        snprintf(g->tag, sizeof(g->tag), "DMI '%s %s'", ven, prod);
    }
}

/* Device evidence per hypervisor family: buses, drivers and PCI vendor IDs. */
static void device_signals(const json_t *pairing, struct sigs *s)
{
    static const struct {
        const char *driver;
        int who;
    } drivers[] = {{"hv_storvsc", HYPERV},    {"hv_netvsc", HYPERV},  {"hv_vmbus", HYPERV},
                   {"hyperv_fb", HYPERV},     {"hv_balloon", HYPERV}, {"vmxnet3", VMWARE},
                   {"vmw_pvscsi", VMWARE},    {"vmwgfx", VMWARE},     {"vmw_balloon", VMWARE},
                   {"vmw_vmci", VMWARE},      {"vbd", XEN},           {"vif", XEN},
                   {"xen-platform-pci", XEN}, {"vboxguest", VBOX},    {"vboxvideo", VBOX}};
    static const struct {
        const char *vendor;
        int who;
        const char *what;
    } vendors[] = {{"0x15ad", VMWARE, "PCI vendor 15ad (VMware)"},
                   {"0x5853", XEN, "PCI vendor 5853 (XenSource)"},
                   {"0x1414", HYPERV, "PCI vendor 1414 (Microsoft)"},
                   {"0x80ee", VBOX, "PCI vendor 80ee (VirtualBox)"},
                   {"0x1ab8", PARALLELS, "PCI vendor 1ab8 (Parallels)"}};
    const json_t *dev = json_object_get(pairing, "devices");
    const json_t *virtio = json_object_get(dev, "virtio"), *vmbus = json_object_get(dev, "vmbus");
    const json_t *xen = json_object_get(dev, "xen"), *pci = json_object_get(dev, "pci");
    static const char *const lists[] = {"block", "net", "pci", "vmbus", "xen"};
    char found[NNAMES][256];
    struct sig *g;

    memset(found, 0, sizeof(found));
    if (json_array_size(vmbus)) {
        char t[64];
        snprintf(t, sizeof(t), "VMBus (%zu devices)", json_array_size(vmbus));
        list_add(found[HYPERV], sizeof(found[HYPERV]), t);
    }
    if (json_array_size(xen)) {
        char t[64];
        snprintf(t, sizeof(t), "Xen bus (%zu devices)", json_array_size(xen));
        list_add(found[XEN], sizeof(found[XEN]), t);
    }
    for (size_t l = 0; l < sizeof(lists) / sizeof(lists[0]); l++) {
        const json_t *a = json_object_get(dev, lists[l]);
        for (size_t i = 0; i < json_array_size(a); i++) {
            const json_t *d = json_array_get(a, i);
            const char *drv[2] = {jx_str(d, "driver", NULL), jx_str(d, "adapter", NULL)};
            for (int k = 0; k < 2; k++)
                for (size_t j = 0; drv[k] && j < sizeof(drivers) / sizeof(drivers[0]); j++)
                    if (strcmp(drv[k], drivers[j].driver) == 0)
                        list_add(found[drivers[j].who], sizeof(found[0]), drv[k]);
        }
    }
    for (size_t i = 0; i < json_array_size(pci); i++) {
        const char *v = jx_str(json_array_get(pci, i), "vendor", "");
        for (size_t j = 0; j < sizeof(vendors) / sizeof(vendors[0]); j++)
            if (strcmp(v, vendors[j].vendor) == 0)
                list_add(found[vendors[j].who], sizeof(found[0]), vendors[j].what);
    }
    for (int h = 0; h < NNAMES; h++) {
        if (!found[h][0])
            continue;
        if ((g = add(s, "devices", names[h], M(h), 2, h))) {
            snprintf(g->detail, sizeof(g->detail), "%.250s", found[h]);
            snprintf(g->tag, sizeof(g->tag), "%s devices (%.150s)", hv_display(names[h]), found[h]);
        }
    }
    if (json_array_size(virtio)) {
        char drv[256] = "", transport[64] = "";
        for (size_t i = 0; i < json_array_size(virtio); i++) {
            const json_t *d = json_array_get(virtio, i);
            list_add(drv, sizeof(drv), jx_str(d, "driver", jx_str(d, "type", "?")));
            list_add(transport, sizeof(transport), jx_str(d, "transport", "?"));
        }
        if ((g = add(s, "devices", "virtio", VIRTIO_FAMILY, 1, -1))) {
            snprintf(g->detail, sizeof(g->detail), "%zu virtio devices over %s (%s)",
                     json_array_size(virtio), transport, drv);
            snprintf(g->tag, sizeof(g->tag), "virtio devices");
        }
    }
}

/* Kernel command line words that only make sense in a guest of one hypervisor family (not
   host-side options such as kvm.ignore_msrs, which a bare-metal KVM host may carry). */
static void cmdline_signals(const json_t *pairing, struct sigs *s)
{
    static const struct {
        const char *word; /* matched at the start of a word, or after "--" */
        int who;
        const char *what;
    } hints[] = {{"firecracker", KVM, "Firecracker (a KVM VMM)"},
                 {"--firecracker", KVM, "Firecracker (a KVM VMM)"},
                 {"pvm", KVM, "PVM (a KVM-based hypervisor)"},
                 {"clocksource=kvm-clock", KVM, "kvm-clock requested"},
                 {"no-kvmclock", KVM, "KVM guest option"},
                 {"no-kvmapf", KVM, "KVM guest option"},
                 {"no-steal-acc", KVM, "KVM guest option"},
                 {"xen", XEN, "Xen"},
                 {"hv_", HYPERV, "Hyper-V driver option"},
                 {"hyperv", HYPERV, "Hyper-V"},
                 {"vmw_", VMWARE, "VMware driver option"}};
    const char *cmd = jx_str(pairing, "kernel_cmdline", NULL);
    char found[NNAMES][256], why[NNAMES][300];
    struct sig *g;

    if (!cmd)
        return;
    memset(found, 0, sizeof(found));
    memset(why, 0, sizeof(why));
    for (const char *w = cmd; *w;) {
        size_t len = strcspn(w, " \t");
        for (size_t j = 0; j < sizeof(hints) / sizeof(hints[0]); j++) {
            size_t hl = strlen(hints[j].word);
            if (len >= hl && strncasecmp(w, hints[j].word, hl) == 0) {
                char word[64], expl[128];
                snprintf(word, sizeof(word), "%.*s", (int)(len < 40 ? len : 40), w);
                snprintf(expl, sizeof(expl), "%s: %s", word, hints[j].what);
                list_add(found[hints[j].who], sizeof(found[0]), word);
                list_add(why[hints[j].who], sizeof(why[0]), expl);
                break;
            }
        }
        w += len;
        w += strspn(w, " \t");
    }
    for (int h = 0; h < NNAMES; h++) {
        if (!found[h][0])
            continue;
        if ((g = add(s, "kernel command line", names[h], M(h), 1, h))) {
            snprintf(g->detail, sizeof(g->detail), "%.300s", why[h]);
            snprintf(g->tag, sizeof(g->tag), "kernel command line (%.150s)", found[h]);
        }
    }
}

/* The kernel's CPU (from its own CPUID at boot) against user-mode CPUID now: when they
   differ, user-mode CPUID is answered by a different layer than the one the kernel sees. */
static int layer_signal(const json_t *pairing, struct sigs *s, char *note, size_t len)
{
    const json_t *cpu = json_object_get(pairing, "cpu");
    const char *k = jx_str(cpu, "model", NULL), *u = jx_str(cpu, "model_cpuid", NULL);
    struct sig *g;

    if (!k || !u || strcmp(k, u) == 0)
        return 0;
    if ((g = add(s, "cpu model: kernel vs cpuid", "", 0, 0, -1)))
        snprintf(g->detail, sizeof(g->detail), "kernel saw '%s', user-mode CPUID answers '%s'", k,
                 u);
    snprintf(note, len,
             " The kernel's CPU model ('%s') differs from what user-mode CPUID answers ('%s'): "
             "CPUID from user space may be handled by another layer than the kernel's "
             "hypervisor (nested virtualization).",
             k, u);
    return 1;
}

static int choose(const struct sigs *s)
{
    int score[NNAMES] = {0}, prim[NNAMES] = {0}, best = -1;

    for (int i = 0; i < s->n; i++) {
        for (int h = 0; h < NNAMES; h++)
            if (s->v[i].compat & M(h))
                score[h] += s->v[i].weight;
        if (s->v[i].primary >= 0)
            prim[s->v[i].primary] += s->v[i].weight;
    }
    for (int h = 0; h < NNAMES; h++) {
        if (!prim[h])
            continue; /* nothing names it: fitting everything is not evidence */
        if (best < 0 || score[h] > score[best] || (score[h] == score[best] && prim[h] > prim[best]))
            best = h;
    }
    return best;
}

int detect_conclude(json_t *pairing)
{
    json_t *hv = jx_obj(pairing, "hypervisor"), *arr, *summary;
    const json_t *cpuid = json_object_get(hv, "cpuid");
    const json_t *hyperv = json_object_get(cpuid, "hyperv");
    struct sigs *s = calloc(1, sizeof(*s));
    char agree[1024] = "", against[1024] = "", display[160], conclusion[2560], note[512] = "";
    char version[96] = "", guest[512];
    const char *name;
    int who, disagree = 0, any_virtual = 0, own_leaf = 0, enlightened = 0, hiding = 0;
    int support = 0; /* weight of the signals that name the conclusion and fit it */
    int root = 0;    /* the Hyper-V root partition: the host's own OS, not a guest */
    const char *confidence;
    const json_t *guest_os, *kernel;

    if (!hv || !s) {
        free(s);
        return -ENOMEM;
    }
    cpuid_signals(pairing, s);
    clocksource_signal(pairing, s);
    sys_hypervisor_signal(pairing, s);
    dmi_signal(pairing, s);
    device_signals(pairing, s);
    cmdline_signals(pairing, s);
    layer_signal(pairing, s, note, sizeof(note));

    who = choose(s);
    for (int i = 0; i < s->n; i++)
        any_virtual |= s->v[i].weight > 0 && !(s->v[i].compat & M(NONE));
    name = who >= 0 ? names[who] : "unknown";
    arr = json_array();
    for (int i = 0; i < s->n; i++) {
        const struct sig *g = &s->v[i];
        int fits = who >= 0 ? (g->compat & M(who)) != 0 : 0;
        json_t *o = json_pack("{s:s, s:s?, s:s, s:s}", "source", g->source, "says",
                              g->says[0] ? g->says : NULL, "detail", g->detail, "strength",
                              g->weight >= 3   ? "strong"
                              : g->weight == 2 ? "medium"
                              : g->weight == 1 ? "weak"
                                               : "none");
        if (g->weight > 0) {
            json_object_set_new(o, "agrees", json_boolean(fits));
            if (!fits && who >= 0)
                disagree = 1;
            if (g->tag[0] && fits) {
                list_add(agree, sizeof(agree), g->tag);
            } else if (g->tag[0]) {
                char t[256];
                snprintf(t, sizeof(t), "%.200s says %s", g->tag, g->says);
                list_add(against, sizeof(against), t);
            }
        } else {
            json_object_set_new(o, "agrees", json_null());
        }
        if (g->primary == who && who >= 0 && strncmp(g->source, "cpuid 0x", 8) == 0)
            own_leaf = 1;
        if (who >= 0 && g->weight > 0 && fits && g->primary >= 0)
            support += g->weight;
        json_array_append_new(arr, o);
    }
    if (who == HYPERV && hyperv)
        snprintf(version, sizeof(version), "%s", jx_str(hyperv, "version", ""));
    if (who == XEN) {
        const char *v = jx_str(json_object_get(pairing, "sys_hypervisor"), "version", NULL);
        snprintf(version, sizeof(version), "%s",
                 v ? v : jx_str(json_object_get(cpuid, "xen"), "version", ""));
    }
    enlightened = hyperv && who >= 0 && who != HYPERV && who != NONE;
    root = who == HYPERV && json_is_true(json_object_get(hyperv, "root_partition"));
    /* KVM behind Hyper-V's interface without its own signature 0x100 higher: QEMU's kvm=off
       hides it; DMI, devices or the clocksource named it instead. */
    hiding = enlightened && who == KVM && !own_leaf;
    if (hiding) {
        size_t n = strlen(note);
        snprintf(note + n, sizeof(note) - n,
                 " KVM's own CPUID signature (KVMKVMKVM at 0x40000100) is absent although QEMU's "
                 "traits are present: the hypervisor hides it (QEMU's kvm=off) and offers only "
                 "Hyper-V's interface.");
    }
    /* How sure: high when nothing disagrees and strong evidence names the hypervisor (its
       own CPUID leaf, or for bare metal the clear hypervisor bit); medium when nothing
       disagrees but the evidence is indirect (no own leaf, a hidden signature) or thin; low
       on a disagreement or when nothing names the hypervisor. */
    if (who < 0 || disagree)
        confidence = "low";
    else if (who == NONE ? support < 2 : hiding || support < 3 || !own_leaf)
        confidence = "medium";
    else
        confidence = "high";
    if (who == NONE)
        snprintf(display, sizeof(display), "none (bare metal)");
    else if (who < 0)
        snprintf(display, sizeof(display), "%s", any_virtual ? "unknown hypervisor" : name);
    else
        snprintf(display, sizeof(display), "%s%s%s%s%s",
                 hiding ? "KVM/QEMU (hiding its signature)" : hv_display(name),
                 who == KVM && !own_leaf && !hiding ? "-family" : "", version[0] ? " " : "",
                 version, enlightened ? " with Hyper-V enlightenments" : "");
    if (root) {
        size_t n = strlen(display);
        snprintf(display + n, sizeof(display) - n, " root partition (the host)");
    }
    if (who == NONE)
        snprintf(conclusion, sizeof(conclusion), "No hypervisor (bare metal): %s%s%s%s.",
                 agree[0] ? agree : "no signal of one", disagree ? "; but " : "",
                 disagree ? against : "", disagree ? ": signals disagree" : "; all signals agree");
    else if (who < 0)
        snprintf(conclusion, sizeof(conclusion), "%s: no signal names the hypervisor%s%s.", display,
                 against[0] ? " (" : "", against[0] ? against : "");
    else
        snprintf(conclusion, sizeof(conclusion), "%s%s: %s%s%s%s.%s", display,
                 root ? ", not a guest: CPUID grants the CreatePartitions privilege only to the "
                        "root partition, the Hyper-V host's own OS"
                      : " guest",
                 agree[0] ? agree : "no specific signal", disagree ? "; but " : "",
                 disagree ? against : "", disagree ? ": signals disagree" : "; all signals agree",
                 note);
    json_object_set_new(hv, "present", json_boolean(who != NONE && (who >= 0 || any_virtual)));
    json_object_set_new(hv, "name", json_string(name));
    json_object_set_new(hv, "version", version[0] ? json_string(version) : json_null());
    if (enlightened)
        json_object_set_new(hv, "enlightenments",
                            json_pack("{s:s, s:s}", "interface", "hyperv", "detail",
                                      "Hyper-V enlightenments offered at 0x40000000"));
    json_object_set_new(hv, "signals", arr);
    json_object_set_new(hv, "disagreement", json_boolean(disagree));
    json_object_set_new(hv, "confidence", json_string(confidence));
    json_object_set_new(hv, "hiding", json_boolean(hiding));
    json_object_set_new(hv, "role",
                        json_string(who == NONE ? "none"
                                    : root      ? "root partition"
                                                : "guest"));
    json_object_set_new(hv, "conclusion", json_string(conclusion));

    guest_os = json_object_get(json_object_get(pairing, "guest"), "os");
    kernel = json_object_get(json_object_get(pairing, "guest"), "kernel");
    snprintf(guest, sizeof(guest), "%s, %s %s",
             jx_str(guest_os, "pretty_name", jx_str(guest_os, "name", "unknown OS")),
             jx_str(kernel, "name", "kernel"), jx_str(kernel, "release", "?"));
    if (disagree) {
        size_t n = strlen(display);
        snprintf(display + n, sizeof(display) - n, " (signals disagree)");
    }
    summary = json_pack("{s:s, s:s, s:s}", "hypervisor", display, "guest", guest, "conclusion",
                        conclusion);
    json_object_set_new(pairing, "summary", summary);
    free(s);
    return 0;
}
