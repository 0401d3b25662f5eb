/*
 * UDP round trips in `viobench serve` on Windows: a udp_rr hello registers the client's
 * address and UDP port as a session; one thread per listener answers the datagrams of
 * registered sessions from the listener's UDP socket (the port the reply named) and counts
 * the rest. Unlike Linux, sessions share the listener's socket: Windows does not promise to
 * deliver datagrams to the connected one of two sockets on the same port.
 */
#include "net_win_serve_int.h"

#include "platform.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int same_client(const struct sockaddr_storage *a, const struct sockaddr_storage *b,
                       int port_too)
{
    if (a->ss_family != b->ss_family)
        return 0;
    if (port_too && netw_port(a) != netw_port(b))
        return 0;
    if (a->ss_family == AF_INET)
        return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
               ((const struct sockaddr_in *)b)->sin_addr.s_addr;
    return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
                  &((const struct sockaddr_in6 *)b)->sin6_addr, 16) == 0;
}

/* Register the client's UDP port; the session index, or -1 with a reason. */
int session_open(struct conn *c, const struct np_hello *h, char *reason, size_t len)
{
    struct server *s = c->s;
    struct sockaddr_storage to = c->peer;
    int idx = -1;

    netw_set_port(&to, h->udp_port);
    EnterCriticalSection(&s->lock);
    for (int i = 0; i < s->nsess; i++) {
        if (s->sess[i].used && same_client(&s->sess[i].client, &to, 1)) {
            snprintf(reason, len, "UDP port %u is already registered", h->udp_port);
            LeaveCriticalSection(&s->lock);
            return -1;
        }
        if (!s->sess[i].used && idx < 0)
            idx = i;
    }
    if (idx < 0) {
        snprintf(reason, len, "no free UDP session slot");
        LeaveCriticalSection(&s->lock);
        return -1;
    }
    s->sess[idx] = (struct session){
        .client = to, .req = h->req_size, .resp = h->resp_size, .used = 1, .listener = c->listener};
    s->sess[idx].last_ns = (LONG64)pf_clock_ns();
    LeaveCriticalSection(&s->lock);
    return idx;
}

void session_close(struct server *s, int idx)
{
    EnterCriticalSection(&s->lock);
    s->sess[idx].used = 0;
    LeaveCriticalSection(&s->lock);
}

/* The UDP control connection: nothing may arrive on it; it lives while the client keeps it
   open and the session makes progress within the idle timeout. */
void udp_control(struct conn *c, int idx)
{
    struct server *s = c->s;
    for (;;) {
        int n = serve_recv(c, c->buf, CHUNK, s->cfg->idle_timeout_ns);
        if (n == -ETIMEDOUT) {
            uint64_t udp_last = (uint64_t)s->sess[idx].last_ns;
            if ((double)(pf_clock_ns() - udp_last) <= s->cfg->idle_timeout_ns) {
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

/* Datagrams of one listener's UDP socket: answered for registered sessions only. */
DWORD WINAPI udp_main(void *arg)
{
    struct server *s = ((void **)arg)[0];
    int li = (int)(intptr_t)((void **)arg)[1];
    SOCKET u = s->ls[li].udp;
    char *buf = malloc(NP_UDP_MAX + 1), *out = malloc(NP_UDP_MAX + 1);

    free(arg);
    while (buf && out && !serve_stop) {
        struct sockaddr_storage from;
        int fl = sizeof(from), n, idx = -1;
        uint32_t req = 0, resp = 0;
        if (serve_wait_fd(u, 0, SLICE_MS) <= 0)
            continue;
        n = recvfrom(u, buf, NP_UDP_MAX + 1, 0, (struct sockaddr *)&from, &fl);
        if (n < 0)
            continue;
        EnterCriticalSection(&s->lock);
        for (int i = 0; i < s->nsess; i++)
            if (s->sess[i].used && s->sess[i].listener == li &&
                same_client(&s->sess[i].client, &from, 1)) {
                idx = i;
                req = s->sess[i].req;
                resp = s->sess[i].resp;
                s->sess[i].last_ns = (LONG64)pf_clock_ns();
                break;
            }
        LeaveCriticalSection(&s->lock);
        if (idx < 0) {
            serve_count(&s->udp_unknown);
            continue;
        }
        if ((uint32_t)n != req) {
            serve_count(&s->udp_bad_len);
            continue;
        }
        {
            size_t k = req < resp ? req : resp;
            k = k < NP_SEQ_LEN ? k : NP_SEQ_LEN;
            memcpy(out, buf, k);
            memcpy(out + k, serve_filler, resp - k);
            if (sendto(u, out, (int)resp, 0, (struct sockaddr *)&from, fl) >= 0)
                serve_count(&s->udp_replies);
        }
    }
    free(buf);
    free(out);
    InterlockedDecrement(&s->threads);
    return 0;
}
