/*
 * `viobench sysinfo`: the host/guest pairing and environment a result depends on, for
 * people (hypervisor and conclusion first, every signal, then the rest) or as JSON (the same
 * object every run stores as context.json "pairing"). --record saves this machine as a
 * fixture users can send us and tests can replay; --fixture replays one.
 */
#include "cli.h"
#include "log.h"
#include "opt.h"
#include "sysinfo.h"

#include <stdio.h>
#include <string.h>

static struct {
    int json;
    const char *record;
    const char *fixture;
} a;

static const struct opt sysinfo_opts[] = {
    {"json", 0, OPT_FLAG, &a.json, NULL, "print the pairing as JSON (as stored in context.json)"},
    {"record", 0, OPT_STR, &a.record, "DIR",
     "record this machine as a fixture in DIR (new or empty directory)"},
    {"fixture", 0, OPT_STR, &a.fixture, "DIR",
     "describe a recorded fixture instead of this machine"},
    {NULL},
};

static const struct cmd_help sysinfo_help = {
    .name = "viobench sysinfo",
    .usage = "[--json] [--record DIR | --fixture DIR]",
    .summary =
        "Describe the host/guest pairing: the hypervisor (CPUID signature leaves, clocksource,\n"
        "/sys/hypervisor, DMI, devices and drivers, kernel command line), every signal as seen\n"
        "and whether it agrees with the conclusion, then the guest OS and kernel, CPU, memory,\n"
        "clocksource, hwloc topology, devices, DMI, kernel command line and mitigations.\n"
        "Signals that disagree are shown, never hidden.",
    .examples = "  viobench sysinfo\n"
                "  viobench sysinfo --json > pairing.json\n"
                "  viobench sysinfo --record /tmp/my-guest   # tar it up and send it to us\n"
                "  viobench sysinfo --fixture tests/fixtures/detect/hyperv",
    .more = "A fixture is a directory: cpuid.txt (leaf subleaf eax ebx ecx edx, hexadecimal), the\n"
            "files detection read under root/, topology.xml (hwloc) and pairing.json.\n"
            "Exit status: 0 success, 1 when recording or reading a fixture failed, 2 usage error.",
};

int cmd_sysinfo(int argc, char **argv)
{
    const char *pos[1];
    struct probe fx;
    const struct probe *p = probe_live();
    char err[1024];
    json_t *pairing;
    int npos, ret;

    memset(&a, 0, sizeof(a));
    ret = opt_parse(sysinfo_opts, &sysinfo_help, argc, argv, pos, 0, &npos);
    if (ret)
        return ret == 1 ? 0 : 2;
    if (a.record && a.fixture) {
        vb_err("sysinfo: --record and --fixture exclude each other (record this machine, or "
               "replay a fixture)");
        return 2;
    }
    if (a.record) {
        if (probe_record(a.record, err, sizeof(err))) {
            vb_err("sysinfo: --record: %s", err);
            return 1;
        }
        printf("recorded this machine's pairing in %s (cpuid.txt, root/, topology.xml, "
               "pairing.json)\nreplay it with: viobench sysinfo --fixture %s\n",
               a.record, a.record);
        return 0;
    }
    if (a.fixture) {
        if (probe_fixture_open(a.fixture, &fx, err, sizeof(err))) {
            vb_err("sysinfo: --fixture: %s", err);
            return 1;
        }
        p = &fx;
    }
    pairing = sysinfo_detect(p);
    if (a.fixture)
        probe_free(&fx);
    if (!pairing) {
        vb_err("sysinfo: out of memory");
        return 1;
    }
    if (a.json) {
        json_dumpf(pairing, stdout, JSON_INDENT(2));
        putchar('\n');
    } else {
        sysinfo_print(stdout, pairing);
    }
    json_decref(pairing);
    return 0;
}
