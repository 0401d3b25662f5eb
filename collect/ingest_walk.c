/*
 * Finding inputs under the paths a user names. Directories are walked in name order;
 * inside them only run directories (a directory with context.json), *.json and tar
 * bundles (*.tar, *.tgz, *.tar.gz, *.tar.xz, *.txz, *.tar.bz2, *.tbz2, *.tar.zst) are
 * inputs, other files are passed over, and symbolic links are not followed. A path named
 * on the command line is always an input, whatever its name: a file is told apart by its
 * first bytes. Paths that cannot be read become inputs that carry their error, so they are
 * reported in order with the rest; so do directories nested more than INGEST_MAX_DEPTH
 * below the path named (the walk is recursive, and an on-disk tree thousands deep must not
 * exhaust the stack) and paths longer than PATH_MAX.
 */
#include "ingest.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int has_suffix(const char *s, const char *suf)
{
    size_t n = strlen(s), m = strlen(suf);
    return n > m && strcmp(s + n - m, suf) == 0;
}

static int bundle_name(const char *name)
{
    static const char *const sfx[] = {".tar",     ".tgz",  ".tar.gz",  ".tar.xz", ".txz",
                                      ".tar.bz2", ".tbz2", ".tar.zst", NULL};
    for (int i = 0; sfx[i]; i++)
        if (has_suffix(name, sfx[i]))
            return 1;
    return 0;
}

int ingest_is_run_dir(const char *dir)
{
    char p[PATH_MAX + 32];
    struct stat st;
    /* Any context.json but a directory: a FIFO or link there is refused when it is read. */
    snprintf(p, sizeof(p), "%s/context.json", dir);
    return lstat(p, &st) == 0 && !S_ISDIR(st.st_mode);
}

static int push(struct ingest_list *l, const char *path, enum ingest_kind kind, const char *error)
{
    struct ingest_input *in;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        struct ingest_input *v = realloc(l->v, cap * sizeof(*v));
        if (!v)
            return -ENOMEM;
        l->v = v;
        l->cap = cap;
    }
    in = &l->v[l->n];
    memset(in, 0, sizeof(*in));
    in->kind = kind;
    if (!(in->path = strdup(path)) || (error && !(in->error = strdup(error)))) {
        free(in->path);
        return -ENOMEM;
    }
    l->n++;
    return 0;
}

static int entry_filter(const struct dirent *d)
{
    return strcmp(d->d_name, ".") != 0 && strcmp(d->d_name, "..") != 0;
}

static int list_dir(const char *dir, int bundles, int depth, struct ingest_list *l)
{
    struct dirent **ents;
    int n, ret = 0;

    if (depth > INGEST_MAX_DEPTH)
        return push(l, dir, IN_ERROR, "directories nested more than 64 deep, not walked");
    if ((n = scandir(dir, &ents, entry_filter, alphasort)) < 0)
        return push(l, dir, IN_ERROR, strerror(errno));
    for (int i = 0; i < n; i++) {
        char p[PATH_MAX];
        struct stat st;
        const char *name = ents[i]->d_name;
        if (ret)
            continue;
        if (snprintf(p, sizeof(p), "%s/%s", dir, name) >= (int)sizeof(p)) {
            ret = push(l, dir, IN_ERROR, "an entry's path is longer than PATH_MAX, not walked");
            continue;
        }
        if (lstat(p, &st))
            continue;
        if (S_ISDIR(st.st_mode))
            ret = ingest_is_run_dir(p) ? push(l, p, IN_RUNDIR, NULL)
                                       : list_dir(p, bundles, depth + 1, l);
        else if (S_ISREG(st.st_mode) && (has_suffix(name, ".json") || has_suffix(name, ".hlog")))
            ret = push(l, p, IN_JSON, NULL);
        else if (S_ISREG(st.st_mode) && bundles && bundle_name(name))
            ret = push(l, p, IN_BUNDLE, NULL);
    }
    for (int i = 0; i < n; i++)
        free(ents[i]);
    free(ents);
    return ret;
}

int ingest_list_dir(const char *dir, int bundles, struct ingest_list *l)
{
    return list_dir(dir, bundles, 1, l);
}

ssize_t ingest_read_head(const char *path, void *buf, size_t len)
{
    struct stat st;
    ssize_t n;
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);

    if (fd < 0)
        return -errno;
    if (fstat(fd, &st))
        n = -errno;
    else if (!S_ISREG(st.st_mode))
        n = -EINVAL;
    else if ((n = read(fd, buf, len)) < 0)
        n = -errno;
    close(fd);
    return n;
}

/* The first non-blank byte of a regular file (opened without blocking), or 0; *hdrlog
   set when its start looks like an HdrHistogram log. */
static int first_byte(const char *path, int *hdrlog)
{
    char b[512];
    ssize_t n = ingest_read_head(path, b, sizeof(b));

    *hdrlog = n > 0 && ingest_hdrlog_sniff(b, (size_t)n);
    for (ssize_t i = 0; i < n; i++)
        if (b[i] != ' ' && b[i] != '\n' && b[i] != '\r' && b[i] != '\t')
            return (unsigned char)b[i];
    return 0;
}

/* A path named by the user: always an input (or a directory to walk). */
static int named(const char *path, struct ingest_list *l)
{
    struct stat st;
    int hdrlog;

    if (stat(path, &st))
        return push(l, path, IN_ERROR, strerror(errno));
    if (S_ISDIR(st.st_mode))
        return ingest_is_run_dir(path) ? push(l, path, IN_RUNDIR, NULL)
                                       : ingest_list_dir(path, 1, l);
    if (!S_ISREG(st.st_mode))
        return push(l, path, IN_ERROR, "not a regular file or directory");
    if (ingest_is_bundle(path))
        return push(l, path, IN_BUNDLE, NULL);
    if (first_byte(path, &hdrlog) == '{' || hdrlog || has_suffix(path, ".json") ||
        has_suffix(path, ".hlog"))
        return push(l, path, IN_JSON, NULL);
    return push(l, path, IN_ERROR,
                "unknown input: not a viobench run directory, Google Benchmark or fio JSON, "
                "an HdrHistogram log, or a tar bundle");
}

int ingest_list_paths(const char *const *paths, int n, struct ingest_list *l)
{
    int ret = 0;
    for (int i = 0; i < n && !ret; i++)
        ret = named(paths[i], l);
    return ret;
}

void ingest_list_free(struct ingest_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].path);
        free(l->v[i].error);
    }
    free(l->v);
    memset(l, 0, sizeof(*l));
}
