/*
 * Ingesting inputs into the store: viobench run directories, tar bundles of them, Google
 * Benchmark JSON and fio JSON. Each input (a run directory, a JSON file, a whole bundle)
 * is read and checked, then stored in one transaction, so a malformed input leaves nothing
 * behind and a second ingest of the same content changes nothing.
 *
 * The readers turn one input into items (parsed runs with their content hash); the walker
 * (ingest.c) finds inputs under the paths given and stores the items.
 */
#ifndef VB_INGEST_H
#define VB_INGEST_H

#include <jansson.h>
#include <stddef.h>

#include "result.h"
#include "store.h"

/* One run read from an input, ready for store_add_run. */
struct ingest_item {
    const char *source; /* "viobench", "gbench", "fio" */
    char run_id[128];
    char hash[65]; /* SHA-256 hex of the content */
    char origin[4200];
    char start[32], end[32]; /* ISO 8601 UTC or "" */
    char tool[64], tool_version[64], host[128];
    int complete;
    struct vb_run run;
    json_t *raw_rows; /* gbench: the original row objects (owned), or NULL */
    json_t *labels;   /* labels the input carries (owned object) */
};

/* Initialise an empty item. 0 or -ENOMEM. */
int ingest_item_init(struct ingest_item *it);
/* Free what the item holds. */
void ingest_item_free(struct ingest_item *it);

/* SHA-256 of a buffer as 64 hex digits (out has 65 bytes). */
void ingest_sha256_hex(const void *buf, size_t len, char out[65]);

/* Name a run that has no id of its own from its start and hash: "<prefix>-YYYYMMDD-HHMMSS-
   <12 hex digits>" (without the date when the start is unknown). */
void ingest_make_run_id(struct ingest_item *it, const char *prefix);

/* Read a viobench run directory into an item. 0, or -EINVAL with the reason in err. */
int ingest_read_rundir(const char *dir, struct ingest_item *it, char *err, size_t errlen);
/* Read a JSON file (Google Benchmark or fio, told apart by content) into an item. 0, or
   -EINVAL with the reason in err. */
int ingest_read_json(const char *path, struct ingest_item *it, char *err, size_t errlen);
/* Fill an item from a parsed Google Benchmark document (bytes hashed by the caller). */
int ingest_gbench(json_t *root, struct ingest_item *it, char *err, size_t errlen);
/* Fill an item from a parsed fio JSON or json+ document. */
int ingest_fio(json_t *root, struct ingest_item *it, char *err, size_t errlen);
/* Extract a tar bundle (any compression libarchive reads) into a new temporary directory
   whose path is written to dir. 0, or -EINVAL with the reason in err (nothing is left on
   disk then). Remove the directory with ingest_rmtree. */
int ingest_tar_extract(const char *path, char *dir, size_t dirlen, char *err, size_t errlen);
/* Remove a directory tree (the extraction directory). */
void ingest_rmtree(const char *dir);
/* Is this file a tar bundle, by its first bytes (gzip/bzip2/xz/zstd magic or ustar)? */
int ingest_is_bundle(const char *path);

struct ingest_opts {
    json_t *labels; /* labels added to every run (object of strings), or NULL */
    int keep_going; /* go on after a rejected input */
    int verbose;    /* one line per input */
};

struct ingest_stats {
    long inputs, stored, already, rejected, rows;
    char **rejects; /* "path: reason" of each rejected input */
    size_t nrejects;
};

/* Ingest every input found under paths (directories are walked). Returns 0 when nothing
   was rejected, 1 when an input was rejected (the walk stops there unless keep_going),
   -errno when the store failed. */
int ingest_paths(struct store *s, const char *const *paths, int n, const struct ingest_opts *o,
                 struct ingest_stats *st);
/* Free the rejects list. */
void ingest_stats_free(struct ingest_stats *st);

#endif
