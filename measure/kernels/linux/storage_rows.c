/*
 * storage/...: the storage rows of the benchmark table and what they share. Rows are
 * generated once, with stable names storage/<engine>/<pattern>/bs:<size>/qd:<depth>:
 *
 *   storage/uring/nop                     the ring with no I/O: the floor under every uring row
 *   storage/uring/<pattern>/bs:B/qd:Q     io_uring, O_DIRECT, registered buffers and files
 *   storage/uring-sqpoll/..., uring-iopoll/...   the same with SQPOLL / polled completions
 *   storage/psync/<pattern>/bs:B/qd:1     pread/pwrite, the QD1 baseline
 *   storage/flush                         4 KiB write + fdatasync: the flush path to the host
 *
 * Patterns: randread, randwrite, read, write, randrw (70% reads). The quick suite runs
 * uring 4k randread and randwrite at QD1 and QD32, flush and nop; the full suite sweeps bs
 * 4k..1m (x4 steps) and QD 1..128 (x2 steps) for every pattern, psync at QD1 for every bs,
 * and the SQPOLL and IOPOLL variants at 4k, QD1 and QD32.
 */
#include "storage.h"
#include "modules.h"
#include "units.h"

#include <errno.h>
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>

static const unsigned sweep_bs[] = {4096, 16384, 65536, 262144, 1048576};
static const unsigned sweep_qd[] = {1, 2, 4, 8, 16, 32, 64, 128};

const char *st_engine_name(enum st_engine e)
{
    static const char *const names[] = {"uring", "uring-sqpoll", "uring-iopoll",
                                        "psync", "flush",        "nop"};
    return names[e];
}

