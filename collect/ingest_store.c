/*
 * `viobench collect --from STORE`: copy the runs of one store into another, for hosts and
 * labs that collect offline into SQLite and upload to the fleet's PostgreSQL later (or
 * back). Each run keeps its content hash, so the copy is idempotent like every ingest, and
 * a run that reached the fleet store both directly and through an upload is stored once.
 */
#include "ingest.h"
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BUSY_ATTEMPTS 5

/* Copy one run: 0 stored, 1 already there, -EEXIST (run id stored with other content),
   other -errno: the store failed (message in s). */
static int copy_run(struct store *s, struct store *from, const struct store_run_info *ri,
                    const struct ingest_opts *o, long *rows, const char **why)
{
    struct store_new_run nr;
    struct vb_run run;
    json_t *labels = NULL, *raw = NULL;
    int ret;

    *why = "out of memory";
    if ((ret = store_has_hash(s, ri->content_hash)) != 0) {
        *why = store_errmsg(s);
        return ret;
    }
    if (vb_run_init(&run))
        return -ENOMEM;
    if ((ret = store_load_run(from, ri->id, &run))) {
        *why = store_errmsg(from);
        goto out;
    }
    raw = store_load_raw_rows(from, ri->id);
    if (!(labels = json_deep_copy(ri->labels)) ||
        (o->labels && json_object_update(labels, o->labels))) {
        ret = -ENOMEM;
        goto out;
    }
    memset(&nr, 0, sizeof(nr));
    nr.run_id = ri->run_id;
    nr.source = ri->source;
    nr.content_hash = ri->content_hash;
    nr.origin = store_name(from);
    nr.start = ri->start;
    nr.end = ri->end;
    nr.tool = ri->tool;
    nr.tool_version = ri->tool_version;
    nr.host = ri->host;
    nr.complete = ri->complete;
    nr.pairing = ri->pairing;
    /* as for other inputs, a --label named like a pairing key fills it where unknown */
    for (int k = 0; k < SP_NKEYS; k++) {
        const char *v = json_string_value(json_object_get(o->labels, store_pairing_keys[k]));
        if (!nr.pairing.v[k][0] && v)
            snprintf(nr.pairing.v[k], sizeof(nr.pairing.v[k]), "%s", v);
    }
    nr.labels = labels;
    nr.run = &run;
    nr.raw_rows = raw;
    nr.last = 1; /* one transaction per run */
    for (int attempt = 0; attempt < BUSY_ATTEMPTS; attempt++) {
        if ((ret = store_begin(s)) == 0 && (ret = store_add_run(s, &nr)) >= 0 && store_txn_open(s))
            ret = store_commit(s) ? -EIO : ret;
        if (ret < 0 && store_txn_open(s))
            store_rollback(s);
        if (ret != -EBUSY)
            break;
    }
    if (ret == 0)
        *rows = (long)run.nrows;
    if (ret < 0 && ret != -ENOMEM)
        *why = store_errmsg(s);
out:
    vb_run_free(&run);
    json_decref(labels);
    json_decref(raw);
    return ret;
}

int ingest_store(struct store *s, const char *from_db, const struct ingest_opts *o,
                 struct ingest_stats *st)
{
    struct store *from = NULL;
    struct store_run_info *runs = NULL;
    size_t n = 0;
    char err[1024];
    int ret = 0;

    if (store_open(from_db, STORE_RDONLY, &from, err, sizeof(err))) {
        vb_err("collect: --from: %s", err);
        return -EIO;
    }
    if (store_select_runs(from, NULL, &runs, &n)) {
        vb_err("collect: --from: %s", store_errmsg(from));
        store_close(from);
        return -EIO;
    }
    for (size_t i = 0; i < n; i++) {
        const char *why = "";
        long rows = 0;
        int r;
        char what[512];

        if (ingest_interrupted()) {
            ret = -EINTR;
            break;
        }
        st->inputs++;
        r = copy_run(s, from, &runs[i], o, &rows, &why);
        snprintf(what, sizeof(what), "%s: run %s", store_name(from), runs[i].run_id);
        if (r == 1) {
            st->already++;
        } else if (r == 0) {
            st->stored++;
            st->rows += rows;
            if (o->verbose)
                fprintf(stderr, "collect: %s: stored (%ld rows)\n", what, rows);
        } else if (r == -EEXIST) {
            ingest_stats_reject(st, what, why);
            if (!o->keep_going)
                break;
        } else {
            vb_err("collect: %s: store failed, run not stored: %s", what, why);
            ret = r;
            break;
        }
    }
    store_runs_free(runs, n);
    store_close(from);
    if (ret)
        return ret;
    return st->rejected ? 1 : 0;
}
