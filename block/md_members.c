/* md_members.c - md members on devices or image files: read and write
 * superblocks, plan a new array, find and check the members of one, list
 * the block devices a scan looks at.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: block/md.h ("members"), md(4), mdadm 4.2 Create.c (the defaults
 *      mdadm writes; no code is taken from it).
 *
 * No kernel md here: everything works on image files as well, which is how
 * the unit tests and the fuzz target use it.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* strverscmp, getrandom with glibc (fuzz builds) */
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "block/md.h"
#include "lib/io.h"
#include "lib/msg.h"
#include "lib/uuid.h"

#define MIB_SECTORS 2048ULL

static int pread_all(int fd, void *buf, size_t len, uint64_t off)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t r = pread(fd, p, len, (off_t)off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (!r)
			return -EIO; /* short device */
		p += r;
		len -= (size_t)r;
		off += (uint64_t)r;
	}
	return 0;
}

static int pwrite_all(int fd, const void *buf, size_t len, uint64_t off)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t r = pwrite(fd, p, len, (off_t)off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		p += r;
		len -= (size_t)r;
		off += (uint64_t)r;
	}
	return 0;
}

int md_read_sb(int fd, uint64_t sectors, struct md_sb *out)
{
	static const unsigned order[] = {2, 1, 0};
	uint8_t *buf;
	unsigned i;
	int r = -ENOENT;

	buf = malloc(MD_SB_BYTES);
	if (!buf)
		return -ENOMEM;
	for (i = 0; i < 3; i++) {
		uint64_t at;

		if (order[i] == 0)
			at = sectors >= 24 ? ((sectors - 16) & ~7ULL) : 0;
		else
			at = order[i] == 2 ? 8 : 0;
		if (order[i] == 0 && !at)
			break;
		if (sectors < at + 8)
			continue;
		r = pread_all(fd, buf, MD_SB_BYTES, at << 9);
		if (r)
			break;
		r = md_sb_decode(buf, MD_SB_BYTES, order[i], sectors, out);
		if (r != -ENOENT)
			break;
	}
	free(buf);
	return r;
}

int md_write_sb(int fd, uint64_t sectors, const struct md_sb *sb)
{
	uint64_t head, tail_from;
	uint8_t *buf;
	int r;

	if (sb->minor != 2 || sb->super_offset != 8 ||
	    sb->data_offset < MIB_SECTORS ||
	    sb->data_offset + sb->data_size > sectors)
		return -EINVAL;
	buf = calloc(1, 1 << 20);
	if (!buf)
		return -ENOMEM;
	/* Old signatures at the start (partition tables, LUKS, file systems)
	 * and the end (md 0.90/1.0, GPT backup) would make blkid and udev
	 * see two things on one device. The data starts at 1 MiB or later. */
	head = sb->data_offset < MIB_SECTORS ? sb->data_offset : MIB_SECTORS;
	r = pwrite_all(fd, buf, head << 9, 0);
	tail_from = sectors > 2 * MIB_SECTORS ? sectors - MIB_SECTORS
					      : sb->data_offset;
	if (!r && tail_from < sectors)
		r = pwrite_all(fd, buf, (sectors - tail_from) << 9,
			       tail_from << 9);
	if (!r)
		r = md_sb_encode(sb, buf);
	if (!r)
		r = pwrite_all(fd, buf, MD_SB_BYTES, sb->super_offset << 9);
	if (!r && fsync(fd))
		r = -errno;
	free(buf);
	return r;
}

int md_rename_sb(int fd, uint64_t sectors, const uint8_t uuid[16],
		 const char *name)
{
	uint8_t *buf = malloc(MD_SB_BYTES);
	struct md_sb *sb = malloc(sizeof(*sb));
	int r = buf && sb ? 0 : -ENOMEM, i;
	uint32_t csum;

	if (!r)
		r = pread_all(fd, buf, MD_SB_BYTES, 8 << 9);
	if (!r)
		r = md_sb_decode(buf, MD_SB_BYTES, 2, sectors, sb);
	if (!r && md_name_valid(name))
		r = -EINVAL;
	/* Only these bytes change: whatever else mdadm or the kernel wrote
	 * stays as it is. */
	if (!r) {
		memcpy(buf + 16, uuid, 16);
		memset(buf + 32, 0, 32);
		memcpy(buf + 32, name, strlen(name));
		csum = md_sb_csum(buf, MD_SB_BYTES);
		for (i = 0; i < 4; i++)
			buf[216 + i] = (uint8_t)(csum >> 8 * i);
		r = md_sb_decode(buf, MD_SB_BYTES, 2, sectors, sb);
	}
	if (!r)
		r = pwrite_all(fd, buf, MD_SB_BYTES, 8 << 9);
	if (!r && fsync(fd))
		r = -errno;
	free(sb);
	free(buf);
	return r;
}

