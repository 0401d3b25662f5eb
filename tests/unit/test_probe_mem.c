/*
 * The in-memory fixture probe (probe_fixture_mem), which the sysinfo fuzz harness reads
 * fixtures through, must answer as the directory probe does: every recorded fixture under
 * tests/fixtures/detect/ is loaded into memory (files, links, empty directories) and must
 * give the same pairing as the directory (the topology aside where the fixture has a
 * topology.xml, which only the directory probe reads); then small cases: links followed
 * relative, refused absolute, cycles, listings of files and missing directories, cpuid.txt
 * errors.
 */
#include "check.h"
#include "sysinfo.h"
#include "sysinfo_os.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FIXTURES "tests/fixtures/detect"
#define MAXF     4096
/* A file of a fixture held in memory, its length from the literal. */
#define F(path, data, link)                \
    {                                      \
        path, data, sizeof(data) - 1, link \
    }

static struct probe_file files[MAXF];
static size_t nfiles;
static size_t base; /* length of "<fixture dir>/" */

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t cap = 0, n = 0, r;

    if (!f)
        return NULL;
    do {
        if (n == cap && !(buf = realloc(buf, cap = cap ? cap * 2 : 4096)))
            abort();
        r = fread(buf + n, 1, cap - n, f);
        n += r;
    } while (r > 0);
    fclose(f);
    *len = n;
    return buf;
}

static int add(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    const char *rel = path + base;
    char t[PATH_MAX];
    ssize_t n;
    (void)st;
    (void)ftw;

    if (strlen(path) <= base || strcmp(rel, "expected.json") == 0 ||
        strcmp(rel, "pairing.json") == 0 || strcmp(rel, "topology.xml") == 0)
        return 0;
    if (nfiles == MAXF)
        return 1;
    files[nfiles].link = 0;
    files[nfiles].len = 0;
    files[nfiles].data = "";
    if (flag == FTW_SL) {
        if ((n = readlink(path, t, sizeof(t) - 1)) < 0)
            return 1;
        files[nfiles].data = strndup(t, (size_t)n);
        files[nfiles].len = (size_t)n;
        files[nfiles].link = 1;
        files[nfiles].path = strdup(rel);
    } else if (flag == FTW_F) {
        files[nfiles].data = slurp(path, &files[nfiles].len);
        files[nfiles].path = strdup(rel);
        if (!files[nfiles].data)
            return 1;
    } else if (flag == FTW_D) {
        char *d = malloc(strlen(rel) + 2);
        sprintf(d, "%s/", rel); /* every directory: empty ones must list as empty */
        files[nfiles].path = d;
    } else {
        return 0;
    }
    nfiles++;
    return 0;
}

static void drop(void)
{
    for (size_t i = 0; i < nfiles; i++) {
        free((void *)files[i].path);
        if (files[i].len || files[i].link)
            free((void *)files[i].data);
    }
    nfiles = 0;
}

static int same_as_directory(void)
{
    DIR *d = opendir(FIXTURES);
    struct dirent *e;
    int n = 0;

    if (!d) {
        CHECK(0, "%s: %s", FIXTURES, strerror(errno));
        return 0;
    }
    while ((e = readdir(d)) != NULL) {
        char dir[PATH_MAX], xml[PATH_MAX + 16], err[512], *a = NULL, *b = NULL;
        struct probe p;
        json_t *pd = NULL, *pm = NULL;

        if (e->d_name[0] == '.')
            continue;
        snprintf(dir, sizeof(dir), "%s/%s", FIXTURES, e->d_name);
        base = strlen(dir) + 1;
        CHECK(nftw(dir, add, 16, FTW_PHYS) == 0, "%s: loading it failed (%zu files)", dir, nfiles);
        if (probe_fixture_open(dir, &p, err, sizeof(err)) == 0) {
            pd = sysinfo_detect(&p);
            probe_free(&p);
        }
        CHECK(probe_fixture_mem(files, nfiles, &p, err, sizeof(err)) == 0, "%s in memory: %s",
              e->d_name, err);
        pm = sysinfo_detect(&p);
        probe_free(&p);
        CHECK(pd && pm, "%s: detection failed", e->d_name);
        snprintf(xml, sizeof(xml), "%s/topology.xml", dir);
        if (pd && pm && access(xml, F_OK) == 0) {
            json_object_del(pd, "topology");
            json_object_del(pm, "topology");
        }
        if (pd && pm) {
            a = json_dumps(pd, JSON_SORT_KEYS);
            b = json_dumps(pm, JSON_SORT_KEYS);
            CHECK(a && b && strcmp(a, b) == 0, "%s: the in-memory probe differs:\n%s\n%s",
                  e->d_name, a ? a : "?", b ? b : "?");
            CHECK(a && strstr(a, "\"devices\""), "%s: no devices detected", e->d_name);
        }
        free(a);
        free(b);
        json_decref(pd);
        json_decref(pm);
        drop();
        n++;
    }
    closedir(d);
    return n;
}

