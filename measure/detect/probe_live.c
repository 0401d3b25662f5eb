/*
 * The live probe: pairing detection reads this machine through it (CPUID, small files,
 * sorted directory listings, symbolic links), so the same detection code runs on recorded
 * fixtures in tests (measure/detect/probe.c). What is the same on every OS lives here (CPUID,
 * collecting and sorting a listing); the OS calls behind it are platform.h's pf_read_text,
 * pf_list_dir and pf_readlink (platform/<os>/probe_<os>.c). See measure/detect/sysinfo.h.
 */
#include "platform.h"
#include "sysinfo_os.h"
#include "x86.h"

static int live_cpuid(void *ctx, uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
    struct cpuid_regs r = x86_cpuid(leaf, subleaf);
    (void)ctx;
    out[0] = r.eax;
    out[1] = r.ebx;
    out[2] = r.ecx;
    out[3] = r.edx;
    return 0;
}

static int live_read(void *ctx, const char *path, char *buf, size_t len)
{
    (void)ctx;
    return pf_read_text(path, buf, len);
}

static int live_list(void *ctx, const char *path, int (*cb)(const char *name, void *arg), void *arg)
{
    struct names n = {0, NULL};
    int ret = pf_list_dir(path, names_add, &n);

    (void)ctx;
    if (!ret)
        names_visit(&n, cb, arg);
    names_free(&n);
    return ret;
}

static int live_readlink(void *ctx, const char *path, char *buf, size_t len)
{
    (void)ctx;
    return pf_readlink(path, buf, len);
}

const struct probe *probe_live(void)
{
    static const struct probe live = {
        .cpuid = live_cpuid,
        .read = live_read,
        .list = live_list,
        .readlink = live_readlink,
        .topology_xml = NULL,
        .hwloc_live = 1, /* Linux: hwloc; Windows: GetLogicalProcessorInformationEx */
        .ctx = NULL,
    };
    return &live;
}
