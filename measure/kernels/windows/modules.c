/*
 * Windows: the kernel modules of this build, in table order, each with the check of the
 * options it reads. The rdtsc/rdtscp rows and exit/... are the portable modules, so they
 * carry the same names as on Linux.
 */
#include "modules.h"

const struct vb_module vb_modules[] = {
    {timer_win_kernels, timer_check_opts}, /* timer/read/{qpc,precise_filetime}, timer/wake/... */
    {timer_tsc_kernels, NULL},             /* timer/read/rdtsc[p] */
    {exit_kernels, NULL},                  /* exit/... */
    {storage_iocp_kernels, storage_check_opts}, /* storage/iocp/..., storage/flush */
    {net_kernels, net_check_opts},              /* net/... */
    {NULL, NULL},
};
