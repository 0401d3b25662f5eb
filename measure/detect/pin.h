/*
 * Pinning the measuring thread to one CPU (OS CPU numbering): through hwloc on Linux,
 * falling back to the platform's own call when hwloc cannot bind (platform/linux/
 * hwloc_linux.c); through the processor-group affinity calls on Windows.
 */
#ifndef VB_PIN_H
#define VB_PIN_H

#include <stddef.h>

/* Bind the calling thread to OS CPU `cpu`. 0 or -errno with a reason in err. */
int pin_thread(int cpu, char *err, size_t errlen);

#endif
