/*
 * timer/clocksource/...: row generation from available_clocksource, the skip reasons, and
 * switch + restore, on a fake sysfs directory (VIOBENCH_CLOCKSOURCE_DIR) so the real system
 * clocksource is never touched. Restore is checked after teardown, after the end-of-run
 * cleanup (a first Ctrl-C), and from the signal handler (a second Ctrl-C, in a child).
 * Scenarios that need a different directory run in a child, because the rows are generated
 * once per process.
 */
#include "harness.h"
#include "check.h"
#include "kernel.h"
#include "modules.h"
#include "platform.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[256];

static void put(const char *d, const char *name, const char *text)
{
    char path[512];
    FILE *f;
    snprintf(path, sizeof(path), "%s/%s", d, name);
    f = fopen(path, "w");
    if (!f) {
        perror(path);
        exit(1);
    }
    fputs(text, f);
    fclose(f);
}

static const char *current(const char *d)
{
    static char buf[128];
    char path[512];
    snprintf(path, sizeof(path), "%s/current_clocksource", d);
    if (pf_read_text(path, buf, sizeof(buf)))
        return "(unreadable)";
    return buf;
}

static void make_dir(char *d, size_t len)
{
    snprintf(d, len, "%s/vb-cs.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(d)) {
        perror("mkdtemp");
        exit(1);
    }
    chmod(d, 0755); /* readable by the non-root child */
}

static void remove_dir(const char *d)
{
    char path[512];
    const char *files[] = {"available_clocksource", "current_clocksource"};
    for (int i = 0; i < 2; i++) {
        snprintf(path, sizeof(path), "%s/%s", d, files[i]);
        unlink(path);
    }
    rmdir(d);
}

