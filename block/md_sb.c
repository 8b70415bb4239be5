/* md_sb.c - the md v1.x superblock: decode, encode, checksum, mdadm's
 * data offset, UUIDs and names.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: block/md.h ("the superblock"), include/uapi/linux/raid/md_p.h,
 *      md(4), mdadm 4.2 super1.c (the facts of what mdadm writes; no code
 *      is taken from it).
 *
 * The superblock is read and written field by field at fixed little-endian
 * offsets rather than through the kernel's struct, so the decoder is the same
 * on any host and every read of untrusted bytes is bounds-checked.
 * Pure functions on buffers, self-contained on purpose: no I/O, and the
 * fuzz target links this file with md_members.c alone.
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "block/md.h"

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

uint32_t md_sb_max_dev(unsigned n)
{
	/* Room for N roles, rounded up to fill a 512-byte sector. */
	return (uint32_t)((ROUND_UP(O_ROLES + 2 * (uint64_t)n, 512) - O_ROLES) /
			  2);
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
