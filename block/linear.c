/* linear.c - a device-mapper linear device over whole block devices.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: block/linear.h, libdevmapper.h, kernel Documentation/admin-guide/
 *      device-mapper/linear.rst ("linear DEV OFFSET" per target).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <libdevmapper.h>

#include "block/linear.h"
#include "lib/dmtask.h"

/* TYPE (CREATE or RELOAD) of NAME with the table SEGS. 0 or -errno. */
static int load(int type, const char *name, const struct linear_seg *segs,
		unsigned n)
{
	struct dm_task *t = dm_task_create(type);
	uint64_t at = 0;
	char params[64];
	unsigned i;
	int r = 0;

	if (!t)
		return -ENOMEM;
	if (!dm_task_set_name(t, name))
		r = -ENOMEM;
	for (i = 0; !r && i < n; i++) {
		snprintf(params, sizeof(params), "%u:%u 0",
			 major(segs[i].devno), minor(segs[i].devno));
		if (!dm_task_add_target(t, at, segs[i].sectors, "linear",
					params))
			r = -ENOMEM;
		at += segs[i].sectors;
	}
	if (!r && !dm_task_run(t))
		r = dm_task_get_errno(t) ? -dm_task_get_errno(t) : -EIO;
	dm_task_destroy(t);
	dm_task_update_nodes();
	return r;
}

/* Does NAME exist? 1 with *DEVNO, 0, or -errno. (A table query on a
 * name that does not exist fails; an info query says so.) */
static int exists(const char *name, unsigned long *devno)
{
	struct dm_task *t;
	struct dm_info info;
	int r;

	/* No device-mapper at all (its module not loaded): none exists. */
	if (access("/sys/class/misc/device-mapper", F_OK))
		return 0;
	dmtask_quiet();
	t = dm_task_create(DM_DEVICE_INFO);
	if (!t)
		return -ENOMEM;
	if (!dm_task_set_name(t, name) || !dm_task_run(t) ||
	    !dm_task_get_info(t, &info))
		r = -EIO;
	else
		r = info.exists ? 1 : 0;
	if (r == 1)
		*devno = makedev(info.major, info.minor);
	dm_task_destroy(t);
	return r;
}

int linear_get(const char *name, unsigned long *devno, struct linear_seg *segs,
	       unsigned *n)
{
	struct dm_task *t;
	uint64_t start, length;
	char *type = NULL, *params = NULL;
	unsigned maj, min, k = 0;
	unsigned long long off;
	unsigned long dev;
	void *next = NULL;
	int r = exists(name, &dev);

	if (r <= 0)
		return r;
	if (devno)
		*devno = dev;
	t = dm_task_create(DM_DEVICE_TABLE);
	if (!t)
		return -ENOMEM;
	if (!dm_task_set_name(t, name) || !dm_task_run(t)) {
		r = -EIO;
		goto out;
	}
	do {
		next = dm_get_next_target(t, next, &start, &length, &type,
					  &params);
		if (!type || strcmp(type, "linear") || !params ||
		    sscanf(params, "%u:%u %llu", &maj, &min, &off) != 3 ||
		    off || k >= LINEAR_MAX_SEGS) {
			r = -EINVAL;
			break;
		}
		if (segs) {
			segs[k].devno = makedev(maj, min);
			segs[k].sectors = length;
		}
		k++;
	} while (next);
	if (n)
		*n = k;
out:
	dm_task_destroy(t);
	return r;
}

int linear_set(const char *name, const struct linear_seg *segs, unsigned n,
	       unsigned long *devno)
{
	unsigned i;
	int r;

	if (!n || n > LINEAR_MAX_SEGS)
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (!segs[i].sectors || segs[i].sectors % 8)
			return -EINVAL;
	r = linear_get(name, NULL, NULL, NULL);
	/* Not ours to replace: another kind of device under this name. */
	if (r < 0)
		return r;
	if (r == 0) {
		/* CREATE with a table loads and resumes it in one task. */
		r = load(DM_DEVICE_CREATE, name, segs, n);
	} else {
		r = load(DM_DEVICE_RELOAD, name, segs, n);
		if (!r)
			r = dmtask_swap(name);
	}
	if (r)
		return r;
	return linear_get(name, devno, NULL, NULL) == 1 ? 0 : -EIO;
}

int linear_remove(const char *name)
{
	struct timespec ts = {0, 100000000L};
	unsigned long dev;
	int r = exists(name, &dev), tries = 20;

	if (r <= 0)
		return r ? r : -ENODEV;
	/* The device above it may take a moment to let go after its own
	 * removal (a prober's open; libcryptsetup retries the same way). */
	while ((r = dmtask_simple(DM_DEVICE_REMOVE, name)) == -EBUSY && --tries)
		nanosleep(&ts, NULL);
	return r;
}
