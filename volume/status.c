/* status.c - a volume's state and its ways in, for --status, changing
 * nothing; what KMS says about their keys, for --check and at boot.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: volume.h (vol_status, vol_ways), internal.h, kms/token.h,
 *      AWS KMS API Reference "DescribeKey", "Key states of AWS KMS keys".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "block/linear.h"
#include "crypto/luks.h"
#include "kms/kms.h"
#include "kms/token.h"
#include "lib/clock.h"
#include "volume/internal.h"

int vol_status(const struct vol_env *env, const struct tab_volume *v,
	       struct vol_status *st)
{
	char link[80];
	int r;

	(void)env;
	memset(st, 0, sizeof(*st));
	snprintf(st->mountpoint, sizeof(st->mountpoint), "%s", v->mountpoint);
	r = luks_is_active(v->name, st->uuid);
	if (r < 0)
		return r;
	st->open = r;
	if (linear_get(sets_linear_name(v->name, link, sizeof(link)), NULL,
		       NULL, &st->sets) == 1)
		mapper_path(link, st->backing, sizeof(st->backing));
	else if (snprintf(link, sizeof(link), "/dev/md/%s", v->name) &&
		 rdev_of(link))
		snprintf(st->backing, sizeof(st->backing), "%s", link);
	else if (v->ndevices == 1)
		snprintf(st->backing, sizeof(st->backing), "%s", v->devices[0]);
	r = mapping_mounted(v);
	if (r < 0)
		return r;
	st->mounted = r;
	return st->open && (st->mounted || !has_mount(v));
}

/* Text from a header, made safe for terminals and logs. */
static void printable(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			*s = '?';
}

static struct vol_way *new_way(struct vol_ways *w, const char *type, int token,
			       int keyslot)
{
	struct vol_way *x;

	if (w->n == VOL_MAX_WAYS)
		return NULL;
	x = &w->way[w->n++];
	memset(x, 0, sizeof(*x));
	snprintf(x->type, sizeof(x->type), "%s", type);
	x->token = token;
	x->keyslot = keyslot;
	return x;
}

/* An aws-kms token's way: what it says, or why it is not used (as
 * unlock_with_kms() refuses it). */
static void kms_way(struct vol_way *x, const char *json, const char *uuid,
		    struct kms_token *t)
{
	struct kms_context ctx;
	const char *field, *vol;
	int r = token_decode(json, strlen(json), t, &field);

	if (r == -EILSEQ) {
		snprintf(x->problem, sizeof(x->problem),
			 "control character in its %s (a forged header?)",
			 field);
		return;
	}
	if (r) {
		snprintf(x->problem, sizeof(x->problem), "malformed (%s%s%s)",
			 field, *field ? ": " : "", strerror(-r));
		return;
	}
	x->keyslot = t->keyslot;
	snprintf(x->key, sizeof(x->key), "%s", t->key_id);
	snprintf(x->region, sizeof(x->region), "%s", t->region);
	vol = token_context(t, TOKEN_CONTEXT_VOLUME);
	if (strcmp(vol, uuid))
		snprintf(x->problem, sizeof(x->problem),
			 "belongs to volume %.40s, not to this one (copied "
			 "from another header?)",
			 vol);
	else if (token_kms_context(t, &ctx))
		snprintf(x->problem, sizeof(x->problem), "context too large");
}

/* A luksbox-ssm token's way: its parameter, region and key, or why it is
 * not what luks-setup writes. */
static void ssm_way(struct vol_way *x, const char *json)
{
	struct ssm_token s;
	const char *field;
	int r = token_ssm_decode(json, strlen(json), &s, &field);

	if (r) {
		snprintf(x->problem, sizeof(x->problem), "%s (%s%s%s)",
			 r == -EILSEQ ? "control character" : "malformed",
			 field, *field ? ": " : "", strerror(-r));
		return;
	}
	x->keyslot = s.keyslot;
	snprintf(x->parameter, sizeof(x->parameter), "%s", s.parameter);
	snprintf(x->key, sizeof(x->key), "%s", s.kms_key);
	snprintf(x->region, sizeof(x->region), "%s", s.region);
}

