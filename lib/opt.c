/*
 * Table-driven option parser and help printer; see opt.h.
 */
#include "opt.h"
#include "log.h"
#include "units.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const struct opt *find_long(const struct opt *opts, const char *name, size_t len)
{
    for (; opts->name; opts++)
        if (strlen(opts->name) == len && strncmp(opts->name, name, len) == 0)
            return opts;
    return NULL;
}

static const struct opt *find_short(const struct opt *opts, char c)
{
    for (; opts->name; opts++)
        if (opts->short_name && opts->short_name == c)
            return opts;
    return NULL;
}

static int list_add(struct opt_list *l, const char *v, size_t len)
{
    char **nv = realloc(l->v, sizeof(*nv) * (size_t)(l->n + 1));
    if (!nv)
        return -ENOMEM;
    l->v = nv;
    l->v[l->n] = strndup(v, len);
    if (!l->v[l->n])
        return -ENOMEM;
    l->n++;
    return 0;
}

void opt_list_free(struct opt_list *l)
{
    for (int i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

static const char *kind_hint(enum opt_kind k)
{
    switch (k) {
    case OPT_INT:
        return "an integer";
    case OPT_COUNT:
        return "a count such as 100 or 10k";
    case OPT_DURATION:
        return "a duration such as 0.5s, 250ms or 100us";
    case OPT_SIZE:
        return "a size such as 4k, 1M or 512";
    case OPT_PERCENT:
        return "a percentage such as 5%";
    case OPT_RATE:
        return "a rate such as 1000/s or 10k/s";
    default:
        return "a valid value";
    }
}

/* Store the value of one option; prints the error itself. */
static int set_value(const struct opt *o, const struct cmd_help *help, const char *arg)
{
    int ret = 0;
    char *end;

    switch (o->kind) {
    case OPT_FLAG:
        *(int *)o->dest = 1;
        return 0;
    case OPT_STR:
        *(const char **)o->dest = arg;
        return 0;
    case OPT_INT: {
        long v;
        errno = 0;
        v = strtol(arg, &end, 10);
        if (end == arg || *end || errno || v < -2147483647L || v > 2147483647L)
            ret = -EINVAL;
        else
            *(int *)o->dest = (int)v;
        break;
    }
    case OPT_COUNT:
        ret = units_parse_count(arg, o->dest);
        break;
    case OPT_DURATION:
        ret = units_parse_duration(arg, NS_PER_S, o->dest);
        break;
    case OPT_SIZE:
        ret = units_parse_size(arg, o->dest);
        break;
    case OPT_PERCENT:
        ret = units_parse_percent(arg, o->dest);
        break;
    case OPT_RATE:
        ret = units_parse_rate(arg, o->dest);
        break;
    case OPT_LIST: {
        struct opt_list *l = o->dest;
        const char *p = arg;
        if (!o->split_commas)
            return list_add(l, arg, strlen(arg));
        for (;;) {
            const char *c = strchr(p, ',');
            size_t n = c ? (size_t)(c - p) : strlen(p);
            if (n && (ret = list_add(l, p, n)))
                return ret;
            if (!c)
                break;
            p = c + 1;
        }
        return 0;
    }
    case OPT_FUNC:
        ret = o->fn(arg, o->dest);
        if (ret)
            return ret; /* the function printed its own message */
        return 0;
    }
    if (ret) {
        vb_err("%s: --%s: bad value '%s' (expected %s)", help->name, o->name, arg,
               kind_hint(o->kind));
        return -EINVAL;
    }
    return 0;
}

int opt_parse(const struct opt *opts, const struct cmd_help *help, int argc, char **argv,
              const char **pos, int maxpos, int *npos)
{
    int only_pos = 0;

    *npos = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *val = NULL;
        const struct opt *o;

        if (only_pos || a[0] != '-' || a[1] == 0) {
            if (*npos >= maxpos) {
                vb_err("%s: unexpected argument '%s' (see --help)", help->name, a);
                return -EINVAL;
            }
            pos[(*npos)++] = a;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            only_pos = 1;
            continue;
        }
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            opt_help(stdout, opts, help);
            return 1;
        }
        if (strcmp(a, "--man") == 0) {
            opt_man(stdout, opts, help);
            return 1;
        }
        if (a[1] == '-') {
            const char *eq = strchr(a + 2, '=');
            size_t len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
            o = find_long(opts, a + 2, len);
            if (!o) {
                vb_err("%s: unknown option '%.*s' (see --help)", help->name, (int)len + 2, a);
                return -EINVAL;
            }
            if (eq) {
                if (o->kind == OPT_FLAG) {
                    vb_err("%s: --%s takes no value", help->name, o->name);
                    return -EINVAL;
                }
                val = eq + 1;
            }
        } else {
            o = find_short(opts, a[1]);
            if (!o) {
                vb_err("%s: unknown option '-%c' (see --help)", help->name, a[1]);
                return -EINVAL;
            }
            if (a[2]) {
                if (o->kind == OPT_FLAG) {
                    vb_err("%s: -%c takes no value", help->name, a[1]);
                    return -EINVAL;
                }
                val = a + 2;
            }
        }
        if (o->kind != OPT_FLAG && !val) {
            if (i + 1 >= argc) {
                vb_err("%s: --%s needs a value (%s)", help->name, o->name,
                       o->metavar ? o->metavar : "see --help");
                return -EINVAL;
            }
            val = argv[++i];
        }
        if (set_value(o, help, val))
            return -EINVAL;
    }
    return 0;
}

void opt_help(FILE *f, const struct opt *opts, const struct cmd_help *help)
{
    fprintf(f, "USAGE\n  %s %s\n\n", help->name, help->usage);
    if (help->summary)
        fprintf(f, "%s\n\n", help->summary);
    if (opts && opts->name) {
        fprintf(f, "OPTIONS\n");
        for (const struct opt *o = opts; o->name; o++) {
            char left[64], sh[8] = "    ";
            if (o->short_name)
                snprintf(sh, sizeof(sh), "-%c, ", o->short_name);
            snprintf(left, sizeof(left), "%s--%s%s%s", sh, o->name, o->metavar ? " " : "",
                     o->metavar ? o->metavar : "");
            fprintf(f, "  %-30s %s\n", left, o->help);
        }
        fprintf(f, "  %-30s %s\n", "-h, --help", "show this help and exit");
        fprintf(f, "  %-30s %s\n\n", "    --man", "print the manual page (roff) and exit");
    }
    if (help->examples)
        fprintf(f, "EXAMPLES\n%s\n", help->examples);
    if (help->more)
        fprintf(f, "\n%s\n", help->more);
}
