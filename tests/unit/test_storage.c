/*
 * Storage kernels in-process: the generated rows (names, suites), the offset streams, the
 * test file (created, fully written, removed), short windows of every engine on it with
 * their counters, the safety rules on a user's file (writes refused, the file unchanged;
 * allowed with the flag; never removed), a missing target, ENOSPC on a small tmpfs, and the
 * device facts behind "/".
 */
#include "check.h"
#include "linux/storage.h"
#include "platform.h"
#include "timesrc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

/* The run-level state a run would own (vb_opts.run): the storage target lives here. */
static struct vb_run_state rs;

static char tmp[256];

static int dir_entries(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    if (!d)
        return -1;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            n++;
    closedir(d);
    return n;
}

static void test_rows(void)
{
    size_t n, quick = 0;
    const struct vb_kernel *rows = storage_kernels(&n);
    static const char *const want_quick[] = {"storage/uring/nop",
                                             "storage/uring/randread/bs:4k/qd:1",
                                             "storage/uring/randread/bs:4k/qd:32",
                                             "storage/uring/randwrite/bs:4k/qd:1",
                                             "storage/uring/randwrite/bs:4k/qd:32",
                                             "storage/flush"};

    CHECK(n == 1 + 5 * 5 * 8 + 8 + 5 * 5 + 1, "%zu storage rows", n);
    CHECK(storage_kernels(&n) == rows, "rows are built once");
    for (size_t i = 0; i < n; i++) {
        const struct vb_kernel *k = &rows[i];
        const struct st_spec *sp = k->arg;
        char name[96];
        CHECK(strcmp(k->category, "storage") == 0, "%s category", k->name);
        CHECK(k->flags & VB_K_PROCESS_CPU, "%s counts process CPU", k->name);
        CHECK(k->sample && !k->batch && k->setup && k->teardown && k->valid, "%s hooks", k->name);
        CHECK(k->suites & VB_SUITE_FULL, "%s in the full suite", k->name);
        for (size_t j = 0; j < i; j++)
            CHECK(strcmp(rows[j].name, k->name) != 0, "duplicate %s", k->name);
        if (sp->engine != ST_NOP && sp->engine != ST_FLUSH) {
            snprintf(name, sizeof(name), "storage/%s/%s/bs:%s%u%s/qd:%u",
                     st_engine_name(sp->engine), st_pattern_name(sp->pattern), "",
                     sp->bs >= 1048576 ? sp->bs >> 20 : sp->bs >> 10, sp->bs >= 1048576 ? "m" : "k",
                     sp->qd);
            CHECK(strcmp(name, k->name) == 0, "%s named from its spec (%s)", k->name, name);
            CHECK(sp->bs >= 4096 && sp->bs <= 1048576 && sp->qd >= 1 && sp->qd <= 128, "%s ranges",
                  k->name);
            CHECK(sp->engine != ST_PSYNC || sp->qd == 1, "%s: psync is QD1", k->name);
        }
        if (k->suites & VB_SUITE_QUICK) {
            int found = 0;
            quick++;
            for (size_t q = 0; q < sizeof(want_quick) / sizeof(want_quick[0]); q++)
                found |= strcmp(want_quick[q], k->name) == 0;
            CHECK(found, "%s unexpectedly in the quick suite", k->name);
        }
    }
    CHECK(quick == sizeof(want_quick) / sizeof(want_quick[0]), "%zu quick rows", quick);
    CHECK(vb_kernel_find("storage/uring/randrw/bs:1m/qd:128") != NULL, "sweep reaches 1m/128");
    CHECK(vb_kernel_find("storage/uring-iopoll/randread/bs:4k/qd:32") != NULL, "iopoll row");
}

static void test_stream(void)
{
    struct st_stream s, s2;
    const uint64_t size = 1 << 20;
    unsigned writes = 0, n = 200000;
    int w;

    st_stream_init(&s, STP_RANDREAD, 4096, size, 1);
    st_stream_init(&s2, STP_RANDREAD, 4096, size, 1);
    for (unsigned i = 0; i < 1000; i++) {
        uint64_t off = st_stream_next(&s, &w);
        CHECK(off % 4096 == 0 && off + 4096 <= size && !w, "randread offset %llu",
              (unsigned long long)off);
        CHECK(off == st_stream_next(&s2, &w), "same seed, same offsets");
    }
    st_stream_init(&s, STP_WRITE, 65536, size, 2);
    for (unsigned i = 0; i < 20; i++) {
        uint64_t off = st_stream_next(&s, &w);
        CHECK(off == (i % 16) * 65536ull && w, "sequential write %u at %llu", i,
              (unsigned long long)off);
    }
    st_stream_init(&s, STP_RANDRW, 4096, size, 3);
    for (unsigned i = 0; i < n; i++) {
        uint64_t off = st_stream_next(&s, &w);
        writes += (unsigned)w;
        if (off >= size)
            CHECK(0, "randrw offset out of range");
    }
    CHECK(writes > n * 29 / 100 && writes < n * 31 / 100, "randrw: %u writes of %u", writes, n);
}