int read_ways(struct luks *l, const char *uuid, struct vol_ways *w)
{
	struct kms_token *t = malloc(sizeof(*t));
	unsigned char claimed[64] = {0}; /* keyslots a token names */
	struct vol_way *x;
	const char *json;
	char type[32];
	int i, r, ns = luks_keyslot_max();

	w->n = 0;
	if (!t)
		return -ENOMEM;
	if (ns > (int)sizeof(claimed))
		ns = (int)sizeof(claimed);
	for (i = 0; i < luks_token_max(); i++) {
		r = luks_token_type(l, i, type, sizeof(type));
		/* The stripe-set record is no way in (--status shows sets). */
		if (r == -ENOENT || !strcmp(type, "luksbox-sets"))
			continue;
		printable(type);
		x = new_way(w, r ? "invalid" : type, i, -1);
		if (!x)
			break;
		if (r || luks_token_get(l, i, &json) < 0) {
			snprintf(x->problem, sizeof(x->problem),
				 "libcryptsetup cannot read it");
			continue;
		}
		if (!strcmp(type, TOKEN_TYPE))
			kms_way(x, json, uuid, t);
		else if (!strcmp(type, TOKEN_SSM_TYPE))
			ssm_way(x, json);
		else
			x->keyslot = luks_token_keyslot(l, i);
		if (x->keyslot >= 0 && x->keyslot < ns) {
			if (luks_keyslot_kdf(l, x->keyslot, type,
					     sizeof(type)) < 0 &&
			    !x->problem[0])
				snprintf(x->problem, sizeof(x->problem),
					 "its keyslot %d is not in use",
					 x->keyslot);
			claimed[x->keyslot] = 1;
		}
	}
	/* Keyslots no token names: the recovery slot is the argon2 one
	 * (volume/recovery.c); a KMS keyslot is PBKDF2 and has its token. */
	for (i = 0; i < ns; i++) {
		if (claimed[i] || luks_keyslot_kdf(l, i, type, sizeof(type)))
			continue;
		if (!new_way(w,
			     strncmp(type, "argon2", 6) ? "keyslot"
							: "recovery",
			     -1, i))
			break;
	}
	secret_wipe(t, sizeof(*t));
	free(t);
	return 0;
}

/* The header of V to read the ways from, into DEV; 0, or -ENOENT with
 * WHY saying why there is none to read. */
static int header_device(const struct vol_env *env, const struct tab_volume *v,
			 char *dev, size_t cap, char *why, size_t wcap)
{
	struct vol_env now = *env;
	struct vol_devs *d;
	struct msg_error e;
	char link[80];
	int r = luks_active_device(v->name, dev, cap);

	if (r == 0)
		return 0;
	if (r != -ENODEV) {
		snprintf(why, wcap,
			 "/dev/mapper/%s is open, but its device is unknown "
			 "(%s)",
			 v->name, strerror(-r));
		return -ENOENT;
	}
	snprintf(link, sizeof(link), "/dev/md/%s", v->name);
	if (rdev_of(link)) {
		snprintf(dev, cap, "%s", link);
		return 0;
	}
	if (v->ephemeral) {
		snprintf(why, wcap,
			 "closed: the instance-store disks of an ephemeral "
			 "volume are found when it is opened");
		return -ENOENT;
	}
	if (v->ndevices > 1) {
		snprintf(why, wcap,
			 "closed: its RAID0 array %s is not assembled "
			 "(luks-mount %s assembles it)",
			 link, v->name);
		return -ENOENT;
	}
	if (!tab_is_ebs_id(v->devices[0])) {
		snprintf(dev, cap, "%s", v->devices[0]);
		return 0;
	}
	/* Its NVMe disk, as it is now: --status never waits. */
	now.attach_wait_ms = 0;
	d = malloc(sizeof(*d));
	r = d ? vol_devices(&now, v, d, &e) : -ENOMEM;
	if (!r)
		snprintf(dev, cap, "%s", d->path[0]);
	else
		snprintf(why, wcap, "closed: %.280s",
			 d ? e.why : "out of memory");
	free(d);
	return r ? -ENOENT : 0;
}

int vol_ways(const struct vol_env *env, const struct tab_volume *v,
	     struct vol_ways *w)
{
	struct luks_info li;
	struct luks l = {0};
	int r;

