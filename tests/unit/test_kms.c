/* test_kms.c - kms/kms: the request each operation sends (target, key id,
 * context, base64) and how it reads answers, good and malformed, through
 * the real client against a loopback fake.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: AWS KMS API Reference (Encrypt, Decrypt, GenerateDataKey,
 *      ReEncrypt, DescribeKey, GenerateRandom).
 */
#define T_SUITE "unit/kms"
#include <errno.h>
#include <stdlib.h>

#include "t.h"
#include "fake_http.h"
#include "lib/base64.h"
#include "crypto/secret.h"
#include "kms/json.h"
#include "kms/kms.h"

#define ARN "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab"
#define X10 "xxxxxxxxxx"
#define LONG300                                                             \
	X10 X10 X10 X10 X10 X10 X10 X10 X10 X10 X10 X10 X10 X10 X10 X10 X10 \
		X10 X10 X10 X10 X10 X10 X10 X10 X10 X10 X10 X10 X10
#define UUID "2f1d1ae4-7d5c-4c8e-9b7a-0d1e2f3a4b5c"

static struct fake_http fk;
static struct secret_arena arena;
static struct aws_client c;
static struct kms_context ctx;
static struct json rq; /* the last request body, parsed */

static void start(void)
{
	static char url[64];
	struct aws_opts o = {0};

	unsetenv("AWS_ENDPOINT_URL");
	unsetenv("AWS_ENDPOINT_URL_KMS");
	unsetenv("AWS_SESSION_TOKEN");
	unsetenv("AWS_CA_BUNDLE");
	unsetenv("AWS_REGION");
	unsetenv("AWS_DEFAULT_REGION");
	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
	setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "secret", 1);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u", fk.port);
	o.endpoint_url = url;
	o.plain_http = 1; /* the fake speaks plain HTTP */
	o.region = "us-east-1";
	o.max_attempts = 1;
	o.timeout_s = 10;
	if (aws_init(&c, &arena, &o))
		printf("# aws_init failed\n");
	memset(&ctx, 0, sizeof(ctx));
	kms_context_add(&ctx, "luksbox:volume", UUID);
	kms_context_add(&ctx, "team", "db \"ops\"");
}

static void stop(void)
{
	aws_fini(&c);
	secret_arena_reset(&arena);
}

/* Serve ANSWER (status and body) for the next request. */
static void serve(const char *status, const char *body)
{
	const char *a[] = {fake_reply(0, status, "", body)};

	fake_answers(&fk, a, 1);
}

/* Request 0 was TARGET with a JSON body: parse it into RQ. */
static int sent(const char *target)
{
	char want[80];

	snprintf(want, sizeof(want), "\r\nX-Amz-Target: TrentService.%s\r\n",
		 target);
	if (fk.nreq != 1 || !strstr(fk.req[0], want))
		return 0;
	return json_parse(&rq, fake_body(&fk, 0), strlen(fake_body(&fk, 0))) ==
	       0;
}

static int member_is(int obj, const char *key, const char *want)
{
	char v[512];

	return json_get_string(&rq, obj, key, v, sizeof(v)) >= 0 &&
	       !strcmp(v, want);
}

/* The request's context object NAME holds exactly our two pairs. */
static int context_sent(const char *name)
{
	int o = json_find(&rq, 0, name);

	return o > 0 && rq.tok[o].size == 2 &&
	       member_is(o, "luksbox:volume", UUID) &&
	       member_is(o, "team", "db \"ops\"");
}

static void test_context(void)
{
	struct kms_context x = {0};
	char k[KMS_CONTEXT_MAX + 1][8];
	int i;

	CHECK(kms_context_add(&x, "a", "1") == 0);
	CHECK(kms_context_add(&x, "a", "2") == -EEXIST);
	for (i = 1; i < KMS_CONTEXT_MAX; i++) {
		snprintf(k[i], sizeof(k[i]), "k%d", i);
		CHECK(kms_context_add(&x, k[i], "v") == 0);
	}
	CHECK(x.n == KMS_CONTEXT_MAX);
	CHECK(kms_context_add(&x, "one-more", "v") == -E2BIG);
}

