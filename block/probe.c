/* probe.c - what is on a block device: signatures, and the one "blank".
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: block/probe.h; the offsets below are those of the on-disk formats
 *      (LUKS1/LUKS2 specifications, md(4), ext4 and XFS disk layouts, btrfs
 *      superblock, mkswap(8), LVM2 label, UEFI GPT), as blkid reads them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "block/probe.h"
#include "lib/io.h"

enum {
	EDGE = 1024 * 1024, /* "blank" reads this much at each end */
	MD_MAGIC = 0xa92b4efc,
	EXT_MAGIC = 0xef53,
	ZFS_LABEL = 256 * 1024,	   /* one vdev label; two at each end */
	ZFS_UB_RING = 128 * 1024,  /* uberblock ring, inside a label */
	ZFS_UB_SLOT = 1024,	   /* smallest uberblock slot (ashift 9) */
	ZFS_UB_MAGIC = 0x00bab10c, /* 64-bit, in the pool's byte order */
	ZFS_MAX_VERSION = 5000,	   /* SPA_VERSION_FEATURES */
	ISO_VD = 32768,		   /* first ISO 9660 / UDF volume descriptor */
};

/* The device seen through its two edges: HEAD holds the first EDGE bytes,
 * TAIL the last EDGE bytes (both zero past the end); anything else is read
 * when asked for. */
struct img {
	int fd;
	uint64_t size;
	uint8_t *head;
	uint8_t *tail;
	uint64_t toff; /* device offset of tail[0] */
};

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[3] | (uint32_t)p[2] << 8 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[0] << 24;
}

