/* test_token.c - the aws-kms and luksbox-ssm LUKS2 tokens: encode, decode,
 * hostile JSON.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kms/token.h"
#include "t.h"

static struct kms_token tok, back;
static char json[TOKEN_JSON_MAX];

static void make(struct kms_token *t)
{
	size_t i;

	memset(t, 0, sizeof(*t));
	t->keyslot = 3;
	strcpy(t->key_id, "arn:aws:kms:us-east-1:123456789012:key/abcd");
	strcpy(t->region, "us-east-1");
	/* Bytes whose base64 has '/' and '+' (json-c escapes '/'). */
	for (i = 0; i < 96; i++)
		t->blob[i] = (unsigned char)(0xff - i * 3);
	t->blob_len = 96;
	strcpy(t->ckey[0], TOKEN_CONTEXT_VOLUME);
	strcpy(t->cval[0], "7ae62790-9229-494c-9dd4-95e1ced5d6b5");
	strcpy(t->ckey[1], "app");
	strcpy(t->cval[1], "a \"quoted\" value/with slash");
	t->ncontext = 2;
	t->version = TOKEN_VERSION;
}

static void test_round_trip(void)
{
	int n;

	make(&tok);
	n = token_encode(&tok, json, sizeof(json));
	CHECKF(n > 0 && (size_t)n == strlen(json), "encode: %d", n);
	CHECK(strstr(json, "\"type\":\"aws-kms\""));
	CHECK(strstr(json, "\"keyslots\":[\"3\"]"));
	CHECK(strstr(json, "\"version\":1"));
	CHECKF(token_decode(json, strlen(json), &back, NULL) == 0, "%s", json);
	CHECK(back.keyslot == 3);
	CHECK(!strcmp(back.key_id, tok.key_id));
	CHECK(!strcmp(back.region, "us-east-1"));
	CHECK(back.blob_len == 96 && !memcmp(back.blob, tok.blob, 96));
	CHECK(back.ncontext == 2);
	CHECK(token_context(&back, "app") &&
	      !strcmp(token_context(&back, "app"), tok.cval[1]));
	CHECK(token_context(&back, TOKEN_CONTEXT_VOLUME) &&
	      !strcmp(token_context(&back, TOKEN_CONTEXT_VOLUME), tok.cval[0]));
	CHECK(token_context(&back, "nope") == NULL);
}

/* What json-c writes back: '/' escaped as "\/", blanks between tokens. */
static void test_json_c_spelling(void)
{
	char esc[TOKEN_JSON_MAX * 2], *o = esc;
	const char *p, *app;
	int in_str = 0;

	make(&tok);
	token_encode(&tok, json, sizeof(json));
	for (p = json; *p; p++) {
		if (*p == '/')
			*o++ = '\\';
		*o++ = *p;
		if (*p == '"' && p[-1] != '\\')
			in_str = !in_str;
		if (!in_str && (*p == ',' || *p == ':'))
			*o++ = ' ';
	}
	*o = '\0';
	CHECK(strstr(esc, "\\/"));
	CHECK(strstr(esc, "\"version\": 1"));
	CHECKF(token_decode(esc, strlen(esc), &back, NULL) == 0, "%s", esc);
	CHECK(back.blob_len == 96 && !memcmp(back.blob, tok.blob, 96));
	CHECK(!strcmp(back.key_id, tok.key_id));
	app = token_context(&back, "app");
	CHECK(app && !strcmp(app, tok.cval[1]));
}

static void test_other_types_skipped(void)
{
	static const char luks2_keyring[] =
		"{\"type\":\"luks2-keyring\",\"keyslots\":[\"1\"],"
		"\"key_description\":\"x\"}";
	static const char systemd[] = "{\"type\":\"systemd-tpm2\","
				      "\"keyslots\":[\"0\"]}";

	CHECK(token_decode(luks2_keyring, sizeof(luks2_keyring) - 1, &back,
			   NULL) == -EMEDIUMTYPE);
	CHECK(token_decode(systemd, sizeof(systemd) - 1, &back, NULL) ==
	      -EMEDIUMTYPE);
}