static void test_encrypt(void)
{
	static const unsigned char pt[] = {0x00, 0xff, 0x10, 0xfe, 0x3f};
	unsigned char blob[64];
	char b64[16];

	start();
	serve("200 OK", "{\"CiphertextBlob\":\"AQIDBP8=\",\"KeyId\":\"" ARN
			"\",\"EncryptionAlgorithm\":\"SYMMETRIC_DEFAULT\"}");
	CHECK(kms_encrypt(&c, "alias/luksbox", NULL, &ctx, pt, sizeof(pt), blob,
			  sizeof(blob)) == 5);
	CHECK(!memcmp(blob, "\x01\x02\x03\x04\xff", 5));
	CHECK(sent("Encrypt"));
	b64_encode(b64, sizeof(b64), pt, sizeof(pt));
	CHECK(member_is(0, "KeyId", "alias/luksbox"));
	CHECK(member_is(0, "Plaintext", b64) && !strcmp(b64, "AP8Q/j8="));
	CHECK(context_sent("EncryptionContext"));
	CHECK(rq.tok[0].size == 3);
	/* Sizes KMS would refuse are refused before sending. */
	fake_answers(&fk, NULL, 0);
	CHECK(kms_encrypt(&c, "k", NULL, NULL, pt, 0, blob, sizeof(blob)) ==
	      -EMSGSIZE);
	{
		static unsigned char big[KMS_PLAINTEXT_MAX + 1];

		CHECK(kms_encrypt(&c, "k", NULL, NULL, big, sizeof(big), blob,
				  sizeof(blob)) == -EMSGSIZE);
		CHECK(fk.nreq == 0);
		/* 4096 bytes fit, without a context member. */
		serve("200 OK", "{\"CiphertextBlob\":\"AA==\"}");
		CHECK(kms_encrypt(&c, "k", NULL, NULL, big, KMS_PLAINTEXT_MAX,
				  blob, sizeof(blob)) == 1);
		CHECK(sent("Encrypt") &&
		      json_find(&rq, 0, "EncryptionContext") < 0);
	}
	stop();
}

static void test_decrypt(void)
{
	static const unsigned char blob[] = {1, 2, 3, 0xfb, 0xff};
	unsigned char pt[64];
	char arn[KMS_ARN_MAX];

	start();
	serve("200 OK", "{\"KeyId\":\"" ARN "\",\"Plaintext\":"
			"\"c2VjcmV0IGtleQ==\",\"EncryptionAlgorithm\":"
			"\"SYMMETRIC_DEFAULT\"}");
	CHECK(kms_decrypt(&c, NULL, NULL, &ctx, blob, sizeof(blob), pt,
			  sizeof(pt), arn, sizeof(arn)) == 10);
	CHECK(!memcmp(pt, "secret key", 10) && !strcmp(arn, ARN));
	CHECK(sent("Decrypt"));
	CHECK(member_is(0, "CiphertextBlob", "AQID+/8="));
	CHECK(json_find(&rq, 0, "KeyId") < 0); /* not pinned */
	CHECK(context_sent("EncryptionContext"));
	/* A key id pins the key. */
	serve("200 OK", "{\"Plaintext\":\"AA==\"}");
	CHECK(kms_decrypt(&c, ARN, NULL, NULL, blob, sizeof(blob), pt,
			  sizeof(pt), arn, sizeof(arn)) == 1);
	CHECK(sent("Decrypt") && member_is(0, "KeyId", ARN));
	CHECK(arn[0] == 0); /* no KeyId in the answer */
	/* The region hint (a LUKS token's region) is where it goes. */
	serve("200 OK", "{\"Plaintext\":\"AA==\"}");
	CHECK(kms_decrypt(&c, "alias/x", "ap-south-1", NULL, blob, sizeof(blob),
			  pt, sizeof(pt), NULL, 0) == 1);
	CHECK(strstr(fk.req[0], "/ap-south-1/kms/aws4_request"));
	CHECK(kms_decrypt(&c, NULL, NULL, NULL, blob, 0, pt, sizeof(pt), NULL,
			  0) == -EMSGSIZE);
	stop();
	/* No region given anywhere: a key ARN's region is used. */
	start();
	c.opts.region = NULL;
	serve("200 OK", "{\"Plaintext\":\"AA==\"}");
	CHECK(kms_decrypt(&c, ARN, NULL, NULL, blob, sizeof(blob), pt,
			  sizeof(pt), NULL, 0) == 1);
	CHECK(strstr(fk.req[0], "/eu-west-1/kms/aws4_request"));
	stop();
}

