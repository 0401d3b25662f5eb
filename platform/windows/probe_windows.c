/*
 * The OS calls behind the live probe on Windows (measure/detect/probe_live.c): directory listings
 * through FindFirstFile, and no symbolic links. Windows keeps its facts in APIs, not files,
 * so sysinfo_windows.c and topology_windows.c ask the APIs directly; the probe carries what
 * the portable detection reads (CPUID), and lets a Windows build replay fixtures recorded
 * on Linux.
 */
#include "platform.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <windows.h>

int pf_list_dir(const char *path, int (*cb)(const char *name, void *arg), void *arg)
{
    WIN32_FIND_DATAA fd;
    char pattern[MAX_PATH + 8];
    int ret = 0;
    HANDLE h;

    if (strlen(path) + 3 > sizeof(pattern))
        return -ENAMETOOLONG;
    snprintf(pattern, sizeof(pattern), "%s/*", path);
    h = FindFirstFileA(pattern, &fd);
    if (h == INVALID_HANDLE_VALUE)
        return GetLastError() == ERROR_FILE_NOT_FOUND ? 0 : -ENOENT;
    do {
        if (strcmp(fd.cFileName, ".") == 0 || strcmp(fd.cFileName, "..") == 0)
            continue;
        if ((ret = cb(fd.cFileName, arg)))
            break;
    } while (FindNextFileA(h, &fd));
    FindClose(h);
    return ret;
}

int pf_readlink(const char *path, char *buf, size_t len)
{
    (void)path;
    (void)buf;
    (void)len;
    return -ENOSYS;
}

/* Windows has no symbolic links (compat.h): confinement is refusing "..". */
static int leaves_root(const char *path)
{
    for (const char *p = path; (p = strstr(p, "..")) != NULL; p += 2)
        if ((p == path || p[-1] == '/' || p[-1] == '\\') && (!p[2] || p[2] == '/' || p[2] == '\\'))
            return 1;
    return 0;
}

int pf_open_beneath(const char *root, const char *path)
{
    char full[MAX_PATH * 2];
    struct stat st;
    int fd;

    if (leaves_root(path))
        return -EXDEV;
    if (snprintf(full, sizeof(full), "%s/%s", root, path) >= (int)sizeof(full))
        return -ENAMETOOLONG;
    fd = open(full, O_RDONLY);
    if (fd < 0)
        return -errno;
    if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
        close(fd);
        return -EINVAL;
    }
    return fd;
}

int pf_check_beneath(const char *root, const char *path)
{
    char full[MAX_PATH * 2];
    struct stat st;
    if (leaves_root(path))
        return -EXDEV;
    if (snprintf(full, sizeof(full), "%s/%s", root, path) >= (int)sizeof(full))
        return -ENAMETOOLONG;
    return stat(full, &st) ? -errno : 0;
}
