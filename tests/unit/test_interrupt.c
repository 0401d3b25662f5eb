/*
 * The interrupt policy of measure/harness/cleanup.c, signal by signal: the first SIGINT,
 * SIGTERM or SIGHUP only sets vb_interrupted and decides the exit status (130, 143, 129); a
 * repeated SIGTERM or SIGHUP changes nothing (timeout(1) signals the child and then its
 * process group); a SIGINT after any first interrupt runs the cleanups and exits at once
 * with 130. Each case runs in a child process, since the last one exits.
 */
#include "check.h"
#include "harness.h"
#include "kernel.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

static int cleaned;
static void note_cleanup(void *arg)
{
    (void)arg;
    cleaned++;
}

/* Child: install, register a cleanup, raise the signals in order, then exit with
   (vb_interrupt_status() & 0xff) unless a signal ended it. Returns the wait status. */
static int run_case(const int *sigs, int n)
{
    pid_t pid = fork();
    int st = -1;
    if (pid == 0) {
        if (vb_interrupt_install() || vb_cleanup_add(note_cleanup, NULL) < 0)
            _exit(99);
        for (int i = 0; i < n; i++)
            raise(sigs[i]);
        /* still here: the cleanup must not have run from the handler */
        _exit(cleaned ? 98 : vb_interrupt_status());
    }
    if (pid < 0 || waitpid(pid, &st, 0) != pid)
        return -1;
    return st;
}

int main(void)
{
    static const int term[] = {SIGTERM}, term3[] = {SIGTERM, SIGTERM, SIGTERM}, intr[] = {SIGINT},
                     hup2[] = {SIGHUP, SIGHUP}, term_int[] = {SIGTERM, SIGINT},
                     int_int[] = {SIGINT, SIGINT}, term_hup[] = {SIGTERM, SIGHUP};
    static const struct {
        const char *what;
        const int *sigs;
        int n, status;
    } cases[] = {
        {"one SIGTERM", term, 1, 143},
        {"three SIGTERMs", term3, 3, 143},
        {"one SIGINT", intr, 1, 130},
        {"two SIGHUPs", hup2, 2, 129},
        {"SIGTERM then SIGHUP", term_hup, 2, 143},
        {"SIGTERM then SIGINT (exit at once)", term_int, 2, 130},
        {"two SIGINTs (exit at once)", int_int, 2, 130},
    };

    CHECK(vb_interrupt_status() == 0, "not interrupted: status %d", vb_interrupt_status());
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int st = run_case(cases[i].sigs, cases[i].n);
        CHECK(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == cases[i].status,
              "%s: wait status %#x, expected exit %d", cases[i].what, st, cases[i].status);
    }
    return check_done("test_interrupt");
}