static void test_generate_data_key(void)
{
	unsigned char pt[32], blob[64];
	char arn[KMS_ARN_MAX], b64[64];
	unsigned char key[32];
	char body[256];
	int i;

	for (i = 0; i < 32; i++)
		key[i] = (unsigned char)(i * 37 + 1);
	b64_encode(b64, sizeof(b64), key, sizeof(key));
	snprintf(body, sizeof(body),
		 "{\"CiphertextBlob\":\"AQIDBA==\",\"Plaintext\":\"%s\","
		 "\"KeyId\":\"" ARN "\"}",
		 b64);
	start();
	serve("200 OK", body);
	CHECK(kms_generate_data_key(&c, "alias/luksbox", NULL, &ctx, 32, pt,
				    blob, sizeof(blob), arn, sizeof(arn)) == 4);
	CHECK(!memcmp(pt, key, 32) && !memcmp(blob, "\1\2\3\4", 4) &&
	      !strcmp(arn, ARN));
	CHECK(sent("GenerateDataKey"));
	CHECK(member_is(0, "KeyId", "alias/luksbox") &&
	      context_sent("EncryptionContext"));
	CHECK(strstr(fk.req[0], "/us-east-1/kms/aws4_request"));
	{
		long long n = 0;

		CHECK(json_int(&rq, json_find(&rq, 0, "NumberOfBytes"), &n) ==
			      0 &&
		      n == 32);
	}
	/* KEY@REGION: an alias in another region goes there. */
	serve("200 OK", body);
	CHECK(kms_generate_data_key(&c, "alias/luksbox", "eu-west-1", &ctx, 32,
				    pt, blob, sizeof(blob), NULL, 0) == 4);
	CHECK(strstr(fk.req[0], "/eu-west-1/kms/aws4_request"));
	/* Without a hint a key ARN's region is used over the default. */
	serve("200 OK", body);
	CHECK(kms_generate_data_key(&c, ARN, NULL, &ctx, 32, pt, blob,
				    sizeof(blob), NULL, 0) == 4);
	CHECK(strstr(fk.req[0], "/us-east-1/kms/aws4_request") ||
	      strstr(fk.req[0], "/eu-west-1/kms/aws4_request"));
	/* A key of the wrong length is refused, and nothing of it kept. */
	serve("200 OK", "{\"CiphertextBlob\":\"AQIDBA==\",\"Plaintext\":"
			"\"c2hvcnQ=\"}");
	memset(pt, 0xaa, sizeof(pt));
	CHECK(kms_generate_data_key(&c, "k", NULL, NULL, 32, pt, blob,
				    sizeof(blob), NULL, 0) == -EPROTO);
	for (i = 0; i < 32 && pt[i] == 0; i++)
		;
	CHECK(i == 32);
	CHECK(strstr(c.error.message, "malformed GenerateDataKey response"));
	CHECK(kms_generate_data_key(&c, "k", NULL, NULL, 0, pt, blob,
				    sizeof(blob), NULL, 0) == -EINVAL);
	CHECK(kms_generate_data_key(&c, "k", NULL, NULL, 1025, pt, blob,
				    sizeof(blob), NULL, 0) == -EINVAL);
	stop();
}

/* DescribeKey answers are untrusted: the state decides boot warnings and
 * is printed, the deletion date too. Forged answers, each alone. */
