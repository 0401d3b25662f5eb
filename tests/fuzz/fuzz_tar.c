/*
 * Fuzz collect/ingest_tar.c, the bundles guests send home (`viobench collect runs.tgz`,
 * often as root): the input is the bundle (any compression libarchive reads), read from
 * memory by ingest_tar_extract_mem() (the same extraction as ingest_tar_extract() over a
 * file) into its own private directory under $TMPDIR (this process's directory, which
 * tests/fuzz/run puts on a tmpfs when there is one). The extraction is then walked as
 * collect walks it (ingest_list_dir) and every run directory and JSON file found is read
 * (ingest_read_rundir, ingest_read_json); the extraction is removed with ingest_rmtree()
 * after each input.
 * fuzz-options: -max_len=16384
 */
#include "fuzz.h"
#include "ingest.h"

#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    /* extractions go into this process's directory, removed at exit */
    setenv("TMPDIR", fuzz_dir(), 1);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char dir[4200], err[512];
    struct ingest_list l = {0};
    long skipped;

    ingest_bundle_magic(data, size);
    if (ingest_tar_extract_mem(size ? (const void *)data : "", size, dir, sizeof(dir), &skipped,
                               err, sizeof(err)) != 0)
        return 0;
    if (ingest_list_dir(dir, 0, &l) == 0) {
        for (size_t i = 0; i < l.n; i++) {
            if (l.v[i].kind == IN_RUNDIR) {
                struct ingest_item it;
                if (ingest_item_init(&it))
                    abort();
                ingest_read_rundir(l.v[i].path, &it, err, sizeof(err));
                ingest_item_free(&it);
            } else if (l.v[i].kind == IN_JSON) {
                struct ingest_item it;
                if (ingest_item_init(&it))
                    abort();
                ingest_read_json(l.v[i].path, &it, err, sizeof(err));
                ingest_item_free(&it);
            }
        }
    }
    ingest_list_free(&l);
    ingest_rmtree(dir);
    return 0;
}