/* Take a good token and break one thing: every case must be -EINVAL. */
static void test_hostile(void)
{
	static const struct {
		const char *from, *to;
	} cases[] = {
		{"\"keyslots\":[\"3\"]", "\"keyslots\":[]"},
		{"\"keyslots\":[\"3\"]", "\"keyslots\":[\"3\",\"4\"]"},
		{"\"keyslots\":[\"3\"]", "\"keyslots\":[3]"},
		{"\"keyslots\":[\"3\"]", "\"keyslots\":[\"03\"]"},
		{"\"keyslots\":[\"3\"]", "\"keyslots\":[\"32\"]"},
		{"\"keyslots\":[\"3\"]", "\"keyslots\":[\"-1\"]"},
		{"\"version\":1", "\"version\":2"},
		{"\"version\":1", "\"version\":\"1\""},
		{"\"key_id\":", "\"key_idx\":"},
		{"\"ciphertext\":\"", "\"ciphertext\":\" "},
		{"\"ciphertext\":\"", "\"ciphertext\":\"A"},
		{"luksbox:volume", "luksbox:volumes"},
		{"\"context\":{", "\"context\":{\"a\":1,"},
		{"\"region\":", "\"region\":1,\"r\":"},
		{"\"type\":\"aws-kms\",",
		 "\"type\":\"aws-kms\",\"type\":\"x\","},
	};
	char bad[TOKEN_JSON_MAX + 64], *at;
	size_t i, pre;
	int r;

	make(&tok);
	token_encode(&tok, json, sizeof(json));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		at = strstr(json, cases[i].from);
		CHECKF(at, "case %zu: '%s' not in %s", i, cases[i].from, json);
		if (!at)
			continue;
		pre = (size_t)(at - json);
		snprintf(bad, sizeof(bad), "%.*s%s%s", (int)pre, json,
			 cases[i].to, at + strlen(cases[i].from));
		r = token_decode(bad, strlen(bad), &back, NULL);
		CHECKF(r == -EINVAL, "case %zu gave %d: %s", i, r, bad);
		CHECK(back.blob_len == 0 && back.key_id[0] == 0);
	}
}

/* Tokens forged by hand (not by token_encode): a key id, region,
 * endpoint or context string carrying a newline or a terminal escape,
 * escaped in JSON or raw, is refused and the member named. */
static void test_control_chars(void)
{
#define HEAD "{\"type\":\"aws-kms\",\"keyslots\":[\"1\"],"
#define TAIL "\"ciphertext\":\"AQID\",\"version\":1}"
#define VOLCTX "\"luksbox:volume\":\"u\""
	static const struct {
		const char *json, *field;
	} cases[] = {
		{HEAD "\"key_id\":\"alias/x\\nluks-mount: mounted\","
		      "\"context\":{" VOLCTX "}," TAIL,
		 "key_id"},
		{HEAD "\"key_id\":\"alias/x\\u001b[2J\",\"context\":{" VOLCTX
		      "}," TAIL,
		 "key_id"},
		{HEAD "\"key_id\":\"k\",\"region\":\"us-east-1\\r\","
		      "\"context\":{" VOLCTX "}," TAIL,
		 "region"},
		{HEAD "\"key_id\":\"k\",\"endpoint\":\"https://h\\u007f\","
		      "\"context\":{" VOLCTX "}," TAIL,
		 "endpoint"},
		{HEAD "\"key_id\":\"k\",\"context\":{" VOLCTX
		      ",\"a\\u0009\":\"v\"}," TAIL,
		 "context key"},
		{HEAD "\"key_id\":\"k\",\"context\":{" VOLCTX
		      ",\"a\":\"\\u009b2J\"}," TAIL,
		 "context value"},
		{HEAD "\"key_id\":\"k\",\"context\":{\"luksbox:volume\":"
		      "\"u\\n\"}," TAIL,
		 "context value"},
	};
	static const char good[] =
		HEAD "\"key_id\":\"k\",\"region\":\"us-east-1\",\"endpoint\":"
		     "\"https://h\",\"context\":{" VOLCTX ",\"a\":\"\\u00e9 \\/"
		     "\"}," TAIL;
	static const char raw[] = HEAD "\"key_id\":\"alias/x\x1b[2J\","
				       "\"context\":{" VOLCTX "}," TAIL;
	const char *field = "unset";
	size_t i;
	int r;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		field = "unset";
		r = token_decode(cases[i].json, strlen(cases[i].json), &back,
				 &field);
		CHECKF(r == -EILSEQ, "case %zu gave %d", i, r);
		CHECKF(!strcmp(field, cases[i].field), "case %zu: field '%s'",
		       i, field);
		CHECK(back.key_id[0] == 0 && back.ncontext == 0);
	}
	/* Raw, unescaped: not even JSON (RFC 8259 section 7). */
	r = token_decode(raw, strlen(raw), &back, NULL);
	CHECKF(r == -EINVAL, "raw ESC gave %d", r);
	/* The same shapes without the control byte decode. */
	r = token_decode(good, strlen(good), &back, &field);
	CHECKF(r == 0 && !strcmp(field, ""), "%d '%s'", r, field);
	/* Never written either. */
	make(&tok);
	strcpy(tok.region, "us-east-1\n");
	CHECK(token_encode(&tok, json, sizeof(json)) == -EILSEQ);
	make(&tok);
	strcpy(tok.cval[1], "\x1b[2J");
	CHECK(token_encode(&tok, json, sizeof(json)) == -EILSEQ);
#undef HEAD
#undef TAIL
#undef VOLCTX
}