	w->n = 0;
	w->unread[0] = 0;
	w->device[0] = 0;
	if (header_device(env, v, w->device, sizeof(w->device), w->unread,
			  sizeof(w->unread)))
		return 0;
	r = luks_load(&l, w->device);
	if (r == 0 && (r = luks_info(&l, &li)) > 0)
		r = 0; /* its state */
	if (r == -EPROTO || (r == 0 && li.policy < 0))
		snprintf(w->unread, sizeof(w->unread),
			 "the LUKS header of %.100s is not one luks-setup "
			 "writes (%.120s)",
			 w->device, r ? l.refused : li.refused);
	else if (r == 0 && li.state != LUKS_STATE_FOREIGN &&
		 strcmp(li.label, v->name)) {
		printable(li.label);
		snprintf(w->unread, sizeof(w->unread),
			 "%.100s holds the luksbox volume \"%.47s\", not "
			 "this one",
			 w->device, li.label);
	} else if (r == 0) {
		r = read_ways(&l, li.uuid, w);
		if (r < 0)
			snprintf(w->unread, sizeof(w->unread), "%s",
				 strerror(-r));
	} else {
		snprintf(w->unread, sizeof(w->unread), "%.100s: %s", w->device,
			 r == -EINVAL ? "no LUKS header" : strerror(-r));
	}
	luks_fini(&l);
	if (w->unread[0])
		w->n = 0;
	return 0;
}

void check_key(const struct vol_env *env, struct vol_way *x)
{
	struct kms_key_info ki;
	struct msg_error e;
	int r = kms_describe_key(env->aws, x->key, x->region, &ki);

	if (r < 0) {
		aws_error_msg(&env->aws->error, &e);
		snprintf(x->why, sizeof(x->why), "%.399s", e.why);
		x->state = err_temporary(r) ? VOL_KEY_UNREACHABLE
			   : r == -EACCES   ? VOL_KEY_DENIED
					    : VOL_KEY_FAILED;
		return;
	}
	snprintf(x->key_state, sizeof(x->key_state), "%s", ki.state);
	x->deletion = ki.deletion;
	x->state = !strcmp(ki.state, "Enabled")	   ? VOL_KEY_ENABLED
		   : !strcmp(ki.state, "Disabled") ? VOL_KEY_DISABLED
		   : !strcmp(ki.state, "PendingDeletion")
			   ? VOL_KEY_PENDING_DELETION
			   : VOL_KEY_OTHER;
}

/* Is X an aws-kms way to ask KMS about? */
static int askable(const struct vol_way *x)
{
	return !strcmp(x->type, TOKEN_TYPE) && !x->problem[0];
}

void vol_ways_check(const struct vol_env *env, struct vol_ways *w)
{
	int64_t overall = env->aws->deadline, share;
	unsigned i, left = 0;

	for (i = 0; i < w->n; i++)
		left += (unsigned)askable(&w->way[i]);
	for (i = 0; i < w->n; i++) {
		if (!askable(&w->way[i]))
			continue;
		/* An unreachable region leaves the next keys their time. */
		share = deadline_left(overall) / left--;
		env->aws->deadline = deadline_within(
			share < VOL_CHECK_MS ? share : VOL_CHECK_MS, overall);
		check_key(env, &w->way[i]);
	}
	env->aws->deadline = overall;
}

const char *vol_key_state_text(const struct vol_way *w, char *buf, size_t cap)
{
	char date[32];

	switch (w->state) {
	case VOL_KEY_PENDING_DELETION:
		if (w->deletion)
			snprintf(buf, cap, "PendingDeletion on %s",
				 utc_iso8601(w->deletion, date, sizeof(date)));
		else
			snprintf(buf, cap, "PendingDeletion");
		break;
	case VOL_KEY_ENABLED:
	case VOL_KEY_DISABLED:
	case VOL_KEY_OTHER:
		snprintf(buf, cap, "%s", w->key_state);
		break;
	case VOL_KEY_DENIED:
		snprintf(buf, cap, "access denied");
		break;
	case VOL_KEY_UNREACHABLE:
		snprintf(buf, cap, "unreachable");
		break;
	case VOL_KEY_FAILED:
		snprintf(buf, cap, "error");
		break;
	default:
		snprintf(buf, cap, "unchecked");
	}
	return buf;
}

int vol_way_unusable(const struct vol_way *w)
{
	return w->problem[0] || w->state == VOL_KEY_DISABLED ||
	       w->state == VOL_KEY_PENDING_DELETION ||
	       w->state == VOL_KEY_OTHER || w->state == VOL_KEY_FAILED;
}
