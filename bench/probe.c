/*
 * Probes other than the live one, and the helpers every detection module reads through.
 *
 * Detection never touches the machine directly: it asks a struct probe for CPUID leaves,
 * small files, directory listings and symbolic links. The fixture probe answers from a
 * recorded directory (cpuid.txt plus a root/ tree mirroring the paths read), so tests replay
 * Hyper-V, KVM, VMware, Xen, TCG and bare-metal machines without the hypervisor. The
 * recording probe wraps the live one and copies everything detection reads into such a
 * directory, which is how `viobench sysinfo --record DIR` makes a fixture of any machine.
 */
#include "fileio.h"
#include "jsonx.h"
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
#include <time.h>
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

static int names_add(const char *name, void *arg)
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

/* Placeholder the recorder puts in directories it creates empty, because git keeps no empty
   directory; fixture listings skip it. */
#define KEEP ".keep"

/* Directory entries sorted in natural order (virtio2 before virtio10). */
static int cmp_names(const void *a, const void *b)
{
    return strverscmp(*(char *const *)a, *(char *const *)b);
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
            strcmp(e->d_name, KEEP) == 0)
            continue;
        if ((ret = names_add(e->d_name, &n)))
            break;
    }
    closedir(d);
    if (!ret && n.n)
        qsort(n.v, (size_t)n.n, sizeof(n.v[0]), cmp_names);
    for (int i = 0; !ret && i < n.n; i++)
        if (cb(n.v[i], arg))
            break;
    names_free(&n);
    return ret;
}

/* Read up to len-1 bytes of a file, NUL-terminated. 0 or -errno. */
static int read_small(const char *path, char *buf, size_t len)
{
    size_t got = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0)
        return -errno;
    while (got + 1 < len) {
        ssize_t r = read(fd, buf + got, len - 1 - got);
        if (r < 0) {
            if (errno == EINTR)
                continue;
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

/* ---- the fixture probe ---- */

struct leaf {
    uint32_t leaf, sub, r[4];
};

struct leaves {
    struct leaf *v;
    size_t n, cap;
};

static int leaves_put(struct leaves *l, uint32_t leaf, uint32_t sub, const uint32_t r[4])
{
    for (size_t i = 0; i < l->n; i++)
        if (l->v[i].leaf == leaf && l->v[i].sub == sub) {
            memcpy(l->v[i].r, r, sizeof(l->v[i].r));
            return 0;
        }
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 32;
        struct leaf *v = realloc(l->v, cap * sizeof(*v));
        if (!v)
            return -ENOMEM;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n].leaf = leaf;
    l->v[l->n].sub = sub;
    memcpy(l->v[l->n].r, r, sizeof(l->v[l->n].r));
    l->n++;
    return 0;
}

struct fixture {
    char root[PATH_MAX];
    char topo[PATH_MAX];
    struct leaves leaves;
};

static int fx_path(const struct fixture *f, const char *path, char *out, size_t len)
{
    int w = snprintf(out, len, "%s%s%s", f->root, path[0] == '/' ? "" : "/", path);
    return w < 0 || (size_t)w >= len ? -ENAMETOOLONG : 0;
}

static int fx_cpuid(void *ctx, uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
    const struct fixture *f = ctx;
    for (size_t i = 0; i < f->leaves.n; i++)
        if (f->leaves.v[i].leaf == leaf && f->leaves.v[i].sub == subleaf) {
            memcpy(out, f->leaves.v[i].r, 4 * sizeof(out[0]));
            return 0;
        }
    memset(out, 0, 4 * sizeof(out[0]));
    return -ENOENT;
}

static int fx_read(void *ctx, const char *path, char *buf, size_t len)
{
    char full[PATH_MAX];
    int ret = fx_path(ctx, path, full, sizeof(full));
    return ret ? ret : read_small(full, buf, len);
}

static int fx_list(void *ctx, const char *path, int (*cb)(const char *name, void *arg), void *arg)
{
    char full[PATH_MAX];
    int ret = fx_path(ctx, path, full, sizeof(full));
    return ret ? ret : list_dir(full, cb, arg);
}

static int fx_readlink(void *ctx, const char *path, char *buf, size_t len)
{
    char full[PATH_MAX];
    ssize_t n;
    int ret = fx_path(ctx, path, full, sizeof(full));

    if (ret)
        return ret;
    n = readlink(full, buf, len - 1);
    if (n < 0)
        return -errno;
    buf[n] = 0;
    return 0;
}

/* Parse cpuid.txt; -EINVAL with the line at fault in err. */
static int load_cpuid(const char *path, struct leaves *l, char *err, size_t errlen)
{
    char line[512];
    int lineno = 0, ret = 0;
    FILE *f = fopen(path, "re");

    if (!f) {
        ret = -errno;
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return ret;
    }
    while (fgets(line, sizeof(line), f)) {
        unsigned long v[6];
        char *s = line, *end;
        int k;

        lineno++;
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
            snprintf(err, errlen, "%s:%d: expected 'leaf subleaf eax ebx ecx edx' in hexadecimal",
                     path, lineno);
            ret = -EINVAL;
            break;
        }
        {
            uint32_t r[4] = {(uint32_t)v[2], (uint32_t)v[3], (uint32_t)v[4], (uint32_t)v[5]};
            if ((ret = leaves_put(l, (uint32_t)v[0], (uint32_t)v[1], r))) {
                snprintf(err, errlen, "%s: out of memory", path);
                break;
            }
        }
    }
    fclose(f);
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
    p->cpuid = fx_cpuid;
    p->read = fx_read;
    p->list = fx_list;
    p->readlink = fx_readlink;
    p->topology_xml = access(f->topo, R_OK) == 0 ? f->topo : NULL;
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
    }
    memset(p, 0, sizeof(*p));
}

