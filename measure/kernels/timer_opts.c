/*
 * The options of the timer wake-up kernels (--interval, --rt-priority), checked once before a
 * run starts (the timer module's check_opts hook in each platform's modules.c), so a bad
 * value is a usage error naming the option, not a failed row. Portable: Linux's
 * timer/wake rows and Windows' waitable-timer rows read the same options.
 */
#include "modules.h"
#include "units.h"

#include <errno.h>
#include <stdio.h>

int timer_check_opts(const struct vb_opts *o, char *msg, size_t len)
{
    if (o->interval_ns < 1000 || o->interval_ns > 10 * NS_PER_S) {
        snprintf(msg, len, "--interval: must be between 1us and 10s");
        return -EINVAL;
    }
    if (o->rt_priority < 0 || o->rt_priority > 99) {
        snprintf(msg, len, "--rt-priority: %d is out of range (1-99)", o->rt_priority);
        return -EINVAL;
    }
    return 0;
}
