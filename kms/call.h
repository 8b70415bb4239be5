/* call.h - one signed AWS JSON 1.1 call: a kept-alive connection per
 * endpoint (direct or through the proxy, TLS on top), credentials, SigV4,
 * retries under one deadline, clock-skew correction.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: AWS SDKs and Tools Reference Guide, "Retry behavior" (standard
 *      mode); AWS JSON 1.1 protocol (X-Amz-Target); RFC 9110 9.3.6
 *      (CONNECT); kms/endpoint.h (where), kms/errors.h (what failed).
 *
 * It retries what the SDKs retry (throttling, 5xx, transport errors) with
 * full-jitter exponential backoff (kms/retry.h) until the attempt budget
 * (standard mode) or the deadline (boot mode) runs out, re-signs once with the server's Date when it says our clock
 * is off, and once with fresh credentials when an instance role's expired.
 */
#ifndef LUKSBOX_CALL_H
#define LUKSBOX_CALL_H

#include <stddef.h>

#include "kms/net.h"

struct aws_client; /* kms/aws.h */
struct tls;	   /* kms/tls.h */

/* Each attempt (connect, TLS, request, response) gets at most
 * max(AWS_ATTEMPT_MIN_MS, timeout / max_attempts), within the deadline:
 * a server that accepts and never answers costs one attempt, not the run. */
#define AWS_ATTEMPT_MIN_MS 2000

/* Connections kept alive, one per endpoint (host:port:tls); the oldest
 * slot is reused past this. */
#define AWS_CONNS 4

struct aws_conn {
	char key[300]; /* "host:port:tls" */
	struct net_conn net;
	struct tls *tls; /* in the arena; NULL for plain HTTP */
	int open;
	unsigned uses; /* requests answered on this connection */
};

/*
 * One AWS JSON 1.1 call: POST BODY with X-Amz-Target: TARGET to SERVICE in
 * REGION (NULL: aws_region()). On HTTP 200 the response body (it may hold
 * key material: RESP should be in the arena) is in RESP, NUL-terminated,
 * and its length is returned. Otherwise -errno with C->error set:
 * -EACCES (access denied, bad signature, no credentials), -ENOENT (not
 * found), -EEXIST (SSM ParameterAlreadyExists), -EINVAL (validation,
 * disabled key, bad ciphertext),
 * -ETIMEDOUT / -ECONNREFUSED / -ECONNRESET / -ECONNABORTED /
 * -EHOSTUNREACH / -EAGAIN (temporary: what the SDKs retry - throttling,
 * 5xx, transport errors, truncated responses - still failing when the
 * deadline or attempt budget ran out), -EKEYREJECTED (TLS certificate),
 * -EPROTO (TLS handshake), -EMSGSIZE, -EPROTONOSUPPORT (an http://
 * endpoint, refused before anything is sent; C->error names its source).
 */
int aws_call(struct aws_client *c, const char *service, const char *region,
	     const char *target, const char *body, size_t len, char *resp,
	     size_t cap);

/* Close C's connections and wipe their TLS state (aws_fini() does). */
void aws_conns_close(struct aws_client *c);

#endif
