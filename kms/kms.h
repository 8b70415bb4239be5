/* kms.h - the AWS KMS operations luksbox uses (JSON 1.1, TrentService).
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: AWS KMS API Reference: Encrypt, Decrypt, GenerateDataKey,
 *      ReEncrypt, DescribeKey, GenerateRandom; "Encryption context".
 *
 * The only KMS-aware file. Key ids may be key ids, key ARNs, alias names
 * ("alias/x") or alias ARNs; an ARN's region wins over the client's.
 * Plaintexts and data keys are caller buffers (keep them in the secret
 * arena). Every call returns a length or 0, or -errno with c->error set
 * (see aws.h aws_call()).
 */
#ifndef LUKSBOX_KMS_H
#define LUKSBOX_KMS_H

#include <stddef.h>

#include "kms/aws.h"

#define KMS_CONTEXT_MAX 16
#define KMS_BLOB_MAX 6144      /* ciphertext blob limit of the API */
#define KMS_PLAINTEXT_MAX 4096 /* Encrypt plaintext limit */
#define KMS_ARN_MAX 256

/* Encryption context: pairs, bound to the ciphertext, logged by CloudTrail. */
struct kms_context {
	const char *key[KMS_CONTEXT_MAX];
	const char *value[KMS_CONTEXT_MAX];
	size_t n;
};

/* Add K=V to X: 0, -E2BIG when full, -EEXIST for a repeated key. */
int kms_context_add(struct kms_context *x, const char *k, const char *v);

/* Encrypt N bytes of PT under KEY_ID: the blob into BLOB; its length.
 * REGION_HINT (may be NULL), when given, is where the call goes (a
 * KEY@REGION setting, a token's region); else --region/AWS_REGION, else a
 * key ARN's region, else IMDS (aws.h). */
int kms_encrypt(struct aws_client *c, const char *key_id,
		const char *region_hint, const struct kms_context *x,
		const void *pt, size_t n, unsigned char *blob, size_t cap);

/*
 * Decrypt BLOB (KEY_ID may be NULL for symmetric keys; give it to pin the
 * key). Plaintext into PT; its length. KEY_ARN (may be NULL) gets the key
 * that decrypted. REGION_HINT as for kms_encrypt().
 */
int kms_decrypt(struct aws_client *c, const char *key_id,
		const char *region_hint, const struct kms_context *x,
		const void *blob, size_t n, unsigned char *pt, size_t cap,
		char *key_arn, size_t arn_cap);

/*
 * A fresh NBYTES data key: plaintext into PT (NBYTES long), its blob into
 * BLOB; returns the blob length. KEY_ARN (may be NULL) gets the key ARN.
 * REGION_HINT as for kms_encrypt().
 */
int kms_generate_data_key(struct aws_client *c, const char *key_id,
			  const char *region_hint, const struct kms_context *x,
			  size_t nbytes, unsigned char *pt, unsigned char *blob,
			  size_t cap, char *key_arn, size_t arn_cap);

/* Re-encrypt BLOB from its key and context X to DEST_KEY and context DX
 * (NULL: X again): the new blob into OUT; its length. KMS never hands out
 * the plaintext. The call goes to one region (REGION_HINT as for
 * kms_encrypt()): the source key must live there too. KEY_ARN (may be
 * NULL) gets DEST_KEY's ARN. */
int kms_reencrypt(struct aws_client *c, const char *dest_key,
		  const char *region_hint, const struct kms_context *x,
		  const struct kms_context *dx, const void *blob, size_t n,
		  unsigned char *out, size_t cap, char *key_arn,
		  size_t arn_cap);

struct kms_key_info {
	char arn[KMS_ARN_MAX];
	char state[32]; /* "Enabled", "Disabled", "PendingDeletion", ... */
	char usage[32]; /* "ENCRYPT_DECRYPT", ... */
	char spec[32];	/* "SYMMETRIC_DEFAULT", ... */
	char description[256];
	long long deletion; /* DeletionDate, epoch seconds; 0 when none */
};

/*
 * DescribeKey: 0 with INFO filled. REGION_HINT as for kms_encrypt(). The
 * answer is untrusted: an Arn or KeyState missing, a KeyState that is
 * not letters only (it is printed and decides warnings) or a DeletionDate
 * that is not a date is -EPROTO; a usage, spec or description missing or
 * too long comes back "".
 */
int kms_describe_key(struct aws_client *c, const char *key_id,
		     const char *region_hint, struct kms_key_info *info);

/* GenerateRandom: N bytes (1..1024) from KMS into OUT; returns N. */
int kms_generate_random(struct aws_client *c, const char *region, size_t n,
			unsigned char *out);

#endif
