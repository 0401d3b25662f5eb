/*
 * The fixture probe over files held in memory (probe_fixture_mem). A recorded fixture is
 * outside input, so detection over one is fuzzed; through the directory probe every input
 * meant writing some twenty files and detection then opening, listing and reading them
 * again, a few hundred inputs a second. This probe answers the same questions (CPUID from
 * the same cpuid.txt parser, file reads bounded by the caller's buffer, sorted listings,
 * link targets) from a table of paths and bytes, so the fuzz harness spends its time in the
 * parsers. Confinement to the fixture's root, FIFOs and devices are the directory probe's
 * business (probe.c, pf_open_beneath) and are tested there. It lives with the Linux parts
 * because it reads through fmemopen, which the Windows C runtime lacks; the fuzz harnesses
 * and their tests build on Linux only.
 */
#include "sysinfo_os.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct memfx {
    const struct probe_file *files;
    size_t n;
    size_t *plen;  /* strlen of each path */
    size_t *links; /* indexes of the links, the only entries path resolution looks at */
    size_t nlinks;
    struct cpuid_leaves leaves;
};

/* Links followed while resolving one path (then -ELOOP, as the kernel says for a cycle). */
#define MAX_HOPS 40

static int mem_cpuid(void *ctx, uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
    const struct memfx *m = ctx;
    return cpuid_leaves_get(&m->leaves, leaf, subleaf, out);
}

/* The entry at fixture path key (of klen bytes), or NULL. */
static const struct probe_file *find(const struct memfx *m, const char *key, size_t klen)
{
    for (size_t i = 0; i < m->n; i++)
        if (m->plen[i] == klen && memcmp(m->files[i].path, key, klen) == 0)
            return &m->files[i];
    return NULL;
}

/* Resolve a probe path ("/sys/block/vda/size") to its fixture key ("root/sys/...") in out,
   following relative links in every component (the last one too when follow_last), as the
   directory probe's open beneath the root does. 0, -EXDEV (an absolute link), -ELOOP or
   -ENAMETOOLONG. */
static int resolve(const struct memfx *m, const char *path, int follow_last, char *out, size_t len)
{
    char cur[PATH_MAX], next[PATH_MAX], t[PATH_MAX], rest[PATH_MAX];
    int hops = 0;

    if (snprintf(cur, sizeof(cur), "root%s%s", path[0] == '/' ? "" : "/", path) >= (int)sizeof(cur))
        return -ENAMETOOLONG;
    for (;;) {
        const struct probe_file *f = NULL;
        size_t clen = strlen(cur), plen = 0;
        int ret;

        /* the link nearest the root that is a component prefix of cur */
        for (size_t k = 0; k < m->nlinks; k++) {
            size_t i = m->links[k], l = m->plen[i];
            if (l <= clen && (!f || l < plen) && memcmp(m->files[i].path, cur, l) == 0 &&
                (cur[l] == '/' || (cur[l] == 0 && follow_last)))
                f = &m->files[i], plen = l;
        }
        if (!f)
            break;
        if (++hops > MAX_HOPS)
            return -ELOOP;
        snprintf(t, sizeof(t), "%.*s", (int)(f->len < sizeof(t) ? f->len : sizeof(t) - 1), f->data);
        if (t[0] == '/')
            return -EXDEV; /* an absolute link would leave the fixture */
        snprintf(rest, sizeof(rest), "%s", cur + plen);
        cur[plen] = 0; /* the link's own path; without "root", a probe path */
        if ((ret = path_resolve(cur + 4, t, next, sizeof(next))))
            return ret;
        if (snprintf(cur, sizeof(cur), "root%s%s", strcmp(next, "/") ? next : "", rest) >=
            (int)sizeof(cur))
            return -ENAMETOOLONG;
    }
    return snprintf(out, len, "%s", cur) >= (int)len ? -ENAMETOOLONG : 0;
}

static int mem_read(void *ctx, const char *path, char *buf, size_t len)
{
    const struct memfx *m = ctx;
    const struct probe_file *f;
    char key[PATH_MAX];
    int ret = resolve(m, path, 1, key, sizeof(key));
    size_t n;

    if (ret)
        return ret;
    if (!(f = find(m, key, strlen(key))))
        return -ENOENT;
    n = f->len < len - 1 ? f->len : len - 1;
    memcpy(buf, f->data, n);
    buf[n] = 0;
    return 0;
}

/* Has names this entry already? (listings are small: a linear look) */
static int listed(const struct names *nm, const char *name)
{
    for (int i = 0; i < nm->n; i++)
        if (strcmp(nm->v[i], name) == 0)
            return 1;
    return 0;
}

