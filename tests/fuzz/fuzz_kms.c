/* fuzz_kms.c - libFuzzer target: KMS and SSM response parsing, and the
 * request bodies built around it.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * Sources: kms/kms.c kms/ssm.c kms/json.c lib/base64.c crypto/secret.c
 *
 * Untrusted input: the body of a 200 answer from KMS or SSM. The transport
 * (aws_call() in call.c: sockets, TLS, signing) is replaced by a double
 * below that checks the request the operation built and hands back the
 * fuzz input as the answer, so the real kms.c/ssm.c code runs unchanged.
 * Input: an operation byte (0 Encrypt, 1 Decrypt, 2 GenerateDataKey,
 * 3 ReEncrypt, 4 DescribeKey, 5 GenerateRandom, 6 SSM GetParameter), then
 * NUL-terminated key id, context key and context value, then the body.
 *
 * Invariants: every request is JSON that json_parse() accepts and that
 * carries the key id, context and base64 input exactly; outputs stay in
 * buffers of exactly their size; a success returns what the answer's
 * base64 member decodes to (checked independently), fields come back
 * NUL-terminated, and failures are -errno with a message.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/base64.h"
#include "kms/json.h"
#include "kms/kms.h"
#include "kms/ssm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What the operation is expected to send, and what the server answers. */
struct fake {
	const char *key_id, *ck, *cv;
	const unsigned char *in; /* the base64 input member's bytes */
	size_t in_len;
	const char *in_name; /* "Plaintext", "CiphertextBlob" or NULL */
	const char *answer;
	size_t answer_len;
	int calls;
};

/* One fake per run; the double cannot take it as an argument. */
static struct fake *fake_now(struct fake *set)
{
	static struct fake *f;

	if (set)
		f = set;
	return f;
}

static void check_context(const struct json *j, const char *name,
			  const struct fake *f)
{
	static char v[4096];
	int o = json_find(j, 0, name);

	if (!f->ck[0]) {
		if (o >= 0)
			__builtin_trap(); /* no context, no member */
		return;
	}
	if (o < 0 || json_type(j, o) != JSON_OBJECT || j->tok[o].size != 1 ||
	    json_get_string(j, o, f->ck, v, sizeof(v)) < 0 || strcmp(v, f->cv))
		__builtin_trap();
}

/* The KMS request: target, key id, context and base64 input as given. */
static void check_kms_request(const struct json *j, const char *target,
			      const struct fake *f)
{
	static char v[AWS_REQ_MAX];
	static unsigned char raw[AWS_REQ_MAX];
	int reenc = !strcmp(target, "TrentService.ReEncrypt");
	int random = !strcmp(target, "TrentService.GenerateRandom");
	int n;

	if (strncmp(target, "TrentService.", 13))
		__builtin_trap();
	if (f->key_id[0] && !random &&
	    (json_get_string(j, 0, reenc ? "DestinationKeyId" : "KeyId", v,
			     sizeof(v)) < 0 ||
	     strcmp(v, f->key_id)))
		__builtin_trap();
	if (reenc) {
		check_context(j, "SourceEncryptionContext", f);
		check_context(j, "DestinationEncryptionContext", f);
	} else if (!random && strcmp(target, "TrentService.DescribeKey")) {
		check_context(j, "EncryptionContext", f);
	}
	if (f->in_name) { /* base64 of exactly the bytes given */
		n = json_get_string(j, 0, f->in_name, v, sizeof(v));
		if (n < 0 ||
		    b64_decode(raw, sizeof(raw), v, (size_t)n) !=
			    (int)f->in_len ||
		    memcmp(raw, f->in, f->in_len))
			__builtin_trap();
	}
}

int aws_call(struct aws_client *c, const char *service, const char *region,
	     const char *target, const char *body, size_t len, char *resp,
	     size_t cap)
{
	static struct json j;
	static char v[AWS_REQ_MAX];
	struct fake *f = fake_now(NULL);

	(void)region;
	f->calls++;
	if (strlen(body) != len || json_parse(&j, body, len))
		__builtin_trap(); /* we must send valid JSON */
	if (!strcmp(service, "ssm")) {
		if (strcmp(target, "AmazonSSM.GetParameter") ||
		    json_get_string(&j, 0, "Name", v, sizeof(v)) < 0 ||
		    strcmp(v, f->key_id))
			__builtin_trap();
	} else if (!strcmp(service, "kms")) {
		check_kms_request(&j, target, f);
	} else {
		__builtin_trap();
	}
	if (f->answer_len >= cap) {
		c->error.err = -EMSGSIZE;
		return -EMSGSIZE; /* as http_exchange() would */
	}
	memcpy(resp, f->answer, f->answer_len);
	resp[f->answer_len] = 0;
	return (int)f->answer_len;
}

/* kms.c only asks whether a key id is an ARN with a region. */
int aws_arn_region(const char *s, char *out, size_t cap)
{
	(void)s;
	(void)out;
	(void)cap;
	return -EINVAL;
}

/* Where kms.c asks for the caller's explicit region (endpoint.c has
 * it): none, so the ARN or the hint decides. */
const char *aws_region_explicit(const struct aws_client *c);
const char *aws_region_explicit(const struct aws_client *c)
{
	(void)c;
	return NULL;
}

/* What base64 member NAME of the answer decodes to, independently. */
static int expect_b64(const struct fake *f, const char *name,
		      unsigned char *out, size_t cap)
{
	static struct json j;
	static char v[AWS_RESP_MAX];
	int n;

	if (json_parse(&j, f->answer, f->answer_len))
		return -1;
	n = json_get_string(&j, 0, name, v, sizeof(v));
	if (n < 0)
		return -1;
	return b64_decode(out, cap, v, (size_t)n);
}

