/* token.h - the `aws-kms` LUKS2 token (a KMS-wrapped keyslot secret) and
 * the `luksbox-ssm` token (which keyslot an SSM parameter opens).
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: docs/design.md "On-disk contract", LUKS2 on-disk format (tokens),
 *      AWS KMS Developer Guide "Encryption context".
 *
 * The token lives in the LUKS2 header's JSON, linked to the keyslot its
 * secret opens:
 *
 *   {"type":"aws-kms","keyslots":["1"],"key_id":"arn:aws:kms:...",
 *    "region":"us-east-1","ciphertext":"BASE64","context":{"luksbox:volume":
 *    "UUID",...},"version":1}                     ("endpoint" optional)
 *
 * Decoding is strict (the header is untrusted input: a disk can be moved
 * between machines): every member has its type, the secret's ciphertext is
 * canonical base64, the context has at most KMS_CONTEXT_MAX pairs and
 * names the volume. Nothing here talks to KMS or libcryptsetup.
 */
#ifndef LUKSBOX_TOKEN_H
#define LUKSBOX_TOKEN_H

#include <stddef.h>

#include "kms/kms.h"

#define TOKEN_TYPE "aws-kms"
#define TOKEN_VERSION 1
#define TOKEN_CONTEXT_VOLUME "luksbox:volume"
#define TOKEN_JSON_MAX 12288 /* a LUKS2 header's JSON area is 12 KiB */

struct kms_token {
	int keyslot;		  /* the keyslot the secret opens */
	char key_id[KMS_ARN_MAX]; /* the key ARN KMS reported (or as given) */
	char region[32];	  /* where the key lives */
	/* "" or an endpoint URL, kept for the operator's eyes only: it is
	 * never followed. A header is untrusted, and following it would send
	 * signed requests (replayable for minutes) to a host the header
	 * chooses; endpoints come from the environment and options. */
	char endpoint[256];
	unsigned char blob[KMS_BLOB_MAX]; /* the KMS ciphertext of the secret */
	size_t blob_len;
	size_t ncontext; /* encryption context pairs, volume pair included */
	char ckey[KMS_CONTEXT_MAX][128];
	char cval[KMS_CONTEXT_MAX][256];
	int version;
};

/*
 * The JSON of T into OUT (NUL-terminated). Returns its length, or
 * -EMSGSIZE when CAP is too small, -EINVAL when T lacks a key, a keyslot,
 * a ciphertext or the volume context pair, -EILSEQ when a string holds a
 * control character (what token_decode() refuses).
 */
int token_encode(const struct kms_token *t, char *out, size_t cap);

/*
 * Decode the token JSON (LEN bytes) into T. Returns 0; -EMEDIUMTYPE when
 * it is a token of another type (not ours: skip it); -EINVAL when it says
 * aws-kms but is malformed (a missing or mistyped member, bad base64, no
 * or several keyslots, an unknown version, no volume context pair);
 * -EILSEQ when key_id, region, endpoint or a context key or value holds a
 * control character (C0, DEL, C1: lib/msg.h), since that text reaches
 * terminals and logs; -EMSGSIZE over a cap. T is wiped on failure. When
 * FIELD is not NULL, *FIELD names the member refused ("key_id",
 * "context value", ...; "" when none or unknown): a static string.
 */
int token_decode(const char *json, size_t len, struct kms_token *t,
		 const char **field);

/* The value of context key K in T, or NULL. */
const char *token_context(const struct kms_token *t, const char *k);

/*
 * Fill X (pointing into T) with T's context, for kms_decrypt(). Returns 0
 * or -E2BIG.
 */
int token_kms_context(const struct kms_token *t, struct kms_context *x);

/*
 * The `luksbox-ssm` token: which keyslot an SSM SecureString opens, for
 * --status and key removal, and for luks-setup to recognise a parameter
 * an interrupted run of this volume wrote. It is never trusted to choose
 * a parameter or an endpoint: luks-mount takes the name and region from
 * the table. No secret in it.
 *
 *   {"type":"luksbox-ssm","keyslots":["2"],"parameter":"/luksbox/db",
 *    "region":"us-east-1","kms_key":"alias/aws/ssm","version":1}
 */
#define TOKEN_SSM_TYPE "luksbox-ssm"

struct ssm_token {
	int keyslot;
	char parameter[256]; /* the parameter's name */
	char region[32];     /* where it is */
	char kms_key[256];   /* the key SSM encrypts it under */
	int version;
};

/* The JSON of T into OUT: its length, or -EMSGSIZE, -EINVAL (no keyslot
 * or parameter), -EILSEQ (a control character). */
int token_ssm_encode(const struct ssm_token *t, char *out, size_t cap);

/* Decode a luksbox-ssm token strictly, as token_decode() an aws-kms one:
 * 0, -EMEDIUMTYPE (another type), -EINVAL, -EILSEQ, -EMSGSIZE; *FIELD
 * names the member refused. */
int token_ssm_decode(const char *json, size_t len, struct ssm_token *t,
		     const char **field);

#endif