/* ---- the recording probe ---- */

struct recorder {
    const struct probe *live;
    char root[PATH_MAX];
    struct leaves leaves;
    int err;         /* first error while recording (-errno) */
    char where[512]; /* and the file it concerns */
};

static void rec_fail(struct recorder *r, int err, const char *path)
{
    if (!r->err) {
        r->err = err;
        snprintf(r->where, sizeof(r->where), "%.500s", path);
    }
}

/* Fixture path of a live path. */
static void rec_path(const struct recorder *r, const char *live, char *out, size_t len)
{
    if (snprintf(out, len, "%s%s", r->root, live) >= (int)len)
        out[0] = 0; /* too long: the write fails and is reported */
}

/* Relative path from directory `from` to `to` (both absolute, lexically clean). */
static void make_relative(const char *from, const char *to, char *out, size_t len)
{
    size_t common = 0, i = 0;
    int ups = 0;

    /* longest common prefix ending at a component boundary */
    while (from[i] && to[i] && from[i] == to[i]) {
        i++;
        if (from[i] == '/' || from[i] == 0)
            if (to[i] == '/' || to[i] == 0)
                common = i;
    }
    for (const char *s = from + common; *s; s++)
        if (*s == '/')
            ups++;
    out[0] = 0;
    for (int k = 0; k < ups; k++)
        strncat(out, "../", len - strlen(out) - 1);
    strncat(out, to[common] == '/' ? to + common + 1 : to + common, len - strlen(out) - 1);
    if (!out[0])
        snprintf(out, len, ".");
}

/* Create in the fixture the symbolic link found live at `live` (its parent has no links). */
static void rec_link(struct recorder *r, const char *live, const char *target)
{
    char fx[PATH_MAX], dir[PATH_MAX], rel[PATH_MAX];
    const char *slash = strrchr(live, '/');

    snprintf(dir, sizeof(dir), "%.*s", (int)(slash - live), live);
    rec_path(r, dir, fx, sizeof(fx));
    pf_mkdir_p(fx, 0755);
    if (target[0] == '/') /* keep the fixture self-contained */
        make_relative(dir[0] ? dir : "/", target, rel, sizeof(rel));
    else
        snprintf(rel, sizeof(rel), "%s", target);
    rec_path(r, live, fx, sizeof(fx));
    if (symlink(rel, fx) && errno != EEXIST)
        rec_fail(r, -errno, fx);
}

