/*
 * Ingesting inputs into the store: viobench run directories, tar bundles of them, Google
 * Benchmark JSON, fio JSON and HdrHistogram interval logs. Each input (a run directory, a JSON file, a whole bundle)
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
    json_t *raw_rows;         /* gbench: the original row objects (owned), or NULL */
    struct store_hist *hists; /* viobench: encoded histograms, one per row (owned), or NULL */
    json_t *labels;           /* labels the input carries (owned object) */
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

/* The files of a run directory: context.json, results.json, histograms.txt (NULL when
   absent), each NUL-terminated. */
struct ingest_rundir {
    char *buf[3];
    size_t len[3];
};
/* Read a run directory's files and its content hash: SHA-256 over the name, length and
   bytes of each file present. 0 or -EINVAL with the reason in err. */
int ingest_rundir_load(const char *dir, struct ingest_rundir *d, char out[65], char *err,
                       size_t errlen);
/* Parse loaded files into an item: the checks of vb_read_run_dir(), histograms straight
   into the store's encoding (it->hists). 0 or -EINVAL with the reason in err. */
int ingest_rundir_parse(const char *dir, const struct ingest_rundir *d, struct ingest_item *it,
                        char *err, size_t errlen);
/* Free the loaded files. */
void ingest_rundir_free(struct ingest_rundir *d);
/* Load and parse a run directory into an item. 0, or -EINVAL with the reason in err. */
int ingest_read_rundir(const char *dir, struct ingest_item *it, char *err, size_t errlen);
/* histograms.txt bytes into one encoded histogram per row of r (*out: r->nrows entries,
   blob NULL for rows without one). 0, -EINVAL with the reason in err, or -ENOMEM. */
int ingest_hist_text(const char *buf, size_t len, const struct vb_run *r, struct store_hist **out,
                     char *err, size_t errlen);
/* Free what ingest_hist_text made. */
void ingest_hists_free(struct store_hist *hs, size_t n);
/* Read a whole input file (*buf malloc'ed, NUL-terminated) and its SHA-256. 0 or -EINVAL. */
int ingest_json_bytes(const char *path, char **buf, size_t *len, char hash[65], char *err,
                      size_t errlen);
/* Fill an item from a file's bytes: an HdrHistogram log (ingest_hdrlog_sniff), else JSON
   (Google Benchmark or fio, told apart by content; fio's notes before the document are
   skipped). 0, or -EINVAL with the reason in err. */
int ingest_parse_json(const char *buf, size_t len, struct ingest_item *it, char *err,
                      size_t errlen);
/* ingest_json_bytes then ingest_parse_json. */
int ingest_read_json(const char *path, struct ingest_item *it, char *err, size_t errlen);
/* Fill an item from a parsed Google Benchmark document (bytes hashed by the caller). */
int ingest_gbench(json_t *root, struct ingest_item *it, char *err, size_t errlen);
/* Fill an item from a parsed fio JSON or json+ document. */
int ingest_fio(json_t *root, struct ingest_item *it, char *err, size_t errlen);
/* Do these first bytes look like an HdrHistogram interval log (a "#[" header, a
   "StartTimestamp"/"EndTimestamp" legend, "Tag=", or an interval line)? 1 or 0. */
int ingest_hdrlog_sniff(const char *buf, size_t len);
/* Fill an item from an HdrHistogram interval log (len bytes, NUL-terminated; see
   ingest_hdrlog.c). 0, or -EINVAL with the reason (and line number) in err. */
int ingest_hdrlog(const char *buf, size_t len, struct ingest_item *it, char *err, size_t errlen);
/* Directories nested deeper than this are not walked, and bundle members with more name
   components are refused. */
#define INGEST_MAX_DEPTH 64

/* Extract a tar bundle (any compression libarchive reads) into a new private temporary
   directory under $TMPDIR whose path is written to dir: regular files and directories only,
   symbolic links skipped (their count in *skipped), anything else refused (see
   ingest_tar.c). 0, -EINTR when a blocked SIGINT/SIGTERM/SIGHUP/SIGQUIT is pending, or
   -EINVAL with the reason in err; nothing is left on disk unless 0. Until the directory is
   removed with ingest_rmtree, a crash removes it too. */
