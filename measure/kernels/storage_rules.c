/*
 * The storage safety rules shared by the Linux and Windows storage targets (see
 * storage_rules.h): what viobench did not create, it does not write to unless the user
 * says --allow-destructive-writes.
 */
#include "storage_rules.h"

#include <stdio.h>
#include <sys/stat.h>

int st_target_refuses(const struct vb_opts *o, int want_write, char *why, size_t len)
{
    struct stat st;
    if (!want_write || !o->target || o->allow_destructive_writes)
        return 0;
    if (stat(o->target, &st) || S_ISDIR(st.st_mode))
        return 0; /* a directory gets a file of ours; a missing target fails at setup */
    snprintf(why, len,
             "refusing to write to %s: viobench did not create it "
             "(--allow-destructive-writes overrides)",
             o->target);
    return 1;
}
