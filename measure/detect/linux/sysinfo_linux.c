/*
 * What a Linux guest knows about its pairing, read through the probe so fixtures replay it:
 * /etc/os-release and the kernel release, the kernel's view of the CPU (/proc/cpuinfo) and
 * memory, the clocksource, devices on the virtio, VMBus, Xen and PCI buses with the drivers
 * bound to them, block and network devices, vsock, the kernel command line, CPU
 * vulnerability mitigations, DMI strings and /sys/hypervisor. Interpretation (which
 * hypervisor these facts point to) is portable and lives in measure/detect/signals.c.
 */
#include "jsonx.h"
#include "log.h"
#include "sysinfo_os.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SYS_VIRTIO "/sys/bus/virtio/devices"
#define SYS_VMBUS  "/sys/bus/vmbus/devices"
#define SYS_XEN    "/sys/bus/xen/devices"
#define SYS_PCI    "/sys/bus/pci/devices"

static void set(json_t *o, const char *key, json_t *v)
{
    json_object_set_new(o, key, v ? v : json_null());
}

/* Value of KEY=VALUE in os-release text, unquoted, into out; 0 when found. */
static int osr_value(const char *text, const char *key, char *out, size_t len)
{
    size_t kl = strlen(key);
    for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
        const char *v, *end;
        size_t n = 0;
        if (strncmp(l, key, kl) != 0 || l[kl] != '=')
            continue;
        v = l + kl + 1;
        end = strchr(v, '\n');
        if (!end)
            end = v + strlen(v);
        if (end > v && (*v == '"' || *v == '\'') && end[-1] == *v && end - v >= 2) {
            v++;
            end--;
        }
        for (; v < end && n + 1 < len; v++) {
            if (*v == '\\' && v + 1 < end)
                v++;
            out[n++] = *v;
        }
        out[n] = 0;
        return 0;
    }
    return -1;
}

static json_t *guest_facts(const struct probe *p)
{
    char text[8192], v[512];
    json_t *os = json_object(), *g;
    static const char *const keys[][2] = {{"ID", "id"},
                                          {"VERSION_ID", "version_id"},
                                          {"PRETTY_NAME", "pretty_name"},
                                          {"NAME", "name"},
                                          {"VERSION_CODENAME", "codename"}};

    if (probe_text(p, "/etc/os-release", text, sizeof(text)) &&
        probe_text(p, "/usr/lib/os-release", text, sizeof(text)))
        text[0] = 0;
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        set(os, keys[i][1], osr_value(text, keys[i][0], v, sizeof(v)) ? NULL : jx_string_lossy(v));
    g = json_object();
    json_object_set_new(g, "os", os);
    json_object_set_new(g, "kernel",
                        json_pack("{s:o, s:o, s:o}", "name",
                                  probe_jstr(p, "/proc/sys/kernel/ostype"), "release",
                                  probe_jstr(p, "/proc/sys/kernel/osrelease"), "version",
                                  probe_jstr(p, "/proc/sys/kernel/version")));
    json_object_set_new(g, "arch", probe_jstr(p, "/proc/sys/kernel/arch"));
    /* Inside a container the kernel, devices and clocksource are the host's. */
    json_object_set_new(g, "container",
                        probe_text(p, "/.dockerenv", v, sizeof(v)) == 0 ? json_string("docker")
                        : probe_text(p, "/run/.containerenv", v, sizeof(v)) == 0
                            ? json_string("podman")
                            : json_null());
    return g;
}

/* Value of "key : value" in the first processor block of /proc/cpuinfo. */
static int cpuinfo_value(const char *text, const char *key, char *out, size_t len)
{
    size_t kl = strlen(key);
    for (const char *l = text; l && *l && *l != '\n'; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
        const char *colon, *end;
        if (strncmp(l, key, kl) != 0 || (l[kl] != '\t' && l[kl] != ' ' && l[kl] != ':'))
            continue;
        colon = strchr(l, ':');
        end = strchr(l, '\n');
        if (!colon || (end && colon > end))
            continue;
        colon++;
        while (*colon == ' ')
            colon++;
        if (!end)
            end = colon + strlen(colon);
        snprintf(out, len, "%.*s", (int)(end - colon), colon);
        return 0;
    }
    return -1;
}

