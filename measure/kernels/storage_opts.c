/*
 * The storage options of `viobench run` (--target, --allow-destructive-writes), checked once
 * before a run starts (the storage module's check_opts hook in each platform's modules.c)
 * and before the run directory exists, so a bad target is one line naming the option and
 * nothing is written. The storage kernels check again when they open it. Portable: the
 * Linux and Windows storage rows read the same options. (--size's "not given" is the
 * command's own: cli/cmd_run.c checks it.)
 */
#include "modules.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int storage_check_opts(const struct vb_opts *o, char *msg, size_t len)
{
    struct stat st;
    if (!o->target)
        return 0;
    if (!*o->target) {
        snprintf(msg, len, "--target: empty path");
        return -EINVAL;
    }
    if (stat(o->target, &st)) {
        snprintf(msg, len, "--target %s: %s", o->target, strerror(errno));
        return -EINVAL;
    }
    if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
        snprintf(msg, len, "--target %s: not a directory, regular file or block device", o->target);
        return -EINVAL;
    }
    /* a directory must take a new file; with --allow-destructive-writes a file or device
       must be writable */
    if (S_ISDIR(st.st_mode) && access(o->target, W_OK | X_OK)) {
        snprintf(msg, len, "--target %s: cannot create the test file there: %s", o->target,
                 strerror(errno));
        return -EINVAL;
    }
    if (!S_ISDIR(st.st_mode) && o->allow_destructive_writes && access(o->target, W_OK)) {
        snprintf(msg, len, "--target %s: not writable: %s", o->target, strerror(errno));
        return -EINVAL;
    }
    return 0;
}
