/* errors.c - AWS error answers: code and message, class, hint, text.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: errors.h.
 */
#include "kms/errors.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kms/json.h"
#include "lib/msg.h"

void aws_error_fill(struct aws_error *e, int err, const char *where,
		    const char *code, const char *msg, const char *hint)
{
	e->err = err;
	e->status = 0;
	snprintf(e->where, sizeof(e->where), "%s", where ? where : "");
	snprintf(e->code, sizeof(e->code), "%s", code ? code : "");
	snprintf(e->message, sizeof(e->message), "%s", msg ? msg : "");
	e->hint = hint;
}

/* Error codes the SDKs retry (standard mode: throttling, then
 * transient); the throttling ones are the first NTHROTTLE. */
#define NTHROTTLE 14
static const char *const retry_codes[] = {
	"Throttling",
	"ThrottlingException",
	"ThrottledException",
	"RequestThrottledException",
	"TooManyRequestsException",
	"ProvisionedThroughputExceededException",
	"TransactionInProgressException",
	"RequestLimitExceeded",
	"BandwidthLimitExceeded",
	"LimitExceededException",
	"RequestThrottled",
	"SlowDown",
	"PriorRequestNotComplete",
	"EC2ThrottledException",
	/* transient */
	"KMSInternalException",
	"DependencyTimeoutException",
	"InternalServerError",
	"InternalFailure",
	"ServiceUnavailable",
	"RequestTimeout",
	"RequestTimeoutException",
};

/* 1 + the index of CODE in retry_codes[], 0 when absent. */
static size_t retry_code(const char *code)
{
	size_t i;

	for (i = 0; i < sizeof(retry_codes) / sizeof(retry_codes[0]); i++)
		if (!strcmp(code, retry_codes[i]))
			return i + 1;
	return 0;
}

static int retryable_code(const char *code)
{
	return retry_code(code) != 0;
}

int aws_error_throttling(const char *code)
{
	size_t i = retry_code(code);

	return i && i <= NTHROTTLE;
}

/* Text between <TAG> and </TAG> in XML (moto's auth errors are XML). */
static void xml_field(const char *xml, const char *tag, char *out, size_t cap)
{
	char open[40], close[40];
	const char *a, *b;

	snprintf(open, sizeof(open), "<%s>", tag);
	snprintf(close, sizeof(close), "</%s>", tag);
	a = strstr(xml, open);
	if (!a)
		return;
	a += strlen(open);
	b = strstr(a, close);
	if (!b || (size_t)(b - a) >= cap)
		return;
	memcpy(out, a, (size_t)(b - a));
	out[b - a] = 0;
}

/* Control characters become spaces: a server's text goes to terminals,
 * the console and syslog, and must stay one harmless line. */
static void one_line(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = ' ';
}

void aws_parse_error(const char *body, size_t len, char *code, size_t ccap,
		     char *msg, size_t mcap)
{
	struct json *j = calloc(1, sizeof(*j));
	char *hash;

	code[0] = msg[0] = 0;
	if (j && !json_parse(j, body, len)) {
		if (json_get_string(j, 0, "__type", code, ccap) < 0)
			json_get_string(j, 0, "code", code, ccap);
		if (json_get_string(j, 0, "message", msg, mcap) < 0)
			json_get_string(j, 0, "Message", msg, mcap);
	} else if (strstr(body, "<Code>")) {
		xml_field(body, "Code", code, ccap);
		xml_field(body, "Message", msg, mcap);
	} else {
		snprintf(msg, mcap, "%.*s", (int)(len > 200 ? 200 : len), body);
	}
	free(j);
	/* "com.amazonaws.kms#NotFoundException" -> "NotFoundException" */
	hash = strrchr(code, '#');
	if (hash)
		memmove(code, hash + 1, strlen(hash));
	code[strcspn(code, ":")] = 0; /* some shapes append ":http://..." */
	one_line(code);
	one_line(msg);
}

