/*
 * Tests of `viobench serve` as a foreign client sees it: raw sockets against a server
 * started with small limits. Good round trips (TCP, UDP, streams, info), then every kind of
 * bad client: garbage and malformed hellos, sizes past --max-msg, truncated and stalled
 * hellos, half-open, stalled and vanishing clients, one connection past --max-conns, bad
 * datagrams. UDP sessions bind from another address and port than the control connection's
 * (as through NAT); garbled, unknown, replayed and orphaned bind tokens are dropped unanswered
 * and counted (checked in the server's closing summary). After each, the server must still
 * serve a good client. Runs against both the
 * worker threads and the event-loop-only server (--workers 0). Bounded: every socket has a
 * timeout, the server stops by itself (--duration), and alarm() ends a hung test.
 */
#include "check.h"
#include "linux/net_linux.h"
#include "netproto.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_CONNS 6
#define MAX_MSG   4096

static int port;
static pid_t server;
static char serve_log[] = "/tmp/vb-test-serve.XXXXXX";
/* what the server's closing summary must count on its UDP sockets */
static unsigned long want_binds, want_unknown, want_malformed;

static void start_server(const char *workers)
{
    const char *exe = getenv("VIOBENCH") ? getenv("VIOBENCH") : "./viobench";
    char line[128] = "", *colon;
    int p[2], log_fd;
    ssize_t n;

    if (access(exe, X_OK))
        SKIP("%s not built", exe);
    if (pipe(p))
        SKIP("pipe");
    strcpy(serve_log + sizeof(serve_log) - 7, "XXXXXX");
    log_fd = mkstemp(serve_log);
    if (log_fd < 0)
        SKIP("mkstemp %s", serve_log);
    want_binds = want_unknown = want_malformed = 0;
    server = fork();
    if (server == 0) {
        dup2(p[1], 3);
        dup2(log_fd, 2);
        execl(exe, "viobench", "serve", "--listen", "127.0.0.1:0", "--ready-fd", "3", "--max-conns",
              "6", "--max-msg", "4096", "--idle-timeout", "1s", "--handshake-timeout", "0.5s",
              "--duration", "40s", "--workers", workers, (char *)NULL);
        _exit(127);
    }
    close(p[1]);
    close(log_fd);
    n = read(p[0], line, sizeof(line) - 1);
    close(p[0]);
    line[n > 0 ? n : 0] = 0;
    colon = strrchr(line, ':');
    port = colon ? atoi(colon + 1) : 0;
    CHECK(port > 0, "server reported its address: '%s'", line);
    if (port <= 0)
        exit(check_done("test_net_serve"));
}

/* Stop the server; its closing summary must count the UDP binds and drops the tests made. */
static void stop_server(void)
{
    static char log[16384];
    unsigned long binds, replies, unknown, malformed, badlen;
    const char *udp;
    int st = -1, fd;
    ssize_t n;

    kill(server, SIGTERM);
    waitpid(server, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "server exits 0 on SIGTERM (status %d)", st);
    fd = open(serve_log, O_RDONLY);
    n = fd >= 0 ? read(fd, log, sizeof(log) - 1) : -1;
    log[n > 0 ? n : 0] = 0;
    if (fd >= 0)
        close(fd);
    unlink(serve_log);
    fprintf(stderr, "%s", log);
    {
        const char *pk = strstr(log, "peak ");
        int peak = -1;
        CHECK(pk && sscanf(pk, "peak %d open", &peak) == 1 && peak == MAX_CONNS,
              "summary peak %d, expected --max-conns %d", peak, MAX_CONNS);
    }
    udp = strstr(log, "; udp: ");
    CHECK(udp && sscanf(udp,
                        "; udp: %lu binds, %lu replies, %lu unknown tokens, %lu malformed, %lu "
                        "bad length",
                        &binds, &replies, &unknown, &malformed, &badlen) == 5,
          "closing summary with udp counts");
    if (!udp)
        return;
    CHECK(binds == want_binds, "%lu udp sessions bound, expected %lu", binds, want_binds);
    CHECK(unknown == want_unknown, "%lu binds with unknown tokens counted, expected %lu", unknown,
          want_unknown);
    CHECK(malformed == want_malformed, "%lu malformed datagrams counted, expected %lu", malformed,
          want_malformed);
}

