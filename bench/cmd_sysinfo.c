/*
 * TEMPORARY `viobench sysinfo`, replaced by the detection work.
 */
#include "bench.h"
#include "sysinfo.h"

int cmd_sysinfo(int argc, char **argv)
{
    json_t *p = sysinfo_detect(probe_live());
    (void)argc;
    (void)argv;
    sysinfo_print(stdout, p);
    json_decref(p);
    return 0;
}