static uint64_t le64(const uint8_t *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

static uint64_t be64(const uint8_t *p)
{
	return (uint64_t)be32(p) << 32 | (uint64_t)be32(p + 4);
}

static void add(struct probe_result *out, enum probe_kind kind,
		const char *type, const char *version, uint64_t offset)
{
	if (out->n < PROBE_MAX) {
		struct probe_sig *s = &out->sig[out->n];

		s->kind = kind;
		s->type = type;
		snprintf(s->version, sizeof(s->version), "%s", version);
		s->offset = offset;
	}
	out->n++;
}

/* Read LEN bytes at OFF; a short read (past the end) is not an error but
 * leaves the rest zero. */
static int read_at(int fd, uint8_t *buf, size_t len, uint64_t off)
{
	size_t got = 0;

	memset(buf, 0, len);
	while (got < len) {
		ssize_t r = pread(fd, buf + got, len - got, (off_t)(off + got));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (!r)
			break;
		got += (size_t)r;
	}
	return 0;
}

/* LEN bytes at OFF into BUF: 0, or -1 (BUF zeroed) when they are not all
 * on the device or cannot be read. */
static int get(const struct img *m, uint64_t off, void *buf, size_t len)
{
	if (off > m->size || len > m->size - off) {
		memset(buf, 0, len);
		return -1;
	}
	if (off + len <= EDGE) {
		memcpy(buf, m->head + off, len);
		return 0;
	}
	if (off >= m->toff && off + len <= m->toff + EDGE) {
		memcpy(buf, m->tail + (off - m->toff), len);
		return 0;
	}
	return read_at(m->fd, buf, len, off) ? -1 : 0;
}

/* Is there MAGIC (LEN bytes) at OFF? */
static int has(const struct img *m, uint64_t off, const void *magic, size_t len)
{
	uint8_t b[16];

	return len <= sizeof(b) && !get(m, off, b, len) &&
	       !memcmp(b, magic, len);
}

static void probe_luks(const struct img *m, struct probe_result *out)
{
	/* LUKS2 keeps a second header at one of these offsets. */
	static const uint64_t second[] = {
		16384,	32768,	 65536,	  131072,  262144,
		524288, 1048576, 2097152, 4194304,
	};
	const uint8_t *h = m->head;
	uint8_t b[8];
	char v[8];
	unsigned i;

	if (!memcmp(h, "LUKS\xba\xbe", 6)) {
		snprintf(v, sizeof(v), "%u", (unsigned)(h[6] << 8 | h[7]));
		add(out, PROBE_LUKS, "crypto_LUKS", v, 0);
		return;
	}
	for (i = 0; i < sizeof(second) / sizeof(second[0]); i++) {
		if (get(m, second[i], b, 8))
			break;
		if (!memcmp(b, "SKUL\xba\xbe", 6)) {
			snprintf(v, sizeof(v), "%u",
				 (unsigned)(b[6] << 8 | b[7]));
			add(out, PROBE_LUKS, "crypto_LUKS", v, second[i]);
			return;
		}
	}
}

static void probe_ext(const uint8_t *h, struct probe_result *out)
{
	const uint8_t *sb = h + 1024;
	uint32_t compat, incompat, ro;
	const char *type;

	if (le16(sb + 0x38) != EXT_MAGIC)
		return;
	compat = le32(sb + 0x5c);
	incompat = le32(sb + 0x60);
	ro = le32(sb + 0x64);
	/* extents, 64bit, flex_bg, or ext4's ro features mean ext4. */
	if ((incompat & 0x2c0) || (ro & 0x78))
		type = "ext4";
	else if (compat & 0x4) /* has_journal */
		type = "ext3";
	else
		type = "ext2";
	add(out, PROBE_EXT, type, "", 1024 + 0x38);
}

static void probe_md(const struct img *m, struct probe_result *out)
{
	const uint8_t *h = m->head;
	uint64_t size = m->size;
	uint8_t b[8];
	uint64_t at;

	if (le32(h) == MD_MAGIC && le32(h + 4) == 1)
		add(out, PROBE_MD, "linux_raid_member", "1.1", 0);
	if (le32(h + 4096) == MD_MAGIC && le32(h + 4100) == 1)
		add(out, PROBE_MD, "linux_raid_member", "1.2", 4096);
	/* 1.0: 8 to 12 KiB from the end, 4 KiB aligned. */
	if (size >= 24 * 512) {
		at = ((size / 512 - 16) & ~7ULL) * 512;
		if (!get(m, at, b, 8) && le32(b) == MD_MAGIC &&
		    le32(b + 4) == 1)
			add(out, PROBE_MD, "linux_raid_member", "1.0", at);
	}
	/* 0.90: the last 64 KiB-aligned 64 KiB, in host byte order. */
	if (size >= 128 * 1024) {
		at = (size & ~65535ULL) - 65536;
		if (!get(m, at, b, 8) &&
		    ((le32(b) == MD_MAGIC && le32(b + 4) == 0) ||
		     (be32(b) == MD_MAGIC && be32(b + 4) == 0)))
			add(out, PROBE_MD, "linux_raid_member", "0.90", at);
	}
}

static void probe_swap(const uint8_t *h, struct probe_result *out)
{
	static const unsigned page[] = {4096, 8192, 16384, 65536};
	unsigned i;

	for (i = 0; i < sizeof(page) / sizeof(page[0]); i++) {
		const uint8_t *p = h + page[i] - 10;

		if (!memcmp(p, "SWAPSPACE2", 10)) {
			add(out, PROBE_SWAP, "swap", "1", page[i] - 10);
			return;
		}
		if (!memcmp(p, "SWAP-SPACE", 10)) {
			add(out, PROBE_SWAP, "swap", "0", page[i] - 10);
			return;
		}
	}
}

static void probe_gpt(const struct img *m, struct probe_result *out)
{
	uint64_t size = m->size;

	if (!memcmp(m->head + 512, "EFI PART", 8)) {
		add(out, PROBE_GPT, "gpt", "", 512);
		return;
	}
	if (!memcmp(m->head + 4096, "EFI PART", 8)) { /* 4 KiB sectors */
		add(out, PROBE_GPT, "gpt", "", 4096);
		return;
	}
	/* Only the backup survives when the start was overwritten. */
	if (size >= 1024 && has(m, size - 512, "EFI PART", 8))
		add(out, PROBE_GPT, "gpt", "", size - 512);
	else if (size >= 8192 && has(m, size - 4096, "EFI PART", 8))
		add(out, PROBE_GPT, "gpt", "", size - 4096);
}

/* A ZFS vdev label at AT: some slot of its uberblock ring holds the
 * uberblock magic (either byte order) and a version ZFS could write.
 * Returns the offset of that uberblock, or 0. */
static uint64_t zfs_label(const struct img *m, uint64_t at)
{
	uint64_t off;
	uint8_t b[16];

	for (off = at + ZFS_UB_RING; off < at + ZFS_LABEL; off += ZFS_UB_SLOT) {
		uint64_t v;

		if (get(m, off, b, 16))
			return 0;
		if (le64(b) == ZFS_UB_MAGIC)
			v = le64(b + 8);
		else if (be64(b) == ZFS_UB_MAGIC)
			v = be64(b + 8);
		else
			continue;
		if (v >= 1 && v <= ZFS_MAX_VERSION)
			return off;
	}
	return 0;
}

/* ZFS keeps two labels at the start and two at the end of the device
 * (rounded down to a label), so that either end names the pool. */
static void probe_zfs(const struct img *m, struct probe_result *out)
{
	uint64_t end = m->size & ~(uint64_t)(ZFS_LABEL - 1), at;

	if (end < 4 * ZFS_LABEL)
		return;
	at = zfs_label(m, 0);
	if (!at)
		at = zfs_label(m, ZFS_LABEL);
	if (at)
		add(out, PROBE_ZFS, "zfs_member", "", at);
	at = zfs_label(m, end - 2 * ZFS_LABEL);
	if (!at)
		at = zfs_label(m, end - ZFS_LABEL);
	if (at)
		add(out, PROBE_ZFS, "zfs_member", "", at);
}

static int pow2(unsigned v)
{
	return v && !(v & (v - 1));
}

/* File systems whose first sector is a boot sector. 1 when one is found
 * (its 0x55aa then is not an MBR). */
static int probe_boot_fs(const uint8_t *h, struct probe_result *out)
{
	unsigned bps = le16(h + 11);

	if (!memcmp(h + 3, "NTFS    ", 8)) {
		add(out, PROBE_NTFS, "ntfs", "", 3);
		return 1;
	}
	if (!memcmp(h + 3, "EXFAT   ", 8)) {
		add(out, PROBE_EXFAT, "exfat", "", 3);
		return 1;
	}
	/* FAT: the BPB must be sane too, the type string is only a hint. */
	if (h[510] != 0x55 || h[511] != 0xaa || bps < 512 || bps > 4096 ||
	    !pow2(bps) || !pow2(h[13]) || !le16(h + 14) || !h[16])
		return 0;
	if (!memcmp(h + 82, "FAT32   ", 8)) {
		add(out, PROBE_VFAT, "vfat", "FAT32", 82);
		return 1;
	}
	if (!memcmp(h + 54, "FAT12   ", 8) || !memcmp(h + 54, "FAT16   ", 8) ||
	    !memcmp(h + 54, "FAT     ", 8)) {
		add(out, PROBE_VFAT, "vfat", "FAT16", 54);
		return 1;
	}
	return 0;
}

/* ISO 9660 and UDF volume descriptors: 2 KiB each from 32 KiB. */
static void probe_optical(const uint8_t *h, struct probe_result *out)
{
	unsigned i, udf = 0;

	if (!memcmp(h + ISO_VD + 1, "CD001", 5))
		add(out, PROBE_ISO9660, "iso9660", "", ISO_VD + 1);
	for (i = 0; i < 16 && !udf; i++) {
		const uint8_t *d = h + ISO_VD + 2048 * i + 1;

		if (!memcmp(d, "NSR02", 5) || !memcmp(d, "NSR03", 5)) {
			add(out, PROBE_UDF, "udf", "", ISO_VD + 2048 * i + 1);
			udf = 1;
		}
	}
}

static void probe_other(const uint8_t *h, struct probe_result *out)
{
	static const uint8_t bcache[16] = {0xc6, 0x85, 0x73, 0xf6, 0x4e, 0x1a,
					   0x45, 0xca, 0x82, 0x65, 0xf5, 0x7f,
					   0x48, 0xba, 0x6d, 0x81};
	static const char *const reiser[] = {"ReIsErFs", "ReIsEr2Fs",
					     "ReIsEr3Fs"};
	unsigned i;

	if (!memcmp(h, "XFSB", 4))
		add(out, PROBE_XFS, "xfs", "", 0);
	if (!memcmp(h + 65536 + 64, "_BHRfS_M", 8))
		add(out, PROBE_BTRFS, "btrfs", "", 65536 + 64);
	/* bcache: the superblock at 4 KiB, its magic 24 bytes in. */
	if (!memcmp(h + 4096 + 24, bcache, 16))
		add(out, PROBE_BCACHE, "bcache", "", 4096 + 24);
	if (le32(h + 1024) == 0xf2f52010)
		add(out, PROBE_F2FS, "f2fs", "", 1024);
	if (!memcmp(h, "hsqs", 4) || !memcmp(h, "sqsh", 4))
		add(out, PROBE_SQUASHFS, "squashfs", "", 0);
	if (!memcmp(h + 32768, "JFS1", 4))
		add(out, PROBE_JFS, "jfs", "", 32768);
	for (i = 0; i < 3; i++)
		if (!memcmp(h + 65536 + 52, reiser[i], strlen(reiser[i]))) {
			add(out, PROBE_REISERFS, "reiserfs", "", 65536 + 52);
			break;
		}
	for (i = 0; i < 4; i++)
		if (!memcmp(h + 512 * i, "LABELONE", 8) &&
		    !memcmp(h + 512 * i + 24, "LVM2 001", 8)) {
			add(out, PROBE_LVM2, "LVM2_member", "", 512 * i);
			break;
		}
}

/* The first non-zero byte of LEN at BUF (device offset BASE) into OUT. */
static int nonzero(const uint8_t *buf, size_t len, uint64_t base,
		   struct probe_result *out)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (buf[i]) {
			out->dirty = 1;
			out->nonzero = base + i;
			return 1;
		}
	return 0;
}

