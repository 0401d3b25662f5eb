/*
 * Fuzz histograms.txt, the one file format viobench parses by hand (lib/hist.c's hist_read
 * through lib/result_dir.c's vb_read_histograms, and collect/ingest_hist.c's reader straight
 * into the store's encoding). The input is the file; the rows it is matched against are a
 * fixed run of three iteration rows (two repetitions of one benchmark and one of another,
 * one name with a blank) and an aggregate, so record names can match, repeat or miss.
 * fuzz-options: -max_len=4096
 */
#include "fuzz.h"
#include "ingest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct vb_run run;

static void add(const char *name, int rep, enum vb_run_type type)
{
    struct vb_row *w = vb_run_add_row(&run, name);
    if (!w)
        abort();
    w->repetition_index = rep;
    w->run_type = type;
}

static void make_run(void)
{
    if (vb_run_init(&run))
        abort();
    add("timer/read/clock_gettime", 0, VB_ITERATION);
    add("timer/read/clock_gettime", 1, VB_ITERATION);
    add("net/tcp_rr/size:64 x", 0, VB_ITERATION);
    add("timer/read/clock_gettime_mean", 0, VB_AGGREGATE);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct store_hist *hs = NULL;
    char err[512], *buf = fuzz_str(data, size);
    FILE *f;

    if (!run.nrows)
        make_run();
    if (ingest_hist_text(buf, size, &run, &hs, err, sizeof(err)) == 0)
        ingest_hists_free(hs, run.nrows);
    f = fmemopen(buf, size ? size : 1, "r");
    if (f) {
        vb_read_histograms(f, &run, err, sizeof(err));
        fclose(f);
    }
    for (size_t i = 0; i < run.nrows; i++) {
        hist_free(run.rows[i].hist);
        run.rows[i].hist = NULL;
    }
    free(buf);
    return 0;
}
