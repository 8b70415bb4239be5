/* md_kernel.c - md arrays in the kernel: start, create, assemble, find
 * a running one, stop; /dev/mdN and the /dev/md/NAME link.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: block/md.h ("the kernel"), include/uapi/linux/raid/md_u.h (the
 *      ioctls), Documentation/admin-guide/md.rst (new_array, array_state,
 *      slaves, holders), md(4).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <linux/fs.h>
#include <linux/major.h>
#include <linux/raid/md_u.h>

#include "block/md.h"
#include "lib/io.h"
#include "lib/msg.h"
#include "lib/proc.h"
#include "lib/uuid.h"

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t w;
	int r = 0;

	if (fd < 0)
		return -errno;
	w = write(fd, s, strlen(s));
	if (w < 0)
		r = -errno;
	else if ((size_t)w != strlen(s))
		r = -EIO;
	close(fd);
	return r;
}

/* The name part of set_name: after "HOST:" when there is one. */
static const char *short_name(const struct md_sb *sb)
{
	const char *colon = strchr(sb->set_name, ':');

	return colon ? colon + 1 : sb->set_name;
}

/* Read the superblock of /dev/NAME. */
static int sb_of(const char *name, struct md_sb *sb)
{
	char path[300];
	uint64_t sectors;
	unsigned long devno;
	int fd, r;

	snprintf(path, sizeof(path), "/dev/%s", name);
	fd = md_open_member(path, O_RDONLY, &sectors, &devno);
	if (fd < 0)
		return fd;
	r = md_read_sb(fd, sectors, sb);
	close(fd);
	return r;
}

static int is_md_name(const char *s)
{
	if (strncmp(s, "md", 2) || !s[2])
		return 0;
	for (s += 2; *s; s++)
		if (!isdigit((unsigned char)*s))
			return 0;
	return 1;
}

int md_find_running(const uint8_t uuid[16], struct md_array *out)
{
	DIR *d = opendir("/sys/block");
	struct dirent *e;
	struct md_sb *sb;
	int r = 0;

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	sb = malloc(sizeof(*sb));
	if (!sb) {
		closedir(d);
		return -ENOMEM;
	}
	while (!r && (e = readdir(d))) {
		char path[300], state[32];
		DIR *sl;
		struct dirent *s;
		unsigned nslaves = 0, hit = 0;

		if (!is_md_name(e->d_name))
			continue;
		snprintf(path, sizeof(path), "/sys/block/%s/md/array_state",
			 e->d_name);
		if (io_read_line(path, state, sizeof(state)) ||
		    !strcmp(state, "clear"))
			continue;
		snprintf(path, sizeof(path), "/sys/block/%s/slaves", e->d_name);
		sl = opendir(path);
		if (!sl)
			continue;
		while ((s = readdir(sl))) {
			if (s->d_name[0] == '.')
				continue;
			nslaves++;
			if (!hit && !sb_of(s->d_name, sb) &&
			    !memcmp(sb->set_uuid, uuid, 16))
				hit = 1;
		}
		closedir(sl);
		if (!hit)
			continue;
		memset(out, 0, sizeof(*out));
		snprintf(out->dev, sizeof(out->dev), "/dev/%.26s", e->d_name);
		memcpy(out->uuid, uuid, 16);
		snprintf(out->name, sizeof(out->name), "%s", short_name(sb));
		out->ndevs = nslaves;
		out->reused = 1;
		r = strcmp(state, "inactive") ? 1 : -EINPROGRESS;
	}
	free(sb);
	closedir(d);
	return r;
}

#define NEW_ARRAY "/sys/module/md_mod/parameters/new_array"

/* Load md_mod when it is a module that is not loaded yet. */
static int ensure_md_mod(void)
{
	if (!access(NEW_ARRAY, F_OK))
		return 0;
	/* What counts is whether new_array appears, not modprobe's exit:
	 * a built-in md has no module to load. */
	proc_modprobe("md_mod");
	return access(NEW_ARRAY, F_OK) ? -ENODEV : 0;
}

