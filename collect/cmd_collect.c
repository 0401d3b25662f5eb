/*
 * `viobench collect`: ingest runs into the store, and `viobench collect ls`: list what the
 * store holds. Both take --db (default results/viobench.db); ls selects runs with the
 * store's selectors (key=value globs over pairing, run and label keys, and dates).
 */
#include "collect.h"
#include "ingest.h"
#include "log.h"
#include "opt.h"
#include "store.h"
#include "units.h"

#include <errno.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_PATHS 65536

/* What the option tables fill: collect's ingest options directly (io; its labels come from
   --label afterwards), and the rest. */
static struct {
    struct ingest_opts io;
    const char *db, *from;
    struct opt_list labels;
    int json;
    const char *since, *until;
} a;

static const struct opt collect_opts[] = {
    {"db", 0, OPT_STR, &a.db, "DB",
     "the store: SQLite file (default " STORE_DEFAULT_PATH ", created) or PostgreSQL URI"},
    {"from", 0, OPT_STR, &a.from, "DB",
     "also copy every run of another store (SQLite file or PostgreSQL URI), e.g. an offline "
     "host's, into --db; runs already there are skipped"},
    {"label", 'l', OPT_LIST, &a.labels, "KEY=VALUE",
     "add a label to every run ingested (repeatable); a pairing key (hypervisor, kernel ...) "
     "also fills that key where the input did not detect it"},
    {"keep-going", 'k', OPT_FLAG, &a.io.keep_going, NULL,
     "go on after a rejected input; the summary lists what was rejected"},
    {"jobs", 'j', OPT_INT, &a.io.jobs, "N",
     "threads reading inputs ahead of the writer (default: CPUs - 1, 1 to 4; 0: none)"},
    {"verbose", 'v', OPT_FLAG, &a.io.verbose, NULL, "one line per input"},
    {NULL},
};

static const struct cmd_help collect_help = {
    .name = "viobench collect",
    .usage = "[OPTIONS] [PATH...]\n  viobench collect ls [OPTIONS] [KEY=VALUE...]",
    .summary =
        "Ingest runs into the store (an SQLite file, or a PostgreSQL database for a fleet:\n"
        "--db postgresql://...): viobench run directories, tar bundles of them\n"
        "(.tar, .tgz, .tar.gz, .tar.xz ...), Google Benchmark JSON, fio JSON (json or\n"
        "json+) and HdrHistogram interval logs (.hlog; values in ns, tags\n"
        "<benchmark>#<repetition>). Files named on the command line are told apart by\n"
        "content. Directories are walked; PATH defaults to results/. Each input is stored in\n"
        "one transaction: a malformed input is reported with the reason and nothing of it is\n"
        "stored. Ingesting the same content again changes nothing. `collect ls` lists runs.",
    .examples = "  viobench collect\n"
                "  viobench collect --db fleet.db guest1-runs.tgz guest2-runs.tgz\n"
                "  viobench collect --label hypervisor=kvm --label kernel=6.1.0 fio-randread.json\n"
                "  viobench collect --keep-going incoming/\n"
                "  viobench collect --label hypervisor=kvm wrk2-latency.hlog\n"
                "  viobench collect --db 'postgresql://vb@db.lab/viobench' guest1-runs.tgz\n"
                "  viobench collect --from lab.db --db 'postgresql://vb@db.lab/viobench'\n"
                "  viobench collect ls hypervisor=kvm --since 2026-11-01",
    .more = "EXIT STATUS\n  0 all inputs stored (or already there), 1 an input was rejected or "
            "the store\n  failed, 2 usage error.",
};

static const struct opt ls_opts[] = {
    {"db", 0, OPT_STR, &a.db, "DB",
     "the store: SQLite file (default " STORE_DEFAULT_PATH ") or PostgreSQL URI"},
    {"since", 0, OPT_STR, &a.since, "DATE", "runs started on or after DATE (2026-11-25[T10:00])"},
    {"until", 0, OPT_STR, &a.until, "DATE", "runs started on or before DATE (whole day/minute)"},
    {"json", 0, OPT_FLAG, &a.json, NULL, "print a JSON array instead of a table"},
    {NULL},
};

