/* ssm.c - the SSM parameter way in: a keyslot whose 32-byte secret lives,
 * as base64 text, in an SSM SecureString; made crash-safely by
 * luks-setup, read by luks-mount.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: internal.h, volume.h (the provisioning order), kms/ssm.h,
 *      kms/token.h (the luksbox-ssm token), docs/design.md "SSM
 *      Parameter Store".
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "crypto/luks.h"
#include "crypto/secret.h"
#include "kms/ssm.h"
#include "kms/token.h"
#include "lib/base64.h"
#include "volume/internal.h"

enum {
	TEXT_CAP = 128, /* a value longer than any base64 of a secret */
};

/* Where V's parameter is: its @REGION, else the client's default. */
static const char *region_of(const struct vol_env *env,
			     const struct tab_volume *v)
{
	return v->ssm_region[0] ? v->ssm_region : aws_region(env->aws);
}

/* The secret in TEXT (the value luks-setup stores: the base64 text of
 * SECRET_BYTES) into OUT: 0, or -EINVAL for anything else. */
static int decode_secret(const char *text, unsigned char *out)
{
	int n = b64_decode(out, SECRET_BYTES, text, strlen(text));

	if (n != SECRET_BYTES) {
		secret_wipe(out, SECRET_BYTES);
		return -EINVAL;
	}
	return 0;
}

/* V's parameter into SECRET: 0, or -errno with WHY (CAP bytes) set. */
static int fetch(const struct vol_env *env, const struct tab_volume *v,
		 unsigned char *secret, char *why, size_t cap)
{
	char *text = secret_alloc(env->arena, TEXT_CAP);
	struct msg_error ae;
	int n;

	if (!text) {
		snprintf(why, cap, "secret memory full");
		return -ENOMEM;
	}
	n = ssm_get_parameter(env->aws, v->ssm_param,
			      v->ssm_region[0] ? v->ssm_region : NULL, text,
			      TEXT_CAP);
	if (n < 0) {
		aws_error_msg(&env->aws->error, &ae);
		snprintf(why, cap, "%.*s", (int)cap - 1, ae.why);
	} else if ((n = decode_secret(text, secret))) {
		snprintf(why, cap,
			 "its value is not the base64 text of a %d-byte key "
			 "(what luks-setup stores): was it changed?",
			 SECRET_BYTES);
	}
	secret_wipe(text, TEXT_CAP);
	return n;
}

/*
 * Did an interrupted run of this volume write V's parameter? The
 * half-made header on DEV has a luksbox-ssm token naming it, and the
 * parameter's value opens that token's keyslot. 1, 0, or -errno with E.
 */
static int left_by_us(const struct vol_env *env, const struct tab_volume *v,
		      const char *dev, struct msg_error *e)
{
	struct luks l = {0};
	struct ssm_token t;
	unsigned char *secret = secret_alloc(env->arena, SECRET_BYTES);
	const char *json;
	char why[400];
	int i, r, slot = -1;

	if (!secret)
		return msg_why(e, -ENOMEM, "secret memory full");
	if (luks_load(&l, dev) < 0)
		return 0; /* no header to prove anything with */
	for (i = 0; i < luks_token_max() && slot < 0; i++)
		if (luks_token_get(&l, i, &json) == 0 &&
		    token_ssm_decode(json, strlen(json), &t, NULL) == 0 &&
		    !strcmp(t.parameter, v->ssm_param))
			slot = t.keyslot;
	r = 0;
	if (slot < 0)
		goto out;
	r = fetch(env, v, secret, why, sizeof(why));
	if (r == -ENOENT || r == -EINVAL) {
		r = 0; /* absent, or not ours: the existence check decides */
		goto out;
	}
	if (r < 0) {
		r = msg_why(e, r,
			    "cannot read the SSM parameter %s to see whether "
			    "the interrupted setup wrote it: %s",
			    v->ssm_param, why);
		goto out;
	}
	/* The secret proves it: the token alone is untrusted text. */
	r = luks_verify(&l, slot, secret, SECRET_BYTES) >= 0;
out:
	secret_wipe(secret, SECRET_BYTES);
	luks_fini(&l);
	return r;
}

int vol_ssm_check(const struct vol_env *env, const struct tab_volume *v,
		  const char *half, int *overwrite, struct msg_error *e)
{
	struct msg_error ae;
	int r;

	*overwrite = 0;
	if (!env->aws)
		return msg_why(e, -EINVAL,
			       "ssm-param needs AWS, and no AWS client was "
			       "set up");
	if (env->force) {
		vol_say(env, MSG_WARN,
			"%s: --force: the SSM parameter %s is overwritten if "
			"it exists",
			v->name, v->ssm_param);
		*overwrite = 1;
		return 0;
	}
	if (half) {
		r = left_by_us(env, v, half, e);
		if (r < 0)
			return r;
		if (r == 1) {
			vol_say(env, MSG_WARN,
				"%s: the SSM parameter %s was written by the "
				"interrupted setup of this volume (it opens "
				"its half-made header): replacing it",
				v->name, v->ssm_param);
			*overwrite = 1;
			return 0;
		}
	}
	r = ssm_parameter_exists(env->aws, v->ssm_param,
				 v->ssm_region[0] ? v->ssm_region : NULL);
	if (r < 0) {
		aws_error_msg(&env->aws->error, &ae);
		return msg_why(e, r,
			       "cannot tell whether the SSM parameter %s "
			       "exists: %s",
			       v->ssm_param, ae.why);
	}
	if (r == 1)
		return msg_why(
			e, -EEXIST,
			"the SSM parameter %s exists already%s; nothing was "
			"changed. It may hold the key of another volume: only "
			"if it does not, --force overwrites it",
			v->ssm_param,
			half ? " and does not open this half-made volume" : "");
	return 0;
}

