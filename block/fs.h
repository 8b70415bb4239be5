/* fs.h - file systems on opened volumes: mkfs, mount, umount, mountinfo.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: mount(2), umount2(2), proc(5) /proc/self/mountinfo, mkfs.ext4(8),
 *      mkfs.xfs(8), resize2fs(8), xfs_growfs(8), ioctl_fs(2) FIFREEZE.
 *
 * mkfs is the stock tool, run without a shell and without its discard pass
 * (a fresh dm-crypt volume is discarded already or never will be: discards
 * are off unless asked, so the pass would only cost time).
 */
#ifndef LUKSBOX_FS_H
#define LUKSBOX_FS_H

#include <stddef.h>
#include <stdint.h>

/*
 * Make an FSTYPE ("ext4" or "xfs") file system on DEV with the label LABEL
 * and the extra blank-separated options OPTS (may be NULL). Returns 0,
 * -ENOENT when the mkfs program is not installed, -EINVAL for another
 * FSTYPE or an unquotable OPTS, or -ECHILD when mkfs failed (its own
 * messages went to stderr).
 */
int fs_mkfs(const char *dev, const char *fstype, const char *label,
	    const char *opts);

/*
 * Mount DEV on DIR (created, mode 0755, when missing) as FSTYPE with the
 * comma-separated OPTS (mount(8) words: ro, noatime, nodev, nosuid, noexec,
 * relatime, sync; the rest is passed to the file system). Returns 0 or
 * -errno; -EBUSY when DIR already has something mounted.
 */
int fs_mount(const char *dev, const char *dir, const char *fstype,
	     const char *opts);

/* Unmount DIR. Returns 0, -EINVAL when nothing is mounted there, -EBUSY. */
int fs_umount(const char *dir);

/*
 * What is mounted on DIR: returns 1 and the major:minor of its source in
 * *DEVNO (when DEVNO is non-NULL), 0 when nothing is, or -errno. DIR must
 * be absolute; it is compared after resolving symlinks.
 */
int fs_mounted_on(const char *dir, unsigned long *devno);

/*
 * Was the file system on DEV ever mounted? ext4 keeps the time of its last
 * mount and a mount count in its superblock, both 0 after mkfs (e2fsck
 * resets only the count). Returns 1 (mounted at some time), 0 (never, or
 * not ext4: xfs keeps no such record), or -errno.
 */
int fs_ever_mounted(const char *dev);

/* Is the block device DEVNO mounted anywhere (1), or not (0)? */
int fs_dev_in_use(unsigned long devno);

/*
 * Grow the FSTYPE file system on DEV, mounted on DIR, online to the size
 * of DEV: resize2fs DEV (ext4) or xfs_growfs DIR (xfs), run quietly (a
 * file system at its size already is no failure). Both are journaled
 * online grows: a cut leaves the old size or the new. Returns 0, -ENOENT
 * when the program is not installed, -EINVAL for another FSTYPE, -ECHILD
 * when it failed.
 */
int fs_grow(const char *dev, const char *dir, const char *fstype);

/* The size of the file system mounted on DIR as statvfs(3) counts it
 * (blocks times fragment size: what df shows), into *BYTES. 0 or -errno. */
int fs_size(const char *dir, uint64_t *bytes);

/*
 * Freeze (FREEZE 1) or thaw (0) the file system of the open directory FD
 * (its mount point): FIFREEZE flushes it and blocks every writer until
 * FITHAW. Returns 0; -EBUSY when freezing one frozen already; -EINVAL
 * when thawing one that is not frozen; -EOPNOTSUPP when the file system
 * cannot freeze; another -errno.
 */
int fs_freeze(int fd, int freeze);

#endif
