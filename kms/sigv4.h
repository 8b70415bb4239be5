/* sigv4.h - AWS Signature Version 4, header signing.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: AWS IAM User Guide, "Create a signed AWS API request" (canonical
 *      request, string to sign, signing key derivation); the aws-c-auth
 *      v4 test suite (tests/data/sigv4).
 *
 * The caller gives the request as it will be sent: every header to sign
 * (host and x-amz-date included, x-amz-security-token too when there is a
 * session token - signing covers it). Header names are lowercased and
 * sorted, repeated names joined with ',' in order, values trimmed with
 * inner whitespace runs (including folded lines) collapsed to one space.
 * Query parameters are sorted by encoded name then value. The path is
 * URI-encoded (unreserved characters and '/' kept) and, with NORMALIZE,
 * reduced per RFC 3986 5.2.4 with empty segments dropped; "" means "/".
 * KMS and SSM post to "/".
 * All outputs are capped: -EMSGSIZE when OUT is too small, never a
 * truncated value. The signing key never leaves this module unwiped.
 */
#ifndef LUKSBOX_SIGV4_H
#define LUKSBOX_SIGV4_H

#include <stddef.h>

#define SIGV4_MAX_HEADERS 32

struct sigv4_header {
	const char *name;
	const char *value;
};

struct sigv4_request {
	const char *method;
	const char *path;  /* unencoded; encoded here per segment */
	const char *query; /* raw query without '?', or NULL */
	const struct sigv4_header *headers;
	size_t nheaders;
	const void *body;
	size_t body_len;
	const char *service;  /* "kms" */
	const char *region;   /* "us-east-1" */
	const char *amz_date; /* "20150830T123600Z" */
	int normalize;	      /* remove "." and ".." segments, empty ones */
};

struct sigv4_creds {
	const char *access_key;
	const char *secret_key;
	const char *session_token; /* NULL when none */
};

/* The canonical request text into OUT: its length or -EMSGSIZE/-EINVAL. */
int sigv4_canonical_request(const struct sigv4_request *r, char *out,
			    size_t cap);

/* The string to sign into OUT: its length or -errno. */
int sigv4_string_to_sign(const struct sigv4_request *r, char *out, size_t cap);

/* The Authorization header value into OUT: its length or -errno. */
int sigv4_authorization(const struct sigv4_request *r,
			const struct sigv4_creds *c, char *out, size_t cap);

/* Lowercase hex SHA-256 of N bytes (65 bytes of OUT). */
void sigv4_hex_sha256(const void *p, size_t n, char out[65]);

#endif
