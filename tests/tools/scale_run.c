/*
 * scale_run: plant a known change into a copy of a real run, so that compare's detection
 * rate can be measured on this machine's own noise (scripts/bench-verdicts).
 *
 *   scale_run IN_DIR OUT_DIR FACTOR [KEY=VALUE ...]
 *
 * Every latency of every iteration row is multiplied by FACTOR (each histogram bucket's
 * values re-recorded at FACTOR times their value, min/max/sum scaled; real_time, cpu_time
 * and the *_ns counters scaled; items_per_second and bytes_per_second divided), the run id
 * gets a "-xFACTOR" suffix and KEY=VALUE pairs replace or add labels. Exit 0, or 1 with a
 * message.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "result.h"

static struct hist *scale_hist(const struct hist *h, double f)
{
    struct hist *o = hist_new();
    if (!o)
        return NULL;
    for (int i = 0; i < HIST_NBUCKETS; i++)
        if (h->counts[i])
            hist_record_n(o, hist_bucket_value(i, h->min, h->max) * f, h->counts[i]);
    /* keep the exact extremes and moments, scaled */
    o->min = h->min * f;
    o->max = h->max * f;
    o->sum = h->sum * f;
    o->sumsq = h->sumsq * f * f;
    return o;
}

int main(int argc, char **argv)
{
    struct vb_run r;
    char err[1024], id[256];
    double f;
    json_t *labels;

    if (argc < 4 || !(f = atof(argv[3])) || !(f > 0)) {
        fprintf(stderr, "usage: scale_run IN_DIR OUT_DIR FACTOR [KEY=VALUE ...]\n");
        return 1;
    }
    if (vb_run_init(&r) || vb_read_run_dir(argv[1], &r, err, sizeof(err))) {
        fprintf(stderr, "scale_run: %s: %s\n", argv[1], err);
        return 1;
    }
    for (size_t i = 0; i < r.nrows; i++) {
        struct vb_row *w = &r.rows[i];
        w->real_time *= f;
        w->cpu_time *= f;
        w->items_per_second /= f;
        w->bytes_per_second /= f;
        for (size_t k = 0; k < w->ncounters; k++) {
            size_t n = strlen(w->counters[k].name);
            if (n > 3 && strcmp(w->counters[k].name + n - 3, "_ns") == 0)
                w->counters[k].value *= f;
        }
        if (w->hist) {
            struct hist *s = scale_hist(w->hist, f);
            if (!s)
                return 1;
            hist_free(w->hist);
            w->hist = s;
        }
    }
    snprintf(id, sizeof(id), "%s-x%s", json_string_value(json_object_get(r.context, "run_id")),
             argv[3]);
    json_object_set_new(r.context, "run_id", json_string(id));
    labels = json_object_get(r.context, "labels");
    if (!json_is_object(labels)) {
        labels = json_object();
        json_object_set_new(r.context, "labels", labels);
    }
    for (int i = 4; i < argc; i++) {
        char *eq = strchr(argv[i], '=');
        if (!eq) {
            fprintf(stderr, "scale_run: '%s' is not KEY=VALUE\n", argv[i]);
            return 1;
        }
        *eq = 0;
        json_object_set_new(labels, argv[i], json_string(eq + 1));
    }
    mkdir(argv[2], 0755);
    if (vb_write_run_dir(&r, argv[2], VB_FMT_JSON | VB_FMT_CSV, err, sizeof(err))) {
        fprintf(stderr, "scale_run: %s: %s\n", argv[2], err);
        return 1;
    }
    {
        /* a run without histograms (a results.json alone) stays without them */
        char in[4096], out[4096];
        struct stat st;
        snprintf(in, sizeof(in), "%s/histograms.txt", argv[1]);
        snprintf(out, sizeof(out), "%s/histograms.txt", argv[2]);
        if (stat(in, &st) != 0)
            unlink(out);
    }
    vb_run_free(&r);
    return 0;
}
