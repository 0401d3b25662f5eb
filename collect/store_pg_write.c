/*
 * Adding a run to the PostgreSQL store, with the SQLite writer's semantics (store_write.c)
 * and as few round trips as possible (each costs a wake-up of the server process, which is
 * what a loaded machine charges most for): dimension rows (pairing, benchmark names) come
 * from a per-connection cache and are added in one statement only when new; then a single
 * statement adds the run row (INSERT ... ON CONFLICT DO NOTHING: the unique content hash and
 * run id decide, also against a collector on another host committing the same run at the
 * same moment), its labels, result rows and histograms, from column arrays passed as binary
 * bind parameters (store_pg_param.c), pipelined behind the transaction's BEGIN, with a
 * statement prepared once per connection. Nothing from the input is ever part of the SQL
 * text.
 */
#include "store_pg.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

/* Send BEGIN now when store_begin deferred it (dimension rows go in the transaction). */
static int flush_begin(struct store *s)
{
    int ret;
    if (!s->pg->need_begin)
        return 0;
    if ((ret = pgs_cmd(s, "begin transaction", "BEGIN", 0, NULL)))
        return ret;
    s->pg->need_begin = 0;
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Ids of the run's benchmark names: from the cache, or added (sorted, so that collectors
   adding the same new names take their locks in one order) and read back. */
static int bench_ids(struct store *s, const struct vb_run *run, int64_t *ids)
{
    char **miss = NULL;
    size_t nmiss = 0;
    struct pgs_buf b = {0};
    PGresult *r = NULL;
    int ret = 0;

    for (size_t i = 0; i < run->nrows; i++)
        if (!pgs_cache_get(&s->pg->bench, run->rows[i].run_name, &ids[i])) {
            if (!miss && !(miss = malloc(run->nrows * sizeof(*miss))))
                return pgs_fail(s, -ENOMEM, "%s: out of memory", s->path);
            miss[nmiss++] = run->rows[i].run_name;
        }
    if (!nmiss)
        return 0;
    qsort(miss, nmiss, sizeof(*miss), cmp_str);
    {
        size_t o = 0;
        for (size_t i = 0; i < nmiss; i++)
            if (!o || strcmp(miss[o - 1], miss[i]) != 0)
                miss[o++] = miss[i];
        nmiss = o;
    }
    for (size_t i = 0; i < nmiss; i++)
        pgs_lit_el(&b, miss[i]);
    if (!pgs_lit_end(&b)) {
        ret = pgs_fail(s, -ENOMEM, "%s: out of memory", s->path);
        goto out;
    }
    if ((ret = flush_begin(s)))
        goto out;
    {
        const char *v[1] = {b.p};
        if ((ret = pgs_cmd(s, "add benchmarks",
                           "INSERT INTO benchmarks (name) SELECT n FROM unnest($1::text[]) n"
                           " ON CONFLICT DO NOTHING",
                           1, v)))
            goto out;
        if (!(r = pgs_exec(s, "find benchmarks", PGRES_TUPLES_OK,
                           "SELECT name, id FROM benchmarks WHERE name = ANY($1::text[])", 1, v))) {
            ret = s->pg->last;
            goto out;
        }
    }
    for (int i = 0; i < PQntuples(r); i++)
        if (pgs_cache_put(&s->pg->bench, PQgetvalue(r, i, 0), atoll(PQgetvalue(r, i, 1)), 1)) {
            ret = pgs_fail(s, -ENOMEM, "%s: out of memory", s->path);
            goto out;
        }
    for (size_t i = 0; i < run->nrows; i++)
        if (!pgs_cache_get(&s->pg->bench, run->rows[i].run_name, &ids[i])) {
            ret = pgs_fail(s, -EIO, "%s: benchmark '%s' missing after adding it", s->path,
                           run->rows[i].run_name);
            goto out;
        }
out:
    PQclear(r);
    free(b.p);
    free(miss);
    return ret;
}

