/*
 * Fuzz collect/ingest_gbench.c: `viobench collect` stores Google Benchmark JSON written by
 * any program. The input is the document; ingest_gbench() turns it into a store item (rows,
 * raw rows kept for export, labels, run id).
 */
#include "fuzz.h"
#include "ingest.h"

#include <jansson.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_error_t je;
    json_t *root = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &je);
    struct ingest_item it;
    char err[512];

    if (!root)
        return 0;
    if (ingest_item_init(&it))
        abort();
    ingest_sha256_hex(data, size, it.hash);
    ingest_gbench(root, &it, err, sizeof(err));
    ingest_item_free(&it);
    json_decref(root);
    return 0;
}
