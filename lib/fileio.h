/*
 * File helpers shared by every writer and reader: atomic replacement (write a temporary
 * file in the same directory, flush, rename), so a reader never sees half a file and an
 * interrupted write leaves the old file or nothing; and a safe whole-file read for files
 * that come from outside (a guest's run directory, a named input), which never blocks on a
 * FIFO, never opens a device, and bounds the size.
 */
#ifndef VB_FILEIO_H
#define VB_FILEIO_H

#include <stdio.h>

/* Create path atomically with the bytes fn writes to f; fn returns 0 or -errno.
   0 or -errno (the temporary file is removed on failure). */
int file_write_atomic(const char *path, int (*fn)(FILE *f, void *arg), void *arg);

/* The safe read below is implemented per platform (platform/linux/fileio_linux.c); the
   Windows guest binary has no use for it. */

/* file_read_all flags: refuse a symbolic link (-ELOOP) instead of following it. */
#define FILE_NOFOLLOW 1

/* Read a whole regular file into *buf (malloc'ed, NUL-terminated; its length in *len).
   The path is checked (lstat/stat) before it is opened, opened with O_NONBLOCK | O_CLOEXEC
   (O_NOFOLLOW with FILE_NOFOLLOW) and checked again with fstat, so a FIFO or device is
   neither waited on nor read. 0, -ENOENT, -EISDIR, -ELOOP (a link, FILE_NOFOLLOW),
   -EINVAL (not a regular file, or replaced while opened), -EFBIG (more than max bytes),
   -ENOMEM or -errno. */
int file_read_all(const char *path, int flags, size_t max, char **buf, size_t *len);
/* Why file_read_all failed, in words ("not a regular file (a FIFO, device or socket)"). */
const char *file_read_strerror(int ret);

#endif
