/*
 * Tar bundles (what a guest sends back: `tar czf runs.tgz results/`). Guests are not
 * trusted, and collect often runs as root, so a bundle must not touch anything outside its
 * own extraction. libarchive only reads the archive here; this file writes the members
 * itself, into a private directory (mkdtemp, mode 0700) held open as a directory fd: every
 * directory is made and entered with mkdirat/openat(O_DIRECTORY | O_NOFOLLOW) one component
 * at a time, every file is created with openat(O_CREAT | O_EXCL | O_NOFOLLOW), so no name is
 * ever resolved through anything but directories this extraction made, and nothing from the
 * archive (owner, mode, times, ACLs, xattrs) is restored. That is stricter than
 * archive_write_disk's secure flags, which check a path and then open it by name.
 *
 * A bundle may hold regular files and directories. Symbolic links are never created: a
 * guest's results/ holds a `latest` link (scripts/guest-run makes it), so link members are
 * skipped and counted (collect prints the count), and the run they name is in the bundle
 * anyway. The whole bundle is refused, naming the member, for a hard link (with or without
 * data), a device, FIFO or socket, an absolute name or one with "..", a name deeper than
 * INGEST_MAX_DEPTH components, longer than 1024 bytes or with a component over 255, a name
 * given twice, more than 100,000 members, a member over 1 GiB or more than 4 GiB in all, and
 * an archive that ends mid-member. Collect blocks Ctrl-C while a bundle is open; a pending
 * SIGINT/SIGTERM/SIGHUP/SIGQUIT stops the extraction at the next block so the directory is
 * removed before the signal is taken. A crash (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT)
 * while a bundle is open removes the directory too (async-signal-safe removal, then the
 * previous handler: the default or a sanitizer's). The whole bundle is one input, stored in
 * one transaction or not at all.
 */
#include "ingest.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Refuse bundles that unpack to more than this (a guest's runs are far smaller). */
#define MAX_BUNDLE_BYTES (4LL * 1024 * 1024 * 1024)
/* ... or with a member larger than this (collect reads no file over 1 GiB). */
#define MAX_MEMBER_BYTES (1LL * 1024 * 1024 * 1024)
#define MAX_MEMBERS      100000
#define MAX_NAME_BYTES   1024
#define MAX_COMPONENT    255

int ingest_is_bundle(const char *path)
{
    unsigned char b[264];
    ssize_t n = ingest_read_head(path, b, sizeof(b));

    return n > 0 && ingest_bundle_magic(b, (size_t)n);
}

