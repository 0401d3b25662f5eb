/*
 * Fuzz lib/match.c: --filter lists and the globs of selectors and budget files come from
 * users and files. The input is "PATTERN\nNAME" (a missing NAME matches against the
 * pattern itself and a fixed benchmark name).
 * Inputs are capped at 256 bytes: the glob is O(pattern x name), and no filter item or benchmark
 * name is that long (items longer than the stack buffer are tested in tests/unit/test_units.c).
 * fuzz-options: -max_len=256
 */
#include "fuzz.h"
#include "match.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_str(data, size), *name = strchr(s, '\n');

    if (name)
        *name++ = 0;
    else
        name = s;
    match_glob(s, name);
    match_filter(s, name);
    match_glob(s, "storage/uring/randread/bs:4k/qd:1");
    match_filter(s, "net/tcp_rr/size:64");
    free(s);
    return 0;
}
