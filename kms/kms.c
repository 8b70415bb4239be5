/* kms.c - AWS KMS Encrypt/Decrypt/GenerateDataKey/ReEncrypt/DescribeKey/
 * GenerateRandom over aws_call().
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: kms.h, AWS KMS API Reference.
 */
#include "kms/kms.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib/base64.h"
#include "kms/json.h"

int kms_context_add(struct kms_context *x, const char *k, const char *v)
{
	size_t i;

	for (i = 0; i < x->n; i++)
		if (!strcmp(x->key[i], k))
			return -EEXIST;
	if (x->n == KMS_CONTEXT_MAX)
		return -E2BIG;
	x->key[x->n] = k;
	x->value[x->n] = v;
	x->n++;
	return 0;
}

/*
 * The region a call goes to: the caller's hint (a LUKS token records where
 * its blob was made), else --region / AWS_REGION / AWS_DEFAULT_REGION,
 * else the key ARN's region, else IMDS placement/region (docs/design.md "AWS access";
 * the AWS CLI too sends an ARN of another region to the configured one).
 */
static const char *call_region(struct aws_client *c, const char *key_id,
			       const char *hint, char *buf, size_t cap)
{
	if (hint && *hint)
		return hint;
	if (aws_region_explicit(c))
		return NULL; /* aws_call() validates and uses it */
	if (key_id && !aws_arn_region(key_id, buf, cap))
		return buf;
	return NULL; /* aws_call() asks IMDS */
}

static void put_context(struct jw *w, const char *name,
			const struct kms_context *x)
{
	size_t i;

	if (!x || !x->n)
		return;
	jw_key(w, name);
	jw_obj_begin(w);
	for (i = 0; i < x->n; i++) {
		jw_key(w, x->key[i]);
		jw_str(w, x->value[i]);
	}
	jw_obj_end(w);
}

/* Base64 of N bytes at P as a string member NAME of W (text in scratch). */
static int put_b64(struct aws_client *c, struct jw *w, const char *name,
		   const void *p, size_t n)
{
	int len = b64_encode(c->scratch, AWS_REQ_MAX, p, n);

	if (len < 0)
		return len;
	jw_key(w, name);
	jw_str(w, c->scratch);
	return 0;
}

/* Member NAME of the response, base64-decoded into OUT: its length. */
static int get_b64(struct aws_client *c, const struct json *j, const char *name,
		   unsigned char *out, size_t cap)
{
	int n = json_get_string(j, 0, name, c->scratch, AWS_REQ_MAX);

	if (n < 0)
		return n == -ENOENT ? -EBADMSG : n;
	n = b64_decode(out, cap, c->scratch, (size_t)n);
	if (n < 0)
		secret_wipe(out, cap); /* no half-decoded key left behind */
	return n;
}

/* A 200 whose body is not what the API promises. Permanent (exit 1), as
 * in the SDKs, which do not retry a response they cannot parse. */
static int bad_response(struct aws_client *c, const char *op, int err)
{
	snprintf(c->error.message, sizeof(c->error.message),
		 "malformed %s response (%s)", op,
		 err == -EINVAL	   ? "not JSON"
		 : err == -EBADMSG ? "a field is missing"
				   : strerror(-err));
	snprintf(c->error.where, sizeof(c->error.where), "KMS at %.150s",
		 c->last_host);
	c->error.err = -EPROTO;
	c->error.code[0] = 0;
	c->error.hint = NULL;
	return -EPROTO;
}

/* Send W's body as TrentService.OP; parse the answer into J. */
static int call(struct aws_client *c, const char *op, const char *region,
		struct jw *w, struct json *j)
{
	char target[64];
	int n = jw_finish(w);

	if (n < 0) {
		c->error.err = n;
		snprintf(c->error.message, sizeof(c->error.message),
			 "%s request too large", op);
		return n;
	}
	snprintf(target, sizeof(target), "TrentService.%s", op);
	n = aws_call(c, "kms", region, target, c->req, (size_t)n, c->resp,
		     AWS_RESP_MAX);
	secret_wipe(c->req, AWS_REQ_MAX);
	secret_wipe(c->scratch, AWS_REQ_MAX);
	if (n < 0)
		return n;
	n = json_parse(j, c->resp, (size_t)n);
	if (n)
		return bad_response(c, op, n);
	return 0;
}

