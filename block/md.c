/* md.c - md RAID0 arrays with v1.2 superblocks, without mdadm.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: block/md.h, include/uapi/linux/raid/md_p.h and md_u.h, md(4),
 *      Documentation/admin-guide/md.rst, mdadm 4.2 super1.c (the facts of
 *      what mdadm writes; no code is taken from it).
 *
 * The superblock is read and written field by field at fixed little-endian
 * offsets rather than through the kernel's struct, so the decoder is the same
 * on any host and every read of untrusted bytes is bounds-checked.
 * Self-contained on purpose: the fuzz target links this file alone.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* strverscmp, getrandom with glibc (fuzz builds) */
#endif
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/fs.h>
#include <linux/major.h>
#include <linux/raid/md_u.h>

#include "block/md.h"

/* Byte offsets in struct mdp_superblock_1 (md_p.h). */
enum {
	O_MAGIC = 0,
	O_MAJOR = 4,
	O_FEATURE = 8,
	O_SET_UUID = 16,
	O_SET_NAME = 32,
	O_CTIME = 64,
	O_LEVEL = 72,
	O_LAYOUT = 76,
	O_SIZE = 80,
	O_CHUNK = 88,
	O_RAID_DISKS = 92,
	O_DATA_OFFSET = 128,
	O_DATA_SIZE = 136,
	O_SUPER_OFFSET = 144,
	O_DEV_NUMBER = 160,
	O_DEVICE_UUID = 168,
	O_DEVFLAGS = 184,
	O_BBLOG_SHIFT = 185,
	O_BBLOG_SIZE = 186,
	O_BBLOG_OFFSET = 188,
	O_UTIME = 192,
	O_EVENTS = 200,
	O_RESYNC = 208,
	O_CSUM = 216,
	O_MAX_DEV = 220,
	O_ROLES = 256,
};

#define MIB_SECTORS 2048ULL
#define ROUND_UP(x, a) (((x) + (a)-1) / (a) * (a))

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static void say(char *why, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void say(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!why || !len)
		return;
	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
}

/* DST = A followed by B; -ENAMETOOLONG (DST untouched) when it won't fit. */
static int sjoin(char *dst, size_t len, const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la + lb >= len)
		return -ENAMETOOLONG;
	memcpy(dst, a, la);
	memcpy(dst + la, b, lb + 1);
	return 0;
}

unsigned md_sb_role(const struct md_sb *sb)
{
	if (sb->dev_number >= sb->max_dev || sb->dev_number >= MD_SB_MAX_ROLES)
		return MD_ROLE_SPARE;
	return sb->roles[sb->dev_number];
}

uint32_t md_sb_csum(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint64_t sum = 0;
	uint32_t max_dev;
	size_t size, i;

	if (len < O_ROLES)
		return 0;
	max_dev = get32(p + O_MAX_DEV);
	if (max_dev > MD_SB_MAX_ROLES)
		return 0;
	size = O_ROLES + 2 * (size_t)max_dev;
	if (size > len)
		return 0;
	for (i = 0; i + 4 <= size; i += 4)
		if (i != O_CSUM)
			sum += get32(p + i);
	if (size - i == 2)
		sum += get16(p + i);
	/* Fold once, in 32 bits, exactly as the kernel and mdadm do. */
	return (uint32_t)((sum & 0xffffffffU) + (sum >> 32));
}

/* Length of the UTF-8 sequence at P (N bytes left) when it encodes a
 * character that is not a control (C0, DEL, C1), else 0: overlong forms,
 * surrogates and stray bytes are refused as well, so that no terminal,
 * UTF-8 or 8-bit, ever sees a CSI (0x9b) or an ESC from a disk. */
static unsigned text_char(const uint8_t *p, unsigned n)
{
	unsigned len, i;
	uint32_t c;

	if (p[0] < 0x80)
		return p[0] >= 0x20 && p[0] != 0x7f;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2, c = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3, c = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4, c = p[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (p[i] & 0x3f);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
	    c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff) ||
	    (c >= 0x80 && c <= 0x9f))
		return 0;
	return len;
}

/* set_name: printed by examine and in messages, so text only (-EILSEQ). */
static int name_text(const uint8_t *p, char *out)
{
	unsigned i, n, len;

	for (n = 0; n < 32 && p[n]; n++)
		;
	for (i = 0; i < n; i += len) {
		len = text_char(p + i, n - i);
		if (!len)
			return -EILSEQ;
	}
	memcpy(out, p, n);
	out[n] = '\0';
	for (; n < 32; n++)
		if (p[n])
			return -EILSEQ;
	return 0;
}

