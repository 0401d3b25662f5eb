/*
 * Windows implementation of the platform seam (platform/platform.h): QueryPerformanceCounter
 * as the clock, processor-group-aware pinning (SetThreadGroupAffinity), noise counters from
 * NtQuerySystemInformation, CPU times from GetThreadTimes/GetProcessTimes, the console
 * control handler for Ctrl-C, and files.
 *
 * What Windows does not offer a guest, and so stays unavailable (reported as such, never
 * as zero): steal time (no per-CPU "time the hypervisor ran someone else" counter is
 * exposed to the guest), involuntary context switches (Windows counts switches without
 * telling voluntary from involuntary), locking all memory (no mlockall) and timer slack.
 */
#include "platform.h"

#include <direct.h>
#include <errno.h>
#include <fcntl.h>
#include <io.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <windows.h>

#include <psapi.h>

static LONGLONG qpc_hz;

/* Before main: the QPC frequency (fixed at boot), and binary standard streams so that
   output piped to a file is byte for byte what Linux writes. */
__attribute__((constructor)) static void platform_init(void)
{
    LARGE_INTEGER f;
    if (QueryPerformanceFrequency(&f) && f.QuadPart > 0)
        qpc_hz = f.QuadPart;
    else
        qpc_hz = 10000000;
    _setmode(_fileno(stdout), _O_BINARY);
    _setmode(_fileno(stderr), _O_BINARY);
    /* the progress line's ANSI sequences (Windows 10 consoles understand them when asked) */
    {
        HANDLE h = GetStdHandle(STD_ERROR_HANDLE);
        DWORD mode;
        if (h != INVALID_HANDLE_VALUE && GetConsoleMode(h, &mode))
            SetConsoleMode(h, mode | ENABLE_VIRTUAL_TERMINAL_PROCESSING);
    }
}

uint64_t pf_clock_ns(void)
{
    LARGE_INTEGER c;
    uint64_t t, f = (uint64_t)qpc_hz;
    QueryPerformanceCounter(&c);
    t = (uint64_t)c.QuadPart;
    return t / f * 1000000000u + t % f * 1000000000u / f;
}

uint64_t pf_clock_raw_ns(void)
{
    return pf_clock_ns();
}

double pf_clock_resolution_ns(void)
{
    return 1e9 / (double)qpc_hz;
}

/* Windows error code to errno, for the seam's -errno contract. */
static int win_errno(DWORD e)
{
    switch (e) {
    case ERROR_FILE_NOT_FOUND:
    case ERROR_PATH_NOT_FOUND:
        return ENOENT;
    case ERROR_ACCESS_DENIED:
    case ERROR_PRIVILEGE_NOT_HELD:
        return EACCES;
    case ERROR_INVALID_PARAMETER:
        return EINVAL;
    case ERROR_NOT_ENOUGH_MEMORY:
    case ERROR_OUTOFMEMORY:
        return ENOMEM;
    case ERROR_ALREADY_EXISTS:
    case ERROR_FILE_EXISTS:
        return EEXIST;
    case ERROR_CALL_NOT_IMPLEMENTED:
    case ERROR_NOT_SUPPORTED:
        return ENOSYS;
    default:
        return EIO;
    }
}

int pf_ncpus(void)
{
    DWORD n = GetActiveProcessorCount(ALL_PROCESSOR_GROUPS);
    return n > 0 ? (int)n : 1;
}

/* OS CPU number (0..n-1 over all processor groups, in group order) to group and bit. */
static int cpu_to_group(int cpu, WORD *group, BYTE *bit)
{
    WORD groups = GetActiveProcessorGroupCount();
    for (WORD g = 0; g < groups; g++) {
        DWORD n = GetActiveProcessorCount(g);
        if ((DWORD)cpu < n) {
            *group = g;
            *bit = (BYTE)cpu;
            return 0;
        }
        cpu -= (int)n;
    }
    return -EINVAL;
}

int pf_pin_thread(int cpu)
{
    GROUP_AFFINITY ga;
    WORD g;
    BYTE b;

    if (cpu < 0 || cpu_to_group(cpu, &g, &b))
        return -EINVAL;
    memset(&ga, 0, sizeof(ga));
    ga.Group = g;
    ga.Mask = (KAFFINITY)1 << b;
    return SetThreadGroupAffinity(GetCurrentThread(), &ga, NULL) ? 0 : -win_errno(GetLastError());
}

int pf_unpin_thread(void)
{
    DWORD_PTR proc, sys;
    if (!GetProcessAffinityMask(GetCurrentProcess(), &proc, &sys))
        return -win_errno(GetLastError());
    return SetThreadAffinityMask(GetCurrentThread(), proc) ? 0 : -win_errno(GetLastError());
}

