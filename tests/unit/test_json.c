/* test_json.c - kms/json: strict reading (grammar, duplicates, escapes,
 * surrogates, caps) and the writer.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: RFC 8259.
 */
#define T_SUITE "unit/json"
#include <errno.h>
#include <stdlib.h>

#include "t.h"
#include "kms/json.h"

static struct json j;

static int parse(const char *s)
{
	return json_parse(&j, s, strlen(s));
}

static void test_accepts(void)
{
	static const char *const good[] = {
		"{}",
		" \r\n\t{ } \n",
		"{\"a\":1}",
		"{\"a\":-0,\"b\":0.5,\"c\":1e10,\"d\":-2.5E-3,\"e\":1E+2}",
		"{\"a\":true,\"b\":false,\"c\":null}",
		"{\"a\":[],\"b\":[1,[2,[3]],{\"c\":{}}]}",
		"{\"a\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00\"}",
		"{\"\":\"\"}",
		"{\"a\":\"raw \xc3\xa9 utf-8\"}",
	};
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		CHECKF(parse(good[i]) == 0, "refused %s", good[i]);
}

/* What jsmn's own strict mode lets through must still be refused. */
static void test_rejects(void)
{
	static const char *const bad[] = {
		"",
		"[]",
		"\"a\"",
		"1",
		"{",
		"}",
		"{\"a\"}",
		"{\"a\" 1}",
		"{\"a\":}",
		"{\"a\":1,}",
		"{,\"a\":1}",
		"{\"a\":1 \"b\":2}",
		"{\"a\":\"b\":\"c\"}",
		"{\"a\":{\"b\":1}:2}",
		"{\"a\":[1 2]}",
		"{\"a\":[1,]}",
		"{\"a\":[,1]}",
		",{\"a\":1}",
		"{\"a\":1}{}",
		"{\"a\":1} x",
		"{1:2}",
		"{\"a\":tru}",
		"{\"a\":True}",
		"{\"a\":nul}",
		"{\"a\":-}",
		"{\"a\":01}",
		"{\"a\":1.}",
		"{\"a\":.5}",
		"{\"a\":1e}",
		"{\"a\":+1}",
		"{\"a\":0x10}",
		"{'a':1}",
		"{\"a\":\"tab\there\"}",
		"{\"a\":\"long string then a control character \x01\"}",
		"{\"a\":\"\\x\"}",
		"{\"a\":\"\\u12\"}",
		"{\"a\":\"\\u12g4\"}",
		"{\"a\":\"\\u0000\"}",
		"{\"a\":\"\\udc00\"}",
		"{\"a\":\"\\ud800\"}",
		"{\"a\":\"\\ud800x\"}",
		"{\"a\":\"\\ud800\\u0041\"}",
		"{\"a\":\"unterminated}",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECKF(parse(bad[i]) == -EINVAL, "accepted %s", bad[i]);
	/* A NUL inside the given length is not the end of the text. */
	CHECK(json_parse(&j, "{\"a\":1}\0", 8) == -EINVAL);
	CHECK(json_parse(&j, "{\"a\":\"x\0y\"}", 11) == -EINVAL);
}

static void test_duplicates(void)
{
	CHECK(parse("{\"a\":1,\"a\":2}") == -EINVAL);
	CHECK(parse("{\"a\":1,\"b\":2,\"a\":3}") == -EINVAL);
	/* Two spellings of one key are one key. */
	CHECK(parse("{\"a\":1,\"\\u0061\":2}") == -EINVAL);
	CHECK(parse("{\"\\/\":1,\"/\":2}") == -EINVAL);
	/* The same key in different objects is fine. */
	CHECK(parse("{\"a\":{\"a\":1},\"b\":{\"a\":2}}") == 0);
	CHECK(parse("{\"a\":[{\"a\":1},{\"a\":2}]}") == 0);
}

static void test_find_and_strings(void)
{
	char s[64];
	long long v;
	int t;

	CHECK(parse("{\"KeyId\":\"arn:aws:kms:x\",\"n\":{\"KeyId\":\"inner\"},"
		    "\"\\u004beyState\":\"Enabled\",\"i\":-42,"
		    "\"big\":9223372036854775808,\"f\":1.5,\"e\":1e3}") == 0);
	CHECK(json_get_string(&j, 0, "KeyId", s, sizeof(s)) == 13 &&
	      !strcmp(s, "arn:aws:kms:x"));
	t = json_find(&j, 0, "n");
	CHECK(t > 0 && json_type(&j, t) == JSON_OBJECT);
	CHECK(json_get_string(&j, t, "KeyId", s, sizeof(s)) == 5 &&
	      !strcmp(s, "inner"));
	/* Keys match unescaped. */
	CHECK(json_get_string(&j, 0, "KeyState", s, sizeof(s)) == 7 &&
	      !strcmp(s, "Enabled"));
	CHECK(json_find(&j, 0, "missing") == -ENOENT);
	CHECK(json_find(&j, json_find(&j, 0, "i"), "x") == -ENOENT);
	CHECK(json_int(&j, json_find(&j, 0, "i"), &v) == 0 && v == -42);
	CHECK(json_int(&j, json_find(&j, 0, "big"), &v) == -ERANGE);
	CHECK(json_int(&j, json_find(&j, 0, "f"), &v) == -EINVAL);
	CHECK(json_int(&j, json_find(&j, 0, "e"), &v) == -EINVAL);
	CHECK(json_int(&j, json_find(&j, 0, "KeyId"), &v) == -EINVAL);
	CHECK(json_string(&j, json_find(&j, 0, "i"), s, sizeof(s)) == -EINVAL);
	CHECK(json_type(&j, -1) == JSON_UNDEFINED &&
	      json_type(&j, j.ntok) == JSON_UNDEFINED);
}

/* AWS timestamps: epoch seconds as numbers, in any JSON spelling. */
static void test_epoch(void)
{
	long long v = 7;

	CHECK(parse("{\"a\":1.7364672E9,\"b\":1736467200.999,\"c\":0,"
		    "\"d\":-1,\"e\":2.6e11,\"f\":\"1\",\"g\":true,"
		    "\"h\":253402300799,\"i\":1e-3,\"j\":-0}") == 0);
	CHECK(json_epoch(&j, json_find(&j, 0, "a"), &v) == 0 &&
	      v == 1736467200);
	CHECK(json_epoch(&j, json_find(&j, 0, "b"), &v) == 0 &&
	      v == 1736467200);
	CHECK(json_epoch(&j, json_find(&j, 0, "c"), &v) == 0 && v == 0);
	CHECK(json_epoch(&j, json_find(&j, 0, "h"), &v) == 0 &&
	      v == 253402300799);
	CHECK(json_epoch(&j, json_find(&j, 0, "i"), &v) == 0 && v == 0);
	CHECK(json_epoch(&j, json_find(&j, 0, "j"), &v) == 0 && v == 0);
	v = 7;
	CHECK(json_epoch(&j, json_find(&j, 0, "d"), &v) == -ERANGE && v == 7);
	CHECK(json_epoch(&j, json_find(&j, 0, "e"), &v) == -ERANGE && v == 7);
	CHECK(json_epoch(&j, json_find(&j, 0, "f"), &v) == -EINVAL);
	CHECK(json_epoch(&j, json_find(&j, 0, "g"), &v) == -EINVAL);
	CHECK(json_epoch(&j, json_find(&j, 0, "zz"), &v) == -EINVAL && v == 7);
}

static void test_unescape(void)
{
	char s[32];

	CHECK(parse("{\"a\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"}") == 0);
	CHECK(json_get_string(&j, 0, "a", s, sizeof(s)) == 8 &&
	      !memcmp(s, "\"\\/\b\f\n\r\t", 9));
	/* 1, 2, 3 and 4 byte UTF-8, the last from a surrogate pair. */
	CHECK(parse("{\"a\":\"\\u0041\\u00e9\\u20ac\\ud83d\\ude00\"}") == 0);
	CHECK(json_get_string(&j, 0, "a", s, sizeof(s)) == 10 &&
	      !strcmp(s, "A\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"));
	CHECK(parse("{\"a\":\"\\uDBFF\\uDFFF\"}") == 0);
	CHECK(json_get_string(&j, 0, "a", s, sizeof(s)) == 4 &&
	      !strcmp(s, "\xf4\x8f\xbf\xbf"));
}

/* Over a cap: -EMSGSIZE and "", never a truncated or unterminated value. */
static void test_caps(void)
{
	static char doc[JSON_TOKENS * 8];
	char s[8];
	size_t n;
	int i;

	CHECK(parse("{\"a\":\"1234567\",\"b\":\"\\u00e9\\u00e9\\u00e9\\u00e9\"}") ==
	      0);
	CHECK(json_get_string(&j, 0, "a", s, 8) == 7 && !strcmp(s, "1234567"));
	memset(s, 'x', sizeof(s));
	CHECK(json_get_string(&j, 0, "a", s, 7) == -EMSGSIZE && s[0] == 0);
	memset(s, 'x', sizeof(s));
	CHECK(json_get_string(&j, 0, "b", s, 8) == -EMSGSIZE && s[0] == 0);
	CHECK(json_get_string(&j, 0, "a", s, 0) == -EMSGSIZE);

	/* JSON_TOKENS tokens fit; one more is -EMSGSIZE, not a partial
	 * parse. {"a":[1,1,...]} has 3 + N tokens. */
	for (n = 0; n < 2; n++) {
		int count = JSON_TOKENS - 3 + (int)n;

		strcpy(doc, "{\"a\":[");
		for (i = 0; i < count; i++)
			strcat(doc, i ? ",1" : "1");
		strcat(doc, "]}");
		CHECKF(parse(doc) == (n ? -EMSGSIZE : 0), "%d tokens",
		       count + 3);
	}
	CHECK(parse(doc) == -EMSGSIZE && j.ntok == 0);
}

static void test_writer(void)
{
	char buf[256];
	struct jw w;

	jw_init(&w, buf, sizeof(buf));
	jw_obj_begin(&w);
	jw_key(&w, "KeyId");
	jw_str(&w, "alias/\"q\"\\");
	jw_key(&w, "EncryptionContext");
	jw_obj_begin(&w);
	jw_key(&w, "k\n");
	jw_str_n(&w, "v\x01w", 3);
	jw_obj_end(&w);
	jw_key(&w, "NumberOfBytes");
	jw_int(&w, -9223372036854775807LL - 1);
	jw_key(&w, "L");
	jw_arr_begin(&w);
	jw_bool(&w, 1);
	jw_bool(&w, 0);
	jw_arr_begin(&w);
	jw_arr_end(&w);
	jw_arr_end(&w);
	jw_obj_end(&w);
	CHECK(jw_finish(&w) == (int)strlen(buf));
	CHECK(!strcmp(buf, "{\"KeyId\":\"alias/\\\"q\\\"\\\\\","
			   "\"EncryptionContext\":{\"k\\u000a\":\"v\\u0001w\"},"
			   "\"NumberOfBytes\":-9223372036854775808,"
			   "\"L\":[true,false,[]]}"));
	/* ... and it reads back as written. */
	CHECK(parse(buf) == 0);
	{
		char s[32];
		int x = json_find(&j, 0, "EncryptionContext");

		CHECK(json_get_string(&j, 0, "KeyId", s, sizeof(s)) > 0 &&
		      !strcmp(s, "alias/\"q\"\\"));
		CHECK(json_get_string(&j, x, "k\n", s, sizeof(s)) == 3 &&
		      !strcmp(s, "v\x01w"));
	}
}

/* What JSON cannot say, the writer refuses (so jw output always parses). */
static void test_writer_refuses(void)
{
	char buf[64];
	struct jw w;

#define REFUSED(steps)                                                       \
	do {                                                                 \
		jw_init(&w, buf, sizeof(buf));                               \
		steps;                                                       \
		CHECKF(jw_finish(&w) == -EINVAL, "%s gave %s", #steps, buf); \
	} while (0)

	REFUSED(jw_obj_begin(&w); jw_arr_end(&w));
	REFUSED(jw_arr_begin(&w); jw_obj_end(&w));
	REFUSED(jw_obj_begin(&w); jw_str(&w, "no key"); jw_obj_end(&w));
	REFUSED(jw_arr_begin(&w); jw_key(&w, "k"); jw_arr_end(&w));
	REFUSED(jw_obj_begin(&w); jw_key(&w, "a"); jw_key(&w, "b");
		jw_obj_end(&w));
	REFUSED(jw_obj_begin(&w); jw_key(&w, "a"); jw_obj_end(&w));
	REFUSED(jw_obj_begin(&w); jw_obj_end(&w); jw_obj_begin(&w);
		jw_obj_end(&w));
	REFUSED(jw_obj_begin(&w));
	REFUSED(jw_obj_end(&w));
	REFUSED(jw_key(&w, "top"));
	REFUSED(jw_obj_begin(&w); jw_key(&w, "a"); jw_str_n(&w, "x\0y", 3);
		jw_obj_end(&w));
	{
		char deep[128];
		int i;

		jw_init(&w, deep, sizeof(deep));
		for (i = 0; i < 40; i++)
			jw_arr_begin(&w);
		CHECK(jw_finish(&w) == -EINVAL);
	}
	/* Too small: -EMSGSIZE, the first error sticks. */
	jw_init(&w, buf, 8);
	jw_obj_begin(&w);
	jw_key(&w, "a long key");
	jw_obj_end(&w);
	jw_arr_end(&w);
	CHECK(jw_finish(&w) == -EMSGSIZE && strlen(buf) < 8);
	jw_init(&w, buf, 0);
	CHECK(jw_finish(&w) == -EMSGSIZE);
#undef REFUSED
}

int main(void)
{
	T_RUN(test_accepts);
	T_RUN(test_rejects);
	T_RUN(test_duplicates);
	T_RUN(test_find_and_strings);
	T_RUN(test_epoch);
	T_RUN(test_unescape);
	T_RUN(test_caps);
	T_RUN(test_writer);
	T_RUN(test_writer_refuses);
	return T_END();
}