static void test_encode_needs_volume_context(void)
{
	make(&tok);
	strcpy(tok.ckey[0], "other");
	CHECK(token_encode(&tok, json, sizeof(json)) == -EINVAL);
	make(&tok);
	CHECK(token_encode(&tok, json, 64) == -EMSGSIZE);
	make(&tok);
	tok.blob_len = 0;
	CHECK(token_encode(&tok, json, sizeof(json)) == -EINVAL);
}

/* The luksbox-ssm token: round trip, json-c's spelling, hostile. */
static void test_ssm_token(void)
{
	static const struct {
		const char *json, *field;
		int err;
	} bad[] = {
		{"{\"type\":\"luksbox-ssm\",\"keyslots\":[\"2\"],"
		 "\"parameter\":\"/p\"}",
		 "version", -EINVAL},
		{"{\"type\":\"luksbox-ssm\",\"keyslots\":[\"2\"],"
		 "\"parameter\":\"/p\",\"version\":2}",
		 "version", -EINVAL},
		{"{\"type\":\"luksbox-ssm\",\"keyslots\":[\"2\",\"3\"],"
		 "\"parameter\":\"/p\",\"version\":1}",
		 "keyslots", -EINVAL},
		{"{\"type\":\"luksbox-ssm\",\"keyslots\":[\"02\"],"
		 "\"parameter\":\"/p\",\"version\":1}",
		 "keyslots", -EINVAL},
		{"{\"type\":\"luksbox-ssm\",\"keyslots\":[\"2\"],"
		 "\"version\":1}",
		 "parameter", -EINVAL},
		{"{\"type\":\"luksbox-ssm\",\"keyslots\":[\"2\"],"
		 "\"parameter\":\"\",\"version\":1}",
		 "parameter", -EINVAL},
		{"{\"type\":\"luksbox-ssm\",\"keyslots\":[\"2\"],"
		 "\"parameter\":5,\"version\":1}",
		 "parameter", -EINVAL},
		{"{\"type\":\"luksbox-ssm\",\"keyslots\":[\"2\"],"
		 "\"parameter\":\"/p\\u001b[2J\",\"version\":1}",
		 "parameter", -EILSEQ},
		{"{\"type\":\"luksbox-ssm\",\"keyslots\":[\"2\"],"
		 "\"parameter\":\"/p\",\"region\":\"us\\nx\",\"version\":1}",
		 "region", -EILSEQ},
		{"{\"type\":\"luksbox-ssm\",\"keyslots\":[\"2\"],"
		 "\"parameter\":\"/p\",\"parameter\":\"/q\",\"version\":1}",
		 "", -EINVAL},
	};
	struct ssm_token t = {0}, b;
	const char *field;
	size_t i;
	int n, r;

	t.keyslot = 4;
	strcpy(t.parameter, "/luksbox/db");
	strcpy(t.region, "eu-west-1");
	strcpy(t.kms_key, "alias/aws/ssm");
	n = token_ssm_encode(&t, json, sizeof(json));
	CHECK(n > 0 && token_ssm_decode(json, (size_t)n, &b, &field) == 0 &&
	      b.keyslot == 4 && !strcmp(b.parameter, "/luksbox/db") &&
	      !strcmp(b.region, "eu-west-1") &&
	      !strcmp(b.kms_key, "alias/aws/ssm") && b.version == 1);
	CHECK(strstr(json, "\"type\":\"luksbox-ssm\",\"keyslots\":[\"4\"]"));
	/* As libcryptsetup hands it back: json-c escapes '/'. */
	field = "{ \"type\": \"luksbox-ssm\", \"keyslots\": [ \"4\" ], "
		"\"parameter\": \"\\/luksbox\\/db\", \"version\": 1 }";
	CHECK(token_ssm_decode(field, strlen(field), &b, NULL) == 0 &&
	      !strcmp(b.parameter, "/luksbox/db") && !b.region[0]);
	/* The two token types never read each other. */
	CHECK(token_decode(json, (size_t)n, &back, NULL) == -EMEDIUMTYPE);
	make(&tok);
	n = token_encode(&tok, json, sizeof(json));
	CHECK(n > 0 &&
	      token_ssm_decode(json, (size_t)n, &b, NULL) == -EMEDIUMTYPE);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r = token_ssm_decode(bad[i].json, strlen(bad[i].json), &b,
				     &field);
		CHECKF(r == bad[i].err && (!bad[i].field[0] ||
					   !strcmp(field, bad[i].field)),
		       "%zu: %d %s", i, r, field);
	}
	strcpy(t.parameter, "/p\n");
	CHECK(token_ssm_encode(&t, json, sizeof(json)) == -EILSEQ);
	t.parameter[0] = 0;
	CHECK(token_ssm_encode(&t, json, sizeof(json)) == -EINVAL);
}

int main(void)
{
	T_RUN(test_round_trip);
	T_RUN(test_json_c_spelling);
	T_RUN(test_other_types_skipped);
	T_RUN(test_hostile);
	T_RUN(test_control_chars);
	T_RUN(test_encode_needs_volume_context);
	T_RUN(test_ssm_token);
	return T_END();
}
