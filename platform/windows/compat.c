/*
 * Windows (mingw-w64): definitions of the POSIX and GNU calls declared in compat.h.
 */
#include <ctype.h>
#include <errno.h>
#include <io.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>

ssize_t getline(char **line, size_t *cap, FILE *f)
{
    size_t n = 0;
    int c;

    if (!line || !cap || !f) {
        errno = EINVAL;
        return -1;
    }
    while ((c = getc(f)) != EOF) {
        if (n + 2 > *cap) {
            size_t nc = *cap ? *cap * 2 : 128;
            char *p = realloc(*line, nc);
            if (!p) {
                errno = ENOMEM;
                return -1;
            }
            *line = p;
            *cap = nc;
        }
        (*line)[n++] = (char)c;
        if (c == '\n')
            break;
    }
    if (n == 0)
        return -1;
    (*line)[n] = 0;
    return (ssize_t)n;
}

char *strndup(const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *d = malloc(len + 1);
    if (!d)
        return NULL;
    memcpy(d, s, len);
    d[len] = 0;
    return d;
}

int strverscmp(const char *a, const char *b)
{
    while (*a && *b) {
        if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
            const char *x = a, *y = b;
            size_t lx, ly;
            while (*x == '0' && isdigit((unsigned char)x[1]))
                x++;
            while (*y == '0' && isdigit((unsigned char)y[1]))
                y++;
            for (a = x; isdigit((unsigned char)*a); a++)
                ;
            for (b = y; isdigit((unsigned char)*b); b++)
                ;
            lx = (size_t)(a - x);
            ly = (size_t)(b - y);
            if (lx != ly)
                return lx < ly ? -1 : 1;
            {
                int c = strncmp(x, y, lx);
                if (c)
                    return c;
            }
            continue;
        }
        if (*a != *b)
            return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
        a++;
        b++;
    }
    return (unsigned char)*a - (unsigned char)*b;
}

char *strcasestr(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay; hay++)
        if (_strnicmp(hay, needle, n) == 0)
            return (char *)hay;
    return n == 0 ? (char *)hay : NULL;
}

int fchmod(int fd, mode_t mode)
{
    (void)mode;
    if (_get_osfhandle(fd) == (intptr_t)INVALID_HANDLE_VALUE) {
        errno = EBADF;
        return -1;
    }
    return 0;
}

int fcntl(int fd, int cmd, ...)
{
    if (cmd != F_GETFD) {
        errno = EINVAL;
        return -1;
    }
    if (fd < 0 || _get_osfhandle(fd) == (intptr_t)INVALID_HANDLE_VALUE) {
        errno = EBADF;
        return -1;
    }
    return 0;
}

ssize_t readlink(const char *path, char *buf, size_t len)
{
    (void)path;
    (void)buf;
    (void)len;
    errno = ENOSYS;
    return -1;
}

int symlink(const char *target, const char *path)
{
    (void)target;
    (void)path;
    errno = ENOSYS;
    return -1;
}

int lstat(const char *path, struct stat *st)
{
    return stat(path, st);
}

#undef rename
int vb_rename(const char *from, const char *to)
{
    if (MoveFileExA(from, to, MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH))
        return 0;
    switch (GetLastError()) {
    case ERROR_FILE_NOT_FOUND:
    case ERROR_PATH_NOT_FOUND:
        errno = ENOENT;
        break;
    case ERROR_ACCESS_DENIED:
        errno = EACCES;
        break;
    default:
        errno = EIO;
        break;
    }
    return -1;
}