static const struct cmd_help ls_help = {
    .name = "viobench collect ls",
    .usage = "[OPTIONS] [KEY=VALUE...]",
    .summary = "List stored runs, oldest first. Each KEY=VALUE must hold (VALUE is a glob: *, ?, "
               "[set]).\nKeys: hypervisor, hypervisor_version, guest_os, guest_version, kernel, "
               "cpu_model,\nclocksource, run_id, source, tool, tool_version, host, complete, or "
               "any label.",
    .examples = "  viobench collect ls\n"
                "  viobench collect ls hypervisor=kvm 'kernel=6.1.*'\n"
                "  viobench collect ls source=fio --since 2026-11-01 --until 2026-11-30\n"
                "  viobench collect ls release=5.2 --json",
};

static int parse_labels(json_t *labels)
{
    for (int i = 0; i < a.labels.n; i++) {
        char *eq = strchr(a.labels.v[i], '=');
        struct store_sel probe = {0};
        char err[256];
        if (!eq || store_sel_add(&probe, a.labels.v[i], err, sizeof(err))) {
            vb_err("collect: --label: '%s' is not KEY=VALUE (KEY of letters, digits, '_', '.', "
                   "'-')",
                   a.labels.v[i]);
            store_sel_free(&probe);
            return -EINVAL;
        }
        store_sel_free(&probe);
        *eq = 0;
        json_object_set_new(labels, a.labels.v[i], json_string(eq + 1));
        *eq = '=';
    }
    return 0;
}

/* Open the store for writing, making results/ for the default path. */
static struct store *open_rw(void)
{
    struct store *s;
    char err[1024];

    if (!a.db) {
        a.db = STORE_DEFAULT_PATH;
        mkdir("results", 0755);
    }
    if (store_open(a.db, 0, &s, err, sizeof(err))) {
        vb_err("collect: %s", err);
        return NULL;
    }
    return s;
}

static void summary(struct store *s, const struct ingest_stats *st, const json_t *labels)
{
    long runs = 0, rows = 0;
    long long bytes = 0;
    char b1[32], b2[32];

    printf("collect: %ld input%s: %ld run%s stored (%ld rows), %ld already stored, %ld rejected\n",
           st->inputs, st->inputs == 1 ? "" : "s", st->stored, st->stored == 1 ? "" : "s", st->rows,
           st->already, st->rejected);
    if (st->links_skipped)
        printf("bundles: %ld symbolic link%s skipped (links are never extracted)\n",
               st->links_skipped, st->links_skipped == 1 ? "" : "s");
    if (store_stats(s, &runs, &rows, &bytes) == 0)
        printf("store %s: %ld runs, %ld rows, %s (%s per run)\n", store_name(s), runs, rows,
               units_fmt_size((double)bytes, b1, sizeof(b1)),
               units_fmt_size(runs ? (double)bytes / (double)runs : 0, b2, sizeof(b2)));
    if (st->already && json_object_size(labels))
        /* the store keeps a run as it was ingested: a label cannot be added afterwards */
        fprintf(stderr,
                "collect: --label not applied to the %ld run%s already stored: a stored run is "
                "not changed; label runs when first collected (or run with --label)\n",
                st->already, st->already == 1 ? "" : "s");
    if (st->nrejects) {
        printf("rejected:\n");
        for (size_t i = 0; i < st->nrejects; i++)
            printf("  %s\n", st->rejects[i]);
    }
}

/* Every histogram read is a ~42 KiB block, allocated and freed per row: keep freed memory
   in the process instead of returning it to the kernel and faulting it in again, which
   cost a quarter of the ingest time. */
static void tune_allocator(void)
{
#ifdef __GLIBC__
    mallopt(M_MMAP_THRESHOLD, 4 << 20);
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
    mallopt(M_TOP_PAD, 64 << 20);
#endif
}

