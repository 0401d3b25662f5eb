/*
 * The harnesses' shared helpers (fuzz.h) and a silent lib/log.h: the fuzz build links this
 * file instead of lib/log.c, so a parser's error messages are formatted (the format and its
 * arguments are still checked by the sanitizers) but never printed: thousands of inputs a
 * second must not each write a line to the terminal.
 */
#include "fuzz.h"
#include "log.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- lib/log.h, formatting into a scratch buffer ---- */

static int verbose;
static char scratch[4096];

void vb_set_progname(const char *name)
{
    (void)name;
}

void vb_set_verbose(int on)
{
    verbose = on;
}

int vb_verbose(void)
{
    return verbose;
}

void vb_err(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(scratch, sizeof(scratch), fmt, ap);
    va_end(ap);
}

void vb_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(scratch, sizeof(scratch), fmt, ap);
    va_end(ap);
}

void vb_debug(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(scratch, sizeof(scratch), fmt, ap);
    va_end(ap);
}

/* ---- files ---- */

static char dir[4096];
static pid_t dir_owner;

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    if (flag == FTW_DP)
        rmdir(path);
    else
        unlink(path);
    return 0;
}

void fuzz_rmtree(const char *path)
{
    nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void remove_dir(void)
{
    if (dir[0] && getpid() == dir_owner)
        fuzz_rmtree(dir);
}

const char *fuzz_dir(void)
{
    const char *tmp = getenv("TMPDIR");

    if (dir[0])
        return dir;
    snprintf(dir, sizeof(dir), "%s/viobench-fuzz.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        fprintf(stderr, "fuzz: %s: %s\n", dir, strerror(errno));
        abort();
    }
    dir_owner = getpid();
    atexit(remove_dir);
    return dir;
}

void fuzz_write(const char *path, const void *buf, size_t n)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    const char *p = buf;

    if (fd < 0) {
        fprintf(stderr, "fuzz: %s: %s\n", path, strerror(errno));
        abort();
    }
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            fprintf(stderr, "fuzz: %s: %s\n", path, strerror(errno));
            abort();
        }
        p += w;
        n -= (size_t)w;
    }
    close(fd);
}

/* ---- input shapes ---- */

static char *dup_bytes(const void *p, size_t n)
{
    char *s = malloc(n + 1);
    if (!s)
        abort();
    memcpy(s, p, n);
    s[n] = 0;
    return s;
}

int fuzz_split(const uint8_t *data, size_t size, char **parts, size_t *lens, int max)
{
    const char *p = (const char *)data, *end = p + size;
    size_t sl = strlen(FUZZ_SEP);
    int n = 0;

    while (n < max - 1) {
        const char *q = memmem(p, (size_t)(end - p), FUZZ_SEP, sl);
        if (!q)
            break;
        lens[n] = (size_t)(q - p);
        parts[n++] = dup_bytes(p, (size_t)(q - p));
        p = q + sl;
    }
    lens[n] = (size_t)(end - p);
    parts[n++] = dup_bytes(p, (size_t)(end - p));
    return n;
}

void fuzz_parts_free(char **parts, int n)
{
    for (int i = 0; i < n; i++)
        free(parts[i]);
}

char *fuzz_str(const uint8_t *data, size_t size)
{
    return dup_bytes(data, size);
}
