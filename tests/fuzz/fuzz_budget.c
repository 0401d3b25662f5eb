/*
 * Fuzz analyze/budget.c: budget files for `analyze gate` and `analyze matrix` come from
 * users and release pipelines. The input is the file, read from memory (fmemopen) through
 * an_budget_read(), the parser an_budget_load() runs on the opened file, so no file is
 * written per input; every budget read is then applied to a fixed benchmark name and run,
 * as the gate does.
 * fuzz-options: -max_len=4096
 */
#include "analyze.h"
#include "fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct store_run_info ri;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    snprintf(ri.run_id, sizeof(ri.run_id), "kvm-20261201-120000-abc");
    snprintf(ri.source, sizeof(ri.source), "viobench");
    snprintf(ri.pairing.v[SP_HYPERVISOR], sizeof(ri.pairing.v[0]), "kvm");
    snprintf(ri.pairing.v[SP_GUEST_OS], sizeof(ri.pairing.v[0]), "rhel");
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct an_budgets b;
    char err[512], *buf = fuzz_str(data, size);
    FILE *f = fmemopen(buf, size, "r"); /* glibc reads an empty buffer as an empty file */

    if (!f)
        abort();
    if (an_budget_read(f, "budgets.txt", &b, err, sizeof(err)) == 0) {
        for (int i = 0; i < b.n; i++) {
            an_budget_applies(&b.b[i], "net/tcp_rr/size:64", &ri);
            an_budget_applies(&b.b[i], "net/tcp_rr/size:64", NULL);
            an_budget_ok(&b.b[i], 1234.5);
            an_cmp_str(b.b[i].cmp);
        }
        an_budget_free(&b);
    }
    fclose(f);
    free(buf);
    return 0;
}