static int pairing_id(struct store *s, const struct store_pairing *p, int64_t *id)
{
    const char *v[SP_NKEYS];
    char key[SP_NKEYS * 130] = "";
    PGresult *r;

    for (int k = 0; k < SP_NKEYS; k++) {
        v[k] = p->v[k];
        snprintf(key + strlen(key), sizeof(key) - strlen(key), "%s\x1f", p->v[k]);
    }
    if (pgs_cache_get(&s->pg->pairing, key, id))
        return 0;
    if (flush_begin(s) ||
        pgs_cmd(s, "add pairing",
                "INSERT INTO pairings (hypervisor, hypervisor_version, guest_os, guest_version,"
                " kernel, cpu_model, clocksource) VALUES ($1, $2, $3, $4, $5, $6, $7)"
                " ON CONFLICT DO NOTHING",
                SP_NKEYS, v))
        return s->pg->last;
    if (!(r = pgs_exec(s, "find pairing", PGRES_TUPLES_OK,
                       "SELECT id FROM pairings WHERE hypervisor = $1 AND hypervisor_version = $2"
                       " AND guest_os = $3 AND guest_version = $4 AND kernel = $5"
                       " AND cpu_model = $6 AND clocksource = $7",
                       SP_NKEYS, v)))
        return s->pg->last;
    if (PQntuples(r) != 1) {
        PQclear(r);
        return pgs_fail(s, -EIO, "%s: pairing missing after adding it", s->path);
    }
    *id = atoll(PQgetvalue(r, 0, 0));
    PQclear(r);
    return pgs_cache_put(&s->pg->pairing, key, *id, 1)
               ? pgs_fail(s, -ENOMEM, "%s: out of memory", s->path)
               : 0;
}

/* The parameters of add_sql: the run ($1-$13), labels ($14-$15), result columns ($16-$46),
   histogram columns ($47-$55) and the histogram layout ($56-$57). */
enum {
    P_RUN = 0,
    P_LAB = 13,
    P_RES = 15,
    NRES = 31,
    P_HIST = 46,
    NHIST = 9,
    P_LAYOUT = 55,
    NPARAMS = 57
};

/* Element types of the array parameters $14-$55, as add_sql casts them. */
static const uint32_t col_oid[P_LAYOUT - P_LAB] = {
    /* labels: key, value */
    OID_TEXT, OID_TEXT,
    /* results: seq, benchmark, name, run_type, aggregate_name, aggregate_unit */
    OID_INT4, OID_INT8, OID_TEXT, OID_TEXT, OID_TEXT, OID_TEXT,
    /* repetitions, repetition_index, threads, iterations, real_time, cpu_time, time_unit */
    OID_INT4, OID_INT4, OID_INT4, OID_INT8, OID_FLOAT8, OID_FLOAT8, OID_TEXT,
    /* mean_ns, p50 ... stddev_ns, bytes_per_second, items_per_second */
    OID_FLOAT8, OID_FLOAT8, OID_FLOAT8, OID_FLOAT8, OID_FLOAT8, OID_FLOAT8, OID_FLOAT8, OID_FLOAT8,
    OID_FLOAT8, OID_FLOAT8, OID_FLOAT8,
    /* label, error_occurred, error_message, skipped, counters, info, raw */
    OID_TEXT, OID_INT4, OID_TEXT, OID_INT4, OID_TEXT, OID_TEXT, OID_TEXT,
    /* histograms: seq, count, underflow, overflow, min, max, sum, sumsq, buckets */
    OID_INT4, OID_INT8, OID_INT8, OID_INT8, OID_FLOAT8, OID_FLOAT8, OID_FLOAT8, OID_FLOAT8,
    OID_BYTEA};

/* One statement adds the whole run: the run row (ON CONFLICT DO NOTHING: no row comes
   back when its content hash or run id is stored), then labels, result rows and
   histograms from column arrays, all only when the run row was added. */
