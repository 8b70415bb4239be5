/* tokens.c - a volume's aws-kms tokens: made from a KMS data key, read
 * strictly (the context checked against the header), unwrapped by KMS and
 * tried in turn until one opens the volume (activate, or verify).
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: internal.h ("tokens.c"), kms/token.h, crypto/luks.h.
 */
#include <errno.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/luks.h"
#include "crypto/secret.h"
#include "kms/errors.h"
#include "kms/kms.h"
#include "kms/token.h"
#include "lib/clock.h"
#include "lib/msg.h"
#include "volume/internal.h"

/* Remember the worst-for-the-user outcome of one token. */
struct attempt {
	int tried;
	int perm_err, temp_err; /* first of each class, or 0 */
	char perm[400], temp[400];
};

static void note_attempt(struct attempt *a, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void note_attempt(struct attempt *a, int err, const char *fmt, ...)
{
	va_list ap;
	int temp = err_temporary(err);
	char *buf = temp ? a->temp : a->perm;
	int *slot = temp ? &a->temp_err : &a->perm_err;

	if (*slot)
		return;
	*slot = err;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(a->perm), fmt, ap);
	va_end(ap);
}

int vol_context(const struct tab_volume *v, const char *uuid,
		struct kms_context *ctx, struct msg_error *e)
{
	size_t i;

	memset(ctx, 0, sizeof(*ctx));
	kms_context_add(ctx, TOKEN_CONTEXT_VOLUME, uuid);
	for (i = 0; i < v->ncontext; i++)
		if (kms_context_add(ctx, v->context[i].key,
				    v->context[i].value))
			return msg_why(e, -EINVAL, "context %s given twice",
				       v->context[i].key);
	return 0;
}

int vol_new_token(const struct vol_env *env, const struct tab_volume *v,
		  const struct tab_key *k, const struct kms_context *ctx,
		  struct kms_token *t, unsigned char *secret,
		  struct msg_error *e)
{
	struct msg_error ae;
	const char *region = k->region[0] ? k->region : NULL;
	size_t i;
	int n;

	if (!env->aws)
		return msg_why(e, -EINVAL,
			       "this needs AWS KMS, and no AWS client was set "
			       "up");
	memset(t, 0, sizeof(*t));
	n = kms_generate_data_key(
		env->aws, k->key_id, region, ctx, SECRET_BYTES, secret, t->blob,
		sizeof(t->blob), t->key_id, sizeof(t->key_id));
	if (n < 0) {
		aws_error_msg(&env->aws->error, &ae);
		return msg_why(e, n, "KMS GenerateDataKey with %s: %s",
			       k->key_id, ae.why);
	}
	t->blob_len = (size_t)n;
	if (!t->key_id[0])
		snprintf(t->key_id, sizeof(t->key_id), "%s", k->key_id);
	if (aws_arn_region(t->key_id, t->region, sizeof(t->region)) &&
	    !(region = region ? region : aws_region(env->aws)))
		return msg_why(e, -EINVAL, "no region for %s", k->key_id);
	if (!t->region[0])
		snprintf(t->region, sizeof(t->region), "%s", region);
	for (i = 0; i < ctx->n; i++) {
		snprintf(t->ckey[i], sizeof(t->ckey[i]), "%s", ctx->key[i]);
		snprintf(t->cval[i], sizeof(t->cval[i]), "%s", ctx->value[i]);
	}
	t->ncontext = ctx->n;
	t->version = TOKEN_VERSION;
	vol_say(env, MSG_INFO, "%s: data key from KMS key %s (%s)", v->name,
		t->key_id, t->region);
	return 0;
}

int vol_token_read(const struct luks_info *li, struct luks *l, int i,
		   struct kms_token *t, char *why, size_t cap)
{
	const char *json, *field, *vol;
	int r;

	if (luks_token_get(l, i, &json) < 0)
		return -ENOENT;
	r = token_decode(json, strlen(json), t, &field);
	if (r == -EMEDIUMTYPE)
		return r;
	if (r == -EILSEQ) {
		snprintf(why, cap,
			 "token %d refused: control character in its %s (a "
			 "forged header?)",
			 i, field);
		return -EINVAL;
	}
	if (r) {
		snprintf(why, cap, "token %d is malformed (%s%s%s)", i, field,
			 *field ? ": " : "", strerror(-r));
		return -EINVAL;
	}
	/* The context binds the blob to this volume: a token copied from
	 * another header names another UUID (or KMS refuses). */
	vol = token_context(t, TOKEN_CONTEXT_VOLUME);
	if (strcmp(vol, li->uuid)) {
		snprintf(why, cap,
			 "token %d belongs to volume %s, not to this one (%s): "
			 "copied from another header?",
			 i, vol, li->uuid);
		return -EINVAL;
	}
	return 0;
}

int vol_token_unwrap(const struct vol_env *env, const struct kms_token *t,
		     unsigned char *secret, size_t cap, struct msg_error *e)
{
	struct kms_context ctx;
	int n;

	if (token_kms_context(t, &ctx))
		return msg_why(e, -EINVAL, "context too large");
	n = kms_decrypt(env->aws, t->key_id, t->region, &ctx, t->blob,
			t->blob_len, secret, cap, NULL, 0);
	if (n < 0) {
		aws_error_msg(&env->aws->error, e);
		e->err = n;
	}
	return n;
}

