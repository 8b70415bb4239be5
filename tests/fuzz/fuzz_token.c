/* fuzz_token.c - libFuzzer target: the aws-kms LUKS2 token decoder.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * Sources: kms/token.c kms/json.c lib/base64.c crypto/secret.c lib/msg.c
 *
 * Untrusted input: the JSON of a LUKS2 header's tokens (a disk can be
 * moved between machines, a header can be edited). Whatever the input,
 * token_decode() either refuses it (and leaves the token wiped) or gives a
 * token that is complete (key, keyslot 0..31, blob, the volume context
 * pair), whose strings are terminated, and that encodes to JSON which
 * decodes back to the very same token.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "kms/token.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* token.c's one use of kms.c, which would drag the AWS client in. */
int kms_context_add(struct kms_context *x, const char *k, const char *v)
{
	if (x->n == KMS_CONTEXT_MAX)
		return -E2BIG;
	x->key[x->n] = k;
	x->value[x->n++] = v;
	return 0;
}

static void terminated(const char *s, size_t cap)
{
	if (!memchr(s, 0, cap))
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct kms_token t, back;
	static const struct kms_token zero;
	static char json[TOKEN_JSON_MAX];
	struct kms_context x;
	size_t i;
	int r;

	r = token_decode((const char *)data, size, &t, NULL);
	if (r) {
		if (r != -EINVAL && r != -EMEDIUMTYPE && r != -EMSGSIZE &&
		    r != -EILSEQ && r != -ENOMEM)
			__builtin_trap();
		if (memcmp(&t, &zero, sizeof(t)))
			__builtin_trap(); /* a refused token is wiped */
		return 0;
	}
	terminated(t.key_id, sizeof(t.key_id));
	terminated(t.region, sizeof(t.region));
	terminated(t.endpoint, sizeof(t.endpoint));
	for (i = 0; i < t.ncontext; i++) {
		terminated(t.ckey[i], sizeof(t.ckey[i]));
		terminated(t.cval[i], sizeof(t.cval[i]));
	}
	if (t.keyslot < 0 || t.keyslot > 31 || !t.key_id[0] || !t.blob_len ||
	    t.blob_len > KMS_BLOB_MAX || t.ncontext > KMS_CONTEXT_MAX ||
	    !token_context(&t, TOKEN_CONTEXT_VOLUME) ||
	    t.version != TOKEN_VERSION || token_kms_context(&t, &x) ||
	    x.n != t.ncontext)
		__builtin_trap();
	r = token_encode(&t, json, sizeof(json));
	if (r == -EMSGSIZE)
		return 0; /* fits a header only when it came from one */
	if (r < 0 || token_decode(json, (size_t)r, &back, NULL))
		__builtin_trap();
	if (back.keyslot != t.keyslot || strcmp(back.key_id, t.key_id) ||
	    strcmp(back.region, t.region) ||
	    strcmp(back.endpoint, t.endpoint) || back.blob_len != t.blob_len ||
	    memcmp(back.blob, t.blob, t.blob_len) ||
	    back.ncontext != t.ncontext)
		__builtin_trap();
	for (i = 0; i < t.ncontext; i++)
		if (strcmp(back.ckey[i], t.ckey[i]) ||
		    strcmp(back.cval[i], t.cval[i]))
			__builtin_trap();
	return 0;
}