/* Run one kernel for ms milliseconds; 0 with *m filled, or what setup/sample returned. */
static int run_window(const char *name, struct vb_opts *o, double ms, struct vb_meas *m,
                      json_t **info)
{
    const struct vb_kernel *k = vb_kernel_find(name);
    char why[512] = "";
    void *state = NULL;
    int ret;

    memset(m, 0, sizeof(*m));
    *info = NULL;
    if (!k) {
        CHECK(0, "no row %s", name);
        return -ENOENT;
    }
    if (k->valid && k->valid(k, o, why, sizeof(why)))
        return 1;
    ret = k->setup(k, o, &state, why, sizeof(why));
    if (ret) {
        fprintf(stderr, "%s: setup %d: %s\n", name, ret, why);
        return ret;
    }
    m->hist = hist_new();
    m->counters = json_object();
    m->info = json_object();
    m->per_sample = 1;
    m->deadline = ts_now() + ts_from_ns(ms * 1e6);
    ret = k->sample(state, m);
    *info = k->describe(state);
    k->teardown(state);
    return ret;
}

static void meas_free(struct vb_meas *m, json_t *info)
{
    hist_free(m->hist);
    json_decref(m->counters);
    json_decref(m->info);
    json_decref(info);
}

static double counter(const struct vb_meas *m, const char *name)
{
    json_t *v = json_object_get(m->counters, name);
    return v ? json_number_value(v) : -1;
}

/* The parameters of the row called name, or NULL. */
static const struct st_spec *find_spec(const char *name)
{
    const struct vb_kernel *k = vb_kernel_find(name);
    return k ? k->arg : NULL;
}

static void check_kernel(struct vb_opts *o, const char *name, unsigned bs, int uring)
{
    struct vb_meas m;
    json_t *info;
    int ret = run_window(name, o, 60, &m, &info);

    CHECK(ret == 0, "%s returned %d (%s)", name, ret, m.error);
    if (ret == 0) {
        CHECK(m.ops > 0 && hist_count(m.hist) == m.ops, "%s: %llu ops", name,
              (unsigned long long)m.ops);
        CHECK(bs == 0 || m.bytes == m.ops * bs, "%s: %llu bytes for %llu ops", name,
              (unsigned long long)m.bytes, (unsigned long long)m.ops);
        CHECK(hist_min(m.hist) > 0, "%s: latencies recorded", name);
        if (bs) {
            CHECK(counter(&m, "errors") == 0 && counter(&m, "short_ios") == 0, "%s: errors/short",
                  name);
            CHECK(counter(&m, "cpu_per_io_ns") > 0, "%s: cpu_per_io_ns", name);
            CHECK(json_is_true(json_object_get(info, "direct")), "%s: O_DIRECT", name);
        }
        if (uring && bs) {
            const struct st_spec *sp = find_spec(name);
            json_int_t qd = sp ? (json_int_t)sp->qd : 0;
            json_int_t batch = json_integer_value(json_object_get(info, "submit_batch"));
            json_int_t wait = json_integer_value(json_object_get(info, "wait_min_complete"));
            json_t *per_wait = json_object_get(m.info, "ios_per_wait");
            CHECK(json_is_true(json_object_get(info, "registered_buffers")) &&
                      json_is_true(json_object_get(info, "registered_files")),
                  "%s: registered buffers and files", name);
            /* the ring set-up is on the row: at most 4 I/Os per enter, never more than qd;
               waits for 2 completions from QD16 up, 1 below */
            CHECK(batch == (qd < 4 ? qd : 4), "%s: submit_batch %lld", name, (long long)batch);
            CHECK(wait == (qd >= 16 ? 2 : 1), "%s: wait_min_complete %lld", name, (long long)wait);
            CHECK(json_is_array(json_object_get(info, "ring_flags")), "%s: ring_flags", name);
            CHECK(json_is_number(per_wait) && json_number_value(per_wait) >= 1,
                  "%s: ios_per_wait %g", name, json_number_value(per_wait));
        }
    }
    meas_free(&m, info);
}

