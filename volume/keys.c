/* keys.c - the keys of an existing volume: add, remove, rotate, re-wrap,
 * each after a header backup, each crash-safe.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: volume.h (vol_keys), internal.h, kms/token.h, crypto/luks.h,
 *      docs/design.md "Keys for the life of a volume".
 *
 * Every change is a sequence of LUKS2 header writes, and each write is
 * atomic (two header copies, sequence numbers). The order keeps a way in
 * that works after every one of them:
 *   add:    new keyslot, then its token (a keyslot without a token opens
 *           nothing that anyone holds; a token must name a keyslot);
 *   remove: the token, then its keyslot (another way in is proven first);
 *   rotate: per key, a new keyslot and token, proven by KMS Decrypt and an
 *           unlock, then the old token, then the old keyslot;
 *   rewrap: per token, the new blob proven by KMS Decrypt and an unlock,
 *           then the token replaced in place (one write).
 * A cut in the middle of a rotate leaves the old and the new token of a
 * key, both good; running it again rotates the key once and removes
 * both. A cut between a keyslot and its token leaves a keyslot with no
 * token, reported by --status and by every run here.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "crypto/luks.h"
#include "crypto/secret.h"
#include "kms/errors.h"
#include "kms/kms.h"
#include "kms/token.h"
#include "lib/io.h"
#include "lib/msg.h"
#include "volume/internal.h"

enum {
	MAX_WAYS = LUKS_POLICY_MAX_TOKENS,
};

/* One aws-kms token of the header, as it was when the job started. */
struct way {
	int token;
	int gone; /* removed by this job */
	struct kms_token t;
};

struct job {
	const struct vol_env *env;
	const struct tab_volume *v;
	const struct vol_keyop *op;
	struct luks l;
	struct luks_info li;
	char target[TAB_PATH];
	struct way *w;	     /* MAX_WAYS of them */
	int nw;		     /* good aws-kms tokens */
	int nother;	     /* tokens of other types */
	int nbad;	     /* aws-kms tokens that fail to decode */
	int recovery;	     /* a slow (argon2) keyslot, the recovery slot */
	unsigned char *auth; /* a secret that opens keyslot auth_slot */
	size_t auth_len;
	int auth_slot;
	int auth_token;	  /* the token it came from, -1 for a key file */
	uint32_t orphans; /* fast keyslots (< 32) no token names */
	int no_ssm;	  /* the SSM way is the one to go: not a proof */
};

static void step(struct job *j, const char *name)
{
	vol_step_done(j->env, name);
}

/* Is keyslot SLOT named by any token (ours, the SSM way in, one we cannot
 * read: never taken for a leftover)? */
static int slot_named(struct job *j, int slot)
{
	int i;

	for (i = 0; i < luks_token_max(); i++)
		if (luks_token_keyslot(&j->l, i) == slot)
			return 1;
	return 0;
}

/* The aws-kms tokens of the header into J->w, and what else it holds. */
static int job_ways(struct job *j, struct msg_error *e)
{
	char why[400];
	int i, r;

	j->nw = j->nother = j->nbad = j->recovery = 0;
	for (i = 0; i < luks_token_max(); i++) {
		if (j->nw == MAX_WAYS)
			return msg_why(e, -E2BIG, "more than %d tokens",
				       MAX_WAYS);
		r = vol_token_read(&j->li, &j->l, i, &j->w[j->nw].t, why,
				   sizeof(why));
		if (r == -ENOENT)
			continue;
		if (r == -EMEDIUMTYPE) {
			j->nother++;
			continue;
		}
		if (r) {
			j->nbad++;
			vol_say(j->env, MSG_WARN, "%s: %s; left as it is",
				j->v->name, why);
			continue;
		}
		j->w[j->nw].token = i;
		j->w[j->nw++].gone = 0;
	}
	for (i = 0; i < luks_keyslot_max(); i++) {
		r = luks_keyslot_kind(&j->l, i);
		if (r == LUKS_SLOT_SLOW)
			j->recovery = 1;
		if (r != LUKS_SLOT_FAST || slot_named(j, i))
			continue;
		j->orphans |= i < 32 ? 1u << i : 0;
		if (j->op->op != VOL_KEY_ROTATE)
			vol_say(j->env, MSG_WARN,
				"%s: keyslot %d has no token (left by an "
				"interrupted --add-key or --rotate): --rotate "
				"wipes it, or --remove-key slot:%d",
				j->v->name, i, i);
	}
	return 0;
}

