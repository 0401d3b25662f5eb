/*
 * Unit tests of the network wire protocol (lib/netproto.c): hello and reply round trips,
 * every way a hello can be malformed (each must be refused with its status and a reason),
 * reply validation, the UDP bind datagram and its token (byte layout, every malformed
 * variant refused), the threads report of NP_TEST_THREADS (byte layout, bounds, garbage
 * refused), the sequence stamp, the address syntax of --listen and --peer, and the client
 * side of the handshake (np_handshake) over a scripted in-memory connection.
 */
#include "check.h"
#include "netproto.h"

#include <errno.h>
#include <string.h>

static const struct np_limits lim = {.max_msg = 4096};

static int parse(const uint8_t *b, const struct np_limits *l, char *reason)
{
    struct np_hello h;
    return np_hello_parse(b, l, &h, reason, NP_REASON_MAX + 1);
}

static void encode(uint8_t *b, int test, uint32_t req, uint32_t resp)
{
    struct np_hello h = {.test = (uint8_t)test, .req_size = req, .resp_size = resp};
    np_hello_encode(&h, b);
}

static void test_hello_roundtrip(void)
{
    struct np_hello h = {.test = NP_TEST_UDP_RR,
                         .flags = NP_F_NODELAY,
                         .req_size = 1000,
                         .resp_size = 64,
                         .busy_poll_us = 50},
                    out;
    uint8_t b[NP_HELLO_LEN];
    char reason[NP_REASON_MAX + 1];
    np_hello_encode(&h, b);
    CHECK(memcmp(b, "VBNP", 4) == 0, "magic first");
    CHECK(b[4] == NP_VERSION, "version byte %u", b[4]);
    CHECK(b[8] == 0 && b[9] == 0 && b[10] == 0x03 && b[11] == 0xe8, "req_size big-endian");
    CHECK(np_hello_parse(b, &lim, &out, reason, sizeof(reason)) == NP_OK, "parse: %s", reason);
    CHECK(out.test == h.test && out.flags == h.flags && out.req_size == 1000 &&
              out.resp_size == 64 && out.busy_poll_us == 50,
          "fields survive the round trip");
    for (int t = NP_TEST_MIN; t <= NP_TEST_MAX; t++)
        CHECK(strcmp(np_test_name(t), "?") != 0, "test %d has a name", t);
}

