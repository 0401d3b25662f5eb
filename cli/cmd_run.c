/*
 * `viobench run`: choose kernels, decide the time source, run them, print the table and
 * write the run directory. Ctrl-C, SIGTERM and SIGHUP stop after the current window and
 * still write what completed, marked incomplete.
 */
#include "cli.h"
#include "jsonx.h"
#include "log.h"
#include "opt.h"
#include "pin.h"
#include "platform.h"
#include "units.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define EXIT_USAGE 2

/* What the option table fills: the kernels' options straight into the run's vb_opts (o),
   and the options only the command reads. --size stays apart so that "not given" is
   recorded as null (the kernels read 0 for the default). */
struct run_args {
    struct vb_opts o;
    const char *filter;
    const char *suite;
    int repetitions;
    const char *out;
    struct opt_list formats;
    struct opt_list labels;
    const char *timer;
    double noise_pct;
    const char *run_id;
    int quiet;
    uint64_t size;
};

static struct run_args a;

static const struct opt run_opts[] = {
    {"filter", 'f', OPT_STR, &a.filter, "PATTERN",
     "kernels to run: globs or whole name parts, comma-separated, '-' excludes"},
    {"suite", 's', OPT_STR, &a.suite, "NAME", "quick (default) or full"},
    {"repetitions", 'r', OPT_INT, &a.repetitions, "N",
     "measure every kernel N times, round-robin (default 1)"},
    {"min-time", 't', OPT_DURATION, &a.o.min_time_ns, "TIME",
     "measured window per kernel and repetition (default 0.5s)", .flags = OPT_F_RESULT},
    {"warmup", 0, OPT_DURATION, &a.o.warmup_ns, "TIME",
     "warm-up before each window (default min-time/5, at most 0.1s)", .flags = OPT_F_RESULT},
    {"cpu", 'c', OPT_INT, &a.o.cpu, "N", "pin the measuring thread to CPU N (hwloc)",
     .flags = OPT_F_RESULT},
    {"out", 'o', OPT_STR, &a.out, "DIR", "parent of the run directory (default results)"},
    {"format", 0, OPT_LIST, &a.formats, "LIST",
     "console,json,csv (default all; files always get context and histograms)", NULL, 1},
    {"label", 'l', OPT_LIST, &a.labels, "KEY=VALUE",
     "tag the run (repeatable), e.g. host=hv01 guest=rhel-9"},
    {"timer", 0, OPT_STR, &a.timer, "SOURCE", "auto (default), tsc or clock",
     .flags = OPT_F_RESULT},
    {"noise-threshold", 0, OPT_PERCENT, &a.noise_pct, "PCT",
     "flag a result noisy when steal time exceeds PCT of the window (default 5%)"},
    {"interval", 0, OPT_DURATION, &a.o.interval_ns, "TIME", "timer/wake period (default 1ms)",
     .flags = OPT_F_RESULT},
    {"rt-priority", 0, OPT_INT, &a.o.rt_priority, "N",
     "run timer/wake under SCHED_FIFO priority N (1-99)", .flags = OPT_F_RESULT},
    {"switch-clocksource", 0, OPT_FLAG, &a.o.switch_clocksource, NULL,
     "allow timer/clocksource to switch the system clocksource (root; restored after)",
     .flags = OPT_F_RESULT},
    {"target", 0, OPT_STR, &a.o.target, "PATH",
     "storage: DIR for a test file (default: the run directory), or a FILE or BLOCKDEV",
     .flags = OPT_F_RESULT},
    {"size", 0, OPT_SIZE, &a.size, "SIZE",
     "storage: test file size (default 256M in the quick suite, 1G in the full one)",
     .flags = OPT_F_RESULT},
    {"allow-destructive-writes", 0, OPT_FLAG, &a.o.allow_destructive_writes, NULL,
     "storage: let write kernels overwrite a --target FILE or BLOCKDEV (not mounted)",
     .flags = OPT_F_RESULT},
    {"peer", 0, OPT_STR, &a.o.peer, "HOST:PORT",
     "net/*: a `viobench serve` there (default: the run starts one on 127.0.0.1)",
     .flags = OPT_F_RESULT},
    {"vsock-peer", 0, OPT_STR, &a.o.vsock_peer, "CID:PORT",
     "net/vsock_rr: a `viobench serve --listen vsock:PORT` at that vsock CID and port",
     .flags = OPT_F_RESULT},
    {"peer-cpu", 0, OPT_INT, &a.o.peer_cpu, "N", "pin the peer the run starts to CPU N",
     .flags = OPT_F_RESULT},
    {"placement", 0, OPT_STR, &a.o.placement, "MODE",
     "net/*: client and local peer CPUs: cross-cpu (default), same-cpu, cross-core, "
     "cross-numa or scheduler",
     .flags = OPT_F_RESULT},
    {"rate", 0, OPT_RATE, &a.o.rate, "N/s",
     "net RR kernels: open loop at N transactions/s over all flows (default closed loop)",
     .flags = OPT_F_RESULT},
    {"flows", 0, OPT_INT, &a.o.flows, "N",
     "net/*: N connections at once, one thread each (rows named .../flows:F keep F)",
     .flags = OPT_F_RESULT},
    {"nagle", 0, OPT_FLAG, &a.o.nagle, NULL,
     "net/tcp_*: leave Nagle's algorithm on (default TCP_NODELAY on both ends)",
     .flags = OPT_F_RESULT},
    {"busy-poll", 0, OPT_DURATION, &a.o.busy_poll_ns, "TIME",
     "net/*: SO_BUSY_POLL for TIME on both ends (e.g. 50us; default off)", .flags = OPT_F_RESULT},
    {"net-io", 0, OPT_STR, &a.o.net_io, "MODE",
     "net/*: client I/O: blocking (default), epoll or spin", .flags = OPT_F_RESULT},
    {"run-id", 0, OPT_STR, &a.run_id, "ID", "name of the run directory (default: time-host-pid)"},
    {"quiet", 'q', OPT_FLAG, &a.quiet, NULL,
     "no progress (a line on a terminal, else one line per finished kernel)"},

    {NULL},
};