static int has_word(const char *list, const char *w)
{
    size_t n = strlen(w);
    for (const char *s = list; (s = strstr(s, w)) != NULL; s += n)
        if ((s == list || s[-1] == ' ') && (s[n] == ' ' || s[n] == 0))
            return 1;
    return 0;
}

static void cpu_facts(const struct probe *p, json_t *cpu)
{
    static const char *const interesting[] = {
        "hypervisor", "constant_tsc",       "nonstop_tsc", "tsc_known_freq", "tsc_reliable",
        "rdtscp",     "tsc_deadline_timer", "tsc_adjust",  "x2apic",         "arat"};
    char *text = malloc(65536), v[4096], online[1024];
    json_t *flags = json_array();
    int count = 0;

    if (text && probe_text(p, "/proc/cpuinfo", text, 65536) == 0) {
        if (cpuinfo_value(text, "model name", v, sizeof(v)) == 0)
            json_object_set_new(cpu, "model", jx_string_lossy(v));
        if (cpuinfo_value(text, "cpu MHz", v, sizeof(v)) == 0 && atof(v) > 0)
            json_object_set_new(cpu, "mhz", json_real(atof(v)));
        if (cpuinfo_value(text, "flags", v, sizeof(v)) == 0)
            for (size_t i = 0; i < sizeof(interesting) / sizeof(interesting[0]); i++)
                if (has_word(v, interesting[i]))
                    json_array_append_new(flags, json_string(interesting[i]));
        for (const char *l = text; l; l = strchr(l, '\n'), l = l ? l + 1 : NULL)
            if (strncmp(l, "processor", 9) == 0 && (l[9] == '\t' || l[9] == ' '))
                count++;
    }
    free(text);
    if (probe_text(p, "/sys/devices/system/cpu/online", online, sizeof(online)) == 0) {
        int n = cpulist_parse(online, NULL, 0);
        if (n > 0) {
            count = n;
        } else {
            vb_warn("sysinfo: /sys/devices/system/cpu/online: '%.40s' is not a CPU list of at "
                    "most %d CPUs; CPU count and topology unknown",
                    strtok(online, "\n") ? online : "", CPULIST_MAX);
            count = 0;
        }
    }
    json_object_set_new(cpu, "count", count > 0 ? json_integer(count) : json_null());
    json_object_set_new(cpu, "flags_of_interest", flags);
}

/* A count of units of unit bytes in text (kB of meminfo, sectors of a block device) as
   bytes; -1 when negative or too large for bytes (a hostile fixture): unknown, not wrapped. */
static long long bytes_of(const char *text, long long unit)
{
    long long n = strtoll(text, NULL, 10);
    return n >= 0 && n <= LLONG_MAX / unit ? n * unit : -1;
}

static json_t *memory_facts(const struct probe *p)
{
    char text[512];
    const char *s;
    long long bytes;
    if (probe_text(p, "/proc/meminfo", text, sizeof(text)) || !(s = strstr(text, "MemTotal:")) ||
        (bytes = bytes_of(s + 9, 1024)) < 0)
        return json_pack("{s:n}", "total_bytes");
    return json_pack("{s:I}", "total_bytes", (json_int_t)bytes);
}

static json_t *clocksource_facts(const struct probe *p)
{
    const char *dir = "/sys/devices/system/clocksource/clocksource0";
    char path[256], text[1024], *save = NULL;
    json_t *avail = json_array(), *c = json_object();

    snprintf(path, sizeof(path), "%s/current_clocksource", dir);
    set(c, "current", probe_jstr(p, path));
    snprintf(path, sizeof(path), "%s/available_clocksource", dir);
    if (probe_text(p, path, text, sizeof(text)) == 0)
        for (char *t = strtok_r(text, " \t\n", &save); t; t = strtok_r(NULL, " \t\n", &save))
            json_array_append_new(avail, json_string(t));
    json_object_set_new(c, "available", avail);
    return c;
}