static void test_hello_malformed(void)
{
    uint8_t b[NP_HELLO_LEN];
    char r[NP_REASON_MAX + 1];
    struct np_limits vs = {.max_msg = 4096, .vsock = 1};

    encode(b, NP_TEST_RR, 64, 64);
    memcpy(b, "GET ", 4);
    CHECK(parse(b, &lim, r) == NP_E_MAGIC && strstr(r, "bad magic"), "bad magic: %s", r);
    CHECK(NP_VERSION == 2, "these tests describe protocol version 2");
    encode(b, NP_TEST_RR, 64, 64);
    b[4] = 1; /* v1 announced the client's UDP port instead of binding by token */
    CHECK(parse(b, &lim, r) == NP_E_VERSION && strstr(r, "version 1 is not supported") &&
              strstr(r, "speaks 2"),
          "version 1: %s", r);
    b[4] = 3;
    CHECK(parse(b, &lim, r) == NP_E_VERSION && strstr(r, "version 3"), "version 3: %s", r);
    b[4] = 0;
    CHECK(parse(b, &lim, r) == NP_E_VERSION, "version 0");
    encode(b, 0, 64, 64);
    CHECK(parse(b, &lim, r) == NP_E_TEST && strstr(r, "unknown test 0"), "test 0: %s", r);
    encode(b, NP_TEST_MAX + 1, 64, 64);
    CHECK(parse(b, &lim, r) == NP_E_TEST, "test past the last");
    encode(b, NP_TEST_RR, 64, 64);
    b[7] = 0x80;
    CHECK(parse(b, &lim, r) == NP_E_FIELD && strstr(r, "unknown flags"), "flags: %s", r);
    for (int i = 20; i < NP_HELLO_LEN; i++) {
        encode(b, NP_TEST_RR, 64, 64);
        b[i] = 1;
        CHECK(parse(b, &lim, r) == NP_E_FIELD && strstr(r, "reserved"), "reserved byte %d", i);
    }
    encode(b, NP_TEST_RR, 0, 64);
    CHECK(parse(b, &lim, r) == NP_E_SIZE && strstr(r, "request size is zero"), "zero: %s", r);
    encode(b, NP_TEST_RR, 64, 0);
    CHECK(parse(b, &lim, r) == NP_E_SIZE && strstr(r, "response size is zero"), "zero resp");
    encode(b, NP_TEST_RR, 4097, 64);
    CHECK(parse(b, &lim, r) == NP_E_SIZE && strstr(r, "--max-msg") && strstr(r, "4097"),
          "over max-msg: %s", r);
    encode(b, NP_TEST_CRR, 64, 0xffffffffu);
    CHECK(parse(b, &lim, r) == NP_E_SIZE, "crr response past the limit");
    {
        struct np_hello h = {
            .test = NP_TEST_RR, .req_size = 8, .resp_size = 8, .busy_poll_us = NP_BUSY_MAX + 1};
        np_hello_encode(&h, b);
        CHECK(parse(b, &lim, r) == NP_E_FIELD && strstr(r, "busy poll"), "busy: %s", r);
        h.busy_poll_us = 0;
        h.test = NP_TEST_UDP_RR;
        np_hello_encode(&h, b);
        CHECK(parse(b, &vs, r) == NP_E_TRANSPORT, "udp over vsock");
        CHECK(parse(b, &lim, r) == NP_OK, "udp ok: %s", r);
        b[21] = 9; /* where v1 had the client's UDP port: reserved now */
        CHECK(parse(b, &lim, r) == NP_E_FIELD && strstr(r, "reserved bytes 20-31"),
              "v1 udp port in a v2 hello: %s", r);
    }
    {
        struct np_limits big = {.max_msg = 1 << 20};
        struct np_hello h = {.test = NP_TEST_UDP_RR, .req_size = 65508, .resp_size = 1};
        np_hello_encode(&h, b);
        CHECK(parse(b, &big, r) == NP_E_SIZE && strstr(r, "UDP limit"), "udp size: %s", r);
    }
    encode(b, NP_TEST_STREAM, 64, 1);
    CHECK(parse(b, &lim, r) == NP_E_FIELD, "stream with a response size");
    encode(b, NP_TEST_STREAM, 64, 0);
    CHECK(parse(b, &lim, r) == NP_OK, "stream ok: %s", r);
    encode(b, NP_TEST_MAERTS, 1, 64);
    CHECK(parse(b, &lim, r) == NP_E_FIELD, "maerts with a request size");
    encode(b, NP_TEST_MAERTS, 0, 64);
    CHECK(parse(b, &lim, r) == NP_OK, "maerts ok");
    encode(b, NP_TEST_INFO, 1, 0);
    CHECK(parse(b, &lim, r) == NP_E_FIELD, "info with sizes");
    encode(b, NP_TEST_INFO, 0, 0);
    CHECK(parse(b, &lim, r) == NP_OK, "info ok");
    /* every byte pattern is answered with a status and a bounded reason */
    for (unsigned seed = 1; seed < 2000; seed++) {
        unsigned x = seed;
        int st;
        for (int i = 0; i < NP_HELLO_LEN; i++) {
            x = x * 1103515245u + 12345u;
            b[i] = (uint8_t)(x >> 16);
        }
        if (seed % 2) {
            memcpy(b, "VBNP", 4);
            b[4] = NP_VERSION;
        }
        st = parse(b, &lim, r);
        CHECK(st >= NP_OK && st <= NP_STATUS_MAX, "status in range");
        CHECK(strlen(r) <= NP_REASON_MAX, "reason bounded");
        CHECK(st == NP_OK || r[0], "a refusal always has a reason");
    }
}

