/*
 * The fixture probe, and the helpers every detection module reads through.
 *
 * Detection never touches the machine directly: it asks a struct probe for CPUID leaves,
 * small files, directory listings and symbolic links. The fixture probe answers from a
 * recorded directory (cpuid.txt plus a root/ tree mirroring the paths read), so tests replay
 * Hyper-V, KVM, VMware, Xen, TCG and bare-metal machines without the hypervisor. Fixtures
 * are made by hand or by the recording probe (probe_record.c).
 */
#include "log.h"
#include "platform.h"
#include "sysinfo_os.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- helpers over any probe ---- */

void probe_cpuid(const struct probe *p, uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
    memset(out, 0, 4 * sizeof(out[0]));
    if (!p->cpuid || p->cpuid(p->ctx, leaf, subleaf, out))
        memset(out, 0, 4 * sizeof(out[0]));
}

int probe_text(const struct probe *p, const char *path, char *buf, size_t len)
{
    size_t n;
    int ret;

    if (!p->read || len == 0)
        return -ENOSYS;
    ret = p->read(p->ctx, path, buf, len);
    if (ret) {
        buf[0] = 0;
        return ret;
    }
    n = strlen(buf);
    while (n &&
           (buf[n - 1] == '\n' || buf[n - 1] == ' ' || buf[n - 1] == '\t' || buf[n - 1] == '\r'))
        buf[--n] = 0;
    return 0;
}

json_t *probe_jstr(const struct probe *p, const char *path)
{
    char buf[4096];
    json_t *s;

    if (probe_text(p, path, buf, sizeof(buf)))
        return json_null();
    s = json_string(buf);
    if (s)
        return s;
    /* Not UTF-8 (firmware strings can hold anything): keep printable ASCII only. */
    for (char *c = buf; *c; c++)
        if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f)
            *c = '?';
    s = json_string(buf);
    return s ? s : json_null();
}

int probe_link_base(const struct probe *p, const char *path, char *buf, size_t len)
{
    char t[PATH_MAX];
    const char *slash;
    int ret;

    if (!p->readlink)
        return -ENOSYS;
    ret = p->readlink(p->ctx, path, t, sizeof(t));
    if (ret)
        return ret;
    slash = strrchr(t, '/');
    snprintf(buf, len, "%s", slash ? slash + 1 : t);
    return 0;
}

int names_add(const char *name, void *arg)
{
    struct names *n = arg;
    char **v = realloc(n->v, sizeof(*v) * (size_t)(n->n + 1));
    if (!v)
        return -ENOMEM;
    n->v = v;
    if (!(n->v[n->n] = strdup(name)))
        return -ENOMEM;
    n->n++;
    return 0;
}

/* Directory entries sorted in natural order (virtio2 before virtio10). */
static int cmp_names(const void *a, const void *b)
{
    return strverscmp(*(char *const *)a, *(char *const *)b);
}

void names_visit(struct names *n, int (*cb)(const char *name, void *arg), void *arg)
{
    if (n->n)
        qsort(n->v, (size_t)n->n, sizeof(n->v[0]), cmp_names);
    for (int i = 0; i < n->n; i++)
        if (cb(n->v[i], arg))
            break;
}

void names_free(struct names *n)
{
    for (int i = 0; i < n->n; i++)
        free(n->v[i]);
    free(n->v);
    n->v = NULL;
    n->n = 0;
}

int probe_names(const struct probe *p, const char *path, struct names *out)
{
    int ret;

    out->n = 0;
    out->v = NULL;
    if (!p->list)
        return -ENOSYS;
    ret = p->list(p->ctx, path, names_add, out);
    if (ret)
        names_free(out);
    return ret;
}

