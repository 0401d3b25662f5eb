/*
 * The recording probe: it wraps the live probe and copies everything detection reads into a
 * fixture directory (each CPUID leaf into cpuid.txt; each file, listing and symbolic link,
 * with every link met on the way, under root/), then adds hwloc's XML export of the topology
 * and the detection result. That is `viobench sysinfo --record DIR`: users send us their
 * pairing, and tests replay it with the fixture probe (probe.c).
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

#define KEEP FIXTURE_KEEP

struct recorder {
    const struct probe *live;
    char root[PATH_MAX];
    struct cpuid_leaves leaves;
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
    for (const char *s = from + common; *s && strcmp(from, "/") != 0; s++)
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
    if (!ret && cpuid_leaves_put(&r->leaves, leaf, subleaf, out))
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
    const struct cpuid_leaf *x = a, *y = b;
    if (x->leaf != y->leaf)
        return x->leaf < y->leaf ? -1 : 1;
    return x->sub < y->sub ? -1 : x->sub > y->sub;
}

static int write_cpuid_cb(FILE *f, void *arg)
{
    const struct cpuid_leaves *l = arg;
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