static void test_reply(void)
{
    struct np_reply r = {.status = NP_E_BUSY, .max_msg = 1 << 20, .udp_port = 7700, .text_len = 12},
                    out;
    uint8_t b[NP_REPLY_LEN];
    char err[200];
    np_reply_encode(&r, b);
    CHECK(np_reply_parse(b, &out, err, sizeof(err)) == 0, "reply parses");
    CHECK(out.status == NP_E_BUSY && out.max_msg == 1u << 20 && out.udp_port == 7700 &&
              out.text_len == 12 && out.version == NP_VERSION,
          "reply fields survive");
    CHECK(strcmp(np_status_name(NP_E_BUSY), "busy") == 0, "status name");
    CHECK(strcmp(np_status_name(99), "?") == 0, "unknown status name");
    b[0] = 'X';
    CHECK(np_reply_parse(b, &out, err, sizeof(err)) < 0 && strstr(err, "not a viobench"),
          "bad magic reply: %s", err);
    r.text_len = NP_TEXT_MAX + 1;
    np_reply_encode(&r, b);
    CHECK(np_reply_parse(b, &out, err, sizeof(err)) < 0 && strstr(err, "over the limit"),
          "overlong text: %s", err);
}

static void test_bind(void)
{
    struct np_bind b = {.kind = NP_BIND_REQ, .token = 0x0102030405060708ull}, out;
    uint8_t d[NP_BIND_LEN + 4], tok[NP_TOKEN_LEN];

    np_bind_encode(&b, d);
    CHECK(memcmp(d, "VBNB", 4) == 0 && d[4] == NP_VERSION && d[5] == NP_BIND_REQ && d[6] == 0 &&
              d[7] == 0,
          "bind header bytes");
    CHECK(d[8] == 1 && d[15] == 8, "token big-endian at 8-15");
    CHECK(np_bind_parse(d, NP_BIND_LEN, &out) == 0 && out.kind == NP_BIND_REQ &&
              out.token == b.token,
          "bind round trip");
    b.kind = NP_BIND_ACK;
    b.token = ~0ull;
    np_bind_encode(&b, d);
    CHECK(np_bind_parse(d, NP_BIND_LEN, &out) == 0 && out.kind == NP_BIND_ACK && out.token == ~0ull,
          "ack round trip");
    np_token_put(tok, 0xfedcba9876543210ull);
    CHECK(tok[0] == 0xfe && tok[7] == 0x10 && np_token_get(tok) == 0xfedcba9876543210ull,
          "token bytes");
    {
        uint64_t t = 1;
        char why[96];
        uint8_t zero[NP_TOKEN_LEN] = {0};
        CHECK(np_reply_token(NP_TOKEN_LEN, tok, &t, why, sizeof(why)) == 0 &&
                  t == 0xfedcba9876543210ull,
              "a reply's token");
        CHECK(np_reply_token(NP_TOKEN_LEN - 1, tok, &t, why, sizeof(why)) == -EPROTO &&
                  strstr(why, "7 bytes of text"),
              "a reply text of the wrong length is no token: %s", why);
        CHECK(np_reply_token(NP_TOKEN_LEN, zero, &t, why, sizeof(why)) == -EPROTO,
              "a zero token is refused");
    }
    /* malformed: each is refused and leaves no token behind */
    static const struct {
        int at, val;
        const char *what;
    } bad[] = {
        {0, 'X', "magic"}, {3, 'P', "magic VBNP"}, {4, 1, "version 1"},  {4, 3, "version 3"},
        {5, 0, "kind 0"},  {5, 3, "kind 3"},       {6, 1, "reserved 6"}, {7, 0x80, "reserved 7"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        b.kind = NP_BIND_REQ;
        b.token = 42;
        np_bind_encode(&b, d);
        d[bad[i].at] = (uint8_t)bad[i].val;
        out.token = 1;
        CHECK(np_bind_parse(d, NP_BIND_LEN, &out) < 0 && out.token == 0, "bind with bad %s",
              bad[i].what);
    }
    b.token = 0;
    np_bind_encode(&b, d);
    CHECK(np_bind_parse(d, NP_BIND_LEN, &out) < 0, "zero token refused");
    b.token = 42;
    np_bind_encode(&b, d);
    CHECK(np_bind_parse(d, NP_BIND_LEN - 1, &out) < 0, "short bind refused");
    CHECK(np_bind_parse(d, NP_BIND_LEN + 1, &out) < 0, "long bind refused");
    CHECK(np_bind_parse(d, 0, &out) < 0, "empty datagram refused");
    /* a v2 hello is no bind, and random bytes almost never are */
    {
        struct np_hello h = {.test = NP_TEST_UDP_RR, .req_size = 16, .resp_size = 16};
        uint8_t hb[NP_HELLO_LEN];
        unsigned x = 7;
        int accepted = 0;
        np_hello_encode(&h, hb);
        CHECK(np_bind_parse(hb, NP_BIND_LEN, &out) < 0, "a hello's first 16 bytes are no bind");
        for (int i = 0; i < 10000; i++) {
            for (int j = 0; j < NP_BIND_LEN; j++) {
                x = x * 1103515245u + 12345u;
                d[j] = (uint8_t)(x >> 16);
            }
            accepted += np_bind_parse(d, NP_BIND_LEN, &out) == 0;
        }
        CHECK(accepted == 0, "%d random datagrams parsed as binds", accepted);
    }
}

static void test_seq(void)
{
    uint8_t m[100];
    for (size_t len = 1; len <= 10; len++) {
        memset(m, 0xee, sizeof(m));
        np_seq_put(m, len, 0x0102030405060708ull + len);
        CHECK(np_seq_match(m, len, 0x0102030405060708ull + len), "match at len %zu", len);
        CHECK(!np_seq_match(m, len, 0x0102030405060708ull + len + 1), "mismatch len %zu", len);
        CHECK(m[len < 8 ? len : 8] == 0xee, "no write past the stamp at len %zu", len);
    }
    np_seq_put(m, 100, 42);
    CHECK(m[7] == 42 && m[0] == 0, "big-endian stamp");
}

static void test_addr(void)
{
    struct np_addr a;
    char err[300], buf[300];
    CHECK(np_addr_parse("127.0.0.1:7700", &a, err, sizeof(err)) == 0 && a.kind == NP_ADDR_IP &&
              strcmp(a.host, "127.0.0.1") == 0 && a.port == 7700,
          "ipv4");
    CHECK(strcmp(np_addr_format(&a, buf, sizeof(buf)), "127.0.0.1:7700") == 0, "ipv4 format");
    CHECK(np_addr_parse("[::1]:0", &a, err, sizeof(err)) == 0 && strcmp(a.host, "::1") == 0 &&
              a.port == 0,
          "ipv6");
    CHECK(strcmp(np_addr_format(&a, buf, sizeof(buf)), "[::1]:0") == 0, "ipv6 format");
    CHECK(np_addr_parse("localhost:1", &a, err, sizeof(err)) == 0, "name");
    CHECK(np_addr_parse("vsock:7700", &a, err, sizeof(err)) == 0 && a.kind == NP_ADDR_VSOCK &&
              a.cid == NP_VSOCK_ANY_CID && a.port == 7700,
          "vsock port");
    CHECK(np_addr_parse("vsock:2:7700", &a, err, sizeof(err)) == 0 && a.cid == 2, "vsock cid");
    CHECK(strcmp(np_addr_format(&a, buf, sizeof(buf)), "vsock:2:7700") == 0, "vsock format");
    CHECK(np_addr_parse("vsock:1:0", &a, err, sizeof(err)) == 0 && a.port == NP_VSOCK_ANY_PORT,
          "vsock any port");
    static const struct {
        const char *in, *why;
    } bad[] = {
        {"", "empty"},
        {"127.0.0.1", "no port"},
        {"127.0.0.1:", "port must be"},
        {"127.0.0.1:65536", "port must be"},
        {"127.0.0.1:-1", "port must be"},
        {"127.0.0.1:7x", "port must be"},
        {":7700", "empty host"},
        {"::1:7700", "[ADDRESS]:PORT"},
        {"[::1]7700", "[IPV6]:PORT"},
        {"vsock:", "port must be"},
        {"vsock:x:1", "CID must be"},
        {"vsock:1:y", "port must be"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = 0;
        CHECK(np_addr_parse(bad[i].in, &a, err, sizeof(err)) < 0 && strstr(err, bad[i].why),
              "'%s' refused naming '%s', got '%s'", bad[i].in, bad[i].why, err);
    }
    CHECK(np_addr_parse(NULL, &a, err, sizeof(err)) < 0, "NULL");
}

/* A scripted connection: what the client sent, and the bytes the "server" answers. */
struct mem_conn {
    uint8_t sent[64];
    size_t nsent;
    const uint8_t *in;
    size_t nin, pos;
};

static int mem_send(void *conn, const void *buf, size_t n)
{
    struct mem_conn *c = conn;
    if (c->nsent + n > sizeof(c->sent))
        return -EMSGSIZE;
    memcpy(c->sent + c->nsent, buf, n);
    c->nsent += n;
    return 0;
}

static int mem_recv(void *conn, void *buf, size_t n)
{
    struct mem_conn *c = conn;
    if (c->pos + n > c->nin)
        return -EPIPE;
    memcpy(buf, c->in + c->pos, n);
    c->pos += n;
    return 0;
}

/* Run np_handshake against a reply (status, text); returns its result. */
static int shake(struct mem_conn *c, int status, const char *rtext, char *text, size_t textlen,
                 char *err, size_t errlen, size_t cut)
{
    static uint8_t in[NP_REPLY_LEN + 1024];
    struct np_reply rep = {
        .status = (uint8_t)status, .max_msg = 4096, .text_len = (uint32_t)strlen(rtext)};
    struct np_hello h = {.test = NP_TEST_RR, .req_size = 64, .resp_size = 64};
    struct np_io io = {.conn = c, .send_all = mem_send, .recv_all = mem_recv};
    struct np_reply r;
    np_reply_encode(&rep, in);
    memcpy(in + NP_REPLY_LEN, rtext, rep.text_len);
    memset(c, 0, sizeof(*c));
    c->in = in;
    c->nin = NP_REPLY_LEN + rep.text_len - cut;
    return np_handshake(&io, &h, &r, text, textlen, err, errlen);
}

static void test_handshake(void)
{
    struct mem_conn c;
    char text[16], err[128];
    CHECK(shake(&c, NP_OK, "hello", text, sizeof(text), err, sizeof(err), 0) == 0, "ok: %s", err);
    CHECK(c.nsent == NP_HELLO_LEN && memcmp(c.sent, NP_MAGIC, 4) == 0, "the hello was sent");
    CHECK(strcmp(text, "hello") == 0 && c.pos == c.nin, "text read whole: '%s'", text);
    CHECK(shake(&c, NP_OK, "a longer reply text", text, 4, err, sizeof(err), 0) == 0 &&
              strcmp(text, "a l") == 0 && c.pos == c.nin,
          "text cut at textlen-1, the rest read and dropped: '%s'", text);
    CHECK(shake(&c, NP_OK, "xyz", NULL, 0, err, sizeof(err), 0) == 0 && c.pos == c.nin,
          "text discarded");
    CHECK(shake(&c, NP_E_BUSY, "too many connections", NULL, 0, err, sizeof(err), 0) ==
                  -ECONNREFUSED &&
              strcmp(err, "too many connections") == 0,
          "refusal reason kept without a text buffer: '%s'", err);
    CHECK(shake(&c, NP_E_SIZE, "too big", text, sizeof(text), err, sizeof(err), 0) ==
                  -ECONNREFUSED &&
              strcmp(err, "too big") == 0,
          "refusal reason from the text: '%s'", err);
    CHECK(shake(&c, NP_E_BUSY, "", NULL, 0, err, sizeof(err), 0) == -ECONNREFUSED &&
              strstr(err, "the peer refused: busy"),
          "refusal without a reason names the status: '%s'", err);
    CHECK(shake(&c, NP_OK, "", NULL, 0, err, sizeof(err), NP_REPLY_LEN) == -EPIPE &&
              strstr(err, "handshake: the peer closed the connection"),
          "no reply: '%s'", err);
    CHECK(shake(&c, NP_OK, "abcdef", text, sizeof(text), err, sizeof(err), 3) == -EPIPE &&
              strstr(err, "reading the reply text"),
          "short text: '%s'", err);
    {
        static const uint8_t junk[NP_REPLY_LEN] = "HTTP/1.1 400 Bad";
        struct np_hello h = {.test = NP_TEST_RR, .req_size = 1, .resp_size = 1};
        struct np_io io = {.conn = &c, .send_all = mem_send, .recv_all = mem_recv};
        struct np_reply r;
        memset(&c, 0, sizeof(c));
        c.in = junk;
        c.nin = sizeof(junk);
        CHECK(np_handshake(&io, &h, &r, NULL, 0, err, sizeof(err)) == -EPROTO && err[0],
              "not a viobench reply: '%s'", err);
    }
}

/* A scripted datagram peer for np_udp_bind: a fake clock in ms, the binds it was sent, and
   what it answers to the k-th bind (k from 1): an ack of the right token, a stray datagram,
   an ack of another token, or silence. */
struct dgram_peer {
    uint64_t now;
    int sends, fail_send; /* fail_send: -errno returned by the first send */
    int answer[8];        /* per bind: 0 silence, 1 ack, 2 stray datagram, 3 other token */
    uint64_t token;
    uint8_t last[NP_BIND_LEN];
};

static int peer_send(void *conn, const void *buf, size_t n)
{
    struct dgram_peer *p = conn;
    if (p->fail_send)
        return p->fail_send;
    CHECK(n == NP_BIND_LEN, "a bind of %zu bytes", n);
    memcpy(p->last, buf, NP_BIND_LEN);
    p->sends++;
    return 0;
}

static int peer_recv_wait(void *conn, void *buf, size_t n, int timeout_ms)
{
    struct dgram_peer *p = conn;
    int what = p->sends >= 1 && p->sends <= 8 ? p->answer[p->sends - 1] : 0;
    struct np_bind a = {.kind = NP_BIND_ACK, .token = p->token};
    CHECK(timeout_ms > 0 && timeout_ms <= NP_BIND_EVERY_MS, "a wait of %d ms", timeout_ms);
    if (what == 0) { /* nothing within the timeout */
        p->now += (uint64_t)timeout_ms;
        return 0;
    }
    p->answer[p->sends - 1] = 0; /* answered once */
    p->now += 3;
    if (what == 2) {
        memset(buf, 0x5a, n);
        return (int)n;
    }
    if (what == 3)
        a.token = p->token + 1;
    np_bind_encode(&a, buf);
    return NP_BIND_LEN;
}

static uint64_t peer_now(void *conn)
{
    return ((struct dgram_peer *)conn)->now;
}

static void test_udp_bind(void)
{
    struct dgram_peer p = {.token = 0x1122334455667788ull};
    struct np_dgram_io io = {
        .conn = &p, .send = peer_send, .recv_wait = peer_recv_wait, .now_ms = peer_now};
    struct np_bind b;
    char err[160];

    /* the first bind lost, the second answered by a stray datagram and another token's
       ack, the third acknowledged: bound after 3 sends, 200 ms and a bit */
    p.answer[1] = 2;
    p.answer[2] = 1;
    CHECK(np_udp_bind(&io, p.token, err, sizeof(err)) == 0 && p.sends == 3,
          "bound after %d sends: %s", p.sends, err);
    CHECK(np_bind_parse(p.last, NP_BIND_LEN, &b) == 0 && b.kind == NP_BIND_REQ &&
              b.token == p.token,
          "the datagram sent is a bind of the token");
    CHECK(p.now >= 2 * NP_BIND_EVERY_MS && p.now < 3 * NP_BIND_EVERY_MS,
          "one bind per %d ms: %llu ms", NP_BIND_EVERY_MS, (unsigned long long)p.now);

    /* only acks of another token: never bound, NP_BIND_TRIES sends, the reason named */
    p = (struct dgram_peer){.token = 7};
    for (int i = 0; i < 8; i++)
        p.answer[i] = 3;
    CHECK(np_udp_bind(&io, p.token, err, sizeof(err)) == -ETIMEDOUT && p.sends == NP_BIND_TRIES &&
              strstr(err, "no acknowledgement") && strstr(err, "5000 ms"),
          "no ack: %d sends, %s", p.sends, err);
    CHECK(p.now >= (uint64_t)NP_BIND_EVERY_MS * NP_BIND_TRIES, "the tries span %llu ms",
          (unsigned long long)p.now);

    /* a send that fails for real ends the bind at once */
    p = (struct dgram_peer){.token = 9, .fail_send = -ENETUNREACH};
    CHECK(np_udp_bind(&io, p.token, err, sizeof(err)) == -ENETUNREACH &&
              strstr(err, "UDP bind: send: "),
          "a failing send: %s", err);
}

static void test_threads(void)
{
    struct np_threads r = {.n = 2}, out;
    uint8_t b[NP_THREADS_BYTES + 8], h[NP_HELLO_LEN];
    char err[200], reason[NP_REASON_MAX + 1];
    size_t n;

    r.t[0] =
        (struct np_thread){.tid = 4242, .cpu = 1, .runtime_ns = 0x0102030405ull, .migrations = 7};
    r.t[1] = (struct np_thread){.tid = 9, .cpu = NP_CPU_UNKNOWN, .runtime_ns = 0, .migrations = -1};
    n = np_threads_encode(&r, b, sizeof(b));
    CHECK(n == 4 + 2 * NP_THREAD_LEN, "two threads take %zu bytes", n);
    CHECK(b[0] == 0 && b[1] == 2 && b[2] == 0 && b[3] == 0, "count big-endian, reserved zero");
    CHECK(b[4] == 0 && b[5] == 0 && b[6] == 0x10 && b[7] == 0x92, "tid 4242 big-endian");
    CHECK(b[8 + 3] == 1 && b[12 + 3] == 0x01 && b[19] == 0x05, "cpu and runtime bytes");
    CHECK(memcmp(b + 4 + NP_THREAD_LEN + 20, "\xff\xff\xff\xff", 4) == 0, "unknown migrations");
    CHECK(np_threads_parse(b, n, &out, err, sizeof(err)) == 0, "parse: %s", err);
    CHECK(out.n == 2 && out.t[0].tid == 4242 && out.t[0].cpu == 1 &&
              out.t[0].runtime_ns == 0x0102030405ull && out.t[0].migrations == 7 &&
              out.t[1].cpu == NP_CPU_UNKNOWN && out.t[1].migrations == -1,
          "fields survive the round trip");
    CHECK(np_threads_encode(&r, b, n - 1) == 0, "too small a buffer: 0");

    /* garbage is refused, whatever it claims */
    CHECK(np_threads_parse(b, n - 1, &out, err, sizeof(err)) == -EPROTO && out.n == 0 &&
              strstr(err, "threads report"),
          "a short report: %s", err);
    CHECK(np_threads_parse(b, 3, &out, err, sizeof(err)) == -EPROTO, "no header");
    b[2] = 1;
    CHECK(np_threads_parse(b, n, &out, err, sizeof(err)) == -EPROTO, "reserved bytes set");
    b[2] = 0;
    b[1] = NP_THREADS_MAX + 1;
    CHECK(np_threads_parse(b, 4 + (NP_THREADS_MAX + 1) * NP_THREAD_LEN, &out, err, sizeof(err)) ==
              -EPROTO,
          "over NP_THREADS_MAX threads");
    b[1] = 2;
    r.t[0].cpu = NP_CPU_LIMIT;
    np_threads_encode(&r, b, sizeof(b));
    CHECK(np_threads_parse(b, n, &out, err, sizeof(err)) == -EPROTO && strstr(err, "entry 0"),
          "a CPU past NP_CPU_LIMIT: %s", err);
    r.t[0].cpu = 0;
    r.t[0].tid = 0;
    np_threads_encode(&r, b, sizeof(b));
    CHECK(np_threads_parse(b, n, &out, err, sizeof(err)) == -EPROTO, "tid 0");
    r.t[0].tid = 1;
    r.t[0].migrations = -2;
    np_threads_encode(&r, b, sizeof(b));
    CHECK(np_threads_parse(b, n, &out, err, sizeof(err)) == -EPROTO, "negative migrations");
    r.n = 0;
    CHECK(np_threads_encode(&r, b, sizeof(b)) == 4 &&
              np_threads_parse(b, 4, &out, err, sizeof(err)) == 0 && out.n == 0,
          "an empty report");

    /* the request: a hello of test 7 with no sizes; named "threads" */
    encode(h, NP_TEST_THREADS, 0, 0);
    CHECK(parse(h, &lim, reason) == NP_OK, "threads hello: %s", reason);
    encode(h, NP_TEST_THREADS, 0, 64);
    CHECK(parse(h, &lim, reason) == NP_E_FIELD && strstr(reason, "threads request"),
          "sizes on a threads hello: %s", reason);
    CHECK(strcmp(np_test_name(NP_TEST_THREADS), "threads") == 0, "name");
}

int main(void)
{
    test_hello_roundtrip();
    test_hello_malformed();
    test_reply();
    test_bind();
    test_seq();
    test_addr();
    test_handshake();
    test_udp_bind();
    test_threads();
    return check_done("test_netproto");
}
