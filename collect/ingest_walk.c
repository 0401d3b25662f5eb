/*
 * Finding inputs under the paths a user names. Directories are walked in name order;
 * inside them only run directories (a directory with context.json), *.json and tar
 * bundles (*.tar, *.tgz, *.tar.gz, *.tar.xz, *.txz, *.tar.bz2, *.tbz2, *.tar.zst) are
 * inputs, other files are passed over, and symbolic links are not followed. A path named
 * on the command line is always an input, whatever its name: a file is told apart by its
 * first bytes. Paths that cannot be read become inputs that carry their error, so they are
 * reported in order with the rest.
 */
#include "ingest.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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
    snprintf(p, sizeof(p), "%s/context.json", dir);
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
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

int ingest_list_dir(const char *dir, int bundles, struct ingest_list *l)
{
    struct dirent **ents;
    int n = scandir(dir, &ents, entry_filter, alphasort), ret = 0;

    if (n < 0)
        return push(l, dir, IN_ERROR, strerror(errno));
    for (int i = 0; i < n; i++) {
        char p[PATH_MAX];
        struct stat st;
        const char *name = ents[i]->d_name;
        snprintf(p, sizeof(p), "%s/%s", dir, name);
        if (ret || lstat(p, &st))
            continue;
        if (S_ISDIR(st.st_mode))
            ret =
                ingest_is_run_dir(p) ? push(l, p, IN_RUNDIR, NULL) : ingest_list_dir(p, bundles, l);
        else if (S_ISREG(st.st_mode) && has_suffix(name, ".json"))
            ret = push(l, p, IN_JSON, NULL);
        else if (S_ISREG(st.st_mode) && bundles && bundle_name(name))
            ret = push(l, p, IN_BUNDLE, NULL);
    }
    for (int i = 0; i < n; i++)
        free(ents[i]);
    free(ents);
    return ret;
}

/* A path named by the user: always an input (or a directory to walk). */
static int named(const char *path, struct ingest_list *l)
{
    struct stat st;
    int c = 0;
    FILE *f;

    if (stat(path, &st))
        return push(l, path, IN_ERROR, strerror(errno));
    if (S_ISDIR(st.st_mode))
        return ingest_is_run_dir(path) ? push(l, path, IN_RUNDIR, NULL)
                                       : ingest_list_dir(path, 1, l);
    if (!S_ISREG(st.st_mode))
        return push(l, path, IN_ERROR, "not a regular file or directory");
    if (ingest_is_bundle(path))
        return push(l, path, IN_BUNDLE, NULL);
    if ((f = fopen(path, "re"))) {
        while ((c = fgetc(f)) == ' ' || c == '\n' || c == '\r' || c == '\t')
            ;
        fclose(f);
    }
    if (c == '{' || has_suffix(path, ".json"))
        return push(l, path, IN_JSON, NULL);
    return push(l, path, IN_ERROR,
                "unknown input: not a viobench run directory, Google Benchmark or fio JSON, "
                "or a tar bundle");
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
