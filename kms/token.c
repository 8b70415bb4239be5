/* token.c - encode and decode the `aws-kms` and `luksbox-ssm` LUKS2 tokens.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: token.h, docs/design.md "On-disk contract".
 */
#include "kms/token.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/base64.h"
#include "crypto/secret.h"
#include "kms/json.h"
#include "lib/msg.h"

/* Does S hold a control character (msg.h's rule)? A header is untrusted
 * and its strings reach terminals and logs: a newline forges a log line,
 * an ESC drives the terminal. */
static int has_control(const char *s)
{
	for (; *s; s++)
		if (msg_is_control((unsigned char)s[0], (unsigned char)s[1]))
			return 1;
	return 0;
}

const char *token_context(const struct kms_token *t, const char *k)
{
	size_t i;

	for (i = 0; i < t->ncontext; i++)
		if (!strcmp(t->ckey[i], k))
			return t->cval[i];
	return NULL;
}

int token_kms_context(const struct kms_token *t, struct kms_context *x)
{
	size_t i;
	int err;

	memset(x, 0, sizeof(*x));
	for (i = 0; i < t->ncontext; i++) {
		err = kms_context_add(x, t->ckey[i], t->cval[i]);
		if (err)
			return err;
	}
	return 0;
}

/* A token's JSON begun in W (over OUT, CAP bytes): its type and its one
 * keyslot, as a decimal string. */
static void token_head(struct jw *w, char *out, size_t cap, const char *type,
		       int keyslot)
{
	char slot[16];

	snprintf(slot, sizeof(slot), "%d", keyslot);
	jw_init(w, out, cap);
	jw_obj_begin(w);
	jw_key(w, "type");
	jw_str(w, type);
	jw_key(w, "keyslots");
	jw_arr_begin(w);
	jw_str(w, slot);
	jw_arr_end(w);
}

int token_encode(const struct kms_token *t, char *out, size_t cap)
{
	char *b64;
	struct jw w;
	size_t i;
	int n;

	if (!t->key_id[0] || t->keyslot < 0 || !t->blob_len ||
	    t->blob_len > KMS_BLOB_MAX ||
	    !token_context(t, TOKEN_CONTEXT_VOLUME))
		return -EINVAL;
	/* Never write what token_decode() would refuse. */
	if (has_control(t->key_id) || has_control(t->region) ||
	    has_control(t->endpoint))
		return -EILSEQ;
	for (i = 0; i < t->ncontext; i++)
		if (has_control(t->ckey[i]) || has_control(t->cval[i]))
			return -EILSEQ;
	b64 = malloc(B64_ENC_LEN(KMS_BLOB_MAX));
	if (!b64)
		return -ENOMEM;
	/* The blob is ciphertext: ordinary memory is fine for its text. */
	n = b64_encode(b64, B64_ENC_LEN(KMS_BLOB_MAX), t->blob, t->blob_len);
	if (n < 0)
		goto out_free;
	token_head(&w, out, cap, TOKEN_TYPE, t->keyslot);
	jw_key(&w, "key_id");
	jw_str(&w, t->key_id);
	jw_key(&w, "region");
	jw_str(&w, t->region);
	if (t->endpoint[0]) {
		jw_key(&w, "endpoint");
		jw_str(&w, t->endpoint);
	}
	jw_key(&w, "ciphertext");
	jw_str(&w, b64);
	jw_key(&w, "context");
	jw_obj_begin(&w);
	for (i = 0; i < t->ncontext; i++) {
		jw_key(&w, t->ckey[i]);
		jw_str(&w, t->cval[i]);
	}
	jw_obj_end(&w);
	jw_key(&w, "version");
	jw_int(&w, TOKEN_VERSION);
	jw_obj_end(&w);
	n = jw_finish(&w);
out_free:
	free(b64);
	return n;
}

/* String member KEY of OBJ into OUT; a missing one is "" when OPTIONAL. */
static int get_str(const struct json *j, int obj, const char *key, char *out,
		   size_t cap, int optional)
{
	int r = json_get_string(j, obj, key, out, cap);

	if (r == -ENOENT && optional) {
		out[0] = '\0';
		return 0;
	}
	if (r == -ENOENT)
		return -EINVAL;
	if (r >= 0 && has_control(out))
		return -EILSEQ;
	return r < 0 ? r : 0;
}

/* "keyslots": exactly one keyslot number, as a decimal string. */
static int get_keyslot(const struct json *j, int *slot)
{
	int a = json_find(j, 0, "keyslots");
	char s[8], *end;
	long v;

	if (json_type(j, a) != JSON_ARRAY || j->tok[a].size != 1 ||
	    json_string(j, a + 1, s, sizeof(s)) <= 0)
		return -EINVAL;
	v = strtol(s, &end, 10);
	if (*end || v < 0 || v > 31 || (s[0] == '0' && s[1]))
		return -EINVAL;
	*slot = (int)v;
	return 0;
}

