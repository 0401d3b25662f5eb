/*
 * The collector's walk: find inputs under the paths given, read each, and store it in one
 * transaction. An input is a viobench run directory, a JSON file or a tar bundle (all of
 * its runs together). Directories are walked in name order; inside them only run
 * directories, *.json and tar bundles (*.tar, *.tgz, *.tar.gz, *.tar.xz, *.tar.bz2,
 * *.tar.zst) are inputs, other files are passed over, and symbolic links are not followed.
 * A path named on the command line is always an input, whatever its name.
 */
#include "ingest.h"
#include "log.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define BUSY_ATTEMPTS 3

struct walk {
    struct store *s;
    const struct ingest_opts *o;
    struct ingest_stats *st;
    int stop;      /* stop walking: a rejected input without keep_going */
    int store_err; /* the store failed (-errno) */
};

/* One input being stored: its items go into one transaction. */
struct unit {
    struct walk *w;
    const char *bundle;      /* the bundle's path, or NULL */
    const char *bundle_root; /* the directory it is extracted to */
    size_t bundle_root_len;
    long stored, already, rows;
    int fatal; /* the error is the store's, not the input's */
    char err[1200];
};

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

static int is_run_dir(const char *dir)
{
    char p[PATH_MAX + 32];
    struct stat st;
    snprintf(p, sizeof(p), "%s/context.json", dir);
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* Where an item came from: the absolute path, or "<bundle>!<member path>". */
static void origin(struct unit *u, const char *path, char *out, size_t len)
{
    char abs[PATH_MAX];
    if (u->bundle) {
        const char *member = path + u->bundle_root_len;
        while (*member == '/')
            member++;
        snprintf(out, len, "%s!%s", realpath(u->bundle, abs) ? abs : u->bundle, member);
    } else {
        snprintf(out, len, "%s", realpath(path, abs) ? abs : path);
    }
}

/* Store one item of the unit (beginning the transaction at the first new run). */
static int unit_store(struct unit *u, struct ingest_item *it)
{
    struct store *s = u->w->s;
    struct store_new_run nr;
    int ret;

    if (u->w->o->labels && json_object_update(it->labels, u->w->o->labels)) {
        snprintf(u->err, sizeof(u->err), "out of memory");
        return -ENOMEM;
    }
    memset(&nr, 0, sizeof(nr));
    nr.run_id = it->run_id;
    nr.source = it->source;
    nr.content_hash = it->hash;
    nr.origin = it->origin;
    nr.start = it->start;
    nr.end = it->end;
    nr.tool = it->tool;
    nr.tool_version = it->tool_version;
    nr.host = it->host;
    nr.complete = it->complete;
    nr.labels = it->labels;
    nr.run = &it->run;
    nr.raw_rows = it->raw_rows;
    store_pairing_from_context(it->run.context, it->labels, &nr.pairing);
    if (!store_txn_open(s)) {
        /* Seen before: skip without taking the write lock. */
        if ((ret = store_has_hash(s, it->hash)) == 1) {
            u->already++;
            return 0;
        }
        if (ret < 0 || (ret = store_begin(s)))
            goto fatal;
    }
    ret = store_add_run(s, &nr);
    if (ret == 1) {
        u->already++;
        return 0;
    }
    if (ret == -EEXIST) {
        snprintf(u->err, sizeof(u->err), "%s", store_errmsg(s));
        return -EINVAL;
    }
    if (ret)
        goto fatal;
    u->stored++;
    u->rows += (long)it->run.nrows;
    return 0;
fatal:
    u->fatal = 1;
    snprintf(u->err, sizeof(u->err), "%s", store_errmsg(s));
    return ret;
}

/* Read and store one run directory or JSON file of the unit. */
static int unit_file(struct unit *u, const char *path, int rundir)
{
    struct ingest_item it;
    char e[1024];
    int ret;

    if (ingest_item_init(&it)) {
        snprintf(u->err, sizeof(u->err), "out of memory");
        return -ENOMEM;
    }
    origin(u, path, it.origin, sizeof(it.origin));
    ret = rundir ? ingest_read_rundir(path, &it, e, sizeof(e))
                 : ingest_read_json(path, &it, e, sizeof(e));
    if (ret) {
        /* Inside a bundle, name the member, not the extraction directory. */
        if (u->bundle) {
            char *at;
            while ((at = strstr(e, u->bundle_root))) {
                size_t skip = u->bundle_root_len + (at[u->bundle_root_len] == '/');
                memmove(at, at + skip, strlen(at + skip) + 1);
            }
            snprintf(u->err, sizeof(u->err), "%s%s%s", rundir ? "" : strchr(it.origin, '!') + 1,
                     rundir ? "" : ": ", e);
        } else {
            snprintf(u->err, sizeof(u->err), "%s", e);
        }
        ingest_item_free(&it);
        return -EINVAL;
    }
    ret = unit_store(u, &it);
    ingest_item_free(&it);
    return ret;
}

static int entry_filter(const struct dirent *d)
{
    return strcmp(d->d_name, ".") != 0 && strcmp(d->d_name, "..") != 0;
}

/* Every run directory and JSON file under dir, into the unit (bundles). */
static int unit_walk(struct unit *u, const char *dir, int *found)
{
    struct dirent **ents;
    int n = scandir(dir, &ents, entry_filter, alphasort), ret = 0;

    if (n < 0) {
        snprintf(u->err, sizeof(u->err), "%s: %s", dir, strerror(errno));
        return -EINVAL;
    }
    for (int i = 0; i < n; i++) {
        char p[PATH_MAX];
        struct stat st;
        snprintf(p, sizeof(p), "%s/%s", dir, ents[i]->d_name);
        if (ret || lstat(p, &st))
            continue;
        if (S_ISDIR(st.st_mode) && is_run_dir(p)) {
            ret = unit_file(u, p, 1);
            (*found)++;
        } else if (S_ISDIR(st.st_mode)) {
            ret = unit_walk(u, p, found);
        } else if (S_ISREG(st.st_mode) && has_suffix(ents[i]->d_name, ".json")) {
            ret = unit_file(u, p, 0);
            (*found)++;
        }
    }
    for (int i = 0; i < n; i++)
        free(ents[i]);
    free(ents);
    return ret;
}

static int unit_bundle(struct unit *u, const char *path)
{
    char dir[PATH_MAX], e[1024];
    sigset_t block, old;
    int found = 0, ret;

    /* Ctrl-C waits until the extraction directory is gone (the transaction rolls back). */
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGHUP);
    sigprocmask(SIG_BLOCK, &block, &old);
    if ((ret = ingest_tar_extract(path, dir, sizeof(dir), e, sizeof(e)))) {
        snprintf(u->err, sizeof(u->err), "%s", e);
    } else {
        u->bundle = path;
        u->bundle_root = dir;
        u->bundle_root_len = strlen(dir);
        ret = unit_walk(u, dir, &found);
        if (!ret && !found) {
            snprintf(u->err, sizeof(u->err),
                     "no viobench run, Google Benchmark or fio JSON "
                     "inside the bundle");
            ret = -EINVAL;
        }
        ingest_rmtree(dir);
    }
    if (ret)
        store_rollback(u->w->s);
    sigprocmask(SIG_SETMASK, &old, NULL);
    return ret;
}

