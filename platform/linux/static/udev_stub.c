/*
 * Static builds only: Debian ships libudev as a shared library alone, and static hwloc
 * refers to five of its functions to name devices. hwloc treats a NULL udev handle as "no
 * udev" and carries on, so these stand-ins return NULL and the static viobench keeps the
 * full hwloc topology (cores, caches, NUMA) without device names.
 */
#include <stddef.h>

struct udev;
struct udev_device;

struct udev *udev_new(void);
struct udev *udev_unref(struct udev *u);
struct udev_device *udev_device_new_from_subsystem_sysname(struct udev *u, const char *subsystem,
                                                           const char *sysname);
const char *udev_device_get_property_value(struct udev_device *d, const char *key);
struct udev_device *udev_device_unref(struct udev_device *d);

struct udev *udev_new(void)
{
    return NULL;
}

struct udev *udev_unref(struct udev *u)
{
    (void)u;
    return NULL;
}

struct udev_device *udev_device_new_from_subsystem_sysname(struct udev *u, const char *subsystem,
                                                           const char *sysname)
{
    (void)u;
    (void)subsystem;
    (void)sysname;
    return NULL;
}

const char *udev_device_get_property_value(struct udev_device *d, const char *key)
{
    (void)d;
    (void)key;
    return NULL;
}

struct udev_device *udev_device_unref(struct udev_device *d)
{
    (void)d;
    return NULL;
}
