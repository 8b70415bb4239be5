/* ssm.h - AWS Systems Manager Parameter Store: GetParameter.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: AWS Systems Manager API Reference, GetParameter (WithDecryption).
 *
 * The only SSM-aware file. A SecureString value is decrypted by SSM with
 * KMS on the caller's behalf (the role needs kms:Decrypt on its key).
 */
#ifndef LUKSBOX_SSM_H
#define LUKSBOX_SSM_H

#include <stddef.h>

#include "kms/aws.h"

/* The value of parameter NAME (decrypted) into OUT (keep it in the
 * arena): its length, or -errno with c->error set. */
int ssm_get_parameter(struct aws_client *c, const char *name, char *out,
		      size_t cap);

#endif
