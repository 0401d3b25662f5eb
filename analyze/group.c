/*
 * Grouping runs: gate checks each pairing on its own, the matrix puts each (host, guest)
 * pairing in a cell, the capacity report follows each pairing's sweep. A group is the set
 * of runs sharing the values of some keys (selector keys; "a|b" takes a, else b; pairing
 * keys resolve through the identity rule of identity.c), or sharing the whole pairing
 * identity and result-changing options, merged into one an_set, with the first run's
 * description kept for budget selectors.
 */
#include "analyze.h"
#include "log.h"

#include <stdlib.h>
#include <string.h>

#define MAX_KEYS 16

struct collect {
    struct an_groups *g;
    char *keys[MAX_KEYS];
    int nkeys, identity;
};

static int on_run(const struct store_run_info *ri, struct vb_run *r, struct an_rowhists *h,
                  void *arg)
{
    struct collect *c = arg;
    struct an_groups *g = c->g;
    char key[2048] = "";
    struct an_group *x = NULL;

    if (c->identity) {
        /* the whole pairing identity and the result-changing options */
        char opts[512];
        an_id_group_key(ri, 0, key, sizeof(key));
        an_options_sig(r->context, opts, sizeof(opts));
        snprintf(key + strlen(key), sizeof(key) - strlen(key), "%s", opts);
    }
    for (int k = 0; k < c->nkeys; k++)
        snprintf(key + strlen(key), sizeof(key) - strlen(key), "%s%s", k ? "\x1f" : "",
                 an_run_key(ri, c->keys[k]));
    for (int i = 0; i < g->n; i++)
        if (strcmp(g->g[i].key, key) == 0) {
            x = &g->g[i];
            break;
        }
    if (!x) {
        struct an_group *ng = realloc(g->g, sizeof(*ng) * (size_t)(g->n + 1));
        if (!ng)
            goto nomem;
        g->g = ng;
        x = &g->g[g->n++];
        memset(x, 0, sizeof(*x));
        x->ri = *ri;
        x->ri.labels = json_deep_copy(ri->labels ? ri->labels : json_object());
        x->key = strdup(key);
        for (int k = 0; k < c->nkeys && k < AN_GROUP_KEYS; k++)
            x->vals[k] = strdup(an_run_key(ri, c->keys[k]));
        x->set.pairing = ri->pairing;
        snprintf(x->set.first_start, sizeof(x->set.first_start), "%s", ri->start);
        if (!x->key)
            goto nomem;
    }
    if (an_set_note_run(&x->set, ri, r->context) || an_set_add_run(&x->set, r, h))
        goto nomem;
    return 0;
nomem:
    vb_err("out of memory");
    return -1;
}

int an_groups_collect(struct an_ctx *c, const char *const *words, int nwords, const char *since,
                      const char *until, const char *keys, struct an_groups *out)
{
    struct collect col = {.g = out};
    char *copy = NULL, *save = NULL, *tok;
    int ret = -1;

    memset(out, 0, sizeof(*out));
    if (!keys || strncmp(keys, "@identity", 9) == 0) {
        /* the pairing identity (identity.c), then any extra keys after "@identity," */
        col.identity = 1;
        keys = keys && keys[9] == ',' ? keys + 10 : NULL;
    }
    if (keys) {
        if (!(copy = strdup(keys)))
            return -1;
        for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
            if (col.nkeys == MAX_KEYS || col.nkeys == AN_GROUP_KEYS) {
                vb_err("%s: too many keys in '%s'", c->cmd, keys);
                goto out;
            }
            col.keys[col.nkeys++] = tok;
        }
    }
    out->nkeys = col.nkeys;
    ret = an_each_input(c, words, nwords, since, until, 0, on_run, &col);
out:
    free(copy);
    return ret;
}

void an_groups_free(struct an_groups *g)
{
    for (int i = 0; i < g->n; i++) {
        free(g->g[i].key);
        for (int k = 0; k < AN_GROUP_KEYS; k++)
            free(g->g[i].vals[k]);
        json_decref(g->g[i].ri.labels);
        an_set_free(&g->g[i].set);
    }
    free(g->g);
    memset(g, 0, sizeof(*g));
}

const char *an_pairing_label(const struct store_run_info *ri, char *buf, size_t len)
{
    return an_id_label(ri, 1u << AI_CPU_MODEL, buf, len);
}
