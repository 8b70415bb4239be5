/* devices.c - the devices of a volume: from the table or the instance
 * store, whether they are blank, and the RAID0 array over them.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: volume.h (vol_devices), internal.h, block/probe.h, block/md.h,
 *      docs/design.md "On-disk contract".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "block/ebs.h"
#include "block/instance_store.h"
#include "block/inuse.h"
#include "block/md.h"
#include "block/probe.h"
#include "kms/imds.h"
#include "lib/clock.h"
#include "volume/internal.h"

/* The device number of a block device node, 0 when it is none. */
unsigned long rdev_of(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0 || !S_ISBLK(st.st_mode))
		return 0;
	return (unsigned long)st.st_rdev;
}

const struct probe_sys *sys_of(const struct vol_env *env, struct probe_sys *s)
{
	memset(s, 0, sizeof(*s));
	s->sysfs = env->sysfs;
	return s;
}

#define ATTACH_POLL_MS 200

/* The disk of the EBS volume ID into PATH ("/dev/nvme3n1"), waiting up to
 * ENV->attach_wait_ms for it to be attached. 0 or -errno with E filled
 * (-ETIMEDOUT: still not attached, temporary). */
static int ebs_device(const struct vol_env *env, const struct tab_volume *v,
		      const char *id, char *path, size_t cap,
		      struct msg_error *e)
{
	int64_t end = deadline_in(env->attach_wait_ms);
	const char *model = env->ebs_model ? env->ebs_model : EBS_NVME_MODEL;
	struct timespec ts = {0, 0};
	struct probe_sys s;
	char name[32];
	int said = 0, r;
	int64_t ms;

	for (;;) {
		r = ebs_find(sys_of(env, &s), env->ebs_model, id, name,
			     sizeof(name));
		if (!r) {
			snprintf(path, cap, "/dev/%s", name);
			if (rdev_of(path))
				return 0;
			r = -ENOENT; /* in sysfs, its node not made yet */
		}
		if (r != -ENOENT || !deadline_left(end))
			break;
		if (!said++)
			vol_say(env, MSG_INFO,
				"%s: waiting for %s to be attached (%u s at "
				"most)",
				v->name, id,
				(env->attach_wait_ms + 999) / 1000);
		ms = deadline_left(end);
		ms = ms < ATTACH_POLL_MS ? ms : ATTACH_POLL_MS;
		ts.tv_nsec = (long)ms * 1000000L;
		nanosleep(&ts, NULL);
	}
	switch (r) {
	case -ENOENT:
		/* Temporary: an attach may be under way (exit 75). */
		return msg_why(e, -ETIMEDOUT,
			       "EBS volume %s is not attached (no NVMe disk "
			       "with serial vol%s, model \"%s\", after %u s): "
			       "attach it (aws ec2 attach-volume), then run "
			       "luks-mount again",
			       id, id + 4, model,
			       (env->attach_wait_ms + 999) / 1000);
	case -ENXIO:
		return msg_why(e, r,
			       "EBS volume %s: a Xen instance type shows no "
			       "volume ids (only Nitro types do, as NVMe "
			       "serials): name its device path instead "
			       "(/dev/xvdf)",
			       id);
	case -EPERM:
		return msg_why(e, r,
			       "EBS volume %s is the root disk (or under the "
			       "root file system): refused",
			       id);
	case -ENOTUNIQ:
		return msg_why(e, r,
			       "two NVMe disks have the serial of EBS volume "
			       "%s: refused (name the device path if this is "
			       "right)",
			       id);
	default:
		return msg_why(e, r, "cannot look for EBS volume %s: %s", id,
			       strerror(-r));
	}
}

void vol_ebs_ids(const struct vol_env *env, const struct tab_volume *v,
		 struct vol_ebs *ids)
{
	struct probe_sys s;
	char name[64];
	unsigned i;

	ids->n = 0;
	for (i = 0; !v->ephemeral && i < v->ndevices; i++) {
		char *id = ids->id[ids->n];

		if (tab_is_ebs_id(v->devices[i]))
			ids->n += snprintf(id, sizeof(ids->id[0]), "%s",
					   v->devices[i]) > 0;
		else if (!probe_dev_name(sys_of(env, &s), v->devices[i], name,
					 sizeof(name)))
			ids->n += ebs_id_of(&s, env->ebs_model, name, id,
					    sizeof(ids->id[0])) == 1;
	}
}

/* Two entries of D that are one disk (a vol- id and its path): -EINVAL. */
static int distinct(const struct vol_devs *d, struct msg_error *e)
{
	unsigned i, j;

	for (i = 0; i < d->n; i++)
		for (j = i + 1; j < d->n; j++)
			if (rdev_of(d->path[i]) == rdev_of(d->path[j]))
				return msg_why(e, -EINVAL,
					       "%s is listed twice (once by "
					       "its EBS volume id?): fix the "
					       "devices field",
					       d->path[i]);
	return 0;
}

int vol_devices(const struct vol_env *env, const struct tab_volume *v,
		struct vol_devs *d, struct msg_error *e)
{
	/* The mapping through IMDS alone (no AWS client, no credentials):
	 * luks-mount --key-file finds a Xen instance's disks too; within a
	 * volume's own timeout= when there is one. */
	struct imds_bdm b = {.limit = env->aws ? env->aws->deadline : 0};
	struct istore_map map = {imds_bdm_get, &b};
	struct probe_sys s;
	struct istore_query q = {sys_of(env, &s), env->ephemeral_model, &map};
	struct istore_list *l;
	unsigned i;
	int r;