static void test_describe_state(void)
{
	static const struct {
		const char *meta; /* KeyMetadata members after Arn */
		int want;
		const char *state;
		long long deletion;
	} cases[] = {
		/* What KMS sends: epoch seconds as a double. */
		{"\"KeyState\":\"PendingDeletion\",\"DeletionDate\":1.7364672E9",
		 0, "PendingDeletion", 1736467200},
		/* What moto sends: a plain number with a fraction. */
		{"\"KeyState\":\"PendingDeletion\",\"DeletionDate\":"
		 "1736467200.123456",
		 0, "PendingDeletion", 1736467200},
		{"\"KeyState\":\"Disabled\",\"Enabled\":false", 0, "Disabled",
		 0},
		{"\"KeyState\":\"Enabled\",\"DeletionDate\":0", 0, "Enabled",
		 0},
		/* Refused: no state, an empty one, one not letters (it is
		 * printed), one too long, not a string. */
		{"\"Enabled\":true", -EPROTO, "", 0},
		{"\"KeyState\":\"\"", -EPROTO, "", 0},
		{"\"KeyState\":\"Enabled\\u001b[2J\"", -EPROTO, "", 0},
		{"\"KeyState\":\"Pending Deletion\"", -EPROTO, "", 0},
		{"\"KeyState\":\"AStateNameLongerThanThirtyTwoBytesxx\"",
		 -EPROTO, "", 0},
		{"\"KeyState\":7", -EPROTO, "", 0},
		/* Refused: a deletion date that is no date. */
		{"\"KeyState\":\"PendingDeletion\",\"DeletionDate\":\"2025-01-10\"",
		 -EPROTO, "", 0},
		{"\"KeyState\":\"PendingDeletion\",\"DeletionDate\":-1",
		 -EPROTO, "", 0},
		{"\"KeyState\":\"PendingDeletion\",\"DeletionDate\":1e300",
		 -EPROTO, "", 0},
		{"\"KeyState\":\"PendingDeletion\",\"DeletionDate\":true",
		 -EPROTO, "", 0},
		{"\"KeyState\":\"PendingDeletion\",\"DeletionDate\":0x10",
		 -EPROTO, "", 0},
		{"\"KeyState\":\"PendingDeletion\",\"DeletionDate\":null",
		 -EPROTO, "", 0},
		/* Two states: which one counts? Neither. */
		{"\"KeyState\":\"Enabled\",\"KeyState\":\"Disabled\"", -EPROTO,
		 "", 0},
	};
	struct kms_key_info info;
	char body[512];
	size_t i;
	int r;

	start();
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(body, sizeof(body),
			 "{\"KeyMetadata\":{\"Arn\":\"" ARN "\",%s}}",
			 cases[i].meta);
		serve("200 OK", body);
		memset(&info, 0x55, sizeof(info));
		r = kms_describe_key(&c, ARN, "eu-west-1", &info);
		CHECKF(r == cases[i].want &&
			       !strcmp(info.state, cases[i].state) &&
			       info.deletion == cases[i].deletion,
		       "case %zu: %s -> %d \"%s\" %lld", i, cases[i].meta, r,
		       info.state, info.deletion);
		if (r < 0)
			CHECK(info.arn[0] == 0 &&
			      strstr(c.error.message,
				     "malformed DescribeKey response"));
	}
	/* The region hint decides where it goes, as for Decrypt. */
	CHECK(sent("DescribeKey") &&
	      strstr(fk.req[0], "/eu-west-1/kms/aws4_request"));
	stop();
}

