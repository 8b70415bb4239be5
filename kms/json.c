/* json.c - strict JSON reading over jsmn, and a small writer.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: json.h, RFC 8259, jsmn.h.
 */
#define JSMN_STATIC
#define JSMN_STRICT
#define JSMN_PARENT_LINKS
#include <jsmn.h>

#include "kms/json.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int strict_number(const char *p, size_t n)
{
	size_t i = 0;

	if (i < n && p[i] == '-')
		i++;
	if (i >= n)
		return 0;
	if (p[i] == '0')
		i++;
	else if (p[i] >= '1' && p[i] <= '9')
		while (i < n && p[i] >= '0' && p[i] <= '9')
			i++;
	else
		return 0;
	if (i < n && p[i] == '.') {
		i++;
		if (i >= n || p[i] < '0' || p[i] > '9')
			return 0;
		while (i < n && p[i] >= '0' && p[i] <= '9')
			i++;
	}
	if (i < n && (p[i] == 'e' || p[i] == 'E')) {
		i++;
		if (i < n && (p[i] == '+' || p[i] == '-'))
			i++;
		if (i >= n || p[i] < '0' || p[i] > '9')
			return 0;
		while (i < n && p[i] >= '0' && p[i] <= '9')
			i++;
	}
	return i == n;
}

static int unescape_one(const char **pp, const char *end, char u[4]);
static int same_string(const struct json *j, int a, int b);

/* Does string token T, unescaped, equal S? */
static int tok_eq(const struct json *j, int t, const char *s)
{
	const char *p = j->buf + j->tok[t].start, *end = j->buf + j->tok[t].end;
	size_t n = (size_t)(end - p), sl = strlen(s);

	if (!memchr(p, '\\', n))
		return sl == n && !memcmp(p, s, n);
	while (p < end) {
		char u[4];
		int un = unescape_one(&p, end, u);

		if (un < 0 || (size_t)un > sl || memcmp(u, s, (size_t)un))
			return 0;
		s += un;
		sl -= (size_t)un;
	}
	return sl == 0;
}

int json_type(const struct json *j, int t)
{
	if (t < 0 || t >= j->ntok)
		return JSON_UNDEFINED;
	return j->tok[t].type;
}

int json_skip(const struct json *j, int t)
{
	int end;

	if (t < 0 || t >= j->ntok)
		return j->ntok;
	end = j->tok[t].end;
	t++;
	while (t < j->ntok && j->tok[t].start < end)
		t++;
	return t;
}

/* Where token T starts and ends in the text, quotes included. */
static int raw_start(const struct json *j, int t)
{
	return j->tok[t].start - (j->tok[t].type == JSON_STRING);
}

static int raw_end(const struct json *j, int t)
{
	return j->tok[t].end + (j->tok[t].type == JSON_STRING);
}

/* Are bytes [A, B) of the text blanks around exactly one SEP (0: none)? */
static int gap(const struct json *j, int a, int b, char sep)
{
	int seen = 0;

	if (a > b)
		return 0;
	for (; a < b; a++) {
		char c = j->buf[a];

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
			continue;
		if (!sep || c != sep || seen)
			return 0;
		seen = 1;
	}
	return seen == (sep != 0);
}

/*
 * Check the tree under token T against the JSON grammar and return the
 * token after it, or -EINVAL. jsmn's strict mode still takes
 * {"a":"b":"c"}, [1 2], [1,] or {,"a":1}: its tokens are checked here,
 * and so is every byte between them.
 */
static int walk(const struct json *j, int t)
{
	const struct json_tok *c = &j->tok[t];
	int i, k = t + 1, prev = c->start + 1;

	if (c->type != JSON_OBJECT && c->type != JSON_ARRAY)
		return c->size == 0 ? t + 1 : -EINVAL;
	for (i = 0; i < c->size; i++) {
		int v = k;

		if (k >= j->ntok || j->tok[k].parent != t ||
		    !gap(j, prev, raw_start(j, k), i ? ',' : 0))
			return -EINVAL;
		if (c->type == JSON_OBJECT) {
			/* A key: a string with exactly its value below. */
			v = k + 1;
			if (j->tok[k].type != JSON_STRING ||
			    j->tok[k].size != 1 || v >= j->ntok ||
			    j->tok[v].parent != k ||
			    !gap(j, raw_end(j, k), raw_start(j, v), ':'))
				return -EINVAL;
		}
		k = walk(j, v);
		if (k < 0)
			return k;
		prev = raw_end(j, v);
	}
	return gap(j, prev, c->end - 1, 0) ? k : -EINVAL;
}

