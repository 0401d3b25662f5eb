/*
 * `viobench analyze SUBCOMMAND`: the dispatcher of the analyzer's subcommands. Each one
 * lives in its own file with its own option table and --help (cmd_compare.c, cmd_trend.c,
 * cmd_gate.c, cmd_matrix.c, cmd_capacity.c, cmd_plot.c, cmd_report.c).
 */
#include "analyze.h"
#include "log.h"

#include <stdio.h>
#include <string.h>

static const struct {
    const char *name, *summary;
    int (*main)(int argc, char **argv);
} subs[] = {
    {"compare", "compare two runs or selections: change of median and p99, U test, CI",
     an_cmd_compare},
    {"trend", "series over versions with change-point detection (E-divisive means)", an_cmd_trend},
    {"gate", "check results against a budget file; exit 1 when anything is over", an_cmd_gate},
    {"matrix", "the host x guest pairing matrix with pass/fail per cell", an_cmd_matrix},
    {"capacity", "throughput against p99 from QD and flow sweeps: knee, Little's law",
     an_cmd_capacity},
    {"plot", "gnuplot pictures: percentiles, distribution, trend, capacity", an_cmd_plot},
    {"report", "one self-contained HTML page: pairings, verdicts, trends, plots", an_cmd_report},
};

static void usage(FILE *f)
{
    fprintf(f, "USAGE\n  viobench analyze SUBCOMMAND [OPTIONS] ...\n"
               "  viobench analyze SUBCOMMAND --help\n\n"
               "Statistics over stored runs (viobench collect) and run directories.\n\n"
               "SUBCOMMANDS\n");
    for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
        fprintf(f, "  %-9s %s\n", subs[i].name, subs[i].summary);
    fprintf(f, "\nEXAMPLES\n"
               "  viobench analyze compare 'hypervisor=kvm guest_os=rhel' "
               "'hypervisor=hyperv guest_os=rhel'\n"
               "  viobench analyze trend --by kernel hypervisor=kvm\n"
               "  viobench analyze gate --budget budgets.txt results/latest\n"
               "  viobench analyze matrix --benchmark exit/syscall --metric p99\n"
               "  viobench analyze capacity --p99-budget 500us 'storage/uring/randread/*'\n"
               "  viobench analyze plot percentiles --benchmark net/tcp_rr/size:64 --out plots\n"
               "  viobench analyze report --out report.html\n");
}

int cmd_analyze(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
        if (strcmp(argv[1], subs[i].name) == 0)
            return subs[i].main(argc - 1, argv + 1);
    vb_err(
        "analyze: unknown subcommand '%s' (compare, trend, gate, matrix, capacity, plot, report)",
        argv[1]);
    return 2;
}