static const struct cmd_help run_help = {
    .name = "viobench run",
    .usage = "[OPTIONS] [PATTERN]",
    .summary = "Run benchmark kernels on this machine and write results/<run-id>/ with\n"
               "context.json, results.json (Google Benchmark JSON), results.csv and\n"
               "histograms.txt. PATTERN is the same as --filter.",
    .examples = "  viobench run --suite quick\n"
                "  viobench run --filter 'exit/*' --repetitions 9 --cpu 1\n"
                "  viobench run 'timer/read/*,-*coarse' --min-time 2s --format json\n"
                "  viobench run --label hypervisor=kvm --label guest=debian-12 --out /tmp/r\n"
                "  viobench run 'storage/*' --suite full --target /mnt/scratch --size 4G\n"
                "  viobench run 'net/*' --peer 10.0.0.2:7700 --flows 4 --rate 20k/s",
    .more = "EXIT STATUS\n  0 all kernels ran or were skipped, 1 a kernel failed, 2 bad usage,\n"
            "  130 interrupted by Ctrl-C, 143 by SIGTERM, 129 by SIGHUP (what completed is\n"
            "  written, context.json \"complete\": false); a repeated SIGTERM changes nothing,\n"
            "  a second Ctrl-C cleans up and exits at once (130)",
};

static int parse_formats(unsigned *fmt)
{
    if (a.formats.n == 0) {
        *fmt = VB_FMT_CONSOLE | VB_FMT_JSON | VB_FMT_CSV;
        return 0;
    }
    *fmt = 0;
    for (int i = 0; i < a.formats.n; i++) {
        const char *f = a.formats.v[i];
        if (strcmp(f, "console") == 0)
            *fmt |= VB_FMT_CONSOLE;
        else if (strcmp(f, "json") == 0)
            *fmt |= VB_FMT_JSON;
        else if (strcmp(f, "csv") == 0)
            *fmt |= VB_FMT_CSV;
        else {
            vb_err("run: --format: unknown format '%s' (expected console, json or csv)", f);
            return -EINVAL;
        }
    }
    return 0;
}

/* Check every --label is KEY=VALUE; with labels non-NULL, also store them there. */
static int parse_labels(json_t *labels)
{
    for (int i = 0; i < a.labels.n; i++) {
        char *eq = strchr(a.labels.v[i], '=');
        if (!eq || eq == a.labels.v[i]) {
            vb_err("run: --label: '%s' is not KEY=VALUE", a.labels.v[i]);
            return -EINVAL;
        }
        if (!labels)
            continue;
        *eq = 0;
        json_object_set_new(labels, a.labels.v[i], json_string(eq + 1));
        *eq = '=';
    }
    return 0;
}

