/*
 * Storing inputs: each input (a run directory, a JSON file, a whole tar bundle) is read,
 * checked, and stored in one transaction, in walk order. Reading (hashing, skipping
 * content already stored, parsing JSON and histograms) takes more time than writing, so
 * reader threads work ahead of the one writer, within a bounded window of inputs and rows;
 * the writer still takes inputs strictly in order, so a rejected input stops the walk at
 * the same place as a serial collector would, and later inputs are never stored.
 * Bundles are read and stored by the writer itself: their runs share one transaction.
 */
#include "ingest.h"
#include "log.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BUSY_ATTEMPTS 3
#define WINDOW_INPUTS 32   /* inputs read ahead of the writer, at most */
#define WINDOW_ROWS   4000 /* rows read ahead (each histogram is ~42 KiB in memory) */

/* Where the runs being read come from: a bundle's member paths are reported relative to
   the bundle, not to the directory it is extracted to. */
struct origin_ctx {
    const char *bundle; /* the bundle's path, or NULL */
    const char *root;   /* its extraction directory */
    size_t root_len;
};

/* What reading an input gave. */
struct prepared {
    int state; /* 0 not taken, 1 being read, 2 ready */
    int ret;   /* 0 read, 1 already stored, -EINVAL rejected, other: the store failed */
    int have_item;
    struct ingest_item item;
    size_t rows;
    char err[1200];
};

struct pipe {
    struct store *s;
    const char *db_path;
    const struct ingest_opts *o;
    struct ingest_stats *st;
    struct ingest_list list;
    struct prepared *prep;
    size_t next, done, rows_ahead;
    int stop;
    pthread_mutex_t mu;
    pthread_cond_t ready, space;
};

static void origin(const struct origin_ctx *oc, const char *path, char *out, size_t len)
{
    char abs[PATH_MAX];
    if (oc && oc->bundle) {
        const char *member = path + oc->root_len;
        while (*member == '/')
            member++;
        snprintf(out, len, "%s!%s", realpath(oc->bundle, abs) ? abs : oc->bundle, member);
    } else {
        snprintf(out, len, "%s", realpath(path, abs) ? abs : path);
    }
}

/* Read one run directory or JSON file into it (initialised). check, when set, is a store
   connection used to skip content already stored before parsing it. Returns 0, 1 (already
   stored), -EINVAL (rejected, reason in err) or the store's error. */
static int read_input(const char *path, int rundir, struct store *check,
                      const struct origin_ctx *oc, struct ingest_item *it, char *err, size_t errlen)
{
    struct ingest_rundir d = {0};
    char e[1024], *buf = NULL;
    size_t len = 0;
    int ret;

    origin(oc, path, it->origin, sizeof(it->origin));
    ret = rundir ? ingest_rundir_load(path, &d, it->hash, e, sizeof(e))
                 : ingest_json_bytes(path, &buf, &len, it->hash, e, sizeof(e));
    if (!ret && check && (ret = store_has_hash(check, it->hash)) != 0) {
        if (ret < 0)
            snprintf(err, errlen, "%s", store_errmsg(check));
        free(buf);
        ingest_rundir_free(&d);
        return ret;
    }
    if (!ret)
        ret = rundir ? ingest_rundir_parse(path, &d, it, e, sizeof(e))
                     : ingest_parse_json(buf, len, it, e, sizeof(e));
    free(buf);
    ingest_rundir_free(&d);
    if (!ret)
        return 0;
    if (oc && oc->bundle) {
        /* Name the member, not the extraction directory. */
        char *at;
        while ((at = strstr(e, oc->root))) {
            size_t skip = oc->root_len + (at[oc->root_len] == '/');
            memmove(at, at + skip, strlen(at + skip) + 1);
        }
        snprintf(err, errlen, "%s%s%s", rundir ? "" : strchr(it->origin, '!') + 1,
                 rundir ? "" : ": ", e);
    } else {
        snprintf(err, errlen, "%s", e);
    }
    return -EINVAL;
}

/* Store one item in the open transaction, beginning it when none is open; last: it is the
   transaction's last item (the store may commit with it). 0 stored, 1 already stored,
   -EINVAL (run id conflict: rejected), other: the store failed. */
