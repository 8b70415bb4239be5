/* fuzz_json.c - libFuzzer target: the strict JSON reader and the writer.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * Sources: kms/json.c
 *
 * Untrusted input: every KMS, SSM and IMDS answer. The first byte picks a
 * mode.
 * Even: the rest is a document for json_parse(). What it accepts must be
 * consistent (token bounds, json_skip, every key found by json_find,
 * strings unescaped exactly, with "" and -EMSGSIZE one byte short), and
 * must survive a round trip: written back with jw (null and non-integer
 * numbers as strings), parsed again, the same tree.
 * Odd: the rest drives the writer (begin/end/key/string/int/bool with
 * bytes from the input into a buffer of a chosen size). Whatever
 * jw_finish() accepts must parse (wrapped in an object when it is not
 * one) into exactly the tokens written, strings byte for byte.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kms/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define STR_MAX 65536

/* --- reader mode --- */

static int is_int(const struct json *j, int t, long long *v)
{
	return json_type(j, t) == JSON_PRIMITIVE && json_int(j, t, v) == 0;
}

static int raw_is(const struct json *j, int t, const char *s)
{
	size_t n = (size_t)(j->tok[t].end - j->tok[t].start);

	return strlen(s) == n && !memcmp(j->buf + j->tok[t].start, s, n);
}

/* Write token T of J (and its children) with W; returns the next token. */
static int rewrite(const struct json *j, int t, struct jw *w, int depth,
		   int *maxdepth)
{
	static char s[STR_MAX];
	long long v;
	int i, k, n;

	if (depth > *maxdepth)
		*maxdepth = depth;
	switch (json_type(j, t)) {
	case JSON_OBJECT:
		jw_obj_begin(w);
		for (i = 0, k = t + 1; i < j->tok[t].size; i++) {
			n = json_string(j, k, s, sizeof(s));
			if (n < 0)
				__builtin_trap(); /* parse checked every key */
			jw_key(w, s);
			k = rewrite(j, k + 1, w, depth + 1, maxdepth);
		}
		jw_obj_end(w);
		return k;
	case JSON_ARRAY:
		jw_arr_begin(w);
		for (i = 0, k = t + 1; i < j->tok[t].size; i++)
			k = rewrite(j, k, w, depth + 1, maxdepth);
		jw_arr_end(w);
		return k;
	case JSON_STRING:
		n = json_string(j, t, s, sizeof(s));
		if (n < 0)
			__builtin_trap();
		jw_str_n(w, s, (size_t)n);
		return t + 1;
	case JSON_PRIMITIVE:
		if (raw_is(j, t, "true") || raw_is(j, t, "false"))
			jw_bool(w, raw_is(j, t, "true"));
		else if (is_int(j, t, &v))
			jw_int(w, v);
		else /* null, fractions, exponents, huge: as their text */
			jw_str_n(w, j->buf + j->tok[t].start,
				 (size_t)(j->tok[t].end - j->tok[t].start));
		return t + 1;
	}
	__builtin_trap();
}

/* Token T of A and token T of B (written by rewrite()) agree. */
static void same_token(const struct json *a, const struct json *b, int t)
{
	static char sa[STR_MAX], sb[STR_MAX];
	long long va, vb;
	int ta = json_type(a, t), tb = json_type(b, t);

	if (a->tok[t].size != b->tok[t].size)
		__builtin_trap();
	if (ta == JSON_PRIMITIVE && !raw_is(a, t, "true") &&
	    !raw_is(a, t, "false") && !is_int(a, t, &va)) {
		/* written as a string of its text */
		if (tb != JSON_STRING ||
		    json_string(b, t, sb, sizeof(sb)) !=
			    a->tok[t].end - a->tok[t].start ||
		    memcmp(sb, a->buf + a->tok[t].start, strlen(sb)))
			__builtin_trap();
		return;
	}
	if (ta != tb)
		__builtin_trap();
	if (ta == JSON_STRING) {
		int na = json_string(a, t, sa, sizeof(sa));
		int nb = json_string(b, t, sb, sizeof(sb));

		if (na < 0 || na != nb || memcmp(sa, sb, (size_t)na))
			__builtin_trap();
	} else if (ta == JSON_PRIMITIVE) {
		if (is_int(a, t, &va) != is_int(b, t, &vb) ||
		    (is_int(a, t, &va) && va != vb) ||
		    raw_is(a, t, "true") != raw_is(b, t, "true"))
			__builtin_trap();
	}
}

