/*
 * The synchronous engines: storage/psync/<pattern>/bs:B/qd:1 (one pread or pwrite at a
 * time, O_DIRECT: the QD1 baseline every application without an async API lives with) and
 * storage/flush (a 4 KiB random write followed by fdatasync: on a pre-allocated, already
 * written file this sends the device a cache flush with no journal commit, so it measures
 * the flush path through the virtual disk to the host's storage). Latency is from just
 * before the system call(s) to just after, on the run's time source.
 */
#include "storage.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct psync_state {
    const struct st_spec *sp;
    const struct st_target *t;
    struct st_stream s;
    char *buf;
};

int st_psync_setup(const struct vb_kernel *k, const struct vb_opts *o, void **state, char *why,
                   size_t len)
{
    const struct st_spec *sp = k->arg;
    struct psync_state *st = calloc(1, sizeof(*st));
    int ret;

    if (!st)
        return -ENOMEM;
    st->sp = sp;
    ret = st_setup_common(k, o, &st->t, why, len);
    if (ret) {
        free(st);
        return ret;
    }
    st->buf = st_buffers_alloc(sp->bs, sp->bs * 7 + sp->engine);
    if (!st->buf) {
        free(st);
        snprintf(why, len, "cannot allocate a %u-byte buffer", sp->bs);
        return -ENOMEM;
    }
    st_stream_init(&st->s, sp->pattern, sp->bs, st->t->size,
                   (uint64_t)sp->engine << 48 ^ (uint64_t)sp->pattern << 40 ^ sp->bs);
    *state = st;
    return 0;
}

int st_psync_sample(void *state, struct vb_meas *m)
{
    struct psync_state *st = state;
    const unsigned bs = st->sp->bs;
    const int fd = st->t->fd, flush = st->sp->engine == ST_FLUSH;
    struct st_tally tl;

    st_tally_begin(&tl);
    while (vb_meas_running(m)) {
        int w, err = 0;
        uint64_t off = st_stream_next(&st->s, &w), t0, t1;
        ssize_t r;

        t0 = ts_now();
        r = w ? pwrite(fd, st->buf, bs, (off_t)off) : pread(fd, st->buf, bs, (off_t)off);
        if (r < 0)
            err = errno;
        else if (flush && fdatasync(fd))
            err = errno;
        t1 = ts_now();
        if (err == EINTR)
            continue; /* a signal, not an I/O error: the loop condition decides */
        if (err) {
            if (tl.errors++ == 0) {
                tl.first_errno = err;
                tl.first_err_off = off;
            }
            continue;
        }
        if ((size_t)r != bs)
            tl.short_ios++;
        vb_meas_record(m, ts_to_ns(t1 - t0));
        vb_meas_add(m, 0, (uint64_t)r);
        tl.ios++;
        tl.writes += (unsigned)w;
    }
    tl.reads = tl.ios - tl.writes;
    return st_tally_end(&tl, m, st->sp, flush ? "pwrite+fdatasync" : "pread/pwrite");
}

json_t *st_psync_describe(void *state)
{
    struct psync_state *st = state;
    json_t *d = st_describe_common(st->sp, st->t);
    if (d)
        json_object_set_new(
            d, "syscalls",
            json_string(st->sp->engine == ST_FLUSH ? "pwrite + fdatasync" : "pread / pwrite"));
    return d;
}

void st_psync_teardown(void *state)
{
    struct psync_state *st = state;
    st_buffers_free(st->buf, st->sp->bs);
    free(st);
}
