/*
 * The runner: turns a plan of kernels into result rows. For each kernel and repetition it
 * sets up, warms up (for loop kernels, doubling the batch size until one batch lasts long
 * enough to amortise the timer, as kvm-unit-tests' vmexit does), measures for the minimum
 * time while recording the noise the host and guest added (steal time, involuntary context
 * switches, interrupts), and builds the row: histogram, percentiles, throughput, CPU time.
 * Repetitions run round-robin so that drift on a noisy host hits every kernel alike.
 */
#include "harness.h"
#include "log.h"
#include "platform.h"
#include "units.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* A batch must last at least this many timer overheads (and 1 us), so that the cost of
   reading the time source is under 0.5% of the sample. */
#define BATCH_OVERHEAD_FACTOR 200.0
#define BATCH_MIN_NS          1000.0
#define BATCH_MAX_OPS         (1ull << 30)

static json_t *run_context;

void vb_run_context(const char *key, json_t *value)
{
    if (!run_context)
        run_context = json_object();
    if (run_context)
        json_object_set_new(run_context, key, value);
    else
        json_decref(value);
}

json_t *runner_take_context(void)
{
    json_t *c = run_context;
    run_context = NULL;
    return c;
}

void vb_meas_counter(struct vb_meas *m, const char *name, double value)
{
    json_object_set_new(m->counters, name, json_real(value));
}

void vb_meas_info(struct vb_meas *m, const char *key, json_t *value)
{
    json_object_set_new(m->info, key, value);
}

void vb_meas_fail(struct vb_meas *m, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m->error, sizeof(m->error), fmt, ap);
    va_end(ap);
}

/* What one measured window produced, before it becomes a row. */
struct window {
    double wall_ns;
    double cpu_ns;
    struct pf_noise n0, n1;
    int noise_ok;
    int cpu0, cpu1; /* the CPU the thread ran on at the window's start and end, -1 unknown */
};

static void window_begin(struct window *w, const struct vb_kernel *k, const struct vb_opts *o)
{
    uint64_t u, s;
    w->cpu0 = pf_current_cpu();
    w->noise_ok = pf_noise_read(o->cpu, &w->n0) == 0;
    if (k->flags & VB_K_PROCESS_CPU)
        pf_process_cpu_ns(&u, &s);
    else
        pf_thread_cpu_ns(&u, &s);
    w->cpu_ns = -(double)(u + s);
}

static void window_end(struct window *w, const struct vb_kernel *k, const struct vb_opts *o)
{
    uint64_t u, s;
    if (k->flags & VB_K_PROCESS_CPU)
        pf_process_cpu_ns(&u, &s);
    else
        pf_thread_cpu_ns(&u, &s);
    w->cpu_ns += (double)(u + s);
    w->noise_ok &= pf_noise_read(o->cpu, &w->n1) == 0;
    w->cpu1 = pf_current_cpu();
}

/* Loop kernel: calibrate the batch size during warm-up, then time batches. */
static int measure_batch(const struct vb_kernel *k, void *state, const struct vb_opts *o,
                         struct vb_meas *m, struct window *w)
{
    double goal_ns = BATCH_OVERHEAD_FACTOR * vb_ts.overhead_ns;
    uint64_t n = 1, t0, t1, w0, warm_end, deadline;
    int ret;

    if (goal_ns < BATCH_MIN_NS)
        goal_ns = BATCH_MIN_NS;
    warm_end = ts_now() + ts_from_ns(o->warmup_ns);
    for (;;) {
        t0 = ts_begin();
        ret = k->batch(state, n);
        t1 = ts_end();
        if (ret)
            return ret;
        if (vb_interrupted)
            return -EINTR;
        if (ts_to_ns(t1 - t0) < goal_ns && n < BATCH_MAX_OPS) {
            n *= 2;
            continue;
        }
        if (t1 >= warm_end)
            break;
    }
    window_begin(w, k, o);
    w0 = ts_now();
    deadline = w0 + ts_from_ns(o->min_time_ns);
    do {
        t0 = ts_begin();
        ret = k->batch(state, n);
        t1 = ts_end();
        if (ret)
            return ret;
        vb_meas_record_batch(m, ts_to_ns(t1 - t0) / (double)n, n);
    } while (t1 < deadline && !vb_interrupted);
    w->wall_ns = ts_to_ns(ts_now() - w0);
    window_end(w, k, o);
    return vb_interrupted ? -EINTR : 0;
}

/* Latency kernel: a warm-up pass whose samples are dropped, then the measured pass. */
static int measure_sample(const struct vb_kernel *k, void *state, const struct vb_opts *o,
                          struct vb_meas *m, struct window *w)
{
    uint64_t w0;
    int ret;