/* Make /dev/NAME appear (devtmpfs, else mknod) and open it. */
static int open_md_node(const char *name)
{
	char path[64], sys[96], line[32];
	unsigned maj, min;
	int fd, i;

	snprintf(path, sizeof(path), "/dev/%s", name);
	for (i = 0; i < 100 && access(path, F_OK); i++)
		usleep(20000);
	if (access(path, F_OK)) {
		snprintf(sys, sizeof(sys), "/sys/block/%s/dev", name);
		if (io_read_line(sys, line, sizeof(line)) ||
		    sscanf(line, "%u:%u", &maj, &min) != 2)
			return -ENODEV;
		if (mknod(path, S_IFBLK | 0600, makedev(maj, min)) &&
		    errno != EEXIST)
			return -errno;
	}
	fd = open(path, O_RDWR | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* A free md device, mdN from 127 down like mdadm: returns its fd. */
static int new_md(char *name, size_t len)
{
	char sys[64];
	int n, r;

	r = ensure_md_mod();
	if (r)
		return r;
	for (n = 127; n >= 0; n--) {
		snprintf(name, len, "md%d", n);
		snprintf(sys, sizeof(sys), "/sys/block/%s", name);
		if (!access(sys, F_OK))
			continue;
		r = write_str(NEW_ARRAY, name);
		if (r == -EEXIST)
			continue;
		if (r)
			return r;
		return open_md_node(name);
	}
	return -ENOSPC;
}

/* /dev/md/NAME -> ../mdN, replacing a stale link atomically. */
static int make_link(const char *name, const char *mdname, char *link,
		     size_t len)
{
	char target[64], cur[64];
	ssize_t n;

	snprintf(link, len, "/dev/md/%s", name);
	snprintf(target, sizeof(target), "../%s", mdname);
	n = readlink(link, cur, sizeof(cur) - 1);
	if (n > 0) {
		cur[n] = '\0';
		if (!strcmp(cur, target) || !strcmp(cur, mdname))
			return 0;
	}
	if (mkdir("/dev/md", 0755) && errno != EEXIST)
		return -errno;
	return io_symlink_replace(target, link);
}

int md_start(const struct md_member *members, unsigned n, unsigned readahead,
	     struct md_array *out)
{
	mdu_array_info_t info;
	char mdname[16];
	unsigned i;
	int fd, r;

	if (!n || n > MD_MAX_DEVS)
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (!members[i].devno)
			return -ENOTBLK;
	fd = new_md(mdname, sizeof(mdname));
	if (fd < 0)
		return fd;
	/* Version only: the kernel then reads the geometry from the
	 * members' superblocks as they are added. */
	memset(&info, 0, sizeof(info));
	info.major_version = 1;
	info.minor_version = (int)members[0].sb.minor;
	if (ioctl(fd, SET_ARRAY_INFO, &info)) {
		r = -errno;
		goto out_stop;
	}
	for (i = 0; i < n; i++) {
		mdu_disk_info_t d;

		memset(&d, 0, sizeof(d));
		d.major = (int)major(members[i].devno);
		d.minor = (int)minor(members[i].devno);
		if (ioctl(fd, ADD_NEW_DISK, &d)) {
			r = -errno;
			goto out_stop;
		}
	}
	if (ioctl(fd, RUN_ARRAY, NULL)) {
		r = -errno;
		goto out_stop;
	}
	memset(&info, 0, sizeof(info));
	if (ioctl(fd, GET_ARRAY_INFO, &info)) {
		r = -errno;
		goto out_stop;
	}
	if (info.level != 0 || info.raid_disks != (int)n) {
		r = -EIO;
		goto out_stop;
	}
	if (readahead && ioctl(fd, BLKRASET, (unsigned long)readahead)) {
		r = -errno;
		goto out_stop;
	}
	memset(out, 0, sizeof(*out));
	snprintf(out->dev, sizeof(out->dev), "/dev/%s", mdname);
	snprintf(out->name, sizeof(out->name), "%s",
		 short_name(&members[0].sb));
	memcpy(out->uuid, members[0].sb.set_uuid, 16);
	out->ndevs = n;
	close(fd);
	/* The array runs; a missing link is worth reporting, not undoing. */
	if (!md_name_valid(out->name))
		return make_link(out->name, mdname, out->link,
				 sizeof(out->link));
	return 0;

out_stop:
	ioctl(fd, STOP_ARRAY, NULL);
	close(fd);
	return r;
}

/* The running md device /dev/md/NAME points at, into MDNAME; 0 or -errno. */
static int link_target(const char *name, char *mdname, size_t len)
{
	char link[80], cur[64];
	const char *base;
	ssize_t n;

	snprintf(link, sizeof(link), "/dev/md/%s", name);
	n = readlink(link, cur, sizeof(cur) - 1);
	if (n < 0)
		return -errno;
	cur[n] = '\0';
	base = strrchr(cur, '/') ? strrchr(cur, '/') + 1 : cur;
	if (!is_md_name(base))
		return -EINVAL;
	if (strlen(base) >= len)
		return -ENAMETOOLONG;
	memcpy(mdname, base, strlen(base) + 1);
	return 0;
}

static int md_running(const char *mdname)
{
	char path[96], state[32];

	snprintf(path, sizeof(path), "/sys/block/%s/md/array_state", mdname);
	if (io_read_line(path, state, sizeof(state)))
		return 0;
	return strcmp(state, "clear") != 0;
}

int md_create(const struct md_create *c, const char *const *devs, unsigned n,
	      unsigned readahead, struct md_array *out, struct msg_error *e)
{
	struct md_member *m;
	uint64_t sectors[MD_MAX_DEVS];
	int fds[MD_MAX_DEVS];
	char mdname[32];
	unsigned i, j;
	int r = 0;

	if (!n || n > MD_MAX_DEVS || md_name_valid(c->name))
		return msg_why(e, -EINVAL, "bad name or number of devices");
	if (!link_target(c->name, mdname, sizeof(mdname)) && md_running(mdname))
		return msg_why(e, -EEXIST,
			       "an array named %s is running as /dev/%s",
			       c->name, mdname);
	m = calloc(n, sizeof(*m));
	if (!m)
		return msg_errno(e, -ENOMEM);
	for (i = 0; i < n; i++)
		fds[i] = -1;
	for (i = 0; i < n; i++) {
		/* O_EXCL on a block device: -EBUSY when mounted or held by
		 * md/dm, checked before anything is written. */
		fds[i] = md_open_member(devs[i], O_RDWR | O_EXCL, &m[i].sectors,
					&m[i].devno);
		if (fds[i] < 0) {
			r = msg_why(e, fds[i], "open %s: %s%s", devs[i],
				    strerror(-fds[i]),
				    fds[i] == -EBUSY
					    ? " (mounted, or held by md or dm)"
					    : "");
			goto out_close;
		}
		if (!m[i].devno) {
			r = msg_why(e, -ENOTBLK, "%s is not a block device",
				    devs[i]);
			goto out_close;
		}
		for (j = 0; j < i; j++)
			if (m[j].devno == m[i].devno) {
				r = msg_why(e, -EINVAL,
					    "%s and %s are one device", devs[j],
					    devs[i]);
				goto out_close;
			}
		sectors[i] = m[i].sectors;
		snprintf(m[i].path, sizeof(m[i].path), "%s", devs[i]);
	}
	{
		struct md_sb *sbs = calloc(n, sizeof(*sbs));

		if (!sbs) {
			r = msg_errno(e, -ENOMEM);
			goto out_close;
		}
		r = md_plan_create(c, sectors, n, sbs);
		for (i = 0; i < n && !r; i++)
			m[i].sb = sbs[i];
		free(sbs);
	}
	if (r) {
		msg_why(e, r, "%s",
			r == -ENOSPC ? "a device is too small for the data "
				       "offset plus one chunk"
				     : "plan the superblocks");
		goto out_close;
	}
	for (i = 0; i < n; i++) {
		r = md_write_sb(fds[i], m[i].sectors, &m[i].sb);
		if (r) {
			msg_why(e, r, "write the superblock to %s: %s", devs[i],
				strerror(-r));
			goto out_close;
		}
	}
	/* md claims the members itself: our exclusive opens must go. */
	for (i = 0; i < n; i++) {
		close(fds[i]);
		fds[i] = -1;
	}
	r = md_start(m, n, readahead, out);
	if (r)
		msg_why(e, r, "start the array: %s", strerror(-r));
out_close:
	for (i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	free(m);
	return r;
}

static int stop_md(const char *mdname)
{
	char path[64];
	int fd, r = 0;

	snprintf(path, sizeof(path), "/dev/%s", mdname);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, STOP_ARRAY, NULL))
		r = -errno;
	close(fd);
	return r;
}

int md_assemble(const struct md_ident *id, const char *const *devs, unsigned n,
		unsigned readahead, struct md_array *out, struct msg_error *e)
{
	char(*paths)[128] = NULL;
	const char **cands = NULL;
	struct md_member *m;
	struct msg_error ge;
	uint64_t from = 0;
	char uuid[36];
	int found, r, grown;
	unsigned i;

	m = calloc(MD_MAX_DEVS, sizeof(*m));
	if (!m)
		return msg_errno(e, -ENOMEM);
	if (!n) {
		paths = calloc(256, sizeof(*paths));
		cands = calloc(256, sizeof(*cands));
		if (!paths || !cands) {
			r = msg_errno(e, -ENOMEM);
			goto out;
		}
		r = md_scan_candidates(NULL, paths, 256);
		if (r < 0) {
			msg_why(e, r, "scan /sys/class/block: %s",
				strerror(-r));
			goto out;
		}
		n = (unsigned)r;
		for (i = 0; i < n; i++)
			cands[i] = paths[i];
		devs = cands;
		found = md_find_members(id, devs, n, 0, m, MD_MAX_DEVS, e);
	} else {
		found = md_find_members(id, devs, n, 1, m, MD_MAX_DEVS, e);
	}
	if (found < 0) {
		r = found;
		goto out;
	}
	if (!found) {
		if (id->has_uuid)
			uuid_text_md(id->uuid, uuid);
		r = msg_why(e, -ENOENT,
			    "no member of %s found on %u %sdevice%s",
			    id->has_uuid ? uuid : id->name, n,
			    cands ? "block " : "", n == 1 ? "" : "s");
		goto out;
	}
	/* Already running (udev or an earlier boot step): reuse it. */
	r = md_find_running(m[0].sb.set_uuid, out);
	if (r == 1) {
		const char *mdname = out->dev + 5;
		int fd;

		if (readahead) {
			fd = open(out->dev, O_RDONLY | O_CLOEXEC);
			if (fd >= 0) {
				ioctl(fd, BLKRASET, (unsigned long)readahead);
				close(fd);
			}
		}
		r = md_name_valid(out->name)
			    ? 0
			    : make_link(out->name, mdname, out->link,
					sizeof(out->link));
		if (r)
			msg_errno(e, r);
		goto out;
	}
	if (r == -EINPROGRESS) {
		/* A partial assembly (udev saw some members): it holds them,
		 * so it has to go before the whole array can start. */
		r = stop_md(out->dev + 5);
		if (r) {
			msg_why(e, r, "stop the partial array %s: %s", out->dev,
				strerror(-r));
			goto out;
		}
	} else if (r < 0) {
		msg_why(e, r, "look for running arrays: %s", strerror(-r));
		goto out;
	}
	r = md_check_members(m, (unsigned)found, e);
	if (r)
		goto out;
	/* Members grown (EBS ModifyVolume) are re-described before the
	 * kernel reads them; a grow refused starts the old size. */
	memset(&ge, 0, sizeof(ge));
	grown = id->no_grow ? 0 : md_plan_grow(m, (unsigned)found, &from, &ge);
	if (grown > 0) {
		r = md_grow_members(id, m, (unsigned)found, e);
		if (r)
			goto out;
	}
	r = md_start(m, (unsigned)found, readahead, out);
	if (r) {
		msg_why(e, r, "start the array: %s", strerror(-r));
		goto out;
	}
	if (grown > 0) {
		out->grew_from = from;
		out->grew_to = m[0].sb.data_size / m[0].sb.chunk_sectors *
			       m[0].sb.chunk_sectors * (unsigned)found;
	}
	out->grow_err = grown < 0 ? grown : 0;
	if (grown < 0)
		snprintf(out->grow_why, sizeof(out->grow_why), "%.239s",
			 ge.why);
out:
	free(paths);
	free(cands);
	free(m);
	return r;
}

/* Remove links in /dev/md that point at MDNAME. */
static void drop_links(const char *mdname)
{
	DIR *d = opendir("/dev/md");
	struct dirent *e;
	char link[300], cur[64];
	const char *base;
	ssize_t n;

	if (!d)
		return;
	while ((e = readdir(d))) {
		snprintf(link, sizeof(link), "/dev/md/%s", e->d_name);
		n = readlink(link, cur, sizeof(cur) - 1);
		if (n <= 0)
			continue;
		cur[n] = '\0';
		base = strrchr(cur, '/') ? strrchr(cur, '/') + 1 : cur;
		if (!strcmp(base, mdname))
			unlink(link);
	}
	closedir(d);
}

int md_stop(const char *what, struct msg_error *e)
{
	char mdname[32], path[300], holder[64], dmname[128];
	const char *base = strrchr(what, '/') ? strrchr(what, '/') + 1 : what;
	DIR *d;
	struct dirent *de;
	int fd, r;

	if (!strncmp(what, "/dev/md/", 8) || !strchr(what, '/')) {
		if (!strchr(what, '/') && is_md_name(what))
			snprintf(mdname, sizeof(mdname), "%s", what);
		else if (link_target(base, mdname, sizeof(mdname)))
			return msg_why(e, -ENOENT,
				       "no array named %s (/dev/md/%s)", base,
				       base);
	} else if (!strncmp(what, "/dev/", 5) && is_md_name(base)) {
		snprintf(mdname, sizeof(mdname), "%s", base);
	} else {
		return msg_why(e, -EINVAL, "%s is not an md array", what);
	}
	if (!md_running(mdname))
		return msg_why(e, -ENOENT, "/dev/%s is not running", mdname);
	snprintf(path, sizeof(path), "/sys/block/%s/holders", mdname);
	d = opendir(path);
	holder[0] = '\0';
	while (d && (de = readdir(d)))
		if (de->d_name[0] != '.' && !holder[0] &&
		    strlen(de->d_name) < sizeof(holder))
			memcpy(holder, de->d_name, strlen(de->d_name) + 1);
	if (d)
		closedir(d);
	if (holder[0]) {
		snprintf(path, sizeof(path), "/sys/block/%s/dm/name", holder);
		if (io_read_line(path, dmname, sizeof(dmname)))
			dmname[0] = '\0';
		return msg_why(e, -EBUSY, "/dev/%s is held by %s%s%s%s", mdname,
			       holder, dmname[0] ? " (" : "", dmname,
			       dmname[0] ? ")" : "");
	}
	snprintf(path, sizeof(path), "/dev/%s", mdname);
	/* O_EXCL fails while a file system is mounted on it. */
	fd = open(path, O_RDONLY | O_EXCL | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		return msg_why(e, r, "open %s: %s%s", path, strerror(-r),
			       r == -EBUSY ? " (mounted, or opened exclusively)"
					   : "");
	}
	r = ioctl(fd, STOP_ARRAY, NULL) ? -errno : 0;
	close(fd);
	if (r)
		return msg_why(e, r, "stop %s: %s%s", path, strerror(-r),
			       r == -EBUSY ? " (another program has it open)"
					   : "");
	drop_links(mdname);
	return 0;
}