static void done(struct aws_client *c)
{
	secret_wipe(c->resp, AWS_RESP_MAX);
	secret_wipe(c->scratch, AWS_REQ_MAX);
}

int kms_encrypt(struct aws_client *c, const char *key_id,
		const char *region_hint, const struct kms_context *x,
		const void *pt, size_t n, unsigned char *blob, size_t cap)
{
	char rbuf[40];
	struct jw w;
	struct json j;
	int err;

	if (n == 0 || n > KMS_PLAINTEXT_MAX)
		return -EMSGSIZE;
	jw_init(&w, c->req, AWS_REQ_MAX);
	jw_obj_begin(&w);
	jw_key(&w, "KeyId");
	jw_str(&w, key_id);
	err = put_b64(c, &w, "Plaintext", pt, n);
	if (err)
		return err;
	put_context(&w, "EncryptionContext", x);
	jw_obj_end(&w);
	err = call(c, "Encrypt",
		   call_region(c, key_id, region_hint, rbuf, sizeof(rbuf)), &w,
		   &j);
	if (!err) {
		err = get_b64(c, &j, "CiphertextBlob", blob, cap);
		if (err < 0)
			err = bad_response(c, "Encrypt", err);
	}
	done(c);
	return err;
}

int kms_decrypt(struct aws_client *c, const char *key_id,
		const char *region_hint, const struct kms_context *x,
		const void *blob, size_t n, unsigned char *pt, size_t cap,
		char *key_arn, size_t arn_cap)
{
	char rbuf[40];
	struct jw w;
	struct json j;
	int err;

	if (n == 0 || n > KMS_BLOB_MAX)
		return -EMSGSIZE;
	jw_init(&w, c->req, AWS_REQ_MAX);
	jw_obj_begin(&w);
	err = put_b64(c, &w, "CiphertextBlob", blob, n);
	if (err)
		return err;
	if (key_id && *key_id) {
		jw_key(&w, "KeyId");
		jw_str(&w, key_id);
	}
	put_context(&w, "EncryptionContext", x);
	jw_obj_end(&w);
	err = call(c, "Decrypt",
		   call_region(c, key_id, region_hint, rbuf, sizeof(rbuf)), &w,
		   &j);
	if (!err) {
		err = get_b64(c, &j, "Plaintext", pt, cap);
		if (err < 0)
			err = bad_response(c, "Decrypt", err);
		else if (key_arn &&
			 json_get_string(&j, 0, "KeyId", key_arn, arn_cap) < 0)
			key_arn[0] = 0;
	}
	done(c);
	return err;
}

int kms_generate_data_key(struct aws_client *c, const char *key_id,
			  const char *region_hint, const struct kms_context *x,
			  size_t nbytes, unsigned char *pt, unsigned char *blob,
			  size_t cap, char *key_arn, size_t arn_cap)
{
	char rbuf[40];
	struct jw w;
	struct json j;
	int err, n;

	if (nbytes == 0 || nbytes > 1024)
		return -EINVAL;
	jw_init(&w, c->req, AWS_REQ_MAX);
	jw_obj_begin(&w);
	jw_key(&w, "KeyId");
	jw_str(&w, key_id);
	jw_key(&w, "NumberOfBytes");
	jw_int(&w, (long long)nbytes);
	put_context(&w, "EncryptionContext", x);
	jw_obj_end(&w);
	err = call(c, "GenerateDataKey",
		   call_region(c, key_id, region_hint, rbuf, sizeof(rbuf)), &w,
		   &j);
	if (err)
		goto out;
	n = get_b64(c, &j, "Plaintext", pt, nbytes);
	if (n != (int)nbytes) {
		secret_wipe(pt, nbytes);
		err = bad_response(c, "GenerateDataKey", n < 0 ? n : -EBADMSG);
		goto out;
	}
	err = get_b64(c, &j, "CiphertextBlob", blob, cap);
	if (err < 0) {
		secret_wipe(pt, nbytes);
		err = bad_response(c, "GenerateDataKey", err);
		goto out;
	}
	if (key_arn && json_get_string(&j, 0, "KeyId", key_arn, arn_cap) < 0)
		key_arn[0] = 0;
out:
	done(c);
	return err;
}

