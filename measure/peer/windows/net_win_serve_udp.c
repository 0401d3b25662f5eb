/*
 * UDP round trips in `viobench serve` on Windows (protocol 2, as measure/kernels/linux/
 * net_serve_udp.c): a udp_rr hello registers a session and gets a random 64-bit token as
 * its reply's text; the client sends the token in a bind datagram from its UDP socket to
 * the listener's UDP port, and the server learns the client's address from where that
 * datagram came from, after any NAT. Unlike Linux, sessions share the listener's socket
 * (Windows does not promise to deliver datagrams to the connected one of two sockets on
 * the same port): one thread per listener sorts each datagram by its source address. A
 * bound source's datagrams are its session's round trips (or a repeated bind, acknowledged
 * again); from any other source only a bind carrying the token of a session still waiting
 * for one, on this listener, while its control connection lives, is answered (with an ack
 * of the same size). Everything else is counted (malformed, unknown token, wrong size)
 * and dropped unanswered, so the port neither reflects nor amplifies traffic.
 */
#include "net_win_serve_int.h"

#include "platform.h"

#include <windows.h>

#include <ntsecapi.h> /* RtlGenRandom (advapi32's SystemFunction036) */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int same_client(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
    if (a->ss_family != b->ss_family || netw_port(a) != netw_port(b))
        return 0;
    if (a->ss_family == AF_INET)
        return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
               ((const struct sockaddr_in *)b)->sin_addr.s_addr;
    return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
                  &((const struct sockaddr_in6 *)b)->sin6_addr, 16) == 0;
}

/* 64 random bits from the system's generator, never 0. 0 or -EIO. */
static int new_token(uint64_t *t)
{
    for (int i = 0; i < 4; i++) {
        if (!RtlGenRandom(t, sizeof(*t)))
            return -EIO;
        if (*t)
            return 0;
    }
    return -EIO;
}

int session_open(struct conn *c, const struct np_hello *h, uint8_t tok[NP_TOKEN_LEN], char *reason,
                 size_t len)
{
    struct server *s = c->s;
    uint64_t token;
    int idx = -1, clash;

    do {
        if (new_token(&token)) {
            snprintf(reason, len, "no random session token (RtlGenRandom failed)");
            return -1;
        }
        EnterCriticalSection(&s->lock);
        clash = 0;
        idx = -1;
        for (int i = 0; i < s->nsess; i++) {
            if (s->sess[i].used && s->sess[i].token == token)
                clash = 1;
            if (!s->sess[i].used && idx < 0)
                idx = i;
        }
        if (!clash && idx >= 0) {
            s->sess[idx] = (struct session){.token = token,
                                            .req = h->req_size,
                                            .resp = h->resp_size,
                                            .used = 1,
                                            .listener = c->listener};
            s->sess[idx].last_ns = (LONG64)pf_clock_ns();
        }
        LeaveCriticalSection(&s->lock);
    } while (clash);
    if (idx < 0) {
        snprintf(reason, len, "no free UDP session slot");
        return -1;
    }
    np_token_put(tok, token);
    return idx;
}

void session_close(struct server *s, int idx)
{
    EnterCriticalSection(&s->lock);
    s->sess[idx].used = 0;
    s->sess[idx].bound = 0;
    s->sess[idx].token = 0;
    LeaveCriticalSection(&s->lock);
}

/* The UDP control connection: nothing may arrive on it. Without a bind within the
   handshake timeout (from the accepted reply) the session is refused; once bound it lives
   while the client keeps the connection open and the session makes progress within the
   idle timeout. */
void udp_control(struct conn *c, int idx)
{
    struct server *s = c->s;
    const struct net_serve_cfg *cfg = s->cfg;
    for (;;) {
        int bound, n;
        EnterCriticalSection(&s->lock);
        bound = s->sess[idx].bound;
        LeaveCriticalSection(&s->lock);
        n = serve_recv(c, c->buf, CHUNK, bound ? cfg->idle_timeout_ns : cfg->handshake_timeout_ns);
        if (n == -ETIMEDOUT) {
            uint64_t udp_last;
            EnterCriticalSection(&s->lock);
            bound = s->sess[idx].bound;
            udp_last = (uint64_t)s->sess[idx].last_ns;
            LeaveCriticalSection(&s->lock);
            if (!bound) {
                char r[NP_REASON_MAX];
                session_close(s, idx);
                snprintf(r, sizeof(r), "timeout: no UDP bind datagram within %.3g s",
                         cfg->handshake_timeout_ns / 1e9);
                serve_refuse(c, NP_E_TIMEOUT, r);
                return;
            }
            if ((double)(pf_clock_ns() - udp_last) <= cfg->idle_timeout_ns) {
                c->last_ns = udp_last; /* datagrams are progress */
                continue;
            }
            serve_count(&s->idle_closed);
            break;
        }
        if (n <= 0)
            break;
        session_close(s, idx);
        serve_refuse(c, NP_E_FIELD, "data on a UDP control connection");
        return;
    }
    session_close(s, idx);
}

