/*
 * The network wire protocol: encoding, decoding and validation of hellos and replies, the
 * sequence stamp, and peer address syntax. No sockets here (see netproto.h for why).
 * Validation is strict: a hello has every reserved byte zero and only known flags, so that
 * a later version can give them a meaning without being misread by this one; a hello of
 * another version is refused (with this server's version), never guessed at.
 */
#include "netproto.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (24 - 8 * i));
}

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static int all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return 0;
    return 1;
}

/*
 * Hello layout (32 bytes):
 *   0 magic "VBNP"  4 version  5 test  6 flags(16)  8 req_size(32)  12 resp_size(32)
 *   16 busy_poll_us(32)  20..31 reserved, zero (v1 had the client's UDP port at 20)
 */
void np_hello_encode(const struct np_hello *h, uint8_t out[NP_HELLO_LEN])
{
    memset(out, 0, NP_HELLO_LEN);
    memcpy(out, NP_MAGIC, 4);
    out[4] = h->version ? h->version : NP_VERSION;
    out[5] = h->test;
    put16(out + 6, h->flags);
    put32(out + 8, h->req_size);
    put32(out + 12, h->resp_size);
    put32(out + 16, h->busy_poll_us);
}

/* Check one message size: 1..max (and the UDP limit for UDP round trips). */
static int check_size(const char *what, uint32_t v, uint32_t max, int udp, char *reason, size_t len)
{
    if (v == 0) {
        snprintf(reason, len, "%s is zero", what);
        return NP_E_SIZE;
    }
    if (v > max) {
        snprintf(reason, len, "%s %u is over this server's limit of %u bytes (--max-msg)", what, v,
                 max);
        return NP_E_SIZE;
    }
    if (udp && v > NP_UDP_MAX) {
        snprintf(reason, len, "%s %u is over the UDP limit of %u bytes", what, v, NP_UDP_MAX);
        return NP_E_SIZE;
    }
    return NP_OK;
}

int np_hello_parse(const uint8_t in[NP_HELLO_LEN], const struct np_limits *lim, struct np_hello *h,
                   char *reason, size_t len)
{
    int st, udp;

    memset(h, 0, sizeof(*h));
    reason[0] = 0;
    if (memcmp(in, NP_MAGIC, 4) != 0) {
        snprintf(reason, len, "not a viobench client (bad magic; expected \"%s\")", NP_MAGIC);
        return NP_E_MAGIC;
    }
    h->version = in[4];
    h->test = in[5];
    h->flags = get16(in + 6);
    h->req_size = get32(in + 8);
    h->resp_size = get32(in + 12);
    h->busy_poll_us = get32(in + 16);
    if (h->version != NP_VERSION) {
        snprintf(reason, len, "protocol version %u is not supported (this server speaks %u)",
                 h->version, NP_VERSION);
        return NP_E_VERSION;
    }
    if (h->test < NP_TEST_MIN || h->test > NP_TEST_MAX) {
        snprintf(reason, len, "unknown test %u", h->test);
        return NP_E_TEST;
    }
    if (h->flags & ~NP_F_KNOWN) {
        snprintf(reason, len, "unknown flags 0x%x", h->flags & ~NP_F_KNOWN);
        return NP_E_FIELD;
    }
    if (!all_zero(in + 20, NP_HELLO_LEN - 20)) {
        snprintf(reason, len, "reserved bytes 20-31 are not zero");
        return NP_E_FIELD;
    }
    if (h->busy_poll_us > NP_BUSY_MAX) {
        snprintf(reason, len, "busy poll %u us is over the limit of %u us", h->busy_poll_us,
                 NP_BUSY_MAX);
        return NP_E_FIELD;
    }
    udp = h->test == NP_TEST_UDP_RR;
    if (udp && lim->vsock) {
        snprintf(reason, len, "udp_rr needs an IP connection, not vsock");
        return NP_E_TRANSPORT;
    }
    switch (h->test) {
    case NP_TEST_RR:
    case NP_TEST_CRR:
    case NP_TEST_UDP_RR:
        st = check_size("request size", h->req_size, lim->max_msg, udp, reason, len);
        if (st == NP_OK)
            st = check_size("response size", h->resp_size, lim->max_msg, udp, reason, len);
        return st;
    case NP_TEST_STREAM:
        if (h->resp_size) {
            snprintf(reason, len, "response size is set for a stream test");
            return NP_E_FIELD;
        }
        return check_size("chunk size", h->req_size, lim->max_msg, 0, reason, len);
    case NP_TEST_MAERTS:
        if (h->req_size) {
            snprintf(reason, len, "request size is set for a maerts test");
            return NP_E_FIELD;
        }
        return check_size("chunk size", h->resp_size, lim->max_msg, 0, reason, len);
    case NP_TEST_INFO:
    case NP_TEST_THREADS:
        if (h->req_size || h->resp_size) {
            snprintf(reason, len, "message sizes are set for an %s request", np_test_name(h->test));
            return NP_E_FIELD;
        }
        return NP_OK;
    }
    return NP_E_TEST;
}

