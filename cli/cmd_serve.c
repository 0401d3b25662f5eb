/*
 * `viobench serve`: the peer of the network kernels. One server answers every network
 * kernel (the hello of each connection says which); the run starts one itself on loopback
 * when no --peer is given, and a user runs one by hand on the other end of a path (another
 * guest, the host, a namespace). It binds to 127.0.0.1 unless told otherwise and bounds
 * connections, message sizes and time (measure/kernels/net.h; the server is per platform).
 */
#include "cli.h"
#include "log.h"
#include "net.h"
#include "opt.h"
#include "sysinfo.h"
#include "units.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#define EXIT_USAGE 2

/* The table fills the server's own settings directly; only the --listen addresses are
   parsed from their text into serve_cfg.listen afterwards. */
static struct net_serve_cfg serve_cfg;
static struct opt_list listen_args;

static const struct opt serve_opts[] = {
    {"listen", 'L', OPT_LIST, &listen_args, "ADDR:PORT",
     "listen here (repeatable): HOST:PORT, [IPV6]:PORT, vsock:PORT or vsock:CID:PORT; port 0 "
     "picks one (default 127.0.0.1:7700)"},
    {"max-conns", 0, OPT_INT, &serve_cfg.max_conns, "N",
     "connections held at once; one more is refused with a message (default 1024)"},
    {"max-msg", 0, OPT_SIZE, &serve_cfg.max_msg, "BYTES",
     "largest request or response a client may ask for (default 1M)"},
    {"idle-timeout", 0, OPT_DURATION, &serve_cfg.idle_timeout_ns, "TIME",
     "close a connection that makes no progress for TIME (default 60s)"},
    {"handshake-timeout", 0, OPT_DURATION, &serve_cfg.handshake_timeout_ns, "TIME",
     "refuse a connection without a complete hello after TIME (default 5s)"},
    {"duration", 0, OPT_DURATION, &serve_cfg.duration_ns, "TIME",
     "stop after TIME (default: run until Ctrl-C or SIGTERM)"},
    {"workers", 0, OPT_INT, &serve_cfg.max_workers, "N",
     "threads that take over busy round-trip and stream connections, so a round trip costs "
     "the server one recv and one send (default 256; 0 serves all from the event loop)"},
    {"cpu", 'c', OPT_INT, &serve_cfg.cpu, "N", "pin the server to CPU N"},
    {"ready-fd", 0, OPT_INT, &serve_cfg.ready_fd, "FD",
     "once listening, write the bound addresses (one a line) to FD and close it"},
    {"quiet", 'q', OPT_FLAG, &serve_cfg.quiet, NULL, "no start and stop lines on stderr"},
    {NULL},
};

static const struct cmd_help serve_help = {
    .name = "viobench serve",
    .usage = "[OPTIONS]",
    .summary = "Serve the network kernels (net/tcp_rr, net/udp_rr, net/tcp_crr, net/tcp_stream,\n"
               "net/tcp_maerts, net/vsock_rr) of a `viobench run --peer` on another machine,\n"
               "guest or namespace. Binds to 127.0.0.1 unless told otherwise; refuses politely\n"
               "past --max-conns and --max-msg; closes stalled, idle and garbage connections.\n"
               "Anyone who can reach a non-loopback address can use the server: bind it only\n"
               "where the benchmark runs.",
    .examples = "  viobench serve\n"
                "  viobench serve --listen 10.0.0.1:7700 --max-conns 64\n"
                "  viobench serve --listen vsock:7700            # guest-host without IP\n"
                "  viobench serve --listen 127.0.0.1:0 --ready-fd 3 3>port.txt",
    .more = "EXIT STATUS\n  0 stopped by Ctrl-C, SIGTERM or --duration; 1 could not listen; 2 bad "
            "usage",
};

