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

/* ---- known bugs ---- */

int fuzz_skip_known(void)
{
    const char *k = getenv("FUZZ_KNOWN");
    return !(k && strcmp(k, "1") == 0);
}

/* A number that may be beyond int or 1e15: an exponent or 10 digits in a row (quick, so
   that most inputs are not scanned further). */
static int big_number(const char *buf, size_t len)
{
    int run = 0;
    for (size_t i = 0; i < len; i++) {
        if ((buf[i] == 'e' || buf[i] == 'E') && run)
            return 1;
        run = isdigit((unsigned char)buf[i]) ? run + 1 : 0;
        if (run >= 10)
            return 1;
    }
    return 0;
}

/* The value after a key at p (blanks, ':', blanks, then a number); 0 when none. */
static int value_after(const char *p, const char *end, double *v)
{
    char num[64];
    size_t n = 0;

    while (p < end && strchr(" \t\r\n:", *p))
        p++;
    while (p < end && n + 1 < sizeof(num) && strchr("+-.0123456789eE", *p))
        num[n++] = *p++;
    num[n] = 0;
    if (!n)
        return 0;
    *v = strtod(num, NULL);
    return 1;
}

int fuzz_json_known(const char *buf, size_t len)
{
    static const struct {
        const char *key;
        double max;
    } keys[] = {{"\"threads\"", INT_MAX},          {"\"repetitions\"", INT_MAX},
                {"\"repetition_index\"", INT_MAX}, {"\"timestamp\"", 1e15},
                {"\"timestamp_ms\"", 1e15},        {"\"elapsed\"", 1e15}};
    const char *end = buf + len;

    if (!fuzz_skip_known() || !big_number(buf, len))
        return 0;
    /* a text scan, not a parse: the keys are found wherever the JSON is (after fio's notes,
       inside a plain tar) */
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        size_t kl = strlen(keys[i].key);
        for (const char *p = buf; (p = memmem(p, (size_t)(end - p), keys[i].key, kl)); p += kl) {
            double v;
            if (value_after(p + kl, end, &v) && !(fabs(v) < keys[i].max))
                return 1;
        }
    }
    return 0;
}

int fuzz_long_number(const char *s, int max)
{
    int run = 0;
    for (; *s; s++) {
        run = isdigit((unsigned char)*s) ? run + 1 : 0;
        if (run > max)
            return 1;
    }
    return 0;
}