/*
 * Reply layout (24 bytes, then text_len bytes of text: a refusal's reason, the info JSON, or
 * the token of an accepted udp_rr). The same in every version, so that a client of any
 * version can read a refusal of its version:
 *   0 magic "VBNP"  4 version  5 status  6..7 zero  8 max_msg(32)  12 udp_port(16)
 *   14..15 zero  16 text_len(32)  20..23 zero
 */
void np_reply_encode(const struct np_reply *r, uint8_t out[NP_REPLY_LEN])
{
    memset(out, 0, NP_REPLY_LEN);
    memcpy(out, NP_MAGIC, 4);
    out[4] = r->version ? r->version : NP_VERSION;
    out[5] = r->status;
    put32(out + 8, r->max_msg);
    put16(out + 12, r->udp_port);
    put32(out + 16, r->text_len);
}

int np_reply_parse(const uint8_t in[NP_REPLY_LEN], struct np_reply *r, char *err, size_t len)
{
    memset(r, 0, sizeof(*r));
    if (memcmp(in, NP_MAGIC, 4) != 0) {
        snprintf(err, len, "the peer is not a viobench server (bad magic in its reply)");
        return -EPROTO;
    }
    r->version = in[4];
    r->status = in[5];
    r->max_msg = get32(in + 8);
    r->udp_port = get16(in + 12);
    r->text_len = get32(in + 16);
    if (r->text_len > NP_TEXT_MAX) {
        snprintf(err, len, "the peer's reply text of %u bytes is over the limit of %u", r->text_len,
                 NP_TEXT_MAX);
        return -EPROTO;
    }
    return 0;
}

/*
 * Bind datagram layout (16 bytes, the same for the ack):
 *   0 magic "VBNB"  4 version  5 kind (1 bind, 2 ack)  6..7 zero  8 token(64)
 */
void np_bind_encode(const struct np_bind *b, uint8_t out[NP_BIND_LEN])
{
    memset(out, 0, NP_BIND_LEN);
    memcpy(out, NP_BIND_MAGIC, 4);
    out[4] = NP_VERSION;
    out[5] = b->kind;
    np_token_put(out + 8, b->token);
}

int np_bind_parse(const uint8_t *in, size_t len, struct np_bind *b)
{
    memset(b, 0, sizeof(*b));
    if (len != NP_BIND_LEN || memcmp(in, NP_BIND_MAGIC, 4) != 0 || in[4] != NP_VERSION ||
        (in[5] != NP_BIND_REQ && in[5] != NP_BIND_ACK) || in[6] || in[7])
        return -EPROTO;
    b->kind = in[5];
    b->token = np_token_get(in + 8);
    return b->token ? 0 : -EPROTO;
}

