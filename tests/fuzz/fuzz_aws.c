/* fuzz_aws.c - libFuzzer target: AWS error answers and key ARNs.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * Sources: kms/aws.c kms/call.c kms/retry.c kms/endpoint.c kms/errors.c kms/creds.c kms/imds.c kms/http.c kms/json.c kms/net.c lib/clock.c kms/sigv4.c crypto/secret.c lib/msg.c build/cache/src/bearssl-*[0-9]/src/hash/sha2small.c build/cache/src/bearssl-*[0-9]/src/mac/hmac.c build/cache/src/bearssl-*[0-9]/src/codec/dec32be.c build/cache/src/bearssl-*[0-9]/src/codec/enc32be.c
 * Cflags: -I build/cache/src/bearssl-*[0-9]/src -DBR_LE_UNALIGNED=0 -DBR_BE_UNALIGNED=0
 *
 * Untrusted input: the body of any non-200 answer (JSON __type/message,
 * XML from moto's auth layer and STS, HTML or text from proxies and load
 * balancers), which becomes the message the user reads, and key ARNs
 * (from the table or a LUKS token). Input: two bytes of HTTP status
 * (little-endian), then the body. tls.c (BearSSL's TLS, which cannot link
 * here) is replaced by stubs: nothing below opens a connection.
 *
 * Invariants: code and message are NUL-terminated within any cap, one
 * line without control characters, the code without "ns#" or ":..."; the
 * class is one of the four documented, retried exactly for throttling,
 * transient codes and 5xx; the formatted message fits its buffer; an ARN's
 * region is a region name.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kms/aws.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* tls.c stand-ins: call.c links them, this target never connects. */
#include "tests/fuzz/tls_stubs.h"

/* --- the target --- */

static void one_line(const char *s, size_t cap)
{
	const char *e = memchr(s, 0, cap);

	if (!e)
		__builtin_trap();
	for (; s < e; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			__builtin_trap();
}

static void parse(const char *body, size_t len, size_t ccap, size_t mcap,
		  int status)
{
	char *code = malloc(ccap), *msg = malloc(mcap), *out;
	struct aws_error e = {0};
	int err, retry = -1, again;
	size_t ocap;

	aws_parse_error(body, len, code, ccap, msg, mcap);
	one_line(code, ccap);
	one_line(msg, mcap);
	if (strchr(code, '#') || strchr(code, ':'))
		__builtin_trap();

	err = aws_error_class(code, status, &retry);
	if (err != -EACCES && err != -ENOENT && err != -EAGAIN &&
	    err != -EINVAL)
		__builtin_trap();
	if (retry != 0 && retry != 1)
		__builtin_trap();
	if (status >= 500 && !retry)
		__builtin_trap(); /* every 5xx is retried */
	if (err == -EAGAIN && !retry)
		__builtin_trap();
	if (aws_error_class(code, status, NULL) != err ||
	    (aws_error_class(code, status, &again), again != retry))
		__builtin_trap(); /* no state */

	/* What the user reads fits whatever buffer it gets. */
	e.err = err;
	e.status = status;
	snprintf(e.code, sizeof(e.code), "%s", code);
	snprintf(e.message, sizeof(e.message), "%s", msg);
	snprintf(e.where, sizeof(e.where), "kms.us-east-1.amazonaws.com");
	e.hint = status & 1 ? "check the key policy" : NULL;
	ocap = 1 + (size_t)(status & 0x3ff);
	out = malloc(ocap);
	aws_error_format(&e, out, ocap);
	if (!memchr(out, 0, ocap))
		__builtin_trap();

	free(out);
	free(msg);
	free(code);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *body, region[32];
	int status;

	if (size < 2)
		return 0;
	status = data[0] | data[1] << 8;
	/* The body as http_exchange() leaves it: NUL after LEN bytes. */
	body = malloc(size - 1);
	memcpy(body, data + 2, size - 2);
	body[size - 2] = 0;

	parse(body, size - 2, 96, 384, status); /* aws_call()'s sizes */
	parse(body, size - 2, 1 + data[0] % 16, 1 + data[1] % 64, status);

	/* The body as a key id: an ARN's region, if any, is a region. */
	if (aws_arn_region(body, region, sizeof(region)) == 0) {
		const char *p;

		if (!region[0] || strlen(region) >= sizeof(region))
			__builtin_trap();
		for (p = region; *p; p++)
			if (!((*p >= 'a' && *p <= 'z') ||
			      (*p >= '0' && *p <= '9') || *p == '-'))
				__builtin_trap();
	}
	free(body);
	return 0;
}
