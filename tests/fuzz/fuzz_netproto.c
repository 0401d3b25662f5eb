/*
 * Fuzz lib/netproto.c, the wire protocol of `viobench serve`: a server parses hellos from
 * any client and bind datagrams from any UDP source; a client parses replies, their text and
 * bind acknowledgements and threads reports from the peer; both parse addresses given on the command line. The
 * input is read as a byte stream: one hello (server side; its first 16 bytes also as a bind
 * datagram), then a client handshake and a UDP bind whose received bytes come from the rest
 * of the input (each datagram a length byte and its bytes), then the rest as an address. Time is a counter, so the bind's retry loop is deterministic and quick.
 */
#include "fuzz.h"
#include "netproto.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct stream {
    const uint8_t *p;
    size_t n;
    uint64_t clock;
};

static int s_send(void *conn, const void *buf, size_t n)
{
    (void)conn;
    (void)buf;
    (void)n;
    return 0;
}

static int s_recv(void *conn, void *buf, size_t n)
{
    struct stream *s = conn;
    if (s->n < n)
        return -EPIPE;
    memcpy(buf, s->p, n);
    s->p += n;
    s->n -= n;
    return 0;
}

/* One datagram: a length byte, then up to that many bytes (the rest when fewer). */
static int d_recv(void *conn, void *buf, size_t n, int timeout_ms)
{
    struct stream *s = conn;
    size_t len;

    s->clock += (uint64_t)timeout_ms / 4 + 1;
    if (s->n == 0) {
        s->clock += (uint64_t)timeout_ms;
        return 0;
    }
    len = s->p[0];
    s->p++;
    s->n--;
    if (len > s->n)
        len = s->n;
    if (len > n)
        len = n;
    memcpy(buf, s->p, len);
    s->p += len;
    s->n -= len;
    return (int)len;
}

static uint64_t d_now(void *conn)
{
    return ((struct stream *)conn)->clock;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct stream s = {data, size, 0};
    struct np_limits lim[2] = {{NP_MSG_LIMIT, 0}, {4096, 1}};
    struct np_hello h, ch = {0};
    struct np_reply r;
    struct np_bind b;
    struct np_threads th;
    struct np_io io = {&s, s_send, s_recv};
    struct np_dgram_io dio = {&s, s_send, d_recv, d_now};
    struct np_addr a;
    char reason[NP_REASON_MAX + 1], text[300], err[512], *addr;
    uint64_t token;

    /* server: a hello under two sets of limits, and a bind datagram */
    if (size >= NP_HELLO_LEN) {
        for (int i = 0; i < 2; i++)
            np_hello_parse(data, &lim[i], &h, reason, sizeof(reason));
        np_test_name(data[5]);
        s.p += NP_HELLO_LEN;
        s.n -= NP_HELLO_LEN;
    }
    if (np_bind_parse(data, size < NP_BIND_LEN + 4 ? size : NP_BIND_LEN, &b) == 0)
        np_bind_encode(&b, (uint8_t[NP_BIND_LEN]){0});
    /* client: a handshake reading the input as the peer's reply and its text */
    ch.test = NP_TEST_UDP_RR;
    ch.req_size = ch.resp_size = 64;
    if (np_handshake(&io, &ch, &r, text, size & 1 ? sizeof(text) : 0, err, sizeof(err)) == 0 &&
        np_reply_token(r.text_len, text, &token, err, sizeof(err)) == 0)
        np_udp_bind(&dio, token, err, sizeof(err));
    if (np_threads_parse(data, size, &th, err, sizeof(err)) == 0) /* a threads report */
        np_threads_encode(&th, (uint8_t[NP_THREADS_BYTES]){0}, NP_THREADS_BYTES);
    np_status_name(size ? data[0] : 0);
    np_seq_match(data, size, 42);
    /* an address from what is left */
    addr = fuzz_str(s.p, s.n);
    if (np_addr_parse(addr, &a, err, sizeof(err)) == 0)
        np_addr_format(&a, text, sizeof(text));
    free(addr);
    return 0;
}