/* The volume's header, loaded, checked, ours and ready. */
static int load(struct job *j, const struct vol_devs *d, struct msg_error *e)
{
	int r = vol_existing(j->env, j->v, d, j->target, sizeof(j->target), e);

	if (r)
		return r;
	r = luks_load(&j->l, j->target);
	if (r == -EPROTO)
		return refuse_header(e, j->target, j->l.refused);
	if (r < 0)
		return msg_why(e, r, "cannot read the LUKS header of %s: %s",
			       j->target, strerror(-r));
	r = luks_info(&j->l, &j->li);
	if (r < 0)
		return msg_why(e, r, "cannot read the LUKS header of %s: %s",
			       j->target, strerror(-r));
	if (j->li.policy < 0)
		return refuse_header(e, j->target, j->li.refused);
	if (j->li.state != LUKS_STATE_READY || strcmp(j->li.label, j->v->name))
		return msg_why(e, -EINVAL,
			       "%s holds no ready luksbox volume named %s",
			       j->target, j->v->name);
	return job_ways(j, e);
}

int vol_header_backup(const struct vol_env *env, const char *name,
		      const char *blob_file, struct luks *l,
		      struct msg_error *e)
{
	char dir[TAB_PATH], path[TAB_PATH * 2], stamp[32];
	const char *slash = strrchr(blob_file, '/');
	time_t now = time(NULL);
	struct tm tm;
	int r, i;

	if (env->header_backup) {
		snprintf(path, sizeof(path), "%s", env->header_backup);
		r = luks_header_backup(l, path);
		goto out;
	}
	if (slash) {
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - blob_file),
			 blob_file);
	} else {
		snprintf(dir, sizeof(dir), "/var/lib/luksbox");
		if (mkdir("/var/lib", 0755) && errno != EEXIST)
			return msg_why(e, -errno, "cannot make /var/lib: %s",
				       strerror(errno));
		if (mkdir(dir, 0700) && errno != EEXIST)
			return msg_why(e, -errno, "cannot make %s: %s", dir,
				       strerror(errno));
	}
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	r = -EEXIST;
	for (i = 0; i < 10 && r == -EEXIST; i++) {
		snprintf(path, sizeof(path), "%s/%s.header-%s%s%.0d",
			 dir[0] ? dir : "", name, stamp, i ? "." : "", i);
		r = luks_header_backup(l, path);
	}
out:
	if (r < 0)
		return msg_why(
			e, r,
			"cannot back the header up to %s: %s%s (nothing "
			"was changed; name another file with "
			"--header-backup)",
			path, strerror(-r),
			r == -EIO || r == -ENOSPC
				? " (is its file system full? a backup is "
				  "the header's size, 16 MiB by default)"
				: "");
	vol_say(env, MSG_INFO, "%s: LUKS header saved to %s", name, path);
	return 0;
}

/* Before the first change: the header as it is (vol_header_backup()). */
static int backup(struct job *j, struct msg_error *e)
{
	int r = vol_header_backup(j->env, j->v->name, j->v->blob_file, &j->l,
				  e);

	if (!r)
		step(j, "key-backup");
	return r;
}

/* vol_unlock_tokens() use: keep a secret that opens its keyslot. */
static int keep(void *arg, struct luks *l, int token, int slot,
		const unsigned char *secret, size_t n, struct msg_error *e)
{
	struct job *j = arg;
	int r = luks_verify(l, slot, secret, n);

	if (r < 0)
		return r == -EPROTO || r == -EPERM
			       ? r
			       : msg_why(e, r, "cannot check keyslot %d: %s",
					 slot, strerror(-r));
	memcpy(j->auth, secret, n);
	j->auth_len = n;
	j->auth_slot = r;
	j->auth_token = token;
	return r;
}

/* A secret that opens a keyslot, from the key file or a token other than
 * SKIP: proof that a way in works, and what authorises a new keyslot. */
