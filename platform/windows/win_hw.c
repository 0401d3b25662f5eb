/*
 * Windows: the virtual hardware a guest sees, for pairing detection. DMI strings come from
 * the raw SMBIOS tables (GetSystemFirmwareTable 'RSMB'): BIOS (type 0), system (type 1),
 * board (type 2) and chassis (type 3), under the names Linux uses in /sys/class/dmi/id.
 * Devices come from SetupAPI: PCI functions (vendor, device, driver service) and VMBus
 * channels (Hyper-V's synthetic devices); virtio PCI functions (vendor 1af4) are also
 * listed as virtio devices, as Linux sees them on its virtio bus.
 */
#include "win_info.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>

#include <setupapi.h>

#define RSMB 0x52534d42u /* 'RSMB': the raw SMBIOS firmware table provider */

/* The n-th (1-based) string after a structure's formatted area; "" when absent. */
static const char *smbios_string(const BYTE *s, const BYTE *end, int n)
{
    const char *p = (const char *)s + s[1];
    if (n <= 0)
        return "";
    while ((const BYTE *)p < end && *p) {
        if (--n == 0)
            return p;
        p += strnlen(p, (size_t)((const char *)end - p)) + 1;
    }
    return "";
}

static void put(json_t *o, const char *key, const char *v)
{
    char buf[128];
    size_t n;
    snprintf(buf, sizeof(buf), "%s", v);
    for (n = strlen(buf); n && buf[n - 1] == ' '; n--)
        buf[n - 1] = 0;
    if (!json_object_get(o, key) || json_is_null(json_object_get(o, key)))
        json_object_set_new(o, key, buf[0] ? json_string(buf) : json_null());
}

json_t *win_dmi(void)
{
    UINT len = GetSystemFirmwareTable(RSMB, 0, NULL, 0);
    BYTE *raw;
    const BYTE *p, *end;
    json_t *d;

    if (len < 8)
        return json_null();
    raw = malloc(len);
    if (!raw || GetSystemFirmwareTable(RSMB, 0, raw, len) != len) {
        free(raw);
        return json_null();
    }
    d = json_object();
    p = raw + 8; /* RawSMBIOSData: calling method, major, minor, revision, DWORD length */
    end = raw + 8 + *(const DWORD *)(raw + 4);
    if (end > raw + len)
        end = raw + len;
    while (p + 4 <= end && p[1] >= 4 && p + p[1] <= end) {
        const BYTE *next = p + p[1];
        BYTE type = p[0];
        while (next + 1 < end && (next[0] || next[1]))
            next++;
        next += 2;
        switch (type) {
        case 0:
            put(d, "bios_vendor", smbios_string(p, end, p[4]));
            put(d, "bios_version", smbios_string(p, end, p[5]));
            if (p[1] > 8)
                put(d, "bios_date", smbios_string(p, end, p[8]));
            break;
        case 1:
            put(d, "sys_vendor", smbios_string(p, end, p[4]));
            put(d, "product_name", smbios_string(p, end, p[5]));
            put(d, "product_version", smbios_string(p, end, p[6]));
            if (p[1] > 0x1a)
                put(d, "product_family", smbios_string(p, end, p[0x1a]));
            break;
        case 2:
            put(d, "board_vendor", smbios_string(p, end, p[4]));
            put(d, "board_name", smbios_string(p, end, p[5]));
            break;
        case 3:
            put(d, "chassis_vendor", smbios_string(p, end, p[4]));
            if (p[1] > 8)
                put(d, "chassis_asset_tag", smbios_string(p, end, p[8]));
            break;
        default:
            break;
        }
        if (type == 127)
            break;
        p = next;
    }
    free(raw);
    return d;
}

/* A device's registry property as a string; "" when absent. */
static void dev_prop(HDEVINFO h, SP_DEVINFO_DATA *d, DWORD prop, char *out, DWORD len)
{
    DWORD type;
    if (!SetupDiGetDeviceRegistryPropertyA(h, d, prop, &type, (BYTE *)out, len, NULL) ||
        (type != REG_SZ && type != REG_MULTI_SZ))
        out[0] = 0;
    out[len - 1] = 0;
}

