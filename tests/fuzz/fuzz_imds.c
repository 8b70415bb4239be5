/* fuzz_imds.c - libFuzzer target: what the instance metadata service
 * answers: the role credentials document and the IMDSv2 token.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * Sources: kms/creds.c kms/imds.c kms/http.c kms/json.c kms/net.c lib/clock.c lib/msg.c crypto/secret.c
 *
 * Untrusted input: IMDS answers reach us over plain HTTP on a link-local
 * address (anything in a container or on the path can answer). Input: a
 * mode byte (even: credentials document, odd: token body), then the body.
 *
 * Invariants: a document is accepted only with non-empty keys and token,
 * NUL-terminated in their fields, and an expiry that creds_expiring()
 * honours to the second; a refused one leaves no byte of it behind. A
 * token is accepted only as visible ASCII that fits, byte for byte.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kms/creds.h"
#include "kms/imds.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void doc(const char *body, size_t len)
{
	static const struct aws_creds zero;
	struct aws_creds *c = malloc(sizeof(*c));
	char code[64];
	size_t i;
	int r;

	memset(c, 0x5a, sizeof(*c));
	r = creds_parse_imds(c, body, len, code, sizeof(code));
	if (r && r != -ENOKEY && r != -EBADMSG)
		__builtin_trap();
	if (!memchr(code, 0, sizeof(code)))
		__builtin_trap();
	if (r) {
		if (memcmp(c, &zero, sizeof(zero)))
			__builtin_trap(); /* wiped, all of it */
		free(c);
		return;
	}
	if (!memchr(c->access_key, 0, sizeof(c->access_key)) ||
	    !memchr(c->secret_key, 0, sizeof(c->secret_key)) ||
	    !memchr(c->token, 0, sizeof(c->token)) || !c->access_key[0] ||
	    !c->secret_key[0] || !c->token[0])
		__builtin_trap();
	if (c->expiration < 0)
		__builtin_trap();
	for (i = 0; c->token[i]; i++) /* it goes into a header line */
		if (c->token[i] <= ' ' || c->token[i] > '~')
			__builtin_trap();
	for (i = 0; c->access_key[i]; i++)
		if (c->access_key[i] <= ' ' || c->access_key[i] > '~')
			__builtin_trap();
	if (c->expiration > 301 && (creds_expiring(c, c->expiration - 301) ||
				    !creds_expiring(c, c->expiration - 300)))
		__builtin_trap(); /* refreshed 5 minutes before, no sooner */
	creds_wipe(c);
	free(c);
}

static void token(const char *body, size_t len)
{
	struct imds *m = calloc(1, sizeof(*m));
	size_t i;
	int r;

	r = imds_set_token(m, body, len);
	if (r && r != -EBADMSG)
		__builtin_trap();
	if (r) {
		if (m->sec->token[0])
			__builtin_trap();
	} else {
		if (len == 0 || len >= sizeof(m->sec->token) ||
		    strlen(m->sec->token) != len ||
		    memcmp(m->sec->token, body, len))
			__builtin_trap();
		for (i = 0; i < len; i++)
			if (m->sec->token[i] <= ' ' || m->sec->token[i] > '~')
				__builtin_trap();
	}
	imds_fini(m);
	free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *body;

	if (size < 1)
		return 0;
	/* The body as http_exchange() leaves it: NUL after LEN bytes. */
	body = malloc(size);
	memcpy(body, data + 1, size - 1);
	body[size - 1] = 0;
	if (data[0] & 1)
		token(body, size - 1);
	else
		doc(body, size - 1);
	free(body);
	return 0;
}
