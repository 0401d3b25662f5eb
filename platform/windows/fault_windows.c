/*
 * Windows: running an instruction that may fault (VMCALL/VMMCALL from user mode) and
 * turning the fault into a value instead of a crash. A vectored exception handler sees the
 * fault first; when the faulting thread is inside pf_try it records the exception and
 * resumes the thread in a landing function, on a fresh aligned stack frame below the
 * faulting one, which jumps back into pf_try with __builtin_longjmp (no unwinding through
 * the frames of the faulting code, which may have no unwind data). Also the port-I/O and
 * null-syscall pieces of the platform seam.
 */
#include "platform.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <windows.h>

struct try_ctx {
    void *jmp[5]; /* __builtin_setjmp buffer */
    DWORD code;   /* the exception caught */
    DWORD64 rip;  /* where it happened */
};

static __thread struct try_ctx *volatile try_cur;

static const char *exception_name(DWORD code)
{
    switch (code) {
    case EXCEPTION_ILLEGAL_INSTRUCTION:
        return "illegal instruction (EXCEPTION_ILLEGAL_INSTRUCTION)";
    case EXCEPTION_PRIV_INSTRUCTION:
        return "privileged instruction (EXCEPTION_PRIV_INSTRUCTION)";
    case EXCEPTION_ACCESS_VIOLATION:
        return "access violation (EXCEPTION_ACCESS_VIOLATION)";
    case EXCEPTION_INT_DIVIDE_BY_ZERO:
        return "integer division by zero (EXCEPTION_INT_DIVIDE_BY_ZERO)";
    case EXCEPTION_BREAKPOINT:
        return "breakpoint (EXCEPTION_BREAKPOINT)";
    default:
        return "exception";
    }
}

static __attribute__((noreturn, noinline)) void try_land(void)
{
    __builtin_longjmp(try_cur->jmp, 1);
}

static LONG CALLBACK on_exception(PEXCEPTION_POINTERS e)
{
    struct try_ctx *t = try_cur;
    DWORD code = e->ExceptionRecord->ExceptionCode;

    if (!t)
        return EXCEPTION_CONTINUE_SEARCH;
    switch (code) {
    case EXCEPTION_ILLEGAL_INSTRUCTION:
    case EXCEPTION_PRIV_INSTRUCTION:
    case EXCEPTION_ACCESS_VIOLATION:
    case EXCEPTION_INT_DIVIDE_BY_ZERO:
    case EXCEPTION_BREAKPOINT:
        break;
    default:
        return EXCEPTION_CONTINUE_SEARCH;
    }
    t->code = code;
    t->rip = e->ContextRecord->Rip;
    /* Resume in try_land as if it had just been called: 16-byte aligned minus the return
       address slot, with room for the callee's home area. */
    e->ContextRecord->Rsp = ((e->ContextRecord->Rsp - 512) & ~(DWORD64)15) - 8;
    e->ContextRecord->Rip = (DWORD64)(uintptr_t)try_land;
    return EXCEPTION_CONTINUE_EXECUTION;
}

int pf_try(void (*fn)(void *arg), void *arg, char *fault, size_t len)
{
    static volatile LONG installed;
    struct try_ctx t;
    int ret = 0;

    if (!installed) {
        if (!AddVectoredExceptionHandler(1, on_exception))
            return -ENOMEM;
        InterlockedExchange(&installed, 1); /* at most one extra handler if two threads race */
    }
    memset(&t, 0, sizeof(t));
    try_cur = &t;
    if (__builtin_setjmp(t.jmp) == 0) {
        fn(arg);
    } else {
        snprintf(fault, len, "%s, code 0x%08lx", exception_name(t.code), (unsigned long)t.code);
        ret = 1;
    }
    try_cur = NULL;
    return ret;
}

int pf_ioperm(unsigned port)
{
    (void)port;
    return -ENOSYS; /* user-mode port I/O needs a kernel driver on Windows */
}

typedef LONG(NTAPI *nt_test_alert_fn)(void);

long pf_null_syscall(void)
{
    static nt_test_alert_fn fn;
    if (!fn) {
        HMODULE nt = GetModuleHandleA("ntdll.dll");
        fn = nt ? (nt_test_alert_fn)(void (*)(void))GetProcAddress(nt, "NtTestAlert") : NULL;
        if (!fn)
            return -ENOSYS;
    }
    return fn();
}

const char *pf_null_syscall_name(void)
{
    return "NtTestAlert";
}