int probe_fd(int fd, uint64_t size, struct probe_result *out)
{
	struct img m = {.fd = fd};
	size_t edge;
	int r;

	memset(out, 0, sizeof(*out));
	if (!size) {
		r = io_dev_size(fd, &size);
		if (r)
			return r;
	}
	out->size = m.size = size;
	edge = size < EDGE ? (size_t)size : EDGE;
	m.toff = size - edge;
	m.head = malloc(EDGE);
	m.tail = calloc(1, EDGE);
	r = -ENOMEM;
	if (!m.head || !m.tail)
		goto out;
	r = read_at(fd, m.head, edge, 0);
	if (!r)
		r = read_at(fd, m.tail, edge, m.toff);
	if (r)
		goto out;
	memset(m.head + edge, 0, EDGE - edge);
	/* Zeros at both ends are what make "blank" safe to format. */
	if (!nonzero(m.head, edge, 0, out))
		nonzero(m.tail, edge, m.toff, out);
	probe_luks(&m, out);
	probe_md(&m, out);
	probe_ext(m.head, out);
	probe_swap(m.head, out);
	probe_other(m.head, out);
	probe_zfs(&m, out);
	probe_optical(m.head, out);
	probe_gpt(&m, out);
	/* A boot sector or MBR (also a GPT's protective MBR). */
	if (!probe_boot_fs(m.head, out) && m.head[510] == 0x55 &&
	    m.head[511] == 0xaa)
		add(out, PROBE_DOS, "dos", "", 510);
out:
	free(m.head);
	free(m.tail);
	return r;
}