void np_token_put(uint8_t out[NP_TOKEN_LEN], uint64_t token)
{
    put32(out, (uint32_t)(token >> 32));
    put32(out + 4, (uint32_t)token);
}

uint64_t np_token_get(const uint8_t in[NP_TOKEN_LEN])
{
    return ((uint64_t)get32(in) << 32) | get32(in + 4);
}

int np_reply_token(uint32_t text_len, const void *text, uint64_t *token, char *why, size_t len)
{
    if (text_len != NP_TOKEN_LEN || !(*token = np_token_get(text))) {
        snprintf(why, len, "no udp_rr session token in its reply (%u bytes of text)", text_len);
        return -EPROTO;
    }
    return 0;
}

int np_handshake(const struct np_io *io, const struct np_hello *h, struct np_reply *r, char *text,
                 size_t textlen, char *err, size_t errlen)
{
    uint8_t hello[NP_HELLO_LEN], hdr[NP_REPLY_LEN];
    char discard[512];
    uint32_t left, keep = 0;
    int ret;

    err[0] = 0;
    np_hello_encode(h, hello);
    ret = io->send_all(io->conn, hello, sizeof(hello));
    if (!ret)
        ret = io->recv_all(io->conn, hdr, sizeof(hdr));
    if (ret) {
        snprintf(err, errlen, "handshake: %s",
                 ret == -EPIPE ? "the peer closed the connection" : strerror(-ret));
        return ret;
    }
    if (np_reply_parse(hdr, r, err, errlen))
        return -EPROTO;
    left = r->text_len;
    if (text && textlen) {
        keep = left < textlen - 1 ? left : (uint32_t)(textlen - 1);
        if ((ret = io->recv_all(io->conn, text, keep)))
            goto bad_text;
        text[keep] = 0;
        left -= keep;
    }
    while (left) {
        uint32_t k = left < sizeof(discard) ? left : sizeof(discard);
        if ((ret = io->recv_all(io->conn, discard, k)))
            goto bad_text;
        if (r->status != NP_OK && !keep) { /* keep the reason when text was not wanted */
            size_t c = k < errlen - 1 ? k : errlen - 1;
            memcpy(err, discard, c);
            err[c] = 0;
            keep = 1;
        }
        left -= k;
    }
    if (r->status != NP_OK) {
        if (text && textlen)
            snprintf(err, errlen, "%s", text);
        if (!err[0])
            snprintf(err, errlen, "the peer refused: %s", np_status_name(r->status));
        return -ECONNREFUSED;
    }
    return 0;
bad_text:
    snprintf(err, errlen, "handshake: reading the reply text: %s", strerror(-ret));
    return ret;
}

int np_udp_bind(const struct np_dgram_io *io, uint64_t token, char *err, size_t errlen)
{
    struct np_bind b = {.kind = NP_BIND_REQ, .token = token}, a;
    uint8_t out[NP_BIND_LEN], in[NP_BIND_LEN + 1];

    np_bind_encode(&b, out);
    for (int i = 0; i < NP_BIND_TRIES; i++) {
        uint64_t t0 = io->now_ms(io->conn);
        int ret = io->send(io->conn, out, sizeof(out)), left = NP_BIND_EVERY_MS;
        if (ret) {
            snprintf(err, errlen, "UDP bind: send: %s", strerror(-ret));
            return ret;
        }
        while (left > 0) {
            int n = io->recv_wait(io->conn, in, sizeof(in), left);
            if (n == NP_BIND_LEN && np_bind_parse(in, (size_t)n, &a) == 0 &&
                a.kind == NP_BIND_ACK && a.token == token)
                return 0;
            /* anything else (a stray datagram, an ICMP error) is ignored: try again */
            left = NP_BIND_EVERY_MS - (int)(io->now_ms(io->conn) - t0);
        }
    }
    snprintf(err, errlen,
             "UDP bind: no acknowledgement from the peer's UDP port in %d ms (%d tries; is UDP "
             "to it blocked?)",
             NP_BIND_EVERY_MS * NP_BIND_TRIES, NP_BIND_TRIES);
    return -ETIMEDOUT;
}

