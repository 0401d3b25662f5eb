/*
 * Hostile inputs to the collector, below the command line (collect/ingest_tar.c,
 * collect/ingest_walk.c, lib/fileio.h): tar bundles written here with libarchive's
 * archive_write carrying hard links (with data, to a victim outside), symbolic links
 * (skipped and counted, never created, even with a member "through" one), devices, FIFOs,
 * absolute and ".." names, names too deep or too long, a name given twice, and a tar cut
 * mid-member; after each, the victim is unchanged and no extraction directory is left in
 * TMPDIR. Also the walk's depth bound and the safe reader's refusals (FIFO, link, size).
 */
#include "check.h"
#include "fileio.h"
#include "ingest.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static char top[256], tmp[300], victim[300];

/* One member of a test archive. */
struct m {
    const char *name;
    unsigned type;      /* AE_IFREG, AE_IFDIR, AE_IFLNK, AE_IFCHR, AE_IFIFO */
    const char *target; /* symbolic link target, or hard link target when hard is set */
    int hard;
    const char *data;
};

/* Write members to path as a pax tar; cut it to keep bytes when keep > 0. */
static void make_tar(const char *path, const struct m *ms, size_t n, size_t keep)
{
    struct archive *a = archive_write_new();
    static char buf[1 << 20];
    size_t used = 0;
    FILE *f;

    archive_write_set_format_pax_restricted(a);
    archive_write_set_bytes_in_last_block(a, 1);
    CHECK(archive_write_open_memory(a, buf, sizeof(buf), &used) == ARCHIVE_OK, "open memory");
    for (size_t i = 0; i < n; i++) {
        struct archive_entry *e = archive_entry_new();
        size_t len = ms[i].data ? strlen(ms[i].data) : 0;
        archive_entry_set_pathname(e, ms[i].name);
        archive_entry_set_filetype(e, ms[i].type);
        archive_entry_set_perm(e, 0644);
        archive_entry_set_size(e, (la_int64_t)len);
        if (ms[i].target && ms[i].hard)
            archive_entry_set_hardlink(e, ms[i].target);
        else if (ms[i].target)
            archive_entry_set_symlink(e, ms[i].target);
        if (ms[i].type == AE_IFCHR)
            archive_entry_set_rdev(e, makedev(1, 3));
        CHECK(archive_write_header(a, e) == ARCHIVE_OK, "header %s: %s", ms[i].name,
              archive_error_string(a));
        /* libarchive's writer drops a hard link's data (the e2e test's pax tar keeps it). */
        if (len && archive_write_data(a, ms[i].data, len) != (la_ssize_t)len && !ms[i].hard)
            CHECK(0, "data %s", ms[i].name);
        archive_entry_free(e);
    }
    archive_write_close(a);
    archive_write_free(a);
    CHECK((f = fopen(path, "wb")) != NULL, "%s", path);
    if (f) {
        fwrite(buf, 1, keep && keep < used ? keep : used, f);
        fclose(f);
    }
}

static int tmp_empty(void)
{
    DIR *d = opendir(tmp);
    struct dirent *e;
    int n = 0;
    while (d && (e = readdir(d)))
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    if (d)
        closedir(d);
    return d && n == 0;
}

static int victim_intact(void)
{
    char b[64] = {0};
    FILE *f = fopen(victim, "r");
    size_t n = f ? fread(b, 1, sizeof(b) - 1, f) : 0;
    if (f)
        fclose(f);
    return n == 8 && strcmp(b, "precious") == 0;
}

/* Extract; when want is set, expect a refusal whose reason holds want. */
static int extract(const char *what, const struct m *ms, size_t n, size_t keep, const char *want,
                   char *dir, long *skipped)
{
    char path[400], err[1024] = "";
    int ret;

    snprintf(path, sizeof(path), "%s/b.tar", top);
    make_tar(path, ms, n, keep);
    ret = ingest_tar_extract(path, dir, PATH_MAX, skipped, err, sizeof(err));
    if (want) {
        CHECK(ret == -EINVAL, "%s: accepted (%d)", what, ret);
        CHECK(strstr(err, want) != NULL, "%s: reason '%s' lacks '%s'", what, err, want);
        CHECK(tmp_empty(), "%s: extraction directory left behind", what);
    } else {
        CHECK(ret == 0, "%s: refused: %s", what, err);
    }
    CHECK(victim_intact(), "%s: the victim changed", what);
    return ret;
}

