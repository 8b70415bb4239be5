/* inuse.c - is a block device in use: the root disk, mounts, swap,
 * holders, open file descriptors.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: block/inuse.h, proc(5) (mountinfo, swaps, /proc/PID/fd),
 *      sysfs-block ABI (holders, slaves, partition).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "block/inuse.h"
#include "lib/io.h"
#include "lib/mountinfo.h"

enum {
	MAX_WALK = 8, /* dm/md stacking depth we follow */
};

static const char *sysfs_of(const struct probe_sys *sys)
{
	return sys && sys->sysfs ? sys->sysfs : "/sys";
}

static int copy_name(char *dst, size_t len, const char *src)
{
	size_t n = strlen(src);

	if (n >= len)
		return -ENAMETOOLONG;
	memcpy(dst, src, n + 1);
	return 0;
}

/* NAME of the device whose sysfs link is PATH: the last component. */
static int name_of_link(const char *path, char *name, size_t len)
{
	char buf[PATH_MAX];
	ssize_t n = readlink(path, buf, sizeof(buf) - 1);
	const char *base;

	if (n < 0)
		return -errno;
	buf[n] = '\0';
	base = strrchr(buf, '/') ? strrchr(buf, '/') + 1 : buf;
	return copy_name(name, len, base);
}

int probe_dev_name(const struct probe_sys *sys, const char *path, char *name,
		   size_t len)
{
	char link[PATH_MAX];
	struct stat st;

	if (stat(path, &st))
		return -errno;
	if (!S_ISBLK(st.st_mode))
		return -ENOTBLK;
	snprintf(link, sizeof(link), "%s/dev/block/%u:%u", sysfs_of(sys),
		 major(st.st_rdev), minor(st.st_rdev));
	return name_of_link(link, name, len);
}

/* The whole disk NAME belongs to (itself when it is not a partition). */
static int whole_disk(const char *sysfs, const char *name, char *out,
		      size_t len)
{
	char path[PATH_MAX], real[PATH_MAX], *dir;

	snprintf(path, sizeof(path), "%s/class/block/%s/partition", sysfs,
		 name);
	if (access(path, F_OK))
		return copy_name(out, len, name);
	snprintf(path, sizeof(path), "%s/class/block/%s", sysfs, name);
	if (!realpath(path, real))
		return -errno;
	dir = dirname(real);
	return copy_name(out, len, basename(dir));
}

/* The last mount on "/" (the one on top). */
struct root_mnt {
	int have;
	unsigned maj, min;
	char source[MOUNTINFO_PATH];
};

static int last_root(const struct mountinfo *e, void *arg)
{
	struct root_mnt *rm = arg;

	if (strcmp(e->dir, "/"))
		return 0;
	rm->have = 1;
	rm->maj = e->maj;
	rm->min = e->min;
	memcpy(rm->source, e->source, sizeof(rm->source));
	return 0;
}

/* The kernel name of what is mounted on "/", into NAME. 0 when "/" is not
 * on a block device we can name. */
static int root_dev(const struct probe_sys *sys, char *name, size_t len)
{
	char link[PATH_MAX];
	const char *sysfs = sysfs_of(sys);
	struct root_mnt root = {0};
	int r;

	r = mountinfo_each(sys ? sys->mountinfo : NULL, last_root, &root);
	if (r < 0)
		return r;
	if (!root.have)
		return 0;
	if (root.maj) {
		snprintf(link, sizeof(link), "%s/dev/block/%u:%u", sysfs,
			 root.maj, root.min);
		r = name_of_link(link, name, len);
		if (!r)
			return 1;
	}
	/* btrfs and others show an anonymous 0:N: go by the source. */
	if (!strncmp(root.source, "/dev/", 5)) {
		const char *base = strrchr(root.source, '/') + 1;

		snprintf(link, sizeof(link), "%s/class/block/%s", sysfs, base);
		if (!access(link, F_OK) && !copy_name(name, len, base))
			return 1;
	}
	return 0;
}