int ingest_bundle_magic(const unsigned char *b, size_t n)
{
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

/* ---- Removal: async-signal-safe (openat, getdents64, unlinkat), depth-bounded ---- */

static void rm_at(int dfd, const char *name, int depth)
{
    char buf[2048];
    int fd, removed, pass = 0;

    if (unlinkat(dfd, name, 0) == 0 || (errno != EISDIR && errno != EPERM))
        return;
    if (depth > INGEST_MAX_DEPTH + 2)
        return; /* never made by an extraction */
    fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return;
    do { /* until empty: entries removed while reading may hide others from this pass */
        long n;
        removed = 0;
        lseek(fd, 0, SEEK_SET);
        while ((n = getdents64(fd, buf, sizeof(buf))) > 0)
            for (long off = 0; off < n;) {
                struct dirent64 *d = (struct dirent64 *)(void *)(buf + off);
                off += d->d_reclen;
                if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
                    continue;
                rm_at(fd, d->d_name, depth + 1);
                removed = 1;
            }
    } while (removed && unlinkat(dfd, name, AT_REMOVEDIR) != 0 && ++pass < 4);
    close(fd);
    unlinkat(dfd, name, AT_REMOVEDIR);
}

/* The extraction directory a crash must remove ("" when none). */
static char guard_dir[PATH_MAX];
static volatile sig_atomic_t guard_on;
static const int guard_sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
static struct sigaction guard_old[sizeof(guard_sigs) / sizeof(guard_sigs[0])];
static char guard_stack[1 << 16];
static stack_t guard_old_stack;

static void guard_handler(int sig, siginfo_t *si, void *uc)
{
    int saved = errno;

    (void)uc;
    if (guard_on) {
        guard_on = 0;
        rm_at(AT_FDCWD, guard_dir, 0);
    }
    for (size_t i = 0; i < sizeof(guard_sigs) / sizeof(guard_sigs[0]); i++)
        if (guard_sigs[i] == sig)
            sigaction(sig, &guard_old[i], NULL);
    /* A fault happens again on return, under the previous handler; a sent signal is raised. */
    if (si->si_code <= 0)
        raise(sig);
    errno = saved;
}

static void guard(const char *dir)
{
    struct sigaction sa;
    stack_t ss = {.ss_sp = guard_stack, .ss_size = sizeof(guard_stack)};

    snprintf(guard_dir, sizeof(guard_dir), "%s", dir);
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = guard_handler;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigfillset(&sa.sa_mask);
    sigaltstack(&ss, &guard_old_stack);
    for (size_t i = 0; i < sizeof(guard_sigs) / sizeof(guard_sigs[0]); i++)
        sigaction(guard_sigs[i], &sa, &guard_old[i]);
    guard_on = 1;
}

static void unguard(void)
{
    if (!guard_on)
        return;
    guard_on = 0;
    for (size_t i = 0; i < sizeof(guard_sigs) / sizeof(guard_sigs[0]); i++)
        sigaction(guard_sigs[i], &guard_old[i], NULL);
    sigaltstack(&guard_old_stack, NULL);
}

void ingest_rmtree(const char *dir)
{
    rm_at(AT_FDCWD, dir, 0);
    if (guard_on && strcmp(dir, guard_dir) == 0)
        unguard();
}

/* ---- Members ---- */

int ingest_interrupted(void)
{
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
    sigset_t s;

    if (sigpending(&s))
        return 0;
    for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
        struct sigaction sa;
        /* An ignored signal (a background job's SIGINT) is dropped when unblocked. */
        if (sigismember(&s, sigs[i]) == 1 && sigaction(sigs[i], NULL, &sa) == 0 &&
            sa.sa_handler != SIG_IGN)
            return 1;
    }
    return 0;
}

/* A member name fit for a one-line message: at most 200 bytes, control bytes as '?'. */
static const char *shown(const char *name, char *out, size_t len)
{
    size_t o = 0;
    for (const char *p = name ? name : ""; *p && o + 4 < len && o < 200; p++)
        out[o++] = (unsigned char)*p < 0x20 || *p == 0x7f ? '?' : *p;
    if (name && strlen(name) > o && o + 4 < len)
        out[o++] = '.', out[o++] = '.', out[o++] = '.';
    out[o] = 0;
    return out;
}

/* Split a member name (a private copy) into components, dropping "." and empty ones. NULL,
   or why the name is refused. */