static void test_refused(void)
{
    char dir[PATH_MAX], deep[64 * 2 + 16] = "", deep65[sizeof(deep) + 2];
    long sk;
    struct m run = {"results/r/context.json", AE_IFREG, NULL, 0, "{}"};
    struct m hl[] = {run, {"results/r/results.json", AE_IFREG, victim, 1, "{\"pwned\": 1}"}};
    struct m hl0[] = {run, {"results/r/results.json", AE_IFREG, "results/r/context.json", 1, ""}};
    struct m dev[] = {run, {"results/null", AE_IFCHR, NULL, 0, NULL}};
    struct m fifo[] = {run, {"results/r/histograms.txt", AE_IFIFO, NULL, 0, NULL}};
    struct m abs[] = {run, {victim, AE_IFREG, NULL, 0, "x"}};
    struct m dots[] = {run, {"results/../../x.json", AE_IFREG, NULL, 0, "x"}};
    struct m twice[] = {run, run};
    struct m cut[] = {run, {"results/r/results.json", AE_IFREG, NULL, 0, "0123456789abcdef"}};

    extract("hard link with data", hl, 2, 0, "member 'results/r/results.json': a hard link (to '",
            dir, &sk);
    extract("hard link", hl0, 2, 0, "a hard link (to 'results/r/context.json'), refused", dir, &sk);
    extract("device", dev, 2, 0, "member 'results/null': a device, refused", dir, &sk);
    extract("fifo", fifo, 2, 0, "member 'results/r/histograms.txt': a FIFO, refused", dir, &sk);
    extract("absolute", abs, 2, 0, "an absolute name, refused", dir, &sk);
    extract("dotdot", dots, 2, 0, "a '..' in its name, refused", dir, &sk);
    extract("twice", twice, 2, 0, "member 'results/r/context.json': named twice", dir, &sk);
    /* 512 header + 512 data of the first, the second's header, and 8 of its 16 bytes. */
    extract("truncated", cut, 2, 512 * 3 + 8, "truncated or corrupt bundle", dir, &sk);
    for (int i = 0; i < 63; i++)
        strcat(deep, "d/");
    snprintf(deep65, sizeof(deep65), "e/%sx", deep);
    strcat(deep, "x");
    {
        struct m ok[] = {{deep, AE_IFREG, NULL, 0, "{}"}};
        struct m no[] = {{deep65, AE_IFREG, NULL, 0, "{}"}};
        if (extract("64 deep", ok, 1, 0, NULL, dir, &sk) == 0)
            ingest_rmtree(dir);
        extract("65 deep", no, 1, 0, "more than 64 components deep", dir, &sk);
    }
}

static void test_links_skipped(void)
{
    char dir[PATH_MAX], p[PATH_MAX + 64];
    struct stat st;
    long sk = -1;
    char vdir[320];
    struct m ms[] = {
        {"results/r/context.json", AE_IFREG, NULL, 0, "{}"},
        {"results/latest", AE_IFLNK, "r", 0, NULL},
        {"results/esc", AE_IFLNK, vdir, 0, NULL},
        {"results/esc/owned.json", AE_IFREG, NULL, 0, "{}"},
    };

    snprintf(vdir, sizeof(vdir), "%s/vdir", top);
    mkdir(vdir, 0755);
    if (extract("links", ms, 4, 0, NULL, dir, &sk))
        return;
    CHECK(sk == 2, "skipped %ld links, want 2", sk);
    snprintf(p, sizeof(p), "%s/results/latest", dir);
    CHECK(lstat(p, &st) != 0 && errno == ENOENT, "a link was created");
    snprintf(p, sizeof(p), "%s/results/esc", dir);
    CHECK(lstat(p, &st) == 0 && S_ISDIR(st.st_mode), "esc/owned.json not inside the extraction");
    snprintf(p, sizeof(p), "%s/owned.json", vdir);
    CHECK(access(p, F_OK) != 0, "wrote through a link to %s", p);
    snprintf(p, sizeof(p), "%s/results/r", dir);
    CHECK(stat(p, &st) == 0 && (st.st_mode & 0777) == 0700, "directories are private");
    ingest_rmtree(dir);
    CHECK(access(dir, F_OK) != 0 && tmp_empty(), "ingest_rmtree left %s", dir);
}