static void reader(const char *doc, size_t len)
{
	static struct json j, again;
	static char s[STR_MAX];
	struct jw w;
	size_t cap = 8 * len + 64;
	char *out;
	int r, t, k, i, n, maxdepth = 0;
	long long v;

	r = json_parse(&j, doc, len);
	if (r && r != -EINVAL && r != -EMSGSIZE)
		__builtin_trap();
	if (r)
		return;
	if (j.ntok < 1 || j.ntok > JSON_TOKENS ||
	    json_type(&j, 0) != JSON_OBJECT)
		__builtin_trap();
	for (t = 0; t < j.ntok; t++) {
		const struct json_tok *tk = &j.tok[t];

		if (tk->start < 0 || tk->start > tk->end ||
		    (size_t)tk->end > len || tk->parent >= t ||
		    json_skip(&j, t) <= t || json_skip(&j, t) > j.ntok)
			__builtin_trap();
		if (tk->type == JSON_STRING) {
			char *exact;

			n = json_string(&j, t, s, sizeof(s));
			if (n == -EMSGSIZE)
				continue;
			if (n < 0 || (size_t)n != strlen(s))
				__builtin_trap();
			/* Exactly n + 1 bytes fit; n bytes are "" and
			 * -EMSGSIZE, never a prefix without its NUL. */
			exact = malloc((size_t)n + 1);
			if (json_string(&j, t, exact, (size_t)n + 1) != n ||
			    memcmp(exact, s, (size_t)n + 1))
				__builtin_trap();
			if (n && (json_string(&j, t, exact, (size_t)n) !=
					  -EMSGSIZE ||
				  exact[0]))
				__builtin_trap();
			free(exact);
		}
		if (tk->type == JSON_PRIMITIVE && is_int(&j, t, &v)) {
			char b[24];

			snprintf(b, sizeof(b), "%lld", v);
			if (!raw_is(&j, t, b) && !raw_is(&j, t, "-0"))
				__builtin_trap();
		}
		if (tk->type == JSON_OBJECT) {
			/* Keys are unique: each is found where it is. */
			for (i = 0, k = t + 1; i < tk->size;
			     i++, k = json_skip(&j, k + 1)) {
				n = json_string(&j, k, s, sizeof(s));
				if (n >= 0 && json_find(&j, t, s) != k + 1)
					__builtin_trap();
			}
		}
	}

	/* Round trip through the writer. */
	out = malloc(cap);
	jw_init(&w, out, cap);
	rewrite(&j, 0, &w, 0, &maxdepth);
	r = jw_finish(&w);
	if (r < 0 && !(r == -EINVAL && maxdepth >= 30))
		__builtin_trap(); /* the writer nests 31 deep */
	if (r >= 0) {
		if ((size_t)r != strlen(out) ||
		    json_parse(&again, out, (size_t)r) || again.ntok != j.ntok)
			__builtin_trap();
		for (t = 0; t < j.ntok; t++)
			same_token(&j, &again, t);
	}
	free(out);
}

/* --- writer mode --- */

struct want {
	int type;
	const uint8_t *s; /* string bytes */
	size_t n;
	long long v;
};

