/*
 * The pairing keys of a run, taken from its context, and the version keys. One table says
 * where each key is found in a context (first match wins), so a change in what `viobench
 * sysinfo` writes is a change of one line here. Inputs without a detected pairing (fio,
 * most Google Benchmark programs) get it from labels of the same name: `collect --label
 * hypervisor=kvm --label kernel=6.1.0`.
 */
#include "jsonx.h"
#include "store.h"

#include <stdio.h>
#include <string.h>

/* Where a key is found: JSON paths into the context, "a.b.c" walking objects, in order of
   preference. The structured facts of `viobench sysinfo` come first (docs/ARCHITECTURE.md,
   "The pairing"); then its summary strings; then the top-level keys of a Google Benchmark
   context that viobench wrote (results.json alone). */
static const char *const paths[SP_NKEYS][6] = {
    [SP_HYPERVISOR] = {"pairing.hypervisor.name", "pairing.summary.hypervisor", "hypervisor", NULL},
    [SP_HYPERVISOR_VERSION] = {"pairing.hypervisor.version", "pairing.summary.hypervisor_version",
                               NULL},
    [SP_GUEST_OS] = {"pairing.guest.os.id", "pairing.guest.os.name", "pairing.summary.guest_os",
                     "guest", NULL},
    [SP_GUEST_VERSION] = {"pairing.guest.os.version_id", "pairing.summary.guest_version", NULL},
    [SP_KERNEL] = {"pairing.guest.kernel.release", "pairing.summary.kernel", NULL},
    [SP_CPU_MODEL] = {"pairing.cpu.model", "pairing.cpu.model_cpuid", NULL},
    [SP_CLOCKSOURCE] = {"pairing.clocksource.current", NULL},
};

/* The string at a dotted path, or NULL. */
static const char *at_path(const json_t *o, const char *path)
{
    char key[64];
    while (o && *path) {
        const char *dot = strchr(path, '.');
        size_t n = dot ? (size_t)(dot - path) : strlen(path);
        if (n >= sizeof(key))
            return NULL;
        memcpy(key, path, n);
        key[n] = 0;
        o = json_object_get(o, key);
        path += n + (dot ? 1 : 0);
    }
    return json_string_value(o);
}

static int unknown(const char *v)
{
    return !v || !*v || strcmp(v, "unknown") == 0;
}

void store_pairing_from_context(const json_t *ctx, const json_t *labels, struct store_pairing *p)
{
    memset(p, 0, sizeof(*p));
    for (int k = 0; k < SP_NKEYS; k++) {
        const char *v = NULL, *l;
        for (int i = 0; paths[k][i] && unknown(v); i++) {
            const char *c = at_path(ctx, paths[k][i]);
            if (c && *c && (!v || !unknown(c)))
                v = c; /* a known value wins; "unknown" beats nothing */
        }
        l = json_string_value(json_object_get(labels, store_pairing_keys[k]));
        if (!l && k == SP_GUEST_OS)
            l = json_string_value(json_object_get(labels, "guest"));
        if (unknown(v) && l && *l)
            v = l;
        snprintf(p->v[k], sizeof(p->v[k]), "%s", v ? v : "");
    }
}

int store_is_version_key(const char *key)
{
    size_t n = strlen(key);
    return strcmp(key, "hypervisor_version") == 0 || strcmp(key, "guest_version") == 0 ||
           strcmp(key, "kernel") == 0 || strcmp(key, "tool_version") == 0 ||
           (n >= 7 && strcmp(key + n - 7, "version") == 0);
}
