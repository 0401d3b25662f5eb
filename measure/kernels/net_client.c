/*
 * The network client kernels' rows and bookkeeping, apart from their loop
 * (measure/kernels/net_flow.c) so each stays short: the row table and its names, a row's
 * plan under the run's options, the window's tally and its merge, the udp_rr and tcp_crr
 * reply checks, the common tail of describe, and the run context's peer entry.
 */
#include "hist.h"
#include "jsonx.h"
#include "net.h"
#include "units.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Rows: quick-suite members first in each family, then the full suite's sweeps. */
struct row_def {
    int kind;
    uint32_t size;
    int flows;
    unsigned suites;
};

#define Q (VB_SUITE_QUICK | VB_SUITE_FULL)
#define F VB_SUITE_FULL
static const struct row_def defs[] = {
    {NK_TCP_RR, 64, 0, Q},        {NK_TCP_RR, 1, 0, F},
    {NK_TCP_RR, 1024, 0, F},      {NK_TCP_RR, 16384, 0, F},
    {NK_TCP_RR, 65536, 0, F},     {NK_TCP_RR, 64, 2, F},
    {NK_TCP_RR, 64, 4, F},        {NK_TCP_RR, 64, 8, F},
    {NK_UDP_RR, 64, 0, Q},        {NK_UDP_RR, 1, 0, F},
    {NK_UDP_RR, 1024, 0, F},      {NK_UDP_RR, 16384, 0, F},
    {NK_UDP_RR, 64, 4, F},        {NK_TCP_CRR, NK_CRR_SIZE, 0, Q},
    {NK_TCP_STREAM, 65536, 0, Q}, {NK_TCP_STREAM, 1024, 0, F},
    {NK_TCP_STREAM, 16384, 0, F}, {NK_TCP_STREAM, 262144, 0, F},
    {NK_TCP_STREAM, 65536, 4, F}, {NK_TCP_MAERTS, 65536, 0, Q},
    {NK_TCP_MAERTS, 16384, 0, F}, {NK_VSOCK_RR, 64, 0, Q},
    {NK_VSOCK_RR, 1, 0, F},       {NK_VSOCK_RR, 1024, 0, F},
    {NK_VSOCK_RR, 16384, 0, F},   {NK_VSOCK_RR, 65536, 0, F},
};
#undef Q
#undef F
#define NDEFS (sizeof(defs) / sizeof(defs[0]))

static const char *const kind_names[] = {"tcp_rr",     "udp_rr",     "tcp_crr",
                                         "tcp_stream", "tcp_maerts", "vsock_rr"};

static const char *row_help(int kind)
{
    return kind == NK_TCP_CRR      ? "connect, 64 B request, 64 B response, close"
           : kind == NK_TCP_STREAM ? "send one chunk to the peer (TCP stream)"
           : kind == NK_TCP_MAERTS ? "receive from the peer (TCP reverse stream)"
                                   : "one request/response round trip (full RTT)";
}

const struct vb_kernel *nk_rows(const struct vb_kernel *ops, size_t *n)
{
    static struct vb_kernel rows[NDEFS];
    static struct nk_row args[NDEFS];
    static char names[NDEFS][64];

    if (!rows[0].name) {
        for (size_t i = 0; i < NDEFS; i++) {
            const struct row_def *d = &defs[i];
            char sz[16], fl[16] = "";
            units_fmt_name_size(d->size, sz, sizeof(sz));
            if (d->flows)
                snprintf(fl, sizeof(fl), "/flows:%d", d->flows);
            if (d->kind == NK_TCP_CRR)
                snprintf(names[i], sizeof(names[i]), "net/tcp_crr%s", fl);
            else
                snprintf(names[i], sizeof(names[i]), "net/%s/size:%s%s", kind_names[d->kind], sz,
                         fl);
            args[i] = (struct nk_row){.kind = d->kind, .size = d->size, .flows = d->flows};
            rows[i] = (struct vb_kernel){
                .name = names[i],
                .category = "net",
                .suites = d->suites,
                .flags = VB_K_PROCESS_CPU,
                .help = row_help(d->kind),
                .valid = ops->valid,
                .setup = ops->setup,
                .sample = ops->sample,
                .describe = ops->describe,
                .teardown = ops->teardown,
                .arg = &args[i],
            };
        }
    }
    *n = NDEFS;
    return rows;
}

