/*
 * The in-memory fixture probe on Windows: not built (it reads through fmemopen, which the
 * Windows C runtime lacks, and its only users, the fuzz harnesses and their tests, build on
 * Linux). These two definitions keep probe_free and the declaration in sysinfo.h whole.
 */
#include "sysinfo_os.h"

#include <errno.h>
#include <stdio.h>

int probe_fixture_mem(const struct probe_file *files, size_t n, struct probe *p, char *err,
                      size_t errlen)
{
    (void)files;
    (void)n;
    (void)p;
    snprintf(err, errlen, "in-memory fixtures are not built on Windows");
    return -ENOSYS;
}

void probe_mem_release(struct probe *p)
{
    (void)p; /* no in-memory probe exists here */
}