static const char add_sql[] =
    "WITH run AS (INSERT INTO runs (run_id, source, content_hash, pairing, start_time, end_time,"
    " tool, tool_version, host, complete, origin, ingested_at, context)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
    " ON CONFLICT DO NOTHING RETURNING id),"
    " lab AS (INSERT INTO labels (run, key, value)"
    " SELECT run.id, u.k, u.v FROM run, unnest($14::text[], $15::text[]) AS u (k, v)),"
    " res AS (INSERT INTO results (run, seq, benchmark, name, run_type, aggregate_name,"
    " aggregate_unit, repetitions, repetition_index, threads, iterations, real_time, cpu_time,"
    " time_unit, mean_ns, p50_ns, p90_ns, p99_ns, p999_ns, p9999_ns, min_ns, max_ns, stddev_ns,"
    " bytes_per_second, items_per_second, label, error_occurred, error_message, skipped,"
    " counters, info, raw)"
    " SELECT run.id, u.* FROM run, unnest($16::int[], $17::bigint[], $18::text[], $19::text[],"
    " $20::text[], $21::text[], $22::int[], $23::int[], $24::int[], $25::bigint[],"
    " $26::float8[], $27::float8[], $28::text[], $29::float8[], $30::float8[], $31::float8[],"
    " $32::float8[], $33::float8[], $34::float8[], $35::float8[], $36::float8[], $37::float8[],"
    " $38::float8[], $39::float8[], $40::text[], $41::int[], $42::text[], $43::int[],"
    " $44::text[], $45::text[], $46::text[]) AS u"
    " RETURNING id, seq),"
    " his AS (INSERT INTO histograms (result, sub_bits, min_exp, count, underflow, overflow,"
    " min_ns, max_ns, sum_ns, sumsq_ns, buckets)"
    " SELECT res.id, $56::int, $57::int, h.c, h.u, h.o, h.mi, h.ma, h.su, h.sq, h.b FROM res"
    " JOIN unnest($47::int[], $48::bigint[], $49::bigint[], $50::bigint[], $51::float8[],"
    " $52::float8[], $53::float8[], $54::float8[], $55::bytea[])"
    " AS h (seq, c, u, o, mi, ma, su, sq, b) ON h.seq = res.seq)"
    " SELECT id FROM run";

/* Fill the column arrays from the run's rows; 0 or -ENOMEM. */
static int columns(const struct store_new_run *nr, const int64_t *bench, struct pgs_arr *res,
                   struct pgs_arr *hist)
{
    const struct vb_run *vr = nr->run;

    for (size_t i = 0; i < vr->nrows; i++) {
        const struct vb_row *w = &vr->rows[i];
        const json_t *raw = nr->raw_rows ? json_array_get(nr->raw_rows, i) : NULL;
        const struct store_hist *e = nr->hists ? &nr->hists[i] : NULL;
        char *counters = store_counters_json(w);
        char *info = w->info ? json_dumps(w->info, JSON_COMPACT | JSON_REAL_PRECISION(17)) : NULL;
        char *rawtext = raw ? json_dumps(raw, JSON_COMPACT | JSON_REAL_PRECISION(17)) : NULL;
        double scale = vb_time_unit_scale(w->time_unit);
        int agg = w->run_type == VB_AGGREGATE, k = 0, ret = 0;

        if ((w->ncounters && !counters) || (w->info && !info) || (raw && !rawtext))
            ret = -ENOMEM;
        pgs_arr_int(&res[k++], (long long)i);
        pgs_arr_int(&res[k++], bench[i]);
        pgs_arr_text(&res[k++], w->name ? w->name : "");
        pgs_arr_text(&res[k++], agg ? "aggregate" : "iteration");
        pgs_arr_text(&res[k++], agg ? (w->aggregate_name ? w->aggregate_name : "") : NULL);
        pgs_arr_text(&res[k++], agg ? (w->aggregate_is_pct ? "percentage" : "time") : NULL);
        pgs_arr_int(&res[k++], w->repetitions);
        pgs_arr_int(&res[k++], w->repetition_index);
        pgs_arr_int(&res[k++], w->threads);
        pgs_arr_int(&res[k++], (long long)w->iterations);
        pgs_arr_f8(&res[k++], w->real_time);
        pgs_arr_f8(&res[k++], w->cpu_time);
        pgs_arr_text(&res[k++], w->time_unit);
        pgs_arr_f8(&res[k++], (w->aggregate_is_pct || scale == 0) ? NAN : w->real_time / scale);
        for (int c = 0; c < 8; c++)
            pgs_arr_f8(&res[k++], vb_row_counter(w, store_pct_cols[c]));
        pgs_arr_f8(&res[k++], w->bytes_per_second);
        pgs_arr_f8(&res[k++], w->items_per_second);
        pgs_arr_text(&res[k++], w->label);
        pgs_arr_int(&res[k++], w->error_occurred);
        pgs_arr_text(&res[k++],
                     w->error_occurred ? (w->error_message ? w->error_message : "") : NULL);
        pgs_arr_int(&res[k++], w->skipped);
        pgs_arr_text(&res[k++], counters);
        pgs_arr_text(&res[k++], info);
        pgs_arr_text(&res[k++], rawtext);
        free(counters);
        free(info);
        free(rawtext);
        if (ret)
            return ret;
        if (w->hist || (e && e->blob)) {
            const struct hist *h = w->hist;
            struct store_hist mine;
            if (h) {
                mine = (struct store_hist){h->count, h->underflow, h->overflow, h->min,
                                           h->max,   h->sum,       h->sumsq};
                if (histblob_encode(h, &mine.blob, &mine.len))
                    return -ENOMEM;
                e = &mine;
            }
            pgs_arr_int(&hist[0], (long long)i);
            pgs_arr_int(&hist[1], (long long)e->count);
            pgs_arr_int(&hist[2], (long long)e->underflow);
            pgs_arr_int(&hist[3], (long long)e->overflow);
            pgs_arr_f8(&hist[4], e->min);
            pgs_arr_f8(&hist[5], e->max);
            pgs_arr_f8(&hist[6], e->sum);
            pgs_arr_f8(&hist[7], e->sumsq);
            pgs_arr_bytea(&hist[8], e->blob, e->len);
            if (h)
                free(mine.blob);
        }
    }
    return 0;
}

