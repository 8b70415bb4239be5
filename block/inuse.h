/* inuse.h - is a block device in use: the root disk, mounts, swap,
 * holders, open file descriptors.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: proc(5) /proc/self/mountinfo (lib/mountinfo.h reads it), /proc/swaps
 *      and /proc/PID/fd; sysfs-block ABI (holders, slaves, partition).
 *
 * The other half of "may this device be formatted" (block/probe.h says
 * whether it is blank): md-assemble create, luks-setup and luks-mount
 * never touch a device probe_in_use() calls used, --force or not. Nothing
 * here writes; the names keep the probe_ prefix they had when this was
 * part of block/probe.c.
 */
#ifndef LUKSBOX_INUSE_H
#define LUKSBOX_INUSE_H

#include <stddef.h>

/* Where the system tables are. NULL members mean the live system. Tests
 * point them at fabricated trees. */
struct probe_sys {
	const char *sysfs;     /* default "/sys" */
	const char *mountinfo; /* default "/proc/self/mountinfo" */
	const char *swaps;     /* default "/proc/swaps" */
};

/*
 * The kernel name of the block device at PATH ("/dev/nvme1n1" ->
 * "nvme1n1"), through its device number and SYS's /sys/dev/block. Returns
 * 0, -ENOTBLK when PATH is not a block device, or -errno.
 */
int probe_dev_name(const struct probe_sys *sys, const char *path, char *name,
		   size_t len);

/*
 * The whole disks under the root file system: the device mounted on "/"
 * (from mountinfo), up to its whole disk when it is a partition, and down
 * through dm/md slaves to the physical disks. Fills NAMES (MAX entries of
 * 32 bytes) with kernel names; returns the count (0 when "/" is not on a
 * block device, e.g. tmpfs or nfs) or -errno.
 */
int probe_root_disks(const struct probe_sys *sys, char (*names)[32],
		     unsigned max);

/*
 * Is the block device NAME (a kernel name) in use: the root disk or a slave
 * of it, mounted, a swap device, or held (dm, md, bcache ...), itself or
 * through one of its partitions? Returns 1 with one line in WHY ("mounted
 * on /data", "held by dm-0 (vol1)", "the root disk"), 0 when free, or
 * -errno (-ENOENT: SYS has no such device).
 */
int probe_in_use(const struct probe_sys *sys, const char *name, char *why,
		 size_t whylen);

/*
 * Which process has the block device DEV open (a file descriptor in some
 * /proc/PID/fd, PROC NULL = "/proc"), ourselves excepted: 1 with one line
 * in WHY ("open in process 412 (sh)"), 0 when none is found (or /proc
 * cannot be read), or -errno from stat(DEV). For messages after the kernel
 * said EBUSY; a process may open it a moment later, so never a guarantee.
 */
int probe_open_by(const char *proc, const char *dev, char *why, size_t whylen);

#endif