static int authorise(struct job *j, int skip, struct msg_error *e)
{
	struct vol_use use = {keep, j, 0};
	size_t n = j->op->unlock_len;
	int r;

	j->auth = secret_alloc(j->env->arena,
			       n > VOL_SECRET_CAP ? n : VOL_SECRET_CAP);
	if (!j->auth)
		return msg_why(e, -ENOMEM, "secret memory full");
	if (!j->op->unlock)
		return vol_unlock_ways(j->env, j->v, j->target, &j->l, &j->li,
				       skip, !j->no_ssm, &use, e);
	r = keep(j, &j->l, -1, -1, j->op->unlock, j->op->unlock_len, e);
	if (r == -EPROTO)
		return refuse_header(e, j->target, j->l.refused);
	if (r == -EPERM)
		return msg_why(e, r, "the key file opens no keyslot");
	if (r < 0)
		return r;
	vol_say(j->env, MSG_INFO, "%s: the key file opens keyslot %d",
		j->v->name, j->auth_slot);
	return 0;
}

/* Token ID as on disk, unwrapped by KMS and opening its keyslot: the
 * proof that a new or re-wrapped token is a way in, before anything old
 * goes. */
static int prove(struct job *j, const struct kms_token *t, struct msg_error *e)
{
	unsigned char *s = secret_alloc(j->env->arena, VOL_SECRET_CAP);
	struct msg_error ae = {0};
	int n, r;

	if (!s)
		return msg_why(e, -ENOMEM, "secret memory full");
	n = vol_token_unwrap(j->env, t, s, VOL_SECRET_CAP, &ae);
	if (n < 0)
		return msg_why(e, n,
			       "the new token for %s cannot be unwrapped: %s",
			       t->key_id, ae.why);
	r = luks_verify(&j->l, t->keyslot, s, (size_t)n);
	secret_wipe(s, VOL_SECRET_CAP);
	if (r < 0)
		return msg_why(e, r,
			       "the new token for %s does not open keyslot "
			       "%d: %s",
			       t->key_id, t->keyslot, strerror(-r));
	return 0;
}

/* Is there room for one more keyslot and token within the policy (a
 * header over it would be refused at the next boot)? */
static int room(struct job *j, struct msg_error *e)
{
	int i, slots = 0, toks = 0;
	const char *json;

	for (i = 0; i < luks_keyslot_max(); i++)
		slots += luks_keyslot_kind(&j->l, i) != LUKS_SLOT_NONE;
	for (i = 0; i < luks_token_max(); i++)
		toks += luks_token_get(&j->l, i, &json) != -ENOENT;
	if (slots < LUKS_POLICY_MAX_KEYSLOTS && toks < LUKS_POLICY_MAX_TOKENS)
		return 0;
	return msg_why(e, -E2BIG,
		       "it has %d keyslots and %d tokens, the most a luksbox "
		       "header holds; remove a key (or a keyslot without a "
		       "token: --remove-key slot:N) first",
		       slots, toks);
}

/* T (its secret SECRET) as a new keyslot and token, proven. */
static int add_way(struct job *j, struct kms_token *t,
		   const unsigned char *secret, struct msg_error *e)
{
	char *json = malloc(TOKEN_JSON_MAX);
	int r, slot;

	if (!json)
		return msg_why(e, -ENOMEM, "out of memory");
	r = room(j, e);
	if (r)
		goto out;
	slot = luks_add_secret_slot(&j->l, j->auth, j->auth_len, secret,
				    SECRET_BYTES);
	if (slot < 0) {
		r = msg_why(e, slot, "cannot add a keyslot: %s",
			    strerror(-slot));
		goto out;
	}
	step(j, "key-slot");
	t->keyslot = slot;
	r = token_encode(t, json, TOKEN_JSON_MAX);
	if (r >= 0)
		r = luks_token_add(&j->l, json);
	if (r < 0) {
		r = msg_why(e, r,
			    "cannot store the aws-kms token: %s (keyslot %d "
			    "is left without one)",
			    strerror(-r), slot);
		goto out;
	}
	vol_say(j->env, MSG_INFO,
		"%s: keyslot %d with aws-kms token %d for %s (%s)", j->v->name,
		slot, r, t->key_id, t->region);
	step(j, "key-token");
	r = prove(j, t, e);
out:
	free(json);
	return r;
}

