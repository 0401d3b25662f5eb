/*
 * Interrupt handling and the cleanup registry (kernel.h: vb_cleanup_*). The first Ctrl-C,
 * SIGTERM or SIGHUP only sets vb_interrupted (and vb_interrupt_signal): kernels stop, the
 * runner writes what completed and marks the run incomplete, and cleanups run in order.
 * Only a later Ctrl-C (SIGINT) means "stop now": it runs the pending cleanups from the
 * handler (they are async-signal-safe by contract) and exits at once with status 130. A
 * repeated SIGTERM or SIGHUP is not a second interrupt: `timeout` signals the child and
 * then its whole process group, systemd and CI runners repeat theirs, and none of them
 * means "lose the run".
 * A cleanup the main thread was in the middle of when the signal came is run again by the
 * handler (cleanups are idempotent by contract): a half-done restore must not be the last.
 */
#include "harness.h"
#include "kernel.h"
#include "platform.h"

#include <errno.h>
#include <signal.h>
#include <unistd.h>

#define MAX_CLEANUPS 64

volatile sig_atomic_t vb_interrupted;
volatile sig_atomic_t vb_interrupt_signal;

enum { SLOT_FREE = 0, SLOT_LIVE, SLOT_RUNNING };

static struct {
    void (*fn)(void *);
    void *arg;
    volatile sig_atomic_t state;
} cleanups[MAX_CLEANUPS];

static void run_slot(int i)
{
    if (cleanups[i].state == SLOT_LIVE) {
        cleanups[i].state = SLOT_RUNNING;
        cleanups[i].fn(cleanups[i].arg);
        cleanups[i].state = SLOT_FREE;
    }
}

int vb_cleanup_add(void (*fn)(void *arg), void *arg)
{
    for (int i = 0; i < MAX_CLEANUPS; i++)
        if (cleanups[i].state == SLOT_FREE) {
            cleanups[i].fn = fn;
            cleanups[i].arg = arg;
            cleanups[i].state = SLOT_LIVE;
            return i + 1;
        }
    return -ENOSPC;
}

void vb_cleanup_run(int id)
{
    if (id >= 1 && id <= MAX_CLEANUPS)
        run_slot(id - 1);
}

void vb_cleanup_cancel(int id)
{
    if (id >= 1 && id <= MAX_CLEANUPS)
        cleanups[id - 1].state = SLOT_FREE;
}

void vb_cleanup_all(void)
{
    for (int i = MAX_CLEANUPS - 1; i >= 0; i--)
        run_slot(i);
}

static void on_interrupt(int sig)
{
    static const char msg[] = "\nviobench: interrupted again: cleaning up and exiting\n";
    if (!vb_interrupted) {
        vb_interrupt_signal = sig;
        vb_interrupted = 1;
        return;
    }
    if (sig != SIGINT)
        return; /* a repeated SIGTERM/SIGHUP: already stopping after the current window */
    if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0) {
        /* nothing else to do in a signal handler */
    }
    /* pending ones, and the one the main thread was interrupted in */
    for (int i = MAX_CLEANUPS - 1; i >= 0; i--)
        if (cleanups[i].state != SLOT_FREE)
            cleanups[i].fn(cleanups[i].arg);
    _exit(130);
}

int vb_interrupt_status(void)
{
    return vb_interrupted ? 128 + (vb_interrupt_signal > 0 ? vb_interrupt_signal : SIGINT) : 0;
}

int vb_interrupt_install(void)
{
    return pf_on_interrupt(on_interrupt);
}