int kms_reencrypt(struct aws_client *c, const char *dest_key,
		  const char *region_hint, const struct kms_context *x,
		  const struct kms_context *dx, const void *blob, size_t n,
		  unsigned char *out, size_t cap, char *key_arn, size_t arn_cap)
{
	char rbuf[40];
	struct jw w;
	struct json j;
	int err;

	if (n == 0 || n > KMS_BLOB_MAX)
		return -EMSGSIZE;
	jw_init(&w, c->req, AWS_REQ_MAX);
	jw_obj_begin(&w);
	err = put_b64(c, &w, "CiphertextBlob", blob, n);
	if (err)
		return err;
	jw_key(&w, "DestinationKeyId");
	jw_str(&w, dest_key);
	put_context(&w, "SourceEncryptionContext", x);
	put_context(&w, "DestinationEncryptionContext", dx ? dx : x);
	jw_obj_end(&w);
	err = call(c, "ReEncrypt",
		   call_region(c, dest_key, region_hint, rbuf, sizeof(rbuf)),
		   &w, &j);
	if (!err) {
		err = get_b64(c, &j, "CiphertextBlob", out, cap);
		if (err < 0)
			err = bad_response(c, "ReEncrypt", err);
		else if (key_arn &&
			 json_get_string(&j, 0, "KeyId", key_arn, arn_cap) < 0)
			key_arn[0] = 0;
	}
	done(c);
	return err;
}

/* A KeyState as KMS spells them: letters only, so it is safe to print. */
static int letters(const char *s)
{
	for (; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z')))
			return 0;
	return 1;
}

int kms_describe_key(struct aws_client *c, const char *key_id,
		     const char *region_hint, struct kms_key_info *info)
{
	char rbuf[40];
	struct jw w;
	struct json j;
	int err, meta, t;

	memset(info, 0, sizeof(*info));
	jw_init(&w, c->req, AWS_REQ_MAX);
	jw_obj_begin(&w);
	jw_key(&w, "KeyId");
	jw_str(&w, key_id);
	jw_obj_end(&w);
	err = call(c, "DescribeKey",
		   call_region(c, key_id, region_hint, rbuf, sizeof(rbuf)), &w,
		   &j);
	if (err)
		goto out;
	meta = json_find(&j, 0, "KeyMetadata");
	t = meta < 0 ? -1 : json_find(&j, meta, "DeletionDate");
	if (meta < 0 ||
	    json_get_string(&j, meta, "Arn", info->arn, sizeof(info->arn)) <
		    0 ||
	    json_get_string(&j, meta, "KeyState", info->state,
			    sizeof(info->state)) <= 0 ||
	    !letters(info->state) ||
	    (t >= 0 && json_epoch(&j, t, &info->deletion) < 0)) {
		err = bad_response(c, "DescribeKey", -EBADMSG);
		memset(info, 0, sizeof(*info));
		goto out;
	}
	json_get_string(&j, meta, "KeyUsage", info->usage, sizeof(info->usage));
	json_get_string(&j, meta, "KeySpec", info->spec, sizeof(info->spec));
	json_get_string(&j, meta, "Description", info->description,
			sizeof(info->description));
out:
	done(c);
	return err;
}

int kms_generate_random(struct aws_client *c, const char *region, size_t n,
			unsigned char *out)
{
	struct jw w;
	struct json j;
	int err;

	if (n == 0 || n > 1024)
		return -EINVAL;
	jw_init(&w, c->req, AWS_REQ_MAX);
	jw_obj_begin(&w);
	jw_key(&w, "NumberOfBytes");
	jw_int(&w, (long long)n);
	jw_obj_end(&w);
	err = call(c, "GenerateRandom", region, &w, &j);
	if (!err) {
		err = get_b64(c, &j, "Plaintext", out, n);
		if (err != (int)n) {
			secret_wipe(out, n);
			err = bad_response(c, "GenerateRandom",
					   err < 0 ? err : -EBADMSG);
		}
	}
	done(c);
	return err;
}