/* Run add_sql, with a deferred BEGIN ahead of it and, for the transaction's last run, the
   COMMIT behind it, in one pipeline (one round trip). The result (rows: the new run's id,
   or none), or NULL with the error recorded; *committed says whether the COMMIT went
   through (a failed statement leaves the transaction open, aborted, for the rollback). */
static PGresult *exec_add(struct store *s, const char *const *v, const int *len, const int *fmt,
                          int commit, int *committed)
{
    PGconn *c = s->pg->conn;
    PGresult *r, *out = NULL, *bad = NULL;

    *committed = 0;
    /* prepared once per connection; generic plan (the session's plan_cache_mode): it is
       planned once, not for each run */
    if (!s->pg->add_prepared) {
        r = PQprepare(c, "vb_add_run", add_sql, NPARAMS, NULL);
        if (PQresultStatus(r) != PGRES_COMMAND_OK) {
            pgs_resfail(s, r, "prepare");
            return NULL;
        }
        PQclear(r);
        s->pg->add_prepared = 1;
    }
    if (!s->pg->need_begin && !commit) {
        r = PQexecPrepared(c, "vb_add_run", NPARAMS, v, len, fmt, 0);
        if (PQresultStatus(r) != PGRES_TUPLES_OK) {
            pgs_resfail(s, r, "add run");
            return NULL;
        }
        return r;
    }
    if (!PQenterPipelineMode(c) ||
        (s->pg->need_begin && !PQsendQueryParams(c, "BEGIN", 0, NULL, NULL, NULL, NULL, 0)) ||
        !PQsendQueryPrepared(c, "vb_add_run", NPARAMS, v, len, fmt, 0) ||
        (commit && !PQsendQueryParams(c, "COMMIT", 0, NULL, NULL, NULL, NULL, 0)) ||
        !PQpipelineSync(c)) {
        pgs_resfail(s, NULL, "add run");
        PQexitPipelineMode(c);
        return NULL;
    }
    /* each statement's result and a NULL, then the sync; after an error the rest come back
       PGRES_PIPELINE_ABORTED (not run) */
    for (;;) {
        if (!(r = PQgetResult(c))) {
            if (PQstatus(c) == CONNECTION_BAD)
                break;
            continue;
        }
        if (PQresultStatus(r) == PGRES_PIPELINE_SYNC) {
            PQclear(r);
            break;
        }
        if (PQresultStatus(r) == PGRES_TUPLES_OK && !out)
            out = r;
        else if (PQresultStatus(r) != PGRES_COMMAND_OK && !bad)
            bad = r;
        else
            PQclear(r);
    }
    PQexitPipelineMode(c);
    s->pg->need_begin = 0;
    if (bad || !out) {
        PQclear(out);
        pgs_resfail(s, bad, "add run");
        return NULL;
    }
    *committed = commit && PQtransactionStatus(c) == PQTRANS_IDLE;
    return out;
}

/* After a conflict: 1 when the same content is stored, -EEXIST when the run id is stored
   with other content. */