/* A blocking connection to the server with 3 s send and receive timeouts, or -errno
   (a failed check). */
static int tcp(void)
{
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    char err[200];
    int fd = netl_connect((struct sockaddr *)&a, sizeof(a), 3000, err, sizeof(err));
    CHECK(fd >= 0, "connect: %s", err);
    return fd;
}

/* Read a reply and its text; the status, or -1. */
static int reply(int fd, struct np_reply *r, char *text, size_t len)
{
    uint8_t b[NP_REPLY_LEN];
    char err[200];
    if (netl_recv_all(fd, b, sizeof(b)) || np_reply_parse(b, r, err, sizeof(err)))
        return -1;
    if (r->text_len >= len || netl_recv_all(fd, text, r->text_len))
        return -1;
    text[r->text_len] = 0;
    return r->status;
}

/*
 * Connect and send these bytes (a hello, maybe more); read the reply. A "busy" refusal, or a
 * connection closed without a reply (dropped: past the refusals the server drains at once),
 * is retried for a while: connections the test just closed may not be reaped yet, and the
 * server holds only MAX_CONNS. Returns the fd (status in *st), or -1.
 */
static int hello_bytes(const uint8_t *b, size_t len, int *st, struct np_reply *r, char *text,
                       size_t tlen)
{
    for (int tries = 0; tries < 60; tries++) {
        int fd = tcp();
        if (fd < 0)
            return -1;
        send(fd, b, len, MSG_NOSIGNAL);
        *st = reply(fd, r, text, tlen);
        if (*st != NP_E_BUSY && *st >= 0)
            return fd;
        close(fd);
        usleep(50000);
    }
    return -1;
}

static int hello(int test, uint32_t req, uint32_t resp, int *st, struct np_reply *r, char *text,
                 size_t tlen)
{
    struct np_hello h = {.test = (uint8_t)test, .req_size = req, .resp_size = resp};
    uint8_t b[NP_HELLO_LEN];
    np_hello_encode(&h, b);
    return hello_bytes(b, sizeof(b), st, r, text, tlen);
}

/* 1 when the server closes the connection within the socket timeout. */
static int closed_by_server(int fd)
{
    char b[256];
    for (int i = 0; i < 100; i++) {
        ssize_t r = recv(fd, b, sizeof(b), 0);
        if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR))
            return 1;
        if (r < 0)
            return 0;
    }
    return 0;
}

/* One RR connection: n round trips of req/resp bytes with stamps checked. */
static int rr_ok(uint32_t req, uint32_t resp, int n)
{
    static uint8_t tx[MAX_MSG], rx[MAX_MSG];
    struct np_reply r;
    char text[512];
    int st, fd = hello(NP_TEST_RR, req, resp, &st, &r, text, sizeof(text)), ok = 1;
    if (fd < 0)
        return 0;
    if (st != NP_OK)
        ok = 0;
    for (int i = 0; ok && i < n; i++) {
        np_seq_put(tx, req, 1000u + (unsigned)i);
        ok = send(fd, tx, req, MSG_NOSIGNAL) == (ssize_t)req && netl_recv_all(fd, rx, resp) == 0 &&
             np_seq_match(rx, req < resp ? req : resp, 1000u + (unsigned)i);
    }
    close(fd);
    return ok;
}

static void expect_refusal(const uint8_t *bytes, size_t len, int status, const char *needle)
{
    struct np_reply r;
    char text[512] = "";
    int st, fd = hello_bytes(bytes, len, &st, &r, text, sizeof(text));
    if (fd < 0) {
        CHECK(0, "no connection for '%s'", needle);
        return;
    }
    CHECK(st == status, "status %d (%s), expected %d; text '%s'", st, np_status_name(st), status,
          text);
    CHECK(strstr(text, needle) != NULL, "refusal '%s' names '%s'", text, needle);
    CHECK(strncmp(text, "viobench serve: ", 16) == 0, "refusal says who refused: '%s'", text);
    CHECK(closed_by_server(fd), "server closes after refusing (%s)", needle);
    close(fd);
}