int md_sb_decode(const void *buf, size_t len, unsigned minor,
		 uint64_t dev_sectors, struct md_sb *out)
{
	const uint8_t *p = buf;
	uint32_t i;

	memset(out, 0, sizeof(*out));
	if (len < 8 || get32(p + O_MAGIC) != MD_SB_MAGIC_LE)
		return -ENOENT;
	if (get32(p + O_MAJOR) != 1)
		return -EPROTONOSUPPORT;
	if (len < O_ROLES || minor > 2)
		return -EINVAL;
	out->minor = minor;
	out->feature_map = get32(p + O_FEATURE);
	memcpy(out->set_uuid, p + O_SET_UUID, 16);
	if (name_text(p + O_SET_NAME, out->set_name))
		return -EILSEQ;
	out->ctime = get64(p + O_CTIME);
	out->level = (int32_t)get32(p + O_LEVEL);
	out->layout = get32(p + O_LAYOUT);
	out->size = get64(p + O_SIZE);
	out->chunk_sectors = get32(p + O_CHUNK);
	out->raid_disks = get32(p + O_RAID_DISKS);
	out->data_offset = get64(p + O_DATA_OFFSET);
	out->data_size = get64(p + O_DATA_SIZE);
	out->super_offset = get64(p + O_SUPER_OFFSET);
	out->dev_number = get32(p + O_DEV_NUMBER);
	memcpy(out->device_uuid, p + O_DEVICE_UUID, 16);
	out->devflags = p[O_DEVFLAGS];
	out->bblog_shift = p[O_BBLOG_SHIFT];
	out->bblog_size = get16(p + O_BBLOG_SIZE);
	out->bblog_offset = get32(p + O_BBLOG_OFFSET);
	out->utime = get64(p + O_UTIME);
	out->events = get64(p + O_EVENTS);
	out->resync_offset = get64(p + O_RESYNC);
	out->sb_csum = get32(p + O_CSUM);
	out->max_dev = get32(p + O_MAX_DEV);

	if (out->max_dev > MD_SB_MAX_ROLES ||
	    O_ROLES + 2 * (size_t)out->max_dev > len)
		return -EINVAL;
	if (out->dev_number >= out->max_dev)
		return -EINVAL;
	if (!out->raid_disks || out->raid_disks > MD_SB_MAX_ROLES)
		return -EINVAL;
	for (i = 0; i < out->max_dev; i++)
		out->roles[i] = get16(p + O_ROLES + 2 * i);
	for (; i < MD_SB_MAX_ROLES; i++)
		out->roles[i] = MD_ROLE_SPARE;

	/* Where each minor version puts the superblock (md(4)). */
	switch (minor) {
	case 0:
		if (dev_sectors &&
		    (dev_sectors < 24 ||
		     out->super_offset != ((dev_sectors - 16) & ~7ULL)))
			return -EINVAL;
		if (out->data_offset > out->super_offset ||
		    out->data_size > out->super_offset - out->data_offset)
			return -EINVAL;
		break;
	case 1:
	case 2:
		if (out->super_offset != (minor == 2 ? 8 : 0))
			return -EINVAL;
		/* Data after the 4 KiB superblock, within the device. */
		if (out->data_offset < out->super_offset + 8 ||
		    out->data_size > UINT64_MAX - out->data_offset)
			return -EINVAL;
		if (dev_sectors &&
		    (out->data_offset > dev_sectors ||
		     out->data_size > dev_sectors - out->data_offset))
			return -EINVAL;
		break;
	}
	if (md_sb_csum(buf, len) != out->sb_csum)
		return -EBADMSG;
	return 0;
}

