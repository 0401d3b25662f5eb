/*
 * Reading inputs into items: viobench run directories (through lib/result.h's reader) and
 * JSON files, told apart by content (fio writes "fio version", Google Benchmark a
 * "benchmarks" array). The content hash is SHA-256 (nettle) of exactly the bytes the run
 * is made of, so the same run sent twice, as a directory or inside a bundle, hashes the
 * same.
 */
#include "fileio.h"
#include "ingest.h"
#include "jsonx.h"
#include "store_int.h"

#include <errno.h>
#include <nettle/sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Inputs larger than this are refused rather than read into memory. */
#define MAX_INPUT_BYTES ((size_t)1024 * 1024 * 1024)

int ingest_item_init(struct ingest_item *it)
{
    memset(it, 0, sizeof(*it));
    it->complete = 1;
    it->labels = json_object();
    if (!it->labels || vb_run_init(&it->run)) {
        json_decref(it->labels);
        return -ENOMEM;
    }
    return 0;
}

void ingest_item_free(struct ingest_item *it)
{
    ingest_hists_free(it->hists, it->run.nrows);
    vb_run_free(&it->run);
    json_decref(it->raw_rows);
    json_decref(it->labels);
    memset(it, 0, sizeof(*it));
}

static void hex(const uint8_t *d, size_t n, char *out)
{
    static const char x[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = x[d[i] >> 4];
        out[2 * i + 1] = x[d[i] & 15];
    }
    out[2 * n] = 0;
}

void ingest_sha256_hex(const void *buf, size_t len, char out[65])
{
    struct sha256_ctx c;
    uint8_t d[SHA256_DIGEST_SIZE];
    sha256_init(&c);
    sha256_update(&c, len, buf);
    sha256_digest(&c, sizeof(d), d);
    hex(d, sizeof(d), out);
}

/* Why reading an input file failed, in words. */
static const char *read_error(int ret)
{
    return ret == -EFBIG ? "larger than 1 GiB" : file_read_strerror(ret);
}

/* Copy a string member of a JSON object into dst ("" when absent). */
static void take(char *dst, size_t len, const json_t *o, const char *key)
{
    snprintf(dst, len, "%s", jx_str(o, key, ""));
}

/* Copy the string-valued labels of a context into the item (numbers as text). */
static void take_labels(struct ingest_item *it, const json_t *labels)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)labels, k, v)
    {
        if (json_is_string(v)) {
            json_object_set(it->labels, k, v);
        } else if (json_is_number(v) || json_is_boolean(v)) {
            char *t = json_dumps(v, JSON_ENCODE_ANY);
            if (t)
                json_object_set_new(it->labels, k, json_string(t));
            free(t);
        }
    }
}

static const char *const rundir_files[3] = {"context.json", "results.json", "histograms.txt"};

void ingest_rundir_free(struct ingest_rundir *d)
{
    for (int i = 0; i < 3; i++)
        free(d->buf[i]);
    memset(d, 0, sizeof(*d));
}

int ingest_rundir_load(const char *dir, struct ingest_rundir *d, char out[65], char *err,
                       size_t errlen)
{
    struct sha256_ctx c;
    uint8_t dg[SHA256_DIGEST_SIZE];
    int ret;

    /* The hash covers each file's name, length and bytes; histograms.txt may be absent. */
    memset(d, 0, sizeof(*d));
    sha256_init(&c);
    for (int i = 0; i < 3; i++) {
        char path[4200], head[80];
        snprintf(path, sizeof(path), "%s/%s", dir, rundir_files[i]);
        /* A guest's run directory: its files are read only if they are regular files. */
        ret = file_read_all(path, FILE_NOFOLLOW, MAX_INPUT_BYTES, &d->buf[i], &d->len[i]);
        if (ret == -ENOENT && i == 2)
            continue;
        if (ret) {
            snprintf(err, errlen, "%s: %s", path, read_error(ret));
            ingest_rundir_free(d);
            return -EINVAL;
        }
        snprintf(head, sizeof(head), "%s %zu\n", rundir_files[i], d->len[i]);
        sha256_update(&c, strlen(head), (const uint8_t *)head);
        sha256_update(&c, d->len[i], (const uint8_t *)d->buf[i]);
    }
    sha256_digest(&c, sizeof(dg), dg);
    hex(dg, sizeof(dg), out);
    return 0;
}

/* The run's own fields, from its context. 0 or -EINVAL. */
static int rundir_meta(const char *dir, struct ingest_item *it, char *err, size_t errlen)
{
    const json_t *ctx;

    ctx = it->run.context;
    it->source = "viobench";
    if (!json_is_string(json_object_get(ctx, "run_id")) || !*jx_str(ctx, "run_id", "")) {
        snprintf(err, errlen, "%s/context.json: missing or empty \"run_id\"", dir);
        return -EINVAL;
    }
    if (json_object_get(ctx, "labels") && !json_is_object(json_object_get(ctx, "labels"))) {
        snprintf(err, errlen, "%s/context.json: \"labels\" is not an object", dir);
        return -EINVAL;
    }
    take(it->run_id, sizeof(it->run_id), ctx, "run_id");
    if (store_norm_time(jx_str(ctx, "start", ""), it->start, sizeof(it->start)))
        it->start[0] = 0;
    if (store_norm_time(jx_str(ctx, "end", ""), it->end, sizeof(it->end)))
        it->end[0] = 0;
    snprintf(it->tool, sizeof(it->tool), "%s",
             jx_str(json_object_get(ctx, "tool"), "name", "viobench"));
    take(it->tool_version, sizeof(it->tool_version), json_object_get(ctx, "tool"), "version");
    take(it->host, sizeof(it->host), ctx, "host_name");
    it->complete = !json_is_false(json_object_get(ctx, "complete"));
    take_labels(it, json_object_get(ctx, "labels"));
    return 0;
}