/* Does another token that stays use keyslot SLOT? */
static int slot_shared(const struct job *j, const struct way *w)
{
	int i;

	for (i = 0; i < j->nw; i++)
		if (&j->w[i] != w && !j->w[i].gone &&
		    j->w[i].t.keyslot == w->t.keyslot)
			return 1;
	return 0;
}

/* Way W out: its token, then its keyslot. */
static int drop_way(struct job *j, struct way *w, struct msg_error *e)
{
	int r = luks_token_remove(&j->l, w->token);

	if (r < 0)
		return msg_why(e, r, "cannot remove token %d: %s", w->token,
			       strerror(-r));
	w->gone = 1;
	step(j, "key-old-token");
	if (!slot_shared(j, w)) {
		r = luks_keyslot_destroy(&j->l, w->t.keyslot);
		if (r < 0)
			return msg_why(e, r,
				       "token %d is gone, but its keyslot %d "
				       "cannot be wiped: %s (run it again)",
				       w->token, w->t.keyslot, strerror(-r));
	}
	vol_say(j->env, MSG_INFO, "%s: removed token %d and keyslot %d (%s)",
		j->v->name, w->token, w->t.keyslot, w->t.key_id);
	step(j, "key-old-slot");
	return 0;
}

/* The blob file (blob-file=) follows the first aws-kms token. */
static int sync_blob(struct job *j, struct msg_error *e)
{
	struct kms_token *t;
	char why[400];
	int i, r = 0;

	if (!j->v->blob_file[0])
		return 0;
	t = malloc(sizeof(*t));
	if (!t)
		return msg_why(e, -ENOMEM, "out of memory");
	for (i = 0; i < luks_token_max(); i++) {
		if (vol_token_read(&j->li, &j->l, i, t, why, sizeof(why)))
			continue;
		r = io_write_replace(j->v->blob_file, t->blob, t->blob_len, -1,
				     0600);
		if (r < 0)
			r = msg_why(e, r, "cannot write the blob file %s: %s",
				    j->v->blob_file, strerror(-r));
		else
			vol_say(j->env, MSG_INFO,
				"%s: blob file %s now holds token %d's blob",
				j->v->name, j->v->blob_file, i);
		break;
	}
	free(t);
	return r;
}

/* KEY[@REGION] as the table reads it. */
static int parse_key(const char *spec, struct tab_key *k, struct msg_error *e)
{
	struct tab_volume *tv = calloc(1, sizeof(*tv));
	struct tab_error te = {0};
	char opt[TAB_MAX_LINE];
	int r = 0;

	if (!tv)
		return msg_why(e, -ENOMEM, "out of memory");
	snprintf(opt, sizeof(opt), "kms-key=%s", spec);
	if (tab_set_option(tv, opt, &te))
		r = msg_why(e, -EINVAL, "%s: %s", spec, te.why);
	else
		*k = tv->keys[0];
	free(tv);
	return r;
}

/* Is W the way KEY names: its token number ("token:N" or N), its keyslot
 * ("slot:N", for a keyslot with no token see remove()), its key ARN, its
 * key id, or an alias that DescribeKey resolves to its ARN? */
static int names(const struct way *w, const char *key, const char *arn)
{
	size_t n = strlen(key), m = strlen(w->t.key_id);
	int i;

	if (sscanf(key, "token:%d", &i) == 1 ||
	    (key[0] && strspn(key, "0123456789") == n && sscanf(key, "%d", &i)))
		return i == w->token;
	if (sscanf(key, "slot:%d", &i) == 1)
		return i == w->t.keyslot;
	if (!strcmp(key, w->t.key_id) || (arn[0] && !strcmp(arn, w->t.key_id)))
		return 1;
	return m > n + 4 && !strcmp(w->t.key_id + m - n, key) &&
	       !strncmp(w->t.key_id + m - n - 4, "key/", 4);
}

/* An alias's key ARN (DescribeKey), "" when KEY is no alias or KMS will
 * not say: then only ARNs and key ids match. */
