/* grow.c - grow an open volume after its devices grew (EBS ModifyVolume):
 * the dm-crypt mapping, then the mounted file system. A RAID0 array grows
 * when it is assembled (block/md.h md_plan_grow()), never running.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: volume.h (vol_grow), crypto/luks.h (luks_sizes, luks_resize),
 *      block/fs.h (fs_grow), cryptsetup(8) resize, resize2fs(8),
 *      xfs_growfs(8), docs/design.md "Growing a volume".
 *
 * Crash safety: neither step writes the LUKS header (the one segment is
 * "dynamic": at every open the mapping spans the whole device), and both
 * file-system grows are online and journaled. A cut after the mapping
 * grew and before the file system did leaves the old file system on a
 * bigger mapping; the next --grow (or open with grow=auto) grows it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "block/fs.h"
#include "block/md.h"
#include "crypto/luks.h"
#include "volume/internal.h"

/* A secret from a token (vol_unlock_tokens(), vol_ssm_unlock()) puts the
 * volume key in the keyring and grows the mapping ARG names. */
static int resize(void *arg, struct luks *l, int token, int slot,
		  const unsigned char *secret, size_t n, struct msg_error *e)
{
	const struct tab_volume *v = arg;
	int r = luks_resize(l, v->name, slot, secret, n);

	(void)token;
	if (r >= 0 || r == -EPROTO || r == -EPERM)
		return r;
	return msg_why(e, r, "cannot resize /dev/mapper/%s: %s", v->name,
		       strerror(-r));
}

/* Grow the mapping of V (header L on DEV, info LI) to the whole device:
 * without a key when its table holds the key, else with KEY or the
 * volume's ways in. 0 or -errno with E filled. */
static int grow_mapping(const struct vol_env *env, const struct tab_volume *v,
			struct luks *l, const struct luks_info *li,
			const char *dev, const void *key, size_t key_len,
			struct msg_error *e)
{
	struct vol_use use = {resize, (void *)v, 0};
	int r = luks_resize(l, v->name, -1, NULL, 0);

	if (r == -ENOKEY && key) {
		r = luks_resize(l, v->name, -1, key, key_len);
		if (r == -EPERM)
			return msg_why(e, r, "the key file opens no keyslot");
	} else if (r == -ENOKEY) {
		/* The table names its key in the kernel keyring: reloading
		 * it needs the volume key, as cryptsetup resize asks. */
		vol_say(env, MSG_INFO,
			"%s: the mapping's key is in the kernel keyring: "
			"unlocking to resize it",
			v->name);
		r = vol_unlock_ways(env, v, dev, l, li, -1, 1, &use, e);
		if (r && r != -EPROTO)
			return r;
	}
	if (r == -EPROTO)
		return refuse_header(e, dev, l->refused);
	if (r < 0)
		return msg_why(e, r, "cannot resize /dev/mapper/%s: %s",
			       v->name, strerror(-r));
	return 0;
}

/* The running RAID0 array of V over D into WANT (its /dev/mdN). When its
 * members grew, md cannot grow it running (RAID0 has no online reshape):
 * said, and it grows at its next assembly (md_assemble()). A grow md
 * would refuse (unequal growth, several zones) is an error, nothing
 * changed. 0 or -errno with E filled. */
static int array_of(const struct vol_env *env, const struct tab_volume *v,
		    const struct vol_devs *d, char *want, size_t cap,
		    struct msg_error *e)
{
	const char *devs[VOL_MAX_DEVS];
	struct md_ident id = {.name = v->name};
	struct md_member *m = calloc(VOL_MAX_DEVS, sizeof(*m));
	struct md_array arr;
	struct msg_error me = {0};
	unsigned i;
	int r, n = 0, grew;

	if (!m)
		return msg_why(e, -ENOMEM, "out of memory");
	for (i = 0; i < d->n; i++)
		devs[i] = d->path[i];
	r = n = md_find_members(&id, devs, d->n, 1, m, VOL_MAX_DEVS, &me);
	if (n >= 0)
		r = md_check_members(m, (unsigned)n, &me);
	if (!r)
		r = md_plan_grow(m, (unsigned)n, NULL, &me);
	if (r < 0) {
		r = msg_why(e, r, "cannot grow its RAID0 array: %s", me.why);
		goto out;
	}
	grew = r;
	r = md_find_running(m[0].sb.set_uuid, &arr);
	if (r != 1) {
		r = msg_why(e, r < 0 ? r : -ENODEV,
			    "its RAID0 array is not running; a volume grows "
			    "online: open it first (luks-mount %s)",
			    v->name);
		goto out;
	}
	snprintf(want, cap, "%s", arr.dev);
	if (grew)
		vol_say(env, MSG_WARN,
			"%s: its members grew, but md cannot grow a running "
			"RAID0 array: it grows at its next assembly (luks-mount "
			"--stop %s, then luks-mount %s; or a reboot), and then "
			"the mapping and file system (--grow, or grow=auto)",
			v->name, v->name, v->name);
	r = 0;
out:
	free(m);
	return r;
}

/* Bytes as "10737418240 bytes (10.0 GiB)", or MiB under a GiB, into BUF
 * (CAP bytes). */
static const char *size_text(uint64_t n, char *buf, size_t cap)
{
	int g = n >= 1 << 30;

	snprintf(buf, cap, "%llu bytes (%.1f %ciB)", (unsigned long long)n,
		 (double)n / (g ? 1 << 30 : 1 << 20), g ? 'G' : 'M');
	return buf;
}

