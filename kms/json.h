/* json.h - strict JSON reading (over jsmn) and writing, with fixed caps.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: RFC 8259, jsmn.h (the tokenizer: this is its only user).
 *
 * Reading: json_parse() tokenizes a buffer the caller keeps alive; tokens
 * are indices (0 is the top-level object). Lookups address direct members
 * of an object. Strings come out unescaped into caller buffers. A
 * document with more than JSON_TOKENS tokens is -EMSGSIZE, a malformed
 * one -EINVAL; duplicate keys in one object, compared unescaped, are
 * -EINVAL too (two readers could disagree on which one counts).
 *
 * Writing: a jw builds a document into a caller buffer; errors stick and
 * jw_finish() reports the first: -EMSGSIZE when the buffer is too small,
 * -EINVAL for what JSON cannot say (a value without its key in an object,
 * a key outside one, a mismatched or missing end, a second top-level
 * value, a NUL byte in a string, nesting past 31). What it accepts,
 * json_parse() reads back as written, provided the caller wrote no key
 * twice in one object (jw does not track keys).
 */
#ifndef LUKSBOX_JSON_H
#define LUKSBOX_JSON_H

#include <stddef.h>

#define JSON_TOKENS 256

enum json_type {
	JSON_UNDEFINED,
	JSON_OBJECT,
	JSON_ARRAY,
	JSON_STRING,
	JSON_PRIMITIVE
};

struct json_tok {
	int type, start, end, size, parent;
};

struct json {
	const char *buf;
	size_t len;
	int ntok;
	struct json_tok tok[JSON_TOKENS];
};

/* Parse LEN bytes of BUF (an object at top level). 0 or -EINVAL/-EMSGSIZE. */
int json_parse(struct json *j, const char *buf, size_t len);

/* Type of token T (JSON_*), JSON_UNDEFINED when T is out of range. */
int json_type(const struct json *j, int t);

/* Index of the token after T and all its children (its next sibling). */
int json_skip(const struct json *j, int t);

/* The value of member KEY of object OBJ: its token index, or -ENOENT
 * (also when OBJ is not an object). Keys compare unescaped. */
int json_find(const struct json *j, int obj, const char *key);

/* Unescape string token T into OUT (NUL-terminated): its length, or
 * -EINVAL (not a string, bad escape, lone surrogate, \u0000) or
 * -EMSGSIZE; on failure OUT is "" (when CAP > 0). */
int json_string(const struct json *j, int t, char *out, size_t cap);

/* json_string() of member KEY of OBJ; -ENOENT when absent. */
int json_get_string(const struct json *j, int obj, const char *key, char *out,
		    size_t cap);

/* Integer token T into *V: 0, -EINVAL (not an integer), -ERANGE. */
int json_int(const struct json *j, int t, long long *v);

/* Number token T as epoch seconds into *SECS, the fraction dropped: AWS
 * JSON 1.1 timestamps ("DeletionDate": 1.7364672E9). 0, -EINVAL (not a
 * number), -ERANGE (negative, or past the year 9999). */
int json_epoch(const struct json *j, int t, long long *secs);

struct jw {
	char *buf;
	size_t cap, len;
	int err;
	int depth;
	unsigned char first[32]; /* per depth: nothing written yet */
	unsigned char obj[32];	 /* per depth: 1 inside an object */
	int after_key;
};

void jw_init(struct jw *w, char *buf, size_t cap);
void jw_obj_begin(struct jw *w);
void jw_obj_end(struct jw *w);
void jw_arr_begin(struct jw *w);
void jw_arr_end(struct jw *w);
void jw_key(struct jw *w, const char *k);
void jw_str(struct jw *w, const char *s);
void jw_str_n(struct jw *w, const char *s, size_t n);
void jw_int(struct jw *w, long long v);
void jw_bool(struct jw *w, int v);
/* The document's length (NUL-terminated in the buffer), or the first
 * error: -EMSGSIZE (buffer too small), -EINVAL (unbalanced nesting). */
int jw_finish(struct jw *w);

#endif