int path_resolve(const char *path, const char *target, char *out, size_t len)
{
    char tmp[PATH_MAX * 2];
    char *parts[PATH_MAX / 2], *save = NULL, *tok;
    int n = 0;
    size_t used = 0;

    if (target[0] == '/') {
        snprintf(tmp, sizeof(tmp), "%s", target);
    } else {
        const char *slash = strrchr(path, '/');
        int dirlen = slash ? (int)(slash - path) : 0;
        snprintf(tmp, sizeof(tmp), "%.*s/%s", dirlen, path, target);
    }
    for (tok = strtok_r(tmp, "/", &save); tok; tok = strtok_r(NULL, "/", &save)) {
        if (strcmp(tok, ".") == 0)
            continue;
        if (strcmp(tok, "..") == 0) {
            if (n)
                n--;
            continue;
        }
        if (n < (int)(sizeof(parts) / sizeof(parts[0])))
            parts[n++] = tok;
    }
    if (len < 2)
        return -ENAMETOOLONG;
    out[0] = 0;
    for (int i = 0; i < n; i++) {
        int w = snprintf(out + used, len - used, "/%s", parts[i]);
        if (w < 0 || (size_t)w >= len - used)
            return -ENAMETOOLONG;
        used += (size_t)w;
    }
    if (n == 0)
        snprintf(out, len, "/");
    return 0;
}

/* List a real directory, sorted, calling cb for each name. 0 or -errno. */
static int list_dir(const char *dirpath, int (*cb)(const char *name, void *arg), void *arg)
{
    struct names n = {0, NULL};
    struct dirent *e;
    DIR *d = opendir(dirpath);
    int ret = 0;

    if (!d)
        return -errno;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
            strcmp(e->d_name, FIXTURE_KEEP) == 0)
            continue;
        if ((ret = names_add(e->d_name, &n)))
            break;
    }
    closedir(d);
    if (!ret)
        names_visit(&n, cb, arg);
    names_free(&n);
    return ret;
}

/* ---- the fixture probe ---- */

int cpuid_leaves_put(struct cpuid_leaves *l, uint32_t leaf, uint32_t sub, const uint32_t r[4])
{
    for (size_t i = 0; i < l->n; i++)
        if (l->v[i].leaf == leaf && l->v[i].sub == sub) {
            memcpy(l->v[i].r, r, sizeof(l->v[i].r));
            return 0;
        }
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 32;
        struct cpuid_leaf *v = realloc(l->v, cap * sizeof(*v));
        if (!v)
            return -ENOMEM;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n].leaf = leaf;
    l->v[l->n].sub = sub;
    l->v[l->n].line = 0;
    memcpy(l->v[l->n].r, r, sizeof(l->v[l->n].r));
    l->n++;
    return 0;
}

struct fixture {
    char root[PATH_MAX];
    char topo[PATH_MAX];
    struct cpuid_leaves leaves;
};

static int fx_path(const struct fixture *f, const char *path, char *out, size_t len)
{
    int w = snprintf(out, len, "%s%s%s", f->root, path[0] == '/' ? "" : "/", path);
    return w < 0 || (size_t)w >= len ? -ENAMETOOLONG : 0;
}

/* Order by (leaf, subleaf), then by line: sorted once, looked up by binary search. */
static int cmp_leaf(const void *a, const void *b)
{
    const struct cpuid_leaf *x = a, *y = b;
    if (x->leaf != y->leaf)
        return x->leaf < y->leaf ? -1 : 1;
    if (x->sub != y->sub)
        return x->sub < y->sub ? -1 : 1;
    return x->line < y->line ? -1 : x->line > y->line;
}

