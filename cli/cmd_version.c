/*
 * `viobench version`: the tool version, git revision, platform, build kind and the result
 * format version it writes.
 */
#include "cli.h"
#include "sysinfo.h"
#include "opt.h"

#include <stdio.h>

static const struct cmd_help version_help = {
    .name = "viobench version",
    .usage = "",
    .summary = "Print the viobench version, build and result format version.",
    .examples = "  viobench version",
};

static const struct opt version_opts[] = {{NULL}};

int cmd_version(int argc, char **argv)
{
    const char *pos[1];
    int npos, ret = opt_parse(version_opts, &version_help, argc, argv, pos, 0, &npos);
    if (ret)
        return ret == 1 ? 0 : 2;
    printf("viobench %s (git %s, %s, %s build)\n", VB_VERSION, VB_GITREV, VB_PLATFORM,
           VB_BUILD_KIND);
    printf("result format %d, Google Benchmark JSON schema %d\n", VB_FORMAT_VERSION,
           VB_GBENCH_SCHEMA);
    printf("built with: %s\n", VB_LIB_VERSIONS);
    {
        char libs[256];
        detect_runtime_libs(libs, sizeof(libs));
        printf("running with: %s\n", libs);
    }
    return 0;
}
