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

#include "block/md.h"
#include "block/probe.h"
#include "kms/creds.h"
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

/* Xen instance types: IMDS block-device-mapping/ephemeralN -> disks. */
static int xen_ephemeral(const struct vol_env *env, char (*roots)[32],
			 unsigned nroot, char (*names)[32], unsigned max)
{
	char list[1024], val[8][64], path[96], *line, *save = NULL;
	const char *bdm[8], *root_ptr[8];
	unsigned n = 0, i;
	int r;

	if (!env->aws)
		return 0;
	r = imds_get(&env->aws->imds, "/latest/meta-data/block-device-mapping/",
		     list, sizeof(list), env->aws->deadline);
	if (r < 0)
		return 0; /* no IMDS here: no Xen instance store either */
	for (line = strtok_r(list, "\n", &save); line && n < 8;
	     line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "ephemeral", 9))
			continue;
		snprintf(path, sizeof(path),
			 "/latest/meta-data/block-device-mapping/%s", line);
		r = imds_get(&env->aws->imds, path, val[n], sizeof(val[n]),
			     env->aws->deadline);
		if (r > 0) {
			val[n][strcspn(val[n], "\r\n")] = '\0';
			bdm[n] = val[n];
			n++;
		}
	}
	for (i = 0; i < nroot && i < 8; i++)
		root_ptr[i] = roots[i];
	return md_map_xen_ephemeral(env->sysfs, bdm, n, root_ptr,
				    nroot < 8 ? nroot : 8, names, max);
}

int vol_devices(const struct vol_env *env, const struct tab_volume *v,
		struct vol_devs *d, struct vol_error *e)
{
	char roots[8][32], names[VOL_MAX_DEVS][32];
	const char *root_ptr[8];
	struct probe_sys s;
	unsigned i;
	int r, nroot;

	memset(d, 0, sizeof(*d));
	what(e, "find the devices of %s", v->name);
	if (!v->ephemeral) {
		for (i = 0; i < v->ndevices; i++) {
			if (!rdev_of(v->devices[i]))
				return why(e, -ENODEV,
					   "%s is not a block device "
					   "(check the devices field)",
					   v->devices[i]);
			snprintf(d->path[i], sizeof(d->path[i]), "%s",
				 v->devices[i]);
		}
		d->n = (unsigned)v->ndevices;
		return 0;
	}
	nroot = probe_root_disks(sys_of(env, &s), roots, 8);
	if (nroot < 0)
		return why(e, nroot, "cannot tell the root disk: %s",
			   strerror(-nroot));
	for (i = 0; i < (unsigned)nroot; i++)
		root_ptr[i] = roots[i];
	r = md_list_ephemeral(env->sysfs, env->ephemeral_model, root_ptr,
			      (unsigned)nroot, names, VOL_MAX_DEVS);
	if (r == 0)
		r = xen_ephemeral(env, roots, (unsigned)nroot, names,
				  VOL_MAX_DEVS);
	if (r < 0)
		return why(e, r, "cannot list instance-store disks: %s",
			   strerror(-r));
	if (r == 0)
		return why(e, -ENODEV,
			   "no instance-store disk found (NVMe model \"%s\" "
			   "or IMDS block-device-mapping/ephemeralN): does "
			   "this instance type have instance storage?",
			   env->ephemeral_model ? env->ephemeral_model
						: MD_EPHEMERAL_MODEL);
	for (i = 0; i < (unsigned)r; i++)
		snprintf(d->path[i], sizeof(d->path[i]), "/dev/%.31s",
			 names[i]);
	d->n = (unsigned)r;
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
	      struct vol_error *e)
{
	const char *devs[VOL_MAX_DEVS];
	struct md_ident id = {.name = v->name};
	struct md_member *m = calloc(VOL_MAX_DEVS, sizeof(*m));
	char w[512] = "";
	unsigned i;
	int r;

	if (!m)
		return why(e, -ENOMEM, "out of memory");
	for (i = 0; i < d->n; i++)
		devs[i] = d->path[i];
	/* None of the devices in the array: blank, or somebody else's. */
	r = md_find_members(&id, devs, d->n, 0, m, VOL_MAX_DEVS, w, sizeof(w));
	free(m);
	if (r == 0)
		return 0;
	r = md_assemble(&id, devs, d->n, 0, arr, w, sizeof(w));
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return why(e, r, "cannot assemble its RAID0 array: %s",
			   w[0] ? w : strerror(-r));
	say(env, VOL_INFO, "%s: RAID0 array %s %s (%u devices)", v->name,
	    array_path(arr), arr->reused ? "already running" : "assembled",
	    arr->ndevs);
	return 1;
}

const char *array_path(const struct md_array *arr)
{
	return arr->link[0] ? arr->link : arr->dev;
}