/* The live path with every symbolic link resolved, recording each link met on the way. */
static int rec_resolve(struct recorder *r, const char *path, char *out, size_t len, int depth)
{
    char cur[PATH_MAX] = "", copy[PATH_MAX];
    char *s;

    if (depth > 40)
        return -ELOOP;
    snprintf(copy, sizeof(copy), "%s", path);
    s = copy;
    while (*s) {
        char next[PATH_MAX], target[PATH_MAX], joined[PATH_MAX * 2], resolved[PATH_MAX];
        char *comp, *rest;
        struct stat st;
        ssize_t n;

        while (*s == '/')
            s++;
        if (!*s)
            break;
        comp = s;
        rest = strchr(s, '/');
        if (rest)
            *rest++ = 0;
        s = rest ? rest : comp + strlen(comp);
        if (strcmp(comp, ".") == 0)
            continue;
        if (strcmp(comp, "..") == 0) {
            char *slash = strrchr(cur, '/');
            if (slash)
                *slash = 0;
            continue;
        }
        snprintf(next, sizeof(next), "%s/%s", cur, comp);
        if (lstat(next, &st) || !S_ISLNK(st.st_mode)) {
            snprintf(cur, sizeof(cur), "%s", next);
            continue;
        }
        n = readlink(next, target, sizeof(target) - 1);
        if (n < 0)
            return -errno;
        target[n] = 0;
        rec_link(r, next, target);
        if (path_resolve(next, target, resolved, sizeof(resolved)))
            return -ENAMETOOLONG;
        snprintf(joined, sizeof(joined), "%s/%s", resolved, s);
        return rec_resolve(r, joined, out, len, depth + 1);
    }
    snprintf(out, len, "%s", cur[0] ? cur : "/");
    return 0;
}

static int rec_cpuid(void *ctx, uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
    struct recorder *r = ctx;
    int ret = r->live->cpuid(r->live->ctx, leaf, subleaf, out);
    if (!ret && leaves_put(&r->leaves, leaf, subleaf, out))
        rec_fail(r, -ENOMEM, "cpuid.txt");
    return ret;
}

/* Write data at the fixture location of an already resolved live path. */
static void rec_write(struct recorder *r, const char *resolved, const char *data, size_t n)
{
    char fx[PATH_MAX], dir[PATH_MAX];
    const char *slash;
    int fd;

    rec_path(r, resolved, fx, sizeof(fx));
    slash = strrchr(fx, '/');
    snprintf(dir, sizeof(dir), "%.*s", (int)(slash - fx), fx);
    pf_mkdir_p(dir, 0755);
    fd = open(fx, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || (n && write(fd, data, n) != (ssize_t)n))
        rec_fail(r, fd < 0 ? -errno : -EIO, fx);
    if (fd >= 0)
        close(fd);
}

static int rec_read(void *ctx, const char *path, char *buf, size_t len)
{
    struct recorder *r = ctx;
    char resolved[PATH_MAX];
    int ret = r->live->read(r->live->ctx, path, buf, len);

    if (ret)
        return ret;
    if (rec_resolve(r, path, resolved, sizeof(resolved), 0) == 0)
        rec_write(r, resolved, buf, strlen(buf));
    else
        rec_fail(r, -ELOOP, path);
    return 0;
}

struct rec_list_arg {
    struct recorder *r;
    const char *dir; /* resolved live directory */
    int (*cb)(const char *name, void *arg);
    void *arg;
};

static int rec_list_cb(const char *name, void *varg)
{
    struct rec_list_arg *a = varg;
    char live[PATH_MAX], fx[PATH_MAX];
    struct stat st;

    snprintf(live, sizeof(live), "%s/%s", strcmp(a->dir, "/") ? a->dir : "", name);
    if (lstat(live, &st) == 0) {
        if (S_ISLNK(st.st_mode)) {
            char target[PATH_MAX];
            ssize_t n = readlink(live, target, sizeof(target) - 1);
            if (n >= 0) {
                target[n] = 0;
                rec_link(a->r, live, target);
            }
        } else if (S_ISDIR(st.st_mode)) {
            char keep[PATH_MAX + 8];
            rec_path(a->r, live, fx, sizeof(fx));
            pf_mkdir_p(fx, 0755);
            snprintf(keep, sizeof(keep), "%s/" KEEP, live);
            rec_write(a->r, keep, "", 0);
        } else {
            rec_path(a->r, live, fx, sizeof(fx));
            if (access(fx, F_OK) != 0) /* listed only: an empty placeholder */
                rec_write(a->r, live, "", 0);
        }
    }
    return a->cb(name, a->arg);
}

static int rec_list(void *ctx, const char *path, int (*cb)(const char *name, void *arg), void *arg)
{
    struct recorder *r = ctx;
    char resolved[PATH_MAX], fx[PATH_MAX];
    struct rec_list_arg a = {r, resolved, cb, arg};
    struct stat st;

    if (stat(path, &st) || !S_ISDIR(st.st_mode))
        return r->live->list(r->live->ctx, path, cb, arg); /* same error, nothing to record */
    if (rec_resolve(r, path, resolved, sizeof(resolved), 0))
        return r->live->list(r->live->ctx, path, cb, arg);
    rec_path(r, resolved, fx, sizeof(fx));
    pf_mkdir_p(fx, 0755);
    {
        char keep[PATH_MAX + 8];
        snprintf(keep, sizeof(keep), "%s/" KEEP, strcmp(resolved, "/") ? resolved : "");
        rec_write(r, keep, "", 0);
    }
    return r->live->list(r->live->ctx, path, rec_list_cb, &a);
}

