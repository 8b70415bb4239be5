/* creds.h - AWS credentials: environment, shared credentials file, then
 * the instance role from IMDS (kms/imds.h).
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: AWS SDKs and Tools Reference Guide, "Standardized credential
 *      providers" and "IMDS credential provider"; EC2 User Guide,
 *      "Instance metadata categories" (iam/security-credentials).
 */
#ifndef LUKSBOX_CREDS_H
#define LUKSBOX_CREDS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "kms/imds.h"

struct msg_error; /* lib/msg.h */

/* Credentials: allocate in the secret arena; creds_wipe() when done. */
struct aws_creds {
	char access_key[128];
	char secret_key[128];
	char token[4096]; /* session token, "" when none */
	char source
		[96]; /* "environment", "profile default", "instance role R" */
	time_t expiration; /* 0 when the credentials do not expire */
};

/*
 * Find credentials the way the AWS SDKs do: AWS_ACCESS_KEY_ID and
 * AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN); then the shared credentials
 * file (AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials) for profile
 * PROFILE (NULL: AWS_PROFILE, else "default"); then the instance role
 * from IMDS. A profile named explicitly (PROFILE or AWS_PROFILE) must
 * exist: no silent fallback to the instance role. Returns 0, or -errno
 * with E's err and why (one line) filled: -ENOKEY when no source has any
 * (E->why says what was tried), -EILSEQ when the environment or the file
 * gives a key or token that is not visible ASCII (it goes into header
 * lines), or an IMDS error (E->why is then IMDS's reason).
 */
int creds_load(struct aws_creds *c, struct imds *m, const char *profile,
	       int64_t deadline, struct msg_error *e);

/*
 * Parse DOC (LEN bytes), an instance role's credentials document from
 * IMDS (iam/security-credentials/ROLE: JSON with Code, AccessKeyId,
 * SecretAccessKey, Token, Expiration "YYYY-MM-DDTHH:MM:SSZ"), into C.
 * Returns 0; -ENOKEY when Code is not "Success" (CODE, may be NULL, gets
 * it); -EBADMSG when DOC is not JSON, a key or token is missing, empty,
 * too long or not visible ASCII, or the Expiration is not a date. C is wiped on failure.
 */
int creds_parse_imds(struct aws_creds *c, const char *doc, size_t len,
		     char *code, size_t ccap);

/* 1 when C expires within 5 minutes of now (refresh before use). */
int creds_expiring(const struct aws_creds *c, time_t now);

/* Wipe C. */
void creds_wipe(struct aws_creds *c);

#endif