/* Run fn in a child with VIOBENCH_CLOCKSOURCE_DIR=d; returns its exit status or -signal. */
static int in_child(const char *d, int (*fn)(void))
{
    int status;
    pid_t pid;

    fflush(NULL);
    pid = fork();
    if (pid == 0) {
        setenv("VIOBENCH_CLOCKSOURCE_DIR", d, 1);
        _exit(fn());
    }
    if (pid < 0 || waitpid(pid, &status, 0) != pid)
        return -1000;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

/* Child: no sysfs directory: one row that skips and says why. */
static int child_unavailable(void)
{
    struct vb_opts o = {.switch_clocksource = 1};
    size_t n;
    const struct vb_kernel *r = timer_clocksource_kernels(&n);
    char why[256] = "";
    void *state = NULL;

    CHECK(n == 1, "rows %zu", n);
    CHECK(strcmp(r[0].name, "timer/clocksource/unavailable") == 0, "name %s", r[0].name);
    CHECK(r[0].valid(&r[0], &o, why, sizeof(why)) == 1, "must skip");
    CHECK(strstr(why, "cannot list clocksources") && strstr(why, "available_clocksource"),
          "reason: %s", why);
    CHECK(r[0].setup(&r[0], &o, &state, why, sizeof(why)) == 1, "setup must skip");
    return check_done("child_unavailable");
}

/* Child: a write the kernel rejects (current_clocksource is /dev/full): a skip that says so,
   and nothing registered for cleanup is left behind. */
static int child_write_fails(void)
{
    struct vb_opts o = {.switch_clocksource = 1};
    const struct vb_kernel *k = vb_kernel_find("timer/clocksource/tsc");
    char why[256] = "";
    void *state = NULL;

    CHECK(k != NULL, "no tsc row");
    if (!k)
        return 1;
    CHECK(k->setup(k, &o, &state, why, sizeof(why)) == 1, "setup must skip");
    CHECK(strstr(why, "switching to tsc failed") && strstr(why, "No space left"), "reason: %s",
          why);
    return check_done("child_write_fails");
}

/* Child: writes are accepted but the clocksource stays (current_clocksource is /dev/null). */
static int child_kernel_keeps(void)
{
    struct vb_opts o = {.switch_clocksource = 1};
    const struct vb_kernel *k = vb_kernel_find("timer/clocksource/tsc");
    char why[256] = "";
    void *state = NULL;

    CHECK(k && k->setup(k, &o, &state, why, sizeof(why)) == 1, "setup must skip");
    CHECK(strstr(why, "kernel kept") != NULL, "reason: %s", why);
    return check_done("child_kernel_keeps");
}

/* Child: switch, then two Ctrl-Cs: the handler restores and exits with 130. */
static int child_double_interrupt(void)
{
    struct vb_opts o = {.switch_clocksource = 1};
    const struct vb_kernel *k = vb_kernel_find("timer/clocksource/tsc");
    char why[256] = "";
    void *state = NULL;

    if (!k || vb_interrupt_install() || k->setup(k, &o, &state, why, sizeof(why)))
        return 3;
    if (strcmp(current(dir), "tsc\n") != 0)
        return 4;
    raise(SIGINT); /* first: only sets vb_interrupted */
    if (!vb_interrupted || strcmp(current(dir), "tsc\n") != 0)
        return 5;
    raise(SIGINT); /* second: cleanups run in the handler, then _exit(130) */
    return 6;
}

/* Child: not root: switching is refused with the reason. */
static int child_not_root(void)
{
    struct vb_opts o = {.switch_clocksource = 1};
    const struct vb_kernel *k = vb_kernel_find("timer/clocksource/tsc");
    char why[256] = "";

    if (pf_is_root() && seteuid(65534))
        return 2;
    CHECK(k && k->valid(k, &o, why, sizeof(why)) == 1, "non-root must skip");
    CHECK(strstr(why, "needs root") != NULL, "reason: %s", why);
    return check_done("child_not_root");
}

static void check_rows(void)
{
    size_t n;
    const struct vb_kernel *r = timer_clocksource_kernels(&n);
    const char *want[] = {"timer/clocksource/kvm-clock", "timer/clocksource/tsc",
                          "timer/clocksource/acpi_pm"};

    CHECK(n == 3, "%zu rows (bad names are dropped, duplicates merged)", n);
    for (size_t i = 0; i < 3 && i < n; i++) {
        CHECK(strcmp(r[i].name, want[i]) == 0, "row %zu is %s", i, r[i].name);
        CHECK(r[i].batch && !r[i].sample && strcmp(r[i].category, "timer") == 0,
              "row %zu: a timer loop kernel", i);
        CHECK(vb_kernel_find(want[i]) == &r[i], "%s is in the table", want[i]);
    }
    /* Generated once: the same rows on a second call. */
    CHECK(timer_clocksource_kernels(&n) == r && n == 3, "rows regenerated");
}

static void check_skips(void)
{
    const struct vb_kernel *cur = vb_kernel_find("timer/clocksource/kvm-clock");
    const struct vb_kernel *tsc = vb_kernel_find("timer/clocksource/tsc");
    struct vb_opts o = {.switch_clocksource = 0};
    char why[256] = "";

    CHECK(cur->valid(cur, &o, why, sizeof(why)) == 0, "current is always valid: %s", why);
    CHECK(tsc->valid(tsc, &o, why, sizeof(why)) == 1, "tsc needs the flag");
    CHECK(strstr(why, "--switch-clocksource") && strstr(why, "kvm-clock"), "reason: %s", why);
    o.switch_clocksource = 1;
    if (pf_is_root())
        CHECK(tsc->valid(tsc, &o, why, sizeof(why)) == 0, "root + flag: %s", why);
}

static void check_current(void)
{
    const struct vb_kernel *k = vb_kernel_find("timer/clocksource/kvm-clock");
    struct vb_opts o = {0};
    void *state = NULL;
    char why[256] = "";
    json_t *d;

    CHECK(k->setup(k, &o, &state, why, sizeof(why)) == 0, "setup: %s", why);
    CHECK(k->batch(state, 1000) == 0, "batch");
    d = k->describe(state);
    CHECK(json_is_false(json_object_get(d, "switched")), "current: not switched");
    CHECK(strcmp(json_string_value(json_object_get(d, "clocksource")), "kvm-clock") == 0,
          "clocksource in info");
    json_decref(d);
    k->teardown(state);
    CHECK(strcmp(current(dir), "kvm-clock\n") == 0, "untouched: %s", current(dir));
}

static void check_switch(void)
{
    const struct vb_kernel *k = vb_kernel_find("timer/clocksource/acpi_pm");
    struct vb_opts o = {.switch_clocksource = 1};
    void *state = NULL;
    char why[256] = "";
    json_t *d;

    CHECK(k->setup(k, &o, &state, why, sizeof(why)) == 0, "setup: %s", why);
    if (!state)
        return;
    CHECK(strcmp(current(dir), "acpi_pm\n") == 0, "switched: %s", current(dir));
    CHECK(k->batch(state, 1000) == 0, "batch");
    d = k->describe(state);
    CHECK(json_is_true(json_object_get(d, "switched")), "switched in info");
    CHECK(strcmp(json_string_value(json_object_get(d, "previous_clocksource")), "kvm-clock") == 0,
          "previous in info");
    json_decref(d);
    k->teardown(state);
    CHECK(strcmp(current(dir), "kvm-clock\n") == 0, "restored at teardown: %s", current(dir));
}

/* A first Ctrl-C: the runner skips to the end and runs every pending cleanup. */
static void check_cleanup_restores(void)
{
    const struct vb_kernel *k = vb_kernel_find("timer/clocksource/tsc");
    struct vb_opts o = {.switch_clocksource = 1};
    void *state = NULL;
    char why[256] = "";

    CHECK(k->setup(k, &o, &state, why, sizeof(why)) == 0, "setup: %s", why);
    CHECK(strcmp(current(dir), "tsc\n") == 0, "switched: %s", current(dir));
    vb_cleanup_all();
    CHECK(strcmp(current(dir), "kvm-clock\n") == 0, "restored by cleanup: %s", current(dir));
    /* Changed behind our back after the restore: teardown must not write again (it only
       complains, on stderr, that the clocksource is not the one it saved). */
    put(dir, "current_clocksource", "hpet\n");
    k->teardown(state);
    CHECK(strcmp(current(dir), "hpet\n") == 0, "teardown wrote again: %s", current(dir));
    put(dir, "current_clocksource", "kvm-clock\n");
}

int main(void)
{
    char other[256];
    int st;

    make_dir(dir, sizeof(dir));
    put(dir, "available_clocksource", "kvm-clock tsc bad/name acpi_pm tsc \n");
    put(dir, "current_clocksource", "kvm-clock\n");

    /* Children first: each generates its rows from its own directory. */
    make_dir(other, sizeof(other));
    rmdir(other);
    CHECK(in_child(other, child_unavailable) == 0, "no sysfs directory");
    make_dir(other, sizeof(other));
    put(other, "available_clocksource", "kvm-clock tsc\n");
    {
        char link[512];
        snprintf(link, sizeof(link), "%s/current_clocksource", other);
        CHECK(symlink("/dev/full", link) == 0, "symlink");
        if (pf_is_root())
            CHECK(in_child(other, child_write_fails) == 0, "write refused");
        unlink(link);
        CHECK(symlink("/dev/null", link) == 0, "symlink");
        if (pf_is_root())
            CHECK(in_child(other, child_kernel_keeps) == 0, "kernel keeps its clocksource");
    }
    remove_dir(other);
    if (pf_is_root()) {
        st = in_child(dir, child_double_interrupt);
        CHECK(st == 130, "double Ctrl-C: child exit %d", st);
        CHECK(strcmp(current(dir), "kvm-clock\n") == 0, "restored by the signal handler: %s",
              current(dir));
        put(dir, "current_clocksource", "kvm-clock\n");
        CHECK(in_child(dir, child_not_root) == 0, "not root");
    }

    setenv("VIOBENCH_CLOCKSOURCE_DIR", dir, 1);
    check_rows();
    check_skips();
    check_current();
    if (pf_is_root()) {
        check_switch();
        check_cleanup_restores();
    } else {
        fprintf(stderr, "note: not root: switch and restore checks need root\n");
    }
    remove_dir(dir);
    return check_done("test_timer_clocksource");
}