static void resolve(struct job *j, const char *key, char *arn, size_t cap)
{
	struct kms_key_info *ki;

	arn[0] = 0;
	if (!j->env->aws ||
	    (strncmp(key, "alias/", 6) && !strstr(key, ":alias/")))
		return;
	ki = malloc(sizeof(*ki));
	if (ki && !kms_describe_key(j->env->aws, key, NULL, ki))
		snprintf(arn, cap, "%s", ki->arn);
	free(ki);
}

static int add(struct job *j, struct msg_error *e)
{
	struct tab_key k;
	struct kms_context ctx;
	struct kms_token *t = malloc(sizeof(*t));
	unsigned char *s = secret_alloc(j->env->arena, SECRET_BYTES);
	int r, i;

	if (!t || !s) {
		free(t);
		return msg_why(e, -ENOMEM, "out of memory");
	}
	r = parse_key(j->op->key, &k, e);
	if (!r && j->nw + j->nother >= LUKS_POLICY_MAX_WAYS)
		r = msg_why(e, -E2BIG,
			    "it has %d ways in already, the most a volume "
			    "keeps; remove one first",
			    j->nw + j->nother);
	if (!r)
		r = authorise(j, -1, e);
	if (!r)
		r = vol_context(j->v, j->li.uuid, &ctx, e);
	/* The context the volume's tokens have (the header's, which KMS
	 * just vouched for), when it has one. */
	if (!r && j->auth_token >= 0) {
		for (i = 0; j->w[i].token != j->auth_token; i++)
			;
		r = token_kms_context(&j->w[i].t, &ctx);
	}
	if (!r)
		r = vol_new_token(j->env, j->v, &k, &ctx, t, s, e);
	for (i = 0; !r && i < j->nw; i++)
		if (!strcmp(j->w[i].t.key_id, t->key_id))
			r = msg_why(e, -EEXIST,
				    "token %d is for %s already; nothing was "
				    "changed",
				    j->w[i].token, t->key_id);
	if (!r)
		r = backup(j, e);
	if (!r)
		r = add_way(j, t, s, e);
	secret_wipe(s, SECRET_BYTES);
	free(t);
	return r;
}

static int remove_key(struct job *j, struct msg_error *e)
{
	const char *key = j->op->key;
	char arn[KMS_ARN_MAX], type[32];
	struct way *w = NULL;
	int i, slot, left, r;

	resolve(j, key, arn, sizeof(arn));
	for (i = 0; i < j->nw; i++) {
		if (!names(&j->w[i], key, arn))
			continue;
		if (w)
			return msg_why(e, -EINVAL,
				       "%s names tokens %d and %d: name one "
				       "by its number",
				       key, w->token, j->w[i].token);
		w = &j->w[i];
	}
	/* A keyslot with no token (an interrupted add): nothing to prove. */
	if (!w && sscanf(key, "slot:%d", &slot) == 1 &&
	    luks_keyslot_kind(&j->l, slot) == LUKS_SLOT_FAST) {
		r = backup(j, e);
		if (!r)
			r = luks_keyslot_destroy(&j->l, slot);
		if (r < 0)
			return msg_why(e, r, "cannot wipe keyslot %d: %s", slot,
				       strerror(-r));
		vol_say(j->env, MSG_INFO, "%s: removed keyslot %d", j->v->name,
			slot);
		return 0;
	}
	/* A token of another type (the SSM way in) by its number. */
	if (!w &&
	    (sscanf(key, "token:%d", &i) == 1 ||
	     (strspn(key, "0123456789") == strlen(key) &&
	      sscanf(key, "%d", &i) == 1)) &&
	    !luks_token_type(&j->l, i, type, sizeof(type)) &&
	    (slot = luks_token_keyslot(&j->l, i)) >= 0) {
		w = &j->w[j->nw];
		memset(w, 0, sizeof(*w));
		w->token = i;
		w->t.keyslot = slot;
		/* The type is the header's: printed only when plain. */
		snprintf(
			w->t.key_id, sizeof(w->t.key_id), "its %s token",
			strspn(type, "abcdefghijklmnopqrstuvwxyz0123456789-") ==
					strlen(type)
				? type
				: "other");
		j->nother--;
		j->nw++;
		j->no_ssm = !strcmp(type, TOKEN_SSM_TYPE);
	}
	if (!w)
		return msg_why(e, -ENOENT,
			       "no token of it is for %s (see luks-mount "
			       "--status; name a token by its number)",
			       key);
	left = j->nw - 1 + j->nother;
	if (!left && !(j->op->force && j->recovery))
		return msg_why(e, -EPERM,
			       "token %d (%s) is its last way in at boot; "
			       "nothing was changed (add another key first%s)",
			       w->token, w->t.key_id,
			       j->recovery ? ", or --force to keep only the "
					     "recovery key"
					   : "");
	if (left) {
		r = authorise(j, w->token, e);
		if (r)
			return r;
	}
	r = backup(j, e);
	return r ? r : drop_way(j, w, e);
}