int pf_current_cpu(void)
{
    PROCESSOR_NUMBER pn;
    int base = 0;
    GetCurrentProcessorNumberEx(&pn);
    for (WORD g = 0; g < pn.Group; g++)
        base += (int)GetActiveProcessorCount(g);
    return base + pn.Number;
}

/* SYSTEM_PROCESSOR_PERFORMANCE_INFORMATION (class 8), with its fields named. */
struct sppi {
    LARGE_INTEGER idle, kernel, user, dpc, interrupt;
    ULONG interrupt_count;
};
typedef LONG(NTAPI *nt_query_system_information_fn)(ULONG cls, PVOID buf, ULONG len, PULONG ret);

static nt_query_system_information_fn ntqsi(void)
{
    static nt_query_system_information_fn fn;
    static int tried;
    if (!tried) {
        HMODULE nt = GetModuleHandleA("ntdll.dll");
        tried = 1;
        if (nt)
            fn = (nt_query_system_information_fn)(void (*)(void))GetProcAddress(
                nt, "NtQuerySystemInformation");
    }
    return fn;
}

/* Interrupts serviced by one CPU of the calling thread's processor group (or all). */
static int read_irqs(int cpu, uint64_t *irqs)
{
    struct sppi v[64];
    ULONG got = 0;
    nt_query_system_information_fn fn = ntqsi();
    uint64_t total = 0;

    if (!fn || fn(8, v, sizeof(v), &got) < 0 || got < sizeof(v[0]))
        return -ENOSYS;
    for (ULONG i = 0; i < got / sizeof(v[0]); i++)
        if (cpu < 0 || (ULONG)cpu == i)
            total += v[i].interrupt_count;
    *irqs = total;
    return 0;
}

int pf_noise_read(int cpu, struct pf_noise *n)
{
    memset(n, 0, sizeof(*n));
    n->have_steal = 0; /* not exposed to Windows guests */
    n->have_csw = 0;   /* Windows does not split voluntary from involuntary switches */
    n->have_irqs = read_irqs(cpu, &n->irqs) == 0 && n->irqs > 0;
    return 0;
}

static uint64_t ft_ns(FILETIME t)
{
    return (((uint64_t)t.dwHighDateTime << 32) | t.dwLowDateTime) * 100u;
}

int pf_thread_cpu_ns(uint64_t *user_ns, uint64_t *sys_ns)
{
    FILETIME c, e, k, u;
    if (!GetThreadTimes(GetCurrentThread(), &c, &e, &k, &u))
        return -win_errno(GetLastError());
    *user_ns = ft_ns(u);
    *sys_ns = ft_ns(k);
    return 0;
}

int pf_process_cpu_ns(uint64_t *user_ns, uint64_t *sys_ns)
{
    FILETIME c, e, k, u;
    if (!GetProcessTimes(GetCurrentProcess(), &c, &e, &k, &u))
        return -win_errno(GetLastError());
    *user_ns = ft_ns(u);
    *sys_ns = ft_ns(k);
    return 0;
}

long pf_peak_rss_kib(void)
{
    PROCESS_MEMORY_COUNTERS pmc;
    if (!K32GetProcessMemoryInfo(GetCurrentProcess(), &pmc, sizeof(pmc)))
        return -1;
    return (long)(pmc.PeakWorkingSetSize / 1024);
}

int pf_is_root(void)
{
    HANDLE tok;
    TOKEN_ELEVATION el;
    DWORD len = 0;
    int root = 0;
    if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &tok))
        return 0;
    if (GetTokenInformation(tok, TokenElevation, &el, sizeof(el), &len))
        root = el.TokenIsElevated != 0;
    CloseHandle(tok);
    return root;
}

int pf_lock_memory(void)
{
    return -ENOSYS; /* no mlockall: VirtualLock works per range, within the working set */
}

int pf_unlock_memory(void)
{
    return -ENOSYS;
}

long pf_locked_kib(void)
{
    return -ENOSYS;
}

int pf_timer_slack_min(void)
{
    return -ENOSYS; /* no timer slack; the timer resolution is the timer/wake kernels' */
}

long pf_timer_slack_ns(void)
{
    return -ENOSYS;
}

int pf_set_timer_slack_ns(long ns)
{
    (void)ns;
    return -ENOSYS;
}

/* Real-time priority: the thread at THREAD_PRIORITY_TIME_CRITICAL (the highest a thread
   gets without the real-time priority class, which needs administrator rights). */
int pf_set_rt_priority(int prio)
{
    if (prio < 1 || prio > 99)
        return -EINVAL;
    return SetThreadPriority(GetCurrentThread(), THREAD_PRIORITY_TIME_CRITICAL)
               ? 0
               : -win_errno(GetLastError());
}