static int rec_readlink(void *ctx, const char *path, char *buf, size_t len)
{
    struct recorder *r = ctx;
    char dir[PATH_MAX], resolved[PATH_MAX], link[PATH_MAX * 2];
    const char *slash = strrchr(path, '/');
    int ret = r->live->readlink(r->live->ctx, path, buf, len);

    if (ret || !slash)
        return ret;
    snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
    if (rec_resolve(r, dir[0] ? dir : "/", resolved, sizeof(resolved), 0) == 0) {
        snprintf(link, sizeof(link), "%s%s", strcmp(resolved, "/") ? resolved : "", slash);
        rec_link(r, link, buf);
    }
    return 0;
}

static int cmp_leaf(const void *a, const void *b)
{
    const struct leaf *x = a, *y = b;
    if (x->leaf != y->leaf)
        return x->leaf < y->leaf ? -1 : 1;
    return x->sub < y->sub ? -1 : x->sub > y->sub;
}

static int write_cpuid_cb(FILE *f, void *arg)
{
    const struct leaves *l = arg;
    time_t now = time(NULL);
    struct tm tm;
    char date[32];

    gmtime_r(&now, &tm);
    strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", &tm);
    fprintf(f, "# CPUID leaves read by viobench %s sysinfo, recorded %s\n", VB_VERSION, date);
    fprintf(f, "# leaf subleaf eax ebx ecx edx (hexadecimal); leaves not listed read as zero\n");
    for (size_t i = 0; i < l->n; i++)
        fprintf(f, "%08x %x %08x %08x %08x %08x\n", l->v[i].leaf, l->v[i].sub, l->v[i].r[0],
                l->v[i].r[1], l->v[i].r[2], l->v[i].r[3]);
    return 0;
}

static int dir_empty_or_absent(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int empty = 1;

    if (!d)
        return errno == ENOENT ? 1 : -errno;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            empty = 0;
            break;
        }
    closedir(d);
    return empty;
}

int probe_record(const char *dir, char *err, size_t errlen)
{
    const struct probe *live = probe_live();
    struct recorder r;
    struct probe p;
    char path[PATH_MAX];
    json_t *pairing = NULL;
    int ret;

    memset(&r, 0, sizeof(r));
    ret = dir_empty_or_absent(dir);
    if (ret <= 0) {
        snprintf(err, errlen, "%s: %s", dir,
                 ret == 0 ? "exists and is not empty (record into a new directory)"
                          : strerror(-ret));
        return ret == 0 ? -EEXIST : ret;
    }
    snprintf(r.root, sizeof(r.root), "%s/root", dir);
    if ((ret = pf_mkdir_p(r.root, 0755))) {
        snprintf(err, errlen, "%s: %s", r.root, strerror(-ret));
        return ret;
    }
    r.live = live;
    memset(&p, 0, sizeof(p));
    p.cpuid = rec_cpuid;
    p.read = rec_read;
    p.list = rec_list;
    p.readlink = rec_readlink;
    p.hwloc_live = 1;
    p.ctx = &r;
    pairing = sysinfo_detect(&p);
    if (!pairing) {
        snprintf(err, errlen, "out of memory");
        ret = -ENOMEM;
        goto out;
    }
    if (r.err) {
        snprintf(err, errlen, "%s: %s", r.where, strerror(-r.err));
        ret = r.err;
        goto out;
    }
    qsort(r.leaves.v, r.leaves.n, sizeof(r.leaves.v[0]), cmp_leaf);
    snprintf(path, sizeof(path), "%s/cpuid.txt", dir);
    if ((ret = file_write_atomic(path, write_cpuid_cb, &r.leaves))) {
        snprintf(err, errlen, "%s: %s", path, strerror(-ret));
        goto out;
    }
    snprintf(path, sizeof(path), "%s/topology.xml", dir);
    if (topology_export_xml(path))
        vb_warn("sysinfo: %s: hwloc could not export the topology; replay will use sysfs", path);
    snprintf(path, sizeof(path), "%s/pairing.json", dir);
    if ((ret = jx_write_file(pairing, path)))
        snprintf(err, errlen, "%s: %s", path, strerror(-ret));
out:
    json_decref(pairing);
    free(r.leaves.v);
    return ret;
}