int nk_is_rr(int kind)
{
    return kind != NK_TCP_STREAM && kind != NK_TCP_MAERTS;
}

void nk_plan(const struct nk_row *r, const struct vb_opts *o, struct nk_plan *p)
{
    p->nflows = r->flows ? r->flows : (o->flows > 0 ? o->flows : 1);
    p->rate = nk_is_rr(r->kind) ? o->rate : 0;
    p->req = r->kind == NK_TCP_MAERTS ? 0 : r->size;
    p->resp = r->kind == NK_TCP_STREAM ? 0 : r->size;
    p->test = r->kind == NK_UDP_RR       ? NP_TEST_UDP_RR
              : r->kind == NK_TCP_STREAM ? NP_TEST_STREAM
              : r->kind == NK_TCP_MAERTS ? NP_TEST_MAERTS
                                         : NP_TEST_RR;
}

void nk_tally_begin(struct nk_tally *t, struct vb_meas *m, int nflows)
{
    t->m = m;
    t->h = nflows > 1 ? t->own : m->hist;
    if (nflows > 1)
        hist_reset(t->own);
    t->ops = t->bytes = t->lost = t->stale = t->late = 0;
    t->lag_ns = 0;
    t->ret = 0;
    t->err[0] = 0;
}

int nk_tally_end(struct vb_meas *m, const struct nk_row *r, const struct nk_plan *p,
                 struct nk_tally *(*at)(void *arg, int i), void *arg)
{
    uint64_t lost = 0, stale = 0, late = 0, ops = 0;
    double lag = 0;
    int ret = 0;

    for (int i = 0; i < p->nflows; i++) {
        const struct nk_tally *t = at(arg, i);
        if (p->nflows > 1)
            hist_merge(m->hist, t->own);
        m->ops += t->ops;
        m->bytes += t->bytes;
        ops += t->ops;
        lost += t->lost;
        stale += t->stale;
        late += t->late;
        lag += t->lag_ns;
        if (t->ret && !ret) {
            ret = t->ret;
            if (ret != -EINTR)
                vb_meas_fail(m, "%s%s", t->err, p->nflows > 1 ? " (one of several flows)" : "");
        }
    }
    vb_meas_counter(m, "flows", p->nflows);
    if (r->kind == NK_UDP_RR) {
        vb_meas_counter(m, "lost", (double)lost);
        vb_meas_counter(m, "stale", (double)stale);
    }
    if (p->rate > 0) {
        vb_meas_counter(m, "target_rate", p->rate);
        vb_meas_counter(m, "late_sends", (double)late);
        vb_meas_counter(m, "send_lag_mean_ns", ops ? lag / (double)ops : 0);
    }
    return ret;
}

int nk_fail(struct nk_tally *t, int ret, int timed_out, const char *what)
{
    const char *why = timed_out || ret == -ETIMEDOUT ? "no answer from the peer in 5 s"
                      : ret == -EPIPE                ? "the peer closed the connection"
                                                     : strerror(-ret);
    if (ret != -EINTR)
        snprintf(t->err, sizeof(t->err), "%s: %s", what, why);
    return ret;
}

void nk_pace_start(struct nk_pace *pc, const struct nk_plan *p, int idx)
{
    pc->period = ts_from_ns(1e9 * p->nflows / p->rate);
    pc->next = ts_now() + pc->period * (uint64_t)idx / (uint64_t)p->nflows;
}

uint64_t nk_pace_take(struct nk_pace *pc, struct nk_tally *t)
{
    uint64_t now = ts_now(), t0 = pc->next;
    pc->next += pc->period;
    if (now > t0) {
        double lag = ts_to_ns(now - t0);
        t->lag_ns += lag;
        t->late += lag > NK_LATE_NS;
    }
    return t0;
}

int nk_udp_lost(struct nk_tally *t, uint64_t *seq, int *lost_in_row)
{
    t->lost++;
    (*seq)++;
    if (++*lost_in_row >= NK_UDP_MAX_LOST) {
        snprintf(t->err, sizeof(t->err),
                 "the peer stopped answering UDP (%d replies in a row missing after %d ms)",
                 NK_UDP_MAX_LOST, NK_UDP_TIMEOUT_MS);
        return -ETIMEDOUT;
    }
    return 1;
}