static void test_good(void)
{
    struct np_reply r;
    char *text = malloc(NP_TEXT_MAX + 1);
    json_t *j;
    int fd, st;

    CHECK(rr_ok(64, 64, 100), "64-byte round trips");
    CHECK(rr_ok(1, 1, 50), "1-byte round trips");
    CHECK(rr_ok(10, 3000, 20), "asymmetric round trips");
    CHECK(rr_ok(MAX_MSG, MAX_MSG, 20), "round trips at --max-msg");
    /* info: JSON with the server's limits and its sysinfo */
    fd = hello(NP_TEST_INFO, 0, 0, &st, &r, text, NP_TEXT_MAX + 1);
    CHECK(fd >= 0 && st == NP_OK, "info reply");
    j = json_loads(text, 0, NULL);
    CHECK(j && json_integer_value(json_object_get(json_object_get(j, "server"), "max_conns")) ==
                   MAX_CONNS,
          "info names max_conns");
    CHECK(j && json_object_get(j, "sysinfo"), "info carries sysinfo");
    CHECK(j && json_object_get(json_object_get(json_object_get(j, "server"), "nic"), "mtu"),
          "info carries the server's interface facts");
    json_decref(j);
    CHECK(closed_by_server(fd), "server closes after info");
    close(fd);
    /* threads: the server's own threads report (NP_TEST_THREADS), well formed */
    fd = hello(NP_TEST_THREADS, 0, 0, &st, &r, text, NP_TEXT_MAX + 1);
    CHECK(fd >= 0 && st == NP_OK, "threads reply");
    {
        struct np_threads th = {0};
        char err[160] = "";
        CHECK(fd >= 0 &&
                  np_threads_parse((const uint8_t *)text, r.text_len, &th, err, sizeof(err)) == 0 &&
                  th.n >= 1 && th.t[0].tid > 0 && th.t[0].cpu != NP_CPU_UNKNOWN,
              "threads report of %u threads %s", th.n, err);
    }
    CHECK(closed_by_server(fd), "server closes after the threads report");
    close(fd);
    free(text);
    /* stream: 1 MB in; maerts: 1 MB out */
    {
        static uint8_t buf[MAX_MSG];
        size_t moved = 0;
        fd = hello(NP_TEST_STREAM, MAX_MSG, 0, &st, &r, (char *)buf, sizeof(buf));
        CHECK(fd >= 0 && st == NP_OK, "stream accepted");
        while (moved < (1 << 20) && send(fd, buf, sizeof(buf), MSG_NOSIGNAL) > 0)
            moved += sizeof(buf);
        CHECK(moved >= (1 << 20), "streamed 1 MB");
        close(fd);
        fd = hello(NP_TEST_MAERTS, 0, MAX_MSG, &st, &r, (char *)buf, sizeof(buf));
        CHECK(fd >= 0 && st == NP_OK, "maerts accepted");
        for (moved = 0; moved < (1 << 20);) {
            ssize_t n = recv(fd, buf, sizeof(buf), 0);
            if (n <= 0)
                break;
            moved += (size_t)n;
        }
        CHECK(moved >= (1 << 20), "received 1 MB");
        close(fd);
    }
}

static void test_crr(void)
{
    uint8_t b[NP_HELLO_LEN + 64], rx[NP_REPLY_LEN + 64 + 1];
    struct np_hello h = {.test = NP_TEST_CRR, .req_size = 64, .resp_size = 64};
    struct np_reply r;
    char err[200];
    for (int i = 0; i < 20; i++) {
        int fd = tcp();
        np_hello_encode(&h, b);
        np_seq_put(b + NP_HELLO_LEN, 64, (uint64_t)i);
        send(fd, b, sizeof(b), MSG_NOSIGNAL);
        CHECK(netl_recv_all(fd, rx, NP_REPLY_LEN + 64) == 0 &&
                  np_reply_parse(rx, &r, err, sizeof(err)) == 0 && r.status == NP_OK &&
                  np_seq_match(rx + NP_REPLY_LEN, 64, (uint64_t)i),
              "crr %d", i);
        CHECK(recv(fd, rx, 1, 0) == 0, "server closes after a crr response");
        close(fd);
    }
}

/* A UDP socket on addr (host order), port 0, with a 300 ms receive timeout, connected to the
   server's UDP port. */
