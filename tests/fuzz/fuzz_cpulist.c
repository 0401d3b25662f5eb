/*
 * Fuzz measure/detect/topology.c's cpulist_parse(): CPU lists ("0-3,8") come from sysfs
 * files of the machine or of a recorded fixture (`viobench sysinfo --fixture DIR`, which
 * anyone can hand over). Both call forms are used: counting only, and filling an array.
 * Ranges with huge ends ("0-9223372036854775807") once looped for ever or overflowed: the
 * inputs are regressions/fuzz_cpulist/.
 * fuzz-options: -max_len=4096
 */
#include "fuzz.h"
#include "sysinfo_os.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_str(data, size);
    int cpus[64];

    cpulist_parse(s, NULL, 0);
    cpulist_parse(s, cpus, 64);
    free(s);
    return 0;
}
