/*
 * Shared helpers of the libFuzzer harnesses in tests/fuzz/ (see docs/building-testing.md,
 * "Fuzzing"). Each harness is one small file calling one parser of outside input; these
 * helpers keep them deterministic and quiet and make sure nothing they write outlives the
 * process: files go into one private directory per process under $TMPDIR, removed at exit
 * (and `make fuzz` runs each harness with its own $TMPDIR, removed after the run, for the
 * crash case).
 */
#ifndef VB_FUZZ_H
#define VB_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* The separator between the parts of an input that feeds several files ("\n=====\n"). */
#define FUZZ_SEP "\n=====\n"

/* The libFuzzer entry point every harness defines. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Optional: called once before the first input (one-time set-up: a store, a skeleton). */
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* This process's private directory (created on first use, removed with everything in it
   at exit). Aborts when it cannot be created: a harness without it would test nothing. */
const char *fuzz_dir(void);
/* Write n bytes to path (created 0600 or truncated). Aborts on failure. */
void fuzz_write(const char *path, const void *buf, size_t n);
/* Remove a tree (not following links); a missing path is fine. */
void fuzz_rmtree(const char *path);
/* Split data at FUZZ_SEP into at most max NUL-terminated malloc'ed parts (the last part
   takes the rest, separators included); *lens gets each part's length. Returns the number
   of parts (at least 1). Free with fuzz_parts_free. */
int fuzz_split(const uint8_t *data, size_t size, char **parts, size_t *lens, int max);
void fuzz_parts_free(char **parts, int n);
/* A NUL-terminated copy of the input (embedded NULs end it early). Aborts on ENOMEM. */
char *fuzz_str(const uint8_t *data, size_t size);

#endif
