/*
 * Fuzz analyze/budget.c: budget files for `analyze gate` and `analyze matrix` come from
 * users and release pipelines. The input is the file (an_budget_load reads a path, so it is
 * written to this process's private directory first); every budget read is then applied to
 * a fixed benchmark name and run, as the gate does.
 */
#include "analyze.h"
#include "fuzz.h"

#include <stdio.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char path[4200];
    static struct store_run_info ri;
    struct an_budgets b;
    char err[512];

    if (!path[0]) {
        snprintf(path, sizeof(path), "%s/budgets.txt", fuzz_dir());
        snprintf(ri.run_id, sizeof(ri.run_id), "kvm-20261201-120000-abc");
        snprintf(ri.source, sizeof(ri.source), "viobench");
        snprintf(ri.pairing.v[SP_HYPERVISOR], sizeof(ri.pairing.v[0]), "kvm");
        snprintf(ri.pairing.v[SP_GUEST_OS], sizeof(ri.pairing.v[0]), "rhel");
    }
    fuzz_write(path, data, size);
    if (an_budget_load(path, &b, err, sizeof(err)) == 0) {
        for (int i = 0; i < b.n; i++) {
            an_budget_applies(&b.b[i], "net/tcp_rr/size:64", &ri);
            an_budget_applies(&b.b[i], "net/tcp_rr/size:64", NULL);
            an_budget_ok(&b.b[i], 1234.5);
            an_cmp_str(b.b[i].cmp);
        }
        an_budget_free(&b);
    }
    return 0;
}
