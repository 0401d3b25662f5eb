/*
 * The store's public functions (store.h) over its backends: the one place that picks a
 * backend from the --db value (a file path: SQLite; a postgresql:// or postgres:// URI or a
 * libpq key=value string: PostgreSQL) and forwards each call through the backend's table of
 * operations. Callers never learn which backend they talk to.
 */
#include "store_int.h"

#include <ctype.h>
#include <string.h>

int store_is_remote(const char *target)
{
    const char *p = target;

    if (!target)
        return 0;
    if (strncmp(target, "postgresql://", 13) == 0 || strncmp(target, "postgres://", 11) == 0)
        return 1;
    /* a key=value conninfo starts with a libpq keyword and '=' ("host=/run/pg dbname=vb");
       a file whose name looks like that is given as ./name */
    while (isspace((unsigned char)*p))
        p++;
    if (!islower((unsigned char)*p))
        return 0;
    while (islower((unsigned char)*p) || *p == '_')
        p++;
    while (isspace((unsigned char)*p))
        p++;
    return *p == '=';
}

int store_open(const char *target, unsigned flags, struct store **out, char *err, size_t errlen)
{
    const struct store_ops *ops = store_is_remote(target) ? &store_pg_ops : &store_sqlite_ops;
    return ops->open(target, flags, out, err, errlen);
}

void store_close(struct store *s)
{
    if (s)
        s->ops->close(s);
}

const char *store_errmsg(const struct store *s)
{
    return s->err;
}

const char *store_name(const struct store *s)
{
    return s->path;
}

const char *store_backend(const struct store *s)
{
    return s->ops->name;
}

int store_schema_version(struct store *s)
{
    return s->ops->schema_version(s);
}

int store_begin(struct store *s)
{
    return s->ops->begin(s);
}

int store_commit(struct store *s)
{
    return s->ops->commit(s);
}

void store_rollback(struct store *s)
{
    s->ops->rollback(s);
}

int store_txn_open(const struct store *s)
{
    return s->in_txn;
}

int store_has_hash(struct store *s, const char *hash)
{
    return s->ops->has_hash(s, hash);
}

int store_add_run(struct store *s, const struct store_new_run *nr)
{
    return s->ops->add_run(s, nr);
}

int store_select_runs(struct store *s, const struct store_sel *sel, struct store_run_info **out,
                      size_t *n)
{
    return s->ops->select_runs(s, sel, out, n);
}

int store_find_run(struct store *s, const char *run_id, int64_t *id)
{
    return s->ops->find_run(s, run_id, id);
}

int store_list_benchmarks(struct store *s, int64_t id, char ***names, size_t *n)
{
    return s->ops->list_benchmarks(s, id, names, n);
}

int store_load_run(struct store *s, int64_t id, struct vb_run *out)
{
    return s->ops->load_run_each(s, id, out, NULL, NULL);
}

int store_load_run_each(struct store *s, int64_t id, struct vb_run *out,
                        int (*row_cb)(struct vb_row *w, size_t idx, void *arg), void *arg)
{
    return s->ops->load_run_each(s, id, out, row_cb, arg);
}

int store_load_summaries(struct store *s, int64_t id, struct vb_run *out)
{
    return s->ops->load_summaries(s, id, out);
}

json_t *store_load_raw_rows(struct store *s, int64_t id)
{
    return s->ops->load_raw_rows(s, id);
}

int store_stats(struct store *s, long *runs, long *rows, long long *bytes)
{
    return s->ops->stats(s, runs, rows, bytes);
}
