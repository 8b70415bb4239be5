/* ssm.h - AWS Systems Manager Parameter Store: GetParameter, PutParameter.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: AWS Systems Manager API Reference, GetParameter (WithDecryption),
 *      PutParameter (Type SecureString, KeyId, Overwrite).
 *
 * The only SSM-aware file. A SecureString value is encrypted and decrypted
 * by SSM with KMS on the caller's behalf (the role needs kms:Encrypt /
 * kms:Decrypt on its key, or none for alias/aws/ssm). Answers are
 * untrusted: parsed strictly, over a cap refused whole. Values (secrets)
 * travel through C's arena scratch, wiped after each call.
 */
#ifndef LUKSBOX_SSM_H
#define LUKSBOX_SSM_H

#include <stddef.h>

#include "kms/aws.h"

#define SSM_VALUE_MAX 4096 /* a Standard tier parameter's value */
#define SSM_DEFAULT_KEY "alias/aws/ssm"

/*
 * The value of parameter NAME (decrypted) into OUT (keep it in the
 * arena), NUL-terminated: its length, or -errno with c->error set
 * (-ENOENT: ParameterNotFound; -EPROTO: a malformed answer, or a value
 * that does not fit CAP). REGION (NULL: aws_region()) is where the call
 * goes.
 */
int ssm_get_parameter(struct aws_client *c, const char *name,
		      const char *region, char *out, size_t cap);

/*
 * Does parameter NAME exist? GetParameter without decryption (no
 * kms:Decrypt needed, nothing secret comes back). 1, 0 (ParameterNotFound)
 * or -errno with c->error set.
 */
int ssm_parameter_exists(struct aws_client *c, const char *name,
			 const char *region);

/*
 * Store VALUE (LEN bytes of text, 1..SSM_VALUE_MAX) as the SecureString
 * NAME, encrypted under KMS key KEY_ID (NULL: SSM_DEFAULT_KEY), with
 * DESCRIPTION (may be NULL). An existing parameter is replaced only when
 * OVERWRITE is set: otherwise -EEXIST (ParameterAlreadyExists), nothing
 * changed. Returns the parameter's new version (>= 1), or -errno with
 * c->error set.
 */
int ssm_put_parameter(struct aws_client *c, const char *name,
		      const char *region, const char *key_id,
		      const char *description, const char *value, size_t len,
		      int overwrite);

#endif
