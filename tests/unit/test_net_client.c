/*
 * Unit tests of the network kernels' portable part (measure/kernels/net_client.c), which the
 * Linux and the Windows kernels share: the row table (names, suites, help), a row's plan
 * under --flows and --rate, and the verdicts of the measured loops (a lost UDP reply, a
 * datagram to skip or refuse, a tcp_crr response), each with the error text it sets.
 */
#include "check.h"
#include "net.h"

#include <errno.h>
#include <string.h>

static void test_rows(void)
{
    static const struct vb_kernel ops = {.describe = NULL};
    size_t n = 0, quick = 0;
    const struct vb_kernel *k = nk_rows(&ops, &n);
    CHECK(n == 26, "26 rows, got %zu", n);
    CHECK(strcmp(k[0].name, "net/tcp_rr/size:64") == 0, "first row: %s", k[0].name);
    for (size_t i = 0; i < n; i++) {
        const struct nk_row *r = k[i].arg;
        quick += (k[i].suites & VB_SUITE_QUICK) != 0;
        CHECK(strncmp(k[i].name, "net/", 4) == 0 && strcmp(k[i].category, "net") == 0 &&
                  k[i].help && r,
              "row %zu complete", i);
        if (strcmp(k[i].name, "net/tcp_crr") == 0)
            CHECK(r->kind == NK_TCP_CRR && r->size == NK_CRR_SIZE, "crr row");
        if (strcmp(k[i].name, "net/tcp_stream/size:256k") == 0)
            CHECK(r->kind == NK_TCP_STREAM && r->size == 262144, "256k row");
        if (strcmp(k[i].name, "net/tcp_rr/size:64/flows:8") == 0)
            CHECK(r->flows == 8, "flows:8 row");
    }
    CHECK(quick == 6, "6 quick rows, got %zu", quick);
    CHECK(nk_rows(&ops, &n) == k, "built once");
}

static void test_plan(void)
{
    struct vb_opts o;
    struct nk_plan p;
    struct nk_row rr = {NK_TCP_RR, 64, 0}, st = {NK_TCP_STREAM, 1024, 4},
                  ma = {NK_TCP_MAERTS, 2048, 0}, udp = {NK_UDP_RR, 8, 0};
    memset(&o, 0, sizeof(o));
    o.flows = 3;
    o.rate = 500;
    nk_plan(&rr, &o, &p);
    CHECK(p.nflows == 3 && p.rate == 500 && p.req == 64 && p.resp == 64 && p.test == NP_TEST_RR,
          "rr under --flows 3 --rate 500");
    nk_plan(&st, &o, &p);
    CHECK(p.nflows == 4 && p.rate == 0 && p.req == 1024 && p.resp == 0 && p.test == NP_TEST_STREAM,
          "stream: the row's flows, no rate, no response");
    nk_plan(&ma, &o, &p);
    CHECK(p.req == 0 && p.resp == 2048 && p.test == NP_TEST_MAERTS, "maerts");
    o.flows = 0;
    nk_plan(&udp, &o, &p);
    CHECK(p.nflows == 1 && p.test == NP_TEST_UDP_RR, "udp_rr, one flow by default");
    CHECK(nk_is_rr(NK_TCP_CRR) && nk_is_rr(NK_VSOCK_RR) && !nk_is_rr(NK_TCP_MAERTS), "is_rr");
}

static void test_udp(void)
{
    struct nk_tally t;
    struct nk_plan p = {.nflows = 1, .req = 64, .resp = 64};
    struct np_bind ack = {.kind = NP_BIND_ACK, .token = 77};
    uint8_t rx[128];
    uint64_t seq = 5;
    int row = 0, ret = 0;

    memset(&t, 0, sizeof(t));
    for (int i = 0; i < NK_UDP_MAX_LOST - 1; i++)
        CHECK(nk_udp_lost(&t, &seq, &row) == 1, "loss %d goes on", i + 1);
    ret = nk_udp_lost(&t, &seq, &row);
    CHECK(ret == -ETIMEDOUT && strstr(t.err, "stopped answering UDP (5 replies"),
          "%d losses in a row end the flow: %s", NK_UDP_MAX_LOST, t.err);
    CHECK(t.lost == NK_UDP_MAX_LOST && seq == 5 + NK_UDP_MAX_LOST, "lost counted, seq spent");

    memset(&t, 0, sizeof(t));
    np_bind_encode(&ack, rx);
    CHECK(nk_udp_reply(&t, rx, NP_BIND_LEN, 77, 9, &p) == 1 && t.stale == 0, "late ack skipped");
    memset(rx, 0, sizeof(rx));
    np_seq_put(rx, 64, 8);
    CHECK(nk_udp_reply(&t, rx, 64, 77, 9, &p) == 1 && t.stale == 1, "earlier reply is stale");
    np_seq_put(rx, 64, 9);
    CHECK(nk_udp_reply(&t, rx, 64, 77, 9, &p) == 0, "the reply");
    CHECK(nk_udp_reply(&t, rx, 60, 77, 9, &p) == -EPROTO &&
              strcmp(t.err, "UDP reply of 60 bytes, expected 64") == 0,
          "wrong size refused: %s", t.err);
}

static void test_crr(void)
{
    struct nk_tally t;
    struct nk_plan p = {.nflows = 1, .req = 64, .resp = 64};
    struct np_reply ok = {.status = NP_OK}, no = {.status = NP_E_BUSY, .text_len = 9};
    uint8_t rx[NP_REPLY_LEN + 64];

    memset(&t, 0, sizeof(t));
    memset(rx, 0, sizeof(rx));
    np_reply_encode(&ok, rx);
    np_seq_put(rx + NP_REPLY_LEN, 64, 3);
    CHECK(nk_crr_check(&t, rx, sizeof(rx), 3, &p) == 0, "good response");
    CHECK(nk_crr_check(&t, rx, sizeof(rx), 4, &p) == -EPROTO &&
              strcmp(t.err, "response out of sequence") == 0,
          "out of sequence: %s", t.err);
    CHECK(nk_crr_check(&t, rx, sizeof(rx) - 1, 3, &p) == -EPIPE &&
              strcmp(t.err, "recv: the peer closed the connection") == 0,
          "short: %s", t.err);
    np_reply_encode(&no, rx);
    memcpy(rx + NP_REPLY_LEN, "too busy!", 9);
    CHECK(nk_crr_check(&t, rx, NP_REPLY_LEN + 4, 3, &p) == -ECONNREFUSED &&
              strcmp(t.err, "the peer refused: too ") == 0,
          "refusal, its reason cut to what arrived: '%s'", t.err);
    CHECK(nk_fail(&t, -ETIMEDOUT, 0, "send") == -ETIMEDOUT &&
              strcmp(t.err, "send: no answer from the peer in 5 s") == 0,
          "fail: %s", t.err);
    t.err[0] = 0;
    CHECK(nk_fail(&t, -EINTR, 0, "send") == -EINTR && !t.err[0], "EINTR leaves no error");
}

int main(void)
{
    test_rows();
    test_plan();
    test_udp();
    test_crr();
    return check_done("test_net_client");
}