int cpuid_leaves_get(const struct cpuid_leaves *l, uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
    struct cpuid_leaf key = {.leaf = leaf, .sub = subleaf, .line = 0};
    size_t lo = 0, hi = l->n;

    while (lo < hi) { /* the first entry >= key; entries are unique per (leaf, sub) */
        size_t mid = lo + (hi - lo) / 2;
        if (cmp_leaf(&l->v[mid], &key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < l->n && l->v[lo].leaf == leaf && l->v[lo].sub == subleaf) {
        memcpy(out, l->v[lo].r, 4 * sizeof(out[0]));
        return 0;
    }
    memset(out, 0, 4 * sizeof(out[0]));
    return -ENOENT;
}

static int fx_cpuid(void *ctx, uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
    const struct fixture *f = ctx;
    return cpuid_leaves_get(&f->leaves, leaf, subleaf, out);
}

/* A fixture is outside input: every path stays inside its root/ (pf_open_beneath), so a
   link planted in it (root/etc -> /etc) cannot read this machine's files into the replay,
   and a FIFO is never waited on. A refusal is said once per path, on stderr. */
static int confined(const struct fixture *f, const char *path, int ret)
{
    if (ret == -EXDEV)
        vb_warn("sysinfo: fixture %s%s: leaves the fixture (an absolute or escaping link, or "
                "'..'); refused",
                f->root, path);
    else if (ret == -EINVAL)
        vb_warn("sysinfo: fixture %s%s: not a regular file (a FIFO, device or socket); refused",
                f->root, path);
    return ret;
}

static int fx_read(void *ctx, const char *path, char *buf, size_t len)
{
    const struct fixture *f = ctx;
    size_t got = 0;
    int fd = pf_open_beneath(f->root, path);

    if (fd < 0)
        return confined(f, path, fd);
    while (got + 1 < len) { /* bounded by the caller's buffer */
        ssize_t r = read(fd, buf + got, len - 1 - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = -errno;
            close(fd);
            return e;
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    buf[got] = 0;
    return 0;
}

static int fx_list(void *ctx, const char *path, int (*cb)(const char *name, void *arg), void *arg)
{
    const struct fixture *f = ctx;
    char full[PATH_MAX];
    int ret = fx_path(ctx, path, full, sizeof(full));
    if (!ret && (ret = pf_check_beneath(f->root, path)))
        return confined(f, path, ret);
    return ret ? ret : list_dir(full, cb, arg);
}

/* The link itself is data (its target's name); its parent must lie inside the fixture. */
static int fx_readlink(void *ctx, const char *path, char *buf, size_t len)
{
    const struct fixture *f = ctx;
    char full[PATH_MAX], parent[PATH_MAX];
    const char *slash = strrchr(path, '/');
    ssize_t n;
    int ret = fx_path(ctx, path, full, sizeof(full));

    if (ret)
        return ret;
    snprintf(parent, sizeof(parent), "%.*s", slash ? (int)(slash - path) : 0, path);
    if ((ret = pf_check_beneath(f->root, parent[0] ? parent : "/")))
        return confined(f, parent, ret);
    n = readlink(full, buf, len - 1);
    if (n < 0)
        return -errno;
    buf[n] = 0;
    return 0;
}

/* Append one leaf of cpuid.txt's line `line` (duplicates are resolved by sort_leaves). */
static int leaves_append(struct cpuid_leaves *l, const unsigned long v[6], size_t line)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 32;
        struct cpuid_leaf *nv = realloc(l->v, cap * sizeof(*nv));
        if (!nv)
            return -ENOMEM;
        l->v = nv;
        l->cap = cap;
    }
    l->v[l->n] =
        (struct cpuid_leaf){(uint32_t)v[0],
                            (uint32_t)v[1],
                            {(uint32_t)v[2], (uint32_t)v[3], (uint32_t)v[4], (uint32_t)v[5]},
                            line};
    l->n++;
    return 0;
}

/* Sort by (leaf, subleaf) and keep the last line of each: O(n log n). */
static void sort_leaves(struct cpuid_leaves *l)
{
    size_t o = 0;
    if (!l->n)
        return;
    qsort(l->v, l->n, sizeof(l->v[0]), cmp_leaf);
    for (size_t i = 0; i < l->n; i++) {
        if (i + 1 < l->n && l->v[i + 1].leaf == l->v[i].leaf && l->v[i + 1].sub == l->v[i].sub)
            continue;
        l->v[o++] = l->v[i];
    }
    l->n = o;
}

/* Parse cpuid.txt; -EINVAL with the line at fault in err. */
static int load_cpuid(const char *path, struct cpuid_leaves *l, char *err, size_t errlen)
{
    char dir[PATH_MAX];
    int ret, fd;
    FILE *f;

    snprintf(dir, sizeof(dir), "%.*s", (int)(strrchr(path, '/') - path), path);
    fd = pf_open_beneath(dir, "cpuid.txt");
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", path,
                 fd == -EINVAL  ? "not a regular file"
                 : fd == -EXDEV ? "a link that leaves the fixture"
                                : strerror(-fd));
        return fd == -EXDEV ? -EINVAL : fd;
    }
    if (!(f = fdopen(fd, "r"))) {
        close(fd);
        snprintf(err, errlen, "%s: out of memory", path);
        return -ENOMEM;
    }
    ret = cpuid_txt_read(f, path, l, err, errlen);
    fclose(f);
    return ret;
}

