/* probe.c - what is on a block device: signatures, use, the root disk.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: crypto/probe.h; the offsets below are those of the on-disk formats
 *      (LUKS1/LUKS2 specifications, md(4), ext4 and XFS disk layouts, btrfs
 *      superblock, mkswap(8), LVM2 label, UEFI GPT), as blkid reads them.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <linux/fs.h>

#include "crypto/probe.h"

enum {
	HEAD = 69632, /* 68 KiB: up to the btrfs superblock */
	MD_MAGIC = 0xa92b4efc,
	EXT_MAGIC = 0xef53,
	MAX_WALK = 8, /* dm/md stacking depth we follow */
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

static void probe_luks(const uint8_t *h, uint64_t size, int fd,
		       struct probe_result *out)
{
	/* LUKS2 keeps a second header at one of these offsets. */
	static const uint64_t second[] = {
		16384,	32768,	 65536,	  131072,  262144,
		524288, 1048576, 2097152, 4194304,
	};
	uint8_t b[8];
	char v[8];
	unsigned i;

	if (!memcmp(h, "LUKS\xba\xbe", 6)) {
		snprintf(v, sizeof(v), "%u", (unsigned)(h[6] << 8 | h[7]));
		add(out, PROBE_LUKS, "crypto_LUKS", v, 0);
		return;
	}
	for (i = 0; i < sizeof(second) / sizeof(second[0]); i++) {
		if (second[i] + 8 > size)
			break;
		if (second[i] + 8 <= HEAD)
			memcpy(b, h + second[i], 8);
		else if (read_at(fd, b, 8, second[i]))
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

static void probe_md(const uint8_t *h, uint64_t size, int fd,
		     struct probe_result *out)
{
	uint8_t b[8];
	uint64_t at;

	if (le32(h) == MD_MAGIC && le32(h + 4) == 1)
		add(out, PROBE_MD, "linux_raid_member", "1.1", 0);
	if (le32(h + 4096) == MD_MAGIC && le32(h + 4100) == 1)
		add(out, PROBE_MD, "linux_raid_member", "1.2", 4096);
	/* 1.0: 8 to 12 KiB from the end, 4 KiB aligned. */
	if (size >= 24 * 512) {
		at = ((size / 512 - 16) & ~7ULL) * 512;
		if (!read_at(fd, b, 8, at) && le32(b) == MD_MAGIC &&
		    le32(b + 4) == 1)
			add(out, PROBE_MD, "linux_raid_member", "1.0", at);
	}
	/* 0.90: the last 64 KiB-aligned 64 KiB, in host byte order. */
	if (size >= 128 * 1024) {
		at = (size & ~65535ULL) - 65536;
		if (!read_at(fd, b, 8, at) &&
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
		const uint8_t *m = h + page[i] - 10;

		if (!memcmp(m, "SWAPSPACE2", 10)) {
			add(out, PROBE_SWAP, "swap", "1", page[i] - 10);
			return;
		}
		if (!memcmp(m, "SWAP-SPACE", 10)) {
			add(out, PROBE_SWAP, "swap", "0", page[i] - 10);
			return;
		}
	}
}

static void probe_gpt(const uint8_t *h, uint64_t size, int fd,
		      struct probe_result *out)
{
	uint8_t b[8];

	if (!memcmp(h + 512, "EFI PART", 8)) {
		add(out, PROBE_GPT, "gpt", "", 512);
		return;
	}
	if (!memcmp(h + 4096, "EFI PART", 8)) { /* 4 KiB-sector disk */
		add(out, PROBE_GPT, "gpt", "", 4096);
		return;
	}
	/* Only the backup survives when the start was overwritten. */
	if (size >= 1024 && !read_at(fd, b, 8, size - 512) &&
	    !memcmp(b, "EFI PART", 8))
		add(out, PROBE_GPT, "gpt", "", size - 512);
	else if (size >= 8192 && !read_at(fd, b, 8, size - 4096) &&
		 !memcmp(b, "EFI PART", 8))
		add(out, PROBE_GPT, "gpt", "", size - 4096);
}

int probe_fd(int fd, uint64_t size, struct probe_result *out)
{
	struct stat st;
	uint8_t *h;
	unsigned i;
	int r;

	memset(out, 0, sizeof(*out));
	if (!size) {
		if (fstat(fd, &st))
			return -errno;
		if (S_ISBLK(st.st_mode)) {
			if (ioctl(fd, BLKGETSIZE64, &size))
				return -errno;
		} else {
			size = (uint64_t)st.st_size;
		}
	}
	out->size = size;
	h = malloc(HEAD);
	if (!h)
		return -ENOMEM;
	r = read_at(fd, h, HEAD, 0);
	if (r)
		goto out;
	probe_luks(h, size, fd, out);
	probe_md(h, size, fd, out);
	probe_ext(h, out);
	if (!memcmp(h, "XFSB", 4))
		add(out, PROBE_XFS, "xfs", "", 0);
	if (!memcmp(h + 65536 + 64, "_BHRfS_M", 8))
		add(out, PROBE_BTRFS, "btrfs", "", 65536 + 64);
	probe_swap(h, out);
	for (i = 0; i < 4; i++)
		if (!memcmp(h + 512 * i, "LABELONE", 8) &&
		    !memcmp(h + 512 * i + 24, "LVM2 001", 8)) {
			add(out, PROBE_LVM2, "LVM2_member", "", 512 * i);
			break;
		}
	probe_gpt(h, size, fd, out);
	/* A boot sector or MBR (also a GPT's protective MBR). */
	if (h[510] == 0x55 && h[511] == 0xaa)
		add(out, PROBE_DOS, "dos", "", 510);
out:
	free(h);
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

char *probe_describe(const struct probe_result *out, char *buf, size_t len)
{
	size_t o = 0;
	unsigned i;

	if (!len)
		return buf;
	buf[0] = '\0';
	if (!out->n) {
		snprintf(buf, len, "no signature");
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

int probe_zero_head(const char *dev, uint64_t bytes)
{
	uint8_t *buf;
	uint64_t off = 0;
	int fd, r = 1;

	fd = open(dev, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	buf = malloc(65536);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	while (off < bytes && r == 1) {
		size_t n = bytes - off < 65536 ? (size_t)(bytes - off) : 65536;
		ssize_t got = pread(fd, buf, n, (off_t)off);
		ssize_t i;

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			r = -errno;
			break;
		}
		if (!got)
			break; /* past the end: what there was is zero */
		for (i = 0; i < got; i++)
			if (buf[i]) {
				r = 0;
				break;
			}
		off += (uint64_t)got;
	}
	free(buf);
	close(fd);
	return r;
}

int probe_all_blank(const char *const *devs, unsigned n, unsigned *which,
		    struct probe_result *found)
{
	struct probe_result res;
	unsigned i;
	int r;

	for (i = 0; i < n; i++) {
		r = probe_signatures(devs[i], &res);
		if (r || res.n) {
			if (which)
				*which = i;
			if (found)
				*found = res;
			return r ? r : 0;
		}
	}
	return 1;
}

/* ---- use of block devices ---------------------------------------------- */

static const char *sysfs_of(const struct probe_sys *sys)
{
	return sys && sys->sysfs ? sys->sysfs : "/sys";
}

static int line_of(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	int r = 0;

	if (!f)
		return -errno;
	if (!fgets(buf, (int)len, f))
		r = -ENODATA;
	fclose(f);
	if (!r)
		buf[strcspn(buf, "\n")] = '\0';
	return r;
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

/* Undo mountinfo's octal escapes (\040 for a blank) in place. */
static void unescape(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' &&
		    s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*o++ = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 |
				      (s[3] - '0'));
			s += 3;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

struct mnt {
	unsigned maj, min;
	char dir[1024];
	char source[256];
};

/* Parse one mountinfo line. 0 or -EINVAL. */
static int parse_mnt(char *line, struct mnt *m)
{
	char *tok, *save = NULL, *sep;
	int i;

	sep = strstr(line, " - ");
	if (!sep)
		return -EINVAL;
	*sep = '\0';
	for (i = 0, tok = strtok_r(line, " ", &save); tok && i < 5;
	     i++, tok = strtok_r(NULL, " ", &save)) {
		if (i == 2 && sscanf(tok, "%u:%u", &m->maj, &m->min) != 2)
			return -EINVAL;
		if (i == 4 && copy_name(m->dir, sizeof(m->dir), tok))
			return -EINVAL;
	}
	if (i < 5)
		return -EINVAL;
	unescape(m->dir);
	save = NULL;
	tok = strtok_r(sep + 3, " \n", &save); /* fstype */
	tok = tok ? strtok_r(NULL, " \n", &save) : NULL;
	if (!tok || copy_name(m->source, sizeof(m->source), tok))
		m->source[0] = '\0';
	unescape(m->source);
	return 0;
}

static FILE *open_mountinfo(const struct probe_sys *sys)
{
	return fopen(sys && sys->mountinfo ? sys->mountinfo
					   : "/proc/self/mountinfo",
		     "re");
}

/* The kernel name of what is mounted on "/", into NAME. 0 when "/" is not
 * on a block device we can name. */
static int root_dev(const struct probe_sys *sys, char *name, size_t len)
{
	char line[2048], link[PATH_MAX];
	const char *sysfs = sysfs_of(sys);
	struct mnt m, root = {0};
	int have = 0, r;
	FILE *f;

	f = open_mountinfo(sys);
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (!parse_mnt(line, &m) && !strcmp(m.dir, "/")) {
			root = m; /* the last one is on top */
			have = 1;
		}
	fclose(f);
	if (!have)
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

/* Is the device NAME (major:minor in its sysfs "dev") mounted or swapped
 * on? 1 with WHY, 0, or -errno. */
static int mounted(const struct probe_sys *sys, const char *name,
		   const char *label, char *why, size_t whylen)
{
	char path[PATH_MAX], line[2048];
	const char *sysfs = sysfs_of(sys);
	unsigned maj = 0, min = 0;
	struct mnt m;
	FILE *f;
	int hit = 0;

	snprintf(path, sizeof(path), "%s/class/block/%s/dev", sysfs, name);
	if (!line_of(path, line, sizeof(line)))
		sscanf(line, "%u:%u", &maj, &min);
	f = open_mountinfo(sys);
	if (!f)
		return -errno;
	while (!hit && fgets(line, sizeof(line), f)) {
		const char *src;

		if (parse_mnt(line, &m))
			continue;
		src = strrchr(m.source, '/') ? strrchr(m.source, '/') + 1
					     : m.source;
		if ((maj && m.maj == maj && m.min == min) ||
		    (!strncmp(m.source, "/dev/", 5) && !strcmp(src, name))) {
			snprintf(why, whylen, "%s is mounted on %s", label,
				 m.dir);
			hit = 1;
		}
	}
	fclose(f);
	if (hit)
		return 1;
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
	if (line_of(path, dmname, sizeof(dmname)))
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
			if (line_of(path, comm, sizeof(comm)))
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
