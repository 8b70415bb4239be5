/* instance_store.c - the one discovery of a machine's instance-store disks.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: block/instance_store.h, EC2 User Guide "Instance store volumes".
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* strverscmp with glibc */
#endif
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "block/instance_store.h"
#include "lib/io.h"
#include "lib/msg.h"

#define EPH "ephemeral"
#define EPH_LEN 9
#define KEY_MAX 32 /* "ephemeralN" and its NUL */

static int by_version(const void *a, const void *b)
{
	return strverscmp(a, b);
}

static int listed(const char *name, const char (*list)[32], unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++)
		if (!strcmp(list[i], name))
			return 1;
	return 0;
}

/* "nvme<ctrl>n<ns>" exactly: not partitions, not hidden paths (nvmeXcYnZ). */
static int nvme_disk(const char *s)
{
	if (strncmp(s, "nvme", 4))
		return 0;
	s += 4;
	if (!isdigit((unsigned char)*s))
		return 0;
	while (isdigit((unsigned char)*s))
		s++;
	if (*s++ != 'n' || !isdigit((unsigned char)*s))
		return 0;
	while (isdigit((unsigned char)*s))
		s++;
	return *s == '\0';
}

/* Strip leading and trailing blanks in place. */
static char *trim(char *s)
{
	size_t n;

	while (isspace((unsigned char)*s))
		s++;
	n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* NAME into NAMES[*N] unless it is there already (or too long to be a
 * kernel name): 0, or -E2BIG when there is no room for it. */
static int add_name(char (*names)[32], unsigned *n, unsigned max,
		    const char *name)
{
	unsigned k;

	if (strlen(name) >= 32)
		return 0;
	for (k = 0; k < *n; k++)
		if (!strcmp(names[k], name))
			return 0;
	if (*n == max)
		return -E2BIG;
	memcpy(names[*n], name, strlen(name) + 1);
	(*n)++;
	return 0;
}

int istore_attr(const char *sysfs, const char *name, const char *attr,
		char *buf, size_t cap)
{
	char path[512], *t;
	int r;

	snprintf(path, sizeof(path), "%s/block/%s/device/%s",
		 sysfs ? sysfs : "/sys", name, attr);
	r = io_read_line(path, buf, cap);
	if (r)
		return r;
	t = trim(buf);
	memmove(buf, t, strlen(t) + 1);
	return 0;
}

int istore_nvme_match(const char *sysfs, const char *model, const char *serial,
		      const char (*roots)[32], unsigned nroot,
		      char (*names)[32], unsigned max)
{
	char path[512], line[128];
	DIR *d;
	struct dirent *e;
	unsigned n = 0;
	int r = 0;

	if (!sysfs)
		sysfs = "/sys";
	snprintf(path, sizeof(path), "%s/block", sysfs);
	d = opendir(path);
	if (!d)
		return -errno;
	while (!r && (e = readdir(d))) {
		if (!nvme_disk(e->d_name) || strlen(e->d_name) >= 32 ||
		    listed(e->d_name, roots, nroot))
			continue;
		if (istore_attr(sysfs, e->d_name, "model", line,
				sizeof(line)) ||
		    strcmp(line, model))
			continue;
		/* The kernel pads the serial with blanks (NVMe's 20 bytes). */
		if (serial && (istore_attr(sysfs, e->d_name, "serial", line,
					   sizeof(line)) ||
			       strcmp(line, serial)))
			continue;
		r = add_name(names, &n, max, e->d_name);
	}
	closedir(d);
	if (r)
		return r;
	qsort(names, n, sizeof(*names), by_version);
	return (int)n;
}

int istore_nvme(const char *sysfs, const char *model, const char (*roots)[32],
		unsigned nroot, char (*names)[32], unsigned max)
{
	/* Never from the environment: the model decides which disks may be
	 * formatted (the test build's applets pass qemu's). */
	if (!model || !*model)
		model = ISTORE_NVME_MODEL;
	return istore_nvme_match(sysfs, model, NULL, roots, nroot, names, max);
}

int istore_map_xen(const char *sysfs, const char (*devs)[ISTORE_DEV],
		   unsigned n, const char (*roots)[32], unsigned nroot,
		   char (*names)[32], unsigned max)
{
	char path[512], cand[2][40];
	unsigned i, j, found = 0;
	int r;

	if (!sysfs)
		sysfs = "/sys";
	for (i = 0; i < n; i++) {
		const char *v = devs[i];

		if (!strncmp(v, "/dev/", 5))
			v += 5;
		if (!*v || strlen(v) > 30 || strchr(v, '/'))
			continue;
		snprintf(cand[0], sizeof(cand[0]), "%s", v);
		cand[1][0] = '\0';
		/* Xen's blkfront names the EC2 "sdX" device "xvdX". */
		if (!strncmp(v, "sd", 2))
			snprintf(cand[1], sizeof(cand[1]), "xvd%s", v + 2);
		else if (!strncmp(v, "xvd", 3))
			snprintf(cand[1], sizeof(cand[1]), "sd%s", v + 3);
		for (j = 0; j < 2; j++) {
			if (!cand[j][0])
				continue;
			snprintf(path, sizeof(path), "%s/block/%s", sysfs,
				 cand[j]);
			if (access(path, F_OK))
				continue;
			if (listed(cand[j], roots, nroot))
				break;
			r = add_name(names, &found, max, cand[j]);
			if (r)
				return r;
			break;
		}
	}
	return (int)found;
}

/* Any whole sdX or xvdX disk besides the root disks: a Xen-era machine
 * whose instance store only the block-device mapping can name. */
static int xen_style_disks(const char *sysfs, const char (*roots)[32],
			   unsigned nroot)
{
	char path[300];
	DIR *d;
	struct dirent *e;
	int hit = 0;

	snprintf(path, sizeof(path), "%s/block", sysfs ? sysfs : "/sys");
	d = opendir(path);
	if (!d)
		return 0;
	while (!hit && (e = readdir(d)))
		hit = (!strncmp(e->d_name, "sd", 2) ||
		       !strncmp(e->d_name, "xvd", 3)) &&
		      !listed(e->d_name, roots, nroot);
	closedir(d);
	return hit;
}

/* "ephemeralN" with N decimal, short enough for a key. */
static int eph_key(const char *s)
{
	const char *p = s + EPH_LEN;

	return !strncmp(s, EPH, EPH_LEN) && *p &&
	       strspn(p, "0123456789") == strlen(p) && strlen(s) < KEY_MAX;
}

/* ephemeralN in N order (an N too long for strtoull saturates: defined,
 * and such keys only tie). */
static int by_eph_index(const void *a, const void *b)
{
	unsigned long long x = strtoull((const char *)a + EPH_LEN, NULL, 10);
	unsigned long long y = strtoull((const char *)b + EPH_LEN, NULL, 10);

	return (x > y) - (x < y);
}

/* A failure of MAP->get() as istore_find() returns it (see the header). */
static int map_err(int err)
{
	if (err == -EPROTO || err == -EINVAL || err_temporary(err))
		return err;
	return -EAGAIN;
}

/* The mapping's ephemeralN devices, in N order, into DEVS (MAX). */
static int read_map(const struct istore_map *map, char (*devs)[ISTORE_DEV],
		    unsigned max)
{
	char *list, (*keys)[KEY_MAX], val[ISTORE_MAP_VALUE];
	char *line, *save = NULL;
	unsigned nkeys = 0, i, n = 0;
	int r;

	list = malloc(ISTORE_MAP_LIST);
	keys = calloc(max, sizeof(*keys));
	r = -ENOMEM;
	if (!list || !keys)
		goto out;
	r = map->get(map->arg, "", list, ISTORE_MAP_LIST);
	if (r == -ENOENT)
		r = 0, list[0] = '\0'; /* no mapping at all */
	if (r < 0) {
		r = map_err(r);
		goto out;
	}
	for (line = strtok_r(list, "\r\n", &save); line;
	     line = strtok_r(NULL, "\r\n", &save)) {
		if (!eph_key(line))
			continue;
		if (nkeys == max) {
			r = -E2BIG;
			goto out;
		}
		memcpy(keys[nkeys++], line, strlen(line) + 1);
	}
	qsort(keys, nkeys, sizeof(*keys), by_eph_index);
	for (i = 0; i < nkeys; i++) {
		r = map->get(map->arg, keys[i], val, sizeof(val));
		if (r == -ENOENT)
			continue;
		if (r < 0) {
			r = map_err(r);
			goto out;
		}
		val[strcspn(val, " \t\r\n")] = '\0';
		if (val[0] && strlen(val) < ISTORE_DEV)
			memcpy(devs[n++], val, strlen(val) + 1);
	}
	r = (int)n;
out:
	free(list);
	free(keys);
	return r;
}

int istore_find(const struct istore_query *q, struct istore_list *out)
{
	const char *sysfs = q->sys && q->sys->sysfs ? q->sys->sysfs : "/sys";
	char roots[ISTORE_ROOT_MAX][32], (*devs)[ISTORE_DEV];
	unsigned nroot;
	int r;

	memset(out, 0, sizeof(*out));
	r = probe_root_disks(q->sys, roots, ISTORE_ROOT_MAX);
	if (r < 0) {
		out->failed = ISTORE_ROOT;
		return r;
	}
	nroot = (unsigned)r;
	r = istore_nvme(sysfs, q->model, roots, nroot, out->names, ISTORE_MAX);
	if (r > 0)
		out->source = ISTORE_NVME;
	if (r || !q->map || !xen_style_disks(sysfs, roots, nroot))
		goto out;
	/* No NVMe instance store: a Xen type names its own only in the
	 * block-device mapping. */
	devs = calloc(ISTORE_MAX, sizeof(*devs));
	r = devs ? read_map(q->map, devs, ISTORE_MAX) : -ENOMEM;
	if (r < 0) {
		free(devs);
		out->failed = ISTORE_MAPPING;
		return r;
	}
	r = istore_map_xen(sysfs, (const char(*)[ISTORE_DEV])devs, (unsigned)r,
			   roots, nroot, out->names, ISTORE_MAX);
	free(devs);
	if (r > 0)
		out->source = ISTORE_XEN;
out:
	if (r < 0) {
		out->failed = ISTORE_SCAN;
		return r;
	}
	out->n = (unsigned)r;
	return r;
}