static int add_disk(char (*names)[32], unsigned *n, unsigned max,
		    const char *name)
{
	unsigned i;

	for (i = 0; i < *n; i++)
		if (!strcmp(names[i], name))
			return 0;
	if (*n == max)
		return -E2BIG;
	if (copy_name(names[*n], 32, name))
		return -ENAMETOOLONG;
	(*n)++;
	return 0;
}

/* Add NAME's whole disk and, through slaves, the disks under it. */
static int walk_down(const char *sysfs, const char *name, char (*names)[32],
		     unsigned *n, unsigned max, int depth)
{
	char disk[64], path[PATH_MAX];
	DIR *d;
	struct dirent *e;
	int r, slaves = 0;

	if (depth > MAX_WALK)
		return -ELOOP;
	r = whole_disk(sysfs, name, disk, sizeof(disk));
	if (r)
		return r;
	snprintf(path, sizeof(path), "%s/class/block/%s/slaves", sysfs, disk);
	d = opendir(path);
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		slaves++;
		r = walk_down(sysfs, e->d_name, names, n, max, depth + 1);
		if (r)
			break;
	}
	if (d)
		closedir(d);
	/* A dm or md device is not a disk: its slaves are. */
	if (!r && !slaves)
		r = add_disk(names, n, max, disk);
	return r;
}

int probe_root_disks(const struct probe_sys *sys, char (*names)[32],
		     unsigned max)
{
	char root[64];
	unsigned n = 0;
	int r;

	r = root_dev(sys, root, sizeof(root));
	if (r <= 0)
		return r;
	r = walk_down(sysfs_of(sys), root, names, &n, max, 0);
	return r ? r : (int)n;
}

/* What mounted() looks for in the mount table. */
struct mnt_query {
	unsigned maj, min; /* 0:0 when sysfs did not say */
	const char *name;
	const char *label;
	char *why;
	size_t whylen;
};

static int match_mount(const struct mountinfo *e, void *arg)
{
	const struct mnt_query *q = arg;
	const char *src = strrchr(e->source, '/') ? strrchr(e->source, '/') + 1
						  : e->source;

	if ((q->maj && e->maj == q->maj && e->min == q->min) ||
	    (!strncmp(e->source, "/dev/", 5) && !strcmp(src, q->name))) {
		snprintf(q->why, q->whylen, "%s is mounted on %s", q->label,
			 e->dir);
		return 1;
	}
	return 0;
}

/* Is the device NAME (major:minor in its sysfs "dev") mounted or swapped
 * on? 1 with WHY, 0, or -errno. */
static int mounted(const struct probe_sys *sys, const char *name,
		   const char *label, char *why, size_t whylen)
{
	struct mnt_query q = {0, 0, name, label, why, whylen};
	char path[PATH_MAX], line[2048];
	const char *sysfs = sysfs_of(sys);
	FILE *f;
	int hit;

	snprintf(path, sizeof(path), "%s/class/block/%s/dev", sysfs, name);
	if (!io_read_line(path, line, sizeof(line)))
		sscanf(line, "%u:%u", &q.maj, &q.min);
	hit = mountinfo_each(sys ? sys->mountinfo : NULL, match_mount, &q);
	if (hit)
		return hit;
	f = fopen(sys && sys->swaps ? sys->swaps : "/proc/swaps", "re");
	if (!f)
		return 0;
	while (!hit && fgets(line, sizeof(line), f)) {
		char dev[512];
		const char *base;

		if (sscanf(line, "%511s", dev) != 1)
			continue;
		base = strrchr(dev, '/') ? strrchr(dev, '/') + 1 : dev;
		if (!strncmp(dev, "/dev/", 5) && !strcmp(base, name)) {
			snprintf(why, whylen, "%s is in use as swap", label);
			hit = 1;
		}
	}
	fclose(f);
	return hit;
}

static int held(const char *sysfs, const char *name, const char *label,
		char *why, size_t whylen)
{
	char path[PATH_MAX], holder[256] = "", dmname[128] = "";
	DIR *d;
	struct dirent *e;

	snprintf(path, sizeof(path), "%s/class/block/%s/holders", sysfs, name);
	d = opendir(path);
	if (!d)
		return 0;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.') {
			copy_name(holder, sizeof(holder), e->d_name);
			break;
		}
	closedir(d);
	if (!holder[0])
		return 0;
	snprintf(path, sizeof(path), "%s/class/block/%s/dm/name", sysfs,
		 holder);
	if (io_read_line(path, dmname, sizeof(dmname)))
		dmname[0] = '\0';
	snprintf(why, whylen, "%s is held by %s%s%s%s", label, holder,
		 dmname[0] ? " (" : "", dmname, dmname[0] ? ")" : "");
	return 1;
}

