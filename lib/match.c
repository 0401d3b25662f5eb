/*
 * Glob and filter-list matching; see match.h. Hand-written because fnmatch() is not
 * available on every platform viobench builds for (mingw-w64).
 */
#include "match.h"

#include <stdlib.h>
#include <string.h>

/* Match a [set] at p against c; returns the position after ']' or NULL when unmatched. */
static const char *match_set(const char *p, char c, int *hit)
{
    int neg = 0;
    *hit = 0;
    if (*p == '!' || *p == '^') {
        neg = 1;
        p++;
    }
    if (*p == ']') { /* a leading ']' is literal */
        *hit |= c == ']';
        p++;
    }
    for (; *p && *p != ']'; p++) {
        if (p[1] == '-' && p[2] && p[2] != ']') {
            *hit |= c >= p[0] && c <= p[2];
            p += 2;
        } else {
            *hit |= c == *p;
        }
    }
    if (*p != ']')
        return NULL;
    if (neg)
        *hit = !*hit;
    return p + 1;
}

int match_glob(const char *p, const char *s)
{
    const char *star_p = NULL, *star_s = NULL;

    while (*s) {
        if (*p == '*') {
            star_p = ++p;
            star_s = s;
            continue;
        }
        if (*p == '?') {
            p++;
            s++;
            continue;
        }
        if (*p == '[') {
            int hit;
            const char *np = match_set(p + 1, *s, &hit);
            if (np && hit) {
                p = np;
                s++;
                continue;
            }
            if (!np && *s == '[') { /* unterminated: literal '[' */
                p++;
                s++;
                continue;
            }
        } else if (*p && *p == *s) {
            p++;
            s++;
            continue;
        }
        if (!star_p)
            return 0;
        p = star_p;
        s = ++star_s;
    }
    while (*p == '*')
        p++;
    return *p == 0;
}

/* Does text occur in name as whole '/'-separated components ("cpuid" in
   "exit/cpuid/leaf:0x0", "qd:1" in ".../qd:1" but not in ".../qd:16")? */
static int match_components(const char *text, const char *name)
{
    size_t tl = strlen(text);
    for (const char *p = strstr(name, text); p; p = strstr(p + 1, text))
        if ((p == name || p[-1] == '/') && (p[tl] == 0 || p[tl] == '/'))
            return 1;
    return 0;
}

static int match_one(const char *pat, size_t len, const char *name)
{
    char buf[512], *item = buf;
    int hit;

    if (len >= sizeof(buf) && !(item = malloc(len + 1)))
        return 0; /* out of memory: an item that cannot be read selects nothing */
    memcpy(item, pat, len);
    item[len] = 0;
    hit = strpbrk(item, "*?[") ? match_glob(item, name) : match_components(item, name);
    if (item != buf)
        free(item);
    return hit;
}

int match_filter(const char *filter, const char *name)
{
    int any_pos = 0, pos_hit = 0;
    const char *p = filter;

    if (!filter || !*filter)
        return 1;
    while (*p) {
        const char *c = strchr(p, ',');
        size_t len = c ? (size_t)(c - p) : strlen(p);
        if (len) {
            if (*p == '-') {
                if (len > 1 && match_one(p + 1, len - 1, name))
                    return 0;
            } else {
                any_pos = 1;
                pos_hit |= match_one(p, len, name);
            }
        }
        if (!c)
            break;
        p = c + 1;
    }
    return any_pos ? pos_hit : 1;
}
