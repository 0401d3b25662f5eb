/*
 * Reading a run directory back (lib/result.h's vb_read_run_dir) for the analyzer and the
 * tests. Its files come from a guest, so each is read with file_read_all: a regular file
 * only (a FIFO named results.json is refused, not waited on), no symbolic link, opened
 * non-blocking, at most 1 GiB; lib checks what the bytes say.
 */
#include "fileio.h"
#include "jsonx.h"
#include "result.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_RUN_FILE (1ull << 30)

/* Read dir/name safely; 0, or -errno with "<path>: reason" in err. */
static int read_file(const char *dir, const char *name, char **buf, size_t *len, char *err,
                     size_t errlen)
{
    char path[4096];
    int ret;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    ret = file_read_all(path, FILE_NOFOLLOW, MAX_RUN_FILE, buf, len);
    if (ret)
        snprintf(err, errlen, "%s: %s", path,
                 ret == -EFBIG ? "larger than 1 GiB" : file_read_strerror(ret));
    return ret;
}

static json_t *parse(const char *dir, const char *name, const char *buf, size_t len, char *err,
                     size_t errlen)
{
    json_error_t je;
    json_t *j = json_loadb(buf, len, 0, &je);
    if (!j)
        snprintf(err, errlen, "%s/%s:%d:%d: %s", dir, name, je.line, je.column, je.text);
    return j;
}

int vb_read_run_dir(const char *dir, struct vb_run *r, char *err, size_t errlen)
{
    char *buf[3] = {NULL, NULL, NULL}, e2[512];
    size_t len[3] = {0, 0, 0};
    json_t *ctx = NULL, *res = NULL;
    FILE *f = NULL;
    int ret;

    if ((ret = read_file(dir, "context.json", &buf[0], &len[0], err, errlen))) {
        if (ret == -ENOENT)
            snprintf(err, errlen, "%s: not a viobench run directory (no context.json)", dir);
        ret = ret == -ENOENT ? -ENOENT : -EINVAL;
        goto out;
    }
    ret = -EINVAL;
    if (read_file(dir, "results.json", &buf[1], &len[1], err, errlen))
        goto out;
    ret = read_file(dir, "histograms.txt", &buf[2], &len[2], err, errlen);
    if (ret && ret != -ENOENT) {
        ret = -EINVAL;
        goto out;
    }
    ret = -EINVAL;
    if (!(ctx = parse(dir, "context.json", buf[0], len[0], err, errlen)) ||
        !(res = parse(dir, "results.json", buf[1], len[1], err, errlen)))
        goto out;
    if ((ret = vb_run_from_json(dir, ctx, res, r, err, errlen)))
        goto out;
    if (buf[2]) {
        if (len[2] && !(f = fmemopen(buf[2], len[2], "r"))) {
            snprintf(err, errlen, "%s/histograms.txt: out of memory", dir);
            ret = -ENOMEM;
            goto out;
        }
        if (f && (ret = vb_read_histograms(f, r, e2, sizeof(e2)))) {
            snprintf(err, errlen, "%s/histograms.txt: %s", dir, e2);
            goto out;
        }
    }
    ret = 0;
out:
    if (f)
        fclose(f);
    json_decref(ctx);
    json_decref(res);
    for (int i = 0; i < 3; i++)
        free(buf[i]);
    return ret;
}
