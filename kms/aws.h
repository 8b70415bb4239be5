/* aws.h - signed AWS JSON-protocol calls: endpoints, connections kept
 * alive, credentials, retries under one deadline, clock skew, errors.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: AWS SDKs and Tools Reference Guide: "Retry behavior" (standard
 *      mode), "Service-specific endpoints" (AWS_ENDPOINT_URL_<SERVICE>),
 *      "Dual-stack and FIPS endpoints"; AWS JSON 1.1 protocol (X-Amz-Target,
 *      __type error shapes).
 *
 * kms.c and ssm.c describe operations; this file carries them: it resolves
 * the endpoint for (service, region), reuses one connection per endpoint,
 * signs with SigV4, retries what the SDKs retry (throttling, 5xx,
 * transport errors) with jittered exponential backoff until the attempt
 * budget or the deadline runs out, corrects clock skew from the server's
 * Date once, and turns failures into an aws_error the user can act on.
 */
#ifndef LUKSBOX_AWS_H
#define LUKSBOX_AWS_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/secret.h"
#include "kms/creds.h"
#include "kms/tls.h"

/* What the caller chooses; zero means the default. */
struct aws_opts {
	const char *region;	  /* --region; else env, ARN, IMDS */
	const char *endpoint_url; /* --endpoint-url for every service */
	const char *ca_file;	  /* --ca-file, in addition to AWS_CA_BUNDLE */
	const char *profile;	  /* --profile */
	int timeout_s;		  /* overall deadline (default 30 s) */
	int max_attempts;	  /* default 3, like the SDKs' standard mode */
	int imds_v1;		  /* permit IMDSv1 fallback */
	/* Permit http:// endpoints. No option, variable or file sets it:
	 * only the unit tests, whose loopback fakes speak plain HTTP. */
	int plain_http;
};

/* Each attempt (connect, TLS, request, response) gets at most
 * max(AWS_ATTEMPT_MIN_MS, timeout / max_attempts), within the deadline:
 * a server that accepts and never answers costs one attempt, not the run. */
#define AWS_ATTEMPT_MIN_MS 2000

/* A failure as the user should see it. */
struct aws_error {
	int err;	   /* -errno class: -EACCES, -ETIMEDOUT, ... */
	int status;	   /* HTTP status, 0 when none */
	char code[96];	   /* AWS error code, e.g. "AccessDeniedException" */
	char message[384]; /* the service's message, or our reason */
	char where[160];   /* "kms.us-east-1.amazonaws.com", "IMDS", ... */
	const char *hint;  /* what to do, or NULL */
};

#define AWS_CONNS 4

struct aws_conn {
	char key[300]; /* "host:port:tls" */
	struct net_conn net;
	struct tls *tls; /* in the arena; NULL for plain HTTP */
	int open;
	unsigned uses; /* requests answered on this connection */
};

struct aws_client {
	struct secret_arena *arena;
	struct aws_opts opts;
	int64_t deadline;
	long skew; /* seconds added to the local clock when signing */
	int have_creds;
	struct aws_creds *creds; /* in the arena */
	struct imds imds;
	struct tls_trust trust;
	struct aws_conn conns[AWS_CONNS];
	char region[32];	/* resolved default region, "" until needed */
	struct aws_error error; /* the last failure */
	unsigned attempts;	/* attempts made by the last call */
	unsigned connects;	/* TCP connections opened (all calls) */
	char last_host[256];	/* endpoint of the last call, for messages */
	char last_region[32];	/* region it was signed for */
	/* Scratch in the arena, reused by every call (they hold plaintext
	 * keys in requests and responses). */
	struct http_response *rs;
	char *req;     /* AWS_REQ_MAX: request bodies built by kms.c/ssm.c */
	char *resp;    /* AWS_RESP_MAX: response bodies */
	char *scratch; /* AWS_REQ_MAX: base64 text of keys and blobs */
};