/* Keyslots of secrets that no token holds any more (a rotate or add cut
 * short), but SPARE: an old secret, in an old backup or blob copy, must not
 * open the volume after a rotation. */
static int wipe_orphans(struct job *j, int spare, struct msg_error *e)
{
	int i, r;

	for (i = 0; i < 32; i++) {
		if (!(j->orphans >> i & 1) || i == spare)
			continue;
		r = luks_keyslot_destroy(&j->l, i);
		if (r < 0)
			return msg_why(e, r, "cannot wipe keyslot %d: %s", i,
				       strerror(-r));
		j->orphans &= ~(1u << i);
		vol_say(j->env, MSG_INFO,
			"%s: wiped keyslot %d (no token named it)", j->v->name,
			i);
	}
	return 0;
}

static int rotate(struct job *j, struct msg_error *e)
{
	struct kms_token *t = malloc(sizeof(*t));
	unsigned char *s = secret_alloc(j->env->arena, SECRET_BYTES);
	struct kms_context ctx;
	struct tab_key k = {0};
	int nw = j->nw, i, g, r;

	if (!t || !s) {
		free(t);
		return msg_why(e, -ENOMEM, "out of memory");
	}
	r = nw ? authorise(j, -1, e)
	       : msg_why(e, -ENOKEY, "it has no aws-kms token to rotate");
	if (!r)
		r = backup(j, e);
	/* First, so that they leave room for the new keyslots (all but the
	 * one that authorises them: it goes last). */
	if (!r)
		r = wipe_orphans(j, j->auth_slot, e);
	/* One new token per key: the old tokens of that key (two after a
	 * rotate cut short) go once the new one is proven. */
	for (g = 0; !r && g < nw; g++) {
		if (j->w[g].gone)
			continue;
		snprintf(k.key_id, sizeof(k.key_id), "%s", j->w[g].t.key_id);
		snprintf(k.region, sizeof(k.region), "%s", j->w[g].t.region);
		r = token_kms_context(&j->w[g].t, &ctx);
		if (!r)
			r = vol_new_token(j->env, j->v, &k, &ctx, t, s, e);
		if (!r)
			r = add_way(j, t, s, e);
		for (i = g; !r && i < nw; i++)
			if (!strcmp(j->w[i].t.key_id, k.key_id) &&
			    j->w[i].t.keyslot == j->auth_slot) {
				memcpy(j->auth, s, SECRET_BYTES);
				j->auth_len = SECRET_BYTES;
				j->auth_slot = t->keyslot;
			}
		for (i = g; !r && i < nw; i++)
			if (!j->w[i].gone &&
			    !strcmp(j->w[i].t.key_id, k.key_id))
				r = drop_way(j, &j->w[i], e);
	}
	if (!r)
		r = wipe_orphans(j, -1, e);
	secret_wipe(s, SECRET_BYTES);
	free(t);
	return r;
}