static uint64_t process_cpu_ns(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru))
        return 0;
    return (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000ull +
           (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000ull;
}

void st_tally_begin(struct st_tally *t)
{
    memset(t, 0, sizeof(*t));
    t->cpu0_ns = process_cpu_ns();
}

int st_tally_end(struct st_tally *t, struct vb_meas *m, const struct st_spec *sp, const char *what)
{
    uint64_t cpu = process_cpu_ns() - t->cpu0_ns;

    vb_meas_counter(m, "errors", (double)t->errors);
    vb_meas_counter(m, "short_ios", (double)t->short_ios);
    vb_meas_counter(m, "cpu_per_io_ns", t->ios ? (double)cpu / (double)t->ios : 0);
    if (sp->pattern == STP_RANDRW) {
        vb_meas_counter(m, "read_ios", (double)t->reads);
        vb_meas_counter(m, "write_ios", (double)t->writes);
    }
    if (t->errors) {
        vb_meas_info(m, "first_error",
                     json_sprintf("%s at offset %llu: %s", what,
                                  (unsigned long long)t->first_err_off, strerror(t->first_errno)));
        if (t->ios == 0) {
            vb_meas_fail(m, "every %s failed: %s (first at offset %llu)", what,
                         strerror(t->first_errno), (unsigned long long)t->first_err_off);
            return -EIO;
        }
    }
    return 0;
}

void *st_buffers_alloc(size_t bytes, uint64_t seed)
{
    struct st_stream s;
    uint64_t *p;
    void *m = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    if (m == MAP_FAILED)
        return NULL;
    /* incompressible contents, so a host that compresses or dedups does not shortcut */
    st_stream_init(&s, STP_RANDREAD, 4096, 4096, seed);
    p = m;
    for (size_t i = 0; i < bytes / sizeof(*p); i++)
        p[i] = st_rand(&s);
    return m;
}

void st_buffers_free(void *p, size_t bytes)
{
    if (p)
        munmap(p, bytes);
}

int st_setup_common(const struct vb_kernel *k, const struct vb_opts *o, const struct st_target **t,
                    char *why, size_t len)
{
    const struct st_spec *sp = k->arg;
    char a[32], b[32];
    int ret = st_target_get(o, st_pattern_writes(sp->pattern), t, why, len);

    if (ret)
        return ret;
    if (sp->bs % (*t)->align) {
        snprintf(why, len, "bs %u is not a multiple of the target's %u-byte alignment", sp->bs,
                 (*t)->align);
        return 1;
    }
    if (sp->bs > (*t)->size) {
        snprintf(why, len, "the target (%s) is smaller than one %s I/O",
                 units_fmt_size((double)(*t)->size, a, sizeof(a)),
                 units_fmt_size(sp->bs, b, sizeof(b)));
        return 1;
    }
    return 0;
}

json_t *st_describe_common(const struct st_spec *sp, const struct st_target *t)
{
    json_t *d =
        json_pack("{s:s, s:s, s:I, s:I, s:s, s:I, s:b, s:b, s:I, s:s, s:s, s:s, s:s}", "engine",
                  st_engine_name(sp->engine), "pattern", st_pattern_name(sp->pattern), "bs",
                  (json_int_t)sp->bs, "qd", (json_int_t)sp->qd, "target", t->path, "file_size",
                  (json_int_t)t->size, "direct", t->direct, "created_by_viobench", t->created,
                  "alignment", (json_int_t)t->align, "fs_type", t->fs_type, "disk", t->disk,
                  "driver", t->driver, "latency", "submit to completion, per I/O");
    if (d && sp->pattern == STP_RANDRW)
        json_object_set_new(d, "rwmix_read", json_integer(ST_RWMIX_READ));
    if (d)
        json_object_set_new(d, "time_source", json_string(vb_ts.name));
    return d;
}

/* ---- rows ---- */

static int uring_valid(const struct vb_kernel *k, const struct vb_opts *o, char *why, size_t len)
{
    static int probed, err;
    const struct st_spec *sp = k->arg;

    if (!probed) {
        struct io_uring r;
        err = io_uring_queue_init(2, &r, 0);
        if (err == 0)
            io_uring_queue_exit(&r);
        probed = 1;
    }
    if (err) {
        snprintf(why, len, "io_uring unavailable: %s%s", strerror(-err),
                 err == -EPERM ? " (kernel.io_uring_disabled?)" : "");
        return 1;
    }
    if (sp->engine == ST_NOP)
        return 0;
    return st_target_refuses(o, st_pattern_writes(sp->pattern), why, len);
}

static int psync_valid(const struct vb_kernel *k, const struct vb_opts *o, char *why, size_t len)
{
    const struct st_spec *sp = k->arg;
    return st_target_refuses(o, st_pattern_writes(sp->pattern), why, len);
}

static const char *pattern_help(enum st_pattern p)
{
    static const char *const h[] = {"random reads", "random writes", "sequential reads",
                                    "sequential writes", "random 70/30 reads/writes"};
    return h[p];
}

struct table {
    struct vb_kernel *rows;
    struct st_spec *specs;
    size_t n, cap;
};

static void add(struct table *t, enum st_engine e, enum st_pattern p, unsigned bs, unsigned qd,
                unsigned suites)
{
    struct vb_kernel *k = &t->rows[t->n];
    struct st_spec *sp = &t->specs[t->n];
    char name[96], help[160], sz[16];

    if (t->n == t->cap)
        abort(); /* the table is sized below; a miscount is a bug */
    sp->engine = e;
    sp->pattern = p;
    sp->bs = bs;
    sp->qd = qd;
    units_fmt_name_size(bs, sz, sizeof(sz));
    k->category = "storage";
    k->suites = suites;
    k->flags = VB_K_PROCESS_CPU;
    k->arg = sp;
    if (e == ST_NOP) {
        snprintf(name, sizeof(name), "storage/uring/nop");
        snprintf(help, sizeof(help), "one io_uring NOP submitted and reaped (no I/O)");
        k->valid = uring_valid;
        k->setup = st_nop_setup;
        k->sample = st_nop_sample;
        k->describe = st_nop_describe;
        k->teardown = st_nop_teardown;
    } else if (e == ST_FLUSH) {
        snprintf(name, sizeof(name), "storage/flush");
        snprintf(help, sizeof(help), "one 4 KiB random write followed by fdatasync");
        k->valid = psync_valid;
        k->setup = st_psync_setup;
        k->sample = st_psync_sample;
        k->describe = st_psync_describe;
        k->teardown = st_psync_teardown;
    } else {
        snprintf(name, sizeof(name), "storage/%s/%s/bs:%s/qd:%u", st_engine_name(e),
                 st_pattern_name(p), sz, qd);
        snprintf(help, sizeof(help), "one %s I/O of %s %s, %u in flight (%s)", sz, pattern_help(p),
                 e == ST_PSYNC ? "with pread/pwrite" : "through io_uring", qd,
                 e == ST_URING_SQPOLL   ? "SQPOLL"
                 : e == ST_URING_IOPOLL ? "IOPOLL"
                 : e == ST_PSYNC        ? "O_DIRECT"
                                        : "O_DIRECT, registered buffers and files");
        k->valid = e == ST_PSYNC ? psync_valid : uring_valid;
        k->setup = e == ST_PSYNC ? st_psync_setup : st_uring_setup;
        k->sample = e == ST_PSYNC ? st_psync_sample : st_uring_sample;
        k->describe = e == ST_PSYNC ? st_psync_describe : st_uring_describe;
        k->teardown = e == ST_PSYNC ? st_psync_teardown : st_uring_teardown;
    }
    k->name = strdup(name);
    k->help = strdup(help);
    if (!k->name || !k->help)
        abort();
    t->n++;
}

#define NBS (sizeof(sweep_bs) / sizeof(sweep_bs[0]))
#define NQD (sizeof(sweep_qd) / sizeof(sweep_qd[0]))

const struct vb_kernel *storage_kernels(size_t *n)
{
    static struct table t;
    const unsigned both = VB_SUITE_QUICK | VB_SUITE_FULL;

    if (!t.rows) {
        static const enum st_pattern quick_pats[] = {STP_RANDREAD, STP_RANDWRITE};
        static const unsigned quick_qd[] = {1, 32};
        t.cap = 1 + 5 * NBS * NQD + 2 * 2 * 2 + 5 * NBS + 1;
        t.rows = calloc(t.cap, sizeof(*t.rows));
        t.specs = calloc(t.cap, sizeof(*t.specs));
        if (!t.rows || !t.specs)
            abort();
        add(&t, ST_NOP, STP_RANDREAD, 0, 1, both);
        for (int p = STP_RANDREAD; p <= STP_RANDRW; p++)
            for (size_t b = 0; b < NBS; b++)
                for (size_t q = 0; q < NQD; q++) {
                    int quick = sweep_bs[b] == 4096 && p <= STP_RANDWRITE &&
                                (sweep_qd[q] == 1 || sweep_qd[q] == 32);
                    add(&t, ST_URING, (enum st_pattern)p, sweep_bs[b], sweep_qd[q],
                        quick ? both : VB_SUITE_FULL);
                }
        for (int e = ST_URING_SQPOLL; e <= ST_URING_IOPOLL; e++)
            for (size_t p = 0; p < 2; p++)
                for (size_t q = 0; q < 2; q++)
                    add(&t, (enum st_engine)e, quick_pats[p], 4096, quick_qd[q], VB_SUITE_FULL);
        for (int p = STP_RANDREAD; p <= STP_RANDRW; p++)
            for (size_t b = 0; b < NBS; b++)
                add(&t, ST_PSYNC, (enum st_pattern)p, sweep_bs[b], 1, VB_SUITE_FULL);
        add(&t, ST_FLUSH, STP_RANDWRITE, 4096, 1, both);
    }
    *n = t.n;
    return t.rows;
}
