/*
 * What block device is behind a storage target, read from sysfs, so that every storage
 * result says which path it measured: the driver (virtio_blk, virtio_scsi, hv_storvsc,
 * nvme ...), the queue's logical block size, scheduler, rotational flag, depth, nr_requests,
 * write cache mode and polled-queue support. Also the "is it in use" check that keeps
 * destructive writes away from mounted devices.
 *
 * Resolution: the file's st_dev (or a block device's st_rdev) is /sys/dev/block/MAJ:MIN; a
 * partition's parent directory is its disk; the driver is the first "driver" link found
 * walking up from the disk's "device" link. File systems with anonymous device numbers
 * (btrfs) are resolved through the mount's source in /proc/self/mountinfo.
 */
#include "storage.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "platform.h"

/* snprintf where truncation is harmless (sysfs names are short; a truncated path simply
   fails to open). */
static void SNP(char *dst, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void SNP(char *dst, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(dst, n, fmt, ap);
    va_end(ap);
}

/* Read a sysfs attribute without its trailing newline; 0 or -errno. */
static int read_attr(const char *dir, const char *name, char *buf, size_t len)
{
    char path[PATH_MAX + 64];
    int ret;
    SNP(path, sizeof(path), "%s/%s", dir, name);
    ret = pf_read_text(path, buf, len);
    if (ret)
        return ret;
    buf[strcspn(buf, "\n")] = 0;
    return 0;
}

static void put_str(json_t *o, const char *key, const char *dir, const char *name)
{
    char v[256];
    if (read_attr(dir, name, v, sizeof(v)) == 0)
        json_object_set_new(o, key, json_string(v));
}

static int attr_long(const char *dir, const char *name, long *out)
{
    char v[64], *end;
    if (read_attr(dir, name, v, sizeof(v)))
        return -ENOENT;
    errno = 0;
    *out = strtol(v, &end, 10);
    return errno || end == v ? -EINVAL : 0;
}

static void put_int(json_t *o, const char *key, const char *dir, const char *name)
{
    long v;
    if (attr_long(dir, name, &v) == 0)
        json_object_set_new(o, key, json_integer(v));
}

static void put_bool(json_t *o, const char *key, const char *dir, const char *name)
{
    long v;
    if (attr_long(dir, name, &v) == 0)
        json_object_set_new(o, key, json_boolean(v != 0));
}

/* "none [mq-deadline] kyber" -> active "mq-deadline" and the list of choices. */
static void put_scheduler(json_t *o, const char *qdir)
{
    char v[256], *save = NULL, *tok;
    json_t *all = json_array();
    if (read_attr(qdir, "scheduler", v, sizeof(v))) {
        json_decref(all);
        return;
    }
    for (tok = strtok_r(v, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
        size_t n = strlen(tok);
        if (tok[0] == '[' && n > 2 && tok[n - 1] == ']') {
            tok[n - 1] = 0;
            tok++;
            json_object_set_new(o, "scheduler", json_string(tok));
        }
        json_array_append_new(all, json_string(tok));
    }
    json_object_set_new(o, "schedulers_available", all);
}

/* Hardware queues and tags per queue from <disk>/mq/. */
static void put_mq(json_t *o, const char *ddir)
{
    char path[PATH_MAX + 16], sub[PATH_MAX + 64];
    struct dirent *e;
    long hwq = 0, tags = -1;
    DIR *d;

    SNP(path, sizeof(path), "%s/mq", ddir);
    d = opendir(path);
    if (!d)
        return;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        hwq++;
        SNP(sub, sizeof(sub), "%s/%s", path, e->d_name);
        if (tags < 0 && attr_long(sub, "nr_tags", &tags))
            tags = -1;
    }
    closedir(d);
    json_object_set_new(o, "hw_queues", json_integer(hwq));
    if (tags >= 0)
        json_object_set_new(o, "tags_per_hw_queue", json_integer(tags));
}

/* Walk up from <disk>/device collecting driver names into chain; first into driver. */
static void driver_chain(const char *ddir, const char *disk, char *driver, size_t len,
                         json_t *chain)
{
    char path[PATH_MAX + 16], dev[PATH_MAX], link[PATH_MAX + 16], target[PATH_MAX];
    ssize_t n;

    driver[0] = 0;
    SNP(path, sizeof(path), "%s/device", ddir);
    if (!realpath(path, dev)) {
        /* virtual devices have no parent device: name them by their kind */
        static const char *const kinds[] = {"loop", "dm-", "md", "zram", "nbd", "ram", "rbd"};
        for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
            if (strncmp(disk, kinds[i], strlen(kinds[i])) == 0) {
                SNP(driver, len, "%.*s", (int)strcspn(kinds[i], "-"), kinds[i]);
                json_array_append_new(chain, json_string(driver));
                return;
            }
        return;
    }
    for (int depth = 0; depth < 8 && strncmp(dev, "/sys/devices/", 13) == 0; depth++) {
        char *slash;
        SNP(link, sizeof(link), "%s/driver", dev);
        n = readlink(link, target, sizeof(target) - 1);
        if (n > 0) {
            const char *base;
            target[n] = 0;
            base = strrchr(target, '/');
            base = base ? base + 1 : target;
            json_array_append_new(chain, json_string(base));
            /* sd/sr are SCSI's upper drivers; the transport (virtio_scsi, hv_storvsc) is
               what differs between hypervisors, so keep looking for it */
            if (!driver[0] && strcmp(base, "sd") != 0 && strcmp(base, "sr") != 0)
                SNP(driver, len, "%s", base);
        }
        slash = strrchr(dev, '/');
        if (!slash)
            break;
        *slash = 0;
    }
}

/* Underlying devices of a dm/md device (<disk>/slaves). */
static void put_slaves(json_t *o, const char *ddir)
{
    char path[PATH_MAX + 16], sdir[PATH_MAX + 300], drv[64];
    struct dirent *e;
    json_t *arr;
    DIR *d;

    SNP(path, sizeof(path), "%s/slaves", ddir);
    d = opendir(path);
    if (!d)
        return;
    arr = json_array();
    while ((e = readdir(d))) {
        json_t *chain;
        if (e->d_name[0] == '.')
            continue;
        chain = json_array();
        SNP(sdir, sizeof(sdir), "/sys/class/block/%s", e->d_name);
        driver_chain(sdir, e->d_name, drv, sizeof(drv), chain);
        json_array_append_new(arr, json_pack("{s:s, s:s, s:o}", "device", e->d_name, "driver", drv,
                                             "driver_chain", chain));
    }
    closedir(d);
    if (json_array_size(arr))
        json_object_set_new(o, "slaves", arr);
    else
        json_decref(arr);
}

int st_device_numbers(int fd, unsigned *maj, unsigned *min)
{
    struct stat st;
    FILE *f;
    char line[4096];
    int ret = -ENODEV;

    if (fstat(fd, &st))
        return -errno;
    if (S_ISBLK(st.st_mode)) {
        *maj = major(st.st_rdev);
        *min = minor(st.st_rdev);
        return 0;
    }
    *maj = major(st.st_dev);
    *min = minor(st.st_dev);
    if (*maj != 0)
        return 0;
    /* anonymous device numbers (btrfs, overlay, tmpfs): try the mount's source */
    f = fopen("/proc/self/mountinfo", "re");
    if (!f)
        return -ENODEV;
    while (fgets(line, sizeof(line), f)) {
        unsigned ma, mi;
        char *sep, src[1024];
        struct stat bs;
        if (sscanf(line, "%*u %*u %u:%u", &ma, &mi) != 2 || ma != *maj || mi != *min)
            continue;
        sep = strstr(line, " - ");
        if (!sep || sscanf(sep + 3, "%*s %1023s", src) != 1)
            break;
        if (src[0] == '/' && stat(src, &bs) == 0 && S_ISBLK(bs.st_mode)) {
            *maj = major(bs.st_rdev);
            *min = minor(bs.st_rdev);
            ret = 0;
        }
        break;
    }
    fclose(f);
    return ret;
}

int st_device_of(unsigned maj, unsigned min, struct st_device *d)
{
    char path[64], dev[PATH_MAX], ddir[PATH_MAX], qdir[PATH_MAX + 8], part[16];
    const char *base;
    json_t *f, *chain;
    long v;

    memset(d, 0, sizeof(*d));
    d->io_poll = -1;
    SNP(path, sizeof(path), "/sys/dev/block/%u:%u", maj, min);
    if (!realpath(path, dev))
        return -ENODEV;
    base = strrchr(dev, '/');
    SNP(d->name, sizeof(d->name), "%s", base ? base + 1 : dev);
    SNP(ddir, sizeof(ddir), "%s", dev);
    if (read_attr(dev, "partition", part, sizeof(part)) == 0) {
        char *slash = strrchr(ddir, '/');
        if (slash)
            *slash = 0;
    }
    base = strrchr(ddir, '/');
    SNP(d->disk, sizeof(d->disk), "%s", base ? base + 1 : ddir);
    SNP(qdir, sizeof(qdir), "%s/queue", ddir);

    f = json_object();
    if (!f)
        return -ENOMEM;
    json_object_set_new(f, "device", json_string(d->name));
    json_object_set_new(f, "disk", json_string(d->disk));
    json_object_set_new(f, "partition", json_boolean(strcmp(d->name, d->disk) != 0));
    json_object_set_new(f, "major_minor", json_sprintf("%u:%u", maj, min));
    chain = json_array();
    driver_chain(ddir, d->disk, d->driver, sizeof(d->driver), chain);
    json_object_set_new(f, "driver", d->driver[0] ? json_string(d->driver) : json_null());
    json_object_set_new(f, "driver_chain", chain);
    put_str(f, "vendor", ddir, "device/vendor");
    put_str(f, "model", ddir, "device/model");
    if (attr_long(ddir, "size", &v) == 0)
        json_object_set_new(f, "size_bytes", json_integer((json_int_t)v * 512));
    put_int(f, "logical_block_size", qdir, "logical_block_size");
    put_int(f, "physical_block_size", qdir, "physical_block_size");
    put_int(f, "minimum_io_size", qdir, "minimum_io_size");
    put_int(f, "optimal_io_size", qdir, "optimal_io_size");
    put_scheduler(f, qdir);
    put_bool(f, "rotational", qdir, "rotational");
    put_int(f, "nr_requests", qdir, "nr_requests");
    put_mq(f, ddir);
    if (attr_long(ddir, "device/queue_depth", &v) == 0) /* SCSI */
        json_object_set_new(f, "queue_depth", json_integer(v));
    else if (json_object_get(f, "tags_per_hw_queue"))
        json_object_set(f, "queue_depth", json_object_get(f, "tags_per_hw_queue"));
    put_str(f, "write_cache", qdir, "write_cache");
    put_bool(f, "fua", qdir, "fua");
    put_bool(f, "io_poll", qdir, "io_poll");
    put_int(f, "max_sectors_kb", qdir, "max_sectors_kb");
    put_int(f, "max_hw_sectors_kb", qdir, "max_hw_sectors_kb");
    put_int(f, "read_ahead_kb", qdir, "read_ahead_kb");
    put_int(f, "nomerges", qdir, "nomerges");
    put_str(f, "virtio_features", ddir, "device/features");
    put_str(f, "loop_backing_file", ddir, "loop/backing_file");
    put_str(f, "dm_name", ddir, "dm/name");
    put_slaves(f, ddir);
    if (attr_long(qdir, "io_poll", &v) == 0)
        d->io_poll = v != 0;
    if (attr_long(qdir, "logical_block_size", &v) == 0 && v > 0)
        d->logical_bs = (unsigned)v;
    d->facts = f;
    return 0;
}

/* Does the mount table or the swap list use maj:min? */
static int numbers_used(unsigned maj, unsigned min, const char *name, char *what, size_t len)
{
    char line[4096];
    FILE *f = fopen("/proc/self/mountinfo", "re");
    int used = 0;

    if (f) {
        while (!used && fgets(line, sizeof(line), f)) {
            unsigned ma, mi;
            char mnt[1024];
            if (sscanf(line, "%*u %*u %u:%u %*s %1023s", &ma, &mi, mnt) == 3 && ma == maj &&
                mi == min) {
                SNP(what, len, "%s is mounted at %s", name, mnt);
                used = 1;
            }
        }
        fclose(f);
    }
    f = fopen("/proc/swaps", "re");
    if (f) {
        while (!used && fgets(line, sizeof(line), f)) {
            char dev[1024];
            struct stat st;
            if (sscanf(line, "%1023s", dev) == 1 && dev[0] == '/' && stat(dev, &st) == 0 &&
                S_ISBLK(st.st_mode) && major(st.st_rdev) == maj && minor(st.st_rdev) == min) {
                SNP(what, len, "%s is in use as swap", name);
                used = 1;
            }
        }
        fclose(f);
    }
    return used;
}

int st_device_in_use(unsigned maj, unsigned min, char *what, size_t len)
{
    char path[64], dev[PATH_MAX], sub[PATH_MAX + 300], num[32];
    const char *name;
    struct dirent *e;
    DIR *d;
    int used;

    SNP(path, sizeof(path), "/sys/dev/block/%u:%u", maj, min);
    if (!realpath(path, dev))
        return -ENODEV;
    name = strrchr(dev, '/') ? strrchr(dev, '/') + 1 : dev;
    used = numbers_used(maj, min, name, what, len);
    /* holders: device-mapper, md or bcache built on top of it */
    SNP(sub, sizeof(sub), "%s/holders", dev);
    if (!used && (d = opendir(sub))) {
        while ((e = readdir(d)))
            if (e->d_name[0] != '.') {
                SNP(what, len, "%s is held by %s", name, e->d_name);
                used = 1;
                break;
            }
        closedir(d);
    }
    /* partitions of a whole disk, each checked the same way */
    if (!used && (d = opendir(dev))) {
        while (!used && (e = readdir(d))) {
            unsigned ma, mi;
            SNP(sub, sizeof(sub), "%s/%s", dev, e->d_name);
            if (e->d_name[0] == '.' || read_attr(sub, "partition", num, sizeof(num)) ||
                read_attr(sub, "dev", num, sizeof(num)) || sscanf(num, "%u:%u", &ma, &mi) != 2)
                continue;
            used = st_device_in_use(ma, mi, what, len);
            if (used < 0)
                used = 0;
        }
        closedir(d);
    }
    return used;
}

int st_loop_backing(unsigned maj, unsigned min, dev_t *dev, ino_t *ino)
{
    char dir[64], file[PATH_MAX];
    struct stat st;
    int ret;

    SNP(dir, sizeof(dir), "/sys/dev/block/%u:%u/loop", maj, min);
    if ((ret = read_attr(dir, "backing_file", file, sizeof(file))))
        return ret;
    if (stat(file, &st))
        return -errno;
    *dev = st.st_dev;
    *ino = st.st_ino;
    return 0;
}

/* Another attachment of the same image is as dangerous as the device itself: writing to
   /dev/loop1 or to the image file corrupts the file system mounted through /dev/loop0. */
int st_image_in_use(dev_t dev, ino_t ino, unsigned maj, unsigned min, char *what, size_t len)
{
    char sub[512], num[32], path[300];
    struct dirent *e;
    int used = 0;
    DIR *d = opendir("/sys/block");

    if (!d)
        return 0;
    while (!used && (e = readdir(d))) {
        unsigned ma, mi;
        dev_t bdev;
        ino_t bino;
        SNP(path, sizeof(path), "/sys/block/%s", e->d_name);
        if (strncmp(e->d_name, "loop", 4) || read_attr(path, "dev", num, sizeof(num)) ||
            sscanf(num, "%u:%u", &ma, &mi) != 2 || (ma == maj && mi == min) ||
            st_loop_backing(ma, mi, &bdev, &bino) || bdev != dev || bino != ino)
            continue;
        if (st_device_in_use(ma, mi, sub, sizeof(sub)) > 0) {
            SNP(what, len, "attached as %s, and %s", e->d_name, sub);
            used = 1;
        }
    }
    closedir(d);
    return used;
}