static int rewrap(struct job *j, struct msg_error *e)
{
	struct tab_key k;
	struct kms_context ctx;
	struct kms_token *t = malloc(sizeof(*t));
	struct msg_error ae;
	char from[KMS_ARN_MAX], *json = malloc(TOKEN_JSON_MAX);
	const char *region;
	int i, n, r, done = 0, saved = 0;

	r = !t || !json ? msg_why(e, -ENOMEM, "out of memory")
			: parse_key(j->op->key, &k, e);
	if (!r && j->op->from)
		resolve(j, j->op->from, from, sizeof(from));
	for (i = 0; !r && i < j->nw; i++) {
		if (j->op->from && !names(&j->w[i], j->op->from, from))
			continue;
		*t = j->w[i].t;
		region = k.region[0] ? k.region : t->region;
		if (strcmp(region, t->region)) {
			r = msg_why(e, -EXDEV,
				    "token %d's key is in %s, %s is in %s: KMS "
				    "ReEncrypt stays in one region (use "
				    "--add-key then --remove-key)",
				    j->w[i].token, t->region, k.key_id, region);
			break;
		}
		if (token_kms_context(t, &ctx)) {
			r = msg_why(e, -E2BIG, "token %d: context too large",
				    j->w[i].token);
			break;
		}
		n = kms_reencrypt(j->env->aws, k.key_id, t->region, &ctx, NULL,
				  j->w[i].t.blob, j->w[i].t.blob_len, t->blob,
				  sizeof(t->blob), t->key_id,
				  sizeof(t->key_id));
		if (n < 0) {
			aws_error_msg(&j->env->aws->error, &ae);
			r = msg_why(e, n, "KMS ReEncrypt of token %d to %s: %s",
				    j->w[i].token, k.key_id, ae.why);
			break;
		}
		t->blob_len = (size_t)n;
		if (!t->key_id[0])
			snprintf(t->key_id, sizeof(t->key_id), "%s", k.key_id);
		r = prove(j, t, e);
		if (!r && !saved++)
			r = backup(j, e);
		if (!r)
			r = token_encode(t, json, TOKEN_JSON_MAX);
		if (r >= 0)
			r = luks_token_set(&j->l, j->w[i].token, json);
		if (r < 0) {
			r = e->why[0] ? r
				      : msg_why(e, r,
						"cannot replace token %d: %s",
						j->w[i].token, strerror(-r));
			break;
		}
		r = 0;
		done++;
		vol_say(j->env, MSG_INFO,
			"%s: token %d (keyslot %d) re-wrapped from %s to %s",
			j->v->name, j->w[i].token, t->keyslot, j->w[i].t.key_id,
			t->key_id);
		step(j, "key-token");
	}
	if (!r && !done)
		r = msg_why(e, -ENOENT, "no aws-kms token of it is for %s",
			    j->op->from ? j->op->from : "any key");
	free(json);
	free(t);
	return r;
}

int vol_keys(const struct vol_env *env, const struct tab_volume *v,
	     const struct vol_devs *d, const struct vol_keyop *op,
	     struct msg_error *e)
{
	struct job *j = calloc(1, sizeof(*j));
	int r;

	memset(e, 0, sizeof(*e));
	if (op->op == VOL_KEY_ADD)
		msg_what(e, "add key %s to %s", op->key, v->name);
	else if (op->op == VOL_KEY_REMOVE)
		msg_what(e, "remove key %s from %s", op->key, v->name);
	else if (op->op == VOL_KEY_ROTATE)
		msg_what(e, "rotate the keys of %s", v->name);
	else
		msg_what(e, "re-wrap the tokens of %s to %s", v->name, op->key);
	/* One more: a token of another type that --remove-key names. */
	if (!j || !(j->w = calloc(MAX_WAYS + 1, sizeof(*j->w)))) {
		free(j);
		return msg_why(e, -ENOMEM, "out of memory");
	}
	j->env = env;
	j->v = v;
	j->op = op;
	j->auth_token = -1;
	r = load(j, d, e);
	if (!r) {
		switch (op->op) {
		case VOL_KEY_ADD:
			r = add(j, e);
			break;
		case VOL_KEY_REMOVE:
			r = remove_key(j, e);
			break;
		case VOL_KEY_ROTATE:
			r = rotate(j, e);
			break;
		default:
			r = rewrap(j, e);
		}
	}
	if (!r)
		r = sync_blob(j, e);
	luks_fini(&j->l);
	secret_wipe(j->w, (MAX_WAYS + 1) * sizeof(*j->w));
	free(j->w);
	free(j);
	return r;
}
