/*
 * `viobench list`: every kernel of the table with its category, its suites and whether it
 * can run here (and if not, why), so users see what a run will do before running it.
 */
#include "cli.h"
#include "log.h"
#include "opt.h"

#include <stdlib.h>
#include <string.h>

/* What the option table fills: the kernels' options (for their valid() probes) directly. */
static struct {
    struct vb_opts o;
    int json;
    int verbose;
} a;

static const struct opt list_opts[] = {
    {"json", 0, OPT_FLAG, &a.json, NULL, "print a JSON array instead of a table"},
    {"verbose", 'v', OPT_FLAG, &a.verbose, NULL, "also print what one operation is"},
    {"switch-clocksource", 0, OPT_FLAG, &a.o.switch_clocksource, NULL,
     "probe as `run --switch-clocksource` would"},
    {NULL},
};

static const struct cmd_help list_help = {
    .name = "viobench list",
    .usage = "[OPTIONS] [PATTERN]",
    .summary = "List benchmark kernels: name, category, suites, and whether each can run here.\n"
               "PATTERN selects like `run --filter` (globs or whole name parts, '-' excludes).",
    .examples = "  viobench list\n"
                "  viobench list 'exit/*'\n"
                "  viobench list --json timer",
};

int cmd_list(int argc, char **argv)
{
    const char *pos[1] = {NULL};
    struct plan_item *plan = NULL;
    struct vb_opts *o = &a.o;
    long n;
    int npos, ret, width = 8;

    memset(&a, 0, sizeof(a));
    ret = opt_parse(list_opts, &list_help, argc, argv, pos, 1, &npos);
    if (ret)
        return ret == 1 ? 0 : 2;
    o->cpu = -1;
    o->min_time_ns = 0.5e9;
    o->interval_ns = 1e6;
    n = plan_build(o, 0, pos[0], &plan);
    if (n < 0) {
        vb_err("list: out of memory");
        return 1;
    }
    if (n == 0) {
        vb_err("list: no benchmark matches '%s'", pos[0] ? pos[0] : "");
        free(plan);
        return 2;
    }
    if (a.json) {
        json_t *arr = json_array();
        for (long i = 0; i < n; i++) {
            const struct vb_kernel *k = plan[i].k;
            json_array_append_new(
                arr,
                json_pack("{s:s, s:s, s:b, s:b, s:b, s:s?, s:s}", "name", k->name, "category",
                          k->category, "quick", !!(k->suites & VB_SUITE_QUICK), "full",
                          !!(k->suites & VB_SUITE_FULL), "runnable", !plan[i].skip, "skip_reason",
                          plan[i].skip ? plan[i].why : NULL, "help", k->help ? k->help : ""));
        }
        json_dumpf(arr, stdout, JSON_INDENT(2));
        putchar('\n');
        json_decref(arr);
        free(plan);
        return 0;
    }
    for (long i = 0; i < n; i++)
        if ((int)strlen(plan[i].k->name) > width)
            width = (int)strlen(plan[i].k->name);
    printf("%-*s %-8s %-10s %s\n", width, "kernel", "category", "suites", "here");
    for (long i = 0; i < n; i++) {
        const struct vb_kernel *k = plan[i].k;
        const char *suites = (k->suites & VB_SUITE_QUICK) ? "quick,full" : "full";
        printf("%-*s %-8s %-10s %s%s\n", width, k->name, k->category, suites,
               plan[i].skip ? "skip: " : "yes", plan[i].skip ? plan[i].why : "");
        if (a.verbose && k->help)
            printf("%-*s   %s\n", width, "", k->help);
    }
    free(plan);
    return 0;
}
