/*
 * Windows storage kernels, internal interfaces: the run's target and its safety rules
 * (storage_win_target.c) and the IOCP engine with its rows (storage_iocp.c). Names,
 * patterns, options and rules follow the Linux storage kernels (kernels/linux/storage.h).
 */
#ifndef VB_STORAGE_WIN_H
#define VB_STORAGE_WIN_H

#include <windows.h>

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel.h"

#define SW_QUICK_SIZE (256ull << 20) /* default test file in the quick suite */
#define SW_FULL_SIZE  (1ull << 30)   /* default test file otherwise */
#define SW_RWMIX_READ 70             /* randrw: percent of reads */

enum sw_pattern { SWP_RANDREAD, SWP_RANDWRITE, SWP_READ, SWP_WRITE, SWP_RANDRW };

/* The run's target, once opened. */
struct sw_target {
    char path[MAX_PATH]; /* the file I/O goes to */
    int created;         /* 1: viobench created it (and deletes it) */
    HANDLE h;            /* unbuffered, write-through, overlapped */
    int writable;        /* h is open for writing */
    uint64_t size;       /* bytes usable for I/O, a multiple of align */
    unsigned align;      /* offset, length and buffer alignment (sector size) */
    char fs_type[32];    /* "NTFS", "ReFS" ... */
    double fill_s;       /* seconds spent writing the new file */
};

/*
 * The target for a kernel that writes (want_write) or only reads: opened (and for --target
 * DIR created and filled) on first use; removed at the end of the run and on Ctrl-C.
 * 0 with *t; 1 to skip (why filled); -errno with the reason in why.
 */
int sw_target_get(const struct vb_opts *o, int want_write, const struct sw_target **t, char *why,
                  size_t len);
/* The target's I/O completion port (created on first use; a file joins one port for
   life, so every IOCP kernel of the run shares it and drains it before returning). NULL
   with the reason in why. */
HANDLE sw_target_port(char *why, size_t len);
/* valid()'s static check: 1 with why when a write kernel must not write to the user's
   --target FILE (no --allow-destructive-writes), else 0. */
int sw_target_refuses(const struct vb_opts *o, int want_write, char *why, size_t len);

/* The same xorshift offset stream as Linux's storage kernels. */
struct sw_stream {
    uint64_t rng, nblocks, next;
    unsigned bs;
    enum sw_pattern pattern;
};

static inline uint64_t sw_rand(struct sw_stream *s)
{
    uint64_t x = s->rng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    s->rng = x;
    return x * 0x2545f4914f6cdd1dull;
}

/* Start a stream over size bytes with I/Os of bs bytes. */
static inline void sw_stream_init(struct sw_stream *s, enum sw_pattern p, unsigned bs,
                                  uint64_t size, uint64_t seed)
{
    s->pattern = p;
    s->bs = bs;
    s->next = 0;
    s->nblocks = size / bs ? size / bs : 1;
    seed += 0x9e3779b97f4a7c15ull;
    seed = (seed ^ (seed >> 30)) * 0xbf58476d1ce4e5b9ull;
    seed = (seed ^ (seed >> 27)) * 0x94d049bb133111ebull;
    s->rng = (seed ^ (seed >> 31)) | 1;
}

/* Next I/O's byte offset; *write is 1 for a write. */
static inline uint64_t sw_stream_next(struct sw_stream *s, int *write)
{
    uint64_t b;
    switch (s->pattern) {
    case SWP_READ:
    case SWP_WRITE:
        b = s->next++;
        if (s->next == s->nblocks)
            s->next = 0;
        *write = s->pattern == SWP_WRITE;
        break;
    case SWP_RANDRW:
        *write = (sw_rand(s) >> 32) % 100 >= SW_RWMIX_READ;
        b = (uint64_t)(((unsigned __int128)sw_rand(s) * s->nblocks) >> 64);
        break;
    default:
        *write = s->pattern == SWP_RANDWRITE;
        b = (uint64_t)(((unsigned __int128)sw_rand(s) * s->nblocks) >> 64);
        break;
    }
    return b * s->bs;
}

#endif
