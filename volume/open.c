/* open.c - open a volume: its array, its LUKS header checked, unlocked
 * through its aws-kms tokens, its SSM parameter (or a key file), mounted;
 * blank devices provisioned or refused by the on-blank policy.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: volume.h (vol_open), internal.h, kms/token.h, crypto/luks.h,
 *      crypto/luks_policy.h.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "block/md.h"
#include "crypto/luks.h"
#include "crypto/secret.h"
#include "kms/kms.h"
#include "kms/token.h"
#include "lib/clock.h"
#include "lib/msg.h"
#include "volume/internal.h"

/* D cannot be opened as it is: provision it when the devices in CHECK are
 * all blank and the policy says format; refuse, saying why, otherwise. */
static int blank_or_refuse(const struct vol_env *env,
			   const struct tab_volume *v,
			   const struct vol_devs *check,
			   const struct vol_devs *d, const char *missing,
			   struct msg_error *e)
{
	char w[300] = "";
	int r = all_blank(check, w, sizeof(w));

	if (r < 0)
		return msg_why(e, r, "cannot read its devices: %s",
			       strerror(-r));
	if (r == 0)
		return msg_why(
			e, -ENOENT,
			"%s, and %s; nothing was changed (is this the right "
			"device? to make a new volume there, luks-setup "
			"--force)",
			missing, w);
	if (v->on_blank != TAB_ON_BLANK_FORMAT)
		return msg_why(
			e, -ENOENT,
			"%s: every device is blank (instance store after a "
			"stop/start?) and on-blank=fail; nothing was changed",
			missing);
	vol_say(env, MSG_WARN,
		"%s: every device is blank (a first boot, or instance store after "
		"a stop/start): provisioning a new volume with a new key "
		"(on-blank=format)",
		v->name);
	return vol_provision(env, v, d, e);
}

/* Open the volume ARG (its struct tab_volume) with the secret of token
 * TOKEN (vol_unlock_tokens(), vol_ssm_unlock()). */
static int activate(void *arg, struct luks *l, int token, int slot,
		    const unsigned char *secret, size_t n, struct msg_error *e)
{
	const struct tab_volume *v = arg;
	int r = luks_activate(l, v->name, slot, secret, n);

	(void)token;
	if (r >= 0 || r == -EPROTO || r == -EPERM)
		return r;
	return msg_why(e, r, "cannot activate /dev/mapper/%s: %s%s", v->name,
		       strerror(-r),
		       r == -ENOENT || r == -ENODEV
			       ? " (is the dm_crypt module loaded?)"
			       : "");
}

enum {
	BOOT_CHECK_MS = 3000, /* warn_keys(): at most this after the mount */
};

/*
 * After an unlock: a key that is disabled or pending deletion is a warning
 * at every boot, while another way still opens the volume, not on the day
 * the last one fails. Best effort, within BOOT_CHECK_MS after the mount
 * (and the run's deadline): kms:DescribeKey is optional, so a denial or
 * any other failure is a debug note. Tokens whose KMS was not reached
 * (UNREACHED) are not asked again.
 */
static void warn_keys(const struct vol_env *env, const struct tab_volume *v,
		      struct luks *l, const char *uuid, uint32_t unreached)
{
	struct vol_ways *w = malloc(sizeof(*w));
	int64_t overall = env->aws->deadline;
	struct vol_way *x;
	char st[80];
	unsigned i;

	if (!w || read_ways(l, uuid, w) < 0) {
		free(w);
		return;
	}
	env->aws->deadline = deadline_within(BOOT_CHECK_MS, overall);
	for (i = 0; i < w->n && deadline_left(env->aws->deadline); i++) {
		x = &w->way[i];
		if (strcmp(x->type, TOKEN_TYPE) || x->problem[0] ||
		    (x->token < 32 && (unreached >> x->token & 1)))
			continue;
		check_key(env, x);
		vol_key_state_text(x, st, sizeof(st));
		if (x->state == VOL_KEY_DISABLED ||
		    x->state == VOL_KEY_PENDING_DELETION)
			vol_say(env, MSG_WARN,
				"%s: KMS key %s (token %d, %s) is %s: %s",
				v->name, x->key, x->token, x->region, st,
				x->state == VOL_KEY_DISABLED
					? "this way in no longer opens the "
					  "volume; enable the key (aws kms "
					  "enable-key) or replace the token"
					: "after that date it never opens the "
					  "volume again; cancel the deletion "
					  "(aws kms cancel-key-deletion, then "
					  "enable-key) or move to another key");
		else if (x->state != VOL_KEY_ENABLED)
			vol_say(env, MSG_DEBUG,
				"%s: token %d: cannot check KMS key %s (%s: %s); "
				"kms:DescribeKey is optional, it lets luks-mount "
				"warn about keys disabled or pending deletion",
				v->name, x->token, x->key, st, x->why);
	}
	env->aws->deadline = overall;
	free(w);
}

int vol_open(const struct vol_env *env, const struct tab_volume *v,
	     const struct vol_devs *d, const void *key, size_t key_len,
	     struct msg_error *e)
{
	struct luks_info li;
	struct luks l = {0};
	struct md_array arr;
	char uuid[40], target[TAB_PATH], t[LUKS_POLICY_REASON];
	struct vol_use use = {activate, (void *)v, 0};
	int r;

