/*
 * Fuzz collect/ingest_hdrlog.c and the V2 codec under it (collect/hdr_codec.c), the path
 * `viobench collect` takes for an HdrHistogram interval log. Two modes, chosen by the
 * first byte: even, the rest is a log as a file holds it (seeds: logs from
 * tests/tools/hdrlog_craft.py and the hdr-histogram-js fixture); odd, the rest is an
 * inflated V2 histogram that the harness deflates and base64-encodes into one interval
 * line, so mutations reach the header and count decoding instead of dying in zlib's
 * checksum.
 */
#include "fuzz.h"
#include "ingest.h"

#include <nettle/base64.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static void run(const char *buf, size_t len)
{
    struct ingest_item it;
    char err[700];

    if (ingest_item_init(&it))
        abort();
    ingest_sha256_hex(buf, len, it.hash);
    ingest_hdrlog_sniff(buf, len);
    ingest_hdrlog(buf, len, &it, err, sizeof(err));
    ingest_item_free(&it);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char head[] = "#[Histogram log format version 1.3]\nTag=a#0,0.000,1.000,0.1,";
    uLongf zn;
    uint8_t *packed;
    char *log;
    size_t n;

    if (size < 1)
        return 0;
    if (!(data[0] & 1)) {
        char *buf = fuzz_str(data + 1, size - 1);
        run(buf, strlen(buf));
        free(buf);
        return 0;
    }
    zn = compressBound((uLong)(size - 1));
    if (!(packed = malloc(8 + zn)))
        abort();
    if (compress2(packed + 8, &zn, data + 1, (uLong)(size - 1), 1) != Z_OK)
        abort();
    packed[0] = 0x1c, packed[1] = 0x84, packed[2] = 0x93, packed[3] = 0x14;
    packed[4] = (uint8_t)(zn >> 24), packed[5] = (uint8_t)(zn >> 16);
    packed[6] = (uint8_t)(zn >> 8), packed[7] = (uint8_t)zn;
    n = sizeof(head) - 1 + BASE64_ENCODE_RAW_LENGTH(8 + zn);
    if (!(log = malloc(n + 2)))
        abort();
    memcpy(log, head, sizeof(head) - 1);
    base64_encode_raw(log + sizeof(head) - 1, 8 + zn, packed);
    log[n] = '\n';
    log[n + 1] = 0;
    run(log, n + 1);
    free(packed);
    free(log);
    return 0;
}