static int store_item(struct pipe *p, struct ingest_item *it, int last, char *err, size_t errlen)
{
    struct store_new_run nr;
    int ret;

    if (p->o->labels && json_object_update(it->labels, p->o->labels)) {
        snprintf(err, errlen, "out of memory");
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
    nr.hists = it->hists;
    nr.last = last;
    store_pairing_from_context(it->run.context, it->labels, &nr.pairing);
    if (!store_txn_open(p->s) && (ret = store_begin(p->s))) {
        snprintf(err, errlen, "%s", store_errmsg(p->s));
        return ret;
    }
    ret = store_add_run(p->s, &nr);
    if (ret < 0)
        snprintf(err, errlen, "%s", store_errmsg(p->s));
    return ret == -EEXIST ? -EINVAL : ret;
}

/* Counts of one input. */
struct tally {
    long stored, already, rows, links;
};

static int count(struct tally *t, int ret, const struct ingest_item *it)
{
    if (ret == 1)
        t->already++;
    if (ret == 0) {
        t->stored++;
        t->rows += (long)it->run.nrows;
    }
    return ret == 1 ? 0 : ret;
}

/* A bundle: unpack, read and store every run inside in one transaction. */
static int do_bundle(struct pipe *p, const char *path, struct tally *t, char *err, size_t errlen)
{
    struct ingest_list inner = {0};
    struct origin_ctx oc;
    char dir[PATH_MAX], e[1024];
    sigset_t block, old;
    int ret;

    /* Ctrl-C waits until the extraction directory is gone (the transaction rolls back);
       extraction and the loop below stop early when it is pending. */
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGHUP);
    sigaddset(&block, SIGQUIT);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    if ((ret = ingest_tar_extract(path, dir, sizeof(dir), &t->links, e, sizeof(e)))) {
        snprintf(err, errlen, "%s", e);
        goto out;
    }
    oc = (struct origin_ctx){.bundle = path, .root = dir, .root_len = strlen(dir)};
    if ((ret = ingest_list_dir(dir, 0, &inner)))
        snprintf(err, errlen, "out of memory");
    if (!ret && inner.n == 0) {
        snprintf(err, errlen, "no viobench run, Google Benchmark or fio JSON inside the bundle");
        ret = -EINVAL;
    }
    for (size_t i = 0; i < inner.n && !ret; i++) {
        struct ingest_input *in = &inner.v[i];
        struct ingest_item it;
        if (ingest_interrupted()) {
            snprintf(err, errlen, "interrupted");
            ret = -EINTR;
            break;
        }
        if (in->kind == IN_ERROR) {
            snprintf(err, errlen, "%s: %s", in->path + oc.root_len + 1, in->error);
            ret = -EINVAL;
            break;
        }
        if (ingest_item_init(&it)) {
            snprintf(err, errlen, "out of memory");
            ret = -ENOMEM;
            break;
        }
        ret = read_input(in->path, in->kind == IN_RUNDIR, p->s, &oc, &it, err, errlen);
        if (ret == 0)
            ret = store_item(p, &it, 0, err, errlen);
        ret = count(t, ret, &it);
        ingest_item_free(&it);
    }
    ingest_list_free(&inner);
    ingest_rmtree(dir);
out:
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return ret;
}

/* Read input i (a parser thread's job; the writer's when there are none). */
static void prepare(struct pipe *p, size_t i, struct store *check)
{
    struct ingest_input *in = &p->list.v[i];
    struct prepared *pr = &p->prep[i];

    pr->ret = 0;
    if (in->kind == IN_ERROR) {
        snprintf(pr->err, sizeof(pr->err), "%s", in->error);
        pr->ret = -EINVAL;
    } else if (in->kind != IN_BUNDLE) {
        if (ingest_item_init(&pr->item)) {
            snprintf(pr->err, sizeof(pr->err), "out of memory");
            pr->ret = -ENOMEM;
            return;
        }
        pr->have_item = 1;
        pr->ret = read_input(in->path, in->kind == IN_RUNDIR, check, NULL, &pr->item, pr->err,
                             sizeof(pr->err));
        pr->rows = pr->item.run.nrows;
    }
}

static void *reader(void *arg)
{
    struct pipe *p = arg;
    struct store *check = NULL;
    char err[512];

    if (store_open(p->db_path, STORE_RDONLY, &check, err, sizeof(err)))
        check = NULL; /* the writer still refuses duplicates */
    pthread_mutex_lock(&p->mu);
    for (;;) {
        size_t i;
        while (!p->stop && p->next < p->list.n &&
               (p->next >= p->done + WINDOW_INPUTS || p->rows_ahead >= WINDOW_ROWS))
            pthread_cond_wait(&p->space, &p->mu);
        if (p->stop || p->next >= p->list.n)
            break;
        i = p->next++;
        p->prep[i].state = 1;
        pthread_mutex_unlock(&p->mu);
        prepare(p, i, check);
        pthread_mutex_lock(&p->mu);
        p->prep[i].state = 2;
        p->rows_ahead += p->prep[i].rows;
        pthread_cond_broadcast(&p->ready);
    }
    pthread_mutex_unlock(&p->mu);
    store_close(check);
    return NULL;
}

void ingest_stats_reject(struct ingest_stats *st, const char *what, const char *why)
{
    char *line = NULL, **n;

    vb_err("collect: %s: %s", what, why);
    st->rejected++;
    n = realloc(st->rejects, sizeof(*n) * (st->nrejects + 1));
    if (!n)
        return;
    st->rejects = n;
    if (asprintf(&line, "%s: %s", what, why) >= 0)
        n[st->nrejects++] = line;
}