static void test_reencrypt_describe_random(void)
{
	unsigned char out[64];
	char arn[KMS_ARN_MAX];
	struct kms_key_info info;
	long long n = 0;

	start();
	serve("200 OK", "{\"CiphertextBlob\":\"BAUG\",\"SourceKeyId\":\"a\","
			"\"KeyId\":\"b\"}");
	CHECK(kms_reencrypt(&c, "alias/new", NULL, &ctx, NULL, "\1\2", 2, out,
			    sizeof(out), arn, sizeof(arn)) == 3);
	CHECK(!memcmp(out, "\4\5\6", 3));
	CHECK(!strcmp(arn, "b"));
	CHECK(sent("ReEncrypt") &&
	      member_is(0, "DestinationKeyId", "alias/new") &&
	      member_is(0, "CiphertextBlob", "AQI=") &&
	      context_sent("SourceEncryptionContext") &&
	      context_sent("DestinationEncryptionContext"));
	/* --adopt: a destination context of its own (another volume). */
	{
		struct kms_context dx = {0};
		int o;

		kms_context_add(&dx, "luksbox:volume", "other");
		serve("200 OK", "{\"CiphertextBlob\":\"BAUG\"}");
		CHECK(kms_reencrypt(&c, "alias/new", NULL, &ctx, &dx, "\1\2", 2,
				    out, sizeof(out), NULL, 0) == 3);
		CHECK(sent("ReEncrypt"));
		o = json_find(&rq, 0, "DestinationEncryptionContext");
		CHECK(context_sent("SourceEncryptionContext") && o > 0 &&
		      rq.tok[o].size == 1 &&
		      member_is(o, "luksbox:volume", "other"));
	}

	serve("200 OK",
	      "{\"KeyMetadata\":{\"AWSAccountId\":\"111122223333\","
	      "\"Arn\":\"" ARN "\",\"CreationDate\":1.7e9,"
	      "\"Enabled\":true,\"KeyState\":\"PendingDeletion\","
	      "\"KeyUsage\":\"ENCRYPT_DECRYPT\",\"KeySpec\":"
	      "\"SYMMETRIC_DEFAULT\",\"Description\":\"luks \\u00e9\","
	      "\"EncryptionAlgorithms\":[\"SYMMETRIC_DEFAULT\"]}}");
	CHECK(kms_describe_key(&c, "alias/x", NULL, &info) == 0);
	CHECK(sent("DescribeKey") && member_is(0, "KeyId", "alias/x") &&
	      rq.tok[0].size == 1);
	CHECK(!strcmp(info.arn, ARN) &&
	      !strcmp(info.state, "PendingDeletion") &&
	      !strcmp(info.usage, "ENCRYPT_DECRYPT") &&
	      !strcmp(info.spec, "SYMMETRIC_DEFAULT") &&
	      !strcmp(info.description, "luks \xc3\xa9"));
	CHECK(info.deletion == 0);
	/* A description too long for its buffer comes back "", not cut. */
	serve("200 OK", "{\"KeyMetadata\":{\"Arn\":\"a\",\"KeyState\":"
			"\"Enabled\",\"Description\":\"" LONG300 "\"}}");
	CHECK(kms_describe_key(&c, "k", NULL, &info) == 0 &&
	      !strcmp(info.state, "Enabled") && info.description[0] == 0);
	serve("200 OK", "{\"Arn\":\"" ARN "\"}");
	CHECK(kms_describe_key(&c, "k", NULL, &info) == -EPROTO);

	serve("200 OK", "{\"Plaintext\":\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBka"
			"GxwdHh8=\"}");
	CHECK(kms_generate_random(&c, NULL, 32, out) == 32);
	CHECK(out[0] == 0 && out[31] == 31);
	CHECK(sent("GenerateRandom") &&
	      json_int(&rq, json_find(&rq, 0, "NumberOfBytes"), &n) == 0 &&
	      n == 32 && rq.tok[0].size == 1);
	serve("200 OK", "{\"Plaintext\":\"AAEC\"}");
	CHECK(kms_generate_random(&c, NULL, 32, out) == -EPROTO);
	CHECK(kms_generate_random(&c, NULL, 1025, out) == -EINVAL);
	stop();
}

/* Answers that are not what KMS sends: -EPROTO naming the operation,
 * no key material kept. */
