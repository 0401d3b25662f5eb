/*
 * viobench: one binary with git-style subcommands. This file only dispatches; each command
 * lives in its own file with its own option table and --help.
 */
#include "program.h"
#include "log.h"

#include <stdio.h>
#include <string.h>

static const struct cli_cmd guest_cmds[] = {
    {"run", "run benchmark kernels and write a run directory", cmd_run},
    {"list", "list kernels and whether they can run here", cmd_list},
    {"sysinfo", "describe the host/guest pairing and environment", cmd_sysinfo},
    {"serve", "be the peer of the network kernels (binds to loopback by default)", cmd_serve},
    {"version", "print version and build", cmd_version},
    {NULL, NULL, NULL},
};

static void usage(FILE *f)
{
    fprintf(f, "USAGE\n  viobench COMMAND [OPTIONS]\n  viobench COMMAND --help\n\n"
               "Microbenchmarks of virtualized I/O paths (storage, network, timers, VM exits),\n"
               "with the host/guest pairing recorded beside every result.\n\nCOMMANDS\n");
    for (const struct cli_cmd *c = guest_cmds; c->name; c++)
        fprintf(f, "  %-10s %s\n", c->name, c->summary);
    for (const struct cli_cmd *c = variant_cmds; c->name; c++)
        fprintf(f, "  %-10s %s\n", c->name, c->summary);
    fprintf(f, "\nEXAMPLES\n"
               "  viobench run --suite quick\n"
               "  viobench list 'exit/*'\n"
               "  viobench sysinfo --json\n");
}

/* viobench(1): the commands and their pages (each command prints its own with --man). */
static void man(FILE *f)
{
    const struct cli_cmd *tables[] = {guest_cmds, variant_cmds};
    fprintf(f,
            ".TH VIOBENCH 1 \"\" \"viobench %s\" \"viobench manual\"\n"
            ".SH NAME\nviobench \\- microbenchmarks of virtualized I/O paths\n"
            ".SH SYNOPSIS\n.B viobench\nCOMMAND [OPTIONS]\n.br\n.B viobench\nCOMMAND "
            "\\-\\-help | \\-\\-man\n"
            ".SH DESCRIPTION\nMicrobenchmarks of virtualized I/O paths (storage, network, "
            "timers, VM exits), with the host/guest pairing recorded beside every result.\n"
            ".SH COMMANDS\n",
            VB_VERSION);
    for (size_t t = 0; t < 2; t++)
        for (const struct cli_cmd *c = tables[t]; c->name; c++)
            fprintf(f, ".TP\n.B %s\n%s\n", c->name, c->summary);
    fprintf(f, ".SH SEE ALSO\n\\fBviobench\\-COMMAND\\fR(1) for each command above; in the "
               "full build also \\fBviobench\\-collect\\-ls\\fR(1) and "
               "\\fBviobench\\-analyze\\-SUBCOMMAND\\fR(1) (compare, trend, gate, matrix, "
               "capacity, plot). The documents in share/viobench/doc (README.md, docs/*.md).\n");
}

static const struct cli_cmd *find(const struct cli_cmd *t, const char *name)
{
    for (; t->name; t++)
        if (strcmp(t->name, name) == 0)
            return t;
    return NULL;
}

int main(int argc, char **argv)
{
    const struct cli_cmd *c;

    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--man") == 0) {
        man(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0)
        return cmd_version(1, argv);
    c = find(guest_cmds, argv[1]);
    if (!c)
        c = find(variant_cmds, argv[1]);
    if (!c) {
        vb_err("unknown command '%s' (see viobench --help)", argv[1]);
        return 2;
    }
    return c->main(argc - 1, argv + 1);
}
