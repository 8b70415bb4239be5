/* fs.c - file systems on opened volumes: mkfs, mount, umount, mountinfo.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: block/fs.h, mount(2), proc(5), ioctl_fs(2).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "block/fs.h"
#include "lib/mountinfo.h"
#include "lib/proc.h"

/* <linux/fs.h>'s, which clashes with <sys/mount.h>'s MS_ flags. */
#ifndef FIFREEZE
#define FIFREEZE _IOWR('X', 119, int)
#define FITHAW _IOWR('X', 120, int)
#endif

enum {
	MAX_ARGS = 32,
	EXT4_SB = 1024,	       /* where the ext4 superblock starts */
	EXT4_MTIME = 0x2c,     /* s_mtime, le32: last mount time */
	EXT4_MNT_COUNT = 0x34, /* s_mnt_count, le16 */
	EXT4_MAGIC = 0x38,     /* s_magic, le16 */
	EXT4_MTIME_HI = 0x274, /* s_mtime_hi, u8 (after 2038) */
	EXT4_MAGIC_VAL = 0xef53,
};

int fs_mkfs(const char *dev, const char *fstype, const char *label,
	    const char *opts)
{
	char *argv[MAX_ARGS], buf[512], lbl[20], *tok, *save = NULL;
	int n = 0;

	if (!strcmp(fstype, "ext4")) {
		argv[n++] = "mkfs.ext4";
		argv[n++] = "-q";
		argv[n++] = "-F"; /* the device was probed blank, or forced */
		/* No pass over the data (docs/design.md "Big arrays"): no
		 * discard; inode tables left to the kernel's lazy init even
		 * when ext4 is not loaded yet (mke2fs would zero them); the
		 * journal not zeroed: on a fresh LUKS volume its unwritten
		 * blocks read as noise under a new key, never an old journal. */
		argv[n++] = "-E";
		argv[n++] = "nodiscard,lazy_itable_init=1,lazy_journal_init=1";
		argv[n++] = "-L";
	} else if (!strcmp(fstype, "xfs")) {
		argv[n++] = "mkfs.xfs";
		argv[n++] = "-q";
		argv[n++] = "-f";
		argv[n++] = "-K"; /* no discard pass */
		argv[n++] = "-L";
	} else {
		return -EINVAL;
	}
	/* ext4 labels hold 16 bytes, xfs 12: a longer name is cut there. */
	snprintf(lbl, sizeof(lbl), "%.*s", fstype[0] == 'x' ? 12 : 16, label);
	argv[n++] = lbl;
	if (opts && *opts) {
		if (strlen(opts) >= sizeof(buf) || strpbrk(opts, "\"'\\"))
			return -EINVAL;
		memcpy(buf, opts, strlen(opts) + 1);
		for (tok = strtok_r(buf, " \t", &save); tok;
		     tok = strtok_r(NULL, " \t", &save)) {
			if (n >= MAX_ARGS - 2)
				return -EINVAL;
			argv[n++] = tok;
		}
	}
	argv[n++] = (char *)dev;
	argv[n] = NULL;
	return proc_run(argv, 0, NULL);
}

static const struct {
	const char *word;
	unsigned long flag;
} mount_flags[] = {
	{"ro", MS_RDONLY},	  {"noatime", MS_NOATIME},
	{"nodev", MS_NODEV},	  {"nosuid", MS_NOSUID},
	{"noexec", MS_NOEXEC},	  {"relatime", MS_RELATIME},
	{"sync", MS_SYNCHRONOUS}, {"nodiratime", MS_NODIRATIME},
};

int fs_mount(const char *dev, const char *dir, const char *fstype,
	     const char *opts)
{
	char buf[512], data[512] = "", *tok, *save = NULL;
	unsigned long flags = 0;
	size_t i, used = 0;
	int r;

	if (opts && strlen(opts) >= sizeof(buf))
		return -EINVAL;
	snprintf(buf, sizeof(buf), "%s", opts ? opts : "");
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < sizeof(mount_flags) / sizeof(mount_flags[0]);
		     i++)
			if (!strcmp(tok, mount_flags[i].word))
				break;
		if (i < sizeof(mount_flags) / sizeof(mount_flags[0])) {
			flags |= mount_flags[i].flag;
			continue;
		}
		if (!strcmp(tok, "defaults") || !strcmp(tok, "rw"))
			continue;
		r = snprintf(data + used, sizeof(data) - used, "%s%s",
			     used ? "," : "", tok);
		if (r < 0 || (size_t)r >= sizeof(data) - used)
			return -EINVAL;
		used += (size_t)r;
	}
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -errno;
	r = fs_mounted_on(dir, NULL);
	if (r < 0)
		return r;
	if (r > 0)
		return -EBUSY;
	return mount(dev, dir, fstype, flags, used ? data : NULL) < 0 ? -errno
								      : 0;
}

int fs_umount(const char *dir)
{
	return umount2(dir, 0) < 0 ? -errno : 0;
}

/* What each_mount() looks for: a mount point, or a device. */
struct mnt_want {
	const char *dir;     /* NULL: any mount of DEVNO */
	unsigned long devno; /* the device, or where to put it for DIR */
	unsigned long *out;
};

static int match(const struct mountinfo *e, void *arg)
{
	struct mnt_want *w = arg;

	if (!w->dir)
		return makedev(e->maj, e->min) == w->devno;
	if (strcmp(e->dir, w->dir))
		return 0;
	if (w->out)
		*w->out = makedev(e->maj, e->min);
	return 1;
}

int fs_mounted_on(const char *dir, unsigned long *devno)
{
	char real[PATH_MAX];
	struct mnt_want w = {real, 0, devno};

	if (!realpath(dir, real))
		return errno == ENOENT ? 0 : -errno;
	return mountinfo_each(NULL, match, &w);
}

int fs_dev_in_use(unsigned long devno)
{
	struct mnt_want w = {NULL, devno, NULL};

	return mountinfo_each(NULL, match, &w);
}

int fs_ever_mounted(const char *dev)
{
	unsigned char sb[1024];
	ssize_t n;
	int fd;

	fd = open(dev, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = pread(fd, sb, sizeof(sb), EXT4_SB);
	close(fd);
	if (n < 0)
		return -errno;
	if (n != (ssize_t)sizeof(sb) ||
	    (sb[EXT4_MAGIC] | sb[EXT4_MAGIC + 1] << 8) != EXT4_MAGIC_VAL)
		return 0;
	return sb[EXT4_MTIME] || sb[EXT4_MTIME + 1] || sb[EXT4_MTIME + 2] ||
	       sb[EXT4_MTIME + 3] || sb[EXT4_MTIME_HI] || sb[EXT4_MNT_COUNT] ||
	       sb[EXT4_MNT_COUNT + 1];
}

int fs_grow(const char *dev, const char *dir, const char *fstype)
{
	char *ext4[] = {"resize2fs", (char *)dev, NULL};
	char *xfs[] = {"xfs_growfs", (char *)dir, NULL};

	if (strcmp(fstype, "ext4") && strcmp(fstype, "xfs"))
		return -EINVAL;
	return proc_run(fstype[0] == 'e' ? ext4 : xfs, PROC_QUIET, NULL);
}

int fs_size(const char *dir, uint64_t *bytes)
{
	struct statvfs st;

	if (statvfs(dir, &st) < 0)
		return -errno;
	*bytes = (uint64_t)st.f_blocks * st.f_frsize;
	return 0;
}

int fs_freeze(int fd, int freeze)
{
	return ioctl(fd, freeze ? FIFREEZE : FITHAW, 0) < 0 ? -errno : 0;
}