static int check_args(struct net_serve_cfg *cfg)
{
    char err[300];

    if (listen_args.n > NET_MAX_LISTEN) {
        vb_err("serve: --listen: at most %d addresses", NET_MAX_LISTEN);
        return -EINVAL;
    }
    for (int i = 0; i < listen_args.n; i++) {
        if (np_addr_parse(listen_args.v[i], &cfg->listen[i], err, sizeof(err))) {
            vb_err("serve: --listen: %s", err);
            return -EINVAL;
        }
    }
    cfg->nlisten = listen_args.n;
    if (cfg->nlisten == 0) {
        cfg->nlisten = 1;
        cfg->listen[0].kind = NP_ADDR_IP;
        snprintf(cfg->listen[0].host, sizeof(cfg->listen[0].host), "127.0.0.1");
        cfg->listen[0].port = NET_DEFAULT_PORT;
    }
    if (cfg->max_conns < 1 || cfg->max_conns > 100000) {
        vb_err("serve: --max-conns: %d is out of range (1-100000)", cfg->max_conns);
        return -EINVAL;
    }
    if (cfg->max_msg < 1 || cfg->max_msg > NP_MSG_LIMIT) {
        vb_err("serve: --max-msg: %llu is out of range (1 byte to 256M)",
               (unsigned long long)cfg->max_msg);
        return -EINVAL;
    }
    if (cfg->idle_timeout_ns < 1e6 || cfg->handshake_timeout_ns < 1e6) {
        vb_err("serve: --%s: must be at least 1ms",
               cfg->idle_timeout_ns < 1e6 ? "idle-timeout" : "handshake-timeout");
        return -EINVAL;
    }
    if (cfg->max_workers < 0 || cfg->max_workers > 4096) {
        vb_err("serve: --workers: %d is out of range (0-4096)", cfg->max_workers);
        return -EINVAL;
    }
    if (cfg->duration_ns < 0) {
        vb_err("serve: --duration: must not be negative");
        return -EINVAL;
    }
    if (cfg->ready_fd != -1 && (cfg->ready_fd < 0 || fcntl(cfg->ready_fd, F_GETFD) < 0)) {
        vb_err("serve: --ready-fd: %d is not an open file descriptor", cfg->ready_fd);
        return -EINVAL;
    }
    return 0;
}

/* Warn when the server is reachable from beyond this machine. */
static void warn_exposure(const struct net_serve_cfg *cfg)
{
    for (int i = 0; i < cfg->nlisten; i++) {
        const struct np_addr *l = &cfg->listen[i];
        if (l->kind != NP_ADDR_IP || strncmp(l->host, "127.", 4) == 0 ||
            strcmp(l->host, "::1") == 0 || strcmp(l->host, "localhost") == 0)
            continue;
        if (!cfg->quiet)
            vb_warn("serve: listening on %s, not loopback: whoever reaches it can use it "
                    "(within --max-conns and --max-msg)",
                    l->host);
    }
}

int cmd_serve(int argc, char **argv)
{
    json_t *sys;
    char *sys_text = NULL;
    const char *pos[1];
    int ret, npos, status = EXIT_USAGE;

    memset(&listen_args, 0, sizeof(listen_args));
    memset(&serve_cfg, 0, sizeof(serve_cfg));
    serve_cfg.max_conns = NET_DEFAULT_CONNS;
    serve_cfg.max_msg = NET_DEFAULT_MAX_MSG;
    serve_cfg.idle_timeout_ns = 60 * NS_PER_S;
    serve_cfg.handshake_timeout_ns = 5 * NS_PER_S;
    serve_cfg.cpu = -1;
    serve_cfg.ready_fd = -1;
    serve_cfg.max_workers = 256;
    ret = opt_parse(serve_opts, &serve_help, argc, argv, pos, 0, &npos);
    if (ret) {
        status = ret == 1 ? 0 : EXIT_USAGE;
        goto out;
    }
    if (check_args(&serve_cfg))
        goto out;
    warn_exposure(&serve_cfg);
    /* What this machine is, for the clients' context.json (both ends of the path). */
    sys = sysinfo_detect(probe_live());
    if (sys)
        sys_text = json_dumps(sys, JSON_COMPACT);
    json_decref(sys);
    serve_cfg.sysinfo_json = sys_text;
    status = net_serve(&serve_cfg) ? 1 : 0;
out:
    free(sys_text);
    opt_list_free(&listen_args);
    return status;
}