static int names_cb(const char *name, void *arg)
{
    char *out = arg;
    strcat(out, name);
    strcat(out, " ");
    return 0;
}

static void small_cases(void)
{
    static const struct probe_file fx[] = {
        F("cpuid.txt", "0 0 d 756e6547 6c65746e 49656e69\n", 0),
        F("root/sys/devices/pci0/virtio10/driver", "../../../bus/virtio/drivers/virtio_blk", 1),
        F("root/sys/devices/pci0/virtio2/vendor", "0x1af4\n", 0),
        F("root/sys/bus/virtio/devices/virtio2", "../../../devices/pci0/virtio2", 1),
        F("root/sys/bus/virtio/devices/virtio10", "../../../devices/pci0/virtio10", 1),
        F("root/etc/passwd", "/etc/passwd", 1),
        F("root/loop/a", "b", 1),
        F("root/loop/b", "a", 1),
        F("root/empty/", "", 0),
    };
    char buf[256], list[256] = "", err[256];
    uint32_t r[4];
    struct probe p;

    CHECK(probe_fixture_mem(fx, sizeof(fx) / sizeof(fx[0]), &p, err, sizeof(err)) == 0, "%s", err);
    probe_cpuid(&p, 0, 0, r);
    CHECK(r[0] == 0xd && r[1] == 0x756e6547, "cpuid leaf 0: %x %x", r[0], r[1]);
    probe_cpuid(&p, 1, 0, r);
    CHECK(r[0] == 0 && r[3] == 0, "a missing leaf reads as zeros");
    CHECK(p.read(p.ctx, "/sys/bus/virtio/devices/virtio2/vendor", buf, sizeof(buf)) == 0 &&
              strcmp(buf, "0x1af4\n") == 0,
          "a read through a relative link: '%s'", buf);
    CHECK(p.read(p.ctx, "/sys/devices/pci0/virtio2/vendor", buf, 4) == 0 && strcmp(buf, "0x1") == 0,
          "a read is bounded by the buffer: '%s'", buf);
    CHECK(p.read(p.ctx, "/etc/passwd", buf, sizeof(buf)) == -EXDEV, "an absolute link is refused");
    CHECK(p.read(p.ctx, "/loop/a", buf, sizeof(buf)) == -ELOOP, "a link cycle ends");
    CHECK(p.read(p.ctx, "/nope", buf, sizeof(buf)) == -ENOENT, "a missing file");
    CHECK(probe_link_base(&p, "/sys/bus/virtio/devices/virtio10/driver", buf, sizeof(buf)) == 0 &&
              strcmp(buf, "virtio_blk") == 0,
          "a link through a link: '%s'", buf);
    CHECK(p.readlink(p.ctx, "/sys/devices/pci0/virtio2/vendor", buf, sizeof(buf)) == -EINVAL,
          "readlink of a file");
    CHECK(p.list(p.ctx, "/sys/bus/virtio/devices", names_cb, list) == 0 &&
              strcmp(list, "virtio2 virtio10 ") == 0,
          "a sorted listing: '%s'", list);
    list[0] = 0;
    CHECK(p.list(p.ctx, "/sys/bus/virtio/devices/virtio2", names_cb, list) == 0 &&
              strcmp(list, "vendor ") == 0,
          "a listing through a link: '%s'", list);
    list[0] = 0;
    CHECK(p.list(p.ctx, "/empty", names_cb, list) == 0 && list[0] == 0, "an empty directory");
    CHECK(p.list(p.ctx, "/sys/devices/pci0/virtio2/vendor", names_cb, list) == -ENOTDIR,
          "listing a file");
    CHECK(p.list(p.ctx, "/nope", names_cb, list) == -ENOENT, "listing nothing");
    probe_free(&p);

    {
        static const struct probe_file bad[] = {F("cpuid.txt", "0 0 1 2 3\n", 0)};
        static const struct probe_file empty[] = {F("cpuid.txt", "", 0)};
        static const struct probe_file none[] = {F("root/proc/cpuinfo", "x", 0)};
        CHECK(probe_fixture_mem(bad, 1, &p, err, sizeof(err)) == -EINVAL &&
                  strstr(err, "cpuid.txt:1: expected"),
              "a short cpuid.txt line: %s", err);
        CHECK(probe_fixture_mem(empty, 1, &p, err, sizeof(err)) == -EINVAL &&
                  strstr(err, "no CPUID leaves"),
              "an empty cpuid.txt: %s", err);
        CHECK(probe_fixture_mem(none, 1, &p, err, sizeof(err)) == -ENOENT &&
                  strstr(err, "no cpuid.txt"),
              "no cpuid.txt: %s", err);
    }
}

int main(void)
{
    int n;

    if (access(FIXTURES, F_OK) != 0)
        SKIP("%s not found (run from the source tree)", FIXTURES);
    small_cases();
    n = same_as_directory();
    CHECK(n >= 8, "only %d fixtures", n);
    return check_done("test_probe_mem");
}
