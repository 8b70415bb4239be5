/* close.c - close a volume: unmount, close the mapping, stop its own
 * RAID0 array (never one that only shares its name).
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: volume.h (vol_close), internal.h, md(4), sysfs block/NAME/slaves.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "block/fs.h"
#include "block/inuse.h"
#include "block/md.h"
#include "block/probe.h"
#include "crypto/luks.h"
#include "volume/internal.h"

/* Is NAME a kernel md name ("md" and digits)? */
static int md_kname(const char *name)
{
	size_t i;

	if (strncmp(name, "md", 2) || !name[2])
		return 0;
	for (i = 2; name[i]; i++)
		if (name[i] < '0' || name[i] > '9')
			return 0;
	return i < 16;
}

/* The one slave of the block device DEVNO (a dm-crypt mapping has one),
 * into NAME. 1, or 0 when there is none or more than one. */
static int only_slave(const struct vol_env *env, unsigned long devno,
		      char *name, size_t cap)
{
	char path[PATH_MAX];
	struct dirent *de;
	int n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "%s/dev/block/%u:%u/slaves",
		 env->sysfs ? env->sysfs : "/sys", major(devno), minor(devno));
	d = opendir(path);
	if (!d)
		return 0;
	name[0] = '\0';
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' && n++ == 0 &&
		    strlen(de->d_name) < cap)
			memcpy(name, de->d_name, strlen(de->d_name) + 1);
	closedir(d);
	return n == 1;
}

/*
 * Which running md array is V's, to stop after closing it: the array its
 * open mapping sits on, or (no mapping) the array /dev/md/NAME when every
 * member of it is one of V's devices. A name is not an identity: an array
 * called NAME that somebody else made on other disks is never ours, and a
 * single-device volume has no array. 1 with MD ("mdN"), 0, or -errno.
 */
static int our_running_array(const struct vol_env *env,
			     const struct tab_volume *v, char *md, size_t cap)
{
	char mp[128], link[80], target[64], path[PATH_MAX], kname[64];
	unsigned long mapping = rdev_of(mapper_path(v->name, mp, sizeof(mp)));
	struct vol_devs *devs;
	struct msg_error e2;
	struct probe_sys s;
	struct dirent *de;
	const char *base;
	unsigned i, members = 0, ours = 0;
	ssize_t n;
	DIR *d;

	if (!v->ephemeral && v->ndevices < 2)
		return 0;
	if (mapping)
		return only_slave(env, mapping, md, cap) && md_kname(md);
	snprintf(link, sizeof(link), "/dev/md/%s", v->name);
	n = readlink(link, target, sizeof(target) - 1);
	if (n <= 0)
		return 0;
	target[n] = '\0';
	base = strrchr(target, '/') ? strrchr(target, '/') + 1 : target;
	if (!md_kname(base))
		return 0;
	devs = calloc(1, sizeof(*devs));
	if (!devs)
		return -ENOMEM;
	/* Devices that cannot be found now: nothing proves the array ours. */
	if (vol_devices(env, v, devs, &e2)) {
		free(devs);
		return 0;
	}
	snprintf(path, sizeof(path), "%s/block/%s/slaves",
		 env->sysfs ? env->sysfs : "/sys", base);
	d = opendir(path);
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		members++;
		for (i = 0; i < devs->n; i++)
			if (!probe_dev_name(sys_of(env, &s), devs->path[i],
					    kname, sizeof(kname)) &&
			    !strcmp(kname, de->d_name)) {
				ours++;
				break;
			}
	}
	if (d)
		closedir(d);
	free(devs);
	if (!members || ours != members)
		return 0;
	snprintf(md, cap, "%s", base);
	return 1;
}

int vol_close(const struct vol_env *env, const struct tab_volume *v,
	      struct msg_error *e)
{
	struct msg_error me; /* md's, said after ours */
	char md[64] = "";
	int r, stop;

	memset(e, 0, sizeof(*e));
	msg_what(e, "close %s", v->name);
	r = mapping_mounted(v);
	if (r < 0)
		return msg_why(e, r, "cannot read the mount table: %s",
			       strerror(-r));
	if (r) {
		r = fs_umount(v->mountpoint);
		if (r < 0)
			return msg_why(e, r, "cannot unmount %s: %s%s",
				       v->mountpoint, strerror(-r),
				       r == -EBUSY
					       ? " (stop what uses it: fuser "
						 "-vm MOUNTPOINT tells)"
					       : "");
		vol_say(env, MSG_INFO, "%s: unmounted %s", v->name,
			v->mountpoint);
	}
	/* Learnt before closing: afterwards nothing says what it sat on. */
	stop = our_running_array(env, v, md, sizeof(md));
	if (stop < 0)
		return msg_why(e, stop,
			       "cannot tell which RAID0 array is its own: %s",
			       strerror(-stop));
	r = luks_is_active(v->name, NULL);
	if (r == 1) {
		r = luks_deactivate(v->name);
		if (r < 0)
			return msg_why(e, r, "cannot close /dev/mapper/%s: %s",
				       v->name,
				       r == -EBUSY
					       ? "in use (mounted elsewhere?)"
					       : strerror(-r));
		vol_say(env, MSG_INFO, "%s: closed /dev/mapper/%s", v->name,
			v->name);
	}
	/* Added stripe sets: their linear device, then their arrays. */
	r = sets_stop(env, v, e);
	if (r < 0)
		return r;
	if (stop) {
		r = md_stop(md, &me);
		if (r == 0)
			vol_say(env, MSG_INFO,
				"%s: stopped its RAID0 array /dev/%s", v->name,
				md);
		else if (r != -ENOENT)
			return msg_why(
				e, r, "cannot stop its RAID0 array /dev/%s: %s",
				md, me.why);
	}
	return 0;
}