static int udp_sock(uint32_t addr)
{
    struct sockaddr_in a = {.sin_family = AF_INET}, srv = {.sin_family = AF_INET};
    struct timeval tv = {.tv_usec = 300000};
    int u = socket(AF_INET, SOCK_DGRAM, 0);
    a.sin_addr.s_addr = htonl(addr);
    srv.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    srv.sin_port = htons((uint16_t)port);
    setsockopt(u, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    CHECK(bind(u, (struct sockaddr *)&a, sizeof(a)) == 0 &&
              connect(u, (struct sockaddr *)&srv, sizeof(srv)) == 0,
          "UDP socket on %08x: %s", addr, strerror(errno));
    return u;
}

/* Register a udp_rr session: the control connection, or -1; the token in *token. */
static int udp_register(uint32_t req, uint32_t resp, uint64_t *token)
{
    struct np_reply r = {0};
    char text[64] = "";
    int st = -1, ctl = hello(NP_TEST_UDP_RR, req, resp, &st, &r, text, sizeof(text));
    CHECK(ctl >= 0 && st == NP_OK, "udp_rr hello accepted (status %d %s)", st, text);
    CHECK(r.udp_port == port, "the reply names the server's UDP port (%u)", r.udp_port);
    CHECK(r.text_len == NP_TOKEN_LEN, "the reply's text is the token (%u bytes)", r.text_len);
    *token = r.text_len == NP_TOKEN_LEN ? np_token_get((const uint8_t *)text) : 0;
    CHECK(*token != 0, "the token is not zero");
    return ctl;
}

static void send_bind(int u, int kind, uint64_t token)
{
    struct np_bind b = {.kind = (uint8_t)kind, .token = token};
    uint8_t d[NP_BIND_LEN];
    np_bind_encode(&b, d);
    send(u, d, sizeof(d), 0);
}

/* 1 when the next datagram on u (within its timeout) is the ack of token. */
static int got_ack(int u, uint64_t token)
{
    uint8_t d[64];
    struct np_bind a;
    ssize_t n = recv(u, d, sizeof(d), 0);
    return n == NP_BIND_LEN && np_bind_parse(d, (size_t)n, &a) == 0 && a.kind == NP_BIND_ACK &&
           a.token == token;
}

/* Bind a session from u as a client does: the bind again until the ack comes (3 s). */
static int bind_ok(int u, uint64_t token)
{
    for (int i = 0; i < 10; i++) {
        send_bind(u, NP_BIND_REQ, token);
        if (got_ack(u, token)) {
            want_binds++;
            return 1;
        }
    }
    return 0;
}

/* n round trips of req/resp bytes on the bound socket u: how many came back in sequence. */
static int udp_trips(int u, uint32_t req, uint32_t resp, int n, uint64_t base)
{
    static uint8_t tx[MAX_MSG], rx[MAX_MSG + 1];
    int ok = 0;
    for (int i = 0; i < n; i++) {
        np_seq_put(tx, req, base + (uint64_t)i);
        send(u, tx, req, 0);
        ok += recv(u, rx, sizeof(rx), 0) == (ssize_t)resp &&
              np_seq_match(rx, req < resp ? req : resp, base + (uint64_t)i);
    }
    return ok;
}

/* 1 when nothing arrives on u within its timeout. */
static int silent(int u)
{
    uint8_t d[64];
    return recv(u, d, sizeof(d), 0) < 0;
}

/* After a control connection closed: a TCP round trip through the loop, and a moment for a
   session's worker to close its socket, so the session is surely gone. */
static void settle(void)
{
    CHECK(rr_ok(8, 8, 1), "a round trip after a control connection closed");
    usleep(50000);
}

static void test_udp(void)
{
    struct np_reply r;
    char text[512];
    uint8_t tx[100] = {0};
    uint64_t tok, tok2;
    /* the control connection comes from 127.0.0.1, the datagrams from 127.0.0.2 and a port
       the server was never told of: as through a NAT that rewrites both */
    int ctl = udp_register(100, 100, &tok), u = udp_sock(0x7f000002);
    int stranger = udp_sock(0x7f000001), ctl2, u2;

    CHECK(bind_ok(u, tok), "a bind from another address and port is acknowledged");
    CHECK(udp_trips(u, 100, 100, 50, 0) == 50, "50 udp round trips after the bind");
    send(u, tx, 99, 0);
    CHECK(silent(u), "no reply to a wrong-size datagram");
    send(stranger, tx, sizeof(tx), 0);
    want_malformed++;
    CHECK(silent(stranger), "no reply to an unregistered sender");
    send_bind(u, NP_BIND_REQ, tok); /* its ack was lost, say: acknowledged again */
    CHECK(got_ack(u, tok), "a repeated bind is acknowledged again by the session");
    CHECK(udp_trips(u, 100, 100, 5, 77) == 5, "the session still answers");
    /* a second session from the same address: each gets its own replies; its requests are
       as long as a bind, and a repeated bind is still told from a request */
    ctl2 = udp_register(NP_BIND_LEN, NP_BIND_LEN, &tok2);
    u2 = udp_sock(0x7f000002);
    CHECK(tok2 != tok, "tokens differ");
    CHECK(bind_ok(u2, tok2), "the second session binds");
    CHECK(udp_trips(u2, NP_BIND_LEN, NP_BIND_LEN, 20, 1000) == 20 &&
              udp_trips(u, 100, 100, 5, 2000) == 5,
          "two sessions side by side");
    send_bind(u2, NP_BIND_REQ, tok2);
    CHECK(got_ack(u2, tok2), "a repeated bind of request size is acknowledged");
    send_bind(u2, NP_BIND_REQ, tok); /* the other session's token, from this one's source */
    CHECK(silent(u2), "a session ignores another session's token");
    CHECK(udp_trips(u2, NP_BIND_LEN, NP_BIND_LEN, 5, 3000) == 5, "the second session answers");
    close(ctl2);
    close(u2);
    /* data on the control connection is a protocol error */
    send(ctl, "x", 1, MSG_NOSIGNAL);
    CHECK(reply(ctl, &r, text, sizeof(text)) == NP_E_FIELD, "data on udp control: %s", text);
    close(ctl);
    close(u);
    close(stranger);
    settle();
}

/* Bind tokens that must bind nothing: garbled, unknown, replayed, orphaned, timed out. */
static void test_udp_tokens(void)
{
    uint8_t d[64] = {0}; /* a bind, or a 64-byte request */
    struct np_reply r;
    char text[256];
    uint64_t tok, tok2;
    int g = udp_sock(0x7f000001), u = udp_sock(0x7f000002), u2 = udp_sock(0x7f000002);
    int ctl = udp_register(64, 64, &tok);

    /* garbled binds carrying the live token: magic, version 1, an ack sent to the server,
       unknown kind, reserved byte, zero token, short, long */
    static const struct {
        int at, val, len;
    } bad[] = {{0, 'X', NP_BIND_LEN},     {4, 1, NP_BIND_LEN},      {5, NP_BIND_ACK, NP_BIND_LEN},
               {5, 9, NP_BIND_LEN},       {7, 1, NP_BIND_LEN},      {8, -1, NP_BIND_LEN},
               {0, 'V', NP_BIND_LEN - 1}, {0, 'V', NP_BIND_LEN + 1}};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct np_bind b = {.kind = NP_BIND_REQ, .token = tok};
        np_bind_encode(&b, d);
        d[NP_BIND_LEN] = 0;
        if (bad[i].val < 0)
            memset(d + 8, 0, NP_TOKEN_LEN);
        else
            d[bad[i].at] = (uint8_t)bad[i].val;
        send(g, d, (size_t)bad[i].len, 0);
        want_malformed++;
    }
    send_bind(g, NP_BIND_REQ, tok ^ 0x5a5a5a5a5a5a5a5aull);
    want_unknown++;
    /* bound within the handshake timeout, which an unbound session does not outlive */
    CHECK(bind_ok(u, tok), "garbled and unknown binds did not use the token up");
    CHECK(silent(g), "no answer to garbled binds or an unknown token");
    send_bind(g, NP_BIND_REQ, tok); /* single use: a replay from another port */
    want_unknown++;
    CHECK(silent(g), "a replayed token from another port is not answered");
    CHECK(udp_trips(u, 64, 64, 10, 0) == 10, "the bound session is untouched by the replay");
    close(ctl); /* the control connection closes: the session ends, the token is dead */
    settle();
    send_bind(u, NP_BIND_REQ, tok);
    want_unknown++;
    CHECK(silent(u), "a token is dead once its control connection closed");
    send(u, d, 64, 0);
    want_malformed++;
    CHECK(silent(u), "no round trips once the control connection closed");
    ctl = udp_register(64, 64, &tok2); /* registered, closed before any bind */
    close(ctl);
    settle();
    send_bind(u2, NP_BIND_REQ, tok2);
    want_unknown++;
    CHECK(silent(u2), "a token whose connection closed before the bind binds nothing");
    ctl = udp_register(64, 64, &tok2); /* registered, never bound: refused in time */
    CHECK(reply(ctl, &r, text, sizeof(text)) == NP_E_TIMEOUT && strstr(text, "no UDP bind"),
          "a session without a bind times out: '%s'", text);
    CHECK(closed_by_server(ctl), "server closes a session that never bound");
    close(ctl);
    settle();
    send_bind(u2, NP_BIND_REQ, tok2);
    want_unknown++;
    CHECK(silent(u2), "a timed-out token binds nothing");
    close(g);
    close(u);
    close(u2);
}