/* Store input i (prepared); returns 0, -EINVAL (rejected) or the store's error. */
static int store_input(struct pipe *p, size_t i)
{
    struct ingest_input *in = &p->list.v[i];
    struct prepared *pr = &p->prep[i];
    struct tally t = {0};
    int ret = pr->ret;

    for (int attempt = 0; attempt < BUSY_ATTEMPTS; attempt++) {
        memset(&t, 0, sizeof(t));
        if (in->kind == IN_BUNDLE)
            ret = do_bundle(p, in->path, &t, pr->err, sizeof(pr->err));
        else if (pr->ret == 0)
            ret = count(&t, store_item(p, &pr->item, 1, pr->err, sizeof(pr->err)), &pr->item);
        else
            ret = count(&t, pr->ret, &pr->item);
        if (!ret && store_txn_open(p->s) && (ret = store_commit(p->s)))
            snprintf(pr->err, sizeof(pr->err), "%s", store_errmsg(p->s));
        if (ret)
            store_rollback(p->s);
        if (ret != -EBUSY)
            break;
    }
    p->st->inputs++;
    if (ret && ret != -EINVAL) {
        vb_err("collect: %s: store failed, input not stored: %s", in->path, pr->err);
        return ret;
    }
    if (ret) {
        ingest_stats_reject(p->st, in->path, pr->err);
        return ret;
    }
    p->st->stored += t.stored;
    p->st->already += t.already;
    p->st->rows += t.rows;
    p->st->links_skipped += t.links;
    if (p->o->verbose)
        fprintf(stderr, "collect: %s: %ld run%s stored (%ld rows), %ld already stored%s\n",
                in->path, t.stored, t.stored == 1 ? "" : "s", t.rows, t.already,
                t.links ? ", symbolic links skipped" : "");
    return 0;
}

int ingest_paths(struct store *s, const char *db_path, const char *const *paths, int n,
                 const struct ingest_opts *o, struct ingest_stats *st)
{
    struct pipe p = {.s = s, .db_path = db_path, .o = o, .st = st};
    pthread_t th[INGEST_MAX_JOBS];
    int nth = 0, ret = 0;

    if (ingest_list_paths(paths, n, &p.list) ||
        !(p.prep = calloc(p.list.n ? p.list.n : 1, sizeof(*p.prep)))) {
        vb_err("collect: out of memory");
        ingest_list_free(&p.list);
        return -ENOMEM;
    }
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.ready, NULL);
    pthread_cond_init(&p.space, NULL);
    {
        /* Readers start with Ctrl-C blocked, so the signal reaches the writer, which defers
           it while a bundle's extraction directory exists. */
        sigset_t block, old;
        sigemptyset(&block);
        sigaddset(&block, SIGINT);
        sigaddset(&block, SIGTERM);
        sigaddset(&block, SIGHUP);
        pthread_sigmask(SIG_BLOCK, &block, &old);
        for (int k = 0; k < o->jobs && k < INGEST_MAX_JOBS && p.list.n > 1; k++)
            if (pthread_create(&th[nth], NULL, reader, &p) == 0)
                nth++;
        pthread_sigmask(SIG_SETMASK, &old, NULL);
    }
    for (size_t i = 0; i < p.list.n; i++) {
        int r;
        pthread_mutex_lock(&p.mu);
        if (!nth && p.prep[i].state == 0) { /* no readers: read it here */
            p.prep[i].state = 1;
            pthread_mutex_unlock(&p.mu);
            prepare(&p, i, s);
            pthread_mutex_lock(&p.mu);
            p.prep[i].state = 2;
            p.rows_ahead += p.prep[i].rows;
        }
        while (p.prep[i].state != 2)
            pthread_cond_wait(&p.ready, &p.mu);
        pthread_mutex_unlock(&p.mu);
        r = store_input(&p, i);
        pthread_mutex_lock(&p.mu);
        if (p.prep[i].have_item) {
            ingest_item_free(&p.prep[i].item);
            p.prep[i].have_item = 0;
        }
        p.done = i + 1;
        p.rows_ahead -= p.prep[i].rows;
        if (r && (r != -EINVAL || !o->keep_going))
            p.stop = 1;
        pthread_cond_broadcast(&p.space);
        pthread_mutex_unlock(&p.mu);
        if (r && r != -EINVAL)
            ret = r;
        if (p.stop)
            break;
    }
    pthread_mutex_lock(&p.mu);
    p.stop = 1;
    pthread_cond_broadcast(&p.space);
    pthread_mutex_unlock(&p.mu);
    for (int k = 0; k < nth; k++)
        pthread_join(th[k], NULL);
    for (size_t i = 0; i < p.list.n; i++)
        if (p.prep[i].have_item)
            ingest_item_free(&p.prep[i].item);
    free(p.prep);
    ingest_list_free(&p.list);
    pthread_mutex_destroy(&p.mu);
    pthread_cond_destroy(&p.ready);
    pthread_cond_destroy(&p.space);
    if (ret)
        return ret;
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