int vol_unlock_tokens(const struct vol_env *env, const struct tab_volume *v,
		      const char *target, struct luks *l,
		      const struct luks_info *li, int skip, struct vol_use *use,
		      struct msg_error *e)
{
	struct kms_token *t = malloc(sizeof(*t));
	struct attempt a = {0};
	unsigned char *secret = secret_alloc(env->arena, VOL_SECRET_CAP);
	struct msg_error ae; /* the KMS failure of one token */
	int64_t overall = env->aws ? env->aws->deadline : 0;
	char why[400], type[32];
	int i, r, n, left = 0; /* aws-kms tokens after this one */

	if (!t || !secret) {
		free(t);
		return msg_why(e, -ENOMEM, "out of memory");
	}
	for (i = 0; i < luks_token_max(); i++)
		if (i != skip && !luks_token_type(l, i, type, sizeof(type)) &&
		    !strcmp(type, TOKEN_TYPE))
			left++;
	for (i = 0; i < luks_token_max(); i++) {
		if (i == skip)
			continue;
		r = vol_token_read(li, l, i, t, why, sizeof(why));
		if (r == -EMEDIUMTYPE || r == -ENOENT)
			continue;
		a.tried++;
		if (left > 0)
			left--;
		if (r) {
			note_attempt(&a, r, "%s", why);
			continue;
		}
		vol_say(env, MSG_DEBUG,
			"%s: token %d: KMS Decrypt with %s (%s)", v->name, i,
			t->key_id, t->region);
		memset(&ae, 0, sizeof(ae));
		/* A region that does not answer must not starve the tokens
		 * after it: each gets an equal share of the time left, the
		 * last one all of it. */
		if (env->aws)
			env->aws->deadline = deadline_within(
				deadline_left(overall) / (left + 1), overall);
		n = vol_token_unwrap(env, t, secret, VOL_SECRET_CAP, &ae);
		if (env->aws)
			env->aws->deadline = overall;
		if (n < 0) {
			/* A failed answer may have left part of a key. */
			secret_wipe(secret, VOL_SECRET_CAP);
			if (err_temporary(n) && i < 32)
				use->unreached |= 1u << i;
			note_attempt(&a, n, "token %d (%s): %s", i, t->key_id,
				     ae.why);
			vol_say(env, MSG_WARN, "%s: token %d (%s): %s", v->name,
				i, t->key_id, ae.why);
			continue;
		}
		r = use->fn(use->arg, l, i, t->keyslot, secret, (size_t)n, e);
		secret_wipe(secret, VOL_SECRET_CAP);
		if (r == -EPROTO) {
			r = refuse_header(e, target, l->refused);
			goto out_free;
		}
		if (r == -EPERM) {
			note_attempt(&a, -EPERM,
				     "token %d: the secret KMS returned opens "
				     "no keyslot (%d): a tampered token?",
				     i, t->keyslot);
			continue;
		}
		if (r < 0)
			goto out_free;
		vol_say(env, MSG_INFO, "%s: unlocked with token %d (%s)",
			v->name, i, t->key_id);
		r = 0;
		goto out_free;
	}
	if (!a.tried)
		r = msg_why(e, -ENOKEY,
			    skip < 0 ? "its LUKS header has no aws-kms token "
				       "(not made by luksbox? open it with "
				       "--key-file)"
				     : "its LUKS header has no other aws-kms "
				       "token (give --key-file)");
	else if (a.temp_err)
		r = msg_why(e, a.temp_err, "%s%s%s", a.temp,
			    a.perm_err ? "; also " : "", a.perm);
	else
		r = msg_why(e, a.perm_err, "%s", a.perm);
out_free:
	secret_wipe(t, sizeof(*t));
	free(t);
	return r;
}

/* Every KMS token failed (E says why): V's SSM parameter is the other way
 * in. Temporary when either could not be reached (a retry may work). */
static int kms_then_ssm(const struct vol_env *env, const struct tab_volume *v,
			const char *target, struct luks *l,
			const struct vol_use *use, struct msg_error *e)
{
	struct msg_error se = *e;
	char kms[500];
	int r;

	snprintf(kms, sizeof(kms), "%.499s", e->why);
	vol_say(env, MSG_WARN,
		"%s: no KMS token opened it (%s); trying the SSM parameter %s",
		v->name, kms, v->ssm_param);
	r = vol_ssm_unlock(env, v, target, l, use, &se);
	if (!r || r == -EPROTO) {
		*e = se;
		return r;
	}
	return msg_why(e, err_temporary(e->err) ? e->err : r, "%s; and %s", kms,
		       se.why);
}

int vol_unlock_ways(const struct vol_env *env, const struct tab_volume *v,
		    const char *target, struct luks *l,
		    const struct luks_info *li, int skip, int ssm,
		    struct vol_use *use, struct msg_error *e)
{
	int r;

	ssm = ssm && v->ssm_param[0];
	if (ssm && !v->nkeys)
		return vol_ssm_unlock(env, v, target, l, use, e);
	r = vol_unlock_tokens(env, v, target, l, li, skip, use, e);
	if (r && r != -EPROTO && ssm)
		r = kms_then_ssm(env, v, target, l, use, e);
	return r;
}