static const char *split_name(char *name, char **comp, int *n)
{
    char *save = NULL;

    *n = 0;
    if (!*name)
        return "an empty name";
    if (*name == '/')
        return "an absolute name";
    if (strlen(name) > MAX_NAME_BYTES)
        return "a name longer than 1024 bytes";
    for (char *c = strtok_r(name, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
        if (strcmp(c, ".") == 0)
            continue;
        if (strcmp(c, "..") == 0)
            return "a '..' in its name";
        if (strlen(c) > MAX_COMPONENT)
            return "a name component longer than 255 bytes";
        if (*n == INGEST_MAX_DEPTH)
            return "a name more than 64 components deep";
        comp[(*n)++] = c;
    }
    return NULL;
}

/* Enter (making them as needed) the directories comp[0..n-1] under root: their fd in *out
   (root itself when n is 0; the caller closes it unless it is root). 0 or -errno. */
static int enter_dirs(int root, char **comp, int n, int *out)
{
    int cur = root;
    for (int i = 0; i < n; i++) {
        int next;
        if (mkdirat(cur, comp[i], 0700) && errno != EEXIST) {
            int e = -errno;
            if (cur != root)
                close(cur);
            return e;
        }
        next = openat(cur, comp[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (cur != root)
            close(cur);
        if (next < 0)
            return errno == ELOOP ? -ENOTDIR : -errno;
        cur = next;
    }
    *out = cur;
    return 0;
}

static int write_all(int fd, const char *p, size_t n, long long off)
{
    while (n) {
        ssize_t w = pwrite(fd, p, n, (off_t)off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return w < 0 ? -errno : -EIO;
        p += w;
        n -= (size_t)w;
        off += w;
    }
    return 0;
}

/* Copy a regular member's data to fd. 0, -EFBIG (member or bundle too large), -EINTR, -EIO
   (writing; errno-style in *werr), or -EINVAL (the archive: truncated or corrupt). */
static int copy_data(struct archive *in, int fd, long long *total, int *werr)
{
    const void *buf;
    size_t size;
    la_int64_t off;
    int r;

    while ((r = archive_read_data_block(in, &buf, &size, &off)) == ARCHIVE_OK) {
        if (ingest_interrupted())
            return -EINTR;
        if (off < 0 || (long long)off + (long long)size > MAX_MEMBER_BYTES)
            return -EFBIG;
        *total += (long long)size;
        if (*total > MAX_BUNDLE_BYTES)
            return -EFBIG;
        if ((*werr = -write_all(fd, buf, size, off)))
            return -EIO;
    }
    return r == ARCHIVE_EOF ? 0 : -EINVAL;
}

/* What kind of member this is: NULL for a regular file or directory, else why it is
   refused. Symbolic links are told apart by the caller. */
static const char *refused_type(struct archive_entry *e, char *why, size_t len)
{
    char s[240];
    switch (archive_entry_filetype(e)) {
    case AE_IFREG:
    case AE_IFDIR:
        if (archive_entry_symlink(e)) {
            snprintf(why, len, "a link (to '%s')", shown(archive_entry_symlink(e), s, sizeof(s)));
            return why;
        }
        return NULL;
    case AE_IFCHR:
    case AE_IFBLK:
        return "a device";
    case AE_IFIFO:
        return "a FIFO";
    case AE_IFSOCK:
        return "a socket";
    default:
        snprintf(why, len, "not a regular file or directory (type 0%o)",
                 (unsigned)archive_entry_filetype(e));
        return why;
    }
}

/* Extract the current member under root. 0, or -EINVAL/-EINTR with the reason in err. */
static int extract_member(struct archive *a, struct archive_entry *e, int root, long long *total,
                          char *err, size_t errlen)
{
    char name[MAX_NAME_BYTES + 2], s[240], why[300], *comp[INGEST_MAX_DEPTH];
    const char *raw = archive_entry_pathname(e), *bad;
    int n, dfd = -1, fd, ret, werr = 0, isdir = archive_entry_filetype(e) == AE_IFDIR;

    shown(raw, s, sizeof(s));
    if (!raw) {
        snprintf(err, errlen, "a member without a readable name, refused");
        return -EINVAL;
    }
    snprintf(name, sizeof(name), "%s", raw); /* 1025 bytes are enough to refuse a long one */
    if ((bad = refused_type(e, why, sizeof(why))) || (bad = split_name(name, comp, &n))) {
        snprintf(err, errlen, "member '%s': %s, refused", s, bad);
        return -EINVAL;
    }
    if (!isdir && n == 0) {
        snprintf(err, errlen, "member '%s': a file without a name, refused", s);
        return -EINVAL;
    }
    if (!isdir && archive_entry_size_is_set(e) && archive_entry_size(e) > MAX_MEMBER_BYTES) {
        snprintf(err, errlen, "member '%s': %lld bytes, more than the 1 GiB a member may hold", s,
                 (long long)archive_entry_size(e));
        return -EINVAL;
    }
    if ((ret = enter_dirs(root, comp, isdir ? n : n - 1, &dfd))) {
        snprintf(err, errlen, "member '%s': %s", s,
                 ret == -ENOTDIR ? "a directory in its name is a file of the bundle"
                                 : strerror(-ret));
        return -EINVAL;
    }
    if (isdir)
        goto out;
    fd = openat(dfd, comp[n - 1], O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        ret = -errno;
        snprintf(err, errlen, "member '%s': %s", s,
                 ret == -EEXIST ? "named twice in the bundle, refused" : strerror(-ret));
        goto out;
    }
    ret = copy_data(a, fd, total, &werr);
    if (!ret && archive_entry_size_is_set(e) && ftruncate(fd, archive_entry_size(e)))
        ret = -EIO, werr = errno;
    close(fd);
    if (ret == -EFBIG)
        snprintf(err, errlen, "member '%s': more than %s", s,
                 *total > MAX_BUNDLE_BYTES ? "4 GiB in all" : "the 1 GiB a member may hold");
    else if (ret == -EIO)
        snprintf(err, errlen, "member '%s': writing it: %s", s, strerror(werr));
    else if (ret == -EINTR)
        snprintf(err, errlen, "interrupted");
    else if (ret)
        snprintf(err, errlen, "member '%s': truncated or corrupt bundle: %s", s,
                 archive_error_string(a) ? archive_error_string(a) : "unreadable data");
out:
    if (dfd >= 0 && dfd != root)
        close(dfd);
    return ret == -EINTR ? -EINTR : ret ? -EINVAL : 0;
}

/* Extract from a file (path) or, when path is NULL, from memory (buf, len). */
static int extract(const char *path, const void *buf, size_t len, char *dir, size_t dirlen,
                   long *skipped, char *err, size_t errlen)
{
    struct archive *a = archive_read_new();
    struct archive_entry *e;
    const char *tmp = getenv("TMPDIR");
    long long total = 0;
    long members = 0;
    int r, ret = -EINVAL, root = -1;

    *skipped = 0;
    if (!a) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    if (snprintf(dir, dirlen, "%s/viobench-bundle.XXXXXX", tmp && *tmp ? tmp : "/tmp") >=
            (int)dirlen ||
        !mkdtemp(dir)) {
        snprintf(err, errlen, "cannot make a temporary directory under %s: %s",
                 tmp && *tmp ? tmp : "/tmp", strerror(errno));
        archive_read_free(a);
        return -EINVAL;
    }
    guard(dir);
    if ((root = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
        snprintf(err, errlen, "%s: %s", dir, strerror(errno));
        goto out;
    }
    archive_read_support_filter_all(a);
    archive_read_support_format_tar(a);
    if ((path ? archive_read_open_filename(a, path, 1 << 16)
              : archive_read_open_memory(a, buf, len)) != ARCHIVE_OK) {
        snprintf(err, errlen, "unreadable tar bundle: %s", archive_error_string(a));
        goto out;
    }
    while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
        char s1[240], s2[240];
        if (ingest_interrupted()) {
            snprintf(err, errlen, "interrupted");
            ret = -EINTR;
            goto out;
        }
        if (++members > MAX_MEMBERS) {
            snprintf(err, errlen, "more than %d members, refused", MAX_MEMBERS);
            goto out;
        }
        if (archive_entry_hardlink(e)) {
            snprintf(err, errlen, "member '%s': a hard link (to '%s'), refused",
                     shown(archive_entry_pathname(e), s1, sizeof(s1)),
                     shown(archive_entry_hardlink(e), s2, sizeof(s2)));
            goto out;
        }
        if (archive_entry_filetype(e) == AE_IFLNK) {
            (*skipped)++; /* never created; its data, if any, is skipped by the next header */
            continue;
        }
        if ((ret = extract_member(a, e, root, &total, err, errlen)))
            goto out;
        ret = -EINVAL;
    }
    if (r != ARCHIVE_EOF) {
        snprintf(err, errlen, "truncated or corrupt bundle: %s",
                 archive_error_string(a) ? archive_error_string(a) : "unreadable tar header");
        goto out;
    }
    ret = 0;
out:
    archive_read_free(a);
    if (root >= 0)
        close(root);
    if (ret)
        ingest_rmtree(dir);
    return ret;
}

int ingest_tar_extract(const char *path, char *dir, size_t dirlen, long *skipped, char *err,
                       size_t errlen)
{
    return extract(path, NULL, 0, dir, dirlen, skipped, err, errlen);
}

int ingest_tar_extract_mem(const void *buf, size_t len, char *dir, size_t dirlen, long *skipped,
                           char *err, size_t errlen)
{
    return extract(NULL, buf, len, dir, dirlen, skipped, err, errlen);
}
