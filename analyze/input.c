/*
 * The analyzer's inputs: what a user may name on the command line, turned into runs.
 * A word is a run directory (results/<run-id>, results/latest), a Google Benchmark JSON
 * file (a viobench results.json brings its run directory's histograms along), selector
 * words KEY=GLOB over the store (AND-ed; several may share one argument, separated by
 * blanks), or a stored run id (or a unique prefix). Every command walks its inputs as
 * (run description, run, sparse row histograms) triples through an_each_input, so the
 * store and files mix freely; the histograms travel as an argument (an_rowhists), so this
 * file needs nothing of metric.c but an_set_add_run for an_load_spec.
 *
 * Selectors are checked before anything is loaded: a key that no stored run has is an
 * "unknown key", and a selection matching no run is an error, each one line.
 */
#include "analyze.h"
#include "fileio.h"
#include "jsonx.h"
#include "log.h"
#include "match.h"

#include <errno.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int an_store(struct an_ctx *c)
{
    char err[1024];
    const char *path = c->db ? c->db : STORE_DEFAULT_PATH;
    struct stat sb;

    if (c->store)
        return 0;
    if (!store_is_remote(path) && stat(path, &sb)) {
        vb_err("%s: store %s: %s%s", c->cmd, path, strerror(errno),
               c->db ? "" : " (collect runs first, or give --db FILE)");
        return -1;
    }
    if (store_open(path, STORE_RDONLY, &c->store, err, sizeof(err))) {
        vb_err("%s: %s", c->cmd, err);
        return -1;
    }
    return 0;
}

void an_ctx_free(struct an_ctx *c)
{
    store_runs_free(c->all, c->nall);
    c->all = NULL;
    c->nall = 0;
    store_close(c->store);
    c->store = NULL;
}

int an_load_all(struct an_ctx *c)
{
    if (c->all_loaded)
        return 0;
    if (an_store(c))
        return -1;
    if (store_select_runs(c->store, NULL, &c->all, &c->nall)) {
        vb_err("%s: %s", c->cmd, store_errmsg(c->store));
        return -1;
    }
    c->all_loaded = 1;
    return 0;
}

/* Keys every run has, whatever its labels. */
static int builtin_key(const char *k)
{
    static const char *const run_keys[] = {"run_id", "source",   "tool",   "tool_version",
                                           "host",   "complete", "version"};
    if (an_id_key(k) >= 0)
        return 1;
    for (size_t i = 0; i < sizeof(run_keys) / sizeof(run_keys[0]); i++)
        if (strcmp(k, run_keys[i]) == 0)
            return 1;
    return 0;
}

int an_key_known(struct an_ctx *c, const char *key)
{
    char one[128];
    const char *p = key;

    /* "a|b": known when any alternative is (a label may exist only on some stores). */
    while (*p) {
        size_t n = strcspn(p, "|");
        int found = 0;
        if (n == 0 || n >= sizeof(one))
            return 0;
        memcpy(one, p, n);
        one[n] = 0;
        if (builtin_key(one))
            found = 1;
        else if (!c->store && !store_is_remote(c->db) &&
                 access(c->db ? c->db : STORE_DEFAULT_PATH, F_OK) != 0)
            found = 1; /* no store to check against: inputs are files */
        else if (an_load_all(c) == 0)
            for (size_t i = 0; i < c->nall && !found; i++)
                found = json_object_get(c->all[i].labels, one) != NULL;
        if (found)
            return 1;
        p += n + (p[n] == '|');
    }
    return 0;
}

const char *an_run_key(const struct store_run_info *ri, const char *key)
{
    char one[128];
    const char *p = key, *v;

    while (*p) {
        size_t n = strcspn(p, "|");
        if (n < sizeof(one)) {
            memcpy(one, p, n);
            one[n] = 0;
            v = an_id_key(one) >= 0 ? an_id_value(ri, an_id_key(one)) : store_run_key(ri, one);
            if (v && *v)
                return v;
        }
        p += n + (p[n] == '|');
    }
    return "";
}