int md_sb_encode(const struct md_sb *sb, void *buf)
{
	uint8_t *p = buf;
	uint32_t i;

	if (sb->max_dev > MD_SB_MAX_ROLES || sb->dev_number >= sb->max_dev)
		return -EINVAL;
	memset(p, 0, MD_SB_BYTES);
	put32(p + O_MAGIC, MD_SB_MAGIC_LE);
	put32(p + O_MAJOR, 1);
	put32(p + O_FEATURE, sb->feature_map);
	memcpy(p + O_SET_UUID, sb->set_uuid, 16);
	memcpy(p + O_SET_NAME, sb->set_name, strnlen(sb->set_name, 32));
	put64(p + O_CTIME, sb->ctime);
	put32(p + O_LEVEL, (uint32_t)sb->level);
	put32(p + O_LAYOUT, sb->layout);
	put64(p + O_SIZE, sb->size);
	put32(p + O_CHUNK, sb->chunk_sectors);
	put32(p + O_RAID_DISKS, sb->raid_disks);
	put64(p + O_DATA_OFFSET, sb->data_offset);
	put64(p + O_DATA_SIZE, sb->data_size);
	put64(p + O_SUPER_OFFSET, sb->super_offset);
	put32(p + O_DEV_NUMBER, sb->dev_number);
	memcpy(p + O_DEVICE_UUID, sb->device_uuid, 16);
	p[O_DEVFLAGS] = sb->devflags;
	p[O_BBLOG_SHIFT] = sb->bblog_shift;
	put16(p + O_BBLOG_SIZE, sb->bblog_size);
	put32(p + O_BBLOG_OFFSET, sb->bblog_offset);
	put64(p + O_UTIME, sb->utime);
	put64(p + O_EVENTS, sb->events);
	put64(p + O_RESYNC, sb->resync_offset);
	put32(p + O_MAX_DEV, sb->max_dev);
	/* Unused role slots read as "spare", like mdadm leaves them. */
	for (i = 0; i < MD_SB_MAX_ROLES; i++)
		put16(p + O_ROLES + 2 * i,
		      i < sb->max_dev ? sb->roles[i] : MD_ROLE_SPARE);
	put32(p + O_CSUM, md_sb_csum(p, MD_SB_BYTES));
	return 0;
}

/* mdadm's bitmap room, in sectors, for a device of DEV sectors. */
static uint64_t bitmap_room(uint64_t dev)
{
	if (dev < 64 * 2)
		return 0;
	if (dev - 64 * 2 >= 200ULL * 1024 * 1024 * 2)
		return 128 * 2;
	if (dev - 4 * 2 > 8ULL * 1024 * 1024 * 2)
		return 64 * 2;
	return 4 * 2;
}

uint64_t md_data_offset(uint64_t dev_sectors, uint32_t chunk_sectors)
{
	uint64_t headroom = 128 * 1024 * 2; /* 128 MiB */

	/* About 0.1% of the device, but at least twice the chunk. */
	while ((headroom << 10) > dev_sectors &&
	       (!chunk_sectors || headroom / 2 >= (uint64_t)chunk_sectors * 2))
		headroom >>= 1;
	return ROUND_UP(12 * 2 + bitmap_room(dev_sectors) + headroom,
			MIB_SECTORS);
}

void md_uuid_str(const uint8_t uuid[16], char out[36])
{
	static const char hex[] = "0123456789abcdef";
	unsigned i, o = 0;

	for (i = 0; i < 16; i++) {
		if (i && !(i & 3))
			out[o++] = ':';
		out[o++] = hex[uuid[i] >> 4];
		out[o++] = hex[uuid[i] & 15];
	}
	out[o] = '\0';
}

int md_uuid_parse(const char *s, uint8_t uuid[16])
{
	unsigned n = 0;
	int hi = -1;

	for (; *s; s++) {
		int v;

		if (*s == ':' || *s == '-' || *s == '.')
			continue;
		if (!isxdigit((unsigned char)*s) || n == 16)
			return -EINVAL;
		v = isdigit((unsigned char)*s)
			    ? *s - '0'
			    : (tolower((unsigned char)*s) - 'a' + 10);
		if (hi < 0) {
			hi = v;
		} else {
			uuid[n++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	return n == 16 && hi < 0 ? 0 : -EINVAL;
}

int md_name_valid(const char *name)
{
	size_t i, len = name ? strlen(name) : 0;

	if (!len || len > MD_NAME_MAX || !strcmp(name, ".") ||
	    !strcmp(name, ".."))
		return -EINVAL;
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)name[i]) && !strchr("._-", name[i]))
			return -EINVAL;
	return 0;
}

int md_name_matches(const struct md_sb *sb, const char *name)
{
	const char *colon = strchr(sb->set_name, ':');

	if (!strcmp(sb->set_name, name))
		return 1;
	return colon && !strcmp(colon + 1, name);
}

/* ---- members on devices or image files ---------------------------------- */

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

