/* creds.h - AWS credentials and instance metadata: environment, shared
 * credentials file, then the instance role through IMDSv2.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: AWS SDKs and Tools Reference Guide, "Standardized credential
 *      providers" and "IMDS credential provider"; EC2 User Guide,
 *      "Use IMDSv2" (token PUT, TTL header, hop limit), "Instance metadata
 *      categories" (iam/security-credentials, placement/region).
 */
#ifndef LUKSBOX_CREDS_H
#define LUKSBOX_CREDS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Credentials: allocate in the secret arena; creds_wipe() when done. */
struct aws_creds {
	char access_key[128];
	char secret_key[128];
	char token[4096]; /* session token, "" when none */
	char source
		[96]; /* "environment", "profile default", "instance role R" */
	time_t expiration; /* 0 when the credentials do not expire */
};

/* Bytes for an instance role's credentials document from IMDS. */
#define IMDS_DOC_MAX 8192

/* What IMDS hands out that opens the role's credentials: the session
 * token (and the PUT's answer it is read from) and the role's name (and
 * the path it goes into). They live in locked memory, never on the
 * stack: the token is a bearer credential for six hours. */
struct imds_secret {
	char token[128]; /* IMDSv2 session token, "" when none yet */
	char put[128];	 /* the token PUT's body, wiped once read */
	char role[256];	 /* the role listed, wiped after the lookup */
	char path[320];	 /* .../security-credentials/ROLE, likewise */
};

/* The instance metadata service client (no secrets but SEC). */
struct imds {
	char host[64]; /* "169.254.169.254" or "[fd00:ec2::254]" */
	unsigned port; /* 80 */
	int disabled;  /* AWS_EC2_METADATA_DISABLED=true */
	int allow_v1;  /* fall back to IMDSv1 when the token PUT fails */
	int v1_only;   /* it failed once: no more PUTs this run */
	/* The caller's locked memory when it sets this after imds_init()
	 * (aws_init does, from its secret arena); else allocated on the
	 * heap when first needed (OWN_SEC). imds_fini() wipes it. */
	struct imds_secret *sec;
	int own_sec;
	int64_t token_deadline; /* now_ms() after which it is refreshed */
	char why[256];		/* what went wrong last, for messages */
	const char *hint;	/* what to do about it, or NULL */
	/* Where responses are read, credentials documents among them: the
	 * caller's locked memory when it sets these (aws_init does, from
	 * its secret arena; DOC holds IMDS_DOC_MAX bytes), else buffers
	 * from the heap, wiped and freed after each request. */
	struct http_response *rs;
	char *doc;
};

/*
 * Configure IMDS from the environment: AWS_EC2_METADATA_SERVICE_ENDPOINT
 * ("http://HOST[:PORT]", IPv6 in brackets), else
 * AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE=IPv6 ([fd00:ec2::254]) or IPv4
 * (169.254.169.254); AWS_EC2_METADATA_DISABLED=true disables it.
 * ALLOW_V1: permit IMDSv1 when no token can be had (off by default: IMDSv1
 * is what SSRF attacks read). Returns 0, or -EINVAL for a bad endpoint
 * or mode (m->why says which variable and why).
 */
int imds_init(struct imds *m, int allow_v1);

/*
 * GET the metadata PATH (e.g. "/latest/meta-data/placement/region") into
 * OUT (NUL-terminated) before DEADLINE. Gets or refreshes the IMDSv2 token
 * as needed (a 401 refreshes it once). Returns the body length or -errno:
 * -ENODEV when disabled, -ENOENT for a 404, -ETIMEDOUT/-ECONNREFUSED/...
 * when IMDS does not answer, -EPROTO for other statuses, -EMSGSIZE.
 * m->why explains failures, with the hop-limit hint when the token PUT
 * gets no answer.
 */
int imds_get(struct imds *m, const char *path, char *out, size_t cap,
	     int64_t deadline);

/*
 * Take BODY (LEN bytes), the answer to the token PUT, as M's IMDSv2 token
 * (m->sec->token): 0, -ENOMEM, or -EBADMSG when it is empty, does not fit,
 * or holds anything but visible ASCII (it goes back in a header line).
 */
int imds_set_token(struct imds *m, const char *body, size_t len);

/* Wipe M's secrets (the token), freeing them when M allocated them. */
void imds_fini(struct imds *m);

/*
 * Find credentials the way the AWS SDKs do: AWS_ACCESS_KEY_ID and
 * AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN); then the shared credentials
 * file (AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials) for profile
 * PROFILE (NULL: AWS_PROFILE, else "default"); then the instance role
 * from IMDS. A profile named explicitly (PROFILE or AWS_PROFILE) must
 * exist: no silent fallback to the instance role. Returns 0, or -errno:
 * -ENOKEY when no source has any (WHY says what was tried), -EILSEQ when
 * the environment or the file gives a key or token that is not visible
 * ASCII (it goes into header lines), or an IMDS error. WHY (may be NULL)
 * gets a one-line reason on failure.
 */
int creds_load(struct aws_creds *c, struct imds *m, const char *profile,
	       int64_t deadline, char *why, size_t whysz);

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
