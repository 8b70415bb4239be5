/* mapping.c - /dev/mapper/NAME of a volume: its mount, and a mapping found
 * open (an earlier run, or one killed midway).
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: volume.h (why a half-made volume never held data), internal.h,
 *      crypto/luks.h, block/fs.h.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "block/fs.h"
#include "crypto/luks.h"
#include "volume/internal.h"

const char *mapper_path(const char *name, char *buf, size_t cap)
{
	snprintf(buf, cap, "/dev/mapper/%s", name);
	return buf;
}

int has_mount(const struct tab_volume *v)
{
	return v->mountpoint[0] && strcmp(v->mountpoint, "none");
}

const char *fstype_of(const struct tab_volume *v)
{
	return v->fstype[0] ? v->fstype : "ext4";
}

/* Is the mapping of V mounted on its mount point? 1, 0 or -errno. */
int mapping_mounted(const struct tab_volume *v)
{
	char mp[128];
	unsigned long dev, want = rdev_of(mapper_path(v->name, mp, sizeof(mp)));
	int r;

	if (!has_mount(v) || !want)
		return 0;
	r = fs_mounted_on(v->mountpoint, &dev);
	if (r <= 0)
		return r;
	return dev == want;
}

int mount_volume(const struct vol_env *env, const struct tab_volume *v,
		 struct msg_error *e)
{
	char mp[128];
	int r;

	if (!has_mount(v))
		return 0;
	r = fs_mount(mapper_path(v->name, mp, sizeof(mp)), v->mountpoint,
		     fstype_of(v), v->mount_opts[0] ? v->mount_opts : NULL);
	if (r < 0)
		return msg_why(e, r, "cannot mount %s on %s: %s%s", mp,
			       v->mountpoint, strerror(-r),
			       r == -EBUSY
				       ? " (something else is mounted there)"
				       : "");
	vol_say(env, MSG_INFO, "%s: mounted on %s", v->name, v->mountpoint);
	return 0;
}

/*
 * /dev/mapper/NAME of V is open already (an earlier run, or one killed
 * midway with the mapping open): read the LUKS header of the device under
 * it afresh into LI. Returns 0, or -errno with E filled: the device under
 * it is unknown or holds no LUKS header, or the header is another luksbox
 * volume's (never used, closed or redone here).
 */
int mapping_header(const struct tab_volume *v, struct luks_info *li, char *dev,
		   size_t cap, struct msg_error *e)
{
	char label[sizeof(li->label)];
	int r = luks_active_device(v->name, dev, cap);
	size_t i;

	if (r < 0)
		return msg_why(
			e, r == -EINVAL ? -EEXIST : r,
			"/dev/mapper/%s is open, but not as a LUKS volume "
			"luksbox can read (%s); nothing was changed: close "
			"it (cryptsetup close %s) if it is stale",
			v->name, strerror(-r), v->name);
	r = luks_probe(dev, li);
	if (r < 0)
		return msg_why(
			e, r == -EINVAL ? -EEXIST : r,
			"/dev/mapper/%s is open on %s, whose LUKS header "
			"cannot be read (%s); nothing was changed",
			v->name, dev, strerror(-r));
	if (li->state == LUKS_STATE_FOREIGN || !strcmp(li->label, v->name))
		return 0;
	/* The label came from a disk: no control bytes on the console. */
	for (i = 0; i < sizeof(label) - 1 && li->label[i]; i++)
		label[i] = li->label[i] >= 0x20 && li->label[i] < 0x7f
				   ? li->label[i]
				   : '?';
	label[i] = '\0';
	return msg_why(e, -EEXIST,
		       "/dev/mapper/%s is open on %s, which holds the luksbox "
		       "volume \"%s\", not \"%s\"; nothing was changed (close "
		       "it: cryptsetup close %s)",
		       v->name, dev, label, v->name, v->name);
}

/*
 * Close the open mapping of V, whose header on DEV says "provisioning": a
 * setup cut short after the mapping was opened (killed, or the boot
 * watchdog). The header is marked ready before the file system is first
 * mounted, so such a volume never held data, unless someone mounted it
 * by hand: then it is refused, never closed, used or redone. Returns 0
 * (closed: the caller redoes the setup or says how), or -errno with E.
 */
int close_half_made(const struct vol_env *env, const struct tab_volume *v,
		    const char *dev, struct msg_error *e)
{
	char mp[128];
	unsigned long rdev = rdev_of(mapper_path(v->name, mp, sizeof(mp)));
	int r = rdev ? fs_dev_in_use(rdev) : 0;

	if (r < 0)
		return msg_why(e, r, "cannot read the mount table: %s",
			       strerror(-r));
	/* Mounted by hand: it may hold data now; redoing it would lose it. */
	if (r)
		return msg_why(
			e, -EEXIST,
			"%s is open and MOUNTED, but its header on %s says "
			"its setup never finished: it may hold data, so it "
			"is neither used nor redone. Copy the data off, "
			"unmount it, then luks-mount --stop %s and "
			"luks-setup %s (a new volume)",
			mp, dev, v->name, v->name);
	r = fs_ever_mounted(mp);
	if (r < 0)
		return msg_why(e, r, "cannot read %s: %s", mp, strerror(-r));
	if (r)
		return msg_why(
			e, -EEXIST,
			"%s is open and its header on %s says its setup "
			"never finished, but its file system was mounted "
			"before: it may hold data, so it is neither used "
			"nor redone. Copy the data off (mount it read-only "
			"by hand), then luks-mount --stop %s and luks-setup "
			"%s (a new volume)",
			mp, dev, v->name, v->name);
	r = luks_deactivate(v->name);
	if (r < 0)
		return msg_why(e, r,
			       "cannot close the half-made %s: %s; nothing was "
			       "changed (fuser -v %s tells who holds it)",
			       mp, strerror(-r), mp);
	vol_say(env, MSG_WARN,
		"%s: %s was open on %s, whose setup never finished (killed "
		"midway?): closed it, unused",
		v->name, mp, dev);
	return 0;
}