static void check_result(int r, size_t cap, const struct aws_client *c)
{
	if (r > (int)cap)
		__builtin_trap();
	if (r < 0 && (r < -4095 ||
		      !memchr(c->error.message, 0, sizeof(c->error.message))))
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned char secret[32] =
		"0123456789abcdef0123456789abcd";
	static const unsigned char blob_in[] = "\x01\x02\x03 not a real blob";
	static unsigned char expect[KMS_BLOB_MAX];
	struct aws_client c;
	struct kms_context x = {0};
	struct kms_key_info *info;
	struct fake f = {0};
	const char *p = (const char *)data + 1,
		   *end = (const char *)data + size;
	const char *s[3];
	unsigned char *out;
	char *arn, *text;
	uint8_t op;
	int i, r, e;

	if (size < 1)
		return 0;
	op = data[0] % 7;
	for (i = 0; i < 3; i++) { /* three NUL-terminated strings */
		const char *z = memchr(p, 0, (size_t)(end - p));

		if (!z)
			return 0;
		s[i] = p;
		p = z + 1;
	}
	f.key_id = s[0];
	f.ck = s[1];
	f.cv = s[2];
	f.answer = p;
	f.answer_len = (size_t)(end - p);
	fake_now(&f);
	if (f.ck[0] && kms_context_add(&x, f.ck, f.cv))
		__builtin_trap();

	memset(&c, 0, sizeof(c));
	c.req = malloc(AWS_REQ_MAX);
	c.resp = malloc(AWS_RESP_MAX);
	c.scratch = malloc(AWS_REQ_MAX);
	out = malloc(KMS_BLOB_MAX);
	arn = malloc(KMS_ARN_MAX);
	info = malloc(sizeof(*info));

	switch (op) {
	case 0:
		f.in_name = "Plaintext";
		f.in = secret;
		f.in_len = sizeof(secret);
		r = kms_encrypt(&c, f.key_id, NULL, &x, secret, sizeof(secret),
				out, KMS_BLOB_MAX);
		check_result(r, KMS_BLOB_MAX, &c);
		e = expect_b64(&f, "CiphertextBlob", expect, sizeof(expect));
		if (r >= 0 && (r != e || memcmp(out, expect, (size_t)r)))
			__builtin_trap();
		break;
	case 1:
		f.in_name = "CiphertextBlob";
		f.in = blob_in;
		f.in_len = sizeof(blob_in);
		r = kms_decrypt(&c, f.key_id, NULL, &x, blob_in,
				sizeof(blob_in), out, KMS_PLAINTEXT_MAX, arn,
				KMS_ARN_MAX);
		check_result(r, KMS_PLAINTEXT_MAX, &c);
		e = expect_b64(&f, "Plaintext", expect, KMS_PLAINTEXT_MAX);
		if (r >= 0 && (r != e || memcmp(out, expect, (size_t)r) ||
			       !memchr(arn, 0, KMS_ARN_MAX)))
			__builtin_trap();
		break;
	case 2: {
		unsigned char *pt = malloc(32);

		r = kms_generate_data_key(&c, f.key_id, NULL, &x, 32, pt, out,
					  KMS_BLOB_MAX, arn, KMS_ARN_MAX);
		check_result(r, KMS_BLOB_MAX, &c);
		if (r >= 0 &&
		    (expect_b64(&f, "Plaintext", expect, 32) != 32 ||
		     memcmp(pt, expect, 32) || !memchr(arn, 0, KMS_ARN_MAX)))
			__builtin_trap();
		free(pt);
		break;
	}
	case 3:
		f.in_name = "CiphertextBlob";
		f.in = blob_in;
		f.in_len = sizeof(blob_in);
		r = kms_reencrypt(&c, f.key_id, NULL, &x, NULL, blob_in,
				  sizeof(blob_in), out, KMS_BLOB_MAX, NULL, 0);
		check_result(r, KMS_BLOB_MAX, &c);
		e = expect_b64(&f, "CiphertextBlob", expect, sizeof(expect));
		if (r >= 0 && (r != e || memcmp(out, expect, (size_t)r)))
			__builtin_trap();
		break;
	case 4:
		r = kms_describe_key(&c, f.key_id, NULL, info);
		check_result(r, 0, &c);
		/* Every field a C string, even after a failure. */
		if (!memchr(info->arn, 0, sizeof(info->arn)) ||
		    !memchr(info->state, 0, sizeof(info->state)) ||
		    !memchr(info->usage, 0, sizeof(info->usage)) ||
		    !memchr(info->spec, 0, sizeof(info->spec)) ||
		    !memchr(info->description, 0, sizeof(info->description)))
			__builtin_trap();
		if (r == 0 && !info->arn[0])
			__builtin_trap();
		break;
	case 5:
		r = kms_generate_random(&c, NULL, 32, out);
		check_result(r, 32, &c);
		if (r >= 0 &&
		    (r != 32 || expect_b64(&f, "Plaintext", expect, 32) != 32 ||
		     memcmp(out, expect, 32)))
			__builtin_trap();
		break;
	default:
		text = malloc(4096);
		r = ssm_get_parameter(&c, f.key_id, NULL, text, 4096);
		check_result(r, 4095, &c);
		if (r >= 0 && strlen(text) != (size_t)r)
			__builtin_trap();
		free(text);
		break;
	}
	if (f.calls != 1 && !(f.calls == 0 && r < 0))
		__builtin_trap(); /* one request per operation */

	free(info);
	free(arn);
	free(out);
	free(c.scratch);
	free(c.resp);
	free(c.req);
	return 0;
}
