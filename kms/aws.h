/* aws.h - the AWS client: its options, the state its calls share, setup
 * and teardown; the header callers include for the client's layers.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: kms/endpoint.h, kms/call.h, kms/errors.h, kms/creds.h,
 *      kms/imds.h, kms/tls.h.
 *
 * kms.c and ssm.c describe operations; aws_call() (call.h) carries them:
 * it resolves the endpoint for (service, region) (endpoint.h), reuses one
 * connection per endpoint, signs with SigV4 (sigv4.h) using credentials
 * from creds.h, retries what the SDKs retry until the attempt budget or
 * the deadline runs out, corrects clock skew from the server's Date once,
 * and turns failures into an aws_error the user can act on (errors.h).
 */
#ifndef LUKSBOX_AWS_H
#define LUKSBOX_AWS_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/secret.h"
#include "kms/call.h"
#include "kms/creds.h"
#include "kms/endpoint.h"
#include "kms/errors.h"
#include "kms/imds.h"
#include "kms/retry.h"
#include "kms/tls.h"

/* What the caller chooses; zero means the default. */
struct aws_opts {
	const char *region;	  /* --region; else env, ARN, IMDS */
	const char *endpoint_url; /* --endpoint-url for every service */
	const char *ca_file;	  /* --ca-file, in addition to AWS_CA_BUNDLE */
	const char *profile;	  /* --profile */
	int timeout_s;		  /* overall deadline (default 30 s) */
	int max_attempts;	  /* default 3, like the SDKs' standard mode */
	enum retry_mode retry_mode; /* RETRY_BOOT: until the deadline */
	int imds_v1;		    /* permit IMDSv1 fallback */
	/* Permit http:// endpoints. No option, variable or file sets it:
	 * only the unit tests, whose loopback fakes speak plain HTTP. */
	int plain_http;
};

struct aws_client {
	struct secret_arena *arena;
	struct aws_opts opts;
	int64_t deadline;
	const struct retry_clock *clock; /* NULL: the real one (retry.h) */
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
 * Record a failure in C->error (see aws_error_fill()): how every layer of
 * the client (endpoint, call) reports what went wrong.
 */
void aws_set_error(struct aws_client *c, int err, const char *where,
		   const char *code, const char *msg, const char *hint);

/* Close connections, wipe credentials and TLS state. */
void aws_fini(struct aws_client *c);

#endif