static void test_created_target(void)
{
    struct vb_opts o = {.cpu = -1, .run_dir = tmp, .target_size = 2 << 20, .suite = 1, .run = &rs};
    const struct st_target *t;
    char why[512], sub[4096];
    struct stat st;
    uint64_t stamp = 0;
    int fd;

    CHECK(st_target_get(&o, 0, &t, why, sizeof(why)) == 0, "create: %s", why);
    CHECK(t->created && t->writable && t->size == 2 << 20, "created target");
    CHECK(strncmp(t->path, tmp, strlen(tmp)) == 0 && strstr(t->path, "/viobench-storage."),
          "file in a private dir under the run dir: %s", t->path);
    CHECK(stat(t->path, &st) == 0 && st.st_size == 2 << 20, "file size");
    CHECK((uint64_t)st.st_blocks * 512 >= 2 << 20, "every block allocated (%lld blocks)",
          (long long)st.st_blocks);
    fd = open(t->path, O_RDONLY);
    CHECK(fd >= 0 && pread(fd, &stamp, 8, 5 * 4096) == 8 && stamp == 5 * 4096,
          "block 5 written before reads (stamp %llu)", (unsigned long long)stamp);
    if (fd >= 0)
        close(fd);
    snprintf(sub, sizeof(sub), "%s", t->path);

    check_kernel(&o, "storage/uring/randwrite/bs:4k/qd:4", 4096, 1);
    check_kernel(&o, "storage/uring/randread/bs:4k/qd:1", 4096, 1);
    check_kernel(&o, "storage/uring/randrw/bs:16k/qd:8", 16384, 1);
    check_kernel(&o, "storage/uring/read/bs:1m/qd:2", 1048576, 1);
    check_kernel(&o, "storage/uring/randread/bs:4k/qd:32", 4096, 1);
    check_kernel(&o, "storage/psync/randrw/bs:64k/qd:1", 65536, 0);
    check_kernel(&o, "storage/flush", 4096, 0);
    check_kernel(&o, "storage/uring/nop", 0, 1);
    {
        struct vb_meas m;
        json_t *info;
        int ret = run_window("storage/uring-iopoll/randread/bs:4k/qd:1", &o, 20, &m, &info);
        CHECK(ret == 0 || ret == 1, "iopoll runs or skips cleanly (%d)", ret);
        meas_free(&m, info);
    }
    st_target_close(&rs);
    CHECK(access(sub, F_OK) != 0, "test file removed");
    CHECK(dir_entries(tmp) == 0, "nothing left in the run dir (%d entries)", dir_entries(tmp));
}

static void write_file(const char *path, size_t n, char *copy)
{
    FILE *f = fopen(path, "w");
    for (size_t i = 0; i < n; i++)
        copy[i] = (char)(i * 7 + (i >> 12));
    CHECK(f && fwrite(copy, 1, n, f) == n, "write %s", path);
    if (f)
        fclose(f);
}

static int same_content(const char *path, const char *copy, size_t n)
{
    char *buf = malloc(n);
    FILE *f = fopen(path, "r");
    int same = f && buf && fread(buf, 1, n, f) == n && memcmp(buf, copy, n) == 0;
    if (f)
        fclose(f);
    free(buf);
    return same;
}

static void test_user_file(void)
{
    const size_t n = 1 << 20;
    char path[512], why[512] = "", *copy = malloc(n);
    struct vb_opts o = {.cpu = -1, .run_dir = tmp, .suite = 1, .run = &rs};
    const struct vb_kernel *wk = vb_kernel_find("storage/uring/randwrite/bs:4k/qd:4");
    const struct st_target *t;
    void *state;

    snprintf(path, sizeof(path), "%s/user.dat", tmp);
    write_file(path, n, copy);
    o.target = path;
    CHECK(st_target_refuses(&o, 1, why, sizeof(why)) == 1 && strstr(why, "refusing to write"),
          "static refusal: %s", why);
    CHECK(wk->valid(wk, &o, why, sizeof(why)) == 1, "write row invalid on a user file");
    CHECK(st_target_get(&o, 1, &t, why, sizeof(why)) == 1 && strstr(why, "refusing"),
          "write refused: %s", why);
    CHECK(st_target_get(&o, 0, &t, why, sizeof(why)) == 0, "read allowed: %s", why);
    CHECK(!t->created && !t->writable && t->size == n, "user file read-only, size %llu",
          (unsigned long long)t->size);
    check_kernel(&o, "storage/uring/randread/bs:4k/qd:4", 4096, 1);
    CHECK(wk->setup(wk, &o, &state, why, sizeof(why)) == 1, "write setup refused");
    CHECK(same_content(path, copy, n), "user file unchanged after refused writes");
    st_target_close(&rs);
    CHECK(access(path, F_OK) == 0, "user file not removed");

    o.allow_destructive_writes = 1;
    CHECK(st_target_get(&o, 1, &t, why, sizeof(why)) == 0 && t->writable, "allowed: %s", why);
    check_kernel(&o, "storage/uring/randwrite/bs:4k/qd:4", 4096, 1);
    CHECK(!same_content(path, copy, n), "writes with the flag do change the file");
    st_target_close(&rs);
    CHECK(access(path, F_OK) == 0, "user file kept after allowed writes");
    unlink(path);
    free(copy);
}