static int check_args(unsigned *suite, enum ts_mode *mode)
{
    if (strcmp(a.suite, "quick") == 0)
        *suite = VB_SUITE_QUICK;
    else if (strcmp(a.suite, "full") == 0)
        *suite = VB_SUITE_FULL;
    else {
        vb_err("run: --suite: unknown suite '%s' (expected quick or full)", a.suite);
        return -EINVAL;
    }
    if (strcmp(a.timer, "auto") == 0)
        *mode = TS_AUTO;
    else if (strcmp(a.timer, "tsc") == 0)
        *mode = TS_WANT_TSC;
    else if (strcmp(a.timer, "clock") == 0)
        *mode = TS_WANT_CLOCK;
    else {
        vb_err("run: --timer: unknown source '%s' (expected auto, tsc or clock)", a.timer);
        return -EINVAL;
    }
    if (a.repetitions < 1 || a.repetitions > 1000) {
        vb_err("run: --repetitions: %d is out of range (1-1000)", a.repetitions);
        return -EINVAL;
    }
    if (a.o.min_time_ns <= 0) {
        vb_err("run: --min-time: must be more than zero");
        return -EINVAL;
    }
    if (a.size != UINT64_MAX && a.size < 1024 * 1024) {
        vb_err("run: --size: must be at least 1M");
        return -EINVAL;
    }
    if (a.o.cpu < -1 || a.o.cpu >= pf_ncpus()) {
        vb_err("run: --cpu: CPU %d does not exist here (0-%d)", a.o.cpu, pf_ncpus() - 1);
        return -EINVAL;
    }
    return 0;
}

static void make_run_id(char *buf, size_t len)
{
    char host[64] = "host", stamp[32];
    time_t t = time(NULL);
    struct tm tm;

    pf_hostname(host, sizeof(host));
    for (char *p = host; *p; p++)
        if (*p == '/' || *p == ' ' || *p == '.')
            *p = '-';
    gmtime_r(&t, &tm);
    strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
    snprintf(buf, len, "%s-%s-%d", stamp, host, (int)getpid());
}

/* Create OUT/RUN_ID; refuses an existing run directory. */
static int make_run_dir(char *dir, size_t len, const char *run_id)
{
    int ret = pf_mkdir_p(a.out, 0755);
    if (ret) {
        vb_err("run: --out %s: cannot create directory: %s", a.out, strerror(-ret));
        return ret;
    }
    snprintf(dir, len, "%s/%s", a.out, run_id);
    if (access(dir, F_OK) == 0) {
        vb_err("run: %s: run directory already exists", dir);
        return -EEXIST;
    }
    ret = pf_mkdir_p(dir, 0755);
    if (ret) {
        vb_err("run: --out %s: cannot create run directory: %s", a.out, strerror(-ret));
        return ret;
    }
    if (access(dir, W_OK) != 0) {
        vb_err("run: --out %s: run directory is not writable: %s", a.out, strerror(errno));
        rmdir(dir);
        return -EACCES;
    }
    return 0;
}

/* Point OUT/latest at the newest run (best effort). */
static void update_latest(const char *run_id)
{
    char link[4096], tmp[4200];
    snprintf(link, sizeof(link), "%s/latest", a.out);
    snprintf(tmp, sizeof(tmp), "%s.%d", link, (int)getpid());
    if (symlink(run_id, tmp) == 0 && rename(tmp, link) != 0)
        unlink(tmp);
}

/* context.json's options: how the run was driven, then every result-changing option of the
   table (OPT_F_RESULT), so that a new option is recorded by adding it to the table. */
static json_t *options_json(void)
{
    json_t *o = json_pack("{s:s, s:s?, s:i, s:f}", "suite", a.suite, "filter", a.filter,
                          "repetitions", a.repetitions, "noise_threshold_pct", a.noise_pct);
    if (o)
        json_object_update_new(o, opt_values_json(run_opts, OPT_F_RESULT));
    return o;
}

/* The result-changing options whose value differs from the default (defaults: the table's
   values before parsing): what sets this run's results apart, for collect ls and compare. */
static json_t *changed_options(const json_t *defaults)
{
    json_t *now = opt_values_json(run_opts, OPT_F_RESULT), *out = json_object();
    const char *k;
    json_t *v;
    if (now && out)
        json_object_foreach(now, k, v)
        {
            if (!json_equal(v, json_object_get(defaults, k)))
                json_object_set(out, k, v);
        }
    json_decref(now);
    return out;
}