static const char *virtio_type(unsigned id)
{
    static const struct {
        unsigned id;
        const char *name;
    } t[] = {{1, "net"},     {2, "block"},  {3, "console"}, {4, "rng"},    {5, "balloon"},
             {8, "scsi"},    {9, "9p"},     {16, "gpu"},    {18, "input"}, {19, "vsock"},
             {20, "crypto"}, {23, "iommu"}, {24, "mem"},    {25, "sound"}, {26, "fs"},
             {27, "pmem"},   {41, "gpio"}};
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        if (t[i].id == id)
            return t[i].name;
    return "other";
}

/* First entry of dir (e.g. the "vda" under a virtio device's block/), or "". */
static void first_entry(const struct probe *p, const char *dir, char *out, size_t len)
{
    struct names n;
    out[0] = 0;
    if (probe_names(p, dir, &n) == 0 && n.n > 0)
        snprintf(out, len, "%s", n.v[0]);
    names_free(&n);
}

static json_t *virtio_devices(const struct probe *p)
{
    json_t *a = json_array();
    struct names n;

    if (probe_names(p, SYS_VIRTIO, &n))
        return a;
    for (int i = 0; i < n.n; i++) {
        char path[PATH_MAX], v[256], drv[128] = "", node[128] = "", target[PATH_MAX];
        const char *transport = "unknown";
        unsigned id = 0;
        json_t *d;

        snprintf(path, sizeof(path), SYS_VIRTIO "/%s/device", n.v[i]);
        if (probe_text(p, path, v, sizeof(v)) == 0)
            id = (unsigned)strtoul(v, NULL, 16);
        snprintf(path, sizeof(path), SYS_VIRTIO "/%s/driver", n.v[i]);
        probe_link_base(p, path, drv, sizeof(drv));
        snprintf(path, sizeof(path), SYS_VIRTIO "/%s", n.v[i]);
        if (p->readlink && p->readlink(p->ctx, path, target, sizeof(target)) == 0)
            transport = strstr(target, "virtio-mmio") || strstr(target, "/platform/") ? "mmio"
                        : strstr(target, "/pci")                                      ? "pci"
                        : strstr(target, "/css")                                      ? "ccw"
                                                                                      : "unknown";
        snprintf(path, sizeof(path), SYS_VIRTIO "/%s/block", n.v[i]);
        first_entry(p, path, node, sizeof(node));
        if (!node[0]) {
            snprintf(path, sizeof(path), SYS_VIRTIO "/%s/net", n.v[i]);
            first_entry(p, path, node, sizeof(node));
        }
        d = json_pack("{s:s, s:s, s:i, s:s?, s:s}", "name", n.v[i], "type", virtio_type(id),
                      "device_id", (int)id, "driver", drv[0] ? drv : NULL, "transport", transport);
        if (node[0])
            json_object_set_new(d, "node", json_string(node));
        json_array_append_new(a, d);
    }
    names_free(&n);
    return a;
}

