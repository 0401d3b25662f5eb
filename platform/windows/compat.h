/*
 * Windows (mingw-w64): the few POSIX and GNU calls the portable layers use that mingw-w64's
 * C runtime lacks or gets wrong, supplied once for the whole Windows build. The Makefile
 * puts this header in front of every file of the Windows build (-include), so portable
 * files stay free of #ifdef; platform/windows/compat.c has the definitions.
 */
#ifndef VB_WIN_COMPAT_H
#define VB_WIN_COMPAT_H

/* gmtime_r and localtime_r from mingw-w64's time.h */
#ifndef _POSIX_THREAD_SAFE_FUNCTIONS
#define _POSIX_THREAD_SAFE_FUNCTIONS 200112L
#endif

#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/types.h>

/* Descriptors are not inherited by child processes unless asked for (CreateProcess with
   bInheritHandles and an inheritable handle), so close-on-exec is the default. */
#ifndef O_CLOEXEC
#define O_CLOEXEC 0
#endif
#ifndef S_ISLNK
#define S_ISLNK(m) 0 /* stat() follows reparse points; viobench makes no links here */
#endif
#define F_GETFD 1
#define F_SETFD 2
#define F_GETFL 3
#define F_SETFL 4

/* getline(3): read a line of any length into *line (grown with realloc); its length, or -1
   at end of file or on error. */
ssize_t getline(char **line, size_t *cap, FILE *f);
/* strndup(3). */
char *strndup(const char *s, size_t n);
/* strverscmp(3): compare with digit runs taken as numbers ("cpu2" < "cpu10"). */
int strverscmp(const char *a, const char *b);
/* strcasestr(3). */
char *strcasestr(const char *hay, const char *needle);
/* fchmod(2): Windows keeps no Unix modes; succeeds when fd is open. */
int fchmod(int fd, mode_t mode);
/* fcntl(2), F_GETFD only (is fd open): 0 or -1 with errno EBADF; other commands EINVAL. */
int fcntl(int fd, int cmd, ...);
/* readlink(2) and symlink(2): no symbolic links on this platform (-1, errno ENOSYS). */
ssize_t readlink(const char *path, char *buf, size_t len);
int symlink(const char *target, const char *path);
/* lstat(2): stat(2), as there are no symbolic links to not follow. */
int lstat(const char *path, struct stat *st);

/* rename(2) semantics: replace an existing destination (the C runtime's rename refuses). */
int vb_rename(const char *from, const char *to);
#define rename vb_rename

#endif