int cmd_run(int argc, char **argv)
{
    const char *pos[1];
    int npos, ret, status = EXIT_USAGE;
    unsigned suite, fmt;
    enum ts_mode mode;
    struct vb_opts *o = &a.o;
    struct vb_run_state run_state;
    struct plan_item *plan = NULL;
    struct vb_run run = {0};
    long nplan = 0;
    char run_id[256], dir[4096], err[512];
    json_t *ctx = NULL, *defaults, *changed = NULL, *row_options = NULL;

    memset(&a, 0, sizeof(a));
    a.suite = "quick";
    a.repetitions = 1;
    a.o.min_time_ns = 0.5 * NS_PER_S;
    a.o.warmup_ns = -1;
    a.o.cpu = -1;
    a.out = "results";
    a.timer = "auto";
    a.noise_pct = 5;
    a.o.interval_ns = NS_PER_MS;
    a.size = UINT64_MAX; /* not given */
    a.o.peer_cpu = -1;
    defaults = opt_values_json(run_opts, OPT_F_RESULT);
    ret = opt_parse(run_opts, &run_help, argc, argv, pos, 1, &npos);
    if (ret) {
        status = ret == 1 ? 0 : EXIT_USAGE;
        goto out_args;
    }
    changed = changed_options(defaults);
    if (npos) {
        if (a.filter) {
            vb_err("run: give the pattern either as PATTERN or with --filter, not both");
            goto out_args;
        }
        a.filter = pos[0];
    }
    if (check_args(&suite, &mode) || parse_formats(&fmt) || parse_labels(NULL))
        goto out_args;
    if (a.o.warmup_ns < 0)
        a.o.warmup_ns = a.o.min_time_ns / 5 < 0.1 * NS_PER_S ? a.o.min_time_ns / 5 : 0.1 * NS_PER_S;

    memset(&run_state, 0, sizeof(run_state));
    o->run = &run_state; /* the kernels' run-level state: storage target, network peer */
    o->suite = suite;
    o->target_size = a.size == UINT64_MAX ? 0 : a.size;
    if (vb_kernel_check_opts(o, err, sizeof(err))) { /* each kernel family's own options */
        vb_err("run: %s", err);
        goto out_args;
    }

    if (a.o.cpu >= 0 && pin_thread(a.o.cpu, err, sizeof(err))) {
        vb_err("run: --cpu: %s", err);
        goto out_args;
    }
    nplan = plan_build(o, suite, a.filter, &plan);
    if (nplan < 0) {
        vb_err("run: out of memory");
        status = 1;
        goto out_args;
    }
    if (nplan == 0) {
        vb_err("run: no benchmark in the %s suite matches '%s' (see viobench list)", a.suite,
               a.filter ? a.filter : "");
        goto out_args;
    }
    if (a.run_id) {
        if (!*a.run_id || strchr(a.run_id, '/') || strcmp(a.run_id, ".") == 0 ||
            strcmp(a.run_id, "..") == 0) {
            vb_err("run: --run-id: '%s' is not a plain directory name", a.run_id);
            goto out_args;
        }
        snprintf(run_id, sizeof(run_id), "%s", a.run_id);
    } else {
        make_run_id(run_id, sizeof(run_id));
    }
    if (make_run_dir(dir, sizeof(dir), run_id))
        goto out_args;
    o->run_dir = dir;

    if (ts_init(mode, a.o.cpu) != 0) {
        vb_err("run: --timer tsc: this CPU has no invariant TSC");
        rmdir(dir);
        goto out_args;
    }
    status = 1;
    if (vb_run_init(&run) || !(ctx = context_new(argc, argv, run_id))) {
        vb_err("run: out of memory");
        goto out;
    }
    json_decref(run.context);
    run.context = ctx;
    json_object_set_new(ctx, "options", options_json());
    json_object_set(ctx, "result_options", changed);
    row_options = opt_values_json(run_opts, OPT_F_RESULT);
    json_object_set_new(ctx, "noise",
                        json_pack("{s:f, s:s}", "steal_threshold_pct", a.noise_pct, "scope",
                                  a.o.cpu >= 0 ? "measuring CPU" : "all CPUs (not pinned)"));
    parse_labels(jx_obj(ctx, "labels"));
    vb_interrupt_install();
    {
        struct runner_cfg cfg = {
            .opts = o,
            .repetitions = a.repetitions,
            .noise_threshold_pct = a.noise_pct,
            .row_options = row_options,
            .progress = a.quiet                 ? PROGRESS_NONE
                        : isatty(STDERR_FILENO) ? PROGRESS_TTY
                                                : PROGRESS_LINES,
        };
        ret = runner_run(&cfg, plan, (size_t)nplan, &run);
    }
    vb_cleanup_all();
    {
        json_t *kc = runner_take_context();
        if (kc)
            json_object_set_new(ctx, "kernel_context", kc);
    }
    if (vb_run_add_aggregates(&run))
        vb_err("run: out of memory computing aggregates");
    context_finish(ctx, !vb_interrupted);
    if (vb_write_run_dir(&run, dir, fmt, err, sizeof(err))) {
        vb_err("run: cannot write results: %s", err);
        goto out;
    }
    update_latest(run_id);
    if (fmt & VB_FMT_CONSOLE)
        console_report(stdout, &run);
    fprintf(stderr, "%s: %s\n", vb_interrupted ? "interrupted; partial results in" : "results in",
            dir);
    status = vb_interrupted ? vb_interrupt_status() : ret ? 1 : 0;
out:
    vb_run_free(&run);
out_args:
    json_decref(defaults);
    json_decref(changed);
    json_decref(row_options);
    free(plan);
    opt_list_free(&a.formats);
    opt_list_free(&a.labels);
    return status;
}
