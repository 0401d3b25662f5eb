/*
 * TEMPORARY minimal pairing detection, replaced by the detection work (issue 2 part 5).
 */
#include "sysinfo.h"
#include "platform.h"

#include <errno.h>

const struct probe *probe_live(void)
{
    static struct probe p;
    return &p;
}

int probe_fixture(const char *dir, struct probe *p)
{
    (void)dir;
    (void)p;
    return -ENOSYS;
}

void probe_free(struct probe *p)
{
    (void)p;
}

json_t *sysinfo_detect(const struct probe *p)
{
    (void)p;
    return json_pack("{s:{s:s, s:s}, s:{s:i}}", "summary", "hypervisor", "unknown", "guest",
                     "unknown", "cpu", "count", pf_ncpus());
}

void sysinfo_print(FILE *f, const json_t *pairing)
{
    json_dumpf(pairing, f, JSON_INDENT(2));
    fputc('\n', f);
}