static void test_missing(void)
{
    char path[512], why[512] = "";
    struct vb_opts o = {.cpu = -1, .run_dir = tmp, .run = &rs};
    const struct st_target *t;

    snprintf(path, sizeof(path), "%s/nope", tmp);
    o.target = path;
    CHECK(st_target_get(&o, 0, &t, why, sizeof(why)) == -ENOENT && strstr(why, "nope"),
          "missing target: %s", why);
    CHECK(st_target_get(&o, 0, &t, why, sizeof(why)) == 1 && strstr(why, "reported above"),
          "reported once: %s", why);
    st_target_close(&rs);
}

static void test_enospc(void)
{
    char mnt[512], why[512] = "";
    struct vb_opts o = {.cpu = -1, .run_dir = tmp, .target_size = 8 << 20, .run = &rs};
    const struct st_target *t;

    snprintf(mnt, sizeof(mnt), "%s/small", tmp);
    mkdir(mnt, 0700);
    if (mount("tmpfs", mnt, "tmpfs", 0, "size=2m")) {
        fprintf(stderr, "note: cannot mount tmpfs (%s): ENOSPC part not run\n", strerror(errno));
        rmdir(mnt);
        return;
    }
    o.target = mnt;
    CHECK(st_target_get(&o, 0, &t, why, sizeof(why)) == -ENOSPC && strstr(why, "no room"),
          "ENOSPC: %s", why);
    CHECK(dir_entries(mnt) == 0, "nothing left on the full file system");
    st_target_close(&rs);
    umount(mnt);
    rmdir(mnt);
}

static void test_device(void)
{
    struct st_device d;
    unsigned ma, mi;
    char what[256] = "";
    int fd = open("/", O_RDONLY | O_DIRECTORY), ret;

    ret = st_device_numbers(fd, &ma, &mi);
    close(fd);
    if (ret == -ENODEV) {
        fprintf(stderr, "note: / is not on a block device: device part not run\n");
        return;
    }
    CHECK(ret == 0, "device numbers of /: %d", ret);
    CHECK(st_device_of(ma, mi, &d) == 0, "device facts of %u:%u", ma, mi);
    CHECK(d.name[0] && d.disk[0], "device %s disk %s", d.name, d.disk);
    CHECK(d.logical_bs >= 512 && (d.logical_bs & (d.logical_bs - 1)) == 0, "logical bs %u",
          d.logical_bs);
    CHECK(json_object_get(d.facts, "driver") && json_object_get(d.facts, "scheduler") &&
              json_object_get(d.facts, "rotational") && json_object_get(d.facts, "write_cache"),
          "facts keys");
    json_decref(d.facts);
    CHECK(st_device_in_use(ma, mi, what, sizeof(what)) == 1 && strstr(what, "mounted at"),
          "root device in use: %s", what);
    CHECK(st_device_of(0, 0, &d) == -ENODEV, "no device 0:0");
}

int main(void)
{
    const char *base = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";

    if (ts_init(TS_AUTO, -1))
        SKIP("no time source");
    snprintf(tmp, sizeof(tmp), "%s/vbstorage.XXXXXX", base);
    if (!mkdtemp(tmp))
        SKIP("mkdtemp: %s", strerror(errno));
    test_rows();
    test_stream();
    test_created_target();
    test_user_file();
    test_missing();
    if (pf_is_root())
        test_enospc();
    test_device();
    rmdir(tmp);
    return check_done("test_storage");
}