static int conflict(struct store *s, const struct store_new_run *nr)
{
    const char *v[2] = {nr->run_id, nr->content_hash};
    PGresult *r = pgs_exec(s, "look up run", PGRES_TUPLES_OK,
                           "SELECT content_hash FROM runs WHERE content_hash = $2 OR run_id = $1"
                           " ORDER BY content_hash = $2 DESC LIMIT 1",
                           2, v);
    int ret;

    if (!r)
        return s->pg->last;
    if (PQntuples(r) == 0)
        ret = pgs_fail(s, -EBUSY, "%s: run %s: the conflicting run vanished; retrying", s->path,
                       nr->run_id);
    else if (strcmp(PQgetvalue(r, 0, 0), nr->content_hash) == 0)
        ret = 1;
    else
        ret = pgs_fail(s, -EEXIST,
                       "run %s is already stored with other content (hash %.12s, this one "
                       "%.12s)",
                       nr->run_id, PQgetvalue(r, 0, 0), nr->content_hash);
    PQclear(r);
    return ret;
}

int pgs_add_run(struct store *s, const struct store_new_run *nr)
{
    struct pgs_arr cols[NPARAMS];
    const char *v[NPARAMS];
    int len[NPARAMS] = {0}, fmt[NPARAMS] = {0};
    char pid_s[32], complete[8], now[40], sub[8], minexp[8];
    int64_t pid = 0, *bench = NULL;
    char *ctx = NULL;
    PGresult *r = NULL;
    struct timeval tv;
    const char *k;
    json_t *lv;
    int ret, committed = 0;

    if (!s->in_txn)
        return pgs_fail(s, -EINVAL, "%s: store_add_run outside a transaction", s->path);
    memset(cols, 0, sizeof(cols));
    for (int i = P_LAB; i < P_LAYOUT; i++)
        cols[i].oid = col_oid[i - P_LAB];
    if (!(bench = calloc(nr->run->nrows ? nr->run->nrows : 1, sizeof(*bench))) ||
        !(ctx = json_dumps(nr->run->context, JSON_COMPACT | JSON_REAL_PRECISION(17)))) {
        ret = pgs_fail(s, -ENOMEM, "%s: out of memory", s->path);
        goto out;
    }
    if ((ret = pairing_id(s, &nr->pairing, &pid)) || (ret = bench_ids(s, nr->run, bench)))
        goto out;
    gettimeofday(&tv, NULL);
    store_iso_time((double)tv.tv_sec * 1000 + (double)(tv.tv_usec / 1000), now, sizeof(now));
    snprintf(pid_s, sizeof(pid_s), "%lld", (long long)pid);
    snprintf(complete, sizeof(complete), "%d", nr->complete);
    snprintf(sub, sizeof(sub), "%d", HIST_SUB_BITS);
    snprintf(minexp, sizeof(minexp), "%d", HIST_MIN_EXP);
#define S(x) ((x) ? (x) : "")
    const char *run[13] = {S(nr->run_id),
                           S(nr->source),
                           S(nr->content_hash),
                           pid_s,
                           S(nr->start),
                           S(nr->end),
                           S(nr->tool),
                           S(nr->tool_version),
                           S(nr->host),
                           complete,
                           S(nr->origin),
                           now,
                           ctx};
#undef S
    memcpy(v, run, sizeof(run));
    json_object_foreach((json_t *)nr->labels, k, lv)
    {
        if (!json_is_string(lv))
            continue;
        pgs_arr_text(&cols[P_LAB], k);
        pgs_arr_text(&cols[P_LAB + 1], json_string_value(lv));
    }
    if (columns(nr, bench, &cols[P_RES], &cols[P_HIST])) {
        ret = pgs_fail(s, -ENOMEM, "%s: out of memory", s->path);
        goto out;
    }
    for (int i = P_LAB; i < P_LAYOUT; i++) {
        if (!(v[i] = pgs_arr_end(&cols[i], &len[i]))) {
            ret = pgs_fail(s, -ENOMEM, "%s: out of memory", s->path);
            goto out;
        }
        fmt[i] = 1;
    }
    v[P_LAYOUT] = sub;
    v[P_LAYOUT + 1] = minexp;
    if (!(r = exec_add(s, v, len, fmt, nr->last, &committed))) {
        ret = s->pg->last;
        goto out;
    }
    if (PQntuples(r) == 1)
        s->pg->added_txn++;
    if (committed)
        pgs_committed(s);
    ret = PQntuples(r) == 1 ? 0 : conflict(s, nr);
out:
    PQclear(r);
    for (int i = 0; i < NPARAMS; i++)
        free(cols[i].b.p);
    free(bench);
    free(ctx);
    return ret;
}