/* VMBus device classes (Linux's include/linux/hyperv.h GUIDs). */
static const char *vmbus_type(const char *guid)
{
    static const char *const t[][2] = {
        {"f8615163-df3e-46c5-913f-f2d2f965ed0e", "network"},
        {"ba6163d9-04a1-4d29-b605-72e2ffb1dc7f", "scsi"},
        {"32412632-86cb-44a2-9b5c-50d1417354f5", "ide"},
        {"0e0b6031-5213-4934-818b-38d90ced39db", "shutdown"},
        {"9527e630-d0ae-497b-adce-e80ab0175caf", "timesync"},
        {"57164f39-9115-4e78-ab55-382f3bd5422d", "heartbeat"},
        {"a9a0f4e7-5a45-4d96-b827-8a841e8c03e6", "kvp"},
        {"35fa2e29-ea23-4236-96ae-3a6ebacba440", "vss"},
        {"34d14be3-dee4-41c8-9ae7-6b174977c192", "fcopy"},
        {"525074dc-8985-46e2-8057-a307dc18a502", "dynamic_memory"},
        {"cfa8b69e-5b4a-4cc0-b98b-8ba1a1f3f95a", "mouse"},
        {"f912ad6d-2b17-48ea-bd65-f927a61c7684", "keyboard"},
        {"da0a7802-e377-4aac-8e77-0558eb1073f8", "framebuffer"},
        {"44c4f61d-4444-4400-9d52-802e27ede19f", "pci"},
        {"8c2eaf3d-32a7-4b09-ab99-bd1f1c86b501", "network_direct"},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        if (strcasecmp(t[i][0], guid) == 0)
            return t[i][1];
    return "other";
}

static json_t *vmbus_devices(const struct probe *p)
{
    json_t *a = json_array();
    struct names n;

    if (probe_names(p, SYS_VMBUS, &n))
        return a;
    for (int i = 0; i < n.n; i++) {
        char path[PATH_MAX], cls[128] = "", drv[128] = "", *g = cls;
        snprintf(path, sizeof(path), SYS_VMBUS "/%s/class_id", n.v[i]);
        probe_text(p, path, cls, sizeof(cls));
        if (*g == '{')
            g++;
        g[strcspn(g, "}")] = 0;
        snprintf(path, sizeof(path), SYS_VMBUS "/%s/driver", n.v[i]);
        probe_link_base(p, path, drv, sizeof(drv));
        json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s?}", "name", n.v[i], "type",
                                           vmbus_type(g), "class_id", g, "driver",
                                           drv[0] ? drv : NULL));
    }
    names_free(&n);
    return a;
}

/* Devices on a bus listed by name with their driver (Xen: vbd-51712, vif-0). */
static json_t *xen_devices(const struct probe *p)
{
    json_t *a = json_array();
    struct names n;

    if (probe_names(p, SYS_XEN, &n))
        return a;
    for (int i = 0; i < n.n; i++) {
        char path[PATH_MAX], drv[128] = "", type[64];
        snprintf(type, sizeof(type), "%.*s", (int)strcspn(n.v[i], "-"), n.v[i]);
        snprintf(path, sizeof(path), SYS_XEN "/%s/driver", n.v[i]);
        probe_link_base(p, path, drv, sizeof(drv));
        json_array_append_new(a, json_pack("{s:s, s:s, s:s?}", "name", n.v[i], "type", type,
                                           "driver", drv[0] ? drv : NULL));
    }
    names_free(&n);
    return a;
}

static json_t *pci_devices(const struct probe *p)
{
    json_t *a = json_array();
    struct names n;

    if (probe_names(p, SYS_PCI, &n))
        return a;
    for (int i = 0; i < n.n; i++) {
        char path[PATH_MAX], ven[32] = "", dev[32] = "", drv[128] = "";
        snprintf(path, sizeof(path), SYS_PCI "/%s/vendor", n.v[i]);
        probe_text(p, path, ven, sizeof(ven));
        snprintf(path, sizeof(path), SYS_PCI "/%s/device", n.v[i]);
        probe_text(p, path, dev, sizeof(dev));
        snprintf(path, sizeof(path), SYS_PCI "/%s/driver", n.v[i]);
        probe_link_base(p, path, drv, sizeof(drv));
        json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s?}", "slot", n.v[i], "vendor", ven,
                                           "device", dev, "driver", drv[0] ? drv : NULL));
    }
    names_free(&n);
    return a;
}

/* Resolved sysfs path of a class entry (/sys/block/vda -> /sys/devices/...); 0 or -errno. */
static int class_target(const struct probe *p, const char *path, char *out, size_t len)
{
    char t[PATH_MAX];
    int ret = p->readlink ? p->readlink(p->ctx, path, t, sizeof(t)) : -ENOSYS;
    return ret ? ret : path_resolve(path, t, out, len);
}

