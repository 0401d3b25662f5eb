/*
 * Atomic file replacement; see fileio.h. The safe whole-file read is POSIX-only and lives
 * in platform/linux/fileio_linux.c.
 */
#include "fileio.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int file_write_atomic(const char *path, int (*fn)(FILE *f, void *arg), void *arg)
{
    size_t n = strlen(path) + 16;
    char *tmp = malloc(n);
    FILE *f = NULL;
    int ret, fd;

    if (!tmp)
        return -ENOMEM;
    snprintf(tmp, n, "%s.tmpXXXXXX", path);
    fd = mkstemp(tmp);
    if (fd < 0) {
        ret = -errno;
        goto out;
    }
    fchmod(fd, 0644); /* mkstemp makes 0600; results are meant to be shared */
    f = fdopen(fd, "w");
    if (!f) {
        ret = -errno;
        close(fd);
        unlink(tmp);
        goto out;
    }
    ret = fn(f, arg);
    if (!ret && fflush(f))
        ret = -errno;
    if (!ret && ferror(f))
        ret = -EIO;
    if (fclose(f) && !ret)
        ret = -errno;
    if (!ret && rename(tmp, path))
        ret = -errno;
    if (ret)
        unlink(tmp);
out:
    free(tmp);
    return ret;
}