int md_plan_create(const struct md_create *c, const uint64_t *dev_sectors,
		   unsigned n, struct md_sb *sbs)
{
	uint32_t chunk = c->chunk_sectors ? c->chunk_sectors : MD_DEFAULT_CHUNK;
	uint8_t uuid[16];
	uint64_t off, now;
	int multizone = 0;
	unsigned i, j;

	if (md_name_valid(c->name) || !n || n > MD_MAX_DEVS || chunk < 8 ||
	    chunk > 131072 || (chunk & (chunk - 1)))
		return -EINVAL;
	if (c->uuid)
		memcpy(uuid, c->uuid, 16);
	else if (getrandom(uuid, sizeof(uuid), 0) != sizeof(uuid))
		return -errno;
	now = c->ctime ? c->ctime : (uint64_t)time(NULL);
	/* One data offset for all, from the first member (mdadm's rule). */
	off = md_data_offset(dev_sectors[0], chunk);
	for (i = 0; i < n; i++) {
		if (dev_sectors[i] < off + chunk)
			return -ENOSPC;
		if ((dev_sectors[i] - off) / chunk !=
		    (dev_sectors[0] - off) / chunk)
			multizone = 1;
	}
	for (i = 0; i < n; i++) {
		struct md_sb *sb = &sbs[i];

		memset(sb, 0, sizeof(*sb));
		sb->minor = 2;
		/* Members of unequal size make a multi-zone RAID0, whose
		 * layout kernels >= 5.4 insist on knowing. */
		sb->feature_map = multizone ? MD_FEATURE_RAID0_LAYOUT_BIT : 0;
		memcpy(sb->set_uuid, uuid, 16);
		strcpy(sb->set_name, c->name);
		sb->ctime = now;
		sb->utime = now;
		sb->level = 0;
		sb->layout = MD_RAID0_ORIG_LAYOUT;
		sb->chunk_sectors = chunk;
		sb->raid_disks = n;
		sb->data_offset = off;
		sb->data_size = dev_sectors[i] - off;
		sb->super_offset = 8;
		sb->dev_number = i;
		if (getrandom(sb->device_uuid, 16, 0) != 16)
			return -errno;
		/* The bad-block log: 8 sectors right after the superblock. */
		sb->bblog_size = 8;
		sb->bblog_offset = 8;
		sb->events = 0;
		sb->resync_offset = UINT64_MAX; /* clean: RAID0 needs no sync */
		/* Room for the roles, rounded to a 512-byte sector. */
		sb->max_dev = md_sb_max_dev(n);
		for (j = 0; j < MD_SB_MAX_ROLES; j++)
			sb->roles[j] = j < n ? (uint16_t)j : MD_ROLE_SPARE;
	}
	return 0;
}

int md_open_member(const char *path, int flags, uint64_t *sectors,
		   unsigned long *devno)
{
	struct stat st;
	uint64_t bytes;
	int fd = open(path, flags | O_CLOEXEC);
	int r;

	if (fd < 0)
		return -errno;
	r = io_dev_size(fd, &bytes);
	if (!r && fstat(fd, &st))
		r = -errno;
	if (r) {
		close(fd);
		return r;
	}
	*devno = S_ISBLK(st.st_mode) ? (unsigned long)st.st_rdev : 0;
	*sectors = bytes >> 9;
	return fd;
}