#define AWS_REQ_MAX 16384
#define AWS_RESP_MAX 16384

/*
 * Set up C with options O, allocating its secrets from ARENA (which must
 * have ~36 KiB free per endpoint used plus ~52 KiB). The deadline starts
 * now. Returns 0 or -errno (-EINVAL: bad IMDS endpoint; AWS_CA_BUNDLE or
 * --ca-file unreadable), with C->error filled in.
 */
int aws_init(struct aws_client *c, struct secret_arena *arena,
	     const struct aws_opts *o);

/*
 * The region to use when no ARN names one: --region, AWS_REGION,
 * AWS_DEFAULT_REGION, then IMDS placement/region. Returns it, or NULL
 * with C->error set.
 */
const char *aws_region(struct aws_client *c);

/*
 * The region the caller chose explicitly (--region, AWS_REGION,
 * AWS_DEFAULT_REGION), or NULL. The order for a call naming a key ARN is
 * this, then the ARN's region, then IMDS (kms.c).
 */
const char *aws_region_explicit(const struct aws_client *c);

/* The region in an ARN ("arn:PARTITION:kms:REGION:ACCOUNT:key/ID"), copied
 * into OUT; 0, or -EINVAL when S is not an ARN with a region. */
int aws_arn_region(const char *s, char *out, size_t cap);

/*
 * The endpoint for SERVICE ("kms", "ssm") in REGION: --endpoint-url, else
 * AWS_ENDPOINT_URL_<SVC>, else AWS_ENDPOINT_URL; else the partition's
 * name: SERVICE[-fips].REGION.amazonaws.com (aws, and aws-us-gov for
 * us-gov-*), .amazonaws.com.cn for cn-*, "-fips" when
 * AWS_USE_FIPS_ENDPOINT=true. Fills scheme-less HOST, PORT and TLS.
 * Returns 0 or -EINVAL (bad URL or region).
 */
int aws_endpoint(const struct aws_client *c, const char *service,
		 const char *region, char *host, size_t cap, unsigned *port,
		 int *tls);

/*
 * One AWS JSON 1.1 call: POST BODY with X-Amz-Target: TARGET to SERVICE in
 * REGION (NULL: aws_region()). On HTTP 200 the response body (it may hold
 * key material: RESP should be in the arena) is in RESP, NUL-terminated,
 * and its length is returned. Otherwise -errno with C->error set:
 * -EACCES (access denied, bad signature, no credentials), -ENOENT (not
 * found), -EINVAL (validation, disabled key, bad ciphertext),
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

/*
 * The AWS error code and message of an error answer, whatever its shape:
 * JSON {"__type", "message"} (or "code", "Message"), XML <Code>/<Message>
 * (moto's and STS's auth errors), else up to 200 bytes of BODY as the
 * message. BODY holds LEN bytes and a NUL after them. CODE loses any
 * "namespace#" prefix and ":..." suffix; control characters in either
 * become spaces. Both are NUL-terminated, "" when absent or longer than
 * their cap (CCAP, MCAP).
 */
void aws_parse_error(const char *body, size_t len, char *code, size_t ccap,
		     char *msg, size_t mcap);

/*
 * How aws_call() treats an error answer with CODE and HTTP STATUS: returns
 * -EACCES (credentials, signature, permission), -ENOENT (not found),
 * -EAGAIN (throttling, transient, 5xx) or -EINVAL (anything else: a request
 * that cannot succeed as it is). *RETRY (may be NULL) is set to 1 when the
 * SDKs' standard mode retries it (throttling and transient codes, 5xx).
 */
int aws_error_class(const char *code, int status, int *retry);

/* "KMS AccessDeniedException: message (at host)" and a hint, for users. */
void aws_error_format(const struct aws_error *e, char *out, size_t cap);

/* Close connections, wipe credentials and TLS state. */
void aws_fini(struct aws_client *c);

#endif
