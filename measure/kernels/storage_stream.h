/*
 * The portable part of the storage kernels, shared by Linux (measure/kernels/linux/storage.h) and
 * Windows (measure/kernels/windows/storage_win.h) so that both issue the same I/O stream: the
 * access patterns and their names, the default test file sizes, and the offset stream (a
 * splitmix64-seeded xorshift64* generator) that picks each I/O's block and direction. Pure
 * arithmetic, no OS calls; everything here is inline.
 */
#ifndef VB_STORAGE_STREAM_H
#define VB_STORAGE_STREAM_H

#include <stdint.h>

#define ST_QUICK_SIZE (256ull << 20) /* default test file in the quick suite */
#define ST_FULL_SIZE  (1ull << 30)   /* default test file otherwise */
#define ST_RWMIX_READ 70             /* randrw: percent of reads */

enum st_pattern { STP_RANDREAD, STP_RANDWRITE, STP_READ, STP_WRITE, STP_RANDRW };

/* A pattern's name as it appears in row names and info ("randread" ...). */
static inline const char *st_pattern_name(enum st_pattern p)
{
    static const char *const names[] = {"randread", "randwrite", "read", "write", "randrw"};
    return names[p];
}

/* 1 when the pattern writes (write, randwrite, randrw). */
static inline int st_pattern_writes(enum st_pattern p)
{
    return p == STP_RANDWRITE || p == STP_WRITE || p == STP_RANDRW;
}

/* Offsets and directions of one kernel's I/O stream. */
struct st_stream {
    uint64_t rng;     /* xorshift state, never 0 */
    uint64_t nblocks; /* size / bs, at least 1 */
    uint64_t next;    /* sequential patterns: next block */
    unsigned bs;      /* bytes per I/O */
    enum st_pattern pattern;
};

/* Start a stream over size bytes with I/Os of bs bytes (bs > 0), seeded from seed. */
static inline void st_stream_init(struct st_stream *s, enum st_pattern p, unsigned bs,
                                  uint64_t size, uint64_t seed)
{
    s->pattern = p;
    s->bs = bs;
    s->next = 0;
    s->nblocks = size / bs ? size / bs : 1;
    /* splitmix64 of the seed: never zero, well mixed */
    seed += 0x9e3779b97f4a7c15ull;
    seed = (seed ^ (seed >> 30)) * 0xbf58476d1ce4e5b9ull;
    seed = (seed ^ (seed >> 27)) * 0x94d049bb133111ebull;
    s->rng = (seed ^ (seed >> 31)) | 1;
}

/* The next 64 random bits of the stream (xorshift64*). */
static inline uint64_t st_rand(struct st_stream *s)
{
    uint64_t x = s->rng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    s->rng = x;
    return x * 0x2545f4914f6cdd1dull;
}

/* Next I/O: its byte offset (a multiple of bs below nblocks * bs), and *write set to 1 for
   a write. Sequential patterns wrap around; random ones draw a uniform block. */
static inline uint64_t st_stream_next(struct st_stream *s, int *write)
{
    uint64_t b;
    switch (s->pattern) {
    case STP_READ:
    case STP_WRITE:
        b = s->next++;
        if (s->next == s->nblocks)
            s->next = 0;
        *write = s->pattern == STP_WRITE;
        break;
    case STP_RANDRW:
        *write = (st_rand(s) >> 32) % 100 >= ST_RWMIX_READ;
        b = (uint64_t)(((unsigned __int128)st_rand(s) * s->nblocks) >> 64);
        break;
    default:
        *write = s->pattern == STP_RANDWRITE;
        b = (uint64_t)(((unsigned __int128)st_rand(s) * s->nblocks) >> 64);
        break;
    }
    return b * s->bs;
}

#endif