int md_find_members(const struct md_ident *id, const char *const *cands,
		    unsigned n, int strict, struct md_member *members,
		    unsigned max, struct msg_error *e)
{
	struct md_member *m;
	unsigned i, j, found = 0;
	char u1[36], u2[36];
	int r = 0;

	m = malloc(sizeof(*m));
	if (!m)
		return msg_errno(e, -ENOMEM);
	for (i = 0; i < n; i++) {
		int fd, member;

		memset(m, 0, sizeof(*m));
		fd = md_open_member(cands[i], O_RDONLY, &m->sectors, &m->devno);
		if (fd < 0) {
			if (strict) {
				r = msg_why(e, fd, "open %s: %s", cands[i],
					    strerror(-fd));
				goto out;
			}
			continue;
		}
		r = md_read_sb(fd, m->sectors, &m->sb);
		close(fd);
		member = !r &&
			 (id->has_uuid ? !memcmp(m->sb.set_uuid, id->uuid, 16)
				       : md_name_matches(&m->sb, id->name));
		if (!member) {
			if (strict) {
				r = msg_why(
					e, -ENODEV, "%s is not a member: %s",
					cands[i],
					r == -ENOENT ? "no md superblock"
					: r == -EBADMSG
						? "superblock checksum is wrong"
					: r == -EILSEQ
						? "the superblock's set_name (the "
						  "array name) holds control "
						  "characters or is not UTF-8"
					: r ? "superblock is damaged"
					    : "it belongs to another array");
				goto out;
			}
			r = 0;
			continue;
		}
		r = 0;
		for (j = 0; j < found; j++) {
			if (m->devno && members[j].devno == m->devno) {
				r = msg_why(e, -EINVAL,
					    "%s and %s are one device",
					    members[j].path, cands[i]);
				goto out;
			}
			if (!id->has_uuid && memcmp(members[j].sb.set_uuid,
						    m->sb.set_uuid, 16)) {
				uuid_text_md(members[j].sb.set_uuid, u1);
				uuid_text_md(m->sb.set_uuid, u2);
				r = msg_why(
					e, -ENOTUNIQ,
					"two arrays are named %s: %s (%s) and %s "
					"(%s); use --uuid",
					id->name, u1, members[j].path, u2,
					cands[i]);
				goto out;
			}
		}
		if (found == max) {
			r = msg_why(e, -E2BIG, "more than %u members", max);
			goto out;
		}
		snprintf(m->path, sizeof(m->path), "%s", cands[i]);
		members[found++] = *m;
	}
out:
	free(m);
	return r ? r : (int)found;
}

static const char *geometry_diff(const struct md_sb *a, const struct md_sb *b)
{
	if (memcmp(a->set_uuid, b->set_uuid, 16))
		return "array UUID";
	if (a->minor != b->minor)
		return "superblock version";
	if (a->level != b->level)
		return "RAID level";
	if (a->raid_disks != b->raid_disks)
		return "number of devices";
	if (a->chunk_sectors != b->chunk_sectors)
		return "chunk size";
	if (a->layout != b->layout || a->feature_map != b->feature_map)
		return "layout";
	if (a->ctime != b->ctime)
		return "creation time";
	if (a->size != b->size)
		return "device size";
	return NULL;
}

int md_check_members(const struct md_member *members, unsigned n,
		     struct msg_error *e)
{
	const struct md_member *slot[MD_MAX_DEVS] = {NULL};
	const struct md_sb *ref;
	char missing[160];
	size_t mlen = 0;
	unsigned i, nmissing = 0;
	const char *diff;

