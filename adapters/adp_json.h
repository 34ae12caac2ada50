/*
 * adp_json: a zero-allocation JSON reader and a small JSON writer for the
 * wire formats in adapters/. Webhook bodies are large (the assistant config
 * and the growing transcript ride along on every Vapi message) but the
 * engine reads a dozen fields of them, so building a full tree (jansson) per
 * webhook costs ~10x more than validating the bytes once and then picking the
 * fields out of the validated text in place.
 *
 * Reading: adp_json_parse() validates a whole document (RFC 8259: grammar,
 * string escapes, UTF-8, nesting depth) and returns the root as a span of
 * the input. Lookups and iteration walk validated spans without allocating;
 * only adp_json_strdup() and friends allocate, for values the caller keeps.
 * A span borrows the input buffer and is valid as long as it is.
 *
 * Writing: appends JSON strings to an eng_buf with escaping, optional
 * flattening to one line, and invalid UTF-8 replaced, so text from anywhere
 * always yields valid JSON.
 *
 * Any thread; no state.
 */
#ifndef ADP_JSON_H
#define ADP_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "eng_buf.h"

/* Kinds of value; ADP_JSON_NONE marks an absent value (a failed lookup). */
typedef enum {
    ADP_JSON_NONE = 0,
    ADP_JSON_OBJECT,
    ADP_JSON_ARRAY,
    ADP_JSON_STRING,
    ADP_JSON_NUMBER,
    ADP_JSON_TRUE,
    ADP_JSON_FALSE,
    ADP_JSON_NULL,
} adp_json_kind_t;

/* A value: the bytes [p, p+len) of a validated document (strings include their quotes). */
typedef struct adp_json {
    const char *p;
    size_t len;
    adp_json_kind_t kind;
} adp_json_t;

#define ADP_JSON_MAX_DEPTH 256

/*
 * Validates buf[0..len) as exactly one JSON value surrounded by optional
 * whitespace. On success sets *root and returns true. On failure returns
 * false and writes a one-line reason with the byte offset into why (whysz
 * bytes; may be NULL).
 */
bool adp_json_parse(const char *buf, size_t len, adp_json_t *root, char *why, size_t whysz);

/* Member `key` of an object (first occurrence); kind NONE if absent or obj is no object. */
adp_json_t adp_json_get(adp_json_t obj, const char *key);
/* Dotted path of object keys ("call.customer.number"); kind NONE if any hop is missing. */
adp_json_t adp_json_path(adp_json_t obj, const char *path);

/* Iteration over an array's elements or an object's members. */
typedef struct adp_json_iter {
    const char *p;
    const char *end;
} adp_json_iter_t;

/* Starts iterating v (an array or object; anything else iterates nothing). */
adp_json_iter_t adp_json_iter(adp_json_t v);
bool adp_json_array_next(adp_json_iter_t *it, adp_json_t *elem);
bool adp_json_object_next(adp_json_iter_t *it, adp_json_t *key, adp_json_t *val);
size_t adp_json_array_size(adp_json_t arr);

/* True if v is a string whose decoded text equals lit. */
bool adp_json_str_eq(adp_json_t v, const char *lit);
/* Decoded text of a string value as a new heap string (free()); NULL if v is not a
 * string. empty_as_null: "" gives NULL too. */
char *adp_json_strdup(adp_json_t v, bool empty_as_null);
/* Decodes a string value into out (outsz bytes, always NUL-terminated); false if v is
 * not a string or does not fit. */
bool adp_json_str_copy(adp_json_t v, char *out, size_t outsz);
/* Numbers. false if v is not a number (or out of range for int64). */
bool adp_json_int64(adp_json_t v, int64_t *out);
bool adp_json_double(adp_json_t v, double *out);
/* The value's JSON text without insignificant whitespace, as a new heap string. */
char *adp_json_compact_dup(adp_json_t v);

/* ---- writing ---- */

/*
 * Appends s (n bytes) as a quoted JSON string. one_line: control characters,
 * CR, LF and U+2028/U+2029 become single spaces, runs of spaces collapse and
 * the ends are trimmed. Invalid UTF-8 bytes become '?'.
 */
void adp_json_put_strn(eng_buf_t *b, const char *s, size_t n, bool one_line);
/* The same for a C string; NULL writes "". */
void adp_json_put_str(eng_buf_t *b, const char *s, bool one_line);

/* Length of the valid UTF-8 sequence at p (n bytes available), 0 if invalid. */
size_t adp_json_utf8_seq(const unsigned char *p, size_t n);

#endif
