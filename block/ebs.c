/* ebs.c - EBS volumes by volume id, through the NVMe controller's serial.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: block/ebs.h, EC2 User Guide "Amazon EBS and NVMe".
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "block/ebs.h"
#include "block/instance_store.h"
#include "lib/io.h"

static const char *sysfs_of(const struct probe_sys *sys)
{
	return sys && sys->sysfs ? sys->sysfs : "/sys";
}

/* "vol" and 8 or 17 lowercase hex digits, as EC2 writes the serial. */
static int ebs_serial(const char *s)
{
	size_t n = strlen(s);

	return !strncmp(s, "vol", 3) && (n == 11 || n == 20) &&
	       strspn(s + 3, "0123456789abcdef") == n - 3;
}

int ebs_find(const struct probe_sys *sys, const char *model, const char *id,
	     char *name, size_t cap)
{
	char serial[EBS_ID_MAX], names[2][32], roots[ISTORE_ROOT_MAX][32];
	char hv[16];
	unsigned i;
	int n, r;

	if (strncmp(id, "vol-", 4) || strlen(id) >= EBS_ID_MAX)
		return -EINVAL;
	snprintf(serial, sizeof(serial), "vol%s", id + 4);
	if (!ebs_serial(serial))
		return -EINVAL;
	if (!model || !*model)
		model = EBS_NVME_MODEL;
	n = istore_nvme_match(sysfs_of(sys), model, serial, NULL, 0, names, 2);
	/* Serials are unique per volume: two disks with one is no volume
	 * to format or open. */
	if (n == 2 || n == -E2BIG)
		return -ENOTUNIQ;
	if (n < 0)
		return n;
	if (n == 0) {
		char path[300];

		snprintf(path, sizeof(path), "%s/hypervisor/type",
			 sysfs_of(sys));
		if (!io_read_line(path, hv, sizeof(hv)) && !strcmp(hv, "xen"))
			return -ENXIO;
		return -ENOENT;
	}
	/* A volume id in the table must never lead to the root disk. */
	r = probe_root_disks(sys, roots, ISTORE_ROOT_MAX);
	if (r < 0)
		return r;
	for (i = 0; i < (unsigned)r; i++)
		if (!strcmp(roots[i], names[0]))
			return -EPERM;
	if (strlen(names[0]) >= cap)
		return -E2BIG;
	memcpy(name, names[0], strlen(names[0]) + 1);
	return 0;
}

int ebs_id_of(const struct probe_sys *sys, const char *model, const char *name,
	      char *id, size_t cap)
{
	char line[128];

	if (!model || !*model)
		model = EBS_NVME_MODEL;
	if (istore_attr(sysfs_of(sys), name, "model", line, sizeof(line)) ||
	    strcmp(line, model) ||
	    istore_attr(sysfs_of(sys), name, "serial", line, sizeof(line)) ||
	    !ebs_serial(line))
		return 0;
	if ((size_t)snprintf(id, cap, "vol-%s", line + 3) >= cap)
		return -E2BIG;
	return 1;
}