int nk_udp_reply(struct nk_tally *t, const uint8_t *rx, size_t n, uint64_t token, uint64_t seq,
                 const struct nk_plan *p)
{
    struct np_bind ack;
    if (n == NP_BIND_LEN && np_bind_parse(rx, n, &ack) == 0 && ack.kind == NP_BIND_ACK &&
        ack.token == token)
        return 1; /* a late copy of the bind's ack */
    if (!np_seq_match(rx, p->req < p->resp ? p->req : p->resp, seq)) {
        t->stale++; /* a late reply to an earlier request */
        return 1;
    }
    if (n != p->resp) {
        snprintf(t->err, sizeof(t->err), "UDP reply of %zu bytes, expected %u", n, p->resp);
        return -EPROTO;
    }
    return 0;
}

int nk_crr_check(struct nk_tally *t, const uint8_t *rx, size_t got, uint64_t seq,
                 const struct nk_plan *p)
{
    struct np_reply rep;
    char err[160];
    if (got >= NP_REPLY_LEN && np_reply_parse(rx, &rep, err, sizeof(err)) == 0 &&
        rep.status != NP_OK) {
        size_t n = got - NP_REPLY_LEN < rep.text_len ? got - NP_REPLY_LEN : rep.text_len;
        snprintf(t->err, sizeof(t->err), "the peer refused: %.*s", (int)n,
                 (const char *)rx + NP_REPLY_LEN);
        return -ECONNREFUSED;
    }
    if (got < NP_REPLY_LEN + p->resp)
        return nk_fail(t, vb_interrupted ? -EINTR : -EPIPE, 0, "recv");
    if (!np_seq_match(rx + NP_REPLY_LEN, p->req < p->resp ? p->req : p->resp, seq)) {
        snprintf(t->err, sizeof(t->err), "response out of sequence");
        return -EPROTO;
    }
    return 0;
}

void nk_describe_tail(json_t *d, const struct nk_row *r, double rate)
{
    json_object_set_new(d, "figure",
                        json_string(nk_is_rr(r->kind) ? "full round-trip time per transaction "
                                                        "(not half)"
                                    : r->kind == NK_TCP_STREAM
                                        ? "time of each send call of one chunk"
                                        : "time of each receive call"));
    json_object_set_new(d, "loop",
                        json_string(rate > 0 ? "open (paced, latency from the intended send "
                                               "time)"
                                             : "closed"));
    if (rate > 0)
        json_object_set_new(d, "rate_per_s", json_real(rate));
}

json_t *nk_peer_entry(const char *name, int started, long pid, json_t *info, const char *err)
{
    json_t *e = json_object();
    json_object_set_new(e, "address", json_string(name));
    json_object_set_new(e, "started_by_run", json_boolean(started));
    if (started)
        json_object_set_new(e, "pid", json_integer(pid));
    if (info) {
        jx_copy(e, info, "server", "server");
        jx_copy(e, info, "sysinfo", "sysinfo");
    } else {
        json_object_set_new(e, "info_error", json_string(err));
    }
    return e;
}

int nk_peer_set(struct nk_peer *p, const char *text, int started, int vsock, char *why, size_t len)
{
    struct np_addr a;
    char err[256];
    if ((vsock ? net_vsock_addr(text, &a, err, sizeof(err))
               : np_addr_parse(text, &a, err, sizeof(err))) ||
        nio_resolve(&a, &p->addr, err, sizeof(err))) {
        snprintf(why, len, "peer %s: %s", text, err);
        return -EINVAL;
    }
    snprintf(p->name, sizeof(p->name), "%s", text);
    p->started = started;
    p->ok = 1;
    return 0;
}

struct net_run *nk_run_of(const struct vb_opts *o, size_t size, char *why, size_t len)
{
    if (!o->run) {
        snprintf(why, len, "net: no run state (vb_opts.run)");
        return NULL;
    }
    if (!o->run->net && !(o->run->net = calloc(1, size)))
        snprintf(why, len, "net: out of memory");
    return o->run->net;
}
