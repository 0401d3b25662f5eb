/*
 * Fuzz collect/ingest_fio.c through ingest_parse_json(), the path `viobench collect` takes
 * for a JSON file: fio's notes before the document are skipped, the document is told apart
 * by content (fio or Google Benchmark) and read into a store item. Seeds are fio's JSON and
 * json+ outputs from tests/fixtures/collect. A fio timestamp_ms of 1e300 once
 * overflowed a time_t: regressions/fuzz_fio/.
 */
#include "fuzz.h"
#include "ingest.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ingest_item it;
    char err[512];

    if (ingest_item_init(&it))
        abort();
    ingest_sha256_hex(data, size, it.hash);
    /* the reader gets a NUL-terminated buffer, as ingest_json_bytes() makes */
    char *buf = fuzz_str(data, size);
    ingest_parse_json(buf, size, &it, err, sizeof(err));
    free(buf);
    ingest_item_free(&it);
    return 0;
}