static json_t *block_devices(const struct probe *p)
{
    json_t *a = json_array();
    struct names n;

    if (probe_names(p, "/sys/block", &n))
        return a;
    for (int i = 0; i < n.n; i++) {
        char path[PATH_MAX], real[PATH_MAX], drv[128] = "", adapter[128] = "", v[256];
        char *host;
        long long bytes;
        json_t *d;

        snprintf(path, sizeof(path), "/sys/block/%s", n.v[i]);
        if (class_target(p, path, real, sizeof(real)) == 0 && strstr(real, "/virtual/"))
            continue; /* loop, zram, ram, device-mapper: not a device of the pairing */
        snprintf(path, sizeof(path), "/sys/block/%s/device/driver", n.v[i]);
        if (probe_link_base(p, path, drv, sizeof(drv))) {
            snprintf(path, sizeof(path), "/sys/block/%s/device/device/driver", n.v[i]);
            probe_link_base(p, path, drv, sizeof(drv)); /* NVMe: the controller's driver */
        }
        d = json_pack("{s:s, s:s?}", "name", n.v[i], "driver", drv[0] ? drv : NULL);
        /* SCSI disks: the driver of the host adapter (hv_storvsc, virtio_scsi, vmw_pvscsi). */
        if ((host = strstr(real, "/host")) != NULL && host[5] >= '0' && host[5] <= '9') {
            snprintf(path, sizeof(path), "%.*s/driver", (int)(host - real), real);
            if (probe_link_base(p, path, adapter, sizeof(adapter)) == 0)
                json_object_set_new(d, "adapter", json_string(adapter));
        }
        snprintf(path, sizeof(path), "/sys/block/%s/device/model", n.v[i]);
        if (probe_text(p, path, v, sizeof(v)) == 0 && v[0])
            json_object_set_new(d, "model", jx_string_lossy(v));
        snprintf(path, sizeof(path), "/sys/block/%s/size", n.v[i]);
        if (probe_text(p, path, v, sizeof(v)) == 0 && (bytes = bytes_of(v, 512)) >= 0)
            json_object_set_new(d, "size_bytes", json_integer(bytes));
        snprintf(path, sizeof(path), "/sys/block/%s/queue/scheduler", n.v[i]);
        if (probe_text(p, path, v, sizeof(v)) == 0) {
            char *o = strchr(v, '['), *c = o ? strchr(o, ']') : NULL;
            if (o && c)
                json_object_set_new(d, "scheduler", json_stringn(o + 1, (size_t)(c - o - 1)));
            else if (v[0])
                json_object_set_new(d, "scheduler", jx_string_lossy(v));
        }
        json_array_append_new(a, d);
    }
    names_free(&n);
    return a;
}

static json_t *net_devices(const struct probe *p)
{
    json_t *a = json_array();
    struct names n;

    if (probe_names(p, "/sys/class/net", &n))
        return a;
    for (int i = 0; i < n.n; i++) {
        char path[PATH_MAX], real[PATH_MAX], drv[128] = "", v[64];
        json_t *d;

        snprintf(path, sizeof(path), "/sys/class/net/%s", n.v[i]);
        if (class_target(p, path, real, sizeof(real)) == 0 && strstr(real, "/virtual/"))
            continue; /* lo, bridges, veth, tun: not a device of the pairing */
        snprintf(path, sizeof(path), "/sys/class/net/%s/device/driver", n.v[i]);
        probe_link_base(p, path, drv, sizeof(drv));
        d = json_pack("{s:s, s:s?}", "name", n.v[i], "driver", drv[0] ? drv : NULL);
        snprintf(path, sizeof(path), "/sys/class/net/%s/mtu", n.v[i]);
        if (probe_text(p, path, v, sizeof(v)) == 0)
            json_object_set_new(d, "mtu", json_integer(atoi(v)));
        json_array_append_new(a, d);
    }
    names_free(&n);
    return a;
}

static int names_has(const struct names *n, const char *name)
{
    for (int i = 0; i < n->n; i++)
        if (strcmp(n->v[i], name) == 0)
            return 1;
    return 0;
}