static int collect_main(int argc, char **argv)
{
    static const char *pos[MAX_PATHS];
    struct ingest_stats st = {0};
    struct ingest_opts *o = &a.io;
    struct store *s = NULL;
    struct stat sb;
    int npos, ret;

    ret = opt_parse(collect_opts, &collect_help, argc, argv, pos, MAX_PATHS, &npos);
    if (ret)
        return ret == 1 ? 0 : 2;
    o->labels = json_object();
    if (!o->labels || parse_labels(o->labels)) {
        ret = 2;
        goto out;
    }
    if (o->jobs < -1 || o->jobs > INGEST_MAX_JOBS) {
        vb_err("collect: --jobs: %d is out of range (0 to %d)", o->jobs, INGEST_MAX_JOBS);
        ret = 2;
        goto out;
    }
    if (o->jobs < 0) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        o->jobs = cpus < 3 ? 1 : cpus > 5 ? 4 : (int)cpus - 1; /* the writer has a CPU too */
    }
    if (!(s = open_rw())) {
        ret = 1;
        goto out;
    }
    tune_allocator();
    if (npos == 0 && !a.from && stat("results", &sb) == 0)
        pos[npos++] = "results";
    ret = a.from ? ingest_store(s, a.from, o, &st) : 0;
    if (npos && (!ret || (ret == 1 && o->keep_going))) {
        int r = ingest_paths(s, a.db, pos, npos, o, &st);
        ret = r ? r : ret;
    }
    summary(s, &st, o->labels);
    ret = ret ? 1 : 0;
out:
    ingest_stats_free(&st);
    store_close(s);
    json_decref(o->labels);
    opt_list_free(&a.labels);
    return ret;
}

static void labels_text(const json_t *labels, char *buf, size_t len)
{
    const char *k;
    json_t *v;
    size_t o = 0;
    buf[0] = 0;
    json_object_foreach((json_t *)labels, k, v)
    {
        if (o < len)
            o += (size_t)snprintf(buf + o, len - o, "%s%s=%s", o ? "," : "", k,
                                  json_string_value(v) ? json_string_value(v) : "");
    }
}

static int first_row_only(struct vb_row *w, size_t idx, void *arg)
{
    (void)w, (void)idx, (void)arg;
    return 1; /* the context is loaded before the rows: stop at the first */
}

/* A viobench run's result_options (context.json: the result-changing options it set
   apart from their defaults), new reference; NULL for other sources and older runs. */
static json_t *result_options(struct store *s, const struct store_run_info *r)
{
    struct vb_run run;
    json_t *o = NULL;
    if (strcmp(r->source, "viobench") || vb_run_init(&run))
        return NULL;
    store_load_run_each(s, r->id, &run, first_row_only, NULL);
    o = json_incref(json_object_get(run.context, "result_options"));
    vb_run_free(&run);
    return o;
}

/* "cpu=1 rate=1000" from result_options; "-" when none. */
static void options_text(const json_t *opts, char *buf, size_t len)
{
    const char *k;
    json_t *v;
    size_t o = 0;
    snprintf(buf, len, "-");
    json_object_foreach((json_t *)opts, k, v)
    {
        char *t =
            json_is_string(v) ? NULL : json_dumps(v, JSON_ENCODE_ANY | JSON_REAL_PRECISION(6));
        if (o < len)
            o += (size_t)snprintf(buf + o, len - o, "%s%s=%s", o ? " " : "", k,
                                  t ? t : json_string_value(v));
        free(t);
    }
}

static json_t *run_json(const struct store_run_info *r)
{
    json_t *o =
        json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:I, s:s, s:O}", "run_id", r->run_id,
                  "source", r->source, "start", r->start, "end", r->end, "tool", r->tool,
                  "tool_version", r->tool_version, "host", r->host, "complete", r->complete, "rows",
                  (json_int_t)r->rows, "content_hash", r->content_hash, "labels", r->labels);
    for (int k = 0; o && k < SP_NKEYS; k++)
        json_object_set_new(o, store_pairing_keys[k], json_string(r->pairing.v[k]));
    return o;
}