int ingest_tar_extract(const char *path, char *dir, size_t dirlen, long *skipped, char *err,
                       size_t errlen);
/* ingest_tar_extract of a bundle held in memory (len bytes at buf; the fuzz harness). */
int ingest_tar_extract_mem(const void *buf, size_t len, char *dir, size_t dirlen, long *skipped,
                           char *err, size_t errlen);
/* Remove a directory tree (the extraction directory; not following links, at most
   INGEST_MAX_DEPTH + 2 deep). Async-signal-safe but for the crash guard's reset. */
void ingest_rmtree(const char *dir);
/* Is a SIGINT, SIGTERM, SIGHUP or SIGQUIT that is not ignored pending (blocked while a
   bundle is open)? */
int ingest_interrupted(void);
/* Is this file a tar bundle, by its first bytes (gzip/bzip2/xz/zstd magic or ustar)? */
/* Up to len bytes from the start of path when it is a regular file, opened without blocking
   (a FIFO never hangs): the count read, or -errno (-EINVAL: not a regular file). */
ssize_t ingest_read_head(const char *path, void *buf, size_t len);
int ingest_is_bundle(const char *path);
/* The same test over the first n bytes of a file. 1 or 0. */
int ingest_bundle_magic(const unsigned char *b, size_t n);

/* ---- Finding inputs (ingest_walk.c) ---- */

enum ingest_kind { IN_RUNDIR, IN_JSON, IN_BUNDLE, IN_ERROR };

struct ingest_input {
    char *path;
    enum ingest_kind kind;
    char *error; /* IN_ERROR: why the path is not an input */
};

struct ingest_list {
    struct ingest_input *v;
    size_t n, cap;
};

/* Is dir a viobench run directory (has context.json)? */
int ingest_is_run_dir(const char *dir);
/* Append the inputs under dir in walk order (bundles only when bundles is set). 0 or
   -ENOMEM; unreadable directories, directories nested more than INGEST_MAX_DEPTH below dir
   and paths longer than PATH_MAX become IN_ERROR inputs. */
int ingest_list_dir(const char *dir, int bundles, struct ingest_list *l);
/* Append the inputs the named paths stand for, in order. 0 or -ENOMEM. */
int ingest_list_paths(const char *const *paths, int n, struct ingest_list *l);
/* Free a list. */
void ingest_list_free(struct ingest_list *l);

/* ---- Storing them (ingest.c) ---- */

/* Most reader threads ingest_paths starts. */
#define INGEST_MAX_JOBS 16

struct ingest_opts {
    json_t *labels; /* labels added to every run (object of strings), or NULL */
    int keep_going; /* go on after a rejected input */
    int verbose;    /* one line per input */
    int jobs; /* threads reading inputs ahead of the writer (up to INGEST_MAX_JOBS); 0: none */
};

struct ingest_stats {
    long inputs, stored, already, rejected, rows;
    long links_skipped; /* symbolic links inside bundles, never created */
    char **rejects;     /* "path: reason" of each rejected input */
    size_t nrejects;
};

/* Ingest every input found under paths (directories are walked) into the store at
   db_path (open as s; reader threads open their own read-only connections to skip content
   already stored). Inputs are stored in walk order, one transaction each. Returns 0 when
   nothing was rejected, 1 when an input was rejected (stopping there unless keep_going),
   -errno when the store failed. */
int ingest_paths(struct store *s, const char *db_path, const char *const *paths, int n,
                 const struct ingest_opts *o, struct ingest_stats *st);
/* Count one rejected input (what: its path or name) and keep "what: why" in st->rejects;
   the reason is also printed as an error line. */
void ingest_stats_reject(struct ingest_stats *st, const char *what, const char *why);
/* Free the rejects list. */
void ingest_stats_free(struct ingest_stats *st);

/* ---- Copying another store (ingest_store.c) ---- */

/* Ingest every run of the store at from (an SQLite file or a PostgreSQL URI, opened
   read-only) into s: each run as stored there (pairing, labels plus o->labels, rows,
   histograms, content hash), one transaction each, skipped when its content is in s
   already; so an upload of an offline host's store can be repeated. Returns like
   ingest_paths (each run counts as an input). */
int ingest_store(struct store *s, const char *from, const struct ingest_opts *o,
                 struct ingest_stats *st);

#endif
