/*
 * The OS calls behind the live probe on Linux (measure/detect/probe_live.c): directory listings and
 * symbolic links, which pairing detection reads under /sys and /dev. Kept apart from
 * platform_linux.c because only detection uses them.
 */
#include "platform.h"

#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

int pf_list_dir(const char *path, int (*cb)(const char *name, void *arg), void *arg)
{
    struct dirent *e;
    int ret = 0;
    DIR *d = opendir(path);

    if (!d)
        return -errno;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if ((ret = cb(e->d_name, arg)))
            break;
    }
    closedir(d);
    return ret;
}

int pf_readlink(const char *path, char *buf, size_t len)
{
    ssize_t n;
    if (len == 0)
        return -EINVAL;
    n = readlink(path, buf, len - 1);
    if (n < 0)
        return -errno;
    buf[n] = 0;
    return 0;
}