static void reject(struct walk *w, const char *path, const char *why)
{
    char *line = NULL, **n;

    vb_err("collect: %s: %s", path, why);
    w->st->rejected++;
    if (!w->o->keep_going)
        w->stop = 1;
    n = realloc(w->st->rejects, sizeof(*n) * (w->st->nrejects + 1));
    if (n && asprintf(&line, "%s: %s", path, why) >= 0) {
        w->st->rejects = n;
        n[w->st->nrejects++] = line;
    } else if (n) {
        w->st->rejects = n;
    }
}

enum input_kind { IN_RUNDIR, IN_JSON, IN_BUNDLE };

/* Read and store one input in one transaction; retried when the store stays busy. */
static void input(struct walk *w, const char *path, enum input_kind kind)
{
    struct unit u;
    int ret = 0;

    for (int attempt = 0; attempt < BUSY_ATTEMPTS; attempt++) {
        memset(&u, 0, sizeof(u));
        u.w = w;
        if (kind == IN_BUNDLE)
            ret = unit_bundle(&u, path);
        else
            ret = unit_file(&u, path, kind == IN_RUNDIR);
        if (!ret && store_txn_open(w->s) && (ret = store_commit(w->s))) {
            u.fatal = 1;
            snprintf(u.err, sizeof(u.err), "%s", store_errmsg(w->s));
        }
        if (ret)
            store_rollback(w->s);
        if (ret != -EBUSY)
            break;
    }
    w->st->inputs++;
    if (ret && u.fatal) {
        vb_err("collect: %s: store failed, input not stored: %s", path, u.err);
        w->store_err = ret;
        w->stop = 1;
        return;
    }
    if (ret) {
        reject(w, path, u.err);
        return;
    }
    w->st->stored += u.stored;
    w->st->already += u.already;
    w->st->rows += u.rows;
    if (w->o->verbose)
        fprintf(stderr, "collect: %s: %ld run%s stored (%ld rows), %ld already stored\n", path,
                u.stored, u.stored == 1 ? "" : "s", u.rows, u.already);
}