int probe_signatures(const char *dev, struct probe_result *out)
{
	int fd = open(dev, O_RDONLY | O_CLOEXEC);
	int r;

	if (fd < 0) {
		memset(out, 0, sizeof(*out));
		return -errno;
	}
	r = probe_fd(fd, 0, out);
	close(fd);
	return r;
}

int probe_is_blank(const struct probe_result *res)
{
	return !res->n && !res->dirty;
}

int probe_blank(const char *dev, struct probe_result *out)
{
	int r = probe_signatures(dev, out);

	return r ? r : probe_is_blank(out);
}

char *probe_describe(const struct probe_result *out, char *buf, size_t len)
{
	size_t o = 0;
	unsigned i;

	if (!len)
		return buf;
	buf[0] = '\0';
	if (!out->n) {
		if (out->dirty)
			snprintf(buf, len,
				 "non-zero data at byte %llu (unknown content)",
				 (unsigned long long)out->nonzero);
		else
			snprintf(buf, len, "nothing (blank)");
		return buf;
	}
	for (i = 0; i < out->n && i < PROBE_MAX && o < len; i++) {
		const struct probe_sig *s = &out->sig[i];
		int w = snprintf(buf + o, len - o, "%s%s%s%s at %llu",
				 i ? ", " : "", s->type,
				 s->version[0] ? " " : "", s->version,
				 (unsigned long long)s->offset);

		if (w < 0)
			break;
		o += (size_t)w;
	}
	if (out->n > PROBE_MAX && o < len)
		snprintf(buf + o, len - o, " and %u more", out->n - PROBE_MAX);
	return buf;
}

int probe_all_blank(const char *const *devs, unsigned n, unsigned *which,
		    struct probe_result *found)
{
	struct probe_result res;
	unsigned i;
	int r;

	for (i = 0; i < n; i++) {
		r = probe_blank(devs[i], &res);
		if (r != 1) {
			if (which)
				*which = i;
			if (found)
				*found = res;
			return r;
		}
	}
	return 1;
}