static int ls_main(int argc, char **argv)
{
    const char *pos[256];
    struct store_sel sel = {0};
    struct store_run_info *runs = NULL;
    struct store *s = NULL;
    size_t n = 0;
    struct stat sb;
    char err[1024];
    int npos, ret;

    ret = opt_parse(ls_opts, &ls_help, argc, argv, pos, 256, &npos);
    if (ret)
        return ret == 1 ? 0 : 2;
    for (int i = 0; i < npos; i++)
        if (store_sel_add(&sel, pos[i], err, sizeof(err))) {
            vb_err("collect ls: %s", err);
            ret = 2;
            goto out;
        }
    if (store_sel_dates(&sel, a.since, a.until, err, sizeof(err))) {
        vb_err("collect ls: %s", err);
        ret = 2;
        goto out;
    }
    if (!store_is_remote(a.db) && stat(a.db ? a.db : STORE_DEFAULT_PATH, &sb)) {
        vb_err("collect ls: %s: no store here (run viobench collect first)",
               a.db ? a.db : STORE_DEFAULT_PATH);
        ret = 1;
        goto out;
    }
    /* read-only: ls never writes (no WAL switch, no migration), so it reads stores in
       read-only directories and never touches a foreign file */
    if (store_open(a.db ? a.db : STORE_DEFAULT_PATH, STORE_RDONLY, &s, err, sizeof(err))) {
        vb_err("collect ls: %s", err);
        ret = 1;
        goto out;
    }
    if (store_select_runs(s, &sel, &runs, &n)) {
        vb_err("collect ls: %s", store_errmsg(s));
        ret = 1;
        goto out;
    }
    if (a.json) {
        json_t *arr = json_array();
        for (size_t i = 0; i < n; i++) {
            json_t *o = run_json(&runs[i]), *ro = result_options(s, &runs[i]);
            json_object_set_new(o, "result_options", ro ? ro : json_null());
            json_array_append_new(arr, o);
        }
        json_dumpf(arr, stdout, JSON_INDENT(2));
        putchar('\n');
        json_decref(arr);
    } else {
        int w = 3;
        for (size_t i = 0; i < n; i++)
            if ((int)strlen(runs[i].run_id) > w)
                w = (int)strlen(runs[i].run_id);
        printf("%-*s %-16s %-8s %-22s %-18s %-18s %6s  %s  %s\n", w, "run", "start (UTC)", "source",
               "hypervisor", "guest", "kernel", "rows", "labels", "options");
        for (size_t i = 0; i < n; i++) {
            const struct store_run_info *r = &runs[i];
            char hv[300], guest[300], lab[1024], start[20], opts[1024];
            json_t *ro = result_options(s, r);
            snprintf(start, sizeof(start), "%.10s %.5s", r->start,
                     r->start[0] ? r->start + 11 : "");
            snprintf(hv, sizeof(hv), "%s%s%s", r->pairing.v[SP_HYPERVISOR],
                     r->pairing.v[SP_HYPERVISOR_VERSION][0] ? " " : "",
                     r->pairing.v[SP_HYPERVISOR_VERSION]);
            snprintf(guest, sizeof(guest), "%s%s%s", r->pairing.v[SP_GUEST_OS],
                     r->pairing.v[SP_GUEST_VERSION][0] ? " " : "", r->pairing.v[SP_GUEST_VERSION]);
            labels_text(r->labels, lab, sizeof(lab));
            options_text(ro, opts, sizeof(opts));
            json_decref(ro);
            printf("%-*s %-16s %-8s %-22s %-18s %-18s %6ld  %s  %s\n", w, r->run_id, start,
                   r->source, hv[0] ? hv : "-", guest[0] ? guest : "-",
                   r->pairing.v[SP_KERNEL][0] ? r->pairing.v[SP_KERNEL] : "-", r->rows,
                   lab[0] ? lab : "-", opts);
        }
        printf("%zu run%s\n", n, n == 1 ? "" : "s");
    }
    ret = 0;
out:
    store_runs_free(runs, n);
    store_sel_free(&sel);
    store_close(s);
    return ret;
}

int cmd_collect(int argc, char **argv)
{
    memset(&a, 0, sizeof(a));
    a.io.jobs = -1;
    if (argc > 1 && strcmp(argv[1], "ls") == 0)
        return ls_main(argc - 1, argv + 1);
    return collect_main(argc, argv);
}
