/*
 * The wire protocol between the network kernels and `viobench serve`, kept apart from any
 * socket code so that a Windows client or server can speak it unchanged. It is small on
 * purpose: a client opens a stream connection (TCP or AF_VSOCK), sends one fixed 32-byte
 * hello naming the test and its message sizes, and the server answers with a 24-byte reply
 * (a status and, for a refusal, a one-line reason; for the info test, a JSON document).
 * After an accepted hello no framing is needed: the sizes are fixed by the hello, so a
 * round trip carries exactly req_size bytes one way and resp_size bytes back, and only the
 * first bytes of each message (the sequence stamp) have a meaning. UDP round trips are
 * registered by a TCP hello: the accepted reply carries a session token, the client sends
 * it in a bind datagram from its UDP socket (so the server learns the client's address as
 * it arrives, through any NAT), and after the acknowledgement the round trips travel as
 * bare datagrams of exactly req_size bytes.
 *
 * All integers are big-endian (network order). docs/ARCHITECTURE.md has the byte layout.
 */
#ifndef VB_NETPROTO_H
#define VB_NETPROTO_H

#include <stddef.h>
#include <stdint.h>

#define NP_MAGIC      "VBNP" /* first 4 bytes of every hello and reply */
#define NP_VERSION    2      /* 2: udp_rr binds by token (v1 announced its UDP port) */
#define NP_HELLO_LEN  32
#define NP_REPLY_LEN  24
#define NP_TEXT_MAX   (256u * 1024)        /* longest reply text (the info JSON) */
#define NP_MSG_LIMIT  (256u * 1024 * 1024) /* no server accepts messages beyond this */
#define NP_UDP_MAX    65507u               /* largest UDP payload over IPv4 */
#define NP_BUSY_MAX   100000u              /* longest SO_BUSY_POLL a client may ask, in us */
#define NP_SEQ_LEN    8                    /* sequence stamp at the start of a message */
#define NP_REASON_MAX 200                  /* longest refusal reason */
#define NP_TOKEN_LEN  8                    /* udp_rr session token: the accepted reply's text */
#define NP_BIND_MAGIC "VBNB"               /* first 4 bytes of a bind datagram or its ack */
#define NP_BIND_LEN   16                   /* bytes of a bind datagram and of its ack */

/* How a client repeats its bind datagram until the ack comes (both clients use these):
   every NP_BIND_EVERY_MS, at most NP_BIND_TRIES times (5 s: the server's default handshake
   timeout), then the client gives up. */
#define NP_BIND_EVERY_MS 100
#define NP_BIND_TRIES    50

enum np_test {
    NP_TEST_RR = 1,      /* request/response ping-pong on this connection */
    NP_TEST_CRR = 2,     /* one request/response with the hello, then the server closes */
    NP_TEST_STREAM = 3,  /* the client sends, the server reads and discards */
    NP_TEST_MAERTS = 4,  /* the server sends resp_size chunks until the client closes */
    NP_TEST_UDP_RR = 5,  /* register a UDP ping-pong; the reply text is its token */
    NP_TEST_INFO = 6,    /* reply text is the server's info JSON, then the server closes */
    NP_TEST_THREADS = 7, /* reply text is the server's threads report (np_threads), then it
                            closes; a server older than this test refuses it (NP_E_TEST) */
};
#define NP_TEST_MIN NP_TEST_RR
#define NP_TEST_MAX NP_TEST_THREADS

enum np_status {
    NP_OK = 0,
    NP_E_MAGIC = 1,     /* not a viobench hello */
    NP_E_VERSION = 2,   /* protocol version this server does not speak */
    NP_E_TEST = 3,      /* unknown test */
    NP_E_SIZE = 4,      /* a message size is zero or over the server's --max-msg */
    NP_E_BUSY = 5,      /* the server holds --max-conns connections already */
    NP_E_TIMEOUT = 6,   /* no complete hello within the handshake timeout */
    NP_E_FIELD = 7,     /* unknown flag, reserved field not zero, value out of range */
    NP_E_TRANSPORT = 8, /* the test cannot run over this transport (UDP over vsock) */
    NP_E_INTERNAL = 9,  /* the server ran out of a resource */
};
#define NP_STATUS_MAX NP_E_INTERNAL

#define NP_F_NODELAY 0x0001u /* the server sets TCP_NODELAY on its end too */
#define NP_F_KNOWN   NP_F_NODELAY

