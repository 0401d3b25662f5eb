/*
 * Tar bundles (what a guest sends back: `tar czf runs.tgz results/`): libarchive unpacks
 * regular files and directories into a private temporary directory, refusing absolute
 * paths, ".." and links, and the walker then reads it like any directory. The whole bundle
 * is one input, stored in one transaction or not at all.
 */
#include "ingest.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Refuse bundles that unpack to more than this (a guest's runs are far smaller). */
#define MAX_BUNDLE_BYTES (4LL * 1024 * 1024 * 1024)

int ingest_is_bundle(const char *path)
{
    unsigned char b[264];
    ssize_t n;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0)
        return 0;
    n = read(fd, b, sizeof(b));
    close(fd);
    if (n >= 2 && b[0] == 0x1f && b[1] == 0x8b)
        return 1; /* gzip */
    if (n >= 3 && memcmp(b, "BZh", 3) == 0)
        return 1;
    if (n >= 6 && memcmp(b,
                         "\xfd"
                         "7zXZ\0",
                         6) == 0)
        return 1;
    if (n >= 4 && memcmp(b, "\x28\xb5\x2f\xfd", 4) == 0)
        return 1; /* zstd */
    return n >= 262 && memcmp(b + 257, "ustar", 5) == 0;
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    if (flag == FTW_DP || flag == FTW_D)
        rmdir(p);
    else
        unlink(p);
    return 0;
}

void ingest_rmtree(const char *dir)
{
    nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* A member path is safe when it is relative and has no ".." component. */
static int safe_path(const char *p)
{
    if (!p || !*p || *p == '/')
        return 0;
    for (const char *c = p; *c;) {
        size_t n = strcspn(c, "/");
        if (n == 2 && c[0] == '.' && c[1] == '.')
            return 0;
        c += n;
        while (*c == '/')
            c++;
    }
    return 1;
}

static int copy_data(struct archive *in, struct archive *out, long long *total)
{
    const void *buf;
    size_t size;
    la_int64_t off;
    int r;

    while ((r = archive_read_data_block(in, &buf, &size, &off)) == ARCHIVE_OK) {
        *total += (long long)size;
        if (*total > MAX_BUNDLE_BYTES)
            return -EFBIG;
        if (archive_write_data_block(out, buf, size, off) != ARCHIVE_OK)
            return -EIO;
    }
    return r == ARCHIVE_EOF ? 0 : -EINVAL;
}

int ingest_tar_extract(const char *path, char *dir, size_t dirlen, char *err, size_t errlen)
{
    struct archive *a = archive_read_new(), *ext = archive_write_disk_new();
    struct archive_entry *e;
    const char *tmp = getenv("TMPDIR");
    long long total = 0;
    int r, ret = -EINVAL, made = 0;

    if (!a || !ext) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    snprintf(dir, dirlen, "%s/viobench-bundle.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        snprintf(err, errlen, "cannot make a temporary directory: %s", strerror(errno));
        goto out;
    }
    made = 1;
    archive_read_support_filter_all(a);
    archive_read_support_format_tar(a);
    /* Member paths are checked by safe_path() and placed under dir; only files and
       directories are written, so no link can redirect a later member. */
    archive_write_disk_set_options(ext, ARCHIVE_EXTRACT_SECURE_NODOTDOT);
    if (archive_read_open_filename(a, path, 1 << 16) != ARCHIVE_OK) {
        snprintf(err, errlen, "unreadable tar bundle: %s", archive_error_string(a));
        goto out;
    }
    while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
        const char *name = archive_entry_pathname(e);
        mode_t type = archive_entry_filetype(e);
        char full[8192];

        if (type != AE_IFREG && type != AE_IFDIR)
            continue; /* links, devices and fifos are not part of a run */
        if (!safe_path(name)) {
            snprintf(err, errlen, "member '%s': absolute or '..' path refused", name ? name : "");
            goto out;
        }
        snprintf(full, sizeof(full), "%s/%s", dir, name);
        archive_entry_set_pathname(e, full);
        archive_entry_set_perm(e, type == AE_IFDIR ? 0755 : 0644);
        if (archive_write_header(ext, e) != ARCHIVE_OK) {
            snprintf(err, errlen, "member '%s': %s", name, archive_error_string(ext));
            goto out;
        }
        if (type == AE_IFREG && (ret = copy_data(a, ext, &total))) {
            if (ret == -EFBIG)
                snprintf(err, errlen, "unpacks to more than %lld GiB", MAX_BUNDLE_BYTES >> 30);
            else if (ret == -EIO)
                snprintf(err, errlen, "member '%s': %s", name, archive_error_string(ext));
            else
                snprintf(err, errlen, "member '%s': %s", name, archive_error_string(a));
            ret = -EINVAL;
            goto out;
        }
        ret = -EINVAL;
        if (archive_write_finish_entry(ext) != ARCHIVE_OK) {
            snprintf(err, errlen, "member '%s': %s", name, archive_error_string(ext));
            goto out;
        }
    }
    if (r != ARCHIVE_EOF) {
        snprintf(err, errlen, "%s",
                 archive_error_string(a) ? archive_error_string(a) : "unreadable tar bundle");
        goto out;
    }
    ret = 0;
out:
    if (a)
        archive_read_free(a);
    if (ext)
        archive_write_free(ext);
    if (ret && made)
        ingest_rmtree(dir);
    return ret;
}