static int errno_of_code(const char *code, int status)
{
	static const struct {
		const char *code;
		int err;
	} map[] = {
		{"AccessDeniedException", -EACCES},
		{"AccessDenied", -EACCES},
		{"UnrecognizedClientException", -EACCES},
		{"InvalidSignatureException", -EACCES},
		{"SignatureDoesNotMatch", -EACCES},
		{"IncompleteSignature", -EACCES},
		{"ExpiredTokenException", -EACCES},
		{"InvalidClientTokenId", -EACCES},
		{"MissingAuthenticationToken", -EACCES},
		{"NotFoundException", -ENOENT},
		{"ParameterNotFound", -ENOENT},
		{"ParameterVersionNotFound", -ENOENT},
		{"ParameterAlreadyExists", -EEXIST},
	};
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(code, map[i].code))
			return map[i].err;
	if (status == 403)
		return -EACCES;
	if (status >= 500 || retryable_code(code))
		return -EAGAIN;
	return -EINVAL;
}

int aws_error_class(const char *code, int status, int *retry)
{
	/* What aws_call() decides for an error answer. */
	if (retry)
		*retry = status >= 500 || retryable_code(code);
	return errno_of_code(code, status);
}

/* The permission an AccessDenied on TARGET is about. */
static const char *access_hint(const char *target)
{
	static const struct {
		const char *target, *hint;
	} map[] = {
		{"TrentService.Decrypt",
		 "the role needs kms:Decrypt on this key (and any "
		 "kms:EncryptionContext condition must match the context)"},
		{"TrentService.Encrypt",
		 "the role needs kms:Encrypt on this key"},
		{"TrentService.GenerateDataKey",
		 "the role needs kms:GenerateDataKey on this key"},
		{"TrentService.ReEncrypt",
		 "the role needs kms:ReEncryptFrom on the blob's key and "
		 "kms:ReEncryptTo on the new one"},
		{"TrentService.DescribeKey",
		 "the role needs kms:DescribeKey on this key"},
		{"TrentService.GenerateRandom",
		 "the role needs kms:GenerateRandom"},
		{"AmazonSSM.GetParameter",
		 "the role needs ssm:GetParameter on the parameter (and "
		 "kms:Decrypt on its key for a SecureString)"},
		{"AmazonSSM.PutParameter",
		 "the role needs ssm:PutParameter on the parameter (and "
		 "kms:Encrypt on its key for a SecureString)"},
	};
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(target, map[i].target))
			return map[i].hint;
	return "the credentials lack the permission this call needs";
}

const char *aws_error_hint(const char *target, const char *code)
{
	if (!strcmp(code, "AccessDeniedException") ||
	    !strcmp(code, "AccessDenied"))
		return access_hint(target);
	if (!strcmp(code, "UnrecognizedClientException") ||
	    !strcmp(code, "InvalidClientTokenId"))
		return "the credentials are not valid here (wrong account, "
		       "partition or expired keys)";
	if (!strcmp(code, "InvalidSignatureException") ||
	    !strcmp(code, "SignatureDoesNotMatch"))
		return "check the secret key and the system clock";
	if (!strcmp(code, "InvalidCiphertextException"))
		return "the blob was not made for this key and encryption "
		       "context (another volume's blob?)";
	if (!strcmp(code, "IncorrectKeyException"))
		return "the blob was made under another key than --key-id";
	if (!strcmp(code, "NotFoundException"))
		return "check the key id, alias and region";
	if (!strcmp(code, "ParameterNotFound"))
		return "check the parameter name and region";
	if (!strcmp(code, "ParameterAlreadyExists"))
		return "it is never overwritten unless asked (--force)";
	/* Said plainly: the key itself is the problem, not the role. */
	if (!strcmp(code, "DisabledException"))
		return "the KMS key is disabled: enable it (EnableKey, aws kms "
		       "enable-key) or use another key";
	if (!strcmp(code, "KMSInvalidStateException"))
		return "the KMS key is not usable in its state, most often "
		       "pending deletion: cancel the deletion before its "
		       "date (CancelKeyDeletion, then EnableKey), or what it "
		       "protects is lost";
	return NULL;
}

void aws_error_format(const struct aws_error *e, char *out, size_t cap)
{
	size_t n;

	if (e->code[0])
		n = (size_t)snprintf(out, cap, "%s: %s (at %s)", e->code,
				     e->message[0] ? e->message : "no message",
				     e->where);
	else
		n = (size_t)snprintf(out, cap, "%s: %s", e->where,
				     e->message[0] ? e->message
						   : strerror(-e->err));
	if (e->hint && n < cap)
		snprintf(out + n, cap - n, "; hint: %s", e->hint);
}

int aws_error_msg(const struct aws_error *a, struct msg_error *e)
{
	aws_error_format(a, e->why, sizeof(e->why));
	e->err = a->err ? a->err : -EIO;
	return e->err;
}
