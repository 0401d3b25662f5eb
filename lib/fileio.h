/*
 * File helpers shared by every writer: atomic replacement (write a temporary file in the
 * same directory, flush, rename), so a reader never sees half a file and an interrupted
 * write leaves the old file or nothing.
 */
#ifndef VB_FILEIO_H
#define VB_FILEIO_H

#include <stdio.h>

/* Create path atomically with the bytes fn writes to f; fn returns 0 or -errno.
   0 or -errno (the temporary file is removed on failure). */
int file_write_atomic(const char *path, int (*fn)(FILE *f, void *arg), void *arg);

#endif
