/*
 * timer/clocksource/<name>: the cost of clock_gettime(CLOCK_MONOTONIC) under each
 * clocksource the kernel offers (tsc, kvm-clock, hyperv_clocksource_tsc_page, hpet,
 * acpi_pm ...). The clocksource decides whether the vDSO can answer in user space (tsc,
 * kvm-clock, the Hyper-V TSC page) or every read becomes a system call plus a trapping
 * device read (hpet, acpi_pm), so the same guest can differ by 100x here.
 *
 * One row per name in available_clocksource, generated once from sysfs; the names depend
 * only on the clocksource, so they are stable across hosts and runs. The current
 * clocksource is measured as is. Measuring another one means switching the system
 * clocksource, a global change: it is done only as root with --switch-clocksource, and the
 * previous clocksource is written back at teardown, at the end of the run, and from the
 * signal handler on a second Ctrl-C (an async-signal-safe open/write/close). Otherwise the
 * row is skipped with the reason.
 *
 * The sysfs directory can be replaced by setting VIOBENCH_CLOCKSOURCE_DIR before the first
 * use of the table, so tests exercise switch and restore on fake files.
 */
#include "kernel.h"
#include "log.h"
#include "modules.h"
#include "platform.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CS_MAX      16
#define CS_NAME_MAX 48
#define CS_SYSFS    "/sys/devices/system/clocksource/clocksource0"

struct cs_row {
    char name[CS_NAME_MAX];
    char row_name[CS_NAME_MAX + 24];
};

/* What a switch saved; the cleanup reads only these fields (async-signal-safe). */
struct cs_state {
    const struct cs_row *row;
    char path[1100]; /* .../current_clocksource */
    char saved[CS_NAME_MAX + 1];
    size_t saved_len; /* with the trailing newline */
    char previous[CS_NAME_MAX];
    int switched;
    int cleanup_id;
};

static char cs_dir[1024];
static char cs_error[1300]; /* why no clocksource could be listed */
static struct cs_row cs_rows[CS_MAX];
static struct vb_kernel rows[CS_MAX];
static size_t nrows;

/* Read one sysfs attribute of the clocksource directory, newline stripped. */
static int cs_read(const char *attr, char *buf, size_t len)
{
    char path[PATH_MAX + 32];
    int ret;

    snprintf(path, sizeof(path), "%s/%s", cs_dir, attr);
    ret = pf_read_text(path, buf, len);
    if (ret)
        return ret;
    buf[strcspn(buf, "\n")] = 0;
    return 0;
}

/* Write a clocksource name to current_clocksource: open, write, close only, so that it
   can run from a signal handler. 0 or -errno. */
static int cs_write(const char *path, const char *text, size_t len)
{
    int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
    ssize_t n;
    int err;

    if (fd < 0)
        return -errno;
    n = write(fd, text, len);
    err = errno;
    if (close(fd) && n == (ssize_t)len)
        return -errno;
    if (n < 0)
        return -err;
    return n == (ssize_t)len ? 0 : -EIO;
}

/* The cleanup: put the saved clocksource back. */
static void cs_restore(void *arg)
{
    struct cs_state *s = arg;
    int saved_errno = errno;
    cs_write(s->path, s->saved, s->saved_len);
    errno = saved_errno;
}

static int cs_name_ok(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n >= CS_NAME_MAX)
        return 0;
    return strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.") == n;
}

static int cs_valid(const struct vb_kernel *k, const struct vb_opts *o, char *why, size_t len);
static int cs_setup(const struct vb_kernel *k, const struct vb_opts *o, void **state, char *why,
                    size_t len);
static int cs_batch(void *state, uint64_t n);
static json_t *cs_describe(void *state);
static void cs_teardown(void *state);

static void cs_add(const char *name)
{
    struct cs_row *r;

    if (nrows >= CS_MAX || !cs_name_ok(name))
        return;
    for (size_t i = 0; i < nrows; i++)
        if (strcmp(cs_rows[i].name, name) == 0)
            return;
    r = &cs_rows[nrows];
    snprintf(r->name, sizeof(r->name), "%s", name);
    snprintf(r->row_name, sizeof(r->row_name), "timer/clocksource/%s", name);
    rows[nrows] = (struct vb_kernel){
        .name = r->row_name,
        .category = "timer",
        .suites = VB_SUITE_QUICK | VB_SUITE_FULL,
        .help = "one clock_gettime(CLOCK_MONOTONIC) with this system clocksource",
        .valid = cs_valid,
        .setup = cs_setup,
        .batch = cs_batch,
        .describe = cs_describe,
        .teardown = cs_teardown,
        .arg = r,
    };
    nrows++;
}

/* Generate the rows once from available_clocksource (plus the current one). */
static void cs_load(void)
{
    const char *env = getenv("VIOBENCH_CLOCKSOURCE_DIR");
    char avail[1024], cur[CS_NAME_MAX + 2];
    int ret;

    snprintf(cs_dir, sizeof(cs_dir), "%s", env && *env ? env : CS_SYSFS);
    ret = cs_read("available_clocksource", avail, sizeof(avail));
    if (ret == 0) {
        for (char *save = NULL, *p = strtok_r(avail, " \t", &save); p;
             p = strtok_r(NULL, " \t", &save))
            cs_add(p);
        if (cs_read("current_clocksource", cur, sizeof(cur)) == 0)
            cs_add(cur);
    }
    if (nrows == 0) {
        snprintf(cs_error, sizeof(cs_error), "%s/available_clocksource: %s", cs_dir,
                 ret ? strerror(-ret) : "lists no clocksource");
        /* One row that says why, so the user sees a skip rather than nothing. */
        snprintf(cs_rows[0].name, sizeof(cs_rows[0].name), "unavailable");
        snprintf(cs_rows[0].row_name, sizeof(cs_rows[0].row_name), "timer/clocksource/unavailable");
        rows[0] = (struct vb_kernel){
            .name = cs_rows[0].row_name,
            .category = "timer",
            .suites = VB_SUITE_QUICK | VB_SUITE_FULL,
            .help = "clock_gettime cost per clocksource (none could be listed here)",
            .valid = cs_valid,
            .setup = cs_setup,
            .batch = cs_batch,
            .arg = &cs_rows[0],
        };
        nrows = 1;
    }
}

