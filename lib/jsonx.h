/*
 * Small conveniences over jansson, the JSON library every part uses: typed look-ups with
 * defaults, copying a key between objects, and atomic writes of a JSON document.
 */
#ifndef VB_JSONX_H
#define VB_JSONX_H

#include <jansson.h>

/* String at key, or def when absent or not a string. */
const char *jx_str(const json_t *obj, const char *key, const char *def);
/* A JSON string of text from outside (a file's bytes): invalid UTF-8 bytes become '?'
   instead of the NULL json_string() returns, so the value never vanishes. NULL only on
   ENOMEM. */
json_t *jx_string_lossy(const char *s);
/* Number (integer or real) at key, or def when absent or not a number. */
double jx_num(const json_t *obj, const char *key, double def);
/* Set dst[dkey] to a reference of src[skey] when present; nothing otherwise. */
void jx_copy(json_t *dst, const json_t *src, const char *skey, const char *dkey);
/* Object at key, created empty when absent; NULL if it exists and is no object. */
json_t *jx_obj(json_t *obj, const char *key);
/* Write a document to path through a temporary file and rename (indent 2, full precision).
   0 or -errno. */
int jx_write_file(const json_t *doc, const char *path);
/* Load a JSON file; NULL with a one-line reason (path:line:col: text) in err. */
json_t *jx_load_file(const char *path, char *err, size_t errlen);

#endif