/* Size in sectors of the device or regular file open as FD. */
static int fd_sectors(int fd, uint64_t *sectors, unsigned long *devno)
{
	struct stat st;
	uint64_t bytes;

	if (fstat(fd, &st))
		return -errno;
	if (S_ISBLK(st.st_mode)) {
		if (ioctl(fd, BLKGETSIZE64, &bytes))
			return -errno;
		*devno = (unsigned long)st.st_rdev;
	} else if (S_ISREG(st.st_mode)) {
		bytes = (uint64_t)st.st_size;
		*devno = 0;
	} else {
		return -ENOTBLK;
	}
	*sectors = bytes >> 9;
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
		sb->max_dev =
			(uint32_t)((ROUND_UP(O_ROLES + 2 * n, 512) - O_ROLES) /
				   2);
		for (j = 0; j < MD_SB_MAX_ROLES; j++)
			sb->roles[j] = j < n ? (uint16_t)j : MD_ROLE_SPARE;
	}
	return 0;
}

static int open_member(const char *path, int flags, uint64_t *sectors,
		       unsigned long *devno)
{
	int fd = open(path, flags | O_CLOEXEC);
	int r;

	if (fd < 0)
		return -errno;
	r = fd_sectors(fd, sectors, devno);
	if (r) {
		close(fd);
		return r;
	}
	return fd;
}