static void send_ack(SOCKET u, uint64_t token, const struct sockaddr_storage *to, int tolen)
{
    struct np_bind a = {.kind = NP_BIND_ACK, .token = token};
    uint8_t out[NP_BIND_LEN];
    np_bind_encode(&a, out);
    sendto(u, (const char *)out, sizeof(out), 0, (const struct sockaddr *)to, tolen);
}

/* The bound session of listener li whose client is from (hint first): its index, or -1.
   Under s->lock. */
static int find_bound(struct server *s, int li, const struct sockaddr_storage *from, int hint)
{
    const struct session *h = hint >= 0 && hint < s->nsess ? &s->sess[hint] : NULL;
    if (h && h->used && h->bound && h->listener == li && same_client(&h->client, from))
        return hint;
    for (int i = 0; i < s->nsess; i++) {
        const struct session *x = &s->sess[i];
        if (x->used && x->bound && x->listener == li && same_client(&x->client, from))
            return i;
    }
    return -1;
}

/* A datagram from a source no session is bound to: a bind with the token of a session of
   listener li still waiting for one binds it to from and is acknowledged; everything else
   is counted and dropped. */
static void unknown_source(struct server *s, SOCKET u, int li, const uint8_t *buf, int n,
                           const struct sockaddr_storage *from, int fl)
{
    struct np_bind b;
    int idx = -1;

    if (n < 0 || np_bind_parse(buf, (size_t)n, &b) || b.kind != NP_BIND_REQ) {
        serve_count(&s->udp_malformed);
        return;
    }
    EnterCriticalSection(&s->lock);
    for (int i = 0; i < s->nsess && idx < 0; i++) {
        struct session *x = &s->sess[i];
        if (x->used && !x->bound && x->listener == li && x->token == b.token) {
            x->client = *from;
            x->bound = 1;
            x->last_ns = (LONG64)pf_clock_ns();
            idx = i;
        }
    }
    LeaveCriticalSection(&s->lock);
    if (idx < 0) {
        serve_count(&s->udp_unknown);
        return;
    }
    serve_count(&s->udp_binds);
    send_ack(u, b.token, from, fl);
}

/* Datagrams of one listener's UDP socket, sorted by source address. */
DWORD WINAPI udp_main(void *arg)
{
    struct server *s = ((void **)arg)[0];
    int li = (int)(intptr_t)((void **)arg)[1], hint = -1;
    SOCKET u = s->ls[li].udp;
    uint8_t *buf = malloc(NP_UDP_MAX + 1), *out = malloc(NP_UDP_MAX + 1);

    free(arg);
    while (buf && out && !serve_stop) {
        struct sockaddr_storage from;
        int fl = sizeof(from), n, idx;
        uint32_t req = 0, resp = 0;
        uint64_t token = 0;
        if (serve_wait_fd(u, 0, SLICE_MS) <= 0)
            continue;
        n = recvfrom(u, (char *)buf, NP_UDP_MAX + 1, 0, (struct sockaddr *)&from, &fl);
        if (n < 0) {
            /* a datagram over the buffer is cut and reported as WSAEMSGSIZE (with its
               source): oversized; any other error (an ICMP report) carries no datagram */
            if (WSAGetLastError() != WSAEMSGSIZE)
                continue;
            n = -1;
        }
        EnterCriticalSection(&s->lock);
        idx = find_bound(s, li, &from, hint);
        if (idx >= 0) {
            struct session *x = &s->sess[idx];
            req = x->req;
            resp = x->resp;
            token = x->token;
            x->last_ns = (LONG64)pf_clock_ns();
            hint = idx;
        }
        LeaveCriticalSection(&s->lock);
        if (idx < 0) {
            unknown_source(s, u, li, buf, n, &from, fl);
            continue;
        }
        if (n == NP_BIND_LEN) {
            struct np_bind b;
            if (np_bind_parse(buf, (size_t)n, &b) == 0) { /* a repeated bind (its ack was lost) */
                if (b.kind == NP_BIND_REQ && b.token == token)
                    send_ack(u, token, &from, fl);
                continue;
            }
        }
        if (n < 0 || (uint32_t)n != req) {
            serve_count(&s->udp_bad_len);
            continue;
        }
        {
            size_t k = req < resp ? req : resp;
            k = k < NP_SEQ_LEN ? k : NP_SEQ_LEN;
            memcpy(out, buf, k);
            memcpy(out + k, serve_filler, resp - k);
            if (sendto(u, (const char *)out, (int)resp, 0, (struct sockaddr *)&from, fl) >= 0)
                serve_count(&s->udp_replies);
        }
    }
    free(buf);
    free(out);
    InterlockedDecrement(&s->threads);
    return 0;
}