static void test_walk_depth(void)
{
    struct ingest_list l = {0};
    char d[PATH_MAX];
    size_t n;

    n = (size_t)snprintf(d, sizeof(d), "%s/deep", top);
    for (int i = 0; i < 70; i++) {
        mkdir(d, 0755);
        n += (size_t)snprintf(d + n, sizeof(d) - n, "/d");
    }
    snprintf(d, sizeof(d), "%s/deep", top);
    CHECK(ingest_list_dir(d, 1, &l) == 0, "list");
    CHECK(l.n == 1 && l.v[0].kind == IN_ERROR && strstr(l.v[0].error, "more than 64 deep"),
          "deep walk: %zu inputs, %s", l.n, l.n ? l.v[0].error : "none");
    CHECK(l.n == 1 && strlen(l.v[0].path) == strlen(d) + 2 * 64, "stops at 64: %s",
          l.n ? l.v[0].path : "");
    ingest_list_free(&l);
}

static void test_read_all(void)
{
    char fifo[320], link[320], *buf;
    size_t len;

    snprintf(fifo, sizeof(fifo), "%s/fifo", top);
    snprintf(link, sizeof(link), "%s/link", top);
    CHECK(mkfifo(fifo, 0600) == 0, "mkfifo");
    CHECK(symlink(victim, link) == 0, "symlink");
    CHECK(file_read_all(fifo, 0, 1 << 20, &buf, &len) == -EINVAL && !buf, "a FIFO was read");
    CHECK(file_read_all(link, FILE_NOFOLLOW, 1 << 20, &buf, &len) == -ELOOP, "link followed");
    CHECK(file_read_all(top, 0, 1 << 20, &buf, &len) == -EISDIR, "a directory was read");
    CHECK(file_read_all(victim, 0, 7, &buf, &len) == -EFBIG, "size bound");
    CHECK(file_read_all(link, 0, 8, &buf, &len) == 0 && len == 8 && strcmp(buf, "precious") == 0,
          "a link to a named file is followed without FILE_NOFOLLOW");
    free(buf);
    CHECK(strstr(file_read_strerror(-EINVAL), "FIFO") != NULL, "reason for -EINVAL");
}

/* The same bundle from memory (ingest_tar_extract_mem, the fuzz harness's way in): extracted
   alike; cut mid-member, refused with nothing left behind. */
static void test_memory(void)
{
    struct m ms[] = {{"results/r/context.json", AE_IFREG, NULL, 0, "{\"a\": 1}"}};
    char path[400], dir[PATH_MAX], err[1024] = "", f[PATH_MAX + 40], *buf = NULL, *got = NULL;
    size_t len = 0, glen = 0;
    long sk;

    snprintf(path, sizeof(path), "%s/m.tar", top);
    make_tar(path, ms, 1, 0);
    CHECK(file_read_all(path, 0, 1 << 20, &buf, &len) == 0 && len > 1024, "read %s", path);
    if (!buf)
        return;
    CHECK(ingest_tar_extract_mem(buf, len, dir, sizeof(dir), &sk, err, sizeof(err)) == 0,
          "from memory: %s", err);
    snprintf(f, sizeof(f), "%s/results/r/context.json", dir);
    CHECK(file_read_all(f, 0, 1 << 20, &got, &glen) == 0 && strcmp(got, "{\"a\": 1}") == 0,
          "extracted from memory: %s", got ? got : "nothing");
    free(got);
    ingest_rmtree(dir);
    CHECK(ingest_tar_extract_mem(buf, 700, dir, sizeof(dir), &sk, err, sizeof(err)) == -EINVAL &&
              strstr(err, "truncated"),
          "cut in memory: %s", err);
    CHECK(tmp_empty(), "an extraction left behind");
    CHECK(ingest_bundle_magic((unsigned char *)buf, len) &&
              !ingest_bundle_magic((unsigned char *)"{}", 2),
          "bundle magic");
    free(buf);
}

int main(void)
{
    char cmd[400];
    FILE *f;

    snprintf(top, sizeof(top), "%s/vb-ingest-tar-XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(top))
        SKIP("cannot make a temporary directory");
    snprintf(tmp, sizeof(tmp), "%s/tmp", top);
    snprintf(victim, sizeof(victim), "%s/victim", top);
    mkdir(tmp, 0700);
    setenv("TMPDIR", tmp, 1);
    if ((f = fopen(victim, "w"))) {
        fputs("precious", f);
        fclose(f);
    }
    test_refused();
    test_links_skipped();
    test_walk_depth();
    test_read_all();
    test_memory();
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", top);
    return check_done("test_ingest_tar");
}
