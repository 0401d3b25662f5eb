/*
 * Version ordering for series over releases. Real version strings are not all semantic
 * versions: "6.1.0-18-amd64" (Debian kernel ABI 18 of 6.1.0), "10.0.20348" (a Windows build),
 * "v2.3.1-rc1" (a release candidate), "8.2.2+ds-0ubuntu1". The rule: split into runs of
 * digits and runs of letters (other characters only separate); compare runs left to right,
 * digits numerically; a pre-release word (dev, alpha, a, beta, b, pre, preview, rc) sorts
 * before anything else at its place, including the end of the string, so 2.3.1-rc1 <
 * 2.3.1; any other word sorts after numbers and after the end, so 6.1.0 < 6.1.0-18-amd64
 * and 6.1.0-17-amd64 < 6.1.0-18-amd64. A leading "v" is ignored.
 */
#include "analyze.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

int an_is_version(const char *s)
{
    if (*s == 'v' || *s == 'V')
        s++;
    return isdigit((unsigned char)*s) != 0;
}

enum { T_PRE, T_END, T_NUM, T_WORD }; /* the order of kinds at one place */

struct tok {
    int kind, prerank;
    const char *p;
    size_t len;
};

static int pre_rank(const char *p, size_t n)
{
    static const char *const words[] = {"dev", "alpha", "a", "beta", "b", "pre", "preview", "rc"};
    static const int rank[] = {0, 1, 1, 2, 2, 3, 3, 4};
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
        if (strlen(words[i]) == n && strncasecmp(p, words[i], n) == 0)
            return rank[i];
    return -1;
}

static const char *next_tok(const char *s, struct tok *t)
{
    while (*s && !isalnum((unsigned char)*s))
        s++;
    t->p = s;
    if (!*s) {
        t->kind = T_END;
        t->len = 0;
        return s;
    }
    if (isdigit((unsigned char)*s)) {
        while (isdigit((unsigned char)*s))
            s++;
        t->kind = T_NUM;
    } else {
        while (isalpha((unsigned char)*s))
            s++;
        t->prerank = pre_rank(t->p, (size_t)(s - t->p));
        t->kind = t->prerank >= 0 ? T_PRE : T_WORD;
    }
    t->len = (size_t)(s - t->p);
    return s;
}

static int cmp_num(const struct tok *a, const struct tok *b)
{
    const char *x = a->p, *y = b->p;
    size_t nx = a->len, ny = b->len;
    int c;
    while (nx > 1 && *x == '0')
        x++, nx--;
    while (ny > 1 && *y == '0')
        y++, ny--;
    if (nx != ny)
        return nx < ny ? -1 : 1;
    c = memcmp(x, y, nx);
    return c < 0 ? -1 : c > 0;
}

int an_vercmp(const char *a, const char *b)
{
    struct tok x, y;

    if (*a == 'v' || *a == 'V')
        a++;
    if (*b == 'v' || *b == 'V')
        b++;
    for (;;) {
        int c;
        a = next_tok(a, &x);
        b = next_tok(b, &y);
        if (x.kind == T_END && y.kind == T_END)
            return 0;
        if (x.kind != y.kind)
            return x.kind < y.kind ? -1 : 1;
        switch (x.kind) {
        case T_NUM:
            c = cmp_num(&x, &y);
            break;
        case T_PRE:
            c = x.prerank != y.prerank ? (x.prerank < y.prerank ? -1 : 1) : 0;
            break;
        default: {
            size_t n = x.len < y.len ? x.len : y.len;
            c = strncmp(x.p, y.p, n);
            c = c ? (c < 0 ? -1 : 1) : x.len == y.len ? 0 : x.len < y.len ? -1 : 1;
        }
        }
        if (c)
            return c;
    }
}