static int get_context(const struct json *j, struct kms_token *t,
		       const char **bad)
{
	int obj = json_find(j, 0, "context");
	int i, k, r;

	if (json_type(j, obj) != JSON_OBJECT)
		return -EINVAL;
	if (j->tok[obj].size > KMS_CONTEXT_MAX)
		return -EMSGSIZE;
	for (i = 0, k = obj + 1; i < j->tok[obj].size;
	     i++, k = json_skip(j, k + 1)) {
		r = json_string(j, k, t->ckey[i], sizeof(t->ckey[i]));
		if (r <= 0)
			return r < 0 ? r : -EINVAL;
		*bad = "context key";
		if (has_control(t->ckey[i]))
			return -EILSEQ;
		if (json_type(j, k + 1) != JSON_STRING)
			return -EINVAL;
		r = json_string(j, k + 1, t->cval[i], sizeof(t->cval[i]));
		if (r < 0)
			return r;
		*bad = "context value";
		if (has_control(t->cval[i]))
			return -EILSEQ;
	}
	*bad = "context";
	t->ncontext = (size_t)i;
	return token_context(t, TOKEN_CONTEXT_VOLUME) ? 0 : -EINVAL;
}

/* Parse JSON (LEN bytes) into J and read what every token of ours has:
 * TYPE (else -EMEDIUMTYPE), "version" TOKEN_VERSION and one keyslot.
 * 0, or -errno with *BAD naming the member refused. */
static int token_open(struct json *j, const char *json, size_t len,
		      const char *type, int *version, int *keyslot,
		      const char **bad)
{
	char got[32];
	long long ver;
	int r = json_parse(j, json, len), v;

	if (r)
		return r;
	r = json_get_string(j, 0, "type", got, sizeof(got));
	if (r < 0 || strcmp(got, type))
		return r == -EINVAL ? -EINVAL : -EMEDIUMTYPE;
	*bad = "version";
	v = json_find(j, 0, "version");
	if (v < 0 || json_type(j, v) != JSON_PRIMITIVE ||
	    json_int(j, v, &ver) || ver != TOKEN_VERSION)
		return -EINVAL;
	*version = (int)ver;
	*bad = "keyslots";
	return get_keyslot(j, keyslot);
}

int token_decode(const char *json, size_t len, struct kms_token *t,
		 const char **field)
{
	struct json *j;
	char *b64 = NULL;
	const char *bad = "";
	int r;

	memset(t, 0, sizeof(*t));
	if (field)
		*field = "";
	j = malloc(sizeof(*j));
	if (!j)
		return -ENOMEM;
	r = token_open(j, json, len, TOKEN_TYPE, &t->version, &t->keyslot,
		       &bad);
	if (!r) {
		bad = "key_id";
		r = get_str(j, 0, "key_id", t->key_id, sizeof(t->key_id), 0);
	}
	if (!r) {
		bad = "region";
		r = get_str(j, 0, "region", t->region, sizeof(t->region), 1);
	}
	if (!r) {
		bad = "endpoint";
		r = get_str(j, 0, "endpoint", t->endpoint, sizeof(t->endpoint),
			    1);
	}
	if (!r)
		r = get_context(j, t, &bad);
	if (r)
		goto out;
	if (!t->key_id[0]) {
		bad = "key_id";
		r = -EINVAL;
		goto out;
	}
	b64 = malloc(B64_ENC_LEN(KMS_BLOB_MAX));
	if (!b64) {
		r = -ENOMEM;
		goto out;
	}
	bad = "ciphertext";
	r = get_str(j, 0, "ciphertext", b64, B64_ENC_LEN(KMS_BLOB_MAX), 0);
	if (r)
		goto out;
	r = b64_decode(t->blob, sizeof(t->blob), b64, strlen(b64));
	if (r <= 0) {
		r = r == -EMSGSIZE ? -EMSGSIZE : -EINVAL;
		goto out;
	}
	t->blob_len = (size_t)r;
	r = 0;
out:
	free(b64);
	free(j);
	if (r)
		secret_wipe(t, sizeof(*t));
	if (field)
		*field = r ? bad : "";
	return r;
}

int token_ssm_encode(const struct ssm_token *t, char *out, size_t cap)
{
	struct jw w;

	if (t->keyslot < 0 || t->keyslot > 31 || !t->parameter[0])
		return -EINVAL;
	if (has_control(t->parameter) || has_control(t->region) ||
	    has_control(t->kms_key))
		return -EILSEQ;
	token_head(&w, out, cap, TOKEN_SSM_TYPE, t->keyslot);
	jw_key(&w, "parameter");
	jw_str(&w, t->parameter);
	jw_key(&w, "region");
	jw_str(&w, t->region);
	jw_key(&w, "kms_key");
	jw_str(&w, t->kms_key);
	jw_key(&w, "version");
	jw_int(&w, TOKEN_VERSION);
	jw_obj_end(&w);
	return jw_finish(&w);
}

int token_ssm_decode(const char *json, size_t len, struct ssm_token *t,
		     const char **field)
{
	struct json *j;
	const char *bad = "";
	int r;

	memset(t, 0, sizeof(*t));
	j = malloc(sizeof(*j));
	if (!j)
		return -ENOMEM;
	r = token_open(j, json, len, TOKEN_SSM_TYPE, &t->version, &t->keyslot,
		       &bad);
	if (!r) {
		bad = "parameter";
		r = get_str(j, 0, "parameter", t->parameter,
			    sizeof(t->parameter), 0);
	}
	if (!r && !t->parameter[0])
		r = -EINVAL;
	if (!r) {
		bad = "region";
		r = get_str(j, 0, "region", t->region, sizeof(t->region), 1);
	}
	if (!r) {
		bad = "kms_key";
		r = get_str(j, 0, "kms_key", t->kms_key, sizeof(t->kms_key), 1);
	}
	free(j);
	if (r)
		memset(t, 0, sizeof(*t));
	if (field)
		*field = r ? bad : "";
	return r;
}