	memset(d, 0, sizeof(*d));
	msg_what(e, "find the devices of %s", v->name);
	if (!v->ephemeral) {
		for (i = 0; i < v->ndevices; i++) {
			if (tab_is_ebs_id(v->devices[i])) {
				r = ebs_device(env, v, v->devices[i],
					       d->path[i], sizeof(d->path[i]),
					       e);
				if (r < 0)
					return r;
				continue;
			}
			if (!rdev_of(v->devices[i]))
				return msg_why(e, -ENODEV,
					       "%s is not a block device "
					       "(check the devices field)",
					       v->devices[i]);
			snprintf(d->path[i], sizeof(d->path[i]), "%s",
				 v->devices[i]);
		}
		d->n = (unsigned)v->ndevices;
		return distinct(d, e);
	}
	l = malloc(sizeof(*l));
	if (!l)
		return msg_why(e, -ENOMEM, "out of memory");
	r = istore_find(&q, l);
	imds_bdm_fini(&b);
	if (r < 0 && l->failed == ISTORE_ROOT)
		r = msg_why(e, r, "cannot tell the root disk: %s",
			    strerror(-r));
	else if (r < 0 && l->failed == ISTORE_MAPPING)
		/* Temporary (exit 75) unless IMDS refused. */
		r = msg_why(e, r,
			    "cannot list instance-store disks: read IMDS "
			    "block-device-mapping: %s",
			    imds_bdm_why(&b, r));
	else if (r < 0)
		r = msg_why(e, r, "cannot list instance-store disks: %s",
			    strerror(-r));
	else if (r == 0)
		r = msg_why(e, -ENODEV,
			    "no instance-store disk found (NVMe model \"%s\" "
			    "or IMDS block-device-mapping/ephemeralN): does "
			    "this instance type have instance storage?",
			    env->ephemeral_model ? env->ephemeral_model
						 : ISTORE_NVME_MODEL);
	else if (r > VOL_MAX_DEVS)
		r = msg_why(
			e, -E2BIG,
			"%d instance-store disks, more than the %d a volume "
			"takes: name the devices instead of `ephemeral`",
			r, VOL_MAX_DEVS);
	if (r < 0) {
		free(l);
		return r;
	}
	for (i = 0; i < l->n; i++)
		snprintf(d->path[i], sizeof(d->path[i]), "/dev/%.31s",
			 l->names[i]);
	d->n = l->n;
	free(l);
	return 0;
}

/* Are all devices of D blank (probe_blank(): no signature at either end,
 * zeros in the first and last MiB)? 1, 0 with WHY_BUF, or -errno. */
int all_blank(const struct vol_devs *d, char *why_buf, size_t cap)
{
	const char *devs[VOL_MAX_DEVS];
	struct probe_result pr;
	char desc[256];
	unsigned i, which = 0;
	int r;

	for (i = 0; i < d->n; i++)
		devs[i] = d->path[i];
	r = probe_all_blank(devs, d->n, &which, &pr);
	if (r == 0)
		snprintf(why_buf, cap, "%s holds %s", d->path[which],
			 probe_describe(&pr, desc, sizeof(desc)));
	return r;
}

/*
 * Our array for V over D: started (or found running) when every device is
 * a member of the array named V->name. Returns 1 with ARR filled, 0 when
 * the devices hold no such array, or -errno with E filled (a member
 * missing, two in one slot, geometry).
 */
int our_array(const struct vol_env *env, const struct tab_volume *v,
	      const struct vol_devs *d, struct md_array *arr,
	      struct msg_error *e)
{
	const char *devs[VOL_MAX_DEVS];
	struct md_ident id = {.name = v->name,
			      .step = env->step.fn,
			      .step_arg = env->step.arg};
	struct md_member *m = calloc(VOL_MAX_DEVS, sizeof(*m));
	struct msg_error me; /* md's, said after ours */
	unsigned i;
	int r;

	if (!m)
		return msg_why(e, -ENOMEM, "out of memory");
	for (i = 0; i < d->n; i++)
		devs[i] = d->path[i];
	/* None of the devices in the array: blank, or somebody else's. */
	r = md_find_members(&id, devs, d->n, 0, m, VOL_MAX_DEVS, &me);
	free(m);
	if (r == 0)
		return 0;
	r = md_assemble(&id, devs, d->n, 0, arr, &me);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return msg_why(e, r, "cannot assemble its RAID0 array: %s",
			       me.why);
	vol_say(env, MSG_INFO, "%s: RAID0 array %s %s (%u devices)", v->name,
		array_path(arr), arr->reused ? "already running" : "assembled",
		arr->ndevs);
	if (arr->grew_to)
		vol_say(env, MSG_INFO,
			"%s: its members grew: the array grew from %llu to "
			"%llu MiB (stripes appended, none moved)",
			v->name, (unsigned long long)arr->grew_from >> 11,
			(unsigned long long)arr->grew_to >> 11);
	if (arr->grow_err)
		vol_say(env, MSG_WARN,
			"%s: its RAID0 array is assembled at its old size: %s",
			v->name, arr->grow_why);
	return 1;
}

const char *array_path(const struct md_array *arr)
{
	return arr->link[0] ? arr->link : arr->dev;
}