int vol_ssm_add(const struct vol_env *env, const struct tab_volume *v,
		struct luks *l, const char *uuid, int overwrite,
		unsigned char **secret, struct msg_error *e)
{
	struct ssm_token t = {0};
	struct msg_error ae;
	char json[1024], desc[200], *text;
	const char *region = region_of(env, v);
	int r, ver;

	*secret = secret_alloc(env->arena, SECRET_BYTES);
	text = secret_alloc(env->arena, B64_ENC_LEN(SECRET_BYTES));
	if (!*secret || !text)
		return msg_why(e, -ENOMEM, "secret memory full");
	if (!region) {
		aws_error_msg(&env->aws->error, &ae);
		return msg_why(e, ae.err,
			       "no region for the SSM parameter %s: %s",
			       v->ssm_param, ae.why);
	}
	/* Made here, not by KMS: SSM encrypts it; nothing else sees it. */
	if (getrandom(*secret, SECRET_BYTES, 0) != SECRET_BYTES)
		return msg_why(e, -EIO, "getrandom failed");
	r = luks_add_secret_slot(l, NULL, 0, *secret, SECRET_BYTES);
	if (r < 0)
		return msg_why(e, r, "cannot add the SSM keyslot: %s",
			       strerror(-r));
	t.keyslot = r;
	snprintf(t.parameter, sizeof(t.parameter), "%s", v->ssm_param);
	snprintf(t.region, sizeof(t.region), "%s", region);
	snprintf(t.kms_key, sizeof(t.kms_key), "%s",
		 v->ssm_kms_key[0] ? v->ssm_kms_key : SSM_DEFAULT_KEY);
	r = token_ssm_encode(&t, json, sizeof(json));
	if (r >= 0)
		r = luks_token_add(l, json);
	if (r < 0)
		return msg_why(e, r, "cannot store the luksbox-ssm token: %s",
			       strerror(-r));
	/* The keyslot and token before the parameter: a rerun after a cut
	 * here finds the parameter absent, or opening this header. */
	vol_step_done(env, "ssm-keyslot");
	b64_encode(text, B64_ENC_LEN(SECRET_BYTES), *secret, SECRET_BYTES);
	snprintf(desc, sizeof(desc),
		 "luksbox: keyslot %d of volume %s (LUKS UUID %s)", t.keyslot,
		 v->name, uuid);
	ver = ssm_put_parameter(env->aws, v->ssm_param, region, t.kms_key, desc,
				text, strlen(text), overwrite);
	secret_wipe(text, B64_ENC_LEN(SECRET_BYTES));
	if (ver == -EEXIST)
		return msg_why(e, ver,
			       "the SSM parameter %s (%s) exists already and "
			       "was left as it is; it may hold the key of "
			       "another volume: only if it does not, --force "
			       "overwrites it",
			       v->ssm_param, region);
	if (ver < 0) {
		aws_error_msg(&env->aws->error, &ae);
		return msg_why(e, ver, "cannot put the SSM parameter %s: %s",
			       v->ssm_param, ae.why);
	}
	vol_step_done(env, "ssm");
	vol_say(env, MSG_INFO,
		"%s: keyslot %d (PBKDF2, 1000 iterations) with luksbox-ssm "
		"token %d: SSM SecureString %s (%s, KMS key %s, version %d)",
		v->name, t.keyslot, r, v->ssm_param, region, t.kms_key, ver);
	return t.keyslot;
}

int vol_ssm_unlock(const struct vol_env *env, const struct tab_volume *v,
		   const char *target, struct luks *l,
		   const struct vol_use *use, struct msg_error *e)
{
	unsigned char *secret = secret_alloc(env->arena, SECRET_BYTES);
	char why[400];
	int r;

	if (!secret)
		return msg_why(e, -ENOMEM, "secret memory full");
	if (!env->aws)
		return msg_why(e, -EINVAL, "no AWS client for SSM");
	vol_say(env, MSG_DEBUG, "%s: SSM GetParameter %s", v->name,
		v->ssm_param);
	/* The name is the table's (trusted config), never the header's. */
	r = fetch(env, v, secret, why, sizeof(why));
	if (r < 0)
		return msg_why(e, r, "SSM parameter %s: %s", v->ssm_param, why);
	/* Any keyslot: the header is untrusted, the secret proves itself. */
	r = use->fn(use->arg, l, -1, -1, secret, SECRET_BYTES, e);
	secret_wipe(secret, SECRET_BYTES);
	if (r == -EPROTO)
		return refuse_header(e, target, l->refused);
	if (r == -EPERM)
		return msg_why(e, r,
			       "the value of SSM parameter %s opens no keyslot "
			       "(overwritten, or another volume's?)",
			       v->ssm_param);
	if (r < 0)
		return r;
	vol_say(env, MSG_INFO,
		"%s: unlocked with keyslot %d (SSM parameter %s)", v->name, r,
		v->ssm_param);
	return 0;
}