static json_t *device_facts(const struct probe *p)
{
    static const char *const transports[] = {"vmw_vsock_virtio_transport", "hv_sock",
                                             "vmw_vsock_vmci_transport", "vhost_vsock"};
    json_t *d = json_object(), *tr = json_array();
    struct names misc, mod;

    json_object_set_new(d, "virtio", virtio_devices(p));
    json_object_set_new(d, "vmbus", vmbus_devices(p));
    json_object_set_new(d, "xen", xen_devices(p));
    json_object_set_new(d, "pci", pci_devices(p));
    json_object_set_new(d, "block", block_devices(p));
    json_object_set_new(d, "net", net_devices(p));
    probe_names(p, "/sys/class/misc", &misc);
    json_object_set_new(d, "vsock", json_boolean(names_has(&misc, "vsock")));
    names_free(&misc);
    for (size_t i = 0; i < sizeof(transports) / sizeof(transports[0]); i++) {
        char path[PATH_MAX];
        snprintf(path, sizeof(path), "/sys/module/%s", transports[i]);
        if (probe_names(p, path, &mod) == 0) /* loaded or built in with parameters */
            json_array_append_new(tr, json_string(transports[i]));
        names_free(&mod);
    }
    json_object_set_new(d, "vsock_transports", tr);
    return d;
}

static json_t *mitigations(const struct probe *p)
{
    const char *dir = "/sys/devices/system/cpu/vulnerabilities";
    json_t *m = json_object();
    struct names n;

    if (probe_names(p, dir, &n))
        return m;
    for (int i = 0; i < n.n; i++) {
        char path[PATH_MAX];
        snprintf(path, sizeof(path), "%s/%s", dir, n.v[i]);
        json_object_set_new(m, n.v[i], probe_jstr(p, path));
    }
    names_free(&n);
    return m;
}

/* Files of dir as an object of strings (unreadable ones left out); null without dir. */
static json_t *string_files(const struct probe *p, const char *dir, const char *const *files,
                            size_t nfiles)
{
    json_t *o;
    struct names n;

    if (probe_names(p, dir, &n))
        return json_null();
    o = json_object();
    for (size_t i = 0; i < nfiles; i++) {
        char path[PATH_MAX];
        json_t *v;
        if (!names_has(&n, files[i]))
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
        v = probe_jstr(p, path);
        if (json_is_string(v))
            json_object_set_new(o, files[i], v);
        else
            json_decref(v);
    }
    names_free(&n);
    return o;
}

static json_t *sys_hypervisor(const struct probe *p)
{
    static const char *const files[] = {"type", "guest_type"};
    json_t *h = string_files(p, "/sys/hypervisor", files, 2);
    char major[32], minor[32], extra[64] = "", v[160];

    if (json_is_object(h) &&
        probe_text(p, "/sys/hypervisor/version/major", major, sizeof(major)) == 0 &&
        probe_text(p, "/sys/hypervisor/version/minor", minor, sizeof(minor)) == 0) {
        probe_text(p, "/sys/hypervisor/version/extra", extra, sizeof(extra));
        snprintf(v, sizeof(v), "%s.%s%s", major, minor, extra);
        json_object_set_new(h, "version", jx_string_lossy(v));
    }
    return h;
}

int sysinfo_os_collect(const struct probe *p, json_t *pairing)
{
    static const char *const dmi_files[] = {"sys_vendor",     "product_name",     "product_version",
                                            "product_family", "board_vendor",     "board_name",
                                            "bios_vendor",    "bios_version",     "bios_date",
                                            "chassis_vendor", "chassis_asset_tag"};
    json_t *cpu = jx_obj(pairing, "cpu");

    if (!cpu)
        return -ENOMEM;
    json_object_set_new(pairing, "guest", guest_facts(p));
    cpu_facts(p, cpu);
    json_object_set_new(pairing, "memory", memory_facts(p));
    json_object_set_new(pairing, "clocksource", clocksource_facts(p));
    json_object_set_new(pairing, "devices", device_facts(p));
    json_object_set_new(pairing, "kernel_cmdline", probe_jstr(p, "/proc/cmdline"));
    json_object_set_new(pairing, "mitigations", mitigations(p));
    json_object_set_new(
        pairing, "dmi",
        string_files(p, "/sys/class/dmi/id", dmi_files, sizeof(dmi_files) / sizeof(dmi_files[0])));
    json_object_set_new(pairing, "sys_hypervisor", sys_hypervisor(p));
    return 0;
}