static void writer(const uint8_t *p, size_t size)
{
	static struct json j;
	static struct want want[512];
	static char s[STR_MAX], keys[1 << 20];
	char *key = keys;
	size_t cap, nw = 0, i, off;
	struct jw w;
	char *buf, *doc;
	int r;

	if (size < 2)
		return;
	cap = (size_t)p[0] * 16 + 1;
	p++;
	size--;
	buf = malloc(cap);
	jw_init(&w, buf, cap);
	while (size && nw < sizeof(want) / sizeof(want[0])) {
		uint8_t op = *p++;
		size_t n;

		size--;
		switch (op % 8) {
		case 0:
			jw_obj_begin(&w);
			want[nw++] = (struct want){JSON_OBJECT, 0, 0, 0};
			break;
		case 1:
			jw_obj_end(&w);
			break;
		case 2:
			jw_arr_begin(&w);
			want[nw++] = (struct want){JSON_ARRAY, 0, 0, 0};
			break;
		case 3:
			jw_arr_end(&w);
			break;
		case 4: /* a key: up to the next NUL */
		case 5: /* a string of op/8 bytes, NULs and all */
			n = op % 8 == 4 ? strnlen((const char *)p, size)
					: (size_t)(op / 8);
			if (n > size)
				n = size;
			if (n >= sizeof(s))
				n = sizeof(s) - 1;
			if (op % 8 == 4 &&
			    (size_t)(keys + sizeof(keys) - key) < n + 32)
				break;
			if (op % 8 == 4) {
				/* Unique keys (json_parse refuses repeats;
				 * avoiding them is the caller's job). */
				int k = snprintf(key, 32, "%zu.", nw);

				memcpy(key + k, p, n);
				key[k + n] = 0;
				jw_key(&w, key);
				want[nw++] = (struct want){JSON_STRING,
							   (uint8_t *)key,
							   n + (size_t)k, 0};
				key += n + (size_t)k + 1;
			} else {
				jw_str_n(&w, (const char *)p, n);
				want[nw++] =
					(struct want){JSON_STRING, p, n, 0};
			}
			p += n;
			size -= n;
			if (op % 8 == 4 && size) {
				p++;
				size--;
			}
			break;
		case 6: {
			long long v = 0;

			n = size < 8 ? size : 8;
			memcpy(&v, p, n);
			p += n;
			size -= n;
			jw_int(&w, v);
			want[nw++] = (struct want){JSON_PRIMITIVE, 0, 0, v};
			break;
		}
		case 7:
			jw_bool(&w, op & 8);
			want[nw++] = (struct want){JSON_PRIMITIVE, 0, 0,
						   op & 8 ? 1 : 0};
			want[nw - 1].s =
				(const uint8_t *)(op & 8 ? "true" : "false");
			break;
		}
	}
	r = jw_finish(&w);
	if (r < 0) {
		free(buf);
		return;
	}
	if ((size_t)r != strlen(buf))
		__builtin_trap();
	/* Parse what was written; a non-object goes inside one. */
	doc = malloc((size_t)r + 8);
	off = buf[0] == '{' ? 0 : 2;
	snprintf(doc, (size_t)r + 8, buf[0] == '{' ? "%s" : "{\"\":%s}", buf);
	r = json_parse(&j, doc, strlen(doc));
	if (r == -EMSGSIZE && nw + off > JSON_TOKENS)
		goto out;
	if (r || (size_t)j.ntok != nw + off)
		__builtin_trap(); /* jw wrote what json_parse refuses */
	for (i = 0; i < nw; i++) {
		int t = (int)(i + off);
		long long v;

		if (json_type(&j, t) != want[i].type)
			__builtin_trap();
		if (want[i].type == JSON_STRING &&
		    ((size_t)json_string(&j, t, s, sizeof(s)) != want[i].n ||
		     memcmp(s, want[i].s, want[i].n)))
			__builtin_trap();
		if (want[i].type == JSON_PRIMITIVE && want[i].s &&
		    !raw_is(&j, t, (const char *)want[i].s))
			__builtin_trap();
		if (want[i].type == JSON_PRIMITIVE && !want[i].s &&
		    (json_int(&j, t, &v) || v != want[i].v))
			__builtin_trap();
	}
out:
	free(doc);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *doc;

	if (size < 1)
		return 0;
	if (data[0] & 1) {
		writer(data + 1, size - 1);
		return 0;
	}
	/* An exact-size copy: ASan sees any read past the document. */
	doc = malloc(size - 1 ? size - 1 : 1);
	memcpy(doc, data + 1, size - 1);
	reader(doc, size - 1);
	free(doc);
	return 0;
}