static void walk_dir(struct walk *w, const char *dir)
{
    struct dirent **ents;
    int n = scandir(dir, &ents, entry_filter, alphasort);

    if (n < 0) {
        reject(w, dir, strerror(errno));
        return;
    }
    for (int i = 0; i < n; i++) {
        char p[PATH_MAX];
        struct stat st;
        if (w->stop)
            break;
        snprintf(p, sizeof(p), "%s/%s", dir, ents[i]->d_name);
        if (lstat(p, &st))
            continue;
        if (S_ISDIR(st.st_mode))
            is_run_dir(p) ? input(w, p, IN_RUNDIR) : walk_dir(w, p);
        else if (S_ISREG(st.st_mode) && has_suffix(ents[i]->d_name, ".json"))
            input(w, p, IN_JSON);
        else if (S_ISREG(st.st_mode) && bundle_name(ents[i]->d_name))
            input(w, p, IN_BUNDLE);
    }
    for (int i = 0; i < n; i++)
        free(ents[i]);
    free(ents);
}

/* A path named by the user: always an input (or a directory to walk). */
static void named(struct walk *w, const char *path)
{
    struct stat st;
    char c = 0;
    FILE *f;

    if (stat(path, &st)) {
        reject(w, path, strerror(errno));
        return;
    }
    if (S_ISDIR(st.st_mode)) {
        is_run_dir(path) ? input(w, path, IN_RUNDIR) : walk_dir(w, path);
        return;
    }
    if (!S_ISREG(st.st_mode)) {
        reject(w, path, "not a regular file or directory");
        return;
    }
    if (ingest_is_bundle(path)) {
        input(w, path, IN_BUNDLE);
        return;
    }
    if ((f = fopen(path, "re"))) {
        int ch;
        while ((ch = fgetc(f)) == ' ' || ch == '\n' || ch == '\r' || ch == '\t')
            ;
        c = (char)ch;
        fclose(f);
    }
    if (c == '{' || has_suffix(path, ".json"))
        input(w, path, IN_JSON);
    else
        reject(w, path,
               "unknown input: not a viobench run directory, Google Benchmark or fio "
               "JSON, or a tar bundle");
}

int ingest_paths(struct store *s, const char *const *paths, int n, const struct ingest_opts *o,
                 struct ingest_stats *st)
{
    struct walk w = {.s = s, .o = o, .st = st};

    for (int i = 0; i < n && !w.stop; i++)
        named(&w, paths[i]);
    if (w.store_err)
        return w.store_err;
    return st->rejected ? 1 : 0;
}

void ingest_stats_free(struct ingest_stats *st)
{
    for (size_t i = 0; i < st->nrejects; i++)
        free(st->rejects[i]);
    free(st->rejects);
    st->rejects = NULL;
    st->nrejects = 0;
}
