/*
 * Option values as JSON, from the same table that parses them (opt.h). A run records what
 * it was asked for by walking its option table, so an option added to the table with
 * OPT_F_RESULT is in context.json and in every row without a second list to keep in step.
 */
#include "opt.h"

#include <stdio.h>
#include <string.h>

static json_t *value_of(const struct opt *o)
{
    switch (o->kind) {
    case OPT_FLAG:
        return json_boolean(*(const int *)o->dest);
    case OPT_STR: {
        const char *v = *(const char *const *)o->dest;
        return v ? json_string(v) : json_null();
    }
    case OPT_INT:
        return json_integer(*(const int *)o->dest);
    case OPT_COUNT:
    case OPT_SIZE: {
        uint64_t v = *(const uint64_t *)o->dest;
        return v == UINT64_MAX ? json_null() : json_integer((json_int_t)v);
    }
    case OPT_DURATION:
        return json_real(*(const double *)o->dest / 1e9);
    case OPT_PERCENT:
    case OPT_RATE:
        return json_real(*(const double *)o->dest);
    case OPT_LIST: {
        const struct opt_list *l = o->dest;
        json_t *a = json_array();
        for (int i = 0; a && i < l->n; i++)
            json_array_append_new(a, json_string(l->v[i]));
        return a;
    }
    default:
        return NULL; /* OPT_FUNC: the caller's own format */
    }
}

json_t *opt_values_json(const struct opt *opts, unsigned flags)
{
    json_t *out = json_object();
    for (; out && opts->name; opts++) {
        char key[80];
        json_t *v;
        if ((opts->flags & flags) != flags || !(v = value_of(opts)))
            continue;
        snprintf(key, sizeof(key), "%s%s", opts->name,
                 opts->kind == OPT_DURATION  ? "_s"
                 : opts->kind == OPT_PERCENT ? "_pct"
                                             : "");
        for (char *p = key; *p; p++)
            if (*p == '-')
                *p = '_';
        json_object_set_new(out, key, v);
    }
    return out;
}
