/*
 * netstress: hold many idle connections on a `viobench serve` and throw malformed requests
 * at it, printing the server's resident memory at each step, then check that it still
 * answers a well-formed client and every idle connection. Used by scripts/bench-serve for
 * the "1,000 idle connections and 10,000 malformed requests, memory flat" figure.
 *
 *   netstress PORT SERVER_PID [IDLE [MALFORMED]]       (defaults 1000 and 10000)
 * Exit status: 0 every check passed, 1 otherwise.
 */
#include "linux/net_linux.h"
#include "netproto.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static int port, failures;
static pid_t server;

static long rss_kib(void)
{
    char path[64], line[256];
    long kib = -1;
    FILE *f;
    snprintf(path, sizeof(path), "/proc/%d/status", (int)server);
    f = fopen(path, "r");
    if (!f)
        return -1;
    while (fgets(line, sizeof(line), f))
        if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
            break;
    fclose(f);
    return kib;
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* A blocking connection to the server with 5 s send and receive timeouts, or -errno. */
static int tcp(void)
{
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    char err[200];
    return netl_connect((struct sockaddr *)&a, sizeof(a), 5000, err, sizeof(err));
}

/* The reply status (text discarded), or -1. */
static int read_reply(int fd)
{
    uint8_t b[NP_REPLY_LEN];
    char text[1024], err[200];
    struct np_reply r;
    if (netl_recv_all(fd, b, sizeof(b)) || np_reply_parse(b, &r, err, sizeof(err)) ||
        r.text_len > sizeof(text) || netl_recv_all(fd, text, r.text_len))
        return -1;
    return r.status;
}

static int rr(int fd, uint64_t seq)
{
    uint8_t m[64];
    np_seq_put(m, sizeof(m), seq);
    if (send(fd, m, sizeof(m), MSG_NOSIGNAL) != (ssize_t)sizeof(m) ||
        netl_recv_all(fd, m, sizeof(m)))
        return -1;
    return np_seq_match(m, sizeof(m), seq) ? 0 : -1;
}

static int open_rr(void)
{
    struct np_hello h = {.test = NP_TEST_RR, .req_size = 64, .resp_size = 64};
    uint8_t b[NP_HELLO_LEN];
    int fd = tcp();
    if (fd < 0)
        return -1;
    np_hello_encode(&h, b);
    if (send(fd, b, sizeof(b), MSG_NOSIGNAL) != NP_HELLO_LEN || read_reply(fd) != NP_OK) {
        close(fd);
        return -1;
    }
    return fd;
}

/* One malformed request of kind k; 1 when the server reacted as it should. */
static int malformed(unsigned k, unsigned i)
{
    static const char http[] = "GET / HTTP/1.1\r\nHost: viobench\r\nUser-Agent: x\r\n\r\n";
    struct np_hello h = {.test = NP_TEST_RR, .req_size = 64, .resp_size = 64};
    uint8_t b[128];
    int fd = tcp(), want = -1, ok;
    size_t len = NP_HELLO_LEN;

    if (fd < 0)
        return 0;
    np_hello_encode(&h, b);
    switch (k % 10) {
    case 0: /* random bytes */
        for (size_t j = 0; j < NP_HELLO_LEN; j++)
            b[j] = (uint8_t)((i * 2654435761u) >> (j % 24));
        b[0] = 'X';
        want = NP_E_MAGIC;
        break;
    case 1:
        b[4] = (uint8_t)(2 + i % 200);
        want = NP_E_VERSION;
        break;
    case 2:
        b[5] = (uint8_t)(7 + i % 200);
        want = NP_E_TEST;
        break;
    case 3:
        b[22 + i % 10] = 0xff;
        want = NP_E_FIELD;
        break;
    case 4:
        h.req_size = 0x7fffffffu - i;
        np_hello_encode(&h, b);
        want = NP_E_SIZE;
        break;
    case 5:
        h.resp_size = 0xffffffffu;
        np_hello_encode(&h, b);
        want = NP_E_SIZE;
        break;
    case 6: /* a truncated hello, then gone */
        len = 1 + i % 31;
        break;
    case 7: /* a good hello, half a request, then gone */
        len = NP_HELLO_LEN + 20;
        break;
    case 8:
        memcpy(b, http, sizeof(http) - 1);
        len = sizeof(http) - 1;
        want = NP_E_MAGIC;
        break;
    default: /* connect and leave at once */
        len = 0;
        break;
    }
    if (len && send(fd, b, len, MSG_NOSIGNAL) != (ssize_t)len) {
        close(fd);
        return 0;
    }
    if (k % 10 == 7)
        ok = read_reply(fd) == NP_OK;
    else
        ok = want < 0 || read_reply(fd) == want;
    close(fd);
    return ok;
}

int main(int argc, char **argv)
{
    struct rlimit rl;
    int idle, nbad, *fds, alive = 0, good = 0, stalled[16];
    long r0, r1, r2, r3;
    double t;

    if (argc < 3) {
        fprintf(stderr, "usage: netstress PORT SERVER_PID [IDLE [MALFORMED]]\n");
        return 2;
    }
    port = atoi(argv[1]);
    server = (pid_t)atoi(argv[2]);
    idle = argc > 3 ? atoi(argv[3]) : 1000;
    nbad = argc > 4 ? atoi(argv[4]) : 10000;
    signal(SIGPIPE, SIG_IGN);
    getrlimit(RLIMIT_NOFILE, &rl);
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    fds = calloc((size_t)idle, sizeof(*fds));
    if (!fds)
        return 1;

    r0 = rss_kib();
    printf("server RSS at start:                        %6ld KiB\n", r0);
    t = now_s();
    for (int i = 0; i < idle; i++) {
        fds[i] = open_rr();
        if (fds[i] < 0) {
            printf("FAIL: idle connection %d of %d was not accepted\n", i + 1, idle);
            failures++;
            break;
        }
    }
    r1 = rss_kib();
    printf("server RSS holding %5d idle connections:   %6ld KiB  (%.1f s to open)\n", idle, r1,
           now_s() - t);

    t = now_s();
    for (int i = 0; i < 16; i++) { /* stalled partial hellos, refused at the handshake timeout */
        stalled[i] = tcp();
        if (stalled[i] >= 0)
            send(stalled[i], "VBNP", 4, MSG_NOSIGNAL);
    }
    for (int i = 0; i < nbad; i++)
        good += malformed((unsigned)i, (unsigned)i);
    for (int i = 0; i < 16; i++) {
        good += stalled[i] >= 0 && read_reply(stalled[i]) == NP_E_TIMEOUT;
        if (stalled[i] >= 0)
            close(stalled[i]);
    }
    usleep(300000); /* let the server finish closing */
    r2 = rss_kib();
    printf("server RSS after %5d malformed requests:   %6ld KiB  (%.1f s; %d of %d answered "
           "as expected)\n",
           nbad + 16, r2, now_s() - t, good, nbad + 16);
    if (good != nbad + 16) {
        printf("FAIL: %d malformed requests were not refused as expected\n", nbad + 16 - good);
        failures++;
    }

    {
        int fd = open_rr(), ok = fd >= 0;
        for (int i = 0; ok && i < 100; i++)
            ok = rr(fd, (uint64_t)i) == 0;
        if (fd >= 0)
            close(fd);
        printf("well-formed client after the flood:          %s\n",
               ok ? "100 round trips OK" : "FAILED");
        failures += !ok;
    }
    for (int i = 0; i < idle; i++)
        if (fds[i] >= 0 && rr(fds[i], 7u + (unsigned)i) == 0)
            alive++;
    r3 = rss_kib();
    printf("idle connections still answering:            %d of %d\n", alive, idle);
    printf("server RSS at the end:                      %6ld KiB\n", r3);
    if (alive != idle) {
        printf("FAIL: %d idle connections stopped answering\n", idle - alive);
        failures++;
    }
    for (int i = 0; i < idle; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    free(fds);
    printf("memory: +%ld KiB for %d idle connections (%.2f KiB each), %+ld KiB across the "
           "malformed requests\n",
           r1 - r0, idle, idle ? (double)(r1 - r0) / idle : 0.0, r2 - r1);
    return failures ? 1 : 0;
}