	if (!n)
		return msg_why(e, -ENOENT, "no members");
	ref = &members[0].sb;
	for (i = 0; i < n; i++) {
		const struct md_sb *sb = &members[i].sb;

		if (sb->level != 0)
			return msg_why(e, -EINVAL,
				       "%s: RAID level %d, not RAID0",
				       members[i].path, (int)sb->level);
		if (sb->feature_map & ~(uint32_t)MD_FEATURE_RAID0_LAYOUT_BIT)
			return msg_why(e, -EINVAL,
				       "%s: unsupported features 0x%x",
				       members[i].path, sb->feature_map);
		if (!sb->chunk_sectors ||
		    (sb->chunk_sectors & (sb->chunk_sectors - 1)))
			return msg_why(e, -EINVAL,
				       "%s: bad chunk size %u sectors",
				       members[i].path, sb->chunk_sectors);
		if (sb->raid_disks > MD_MAX_DEVS)
			return msg_why(
				e, -EINVAL, "%s: %u devices, more than %u",
				members[i].path, sb->raid_disks, MD_MAX_DEVS);
		diff = geometry_diff(ref, sb);
		if (diff)
			return msg_why(e, -EINVAL,
				       "%s and %s disagree on the %s",
				       members[0].path, members[i].path, diff);
	}
	for (i = 0; i < n; i++) {
		unsigned role = md_sb_role(&members[i].sb);

		if (role >= ref->raid_disks)
			return msg_why(
				e, -EINVAL, "%s is not an active member (%s)",
				members[i].path,
				role == MD_ROLE_SPARE	 ? "spare"
				: role == MD_ROLE_FAULTY ? "faulty"
							 : "role out of range");
		if (slot[role])
			return msg_why(
				e, -EEXIST,
				"%s and %s both claim slot %u: one is a copy of "
				"the other (a restored snapshot?)",
				slot[role]->path, members[i].path, role);
		slot[role] = &members[i];
	}
	for (i = 0; i < ref->raid_disks; i++) {
		if (slot[i])
			continue;
		nmissing++;
		if (mlen < sizeof(missing) - 16)
			mlen += (size_t)snprintf(missing + mlen,
						 sizeof(missing) - mlen, "%s%u",
						 mlen ? ", " : "", i);
	}
	if (nmissing)
		return msg_why(e, -ENODEV, "%s %s of %u missing (%u found)",
			       nmissing > 1 ? "slots" : "slot", missing,
			       ref->raid_disks, n);
	for (i = 1; i < n; i++)
		if (members[i].sb.events != ref->events)
			return msg_why(
				e, -EINVAL,
				"%s has events %llu but %s has %llu: one is a "
				"stale copy",
				members[0].path,
				(unsigned long long)ref->events,
				members[i].path,
				(unsigned long long)members[i].sb.events);
	return 0;
}

static int by_version(const void *a, const void *b)
{
	return strverscmp(a, b);
}

static int skip_scan(const char *sysfs, const char *name)
{
	static const char *const skip[] = {"md", "ram", "zram", "fd", "sr"};
	char path[512], line[64];
	unsigned i;

	for (i = 0; i < sizeof(skip) / sizeof(skip[0]); i++)
		if (!strncmp(name, skip[i], strlen(skip[i])))
			return 1;
	if (!strncmp(name, "loop", 4)) {
		snprintf(path, sizeof(path),
			 "%s/class/block/%s/loop/backing_file", sysfs, name);
		if (access(path, F_OK))
			return 1;
	}
	snprintf(path, sizeof(path), "%s/class/block/%s/size", sysfs, name);
	return io_read_line(path, line, sizeof(line)) || !strcmp(line, "0");
}

int md_scan_candidates(const char *sysfs, char (*paths)[128], unsigned max)
{
	char dir[300];
	DIR *d;
	struct dirent *e;
	unsigned n = 0;

	if (!sysfs)
		sysfs = "/sys";
	snprintf(dir, sizeof(dir), "%s/class/block", sysfs);
	d = opendir(dir);
	if (!d)
		return -errno;
	while ((e = readdir(d)) && n < max) {
		if (e->d_name[0] == '.' || strlen(e->d_name) > 100 ||
		    skip_scan(sysfs, e->d_name))
			continue;
		snprintf(paths[n++], 128, "/dev/%.100s", e->d_name);
	}
	closedir(d);
	qsort(paths, n, sizeof(*paths), by_version);
	return (int)n;
}

/* SECTORS as "64 MiB", or KiB when not whole MiB, into BUF. */
static const char *mib(uint64_t sectors, char *buf, size_t cap)
{
	if (sectors % MIB_SECTORS)
		snprintf(buf, cap, "%llu KiB", (unsigned long long)sectors / 2);
	else
		snprintf(buf, cap, "%llu MiB",
			 (unsigned long long)(sectors / MIB_SECTORS));
	return buf;
}

int md_plan_grow(struct md_member *members, unsigned n, uint64_t *from,
		 struct msg_error *e)
{
	uint64_t c, lo = UINT64_MAX, hi = 0, grow = 0, have[MD_MAX_DEVS],
		    room[MD_MAX_DEVS];
	char list[200], a[24], b[24];
	size_t len = 0;
	unsigned i, unequal = 0;
	int finish = 0;

