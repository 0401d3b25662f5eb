/*
 * Fuzz measure/detect/topology.c's cpulist_parse(): CPU lists ("0-3,8") come from sysfs
 * files of the machine or of a recorded fixture (`viobench sysinfo --fixture DIR`, which
 * anyone can hand over). Both call forms are used: counting only, and filling an array.
 *
 * Known bug, skipped here: a range with a large end ("0-9223372036854775807") loops for
 * ever or overflows (issue 15 part 3, fixed in another branch); inputs with a number of
 * more than 4 digits are not run (a 5-digit range already costs 100,000 loop turns per
 * call). See tests/fuzz/regressions/pending/README.md.
 */
#include "fuzz.h"
#include "sysinfo_os.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_str(data, size);
    int cpus[64];

    if (!fuzz_skip_known() || !fuzz_long_number(s, 4)) {
        cpulist_parse(s, NULL, 0);
        cpulist_parse(s, cpus, 64);
    }
    free(s);
    return 0;
}
