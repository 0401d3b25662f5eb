/*
 * Linux: running an instruction that may fault (VMCALL, port I/O) and turning the fault into
 * a value instead of a crash, with sigsetjmp/siglongjmp around temporary signal handlers.
 * Also the port-permission and null-syscall pieces of the platform seam.
 */
#include "platform.h"

#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/io.h>
#include <sys/syscall.h>
#include <unistd.h>

static __thread sigjmp_buf *try_env;

static void on_fault(int sig)
{
    if (try_env)
        siglongjmp(*try_env, sig);
    signal(sig, SIG_DFL);
    raise(sig);
}

int pf_try(void (*fn)(void *arg), void *arg, char *fault, size_t len)
{
    static const int sigs[] = {SIGILL, SIGSEGV, SIGBUS, SIGFPE};
    struct sigaction sa, old[4];
    sigjmp_buf env;
    volatile int ret = 0;
    int sig;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_fault;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_NODEFER;
    for (int i = 0; i < 4; i++)
        if (sigaction(sigs[i], &sa, &old[i]))
            return -errno;
    sig = sigsetjmp(env, 1);
    if (sig == 0) {
        try_env = &env;
        fn(arg);
    } else {
        snprintf(fault, len, "%s (SIG%s)", strsignal(sig), sigabbrev_np(sig));
        ret = 1;
    }
    try_env = NULL;
    for (int i = 0; i < 4; i++)
        sigaction(sigs[i], &old[i], NULL);
    return ret;
}

int pf_ioperm(unsigned port)
{
    return ioperm(port, 1, 1) ? -errno : 0;
}

long pf_null_syscall(void)
{
    return syscall(SYS_getppid);
}

const char *pf_null_syscall_name(void)
{
    return "getppid";
}