int json_parse(struct json *j, const char *buf, size_t len)
{
	jsmn_parser p;
	jsmntok_t *tk;
	int n, i;
	size_t k;

	j->buf = buf;
	j->len = len;
	j->ntok = 0;
	tk = calloc(JSON_TOKENS, sizeof(*tk));
	if (!tk)
		return -ENOMEM;
	jsmn_init(&p);
	n = jsmn_parse(&p, buf, len, tk, JSON_TOKENS);
	if (n == JSMN_ERROR_NOMEM) {
		free(tk);
		return -EMSGSIZE;
	}
	if (n < 1 || tk[0].type != JSMN_OBJECT) {
		free(tk);
		return -EINVAL;
	}
	/* Only blanks may follow the top-level object. */
	for (k = (size_t)tk[0].end; k < len; k++)
		if (buf[k] != ' ' && buf[k] != '\t' && buf[k] != '\n' &&
		    buf[k] != '\r') {
			free(tk);
			return -EINVAL;
		}
	for (i = 0; i < n; i++) {
		j->tok[i].type = tk[i].type == JSMN_OBJECT   ? JSON_OBJECT
				 : tk[i].type == JSMN_ARRAY  ? JSON_ARRAY
				 : tk[i].type == JSMN_STRING ? JSON_STRING
				 : tk[i].type == JSMN_PRIMITIVE
					 ? JSON_PRIMITIVE
					 : JSON_UNDEFINED;
		j->tok[i].start = tk[i].start;
		j->tok[i].end = tk[i].end;
		j->tok[i].size = tk[i].size;
		j->tok[i].parent = tk[i].parent;
	}
	free(tk);
	j->ntok = n;
	if (!gap(j, 0, j->tok[0].start, 0) || walk(j, 0) != n)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		const struct json_tok *t = &j->tok[i];
		const char *s = buf + t->start;
		size_t sl = (size_t)(t->end - t->start);

		if (t->type == JSON_UNDEFINED)
			return -EINVAL;
		/* jsmn's strict mode still admits "tx" or "-": check words. */
		if (t->type == JSON_PRIMITIVE &&
		    !((sl == 4 && !memcmp(s, "true", 4)) ||
		      (sl == 5 && !memcmp(s, "false", 5)) ||
		      (sl == 4 && !memcmp(s, "null", 4)) ||
		      strict_number(s, sl)))
			return -EINVAL;
		if (t->type == JSON_STRING) {
			/* Every character, however long the string. */
			const char *q = s, *e = s + sl;
			char u[4];

			while (q < e)
				if (unescape_one(&q, e, u) < 0)
					return -EINVAL;
		}
		/* Duplicate keys within one object. */
		if (t->type == JSON_OBJECT) {
			int a, b, na, nb;

			for (a = i + 1, na = 0; na < t->size;
			     na++, a = json_skip(j, a + 1)) {
				for (b = json_skip(j, a + 1), nb = na + 1;
				     nb < t->size;
				     nb++, b = json_skip(j, b + 1)) {
					/* Compared unescaped: "a" and
					 * "\u0061" are one key. */
					if (same_string(j, a, b))
						return -EINVAL;
				}
			}
		}
	}
	return 0;
}

int json_find(const struct json *j, int obj, const char *key)
{
	int i, k;

	if (json_type(j, obj) != JSON_OBJECT)
		return -ENOENT;
	for (i = 0, k = obj + 1; i < j->tok[obj].size;
	     i++, k = json_skip(j, k + 1))
		if (j->tok[k].type == JSON_STRING && tok_eq(j, k, key))
			return k + 1;
	return -ENOENT;
}

static int hex4(const char *p, unsigned *v)
{
	int i;

	*v = 0;
	for (i = 0; i < 4; i++) {
		char c = p[i];

		*v <<= 4;
		if (c >= '0' && c <= '9')
			*v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			*v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			*v |= (unsigned)(c - 'A' + 10);
		else
			return -EINVAL;
	}
	return 0;
}

/* Decode the character at *PP (before END) of a string token into U as
 * UTF-8: its byte count (1-4), or -EINVAL (control character, bad escape,
 * lone surrogate, \u0000). */
