/*
 * Linux (POSIX): lib/fileio.h's safe whole-file read for files that come from outside: a
 * guest's run directory, a named input. It looks before it opens (lstat/stat), so a FIFO or
 * device is never opened, opens with O_NONBLOCK so a FIFO swapped in meanwhile cannot block
 * it, and checks the open file again with fstat (same inode, a regular file) before reading
 * at most max bytes. Not built for Windows, whose guest binary reads no outside files.
 */
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int file_read_all(const char *path, int flags, size_t max, char **buf, size_t *len)
{
    struct stat pre, st;
    size_t got = 0;
    int fd, ret = 0;

    *buf = NULL;
    *len = 0;
    /* Look before opening: opening a FIFO or device has effects of its own. */
    if ((flags & FILE_NOFOLLOW ? lstat(path, &pre) : stat(path, &pre)) != 0)
        return -errno;
    if (S_ISLNK(pre.st_mode))
        return -ELOOP;
    if (S_ISDIR(pre.st_mode))
        return -EISDIR;
    if (!S_ISREG(pre.st_mode))
        return -EINVAL;
    fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | (flags & FILE_NOFOLLOW ? O_NOFOLLOW : 0));
    if (fd < 0)
        return -errno;
    if (fstat(fd, &st)) {
        ret = -errno;
        goto out;
    }
    if (!S_ISREG(st.st_mode) || st.st_dev != pre.st_dev || st.st_ino != pre.st_ino) {
        ret = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
        goto out;
    }
    if ((unsigned long long)st.st_size > max) {
        ret = -EFBIG;
        goto out;
    }
    if (!(*buf = malloc((size_t)st.st_size + 1))) {
        ret = -ENOMEM;
        goto out;
    }
    while (got < (size_t)st.st_size) {
        ssize_t n = read(fd, *buf + got, (size_t)st.st_size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) { /* a file that shrank while read is an error, not a short file */
            ret = n < 0 ? -errno : -EIO;
            goto out;
        }
        got += (size_t)n;
    }
    (*buf)[got] = 0;
    *len = got;
out:
    close(fd);
    if (ret) {
        free(*buf);
        *buf = NULL;
    }
    return ret;
}

const char *file_read_strerror(int ret)
{
    switch (ret) {
    case -ELOOP:
        return "a symbolic link, not followed";
    case -EINVAL:
        return "not a regular file (a FIFO, device or socket), not read";
    case -EFBIG:
        return "too large";
    default:
        return strerror(-ret);
    }
}
