/*
 * The pairing identity: what compare, gate, matrix, trend, capacity and plot group runs by,
 * and what the pairing keys of a selector match. It is written once, here, so that a run
 * labelled host_hypervisor=hyperv never lands in the same group as one labelled
 * host_hypervisor=kvm because both guests detected the same thing.
 *
 * The precedence rule (docs/verdicts.md, "The pairing identity"): for every identity key,
 * a label the user gave wins over detection (the host half of a pairing is often something
 * a guest cannot see); without a label, what detection found (and collect stored) is the
 * value. A label that overrides a different detected value does not erase it: the detected
 * value stays part of the identity ("hypervisor=hyperv (detected kvm)"), so runs that
 * disagree on what they detected are never merged either. Labels that name no detected
 * key (guest: the inventory name scripts/matrix writes) extend the identity.
 *
 * Result-changing options (placement, timer, load, sizes ...) are not a pairing but are
 * also never pooled silently: an_options_sig() renders those a run's context recorded.
 */
#include "analyze.h"
#include "jsonx.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const an_id_keys[AN_ID_NKEYS] = {
    "hypervisor", "hypervisor_version", "guest",       "guest_os", "guest_version",
    "kernel",     "cpu_model",          "clocksource",
};

/* Labels that set each identity key, strongest first, and the detected pairing key (-1). */
static const struct {
    const char *labels[3];
    int sp;
} src[AN_ID_NKEYS] = {
    {{"host_hypervisor", "hypervisor"}, SP_HYPERVISOR},
    {{"host_hypervisor_version", "hypervisor_version"}, SP_HYPERVISOR_VERSION},
    {{"guest"}, -1},
    {{"guest_os"}, SP_GUEST_OS},
    {{"guest_version"}, SP_GUEST_VERSION},
    {{"guest_kernel", "kernel"}, SP_KERNEL},
    {{"host_cpu_model", "cpu_model"}, SP_CPU_MODEL},
    {{"clocksource"}, SP_CLOCKSOURCE},
};

/* Options that change what a kernel measures, for runs recorded before context.json had
   "result_options" (the run's own list, written from its option table). */
static const char *const result_options[] = {
    "cpu",       "peer_cpu", "timer",  "rt_priority", "switch_clocksource", "target", "size",
    "rate",      "flows",    "net_io", "busy_poll",   "busy_poll_s",        "ring",   "interval_s",
    "placement", "peer",     "nagle",
};

/* Append " key=value" for one option value to buf (len bytes in all). */
static void sig_add(char *buf, size_t len, const char *key, const json_t *v)
{
    size_t n = strlen(buf);

    if (n >= len)
        return;
    if (json_is_string(v))
        snprintf(buf + n, len - n, "%s%s=%s", n ? " " : "", key, json_string_value(v));
    else if (json_is_integer(v))
        snprintf(buf + n, len - n, "%s%s=%lld", n ? " " : "", key,
                 (long long)json_integer_value(v));
    else if (json_is_real(v))
        snprintf(buf + n, len - n, "%s%s=%g", n ? " " : "", key, json_real_value(v));
    else if (json_is_boolean(v))
        snprintf(buf + n, len - n, "%s%s=%s", n ? " " : "", key,
                 json_is_true(v) ? "true" : "false");
}

static int key_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int an_id_key(const char *key)
{
    for (int k = 0; k < AN_ID_NKEYS; k++)
        if (strcmp(key, an_id_keys[k]) == 0)
            return k;
    return -1;
}

static const char *label_of(const struct store_run_info *ri, int k)
{
    for (int i = 0; i < 3 && src[k].labels[i]; i++) {
        const char *v = json_string_value(json_object_get(ri->labels, src[k].labels[i]));
        if (v && *v)
            return v;
    }
    return NULL;
}

const char *an_id_value(const struct store_run_info *ri, int k)
{
    const char *l = label_of(ri, k);
    if (l)
        return l;
    return src[k].sp >= 0 ? ri->pairing.v[src[k].sp] : "";
}

const char *an_id_detected(const struct store_run_info *ri, int k)
{
    const char *l = label_of(ri, k), *d = src[k].sp >= 0 ? ri->pairing.v[src[k].sp] : "";
    return l && *d && strcmp(l, d) != 0 ? d : "";
}

