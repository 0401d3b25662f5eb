/*
 * Name patterns for --filter: a comma-separated list of patterns, each a glob (*, ?, [set])
 * matched against the whole name when it has a wildcard, or otherwise text that must occur
 * as whole '/'-separated components of the name ("exit", "cpuid", "bs:4k/qd:1", but "qd:1"
 * does not pick "qd:16" and "monotonic" does not pick "monotonic_raw"); a leading '-'
 * excludes. A name matches when it matches any positive pattern (or there is none) and no
 * negative one.
 */
#ifndef VB_MATCH_H
#define VB_MATCH_H

/* 1 when the glob pattern matches the whole string, else 0. */
int match_glob(const char *pattern, const char *s);
/* 1 when name is selected by the filter list (NULL or "" selects everything). */
int match_filter(const char *filter, const char *name);

#endif