const char *np_test_name(int test)
{
    static const char *const names[] = {"?",      "rr",     "crr",  "stream",
                                        "maerts", "udp_rr", "info", "threads"};
    return test >= NP_TEST_MIN && test <= NP_TEST_MAX ? names[test] : "?";
}

const char *np_status_name(int status)
{
    static const char *const names[] = {
        "ok",   "bad_magic", "bad_version", "bad_test",      "bad_size",
        "busy", "timeout",   "bad_field",   "bad_transport", "internal"};
    return status >= 0 && status <= NP_STATUS_MAX ? names[status] : "?";
}

void np_seq_put(uint8_t *msg, size_t len, uint64_t seq)
{
    size_t n = len < NP_SEQ_LEN ? len : NP_SEQ_LEN;
    for (size_t i = 0; i < n; i++)
        msg[i] = (uint8_t)(seq >> (8 * (n - 1 - i)));
}

int np_seq_match(const uint8_t *msg, size_t len, uint64_t seq)
{
    size_t n = len < NP_SEQ_LEN ? len : NP_SEQ_LEN;
    for (size_t i = 0; i < n; i++)
        if (msg[i] != (uint8_t)(seq >> (8 * (n - 1 - i))))
            return 0;
    return 1;
}

/* Parse a decimal number in [0, max] spanning exactly [s, end). */
static int parse_num(const char *s, const char *end, unsigned long max, unsigned long *v)
{
    unsigned long x = 0;
    if (s == end || end - s > 10)
        return -EINVAL;
    for (const char *p = s; p < end; p++) {
        if (*p < '0' || *p > '9')
            return -EINVAL;
        x = x * 10 + (unsigned long)(*p - '0');
    }
    if (x > max)
        return -EINVAL;
    *v = x;
    return 0;
}

static int parse_vsock(const char *s, struct np_addr *a, char *err, size_t len)
{
    const char *colon = strchr(s, ':'), *end = s + strlen(s);
    unsigned long cid = NP_VSOCK_ANY_CID, port;

    if (colon) {
        if (parse_num(s, colon, 0xfffffffeul, &cid)) {
            snprintf(err, len, "'vsock:%s': CID must be a number", s);
            return -EINVAL;
        }
        s = colon + 1;
    }
    if (parse_num(s, end, 0xfffffffeul, &port)) {
        snprintf(err, len, "'vsock:%s': port must be a number", colon ? colon + 1 : s);
        return -EINVAL;
    }
    a->kind = NP_ADDR_VSOCK;
    a->cid = (unsigned)cid;
    a->port = port == 0 ? NP_VSOCK_ANY_PORT : (unsigned)port;
    return 0;
}

int np_addr_parse(const char *s, struct np_addr *a, char *err, size_t len)
{
    const char *host, *hend, *colon;
    unsigned long port;

    memset(a, 0, sizeof(*a));
    if (!s || !*s) {
        snprintf(err, len, "empty address (expected HOST:PORT or vsock:CID:PORT)");
        return -EINVAL;
    }
    if (strncmp(s, "vsock:", 6) == 0)
        return parse_vsock(s + 6, a, err, len);
    if (s[0] == '[') {
        host = s + 1;
        hend = strchr(host, ']');
        if (!hend || hend[1] != ':') {
            snprintf(err, len, "'%s': expected [IPV6]:PORT", s);
            return -EINVAL;
        }
        colon = hend + 1;
    } else {
        colon = strrchr(s, ':');
        if (!colon) {
            snprintf(err, len, "'%s': no port (expected HOST:PORT)", s);
            return -EINVAL;
        }
        if (memchr(s, ':', (size_t)(colon - s))) {
            snprintf(err, len, "'%s': write an IPv6 address as [ADDRESS]:PORT", s);
            return -EINVAL;
        }
        host = s;
        hend = colon;
    }
    if (hend == host || (size_t)(hend - host) >= sizeof(a->host)) {
        snprintf(err, len, "'%s': %s host", s, hend == host ? "empty" : "overlong");
        return -EINVAL;
    }
    if (parse_num(colon + 1, colon + 1 + strlen(colon + 1), 65535, &port)) {
        snprintf(err, len, "'%s': port must be a number from 0 to 65535", s);
        return -EINVAL;
    }
    a->kind = NP_ADDR_IP;
    memcpy(a->host, host, (size_t)(hend - host));
    a->host[hend - host] = 0;
    a->port = (unsigned)port;
    return 0;
}