/* Why this row cannot run here, or 0. */
static int cs_refused(const struct cs_row *r, const struct vb_opts *o, char *why, size_t len)
{
    char cur[CS_NAME_MAX + 2], path[PATH_MAX + 32];
    int ret;

    if (cs_error[0]) {
        snprintf(why, len, "cannot list clocksources: %s", cs_error);
        return 1;
    }
    ret = cs_read("current_clocksource", cur, sizeof(cur));
    if (ret) {
        snprintf(why, len, "cannot read %s/current_clocksource: %s", cs_dir, strerror(-ret));
        return 1;
    }
    if (strcmp(cur, r->name) == 0)
        return 0;
    if (!o->switch_clocksource) {
        snprintf(why, len,
                 "not the current clocksource (%s); measuring it switches the system "
                 "clocksource: run as root with --switch-clocksource",
                 cur);
        return 1;
    }
    if (!pf_is_root()) {
        snprintf(why, len, "switching the system clocksource (now %s) needs root", cur);
        return 1;
    }
    snprintf(path, sizeof(path), "%s/current_clocksource", cs_dir);
    if (access(path, W_OK)) {
        snprintf(why, len, "cannot write %s: %s", path, strerror(errno));
        return 1;
    }
    return 0;
}

static int cs_valid(const struct vb_kernel *k, const struct vb_opts *o, char *why, size_t len)
{
    return cs_refused(k->arg, o, why, len);
}

static int cs_setup(const struct vb_kernel *k, const struct vb_opts *o, void **state, char *why,
                    size_t len)
{
    const struct cs_row *r = k->arg;
    struct cs_state *s;
    char now[CS_NAME_MAX + 2], text[CS_NAME_MAX + 2];
    int ret;

    if (cs_refused(r, o, why, len))
        return 1;
    s = calloc(1, sizeof(*s));
    if (!s)
        return -ENOMEM;
    s->row = r;
    snprintf(s->path, sizeof(s->path), "%s/current_clocksource", cs_dir);
    ret = cs_read("current_clocksource", s->previous, sizeof(s->previous));
    if (ret) {
        snprintf(why, len, "cannot read %s", s->path);
        free(s);
        return ret;
    }
    if (strcmp(s->previous, r->name) == 0) {
        *state = s;
        return 0;
    }
    s->saved_len = (size_t)snprintf(s->saved, sizeof(s->saved), "%s\n", s->previous);
    /* Register the restore before switching, so no interrupt can leave it switched. */
    s->cleanup_id = vb_cleanup_add(cs_restore, s);
    if (s->cleanup_id < 0) {
        snprintf(why, len, "no room to register the clocksource restore");
        free(s);
        return -ENOSPC;
    }
    snprintf(text, sizeof(text), "%s\n", r->name);
    ret = cs_write(s->path, text, strlen(text));
    if (ret == 0)
        ret = cs_read("current_clocksource", now, sizeof(now));
    if (ret || strcmp(now, r->name) != 0) {
        if (ret)
            snprintf(why, len, "switching to %s failed: %s: %s", r->name, s->path, strerror(-ret));
        else
            snprintf(why, len,
                     "the kernel kept %s after %s was written to current_clocksource (it "
                     "refuses unstable or unsuitable clocksources; see dmesg)",
                     now, r->name);
        vb_cleanup_run(s->cleanup_id);
        free(s);
        return 1;
    }
    s->switched = 1;
    *state = s;
    return 0;
}

static int cs_batch(void *state, uint64_t n)
{
    struct timespec t;
    long sink = 0;
    (void)state;
    for (uint64_t i = 0; i < n; i++) {
        clock_gettime(CLOCK_MONOTONIC, &t);
        sink += t.tv_nsec;
    }
    __asm__ __volatile__("" ::"r"(sink));
    return 0;
}

static json_t *cs_describe(void *state)
{
    struct cs_state *s = state;
    return json_pack("{s:s, s:s, s:b, s:s}", "clocksource", s->row->name, "clock",
                     "CLOCK_MONOTONIC", "switched", s->switched, "previous_clocksource",
                     s->previous);
}

static void cs_teardown(void *state)
{
    struct cs_state *s = state;
    char now[CS_NAME_MAX + 2] = "";

    if (s->switched) {
        vb_cleanup_run(s->cleanup_id);
        if (cs_read("current_clocksource", now, sizeof(now)) || strcmp(now, s->previous) != 0)
            vb_err("timer/clocksource: could not restore the clocksource %s (now '%s'); "
                   "restore it by hand: echo %s > %s",
                   s->previous, now, s->previous, s->path);
    }
    free(s);
}

const struct vb_kernel *timer_clocksource_kernels(size_t *n)
{
    if (nrows == 0)
        cs_load();
    *n = nrows;
    return rows;
}