static int unescape_one(const char **pp, const char *end, char u[4])
{
	const char *p = *pp;
	unsigned char c = (unsigned char)*p++;
	unsigned cp;
	int un = 0;

	if (c < 0x20)
		return -EINVAL;
	if (c != '\\') {
		u[un++] = (char)c;
		goto out;
	}
	if (p >= end)
		return -EINVAL;
	c = (unsigned char)*p++;
	switch (c) {
	case '"':
	case '\\':
	case '/':
		u[un++] = (char)c;
		break;
	case 'b':
		u[un++] = '\b';
		break;
	case 'f':
		u[un++] = '\f';
		break;
	case 'n':
		u[un++] = '\n';
		break;
	case 'r':
		u[un++] = '\r';
		break;
	case 't':
		u[un++] = '\t';
		break;
	case 'u':
		if (end - p < 4 || hex4(p, &cp))
			return -EINVAL;
		p += 4;
		if (cp >= 0xdc00 && cp <= 0xdfff)
			return -EINVAL; /* lone low half */
		if (cp >= 0xd800 && cp <= 0xdbff) {
			unsigned lo;

			if (end - p < 6 || p[0] != '\\' || p[1] != 'u' ||
			    hex4(p + 2, &lo) || lo < 0xdc00 || lo > 0xdfff)
				return -EINVAL;
			p += 6;
			cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
		}
		if (cp == 0)
			return -EINVAL; /* would cut C strings */
		if (cp < 0x80) {
			u[un++] = (char)cp;
		} else if (cp < 0x800) {
			u[un++] = (char)(0xc0 | cp >> 6);
			u[un++] = (char)(0x80 | (cp & 0x3f));
		} else if (cp < 0x10000) {
			u[un++] = (char)(0xe0 | cp >> 12);
			u[un++] = (char)(0x80 | (cp >> 6 & 0x3f));
			u[un++] = (char)(0x80 | (cp & 0x3f));
		} else {
			u[un++] = (char)(0xf0 | cp >> 18);
			u[un++] = (char)(0x80 | (cp >> 12 & 0x3f));
			u[un++] = (char)(0x80 | (cp >> 6 & 0x3f));
			u[un++] = (char)(0x80 | (cp & 0x3f));
		}
		break;
	default:
		return -EINVAL;
	}
out:
	*pp = p;
	return un;
}

static int string_(const struct json *j, int t, char *out, size_t cap)
{
	const char *p, *end;
	size_t o = 0;

	if (json_type(j, t) != JSON_STRING)
		return -EINVAL;
	p = j->buf + j->tok[t].start;
	end = j->buf + j->tok[t].end;
	while (p < end) {
		char u[4];
		int un = unescape_one(&p, end, u);

		if (un < 0)
			return un;
		if (o + (size_t)un >= cap)
			return -EMSGSIZE;
		memcpy(out + o, u, (size_t)un);
		o += (size_t)un;
	}
	if (o >= cap)
		return -EMSGSIZE;
	out[o] = 0;
	return (int)o;
}

int json_string(const struct json *j, int t, char *out, size_t cap)
{
	int n = string_(j, t, out, cap);

	/* A failure leaves "", never a prefix without its NUL. */
	if (n < 0 && cap)
		out[0] = 0;
	return n;
}

/* Do string tokens A and B hold the same characters once unescaped? */
static int same_string(const struct json *j, int a, int b)
{
	const char *p = j->buf + j->tok[a].start, *pe = j->buf + j->tok[a].end;
	const char *q = j->buf + j->tok[b].start, *qe = j->buf + j->tok[b].end;

	while (p < pe && q < qe) {
		char u[4], v[4];
		int un = unescape_one(&p, pe, u), vn = unescape_one(&q, qe, v);

		if (un < 0 || vn < 0 || un != vn || memcmp(u, v, (size_t)un))
			return 0;
	}
	return p == pe && q == qe;
}

int json_get_string(const struct json *j, int obj, const char *key, char *out,
		    size_t cap)
{
	int t = json_find(j, obj, key);

	return t < 0 ? t : json_string(j, t, out, cap);
}

/* The number token T as text in TMP (CAP bytes), checked to be a JSON
 * number: 0, -EINVAL (not a number), -ERANGE (too long). */
static int number_text(const struct json *j, int t, char *tmp, size_t cap)
{
	size_t n;

	if (json_type(j, t) != JSON_PRIMITIVE)
		return -EINVAL;
	n = (size_t)(j->tok[t].end - j->tok[t].start);
	if (n >= cap)
		return -ERANGE;
	memcpy(tmp, j->buf + j->tok[t].start, n);
	tmp[n] = 0;
	return strict_number(tmp, n) ? 0 : -EINVAL;
}