static void test_malformed(void)
{
    uint8_t b[NP_HELLO_LEN];
    struct np_hello h = {.test = NP_TEST_RR, .req_size = 64, .resp_size = 64};

    np_hello_encode(&h, b);
    memcpy(b, "GET / HTTP/1.0\r\n\r\n", 18);
    expect_refusal(b, sizeof(b), NP_E_MAGIC, "bad magic");
    np_hello_encode(&h, b);
    b[4] = 9;
    expect_refusal(b, sizeof(b), NP_E_VERSION, "version 9");
    h.test = NP_TEST_UDP_RR; /* a v1 udp_rr hello announcing its UDP port (bytes 20-21) */
    np_hello_encode(&h, b);
    b[4] = 1;
    b[20] = 0x9c;
    b[21] = 0x40;
    expect_refusal(b, sizeof(b), NP_E_VERSION, "version 1 is not supported (this server speaks 2)");
    h.test = NP_TEST_RR;
    np_hello_encode(&h, b);
    b[5] = 200;
    expect_refusal(b, sizeof(b), NP_E_TEST, "unknown test");
    np_hello_encode(&h, b);
    b[30] = 1;
    expect_refusal(b, sizeof(b), NP_E_FIELD, "reserved");
    h.req_size = MAX_MSG + 1;
    np_hello_encode(&h, b);
    expect_refusal(b, sizeof(b), NP_E_SIZE, "--max-msg");
    h.req_size = 0xffffffffu;
    np_hello_encode(&h, b);
    expect_refusal(b, sizeof(b), NP_E_SIZE, "4294967295");
    h.req_size = 0;
    np_hello_encode(&h, b);
    expect_refusal(b, sizeof(b), NP_E_SIZE, "zero");
    /* a partial hello that stalls: refused after the handshake timeout */
    expect_refusal(b, 10, NP_E_TIMEOUT, "no complete hello");
    CHECK(rr_ok(64, 64, 10), "good client after malformed hellos");
}

