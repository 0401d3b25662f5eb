/*
 * The OS calls behind the live probe on Linux (measure/detect/probe_live.c): directory listings and
 * symbolic links, which pairing detection reads under /sys and /dev; and the confined opens
 * of the fixture probe (measure/detect/probe.c), which must never read this machine's files
 * through a link planted in a fixture. Kept apart from platform_linux.c because only
 * detection uses them.
 */
#include "platform.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
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

/* Without openat2 (Linux < 5.6): walk the components under the root's fd, refusing ".."
   and every symbolic link (O_NOFOLLOW), so nothing can lead outside. */
static int walk_beneath(int rootfd, const char *rel, int flags)
{
    char buf[PATH_MAX], *save = NULL, *tok, *next;
    int fd = dup(rootfd);

    if (fd < 0)
        return -errno;
    if (snprintf(buf, sizeof(buf), "%s", rel) >= (int)sizeof(buf)) {
        close(fd);
        return -ENAMETOOLONG;
    }
    for (tok = strtok_r(buf, "/", &save); tok; tok = next) {
        int nfd;
        next = strtok_r(NULL, "/", &save);
        if (strcmp(tok, "..") == 0) {
            close(fd);
            return -EXDEV;
        }
        nfd = openat(fd, tok, (next ? O_PATH | O_DIRECTORY : flags) | O_NOFOLLOW | O_CLOEXEC);
        close(fd);
        if (nfd < 0)
            return errno == ELOOP ? -EXDEV : -errno;
        fd = nfd;
    }
    return fd;
}

static int open_beneath(const char *root, const char *path, int flags)
{
    struct open_how how = {.flags = (unsigned long long)(flags | O_CLOEXEC),
                           .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS};
    const char *rel = path;
    int rootfd, fd;

    while (*rel == '/')
        rel++;
    if (!*rel)
        rel = ".";
    rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0)
        return -errno;
    fd = (int)syscall(SYS_openat2, rootfd, rel, &how, sizeof(how));
    if (fd < 0)
        fd = errno == ENOSYS ? walk_beneath(rootfd, rel, flags) : -errno;
    close(rootfd);
    return fd;
}

int pf_open_beneath(const char *root, const char *path)
{
    struct stat st;
    int fd = open_beneath(root, path, O_RDONLY | O_NONBLOCK);

    if (fd < 0)
        return fd;
    if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
        close(fd);
        return -EINVAL;
    }
    return fd;
}

int pf_check_beneath(const char *root, const char *path)
{
    int fd = open_beneath(root, path, O_PATH);
    if (fd < 0)
        return fd;
    close(fd);
    return 0;
}