/* Virtio device type from a PCI device id (transitional 0x1000.., modern 0x1040 + id). */
static const char *virtio_type(unsigned dev, unsigned *id)
{
    static const char *const modern[] = {"",        "net", "block", "console", "rng",
                                         "balloon", "",    "",      "scsi",    "9p"};
    static const unsigned transitional[] = {1, 2, 5, 3, 8, 4, 0, 0, 0, 9};
    *id = 0;
    if (dev >= 0x1000 && dev <= 0x1009)
        *id = transitional[dev - 0x1000];
    else if (dev >= 0x1040 && dev <= 0x107f)
        *id = dev - 0x1040;
    if (*id == 19)
        return "vsock";
    if (*id == 16)
        return "gpu";
    if (*id == 18)
        return "input";
    return *id && *id < sizeof(modern) / sizeof(modern[0]) && modern[*id][0] ? modern[*id]
                                                                             : "other";
}

static void pci_devices(json_t *pci, json_t *virtio)
{
    HDEVINFO h = SetupDiGetClassDevsA(NULL, "PCI", NULL, DIGCF_ALLCLASSES | DIGCF_PRESENT);
    SP_DEVINFO_DATA d;

    if (h == INVALID_HANDLE_VALUE)
        return;
    d.cbSize = sizeof(d);
    for (DWORD i = 0; SetupDiEnumDeviceInfo(h, i, &d); i++) {
        char hw[512], svc[128], loc[128], ven[16], dev[16];
        unsigned v = 0, dv = 0, vid;
        const char *p;
        dev_prop(h, &d, SPDRP_HARDWAREID, hw, sizeof(hw));
        dev_prop(h, &d, SPDRP_SERVICE, svc, sizeof(svc));
        dev_prop(h, &d, SPDRP_LOCATION_INFORMATION, loc, sizeof(loc));
        if ((p = strstr(hw, "VEN_")) != NULL)
            v = (unsigned)strtoul(p + 4, NULL, 16);
        if ((p = strstr(hw, "DEV_")) != NULL)
            dv = (unsigned)strtoul(p + 4, NULL, 16);
        snprintf(ven, sizeof(ven), "0x%04x", v);
        snprintf(dev, sizeof(dev), "0x%04x", dv);
        json_array_append_new(pci, json_pack("{s:s, s:s, s:s, s:s?}", "slot", loc[0] ? loc : hw,
                                             "vendor", ven, "device", dev, "driver",
                                             svc[0] ? svc : NULL));
        if (v == 0x1af4) {
            const char *type = virtio_type(dv, &vid);
            json_array_append_new(virtio,
                                  json_pack("{s:s, s:s, s:i, s:s?, s:s}", "name", loc[0] ? loc : hw,
                                            "type", type, "device_id", (int)vid, "driver",
                                            svc[0] ? svc : NULL, "transport", "pci"));
        }
    }
    SetupDiDestroyDeviceInfoList(h);
}

static void vmbus_devices(json_t *vmbus)
{
    HDEVINFO h = SetupDiGetClassDevsA(NULL, "VMBUS", NULL, DIGCF_ALLCLASSES | DIGCF_PRESENT);
    SP_DEVINFO_DATA d;

    if (h == INVALID_HANDLE_VALUE)
        return;
    d.cbSize = sizeof(d);
    for (DWORD i = 0; SetupDiEnumDeviceInfo(h, i, &d); i++) {
        char id[512], svc[128], name[256];
        if (!SetupDiGetDeviceInstanceIdA(h, &d, id, sizeof(id), NULL))
            id[0] = 0;
        dev_prop(h, &d, SPDRP_SERVICE, svc, sizeof(svc));
        dev_prop(h, &d, SPDRP_DEVICEDESC, name, sizeof(name));
        json_array_append_new(vmbus, json_pack("{s:s, s:s, s:s, s:s?}", "name", id, "type",
                                               name[0] ? name : "other", "class_id", id, "driver",
                                               svc[0] ? svc : NULL));
    }
    SetupDiDestroyDeviceInfoList(h);
}

json_t *win_devices(void)
{
    json_t *d = json_pack("{s:[], s:[], s:[], s:[], s:[], s:[], s:b, s:[]}", "virtio", "vmbus",
                          "xen", "pci", "block", "net", "vsock", 0, "vsock_transports");
    if (!d)
        return json_null();
    pci_devices(json_object_get(d, "pci"), json_object_get(d, "virtio"));
    vmbus_devices(json_object_get(d, "vmbus"));
    return d;
}