static void test_malformed(void)
{
	static const char *const bodies[] = {
		"not json",
		"",
		"[]",
		"{\"Plaintext\":\"c2VjcmV0\",\"Plaintext\":\"eA==\"}",
		"{\"KeyId\":\"k\"}",
		"{\"Plaintext\":7}",
		"{\"Plaintext\":\"c2Vj cmV0\"}",
		"{\"Plaintext\":\"c2VjcmV0\\n\"}",
		"{\"Plaintext\":\"c2VjcmV\"}",
		"{\"Plaintext\":\"c2VjcmV0IGtleQ?=\"}", /* decoded, then bad */
		"{\"Plaintext\":\"c2VjcmV0IGtleR==\"}", /* not canonical */
		"{\"Plaintext\":\"c2VjcmV0\"",
	};
	unsigned char pt[64];
	size_t i;
	int k;

	start();
	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		serve("200 OK", bodies[i]);
		memset(pt, 0xaa, sizeof(pt));
		CHECKF(kms_decrypt(&c, NULL, NULL, NULL, "\1", 1, pt,
				   sizeof(pt), NULL, 0) == -EPROTO &&
			       strstr(c.error.message,
				      "malformed Decrypt response"),
		       "%s: %s", bodies[i], c.error.message);
		for (k = 0; k < 64 && (pt[k] == 0 || pt[k] == 0xaa); k++)
			;
		CHECKF(k == 64, "%s left bytes", bodies[i]);
	}
	/* A plaintext larger than the caller's buffer. */
	serve("200 OK", "{\"Plaintext\":\"c2VjcmV0IGtleQ==\"}");
	CHECK(kms_decrypt(&c, NULL, NULL, NULL, "\1", 1, pt, 4, NULL, 0) ==
	      -EPROTO);
	stop();
}

static void test_errors(void)
{
	unsigned char pt[16];
	char msg[600];

	start();
	serve("400 Bad Request",
	      "{\"__type\":\"NotFoundException\",\"message\":\"Alias "
	      "arn:aws:kms:us-east-1:1:alias/x is not found.\"}");
	CHECK(kms_decrypt(&c, "alias/x", NULL, NULL, "\1", 1, pt, sizeof(pt),
			  NULL, 0) == -ENOENT);
	aws_error_format(&c.error, msg, sizeof(msg));
	CHECKF(strstr(msg, "NotFoundException: Alias") &&
		       strstr(msg, "hint: check the key id, alias and region"),
	       "%s", msg);
	serve("400 Bad Request", "{\"__type\":\"InvalidCiphertextException\"}");
	CHECK(kms_decrypt(&c, NULL, NULL, &ctx, "\1", 1, pt, sizeof(pt), NULL,
			  0) == -EINVAL);
	aws_error_format(&c.error, msg, sizeof(msg));
	CHECKF(strstr(msg, "InvalidCiphertextException: no message") &&
		       strstr(msg, "another volume's blob"),
	       "%s", msg);
	serve("400 Bad Request",
	      "{\"__type\":\"KMSInvalidStateException\",\"message\":\"" ARN
	      " is pending deletion.\"}");
	CHECK(kms_encrypt(&c, "k", NULL, NULL, "x", 1, pt, sizeof(pt)) ==
	      -EINVAL);
	aws_error_format(&c.error, msg, sizeof(msg));
	CHECKF(strstr(msg, "CancelKeyDeletion") &&
		       strstr(msg, "pending deletion: cancel"),
	       "%s", msg);
	serve("400 Bad Request",
	      "{\"__type\":\"DisabledException\",\"message\":\"" ARN
	      " is disabled.\"}");
	CHECK(kms_decrypt(&c, NULL, NULL, &ctx, "\1", 1, pt, sizeof(pt), NULL,
			  0) == -EINVAL);
	aws_error_format(&c.error, msg, sizeof(msg));
	CHECKF(strstr(msg, "DisabledException") &&
		       strstr(msg, "the KMS key is disabled: enable it"),
	       "%s", msg);
	stop();
}

int main(void)
{
	if (secret_arena_init(&arena, 512 * 1024, 1) || fake_start(&fk)) {
		printf("SKIP unit/kms: no arena or cannot listen on "
		       "127.0.0.1\n");
		return 0;
	}
	T_RUN(test_context);
	T_RUN(test_encrypt);
	T_RUN(test_decrypt);
	T_RUN(test_generate_data_key);
	T_RUN(test_reencrypt_describe_random);
	T_RUN(test_describe_state);
	T_RUN(test_malformed);
	T_RUN(test_errors);
	fake_stop(&fk);
	secret_arena_fini(&arena);
	unsetenv("AWS_ACCESS_KEY_ID");
	unsetenv("AWS_SECRET_ACCESS_KEY");
	return T_END();
}