int vol_grow(const struct vol_env *env, const struct tab_volume *v,
	     const struct vol_devs *d, const void *key, size_t key_len,
	     struct msg_error *e)
{
	struct luks_info li;
	struct luks l = {0};
	char dev[TAB_PATH], want[TAB_PATH], mp[128], a[64], b[64];
	uint64_t now, max, after, fs0 = 0, fs1 = 0;
	int r, grew = 0;

	memset(e, 0, sizeof(*e));
	msg_what(e, "grow %s", v->name);
	if (v->ephemeral)
		return msg_why(e, -EOPNOTSUPP,
			       "it is on instance store, which does not grow; "
			       "nothing was changed");
	mapper_path(v->name, mp, sizeof(mp));
	r = luks_is_active(v->name, NULL);
	if (r < 0)
		return msg_why(e, r, "cannot ask device-mapper about %s: %s",
			       v->name, strerror(-r));
	if (!r)
		return msg_why(e, -ENODEV,
			       "%s is not open; a volume grows online: open "
			       "it first (luks-mount %s)",
			       mp, v->name);
	snprintf(want, sizeof(want), "%s", d->path[0]);
	if (d->n > 1 && (r = array_of(env, v, d, want, sizeof(want), e)))
		return r;
	r = mapping_header(v, &li, dev, sizeof(dev), e);
	if (r < 0)
		return r;
	if (li.state != LUKS_STATE_READY)
		return msg_why(e, -EINVAL,
			       "%s is open on %s, which is not a provisioned "
			       "luksbox volume; nothing was changed",
			       mp, dev);
	/* A volume of stripe sets sits on its linear device, whose size is
	 * the record's (--add-devices grows it): nothing to map, the file
	 * system may still grow. */
	mapper_path(sets_linear_name(v->name, a, sizeof(a)), b, sizeof(b));
	if (rdev_of(dev) != rdev_of(want) && rdev_of(dev) != rdev_of(b))
		return msg_why(e, -EINVAL,
			       "%s is open on %s, not on its device %s; "
			       "nothing was changed",
			       mp, dev, want);
	/* Before anything is sized or unlocked: the header is untrusted. */
	if (li.policy < 0)
		return refuse_header(e, dev, li.refused);
	r = luks_load(&l, dev);
	if (r == -EPROTO)
		return refuse_header(e, dev, l.refused);
	if (r < 0)
		return msg_why(e, r, "cannot read the LUKS header of %s: %s",
			       dev, strerror(-r));
	r = luks_sizes(&l, v->name, &now, &max);
	if (r < 0) {
		r = msg_why(e, r, "cannot read the size of %s or %s: %s", mp,
			    dev, strerror(-r));
		goto out;
	}
	if (now < max) {
		r = grow_mapping(env, v, &l, &li, dev, key, key_len, e);
		if (!r)
			r = luks_sizes(&l, v->name, &after, &max);
		if (r < 0)
			goto out;
		vol_say(env, MSG_INFO, "%s: %s grew from %s to %s", v->name, mp,
			size_text(now, a, sizeof(a)),
			size_text(after, b, sizeof(b)));
		grew = 1;
		now = after;
		vol_step_done(env, "grow-mapping");
	}
	if (!has_mount(v)) {
		vol_say(env, MSG_INFO,
			"%s: %s is %s; mount point none: its file system "
			"is not grown here (resize2fs or xfs_growfs it)",
			v->name, mp, size_text(now, a, sizeof(a)));
		r = grew ? VOL_DONE_GROWN : VOL_DONE_NOTHING;
		goto out;
	}
	r = mapping_mounted(v);
	if (r <= 0) {
		r = msg_why(e, r ? r : -ENOENT,
			    "%s is not mounted on %s; a file system grows "
			    "online only: mount it (luks-mount %s) and grow "
			    "again%s",
			    mp, v->mountpoint, v->name,
			    grew ? " (the mapping has grown already)" : "");
		goto out;
	}
	/* Run whatever the sizes say: a cut between the two steps leaves
	 * a file system smaller than its mapping, and only its tool knows
	 * how much of the mapping it can use. */
	r = fs_size(v->mountpoint, &fs0);
	if (!r)
		r = fs_grow(mp, v->mountpoint, fstype_of(v));
	if (!r)
		r = fs_size(v->mountpoint, &fs1);
	if (r < 0) {
		r = msg_why(e, r, "cannot grow the %s file system on %s: %s%s",
			    fstype_of(v), v->mountpoint,
			    r == -ENOENT   ? "its tool is not installed"
			    : r == -ECHILD ? "its tool failed"
					   : strerror(-r),
			    fstype_of(v)[0] == 'x'
				    ? " (run xfs_growfs MOUNTPOINT by hand to "
				      "see why; xfsprogs has it)"
				    : " (run resize2fs /dev/mapper/NAME by "
				      "hand to see why; e2fsprogs has it)");
		goto out;
	}
	if (fs1 != fs0) {
		vol_say(env, MSG_INFO,
			"%s: the %s file system on %s grew from %s to %s",
			v->name, fstype_of(v), v->mountpoint,
			size_text(fs0, a, sizeof(a)),
			size_text(fs1, b, sizeof(b)));
		grew = 1;
	}
	if (!grew)
		vol_say(env, MSG_INFO,
			"%s: nothing to grow: %s is %s, all of %s; the file "
			"system on %s is %s",
			v->name, mp, size_text(now, a, sizeof(a)), dev,
			v->mountpoint, size_text(fs1, b, sizeof(b)));
	r = grew ? VOL_DONE_GROWN : VOL_DONE_NOTHING;
out:
	luks_fini(&l);
	return r;
}