/* Lines of any length are read whole (getline), so the number in a message is the file's
   line. */
int cpuid_txt_read(FILE *f, const char *path, struct cpuid_leaves *l, char *err, size_t errlen)
{
    char *line = NULL;
    size_t cap = 0, lineno = 0;
    int ret = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, f)) >= 0) {
        unsigned long v[6];
        char *s = line, *end;
        int k;

        lineno++;
        if (strlen(line) != (size_t)n) {
            snprintf(err, errlen, "%s:%zu: a NUL byte (not a text file)", path, lineno);
            ret = -EINVAL;
            break;
        }
        while (*s == ' ' || *s == '\t')
            s++;
        if (*s == '#' || *s == '\n' || *s == 0)
            continue;
        for (k = 0; k < 6; k++) {
            errno = 0;
            v[k] = strtoul(s, &end, 16);
            if (end == s || errno || v[k] > 0xffffffffUL)
                break;
            s = end;
        }
        while (k == 6 && (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n'))
            s++;
        if (k != 6 || (*s && *s != '#')) {
            snprintf(err, errlen, "%s:%zu: expected 'leaf subleaf eax ebx ecx edx' in hexadecimal",
                     path, lineno);
            ret = -EINVAL;
            break;
        }
        if ((ret = leaves_append(l, v, lineno))) {
            snprintf(err, errlen, "%s: out of memory", path);
            break;
        }
    }
    free(line);
    if (!ret && l->n == 0) {
        /* no CPUID data is not bare metal: nothing is known about the machine */
        snprintf(err, errlen, "%s: no CPUID leaves (empty or only comments)", path);
        ret = -EINVAL;
    }
    if (!ret)
        sort_leaves(l);
    return ret;
}

int probe_fixture_open(const char *dir, struct probe *p, char *err, size_t errlen)
{
    struct fixture *f;
    struct stat st;
    char path[PATH_MAX];
    char dummy[8];
    int ret;

    if (!err) {
        err = dummy;
        errlen = sizeof(dummy);
    }
    memset(p, 0, sizeof(*p));
    if (stat(dir, &st)) {
        ret = -errno;
        snprintf(err, errlen, "%s: %s", dir, strerror(errno));
        return ret;
    }
    if (!S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s: not a directory", dir);
        return -ENOTDIR;
    }
    f = calloc(1, sizeof(*f));
    if (!f) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    snprintf(f->root, sizeof(f->root), "%s/root", dir);
    snprintf(path, sizeof(path), "%s/cpuid.txt", dir);
    if (access(path, F_OK) != 0) {
        snprintf(err, errlen, "%s: not a fixture (no cpuid.txt; make one with --record)", dir);
        free(f);
        return -ENOENT;
    }
    ret = load_cpuid(path, &f->leaves, err, errlen);
    if (ret) {
        free(f->leaves.v);
        free(f);
        return ret;
    }
    snprintf(f->topo, sizeof(f->topo), "%s/topology.xml", dir);
    {
        /* hwloc opens it by name: only a regular file inside the fixture */
        int fd = pf_open_beneath(dir, "topology.xml");
        if (fd >= 0)
            close(fd);
        else if (fd != -ENOENT)
            vb_warn("sysinfo: %s: %s; the topology comes from sysfs", f->topo,
                    fd == -EINVAL ? "not a regular file" : "leaves the fixture");
        if (fd < 0)
            f->topo[0] = 0;
    }
    p->cpuid = fx_cpuid;
    p->read = fx_read;
    p->list = fx_list;
    p->readlink = fx_readlink;
    p->topology_xml = f->topo[0] ? f->topo : NULL;
    p->hwloc_live = 0;
    p->ctx = f;
    return 0;
}

int probe_fixture(const char *dir, struct probe *p)
{
    return probe_fixture_open(dir, p, NULL, 0);
}

void probe_free(struct probe *p)
{
    struct fixture *f = p->ctx;
    if (f && p->cpuid == fx_cpuid) {
        free(f->leaves.v);
        free(f);
    } else {
        probe_mem_release(p);
    }
    memset(p, 0, sizeof(*p));
}