    m->warmup = 1;
    m->deadline = ts_now() + ts_from_ns(o->warmup_ns);
    ret = k->sample(state, m);
    if (ret)
        return ret;
    if (vb_interrupted)
        return -EINTR;
    hist_reset(m->hist);
    m->ops = m->bytes = 0;
    m->per_sample = 1;
    m->warmup = 0;
    json_object_clear(m->counters);
    window_begin(w, k, o);
    w0 = ts_now();
    m->deadline = w0 + ts_from_ns(o->min_time_ns);
    ret = k->sample(state, m);
    w->wall_ns = ts_to_ns(ts_now() - w0);
    window_end(w, k, o);
    if (ret)
        return ret;
    return vb_interrupted ? -EINTR : 0;
}

static int set_counters(struct vb_row *row, const struct vb_meas *m, const struct window *w,
                        const struct runner_cfg *cfg)
{
    static const struct {
        const char *name;
        double p;
    } pct[] = {
        {"p50_ns", 50}, {"p90_ns", 90}, {"p99_ns", 99}, {"p999_ns", 99.9}, {"p9999_ns", 99.99}};
    const struct hist *h = row->hist;
    double steal_pct = NAN, irqs = NAN, scope = cfg->opts->cpu >= 0 ? 1 : pf_ncpus();
    int ret = 0;
    const char *key;
    json_t *v;

    for (size_t i = 0; i < sizeof(pct) / sizeof(pct[0]); i++)
        ret |= vb_row_set_counter(row, pct[i].name, hist_percentile(h, pct[i].p));
    ret |= vb_row_set_counter(row, "min_ns", hist_min(h));
    ret |= vb_row_set_counter(row, "max_ns", hist_max(h));
    ret |= vb_row_set_counter(row, "stddev_ns", hist_stddev(h));
    ret |= vb_row_set_counter(row, "samples", (double)hist_count(h));
    ret |= vb_row_set_counter(row, "ops_per_sample", (double)m->per_sample);
    if (w->noise_ok && w->n0.have_steal && w->wall_ns > 0)
        steal_pct = 100.0 * (double)(w->n1.steal_ns - w->n0.steal_ns) / (w->wall_ns * scope);
    if (w->noise_ok && w->n0.have_irqs)
        irqs = (double)(w->n1.irqs - w->n0.irqs);
    ret |= vb_row_set_counter(row, "steal_pct", steal_pct);
    ret |= vb_row_set_counter(
        row, "invol_csw",
        w->noise_ok && w->n0.have_csw ? (double)(w->n1.invol_csw - w->n0.invol_csw) : NAN);
    ret |= vb_row_set_counter(
        row, "vol_csw",
        w->noise_ok && w->n0.have_csw ? (double)(w->n1.vol_csw - w->n0.vol_csw) : NAN);
    ret |= vb_row_set_counter(row, "irqs", irqs);
    ret |= vb_row_set_counter(row, "noisy", steal_pct > cfg->noise_threshold_pct ? 1 : 0);
    /* where the measuring thread ran: repetitions in distinct modes on one CPU are not a
       placement effect (console.c says which) */
    ret |= vb_row_set_counter(row, "on_cpu", w->cpu1 >= 0 ? w->cpu1 : NAN);
    ret |= vb_row_set_counter(row, "moved_cpu",
                              w->cpu0 >= 0 && w->cpu1 >= 0 ? (w->cpu0 != w->cpu1) : NAN);
    json_object_foreach(m->counters, key, v)
    {
        if (json_is_number(v))
            ret |= vb_row_set_counter(row, key, json_number_value(v));
    }
    return ret ? -ENOMEM : 0;
}

/* Run one kernel once and append its row. Returns 0, 1 when it failed. */
static int run_one(const struct runner_cfg *cfg, const struct plan_item *it, int rep,
                   struct vb_run *out)
{
    const struct vb_kernel *k = it->k;
    const struct vb_opts *o = cfg->opts;
    struct vb_meas m = {.per_sample = 1};
    struct window w;
    struct vb_row *row;
    char why[256] = "";
    void *state = (void *)k->arg;
    int ret, setup_done = 0, failed = 0;