static int mem_list(void *ctx, const char *path, int (*cb)(const char *name, void *arg), void *arg)
{
    const struct memfx *m = ctx;
    struct names nm = {0, NULL};
    char key[PATH_MAX], name[NAME_MAX + 1];
    size_t kl;
    int ret = resolve(m, path, 1, key, sizeof(key)), found = 0;

    if (ret)
        return ret;
    kl = strlen(key);
    while (kl > 4 && key[kl - 1] == '/')
        key[--kl] = 0;
    for (size_t i = 0; i < m->n && !ret; i++) {
        const char *p = m->files[i].path, *rest, *end;
        if (m->plen[i] < kl || memcmp(p, key, kl) != 0)
            continue;
        if (p[kl] == 0) {
            ret = -ENOTDIR; /* a file by that name */
            break;
        }
        if (p[kl] != '/')
            continue;
        found = 1;
        rest = p + kl + 1;
        end = strchr(rest, '/');
        if (!end)
            end = rest + strlen(rest);
        if (end == rest || (size_t)(end - rest) > NAME_MAX)
            continue; /* the directory itself ("dir/"), or no name a directory can hold */
        snprintf(name, sizeof(name), "%.*s", (int)(end - rest), rest);
        if (strcmp(name, FIXTURE_KEEP) != 0 && !listed(&nm, name))
            ret = names_add(name, &nm);
    }
    if (!ret && !found)
        ret = -ENOENT;
    if (!ret)
        names_visit(&nm, cb, arg);
    names_free(&nm);
    return ret;
}

static int mem_readlink(void *ctx, const char *path, char *buf, size_t len)
{
    const struct memfx *m = ctx;
    const struct probe_file *f;
    char key[PATH_MAX];
    int ret = resolve(m, path, 0, key, sizeof(key));
    size_t n;

    if (ret)
        return ret;
    if (!(f = find(m, key, strlen(key))))
        return -ENOENT;
    if (!f->link)
        return -EINVAL;
    n = f->len < len - 1 ? f->len : len - 1;
    memcpy(buf, f->data, n);
    buf[n] = 0;
    return 0;
}

int probe_fixture_mem(const struct probe_file *files, size_t n, struct probe *p, char *err,
                      size_t errlen)
{
    const struct probe_file *c = NULL;
    struct memfx *m;
    char dummy[8];
    FILE *f;
    int ret;

    if (!err) {
        err = dummy;
        errlen = sizeof(dummy);
    }
    memset(p, 0, sizeof(*p));
    for (size_t i = 0; i < n; i++)
        if (strcmp(files[i].path, "cpuid.txt") == 0)
            c = &files[i];
    if (!c) {
        snprintf(err, errlen, "not a fixture (no cpuid.txt)");
        return -ENOENT;
    }
    if (c->link) {
        snprintf(err, errlen, "cpuid.txt: a link that leaves the fixture");
        return -EINVAL;
    }
    if (!(m = calloc(1, sizeof(*m)))) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    m->files = files;
    m->n = n;
    m->plen = malloc((n ? n : 1) * sizeof(*m->plen));
    m->links = malloc((n ? n : 1) * sizeof(*m->links));
    if (!m->plen || !m->links) {
        probe_mem_release(&(struct probe){.cpuid = mem_cpuid, .ctx = m});
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        m->plen[i] = strlen(files[i].path);
        if (files[i].link)
            m->links[m->nlinks++] = i;
    }
    f = fmemopen((void *)(c->data ? c->data : ""), c->len, "r"); /* glibc: 0 bytes is fine */
    if (!f) {
        probe_mem_release(&(struct probe){.cpuid = mem_cpuid, .ctx = m});
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    ret = cpuid_txt_read(f, "cpuid.txt", &m->leaves, err, errlen);
    fclose(f);
    if (ret) {
        probe_mem_release(&(struct probe){.cpuid = mem_cpuid, .ctx = m});
        return ret;
    }
    p->cpuid = mem_cpuid;
    p->read = mem_read;
    p->list = mem_list;
    p->readlink = mem_readlink;
    p->topology_xml = NULL;
    p->hwloc_live = 0;
    p->ctx = m;
    return 0;
}

void probe_mem_release(struct probe *p)
{
    struct memfx *m = p->ctx;
    if (m && p->cpuid == mem_cpuid) {
        free(m->leaves.v);
        free(m->plen);
        free(m->links);
        free(m);
    }
}