const char *np_addr_format(const struct np_addr *a, char *buf, size_t len)
{
    if (a->kind == NP_ADDR_VSOCK) {
        unsigned port = a->port == NP_VSOCK_ANY_PORT ? 0 : a->port;
        if (a->cid == NP_VSOCK_ANY_CID)
            snprintf(buf, len, "vsock:%u", port);
        else
            snprintf(buf, len, "vsock:%u:%u", a->cid, port);
    } else if (strchr(a->host, ':')) {
        snprintf(buf, len, "[%s]:%u", a->host, a->port);
    } else {
        snprintf(buf, len, "%s:%u", a->host, a->port);
    }
    return buf;
}

static void put64(uint8_t *p, uint64_t v)
{
    put32(p, (uint32_t)(v >> 32));
    put32(p + 4, (uint32_t)v);
}

static uint64_t get64(const uint8_t *p)
{
    return ((uint64_t)get32(p) << 32) | get32(p + 4);
}

size_t np_threads_encode(const struct np_threads *r, uint8_t *out, size_t len)
{
    unsigned n = r->n < NP_THREADS_MAX ? r->n : NP_THREADS_MAX;
    size_t need = 4 + (size_t)n * NP_THREAD_LEN;
    if (len < need)
        return 0;
    memset(out, 0, need);
    put16(out, (uint16_t)n);
    for (unsigned i = 0; i < n; i++) {
        uint8_t *e = out + 4 + (size_t)i * NP_THREAD_LEN;
        put32(e, r->t[i].tid);
        put32(e + 4, r->t[i].cpu);
        put64(e + 8, r->t[i].runtime_ns);
        put64(e + 16, (uint64_t)r->t[i].migrations);
    }
    return need;
}

int np_threads_parse(const uint8_t *in, size_t len, struct np_threads *r, char *err, size_t errlen)
{
    unsigned n;
    memset(r, 0, sizeof(*r));
    if (len < 4 || !all_zero(in + 2, 2)) {
        snprintf(err, errlen, "threads report: bad header");
        return -EPROTO;
    }
    n = get16(in);
    if (n > NP_THREADS_MAX || len != 4 + (size_t)n * NP_THREAD_LEN) {
        snprintf(err, errlen, "threads report: %u threads in %zu bytes (at most %u threads)", n,
                 len, NP_THREADS_MAX);
        return -EPROTO;
    }
    for (unsigned i = 0; i < n; i++) {
        const uint8_t *e = in + 4 + (size_t)i * NP_THREAD_LEN;
        struct np_thread *t = &r->t[i];
        t->tid = get32(e);
        t->cpu = get32(e + 4);
        t->runtime_ns = get64(e + 8);
        t->migrations = (int64_t)get64(e + 16);
        if (!t->tid || (t->cpu >= NP_CPU_LIMIT && t->cpu != NP_CPU_UNKNOWN) || t->migrations < -1) {
            snprintf(err, errlen, "threads report: entry %u is out of range", i);
            memset(r, 0, sizeof(*r));
            return -EPROTO;
        }
    }
    r->n = n;
    return 0;
}
