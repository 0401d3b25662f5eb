/*
 * Run directories: writing context.json, results.json, results.csv and histograms.txt
 * atomically, and checking the files of one read back. The reading itself
 * (vb_read_run_dir) is the platform's (platform/linux/rundir_linux.c): files from a guest
 * are read only as regular files, non-blocking and bounded (lib/fileio.h's file_read_all).
 */
#include "fileio.h"
#include "jsonx.h"
#include "result.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Histogram record names: "<run_name>#<repetition_index>", blanks as %20 so the name
   stays one token. */
void vb_hist_record_name(const struct vb_row *w, char *buf, size_t len)
{
    size_t o = 0;
    for (const char *p = w->run_name; *p && o + 4 < len; p++) {
        if (*p == ' ' || *p == '\t' || *p == '%') {
            o += (size_t)snprintf(buf + o, len - o, "%%%02X", (unsigned char)*p);
            continue;
        }
        buf[o++] = *p;
    }
    snprintf(buf + o, len - o, "#%d", w->repetition_index);
}

int vb_write_histograms(const struct vb_run *r, FILE *f)
{
    fprintf(f, "# viobench histograms: one record per iteration row, see lib/hist.h\n");
    for (size_t i = 0; i < r->nrows; i++) {
        char name[1100];
        int ret;
        if (!r->rows[i].hist)
            continue;
        vb_hist_record_name(&r->rows[i], name, sizeof(name));
        if ((ret = hist_write(r->rows[i].hist, name, f)))
            return ret;
    }
    return 0;
}

int vb_read_histograms(FILE *f, struct vb_run *r, char *err, size_t errlen)
{
    char name[1100], want[1100];
    struct hist *h;
    int ret;

    while ((ret = hist_read(f, &h, name, sizeof(name), err, errlen)) == 1) {
        size_t i;
        for (i = 0; i < r->nrows; i++) {
            struct vb_row *w = &r->rows[i];
            if (w->run_type != VB_ITERATION || w->hist)
                continue;
            vb_hist_record_name(w, want, sizeof(want));
            if (strcmp(want, name) == 0) {
                w->hist = h;
                break;
            }
        }
        if (i == r->nrows) {
            snprintf(err, errlen, "histogram '%s' matches no benchmark row", name);
            hist_free(h);
            return -EINVAL;
        }
    }
    return ret;
}

static int w_json(FILE *f, void *arg)
{
    return vb_write_gbench_json(arg, f);
}

static int w_csv(FILE *f, void *arg)
{
    return vb_write_gbench_csv(arg, f);
}

static int w_hist(FILE *f, void *arg)
{
    return vb_write_histograms(arg, f);
}

int vb_write_run_dir(const struct vb_run *r, const char *dir, unsigned formats, char *err,
                     size_t errlen)
{
    char path[4096];
    int ret;

#define PATH(file) snprintf(path, sizeof(path), "%s/%s", dir, file)
    PATH("context.json");
    if ((ret = jx_write_file(r->context, path)))
        goto fail;
    if (formats & VB_FMT_JSON) {
        PATH("results.json");
        if ((ret = file_write_atomic(path, w_json, (void *)r)))
            goto fail;
    }
    if (formats & VB_FMT_CSV) {
        PATH("results.csv");
        if ((ret = file_write_atomic(path, w_csv, (void *)r)))
            goto fail;
    }
    PATH("histograms.txt");
    if ((ret = file_write_atomic(path, w_hist, (void *)r)))
        goto fail;
#undef PATH
    return 0;
fail:
    snprintf(err, errlen, "%s: %s", path, strerror(-ret));
    return ret;
}

int vb_run_from_json(const char *dir, json_t *ctx, json_t *res, struct vb_run *r, char *err,
                     size_t errlen)
{
    char e2[512];
    int ret;

    if (!json_is_object(ctx) || !json_is_integer(json_object_get(ctx, "viobench_format"))) {
        snprintf(err, errlen, "%s/context.json: no viobench_format version", dir);
        return -EINVAL;
    }
    if (json_integer_value(json_object_get(ctx, "viobench_format")) > VB_FORMAT_VERSION) {
        snprintf(err, errlen,
                 "%s/context.json: format version %lld is newer than this viobench (%d)", dir,
                 (long long)json_integer_value(json_object_get(ctx, "viobench_format")),
                 VB_FORMAT_VERSION);
        return -EINVAL;
    }
    if ((ret = vb_read_gbench_json(res, r, e2, sizeof(e2)))) {
        snprintf(err, errlen, "%s/results.json: %s", dir, e2);
        return ret;
    }
    json_decref(r->context);
    r->context = json_incref(ctx);
    return 0;
}