	memset(e, 0, sizeof(*e));
	msg_what(e, "open %s", v->name);
	r = luks_is_active(v->name, uuid);
	if (r < 0)
		return msg_why(e, r, "cannot ask device-mapper about %s: %s",
			       v->name, strerror(-r));
	if (r == 1) {
		/* Open already: used only when its header says ready. */
		r = mapping_header(v, &li, target, sizeof(target), e);
		if (r < 0)
			return r;
		if (li.state == LUKS_STATE_PROVISIONING) {
			/* Closed unused; the header below decides: redone
			 * (on-blank=format) or refused, saying how. */
			r = close_half_made(env, v, target, e);
			if (r < 0)
				return r;
		} else {
			r = mapping_mounted(v);
			if (r < 0)
				return msg_why(
					e, r, "cannot read the mount table: %s",
					strerror(-r));
			if (r || !has_mount(v)) {
				vol_say(env, MSG_INFO, "%s: already open%s",
					v->name, r ? " and mounted" : "");
				return VOL_DONE_NOTHING;
			}
			msg_what(e, "mount %s", v->name);
			/* Opened by someone else: mounted only if the kernel's
			 * table is what luks-setup makes. */
			r = luks_check_active(v->name, t, sizeof(t));
			if (r == -EPROTO)
				return msg_why(
					e, r,
					"/dev/mapper/%s is open with a table "
					"luks-setup does not make (%s); not "
					"mounted",
					v->name, t);
			if (r < 0)
				return msg_why(e, r,
					       "cannot read the table of "
					       "/dev/mapper/%s: %s",
					       v->name, strerror(-r));
			r = mount_volume(env, v, e);
			return r ? r : VOL_DONE_OPENED;
		}
	}
	snprintf(target, sizeof(target), "%s", d->path[0]);
	if (d->n > 1) {
		r = our_array(env, v, d, &arr, e);
		if (r < 0)
			return r;
		if (r == 0)
			return blank_or_refuse(env, v, d, d,
					       "its devices hold no RAID0 "
					       "array of this name",
					       e);
		snprintf(target, sizeof(target), "%s", array_path(&arr));
	}
	r = luks_load(&l, target);
	if (r == -EINVAL && d->n == 1)
		return blank_or_refuse(env, v, d, d,
				       "no LUKS header on the device", e);
	if (r == -EINVAL) {
		/* Our array with nothing on it: a setup cut short. */
		struct vol_devs arr_dev = {.n = 1};

		snprintf(arr_dev.path[0], sizeof(arr_dev.path[0]), "%s",
			 target);
		return blank_or_refuse(env, v, &arr_dev, d,
				       "its RAID0 array holds no LUKS header",
				       e);
	}
	if (r == -EPROTO)
		return refuse_header(e, target, l.refused);
	if (r < 0)
		return msg_why(e, r, "cannot read the LUKS header of %s: %s",
			       target, strerror(-r));
	r = luks_info(&l, &li);
	if (r < 0) {
		luks_fini(&l);
		return msg_why(e, r, "cannot read the LUKS header of %s: %s",
			       target, strerror(-r));
	}
	/* A setup cut short (a power cut after the format, before the
	 * keyslots): never held data, never activated as it is; redoing it
	 * formats a new header, which is checked before its activation. */
	if (li.state == LUKS_STATE_PROVISIONING && !strcmp(li.label, v->name)) {
		luks_fini(&l);
		if (v->on_blank == TAB_ON_BLANK_FORMAT) {
			vol_say(env, MSG_WARN,
				"%s: %s holds a half-provisioned volume (setup "
				"was interrupted; it never held data): redoing it",
				v->name, target);
			return vol_provision(env, v, d, e);
		}
		return msg_why(e, -EINVAL,
			       "%s holds a half-provisioned volume (setup was "
			       "interrupted); finish it with: luks-setup %s",
			       target, v->name);
	}
	/* Before anything prints its label or asks KMS: the header is not
	 * authenticated, so it must be exactly what luks-setup writes. */
	if (li.policy < 0) {
		luks_fini(&l);
		return refuse_header(e, target, li.refused);
	}
	/* Device names move (EBS xvdf/xvdg, NVMe order): a luksbox volume
	 * labelled with another name is another volume, never mounted here. */
	if (li.state != LUKS_STATE_FOREIGN && strcmp(li.label, v->name)) {
		luks_fini(&l);
		return msg_why(
			e, -EINVAL,
			"%s holds the luksbox volume \"%s\", not \"%s\" "
			"(did device names change? fix the devices field)",
			target, li.label, v->name);
	}
	/* Stripe sets added (--add-devices): all of them joined, or none
	 * opened; never at a partial size. */
	r = sets_stack(env, v, &l, target, sizeof(target), e);
	if (r < 0) {
		luks_fini(&l);
		return r;
	}
	msg_what(e, "unlock %s", v->name);
	if (key) {
		r = luks_activate(&l, v->name, -1, key, key_len);
		if (r == -EPROTO) {
			r = refuse_header(e, target, l.refused);
			luks_fini(&l);
			return r;
		}
		if (r >= 0)
			vol_say(env, MSG_INFO,
				"%s: unlocked with keyslot %d (key "
				"file)",
				v->name, r);
		r = r >= 0 ? 0
			   : msg_why(e, r, "%s",
				     r == -EPERM
					     ? "the key file opens no keyslot"
					     : strerror(-r));
	} else {
		r = vol_unlock_ways(env, v, target, &l, &li, -1, 1, &use, e);
	}
	if (r) {
		luks_fini(&l);
		return r;
	}
	msg_what(e, "mount %s", v->name);
	r = mount_volume(env, v, e);
	if (!key)
		warn_keys(env, v, &l, li.uuid, use.unreached);
	luks_fini(&l);
	return r ? r : VOL_DONE_OPENED;
}