static int in_use_one(const struct probe_sys *sys, const char *name,
		      const char *label, char *why, size_t whylen)
{
	int r = held(sysfs_of(sys), name, label, why, whylen);

	return r ? r : mounted(sys, name, label, why, whylen);
}

int probe_in_use(const struct probe_sys *sys, const char *name, char *why,
		 size_t whylen)
{
	const char *sysfs = sysfs_of(sys);
	char path[PATH_MAX], label[300], roots[16][32];
	DIR *d;
	struct dirent *e;
	int r, nroot, i;

	snprintf(path, sizeof(path), "%s/class/block/%s", sysfs, name);
	if (access(path, F_OK))
		return -ENOENT;
	nroot = probe_root_disks(sys, roots, 16);
	for (i = 0; i < nroot; i++) {
		char disk[64];

		if (!strcmp(roots[i], name)) {
			snprintf(why, whylen, "%s is the root disk", name);
			return 1;
		}
		if (!whole_disk(sysfs, name, disk, sizeof(disk)) &&
		    !strcmp(roots[i], disk)) {
			snprintf(why, whylen, "%s is on the root disk %s", name,
				 disk);
			return 1;
		}
	}
	snprintf(label, sizeof(label), "%s", name);
	r = in_use_one(sys, name, label, why, whylen);
	if (r)
		return r;
	/* Its partitions: subdirectories with a "partition" file. */
	d = opendir(path);
	while (d && !r && (e = readdir(d))) {
		char part[PATH_MAX];

		if (e->d_name[0] == '.' ||
		    strncmp(e->d_name, name, strlen(name)))
			continue;
		if (snprintf(part, sizeof(part), "%s/%s/partition", path,
			     e->d_name) >= (int)sizeof(part) ||
		    access(part, F_OK))
			continue;
		snprintf(label, sizeof(label), "%s (partition of %s)",
			 e->d_name, name);
		r = in_use_one(sys, e->d_name, label, why, whylen);
	}
	if (d)
		closedir(d);
	return r;
}

int probe_open_by(const char *proc, const char *dev, char *why, size_t whylen)
{
	char path[PATH_MAX], comm[64];
	struct stat want, st;
	struct dirent *p, *f;
	DIR *pd, *fd;
	int self = (int)getpid(), hit = 0;

	if (stat(dev, &want))
		return -errno;
	if (!S_ISBLK(want.st_mode))
		return -ENOTBLK;
	if (!proc)
		proc = "/proc";
	pd = opendir(proc);
	if (!pd)
		return 0;
	while (!hit && (p = readdir(pd))) {
		if (!isdigit((unsigned char)p->d_name[0]) ||
		    atoi(p->d_name) == self)
			continue;
		snprintf(path, sizeof(path), "%s/%s/fd", proc, p->d_name);
		fd = opendir(path);
		if (!fd)
			continue; /* gone, or not ours to see */
		while (!hit && (f = readdir(fd))) {
			if (f->d_name[0] == '.')
				continue;
			if (snprintf(path, sizeof(path), "%s/%s/fd/%s", proc,
				     p->d_name, f->d_name) >= (int)sizeof(path))
				continue;
			if (stat(path, &st) || !S_ISBLK(st.st_mode) ||
			    st.st_rdev != want.st_rdev)
				continue;
			snprintf(path, sizeof(path), "%s/%s/comm", proc,
				 p->d_name);
			if (io_read_line(path, comm, sizeof(comm)))
				snprintf(comm, sizeof(comm), "?");
			snprintf(why, whylen, "open in process %s (%s)",
				 p->d_name, comm);
			hit = 1;
		}
		closedir(fd);
	}
	closedir(pd);
	return hit;
}
