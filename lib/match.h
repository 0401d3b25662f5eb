/*
 * Name patterns for --filter and for selectors: a comma-separated list of patterns, each a
 * glob (*, ?, [set]) matched against the whole name when it has a wildcard, or otherwise a
 * plain substring; a leading '-' excludes. A name matches when it matches any positive
 * pattern (or there is none) and no negative one.
 */
#ifndef VB_MATCH_H
#define VB_MATCH_H

/* 1 when the glob pattern matches the whole string, else 0. */
int match_glob(const char *pattern, const char *s);
/* 1 when name is selected by the filter list (NULL or "" selects everything). */
int match_filter(const char *filter, const char *name);

#endif
