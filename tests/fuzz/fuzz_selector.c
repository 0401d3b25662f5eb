/*
 * Fuzz the analyzer's run selection (analyze/input.c an_select over collect/store_read.c's
 * selectors): `viobench analyze` and `collect ls` take "key=glob" words, version and id
 * globs and --since/--until dates from users and scripts, and turn them into SQL over the
 * store. The store is made once per process (two runs with pairings and labels) in its
 * private directory; each input is lines: --since, --until (empty: none), then one selector
 * word per line. Every run selected is then read back by key (an_run_key), as grouping does.
 * fuzz-options: -max_len=1024
 */
#include "analyze.h"
#include "fuzz.h"
#include "store.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_WORDS 16

static char db[4200];
static struct an_ctx ctx;

static void add_run(struct store *s, const char *id, const char *hash, const char *start,
                    const char *hv, const char *guest)
{
    struct store_new_run nr = {0};
    struct vb_run r;
    json_t *labels = json_pack("{s:s, s:s}", "guest", guest, "suite", "quick");

    if (vb_run_init(&r) || !labels || !vb_run_add_row(&r, "timer/read/clock_gettime"))
        abort();
    json_decref(r.context);
    r.context = json_pack("{s:i, s:s}", "viobench_format", 1, "run_id", id);
    nr.run_id = id;
    nr.source = "viobench";
    nr.content_hash = hash;
    nr.origin = "fuzz";
    nr.start = start;
    nr.end = start;
    nr.tool = "viobench";
    nr.tool_version = "0.1.0";
    nr.host = "guest-1";
    nr.complete = 1;
    snprintf(nr.pairing.v[SP_HYPERVISOR], sizeof(nr.pairing.v[0]), "%s", hv);
    snprintf(nr.pairing.v[SP_HYPERVISOR_VERSION], sizeof(nr.pairing.v[0]), "8.2.1");
    snprintf(nr.pairing.v[SP_GUEST_OS], sizeof(nr.pairing.v[0]), "rhel");
    snprintf(nr.pairing.v[SP_KERNEL], sizeof(nr.pairing.v[0]), "6.1.0-13-amd64");
    nr.labels = labels;
    nr.run = &r;
    if (store_add_run(s, &nr) != 0)
        abort();
    vb_run_free(&r);
    json_decref(labels);
}

static void free_ctx(void)
{
    an_ctx_free(&ctx);
}

static void make_store(void)
{
    struct store *s;
    char err[512];

    snprintf(db, sizeof(db), "%s/store.db", fuzz_dir());
    if (store_open(db, 0, &s, err, sizeof(err)) || store_begin(s)) {
        fprintf(stderr, "fuzz_selector: %s\n", err);
        abort();
    }
    add_run(s, "kvm-20261201-120000-abc",
            "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            "2026-12-01T12:00:00Z", "kvm", "rhel9");
    add_run(s, "hyperv-20261202-080000-def",
            "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210",
            "2026-12-02T08:00:00Z", "hyperv", "ws2022");
    if (store_commit(s))
        abort();
    store_close(s);
    ctx.db = db;
    ctx.cmd = "analyze compare";
    atexit(free_ctx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_str(data, size), *line[MAX_WORDS + 2], *p = s;
    const char *words[MAX_WORDS];
    struct store_run_info *runs = NULL;
    size_t n = 0;
    int nl = 0, nw;

    if (!db[0])
        make_store();
    /* lines, empty ones kept (an empty --since is "none") */
    while (nl < MAX_WORDS + 2 && p) {
        line[nl++] = p;
        if ((p = strchr(p, '\n')))
            *p++ = 0;
    }
    nw = nl > 2 ? nl - 2 : 0;
    for (int i = 0; i < nw; i++)
        words[i] = line[i + 2];
    if (an_select(&ctx, words, nw, nl > 0 && *line[0] ? line[0] : NULL,
                  nl > 1 && *line[1] ? line[1] : NULL, &runs, &n) == 0) {
        for (size_t i = 0; i < n; i++)
            for (int k = 0; k < nw; k++) {
                char key[128];
                size_t kl = strcspn(words[k], "=");
                snprintf(key, sizeof(key), "%.*s", (int)(kl < 127 ? kl : 127), words[k]);
                an_run_key(&runs[i], key);
                an_key_known(&ctx, key);
            }
    }
    store_runs_free(runs, n);
    free(s);
    return 0;
}
