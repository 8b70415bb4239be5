/* errors.h - AWS failures as the user sees them: an error answer's code
 * and message whatever its shape, its errno class and whether the SDKs
 * retry it, what to do about it, and the one line that says so.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: AWS SDKs and Tools Reference Guide, "Retry behavior" (standard
 *      mode: throttling and transient codes); AWS JSON 1.1 protocol
 *      (__type error shapes); docs/style.md "Errors the user sees".
 */
#ifndef LUKSBOX_ERRORS_H
#define LUKSBOX_ERRORS_H

#include <stddef.h>

struct msg_error; /* lib/msg.h */

/* A failure as the user should see it. */
struct aws_error {
	int err;	   /* -errno class: -EACCES, -ETIMEDOUT, ... */
	int status;	   /* HTTP status, 0 when none */
	char code[96];	   /* AWS error code, e.g. "AccessDeniedException" */
	char message[384]; /* the service's message, or our reason */
	char where[160];   /* "kms.us-east-1.amazonaws.com", "IMDS", ... */
	const char *hint;  /* what to do, or NULL */
};

/*
 * Fill E: ERR, and WHERE, CODE and MSG copied (NULL is "", a longer one
 * is cut to its field); HINT is kept as it is (a string constant, or
 * NULL). The status is 0: the caller sets it for an HTTP answer.
 */
void aws_error_fill(struct aws_error *e, int err, const char *where,
		    const char *code, const char *msg, const char *hint);

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
 * -EEXIST (SSM ParameterAlreadyExists),
 * -EAGAIN (throttling, transient, 5xx) or -EINVAL (anything else: a request
 * that cannot succeed as it is). *RETRY (may be NULL) is set to 1 when the
 * SDKs' standard mode retries it (throttling and transient codes, 5xx).
 */
int aws_error_class(const char *code, int status, int *retry);

/* 1 when CODE says the caller is over a request quota (throttling), 0
 * for anything else, transient errors included. */
int aws_error_throttling(const char *code);

/*
 * What to do about error CODE from the operation TARGET (the X-Amz-Target,
 * e.g. "TrentService.Decrypt"): the permission it needs, the key or clock
 * to check; NULL when there is nothing to add. A string constant.
 */
const char *aws_error_hint(const char *target, const char *code);

/* "KMS AccessDeniedException: message (at host)" and a hint, for users. */
void aws_error_format(const struct aws_error *e, char *out, size_t cap);

/*
 * A as the user sees it, in the one error shape (lib/msg.h): E->why gets
 * aws_error_format() of A, E->err A's -errno (-EIO when it has none).
 * E->what stays the caller's: it says what it was doing. Returns E->err.
 */
int aws_error_msg(const struct aws_error *a, struct msg_error *e);

#endif