	if (!n || n > MD_MAX_DEVS || !members[0].sb.chunk_sectors)
		return msg_why(e, -EINVAL, "no members");
	c = members[0].sb.chunk_sectors;
	for (i = 0; i < n; i++) {
		const struct md_member *m = &members[i];

		/* The kernel uses each member's data_size rounded down to
		 * the chunk; decode checked it fits the device. */
		have[i] = m->sb.data_size / c * c;
		room[i] = m->sectors > m->sb.data_offset
				  ? (m->sectors - m->sb.data_offset) / c * c
				  : 0;
		if (room[i] < have[i])
			return msg_why(e, -EINVAL,
				       "%s is smaller than its superblock says "
				       "(%llu sectors)",
				       m->path, (unsigned long long)m->sectors);
		lo = have[i] < lo ? have[i] : lo;
		hi = have[i] > hi ? have[i] : hi;
	}
	if (from)
		*from = lo * n;
	for (i = 0; i < n && room[i] == have[i]; i++)
		;
	if (i == n)
		return 0; /* no member grew: nothing to say either */
	if (lo != hi) {
		/* Several zones, or a grow cut between two rewrites: only
		 * the second leaves exactly two sizes, no layout feature,
		 * and every device holding the larger. */
		for (i = 0; i < n; i++)
			if ((have[i] != lo && have[i] != hi) || room[i] < hi)
				break;
		if (members[0].sb.feature_map & MD_FEATURE_RAID0_LAYOUT_BIT ||
		    i < n) {
			for (i = 0; i < n; i++)
				if (len < sizeof(list) - 48)
					len += (size_t)snprintf(
						list + len, sizeof(list) - len,
						"%s%s holds %s", i ? ", " : "",
						members[i].path,
						mib(have[i], a, sizeof(a)));
			return msg_why(e, -EDOM,
				       "its members are of unequal size (%s): "
				       "a RAID0 of several zones does not grow "
				       "(it would move the chunks of its later "
				       "zones); nothing was rewritten",
				       list);
		}
		finish = 1;
		lo = hi;
	}
	for (i = 0; i < n; i++) {
		uint64_t g = room[i] - lo;

		if (i && g != grow)
			unequal = 1;
		if (!i)
			grow = g;
		if (len < sizeof(list) - 48)
			len += (size_t)snprintf(list + len, sizeof(list) - len,
						"%s%s by %s", i ? ", " : "",
						members[i].path,
						mib(g, a, sizeof(a)));
	}
	if (unequal)
		return msg_why(e, -ERANGE,
			       "its members grew unequally (%s): grow every "
			       "member by the same amount (aws ec2 "
			       "modify-volume); nothing was rewritten, the "
			       "array stays %s per member",
			       list, mib(lo, b, sizeof(b)));
	if (!grow && !finish)
		return 0;
	for (i = 0; i < n; i++)
		members[i].sb.data_size = lo + grow;
	return finish ? 2 : 1;
}

int md_grow_members(const struct md_ident *id, const struct md_member *members,
		    unsigned n, struct msg_error *e)
{
	const struct md_member *m;
	uint8_t *buf = malloc(MD_SB_BYTES);
	uint64_t sectors;
	unsigned long devno;
	unsigned i;
	int fd, r = 0;

	if (!buf)
		return msg_errno(e, -ENOMEM);
	for (i = 0; i < n && !r; i++) {
		m = &members[i];
		/* Exclusive: nothing (md, dm, a mount) holds it meanwhile. */
		fd = md_open_member(m->path, O_RDWR | O_EXCL, &sectors, &devno);
		if (fd < 0) {
			r = msg_why(e, fd, "open %s: %s", m->path,
				    strerror(-fd));
			break;
		}
		if (sectors != m->sectors || devno != m->devno ||
		    m->sb.minor == 0 || /* at the end: it moved */
		    m->sb.data_offset + m->sb.data_size > sectors)
			r = msg_why(e, -ESTALE,
				    "%s changed while it was read; nothing "
				    "more was rewritten",
				    m->path);
		else if ((r = md_sb_encode(&m->sb, buf)) ||
			 (r = pwrite_all(fd, buf, MD_SB_BYTES,
					 m->sb.super_offset << 9)) ||
			 (r = fsync(fd) ? -errno : 0))
			msg_why(e, r, "rewrite the superblock of %s: %s",
				m->path, strerror(-r));
		close(fd);
		if (!r && id->step)
			id->step(id->step_arg, "md-grow-sb");
	}
	free(buf);
	return r;
}