    memset(&w, 0, sizeof(w));
    m.hist = hist_new();
    m.counters = json_object();
    m.info = json_object();
    if (!m.hist || !m.counters || !m.info) {
        ret = -ENOMEM;
        goto out;
    }
    if (k->setup) {
        ret = k->setup(k, o, &state, why, sizeof(why));
        if (ret > 0) {
            row = vb_run_add_row(out, k->name);
            if (row) {
                char msg[300];
                snprintf(msg, sizeof(msg), "skipped: %s", why);
                vb_row_set_error(row, 1, msg);
                row->repetitions = cfg->repetitions;
                row->repetition_index = rep;
            }
            ret = 0;
            goto out;
        }
        if (ret < 0)
            goto fail;
        setup_done = 1;
    }
    ret = k->batch ? measure_batch(k, state, o, &m, &w) : measure_sample(k, state, o, &m, &w);
    if (ret == -EINTR)
        goto out; /* an interrupted window is not a result */
    if (ret || hist_count(m.hist) == 0) {
        if (!ret)
            snprintf(why, sizeof(why), "no samples in the measured window");
        goto fail;
    }
    row = vb_run_add_row(out, k->name);
    if (!row) {
        ret = -ENOMEM;
        goto out;
    }
    row->repetitions = cfg->repetitions;
    row->repetition_index = rep;
    row->iterations = m.ops;
    row->real_time = hist_mean(m.hist);
    row->cpu_time = m.ops ? w.cpu_ns / (double)m.ops : 0;
    if (w.wall_ns > 0) {
        row->items_per_second = (double)m.ops * 1e9 / w.wall_ns;
        if (m.bytes)
            row->bytes_per_second = (double)m.bytes * 1e9 / w.wall_ns;
    }
    if (k->describe) {
        json_t *d = k->describe(state);
        if (json_is_object(d))
            json_object_update(m.info, d);
        json_decref(d);
    }
    json_object_set_new(m.info, "mode", json_string(k->batch ? "loop" : "latency"));
    if (cfg->row_options) /* what the run was asked that changes results, in every row */
        json_object_set_new(m.info, "options", json_deep_copy(cfg->row_options));
    json_object_set_new(m.info, "window_ns", json_real(w.wall_ns));
    row->info = json_incref(m.info);
    row->hist = m.hist;
    m.hist = NULL;
    ret = set_counters(row, &m, &w, cfg);
    goto out;
fail:
    if (vb_interrupted) {
        /* a window the interrupt cut short (or a peer the same signal ended): not a result */
        ret = 0;
        goto out;
    }
    failed = 1;
    row = vb_run_add_row(out, k->name);
    if (row) {
        char msg[400];
        if (m.error[0])
            snprintf(msg, sizeof(msg), "%s", m.error);
        else if (why[0])
            snprintf(msg, sizeof(msg), "%s%s%s", why, ret ? ": " : "", ret ? strerror(-ret) : "");
        else
            snprintf(msg, sizeof(msg), "%s", strerror(-ret));
        vb_row_set_error(row, 0, msg);
        row->repetitions = cfg->repetitions;
        row->repetition_index = rep;
        vb_err("run: %s: %s", k->name, msg);
    }
    ret = 0;
out:
    if (setup_done && k->teardown)
        k->teardown(state);
    hist_free(m.hist);
    json_decref(m.counters);
    json_decref(m.info);
    if (ret == -ENOMEM)
        failed = 1;
    return failed;
}

static int add_skip_row(const struct runner_cfg *cfg, const struct plan_item *it,
                        struct vb_run *out)
{
    struct vb_row *row = vb_run_add_row(out, it->k->name);
    char msg[300];

    if (!row)
        return -ENOMEM;
    snprintf(msg, sizeof(msg), "skipped: %s", it->why);
    row->repetitions = cfg->repetitions;
    return vb_row_set_error(row, 1, msg);
}

/* After an interrupt: the rows of a kernel that got fewer repetitions than planned say so
   (info.repetitions_done, info.incomplete) so that nobody reads them as the full set. */
static int mark_short(const struct runner_cfg *cfg, const struct plan_item *plan, size_t n,
                      struct vb_run *out)
{
    for (size_t i = 0; i < n; i++) {
        int done = 0;
        if (plan[i].skip)
            continue;
        for (size_t j = 0; j < out->nrows; j++)
            done += out->rows[j].run_type == VB_ITERATION &&
                    strcmp(out->rows[j].run_name, plan[i].k->name) == 0;
        if (done == 0 || done >= cfg->repetitions)
            continue;
        for (size_t j = 0; j < out->nrows; j++) {
            struct vb_row *r = &out->rows[j];
            if (r->run_type != VB_ITERATION || strcmp(r->run_name, plan[i].k->name))
                continue;
            if (!r->info && !(r->info = json_object()))
                return -ENOMEM;
            json_object_set_new(r->info, "repetitions_done", json_integer(done));
            json_object_set_new(r->info, "incomplete", json_true());
        }
    }
    return 0;
}

int runner_run(const struct runner_cfg *cfg, struct plan_item *plan, size_t n, struct vb_run *out)
{
    size_t total = 0, done = 0;
    int failures = 0;
    struct progress p;

    for (size_t i = 0; i < n; i++)
        total += plan[i].skip ? 0 : (size_t)cfg->repetitions;
    progress_begin(&p, cfg->progress, total, cfg->repetitions,
                   cfg->opts->warmup_ns + cfg->opts->min_time_ns);
    for (int rep = 0; rep < cfg->repetitions && !vb_interrupted; rep++)
        for (size_t i = 0; i < n && !vb_interrupted; i++) {
            size_t before = out->nrows;
            if (plan[i].skip) {
                /* reported once, in table order, not once per repetition */
                if (rep == 0 && add_skip_row(cfg, &plan[i], out))
                    return failures + 1;
                continue;
            }
            progress_start(&p, done, rep, plan[i].k->name);
            failures += run_one(cfg, &plan[i], rep, out);
            done++;
            progress_done(&p, done, rep, plan[i].k->name,
                          out->nrows > before ? &out->rows[out->nrows - 1] : NULL);
        }
    progress_end(&p);
    if (vb_interrupted && mark_short(cfg, plan, n, out))
        failures++;
    return failures;
}