/* Parse one loaded JSON file; NULL with "<dir>/<file>:line:col: reason" in err. */
static json_t *load_json(const char *dir, const struct ingest_rundir *d, int i, char *err,
                         size_t errlen)
{
    json_error_t je;
    json_t *j = json_loadb(d->buf[i], d->len[i], JSON_REJECT_DUPLICATES, &je);
    if (!j)
        snprintf(err, errlen, "%s/%s:%d:%d: %s", dir, rundir_files[i], je.line, je.column, je.text);
    return j;
}

int ingest_rundir_parse(const char *dir, const struct ingest_rundir *d, struct ingest_item *it,
                        char *err, size_t errlen)
{
    json_t *ctx = NULL, *res = NULL, *ver;
    char e2[512];
    int ret = -EINVAL;

    /* The checks of lib's vb_read_run_dir(), on the bytes already read for the hash. */
    if (!(ctx = load_json(dir, d, 0, err, errlen)))
        goto out;
    ver = json_object_get(ctx, "viobench_format");
    if (!json_is_object(ctx) || !json_is_integer(ver)) {
        snprintf(err, errlen, "%s/context.json: no viobench_format version", dir);
        goto out;
    }
    if (json_integer_value(ver) > VB_FORMAT_VERSION) {
        snprintf(err, errlen,
                 "%s/context.json: format version %lld is newer than this viobench (%d)", dir,
                 (long long)json_integer_value(ver), VB_FORMAT_VERSION);
        goto out;
    }
    if (!(res = load_json(dir, d, 1, err, errlen)))
        goto out;
    if (vb_read_gbench_json(res, &it->run, e2, sizeof(e2))) {
        snprintf(err, errlen, "%s/results.json: %s", dir, e2);
        goto out;
    }
    json_decref(it->run.context);
    it->run.context = ctx;
    ctx = NULL;
    if (d->buf[2] && ingest_hist_text(d->buf[2], d->len[2], &it->run, &it->hists, e2, sizeof(e2))) {
        snprintf(err, errlen, "%s/histograms.txt: %s", dir, e2);
        goto out;
    }
    ret = 0;
out:
    json_decref(ctx);
    json_decref(res);
    return ret ? -EINVAL : rundir_meta(dir, it, err, errlen);
}

int ingest_read_rundir(const char *dir, struct ingest_item *it, char *err, size_t errlen)
{
    struct ingest_rundir d;
    int ret = ingest_rundir_load(dir, &d, it->hash, err, errlen);
    if (!ret)
        ret = ingest_rundir_parse(dir, &d, it, err, errlen);
    ingest_rundir_free(&d);
    return ret;
}

/* fio prints notes before its JSON when it shares stdout with them; skip whole lines up
   to the first one that opens the document. */
static const char *skip_preamble(const char *buf)
{
    const char *p = buf;
    while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
        p++;
    if (*p == '{' || *p == '[')
        return p;
    for (const char *q = strstr(buf, "\n{"); q; q = strstr(q + 1, "\n{"))
        return q + 1;
    return buf;
}

int ingest_json_bytes(const char *path, char **buf, size_t *len, char hash[65], char *err,
                      size_t errlen)
{
    int ret = file_read_all(path, 0, MAX_INPUT_BYTES, buf, len);
    if (ret) {
        snprintf(err, errlen, "%s", read_error(ret));
        return -EINVAL;
    }
    ingest_sha256_hex(*buf, *len, hash);
    return 0;
}

int ingest_parse_json(const char *buf, size_t len, struct ingest_item *it, char *err, size_t errlen)
{
    json_error_t je;
    json_t *root;
    char e2[512];
    const char *doc;
    int ret, skipped;

    /* JSON never starts with '#': a log whose first line is a plain comment is one too */
    if (ingest_hdrlog_sniff(buf, len) || buf[strspn(buf, " \t\r\n")] == '#')
        return ingest_hdrlog(buf, len, it, err, errlen);
    if (memchr(buf, 0, len)) {
        snprintf(err, errlen, "binary data (a NUL byte at offset %zu), not JSON",
                 (size_t)((const char *)memchr(buf, 0, len) - buf));
        return -EINVAL;
    }
    doc = skip_preamble(buf);
    skipped = doc != buf && doc[-1] == '\n' && strspn(buf, " \t\r\n") < (size_t)(doc - buf);
    root = json_loadb(doc, len - (size_t)(doc - buf), JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        snprintf(err, errlen, "line %d, column %d: %s", je.line, je.column, je.text);
        return -EINVAL;
    }
    if (json_is_object(root) && json_object_get(root, "fio version"))
        ret = ingest_fio(root, it, e2, sizeof(e2));
    else if (skipped) {
        snprintf(e2, sizeof(e2), "text before the JSON document (only fio's notes are skipped)");
        ret = -EINVAL;
    } else if (json_is_object(root) && json_object_get(root, "benchmarks"))
        ret = ingest_gbench(root, it, e2, sizeof(e2));
    else {
        snprintf(e2, sizeof(e2),
                 "JSON, but neither Google Benchmark (no \"benchmarks\") nor "
                 "fio (no \"fio version\")");
        ret = -EINVAL;
    }
    json_decref(root);
    if (ret)
        snprintf(err, errlen, "%s", e2);
    return ret ? -EINVAL : 0;
}

int ingest_read_json(const char *path, struct ingest_item *it, char *err, size_t errlen)
{
    char *buf;
    size_t len;
    int ret;

    if ((ret = ingest_json_bytes(path, &buf, &len, it->hash, err, errlen)))
        return ret;
    ret = ingest_parse_json(buf, len, it, err, errlen);
    free(buf);
    return ret;
}