/* "version=GLOB": any version key of the run matches. */
static int version_match(const struct store_run_info *ri, const char *glob)
{
    static const char *const keys[] = {"hypervisor_version", "guest_version", "kernel",
                                       "tool_version"};
    const char *k;
    json_t *v;

    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        const char *x = store_run_key(ri, keys[i]);
        if (x && *x && match_glob(glob, x))
            return 1;
    }
    json_object_foreach(ri->labels, k, v)
    {
        if (store_is_version_key(k) && json_is_string(v) && match_glob(glob, json_string_value(v)))
            return 1;
    }
    return 0;
}

int an_select(struct an_ctx *c, const char *const *words, int nwords, const char *since,
              const char *until, struct store_run_info **out, size_t *n)
{
    struct store_sel sel = {0};
    char err[512], *vglob = NULL;
    int ret = -1, nid = 0, idk[32];
    char *idglob[32];

    *out = NULL;
    *n = 0;
    if (an_store(c))
        return -1;
    for (int i = 0; i < nwords; i++) {
        char *copy = strdup(words[i]), *save = NULL, *tok;
        if (!copy)
            goto out;
        for (tok = strtok_r(copy, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
            char *eq = strchr(tok, '=');
            if (!eq || store_sel_add(&sel, tok, err, sizeof(err))) {
                vb_err("%s: selector '%s' is not KEY=VALUE", c->cmd, tok);
                free(copy);
                goto out;
            }
            *eq = 0;
            if (!an_key_known(c, tok)) {
                vb_err("%s: unknown key '%s' in selector '%s=%s' (no stored run has it; keys: "
                       "hypervisor, hypervisor_version, guest_os, guest_version, kernel, "
                       "cpu_model, clocksource, run_id, source, tool, tool_version, host, "
                       "version or a label)",
                       c->cmd, tok, tok, eq + 1);
                free(copy);
                goto out;
            }
            if (an_id_key(tok) >= 0 && nid < 32) {
                /* pairing keys match the identity (labels over detection), below */
                idk[nid] = an_id_key(tok);
                idglob[nid++] = strdup(eq + 1);
                sel.n--;
                free(sel.keys[sel.n]);
                free(sel.values[sel.n]);
            } else if (strcmp(tok, "version") == 0) {
                /* matched against every version key below (a "version" label is one) */
                free(vglob);
                vglob = strdup(eq + 1);
                sel.n--;
                free(sel.keys[sel.n]);
                free(sel.values[sel.n]);
            }
        }
        free(copy);
    }
    if (store_sel_dates(&sel, since, until, err, sizeof(err))) {
        vb_err("%s: %s", c->cmd, err);
        goto out;
    }
    if (store_select_runs(c->store, &sel, out, n)) {
        vb_err("%s: %s", c->cmd, store_errmsg(c->store));
        goto out;
    }
    if (vglob || nid) {
        size_t k = 0;
        for (size_t i = 0; i < *n; i++) {
            int ok = !vglob || version_match(&(*out)[i], vglob);
            for (int j = 0; j < nid && ok; j++)
                ok = idglob[j] && match_glob(idglob[j], an_id_value(&(*out)[i], idk[j]));
            if (ok)
                (*out)[k++] = (*out)[i];
            else
                json_decref((*out)[i].labels);
        }
        *n = k;
    }
    if (*n == 0) {
        char desc[512] = "";
        for (int i = 0; i < nwords; i++)
            snprintf(desc + strlen(desc), sizeof(desc) - strlen(desc), "%s%s", i ? " " : "",
                     words[i]);
        vb_err("%s: no stored run matches '%s'%s%s%s%s in %s", c->cmd, desc, since ? " since " : "",
               since ? since : "", until ? " until " : "", until ? until : "",
               store_name(c->store));
        store_runs_free(*out, 0);
        *out = NULL;
        goto out;
    }
    ret = 0;
out:
    free(vglob);
    for (int j = 0; j < nid; j++)
        free(idglob[j]);
    store_sel_free(&sel);
    return ret;
}

void an_info_from_run(const struct vb_run *r, struct store_run_info *ri)
{
    const json_t *labels = json_object_get(r->context, "labels");

    memset(ri, 0, sizeof(*ri));
    ri->id = -1;
    ri->labels = json_is_object(labels) ? json_deep_copy(labels) : json_object();
    store_pairing_from_context(r->context, ri->labels, &ri->pairing);
    snprintf(ri->run_id, sizeof(ri->run_id), "%s", jx_str(r->context, "run_id", ""));
    snprintf(ri->start, sizeof(ri->start), "%s",
             jx_str(r->context, "start", jx_str(r->context, "date", "")));
    snprintf(ri->source, sizeof(ri->source), "%s",
             json_object_get(r->context, "viobench_format") ? "viobench" : "gbench");
    snprintf(ri->tool_version, sizeof(ri->tool_version), "%s",
             jx_str(json_object_get(r->context, "tool"), "version", ""));
    ri->complete = 1;
}

/* Read a run directory or a JSON file. 0, 1 when path is neither, -1 after an error. */
static int load_path(struct an_ctx *c, const char *path, struct vb_run *r)
{
    char err[1024], dir[4096];
    struct stat sb;
    json_t *root;

    if (stat(path, &sb))
        return 1;
    if (S_ISDIR(sb.st_mode)) {
        int ret = vb_read_run_dir(path, r, err, sizeof(err));
        if (ret == -ENOENT) {
            vb_err("%s: %s: not a run directory (no results.json)", c->cmd, path);
            return -1;
        }
        if (ret) {
            vb_err("%s: %s", c->cmd, err);
            return -1;
        }
        return 0;
    }
    /* results.json of a run directory: read the directory, histograms included. */
    snprintf(dir, sizeof(dir), "%s", path);
    if (strcmp(basename(dir), "results.json") == 0) {
        char ctx[4200];
        snprintf(dir, sizeof(dir), "%s", path);
        snprintf(ctx, sizeof(ctx), "%s/context.json", dirname(dir));
        if (access(ctx, R_OK) == 0 && vb_read_run_dir(dir, r, err, sizeof(err)) == 0)
            return 0;
        vb_run_free(r);
        vb_run_init(r);
    }
    {
        /* a JSON file from outside: regular, non-blocking, bounded (a FIFO never hangs us) */
        char *buf = NULL;
        size_t len = 0;
        json_error_t je;
        int ret = file_read_all(path, 0, 1u << 30, &buf, &len);
        if (ret) {
            vb_err("%s: %s: %s", c->cmd, path,
                   ret == -EFBIG ? "larger than 1 GiB" : file_read_strerror(ret));
            return -1;
        }
        root = json_loadb(buf, len, 0, &je);
        free(buf);
        if (!root) {
            vb_err("%s: %s:%d:%d: %s", c->cmd, path, je.line, je.column, je.text);
            return -1;
        }
    }
    if (vb_read_gbench_json(root, r, err, sizeof(err))) {
        vb_err("%s: %s: not Google Benchmark JSON: %s", c->cmd, path, err);
        json_decref(root);
        return -1;
    }
    json_decref(root);
    return 0;
}

/* Keep row idx's histogram in sparse form (store_load_run_each's row callback). */
static int keep_sparse(struct vb_row *w, size_t idx, void *arg)
{
    return an_rowhists_keep(arg, w, idx);
}

/* Call cb for a run, with its histograms in sparse form (converted: already in h). */
static int deliver(const struct store_run_info *ri, struct vb_run *r, struct an_rowhists *h,
                   int converted, an_run_cb cb, void *arg)
{
    int ret;
    if (!converted) {
        an_rowhists_reset(h);
        for (size_t i = 0; i < r->nrows; i++)
            if (an_rowhists_keep(h, &r->rows[i], i)) {
                vb_err("out of memory");
                an_rowhists_reset(h);
                return -1;
            }
    }
    ret = cb(ri, r, h, arg);
    an_rowhists_reset(h);
    return ret;
}

int an_load_run(struct an_ctx *c, int64_t id, int lite, struct vb_run *r, struct an_rowhists *h)
{
    int ret;
    an_rowhists_reset(h);
    ret = lite ? store_load_summaries(c->store, id, r)
               : store_load_run_each(c->store, id, r, keep_sparse, h);
    if (ret) {
        vb_err("%s: %s", c->cmd, store_errmsg(c->store));
        return -1;
    }
    return 0;
}

static int each_stored(struct an_ctx *c, struct store_run_info *runs, size_t n, int lite,
                       struct an_rowhists *h, an_run_cb cb, void *arg)
{
    for (size_t i = 0; i < n; i++) {
        struct vb_run r;
        int ret;
        if (vb_run_init(&r))
            return -1;
        if (an_load_run(c, runs[i].id, lite, &r, h)) {
            vb_run_free(&r);
            return -1;
        }
        ret = deliver(&runs[i], &r, h, 1, cb, arg);
        vb_run_free(&r);
        if (ret)
            return -1;
    }
    return 0;
}

int an_each_run(struct an_ctx *c, struct store_run_info *runs, size_t n, int lite, an_run_cb cb,
                void *arg)
{
    struct an_rowhists hs = {0};
    int ret = each_stored(c, runs, n, lite, &hs, cb, arg);
    an_rowhists_reset(&hs);
    free(hs.sh);
    return ret;
}

static int is_selector(const char *w)
{
    struct stat sb;
    return strchr(w, '=') && stat(w, &sb) != 0;
}

int an_each_input(struct an_ctx *c, const char *const *words, int nwords, const char *since,
                  const char *until, int lite, an_run_cb cb, void *arg)
{
    const char **sel = calloc((size_t)nwords + 1, sizeof(*sel));
    int nsel = 0, ret = -1;
    struct an_rowhists hs = {0};
    struct store_run_info *runs = NULL;
    size_t n = 0;

    if (!sel)
        return -1;
    for (int i = 0; i < nwords; i++)
        if (is_selector(words[i]))
            sel[nsel++] = words[i];
    if (nsel || since || until || nwords == 0) {
        if (an_select(c, sel, nsel, since, until, &runs, &n))
            goto out;
        if (each_stored(c, runs, n, lite, &hs, cb, arg))
            goto out;
        store_runs_free(runs, n);
        runs = NULL;
        n = 0;
    }
    for (int i = 0; i < nwords; i++) {
        struct vb_run r;
        struct store_run_info ri;
        int64_t id;
        int lr;
        if (is_selector(words[i]))
            continue;
        if (vb_run_init(&r))
            goto out;
        lr = load_path(c, words[i], &r);
        if (lr == 0) {
            an_info_from_run(&r, &ri);
            lr = deliver(&ri, &r, &hs, 0, cb, arg);
            json_decref(ri.labels);
            vb_run_free(&r);
            if (lr)
                goto out;
            continue;
        }
        vb_run_free(&r);
        if (lr < 0)
            goto out;
        /* Not a path: a stored run id. */
        if (an_store(c))
            goto out;
        lr = store_find_run(c->store, words[i], &id);
        if (lr == -ENOENT) {
            vb_err("%s: '%s' is neither a file, a run directory, a selector nor a stored run "
                   "id (see viobench collect ls)",
                   c->cmd, words[i]);
            goto out;
        }
        if (lr) {
            vb_err("%s: run id '%s': %s", c->cmd, words[i],
                   lr == -EINVAL ? "ambiguous prefix, give more of it" : store_errmsg(c->store));
            goto out;
        }
        {
            char kv[300];
            const char *one[1] = {kv};
            snprintf(kv, sizeof(kv), "run_id=%s", words[i]);
            /* the exact id behind a prefix */
            if (an_load_all(c))
                goto out;
            for (size_t k = 0; k < c->nall; k++)
                if (c->all[k].id == id) {
                    snprintf(kv, sizeof(kv), "run_id=%s", c->all[k].run_id);
                    break;
                }
            if (an_select(c, one, 1, NULL, NULL, &runs, &n) ||
                each_stored(c, runs, n, lite, &hs, cb, arg))
                goto out;
            store_runs_free(runs, n);
            runs = NULL;
            n = 0;
        }
    }
    ret = 0;
out:
    an_rowhists_reset(&hs);
    free(hs.sh);
    store_runs_free(runs, n);
    free(sel);
    return ret;
}

static int add_to_set(const struct store_run_info *ri, struct vb_run *r, struct an_rowhists *h,
                      void *arg)
{
    struct an_set *s = arg;
    if (s->nruns == 0) {
        s->pairing = ri->pairing;
        snprintf(s->first_start, sizeof(s->first_start), "%s", ri->start);
    }
    if (an_set_note_run(s, ri, r->context) || an_set_add_run(s, r, h)) {
        vb_err("out of memory");
        return -1;
    }
    return 0;
}

int an_load_spec(struct an_ctx *c, const char *spec, struct an_set *set)
{
    const char *one[1] = {spec};
    if (!set->label)
        set->label = strdup(spec);
    return an_each_input(c, one, 1, NULL, NULL, 0, add_to_set, set);
}