static void test_bad_clients(void)
{
    uint8_t b[NP_HELLO_LEN + 32], big[MAX_MSG];
    struct np_hello h = {.test = NP_TEST_RR, .req_size = 64, .resp_size = MAX_MSG};
    struct np_reply r;
    char text[256];
    int fd, st;

    /* vanishing: truncated hello, then gone */
    for (int i = 0; i < 20; i++) {
        fd = tcp();
        send(fd, "VBNP", 4, MSG_NOSIGNAL);
        close(fd);
    }
    /* vanishing mid-request */
    fd = tcp();
    np_hello_encode(&h, b);
    send(fd, b, NP_HELLO_LEN, MSG_NOSIGNAL);
    reply(fd, &r, text, sizeof(text));
    send(fd, big, 20, MSG_NOSIGNAL);
    close(fd);
    /* half-open: no more requests */
    fd = hello_bytes(b, NP_HELLO_LEN, &st, &r, text, sizeof(text));
    CHECK(fd >= 0 && st == NP_OK, "hello for half-open");
    shutdown(fd, SHUT_WR);
    CHECK(closed_by_server(fd), "server closes a half-open connection");
    close(fd);
    /* stalled reader: requests of 64 B each asking 4 KiB, never reading: the server's sends
       fill the socket, and the idle timeout (1 s) closes it */
    fd = hello_bytes(b, NP_HELLO_LEN, &st, &r, text, sizeof(text));
    CHECK(fd >= 0 && st == NP_OK, "hello for the stalled reader");
    {
        int small = 4096;
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
    }
    {
        struct timeval tv = {.tv_usec = 100000};
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
        for (int i = 0; i < 4000; i++)
            if (send(fd, big, 64, MSG_NOSIGNAL) < 0)
                break;
    }
    sleep(3);
    {
        char c;
        ssize_t n;
        int err = 0;
        /* drain what was sent before the close; then EOF or reset */
        fcntl(fd, F_SETFL, O_NONBLOCK);
        while ((n = recv(fd, big, sizeof(big), 0)) > 0)
            ;
        err = n < 0 ? errno : 0;
        CHECK(n == 0 || err == ECONNRESET, "stalled client was closed (n=%zd, %s)", n,
              strerror(err));
        (void)c;
    }
    close(fd);
    /* garbage of every length */
    for (int len = 1; len <= 64; len++) {
        fd = tcp();
        for (int i = 0; i < len; i++)
            big[i] = (uint8_t)(len * 31 + i * 7);
        send(fd, big, (size_t)len, MSG_NOSIGNAL);
        close(fd);
    }
    CHECK(rr_ok(64, 64, 10), "good client after bad clients");
}