int pf_sched_get(struct pf_sched *s)
{
    int p = GetThreadPriority(GetCurrentThread());
    if (p == THREAD_PRIORITY_ERROR_RETURN)
        return -win_errno(GetLastError());
    s->policy = p; /* the thread priority is Windows' whole scheduling policy */
    s->priority = p == THREAD_PRIORITY_TIME_CRITICAL ? 99 : 0;
    return 0;
}

int pf_sched_set(const struct pf_sched *s)
{
    return SetThreadPriority(GetCurrentThread(), s->policy) ? 0 : -win_errno(GetLastError());
}

const char *pf_sched_policy_name(int policy)
{
    switch (policy) {
    case THREAD_PRIORITY_IDLE:
        return "THREAD_PRIORITY_IDLE";
    case THREAD_PRIORITY_LOWEST:
        return "THREAD_PRIORITY_LOWEST";
    case THREAD_PRIORITY_BELOW_NORMAL:
        return "THREAD_PRIORITY_BELOW_NORMAL";
    case THREAD_PRIORITY_NORMAL:
        return "THREAD_PRIORITY_NORMAL";
    case THREAD_PRIORITY_ABOVE_NORMAL:
        return "THREAD_PRIORITY_ABOVE_NORMAL";
    case THREAD_PRIORITY_HIGHEST:
        return "THREAD_PRIORITY_HIGHEST";
    case THREAD_PRIORITY_TIME_CRITICAL:
        return "THREAD_PRIORITY_TIME_CRITICAL";
    default:
        return "unknown";
    }
}

static void (*interrupt_fn)(int sig);

/* The console control handler runs on a thread of its own. Ctrl-C and Ctrl-Break are the
   interrupts measure/harness/cleanup.c expects (the first stops, the second cleans up and exits).
   Closing the console, logging off and shutting down end the process when the handler
   returns, so they count as both: stop (SIGTERM), then clean up and exit (a SIGINT after any
   first interrupt; a repeated SIGTERM is not one). */
static BOOL WINAPI on_console(DWORD type)
{
    void (*fn)(int) = interrupt_fn;
    if (!fn)
        return FALSE;
    switch (type) {
    case CTRL_C_EVENT:
    case CTRL_BREAK_EVENT:
        fn(SIGINT);
        return TRUE;
    case CTRL_CLOSE_EVENT:
    case CTRL_LOGOFF_EVENT:
    case CTRL_SHUTDOWN_EVENT:
        fn(SIGTERM);
        fn(SIGINT);
        return TRUE;
    default:
        return FALSE;
    }
}

int pf_on_interrupt(void (*fn)(int sig))
{
    interrupt_fn = fn;
    /* SIGTERM as raised inside the process (raise, abort paths) goes to the same function */
    signal(SIGTERM, fn);
    return SetConsoleCtrlHandler(on_console, TRUE) ? 0 : -win_errno(GetLastError());
}

static int is_sep(char c)
{
    return c == '/' || c == '\\';
}

int pf_mkdir_p(const char *path, unsigned mode)
{
    char buf[4096];
    size_t n = strlen(path), start = 1;
    struct stat st;

    (void)mode; /* Windows keeps no Unix modes */
    if (n == 0 || n >= sizeof(buf))
        return -ENAMETOOLONG;
    memcpy(buf, path, n + 1);
    if (n >= 2 && buf[1] == ':')
        start = 3; /* "C:\" */
    for (char *p = buf + start; p < buf + n; p++) {
        if (!is_sep(*p))
            continue;
        *p = 0;
        if (_mkdir(buf) && errno != EEXIST && errno != EACCES)
            return -errno;
        *p = '/';
    }
    if (_mkdir(buf) && errno != EEXIST)
        return -errno;
    if (stat(buf, &st))
        return -errno;
    if (!S_ISDIR(st.st_mode))
        return -ENOTDIR;
    return 0;
}

int pf_hostname(char *buf, size_t len)
{
    DWORD n = (DWORD)len;
    if (len == 0)
        return -EINVAL;
    if (!GetComputerNameExA(ComputerNameDnsHostname, buf, &n)) {
        n = (DWORD)len;
        if (!GetComputerNameExA(ComputerNameNetBIOS, buf, &n))
            return -win_errno(GetLastError());
    }
    buf[len - 1] = 0;
    return 0;
}

int pf_read_text(const char *path, char *buf, size_t len)
{
    int fd = _open(path, _O_RDONLY | _O_BINARY);
    int n = 0;
    size_t total = 0;

    if (fd < 0)
        return -errno;
    while (total + 1 < len && (n = _read(fd, buf + total, (unsigned)(len - 1 - total))) > 0)
        total += (size_t)n;
    _close(fd);
    if (n < 0 && total == 0)
        return -EIO;
    buf[total] = 0;
    return 0;
}