/* A hello, decoded. Sizes in bytes, busy_poll in microseconds. */
struct np_hello {
    uint8_t version;
    uint8_t test;          /* enum np_test */
    uint16_t flags;        /* NP_F_* */
    uint32_t req_size;     /* bytes per request (RR, CRR, UDP_RR); chunk size for STREAM */
    uint32_t resp_size;    /* bytes per response (RR, CRR, UDP_RR); chunk size for MAERTS */
    uint32_t busy_poll_us; /* SO_BUSY_POLL the server sets on its end, 0 for none */
};

/* A reply header, decoded. */
struct np_reply {
    uint8_t version;   /* the server's protocol version */
    uint8_t status;    /* enum np_status */
    uint32_t max_msg;  /* the server's --max-msg in bytes */
    uint16_t udp_port; /* UDP_RR: the server's UDP port */
    uint32_t text_len; /* bytes of text that follow the header (NP_TOKEN_LEN: udp_rr) */
};

/* The server's limits that a hello is checked against. */
struct np_limits {
    uint32_t max_msg; /* bytes */
    int vsock;        /* the connection is AF_VSOCK (no UDP) */
};

/* Encode a hello (magic, NP_VERSION unless h->version is set) into out. */
void np_hello_encode(const struct np_hello *h, uint8_t out[NP_HELLO_LEN]);
/*
 * Decode and check a hello against the limits. Returns NP_OK, or the refusal status with a
 * one-line reason for the client in reason (NUL-terminated, at most NP_REASON_MAX bytes).
 */
int np_hello_parse(const uint8_t in[NP_HELLO_LEN], const struct np_limits *lim, struct np_hello *h,
                   char *reason, size_t len);

/* Encode a reply header into out. */
void np_reply_encode(const struct np_reply *r, uint8_t out[NP_REPLY_LEN]);
/* Decode a reply header; 0, or -EPROTO with a reason (not a viobench server, bad length). */
int np_reply_parse(const uint8_t in[NP_REPLY_LEN], struct np_reply *r, char *err, size_t len);

/* Stable lower-case name of a test ("rr", "crr" ...) or status ("busy" ...); "?" if unknown. */
const char *np_test_name(int test);
const char *np_status_name(int status);

/* Stamp seq into the first min(len, NP_SEQ_LEN) bytes of a message (big-endian, low
   bytes kept when shorter). */
void np_seq_put(uint8_t *msg, size_t len, uint64_t seq);
/* 1 when the first min(len, NP_SEQ_LEN) bytes of msg carry seq as np_seq_put wrote it. */
int np_seq_match(const uint8_t *msg, size_t len, uint64_t seq);

/*
 * The UDP bind of a udp_rr session: the client sends NP_BIND_REQ with the token of its
 * accepted reply from its UDP socket to the server's UDP port until the server answers
 * NP_BIND_ACK with the same token from the session's socket. Both are NP_BIND_LEN bytes.
 */
enum np_bind_kind { NP_BIND_REQ = 1, NP_BIND_ACK = 2 };
struct np_bind {
    uint8_t kind;   /* enum np_bind_kind */
    uint64_t token; /* never 0 */
};
/* Encode a bind datagram or its acknowledgement into out. */
void np_bind_encode(const struct np_bind *b, uint8_t out[NP_BIND_LEN]);
/* Decode a datagram of len bytes as a bind or ack: 0, or -EPROTO when it is anything else
   (length, magic, version, kind, reserved bytes, a zero token). */
int np_bind_parse(const uint8_t *in, size_t len, struct np_bind *b);
/* The 8-byte big-endian token of an accepted udp_rr reply's text, and back. */
void np_token_put(uint8_t out[NP_TOKEN_LEN], uint64_t token);
uint64_t np_token_get(const uint8_t in[NP_TOKEN_LEN]);
/* udp_rr client: the session token in an accepted reply's text of text_len bytes: 0 with
   *token set, or -EPROTO (with the reason in why) when the text is not a token. */
int np_reply_token(uint32_t text_len, const void *text, uint64_t *token, char *why, size_t len);

/*
 * The client side of the handshake, over any blocking stream connection: the caller's
 * exact-size send and receive (each 0 or -errno; -EPIPE when the peer closed) on conn.
 */
struct np_io {
    void *conn;
    int (*send_all)(void *conn, const void *buf, size_t n);
    int (*recv_all)(void *conn, void *buf, size_t n);
};
/* Send the hello and read the reply header and its text (text may be NULL to discard; it is
   NUL-terminated, cut at textlen-1). A refusal is -ECONNREFUSED with the server's reason in
   err; a bad reply -EPROTO. 0 or -errno. */