int json_int(const struct json *j, int t, long long *v)
{
	char tmp[24], *end;
	int r = number_text(j, t, tmp, sizeof(tmp));

	if (r)
		return r;
	if (strpbrk(tmp, ".eE"))
		return -EINVAL;
	errno = 0;
	*v = strtoll(tmp, &end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	return *end ? -EINVAL : 0;
}

int json_epoch(const struct json *j, int t, long long *secs)
{
	char tmp[40], *end;
	double d;
	int r = number_text(j, t, tmp, sizeof(tmp));

	if (r)
		return r;
	d = strtod(tmp, &end);
	if (*end)
		return -EINVAL;
	/* Year 10000 and before 1970 are no dates KMS sends: refused, not
	 * clamped (the comparison is false for NaN too). */
	if (!(d >= 0 && d < 253402300800.0))
		return -ERANGE;
	*secs = (long long)d;
	return 0;
}

/* --- writer --- */

static void put(struct jw *w, const char *s, size_t n)
{
	if (w->err)
		return;
	if (w->len + n + 1 > w->cap) {
		w->err = -EMSGSIZE;
		return;
	}
	memcpy(w->buf + w->len, s, n);
	w->len += n;
	w->buf[w->len] = 0;
}

static void fail(struct jw *w, int err)
{
	if (!w->err)
		w->err = err;
}

/* Before a value: a comma unless it is the first at this depth (keys
 * carry their value's comma). JSON allows no value in an object without
 * its key, and one value at the top: anything else is -EINVAL, so what
 * jw_finish() accepts always parses. */
static void sep(struct jw *w)
{
	if (w->after_key) {
		w->after_key = 0;
		return;
	}
	if (w->obj[w->depth] || (w->depth == 0 && !w->first[0])) {
		fail(w, -EINVAL);
		return;
	}
	if (w->depth > 0 && !w->first[w->depth])
		put(w, ",", 1);
	w->first[w->depth] = 0;
}

void jw_init(struct jw *w, char *buf, size_t cap)
{
	memset(w, 0, sizeof(*w));
	w->buf = buf;
	w->cap = cap;
	w->first[0] = 1;
	if (cap)
		buf[0] = 0;
	else
		w->err = -EMSGSIZE;
}

static void open_(struct jw *w, char c)
{
	sep(w);
	put(w, &c, 1);
	if (w->depth + 1 >= (int)sizeof(w->first)) {
		fail(w, -EINVAL);
		return;
	}
	w->first[++w->depth] = 1;
	w->obj[w->depth] = c == '{';
}

static void close_(struct jw *w, char c)
{
	if (w->depth <= 0 || w->after_key || w->obj[w->depth] != (c == '}')) {
		fail(w, -EINVAL);
		return;
	}
	w->depth--;
	put(w, &c, 1);
}

void jw_obj_begin(struct jw *w)
{
	open_(w, '{');
}
void jw_obj_end(struct jw *w)
{
	close_(w, '}');
}
void jw_arr_begin(struct jw *w)
{
	open_(w, '[');
}
void jw_arr_end(struct jw *w)
{
	close_(w, ']');
}

static void quoted(struct jw *w, const char *s, size_t n)
{
	size_t i;

	put(w, "\"", 1);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char e[8];

		if (c == '"' || c == '\\') {
			e[0] = '\\';
			e[1] = (char)c;
			put(w, e, 2);
		} else if (c == 0) {
			fail(w, -EINVAL); /* json_string() refuses \u0000 */
		} else if (c < 0x20) {
			snprintf(e, sizeof(e), "\\u%04x", c);
			put(w, e, 6);
		} else {
			put(w, (const char *)&c, 1);
		}
	}
	put(w, "\"", 1);
}

void jw_key(struct jw *w, const char *k)
{
	if (!w->obj[w->depth] || w->after_key) {
		fail(w, -EINVAL); /* keys only in objects, one per value */
		return;
	}
	if (!w->first[w->depth])
		put(w, ",", 1);
	w->first[w->depth] = 0;
	quoted(w, k, strlen(k));
	put(w, ":", 1);
	w->after_key = 1;
}

void jw_str_n(struct jw *w, const char *s, size_t n)
{
	sep(w);
	quoted(w, s, n);
}

void jw_str(struct jw *w, const char *s)
{
	jw_str_n(w, s, strlen(s));
}

void jw_int(struct jw *w, long long v)
{
	char b[24];
	int n = snprintf(b, sizeof(b), "%lld", v);

	sep(w);
	put(w, b, (size_t)n);
}

void jw_bool(struct jw *w, int v)
{
	sep(w);
	put(w, v ? "true" : "false", v ? 4 : 5);
}

int jw_finish(struct jw *w)
{
	if (w->err)
		return w->err;
	if (w->depth || w->after_key)
		return -EINVAL;
	return (int)w->len;
}