static void test_max_conns(void)
{
    int fds[MAX_CONNS], fd;
    struct np_reply r;
    char text[256];
    uint8_t b[NP_HELLO_LEN];
    struct np_hello h = {.test = NP_TEST_RR, .req_size = 8, .resp_size = 8};

    np_hello_encode(&h, b);
    for (int i = 0; i < MAX_CONNS; i++) {
        int st;
        fds[i] = hello_bytes(b, sizeof(b), &st, &r, text, sizeof(text));
        CHECK(fds[i] >= 0 && st == NP_OK, "connection %d of %d", i + 1, MAX_CONNS);
    }
    fd = tcp();
    send(fd, b, sizeof(b), MSG_NOSIGNAL);
    CHECK(reply(fd, &r, text, sizeof(text)) == NP_E_BUSY, "one past --max-conns is refused");
    CHECK(strstr(text, "--max-conns") && strstr(text, "busy"), "the refusal explains itself: '%s'",
          text);
    close(fd);
    close(fds[0]);
    usleep(200000);
    CHECK(rr_ok(8, 8, 5), "a slot freed by a leaving client is usable");
    for (int i = 1; i < MAX_CONNS; i++)
        close(fds[i]);
    usleep(200000);
}

/* Connections handed to worker threads (each has sent data) still hold their slots: one
   past --max-conns is refused, and the summary's peak is the limit, not the loop's share
   (before: 8 open with --max-conns 4 --workers 4, "peak 4"). */
static void test_max_conns_busy(void)
{
    static uint8_t tx[64], rx[64];
    int fds[MAX_CONNS], fd, st;
    struct np_reply r;
    char text[256];

    for (int i = 0; i < MAX_CONNS; i++) {
        fds[i] = hello(NP_TEST_RR, 8, 8, &st, &r, text, sizeof(text));
        CHECK(fds[i] >= 0 && st == NP_OK, "busy connection %d of %d", i + 1, MAX_CONNS);
        np_seq_put(tx, 8, 7u);
        CHECK(fds[i] >= 0 && send(fds[i], tx, 8, MSG_NOSIGNAL) == 8 &&
                  netl_recv_all(fds[i], rx, 8) == 0,
              "a round trip on connection %d", i + 1);
    }
    usleep(100000);
    fd = tcp();
    np_hello_encode(&(struct np_hello){.test = NP_TEST_RR, .req_size = 8, .resp_size = 8}, tx);
    send(fd, tx, NP_HELLO_LEN, MSG_NOSIGNAL);
    CHECK(reply(fd, &r, text, sizeof(text)) == NP_E_BUSY,
          "one past --max-conns is refused while all are busy (with workers too)");
    CHECK(strstr(text, "6 connections are open"), "the refusal counts every one: '%s'", text);
    close(fd);
    for (int i = 0; i < MAX_CONNS; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    usleep(300000);
}

int main(void)
{
    static const char *const modes[] = {"256", "0"};
    signal(SIGPIPE, SIG_IGN);
    alarm(120);
    for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
        fprintf(stderr, "--- viobench serve --workers %s\n", modes[m]);
        start_server(modes[m]);
        test_good();
        test_crr();
        test_udp();
        test_udp_tokens();
        test_malformed();
        test_bad_clients();
        test_max_conns();
        test_max_conns_busy();
        CHECK(rr_ok(64, 64, 10), "good client at the end");
        stop_server();
    }
    return check_done("test_net_serve");
}