int md_find_members(const struct md_ident *id, const char *const *cands,
		    unsigned n, int strict, struct md_member *members,
		    unsigned max, char *why, size_t whylen)
{
	struct md_member *m;
	unsigned i, j, found = 0;
	char u1[36], u2[36];
	int r = 0;

	m = malloc(sizeof(*m));
	if (!m)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		int fd, member;

		memset(m, 0, sizeof(*m));
		fd = open_member(cands[i], O_RDONLY, &m->sectors, &m->devno);
		if (fd < 0) {
			if (strict) {
				say(why, whylen, "open %s: %s", cands[i],
				    strerror(-fd));
				r = fd;
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
				say(why, whylen, "%s is not a member: %s",
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
				r = -ENODEV;
				goto out;
			}
			r = 0;
			continue;
		}
		r = 0;
		for (j = 0; j < found; j++) {
			if (m->devno && members[j].devno == m->devno) {
				say(why, whylen, "%s and %s are one device",
				    members[j].path, cands[i]);
				r = -EINVAL;
				goto out;
			}
			if (!id->has_uuid && memcmp(members[j].sb.set_uuid,
						    m->sb.set_uuid, 16)) {
				md_uuid_str(members[j].sb.set_uuid, u1);
				md_uuid_str(m->sb.set_uuid, u2);
				say(why, whylen,
				    "two arrays are named %s: %s (%s) and %s "
				    "(%s); use --uuid",
				    id->name, u1, members[j].path, u2,
				    cands[i]);
				r = -ENOTUNIQ;
				goto out;
			}
		}
		if (found == max) {
			say(why, whylen, "more than %u members", max);
			r = -E2BIG;
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

int md_check_members(const struct md_member *members, unsigned n, char *why,
		     size_t whylen)
{
	const struct md_member *slot[MD_MAX_DEVS] = {NULL};
	const struct md_sb *ref;
	char missing[160];
	size_t mlen = 0;
	unsigned i, nmissing = 0;
	const char *diff;

	if (!n) {
		say(why, whylen, "no members");
		return -ENOENT;
	}
	ref = &members[0].sb;
	for (i = 0; i < n; i++) {
		const struct md_sb *sb = &members[i].sb;

		if (sb->level != 0) {
			say(why, whylen, "%s: RAID level %d, not RAID0",
			    members[i].path, (int)sb->level);
			return -EINVAL;
		}
		if (sb->feature_map & ~(uint32_t)MD_FEATURE_RAID0_LAYOUT_BIT) {
			say(why, whylen, "%s: unsupported features 0x%x",
			    members[i].path, sb->feature_map);
			return -EINVAL;
		}
		if (!sb->chunk_sectors ||
		    (sb->chunk_sectors & (sb->chunk_sectors - 1))) {
			say(why, whylen, "%s: bad chunk size %u sectors",
			    members[i].path, sb->chunk_sectors);
			return -EINVAL;
		}
		if (sb->raid_disks > MD_MAX_DEVS) {
			say(why, whylen, "%s: %u devices, more than %u",
			    members[i].path, sb->raid_disks, MD_MAX_DEVS);
			return -EINVAL;
		}
		diff = geometry_diff(ref, sb);
		if (diff) {
			say(why, whylen, "%s and %s disagree on the %s",
			    members[0].path, members[i].path, diff);
			return -EINVAL;
		}
	}
	for (i = 0; i < n; i++) {
		unsigned role = md_sb_role(&members[i].sb);

		if (role >= ref->raid_disks) {
			say(why, whylen, "%s is not an active member (%s)",
			    members[i].path,
			    role == MD_ROLE_SPARE    ? "spare"
			    : role == MD_ROLE_FAULTY ? "faulty"
						     : "role out of range");
			return -EINVAL;
		}
		if (slot[role]) {
			say(why, whylen,
			    "%s and %s both claim slot %u: one is a copy of "
			    "the other (a restored snapshot?)",
			    slot[role]->path, members[i].path, role);
			return -EEXIST;
		}
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
	if (nmissing) {
		say(why, whylen, "%s %s of %u missing (%u found)",
		    nmissing > 1 ? "slots" : "slot", missing, ref->raid_disks,
		    n);
		return -ENODEV;
	}
	for (i = 1; i < n; i++) {
		if (members[i].sb.events != ref->events) {
			say(why, whylen,
			    "%s has events %llu but %s has %llu: one is a "
			    "stale copy",
			    members[0].path, (unsigned long long)ref->events,
			    members[i].path,
			    (unsigned long long)members[i].sb.events);
			return -EINVAL;
		}
	}
	return 0;
}

/* ---- the kernel --------------------------------------------------------- */

/* Read the first line of a sysfs-like file into BUF, newline dropped. */
static int read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	int r = 0;

	if (!f)
		return -errno;
	if (!fgets(buf, (int)len, f))
		r = ferror(f) ? -EIO : -ENODATA;
	fclose(f);
	if (!r)
		buf[strcspn(buf, "\n")] = '\0';
	return r;
}

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
	fd = open_member(path, O_RDONLY, &sectors, &devno);
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
		if (read_line(path, state, sizeof(state)) ||
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
		sjoin(out->dev, sizeof(out->dev), "/dev/", e->d_name);
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

/* Load md_mod when it is a module that is not loaded yet. */
static int ensure_md_mod(void)
{
	pid_t pid;
	int st;

	if (!access("/sys/module/md_mod/parameters/new_array", F_OK))
		return 0;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		execlp("modprobe", "modprobe", "-q", "md_mod", (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return access("/sys/module/md_mod/parameters/new_array", F_OK) ? -ENODEV
								       : 0;
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
		if (read_line(sys, line, sizeof(line)) ||
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
		r = write_str("/sys/module/md_mod/parameters/new_array", name);
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
	char target[64], tmp[80], cur[64];
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
	snprintf(tmp, sizeof(tmp), "/dev/md/.%s.luksbox", name);
	unlink(tmp);
	if (symlink(target, tmp))
		return -errno;
	if (rename(tmp, link)) {
		int r = -errno;

		unlink(tmp);
		return r;
	}
	return 0;
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
	return sjoin(mdname, len, "", base);
}

static int md_running(const char *mdname)
{
	char path[96], state[32];

	snprintf(path, sizeof(path), "/sys/block/%s/md/array_state", mdname);
	if (read_line(path, state, sizeof(state)))
		return 0;
	return strcmp(state, "clear") != 0;
}

int md_create(const struct md_create *c, const char *const *devs, unsigned n,
	      unsigned readahead, struct md_array *out, char *why,
	      size_t whylen)
{
	struct md_member *m;
	uint64_t sectors[MD_MAX_DEVS];
	int fds[MD_MAX_DEVS];
	char mdname[32];
	unsigned i, j;
	int r = 0;

	if (!n || n > MD_MAX_DEVS || md_name_valid(c->name)) {
		say(why, whylen, "bad name or number of devices");
		return -EINVAL;
	}
	if (!link_target(c->name, mdname, sizeof(mdname)) &&
	    md_running(mdname)) {
		say(why, whylen, "an array named %s is running as /dev/%s",
		    c->name, mdname);
		return -EEXIST;
	}
	m = calloc(n, sizeof(*m));
	if (!m)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		fds[i] = -1;
	for (i = 0; i < n; i++) {
		/* O_EXCL on a block device: -EBUSY when mounted or held by
		 * md/dm, checked before anything is written. */
		fds[i] = open_member(devs[i], O_RDWR | O_EXCL, &m[i].sectors,
				     &m[i].devno);
		if (fds[i] < 0) {
			r = fds[i];
			say(why, whylen, "open %s: %s%s", devs[i], strerror(-r),
			    r == -EBUSY ? " (mounted, or held by md or dm)"
					: "");
			goto out_close;
		}
		if (!m[i].devno) {
			say(why, whylen, "%s is not a block device", devs[i]);
			r = -ENOTBLK;
			goto out_close;
		}
		for (j = 0; j < i; j++)
			if (m[j].devno == m[i].devno) {
				say(why, whylen, "%s and %s are one device",
				    devs[j], devs[i]);
				r = -EINVAL;
				goto out_close;
			}
		sectors[i] = m[i].sectors;
		snprintf(m[i].path, sizeof(m[i].path), "%s", devs[i]);
	}
	{
		struct md_sb *sbs = calloc(n, sizeof(*sbs));

		if (!sbs) {
			r = -ENOMEM;
			goto out_close;
		}
		r = md_plan_create(c, sectors, n, sbs);
		for (i = 0; i < n && !r; i++)
			m[i].sb = sbs[i];
		free(sbs);
	}
	if (r) {
		say(why, whylen, "%s",
		    r == -ENOSPC ? "a device is too small for the data offset "
				   "plus one chunk"
				 : "plan the superblocks");
		goto out_close;
	}
	for (i = 0; i < n; i++) {
		r = md_write_sb(fds[i], m[i].sectors, &m[i].sb);
		if (r) {
			say(why, whylen, "write the superblock to %s: %s",
			    devs[i], strerror(-r));
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
		say(why, whylen, "start the array: %s", strerror(-r));
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
		unsigned readahead, struct md_array *out, char *why,
		size_t whylen)
{
	char(*paths)[128] = NULL;
	const char **cands = NULL;
	struct md_member *m;
	char uuid[36];
	int found, r;
	unsigned i;

	m = calloc(MD_MAX_DEVS, sizeof(*m));
	if (!m)
		return -ENOMEM;
	if (!n) {
		paths = calloc(256, sizeof(*paths));
		cands = calloc(256, sizeof(*cands));
		r = -ENOMEM;
		if (!paths || !cands)
			goto out;
		r = md_scan_candidates(NULL, paths, 256);
		if (r < 0) {
			say(why, whylen, "scan /sys/class/block: %s",
			    strerror(-r));
			goto out;
		}
		n = (unsigned)r;
		for (i = 0; i < n; i++)
			cands[i] = paths[i];
		devs = cands;
		found = md_find_members(id, devs, n, 0, m, MD_MAX_DEVS, why,
					whylen);
	} else {
		found = md_find_members(id, devs, n, 1, m, MD_MAX_DEVS, why,
					whylen);
	}
	if (found < 0) {
		r = found;
		goto out;
	}
	if (!found) {
		if (id->has_uuid)
			md_uuid_str(id->uuid, uuid);
		say(why, whylen, "no member of %s found on %u %sdevice%s",
		    id->has_uuid ? uuid : id->name, n, cands ? "block " : "",
		    n == 1 ? "" : "s");
		r = -ENOENT;
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
		goto out;
	}
	if (r == -EINPROGRESS) {
		/* A partial assembly (udev saw some members): it holds them,
		 * so it has to go before the whole array can start. */
		r = stop_md(out->dev + 5);
		if (r) {
			say(why, whylen, "stop the partial array %s: %s",
			    out->dev, strerror(-r));
			goto out;
		}
	} else if (r < 0) {
		say(why, whylen, "look for running arrays: %s", strerror(-r));
		goto out;
	}
	r = md_check_members(m, (unsigned)found, why, whylen);
	if (r)
		goto out;
	r = md_start(m, (unsigned)found, readahead, out);
	if (r)
		say(why, whylen, "start the array: %s", strerror(-r));
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

int md_stop(const char *what, char *why, size_t whylen)
{
	char mdname[32], path[300], holder[64], dmname[128];
	const char *base = strrchr(what, '/') ? strrchr(what, '/') + 1 : what;
	DIR *d;
	struct dirent *e;
	int fd, r;

	if (!strncmp(what, "/dev/md/", 8) || !strchr(what, '/')) {
		if (!strchr(what, '/') && is_md_name(what))
			snprintf(mdname, sizeof(mdname), "%s", what);
		else if (link_target(base, mdname, sizeof(mdname))) {
			say(why, whylen, "no array named %s (/dev/md/%s)", base,
			    base);
			return -ENOENT;
		}
	} else if (!strncmp(what, "/dev/", 5) && is_md_name(base)) {
		snprintf(mdname, sizeof(mdname), "%s", base);
	} else {
		say(why, whylen, "%s is not an md array", what);
		return -EINVAL;
	}
	if (!md_running(mdname)) {
		say(why, whylen, "/dev/%s is not running", mdname);
		return -ENOENT;
	}
	snprintf(path, sizeof(path), "/sys/block/%s/holders", mdname);
	d = opendir(path);
	holder[0] = '\0';
	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.' && !holder[0])
			sjoin(holder, sizeof(holder), "", e->d_name);
	if (d)
		closedir(d);
	if (holder[0]) {
		snprintf(path, sizeof(path), "/sys/block/%s/dm/name", holder);
		if (read_line(path, dmname, sizeof(dmname)))
			dmname[0] = '\0';
		say(why, whylen, "/dev/%s is held by %s%s%s%s", mdname, holder,
		    dmname[0] ? " (" : "", dmname, dmname[0] ? ")" : "");
		return -EBUSY;
	}
	snprintf(path, sizeof(path), "/dev/%s", mdname);
	/* O_EXCL fails while a file system is mounted on it. */
	fd = open(path, O_RDONLY | O_EXCL | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		say(why, whylen, "open %s: %s%s", path, strerror(-r),
		    r == -EBUSY ? " (mounted, or opened exclusively)" : "");
		return r;
	}
	r = ioctl(fd, STOP_ARRAY, NULL) ? -errno : 0;
	close(fd);
	if (r) {
		say(why, whylen, "stop %s: %s%s", path, strerror(-r),
		    r == -EBUSY ? " (another program has it open)" : "");
		return r;
	}
	drop_links(mdname);
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
	return read_line(path, line, sizeof(line)) || !strcmp(line, "0");
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
		if (!sjoin(paths[n], 128, "/dev/", e->d_name))
			n++;
	}
	closedir(d);
	qsort(paths, n, sizeof(*paths), by_version);
	return (int)n;
}

static int listed(const char *name, const char *const *list, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++)
		if (list[i] && !strcmp(list[i], name))
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

int md_list_ephemeral(const char *sysfs, const char *model,
		      const char *const *root_disks, unsigned nroot,
		      char (*names)[32], unsigned max)
{
	char path[512], line[128];
	DIR *d;
	struct dirent *e;
	unsigned n = 0;

	if (!sysfs)
		sysfs = "/sys";
	/* Never from the environment: the model decides which disks may be
	 * formatted (the test build's applets pass qemu's). */
	if (!model || !*model)
		model = MD_EPHEMERAL_MODEL;
	snprintf(path, sizeof(path), "%s/block", sysfs);
	d = opendir(path);
	if (!d)
		return -errno;
	while ((e = readdir(d)) && n < max) {
		if (!nvme_disk(e->d_name) || strlen(e->d_name) >= 32 ||
		    listed(e->d_name, root_disks, nroot))
			continue;
		snprintf(path, sizeof(path), "%s/block/%s/device/model", sysfs,
			 e->d_name);
		if (read_line(path, line, sizeof(line)))
			continue;
		if (strcmp(trim(line), model))
			continue;
		if (!sjoin(names[n], 32, "", e->d_name))
			n++;
	}
	closedir(d);
	qsort(names, n, sizeof(*names), by_version);
	return (int)n;
}

int md_map_xen_ephemeral(const char *sysfs, const char *const *bdm,
			 unsigned nbdm, const char *const *root_disks,
			 unsigned nroot, char (*names)[32], unsigned max)
{
	char path[512], cand[2][40];
	unsigned i, j, k, n = 0;

	if (!sysfs)
		sysfs = "/sys";
	for (i = 0; i < nbdm && n < max; i++) {
		const char *v = bdm[i];

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
			if (listed(cand[j], root_disks, nroot))
				break;
			for (k = 0; k < n; k++)
				if (!strcmp(names[k], cand[j]))
					break;
			if (k == n)
				if (!sjoin(names[n], 32, "", cand[j]))
					n++;
			break;
		}
	}
	return (int)n;
}
