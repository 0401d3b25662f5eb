/*
 * jansson conveniences; see jsonx.h.
 */
#include "jsonx.h"
#include "fileio.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *jx_str(const json_t *obj, const char *key, const char *def)
{
    const char *s = json_string_value(json_object_get(obj, key));
    return s ? s : def;
}

double jx_num(const json_t *obj, const char *key, double def)
{
    json_t *v = json_object_get(obj, key);
    return json_is_number(v) ? json_number_value(v) : def;
}

void jx_copy(json_t *dst, const json_t *src, const char *skey, const char *dkey)
{
    json_t *v = json_object_get(src, skey);
    if (v)
        json_object_set(dst, dkey, v);
}

json_t *jx_obj(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    if (v)
        return json_is_object(v) ? v : NULL;
    v = json_object();
    if (!v || json_object_set_new(obj, key, v))
        return NULL;
    return v;
}

static int dump_cb(FILE *f, void *arg)
{
    if (json_dumpf((const json_t *)arg, f, JSON_INDENT(2) | JSON_REAL_PRECISION(17)))
        return -EIO;
    return fputc('\n', f) == EOF ? -EIO : 0;
}

int jx_write_file(const json_t *doc, const char *path)
{
    return file_write_atomic(path, dump_cb, (void *)doc);
}

json_t *jx_load_file(const char *path, char *err, size_t errlen)
{
    /* Read the whole file, then parse from memory: jansson's stream reader takes a locked
       fgetc() per byte, several times slower on the collector's large inputs. */
    json_error_t e;
    json_t *j = NULL;
    FILE *f = fopen(path, "re");
    char *buf = NULL;
    size_t len = 0, cap = 0, n;

    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    do {
        if (len == cap) {
            char *nb = realloc(buf, cap = cap ? cap * 2 : 65536);
            if (!nb) {
                snprintf(err, errlen, "%s: out of memory", path);
                goto out;
            }
            buf = nb;
        }
        n = fread(buf + len, 1, cap - len, f);
        len += n;
    } while (n > 0);
    if (ferror(f)) {
        snprintf(err, errlen, "%s: read error", path);
        goto out;
    }
    j = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &e);
    if (!j)
        snprintf(err, errlen, "%s:%d:%d: %s", path, e.line, e.column, e.text);
out:
    free(buf);
    fclose(f);
    return j;
}

/* Length of the valid UTF-8 sequence at p (1-4), or 0 when it is not one. */
static size_t utf8_len(const unsigned char *p)
{
    size_t n;
    unsigned c = p[0];
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        n = 2;
    else if (c >= 0xe0 && c <= 0xef)
        n = 3;
    else if (c >= 0xf0 && c <= 0xf4)
        n = 4;
    else
        return 0;
    for (size_t i = 1; i < n; i++)
        if ((p[i] & 0xc0) != 0x80)
            return 0;
    if ((c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] > 0x9f) || (c == 0xf0 && p[1] < 0x90) ||
        (c == 0xf4 && p[1] > 0x8f))
        return 0; /* overlong, surrogate or beyond U+10FFFF */
    return n;
}

json_t *jx_string_lossy(const char *s)
{
    size_t len = strlen(s), o = 0;
    char *t;
    json_t *j = json_string(s);

    if (j)
        return j;
    if (!(t = malloc(len + 1)))
        return NULL;
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        size_t n = utf8_len(p);
        if (n == 0) {
            t[o++] = '?';
            p++;
            continue;
        }
        memcpy(t + o, p, n);
        o += n;
        p += n;
    }
    t[o] = 0;
    j = json_string(t);
    free(t);
    return j;
}
