/*
 * Pinning the measuring thread to one CPU through hwloc (OS CPU numbering), falling back to
 * the platform's own call when hwloc cannot bind.
 */
#ifndef VB_PIN_H
#define VB_PIN_H

#include <stddef.h>

/* Bind the calling thread to OS CPU `cpu`. 0 or -errno with a reason in err. */
int pin_thread(int cpu, char *err, size_t errlen);

#endif