const char *an_id_label(const struct store_run_info *ri, unsigned skip, char *buf, size_t len)
{
    buf[0] = 0;
    for (int k = 0; k < AN_ID_NKEYS; k++) {
        const char *v = an_id_value(ri, k), *d = an_id_detected(ri, k);
        size_t o = strlen(buf);
        if ((skip >> k & 1) || !*v)
            continue;
        snprintf(buf + o, len - o, "%s%s=%s", o ? " " : "", an_id_keys[k], v);
        if (*d) {
            o = strlen(buf);
            snprintf(buf + o, len - o, " (detected %s)", d);
        }
    }
    if (!buf[0])
        snprintf(buf, len, "-");
    return buf;
}

const char *an_id_group_key(const struct store_run_info *ri, unsigned skip, char *buf, size_t len)
{
    buf[0] = 0;
    for (int k = 0; k < AN_ID_NKEYS; k++) {
        size_t o = strlen(buf);
        if (skip >> k & 1)
            continue;
        snprintf(buf + o, len - o, "%s\x1f%s\x1e", an_id_value(ri, k), an_id_detected(ri, k));
    }
    return buf;
}

const char *an_options_sig(const json_t *ctx, char *buf, size_t len)
{
    const json_t *o = json_object_get(ctx, "options"), *ro = json_object_get(ctx, "result_options");
    buf[0] = 0;
    if (json_is_object(ro)) {
        /* The run's own record: exactly the result-changing options not at their default. */
        const char *keys[64], *k;
        const json_t *v;
        size_t nk = 0;

        json_object_foreach((json_t *)ro, k, v) if (nk < sizeof(keys) / sizeof(keys[0]))
            keys[nk++] = k;
        qsort(keys, nk, sizeof(keys[0]), key_cmp);
        for (size_t i = 0; i < nk; i++)
            sig_add(buf, len, keys[i], json_object_get(ro, keys[i]));
        return buf;
    }
    for (size_t i = 0; i < sizeof(result_options) / sizeof(result_options[0]); i++) {
        const json_t *v = json_object_get(o, result_options[i]);
        /* defaults say nothing: -1 (no CPU), 0, false, "auto", "", the 1 ms interval */
        if (!v || json_is_null(v) || json_is_false(v) ||
            (json_is_integer(v) && (json_integer_value(v) == -1 || json_integer_value(v) == 0)) ||
            (json_is_real(v) &&
             (json_real_value(v) == 0 ||
              (strcmp(result_options[i], "interval_s") == 0 && json_real_value(v) == 0.001))) ||
            (json_is_string(v) &&
             (!*json_string_value(v) || strcmp(json_string_value(v), "auto") == 0)))
            continue;
        sig_add(buf, len, result_options[i], v);
    }
    return buf;
}

int an_lines_has(const char *lines, const char *line)
{
    size_t l = strlen(line);
    for (const char *p = lines; p && *p;) {
        size_t n = strcspn(p, "\n");
        if (n == l && strncmp(p, line, l) == 0)
            return 1;
        p += n + (p[n] == '\n');
    }
    return 0;
}

/* Append line and a newline to the malloc'ed *lines (NULL: none yet). 0 or -1 (ENOMEM). */
static int lines_add(char **lines, const char *line)
{
    size_t o = *lines ? strlen(*lines) : 0, l = strlen(line);
    char *x = realloc(*lines, o + l + 2);
    if (!x)
        return -1;
    *lines = x;
    snprintf(x + o, l + 2, "%s\n", line);
    return 0;
}

int an_set_note_run(struct an_set *s, const struct store_run_info *ri, const json_t *ctx)
{
    char id[1024], opts[512], key[1600];

    an_id_label(ri, 0, id, sizeof(id));
    an_options_sig(ctx, opts, sizeof(opts));
    snprintf(key, sizeof(key), "%s%s%s%s", id, *opts ? " [options " : "", opts, *opts ? "]" : "");
    if (!s->ids) {
        snprintf(s->first_id, sizeof(s->first_id), "%s", id);
        snprintf(s->first_opts, sizeof(s->first_opts), "%s", opts);
    }
    if (strcmp(s->first_id, id) != 0)
        s->mixed = 1;
    if (strcmp(s->first_opts, opts) != 0)
        s->mixed_opts = 1;
    if (lines_add(&s->run_ids, ri->run_id))
        return -1;
    /* the distinct identities, one per line */
    if (an_lines_has(s->ids, key))
        return 0;
    if (lines_add(&s->ids, key))
        return -1;
    s->nids++;
    return 0;
}