int np_handshake(const struct np_io *io, const struct np_hello *h, struct np_reply *r, char *text,
                 size_t textlen, char *err, size_t errlen);

/* Datagram I/O of a udp_rr client's UDP socket (connected to the server's UDP port), so the
   bind's schedule and checks are written once for every platform. */
struct np_dgram_io {
    void *conn;
    /* Send one datagram: 0 (also for an error worth trying again at the next round, e.g. an
       earlier datagram's ICMP report), or -errno for a real failure. */
    int (*send)(void *conn, const void *buf, size_t n);
    /* Wait at most timeout_ms for one datagram and read it into buf: its length (a
       truncated one is cut to n), 0 when none came in time or on a passing error. */
    int (*recv_wait)(void *conn, void *buf, size_t n, int timeout_ms);
    /* A monotonic clock in ms. */
    uint64_t (*now_ms)(void *conn);
};
/* udp_rr client: send the bind datagram carrying token every NP_BIND_EVERY_MS until the
   server's ack of that token comes back, at most NP_BIND_TRIES times; anything else that
   arrives is ignored. 0, or -errno with the reason in err (-ETIMEDOUT: no ack). */
int np_udp_bind(const struct np_dgram_io *io, uint64_t token, char *err, size_t errlen);

/*
 * The threads report (NP_TEST_THREADS): where each thread of the server process is now and
 * what it has done so far, so a client can take one report as its window begins and one as
 * it ends and tell which CPUs the server's working threads were on and how often they moved
 * (as it does from /proc for a peer it started itself). Text layout, big-endian:
 *   0 count(16)  2..3 zero, then count entries of 24 bytes:
 *   0 tid(32)  4 cpu(32, NP_CPU_UNKNOWN)  8 runtime_ns(64)  16 migrations(64, all ones unknown)
 * A report is refused unless its length is exactly 4 + 24 * count, count is at most
 * NP_THREADS_MAX, the reserved bytes are zero, every tid is non-zero and every cpu is below
 * NP_CPU_LIMIT or unknown.
 */
#define NP_THREADS_MAX   64          /* threads in one report */
#define NP_THREAD_LEN    24          /* bytes of one entry */
#define NP_CPU_LIMIT     4096u       /* CPU numbers a report may carry */
#define NP_CPU_UNKNOWN   0xffffffffu /* the thread's CPU could not be read */
#define NP_THREADS_BYTES (4 + NP_THREADS_MAX * NP_THREAD_LEN)
struct np_thread {
    uint32_t tid;        /* the server's thread id, never 0 */
    uint32_t cpu;        /* the CPU it is on (or last ran on), NP_CPU_UNKNOWN */
    uint64_t runtime_ns; /* CPU time it has used so far */
    int64_t migrations;  /* times it moved between CPUs so far, -1 unknown */
};
struct np_threads {
    unsigned n;
    struct np_thread t[NP_THREADS_MAX];
};
/* Encode a report (at most NP_THREADS_MAX threads) into out of len bytes: its length, or 0
   when out is too small. */
size_t np_threads_encode(const struct np_threads *r, uint8_t *out, size_t len);
/* Decode a report's text of len bytes: 0, or -EPROTO with the reason in err. */
int np_threads_parse(const uint8_t *in, size_t len, struct np_threads *r, char *err, size_t errlen);

/* A peer or listen address as the user writes it. */
enum np_addr_kind { NP_ADDR_IP = 1, NP_ADDR_VSOCK = 2 };
#define NP_VSOCK_ANY_CID  0xffffffffu /* VMADDR_CID_ANY */
#define NP_VSOCK_ANY_PORT 0xffffffffu /* VMADDR_PORT_ANY */
struct np_addr {
    int kind;       /* enum np_addr_kind */
    char host[256]; /* IP: numeric address or name, without brackets */
    unsigned port;  /* 0-65535 for IP (0: any), vsock port (NP_VSOCK_ANY_PORT: any) */
    unsigned cid;   /* vsock: context id (NP_VSOCK_ANY_CID when listening on any) */
};
/*
 * Parse "HOST:PORT", "[IPV6]:PORT", "vsock:PORT" or "vsock:CID:PORT" (PORT "0" for any).
 * 0, or -EINVAL with a one-line reason in err.
 */
int np_addr_parse(const char *s, struct np_addr *a, char *err, size_t len);
/* Format an address back in the same syntax into buf; returns buf. */
const char *np_addr_format(const struct np_addr *a, char *buf, size_t len);

#endif
