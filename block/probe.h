/* probe.h - what is on a block device: signatures, and the one "blank".
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: blkid(8) (the TYPE names below are blkid's), the LUKS1 and LUKS2
 *      on-disk format specifications, md(4), ext4 disk layout (kernel
 *      Documentation/filesystems/ext4), XFS and btrfs superblock docs,
 *      mkswap(8), LVM2 label format, UEFI spec chapter 5 (GPT), the
 *      bcache superblock (bcache-tools), OpenZFS on-disk format (vdev
 *      labels), Microsoft FAT and NTFS/exFAT boot sectors, ECMA-119
 *      (ISO 9660), ECMA-167 (UDF); block/inuse.h (whether a device is
 *      in use: the other half of "may this be formatted").
 *
 * Used before anything destructive: md-assemble create, luks-setup and
 * luks-mount's on-blank=format touch only a device that probe_blank() calls
 * blank (or, but for on-blank, with --force), and never one that
 * probe_in_use() (block/inuse.h) says is mounted, held, swapped on, or the
 * root disk. The probe reads the first and last MiB (and a few sectors
 * elsewhere) and never writes.
 *
 * Why our own prober and not libblkid: linking libblkid adds about 113 KiB to a
 * binary with a 768 KiB budget, its safe probe reports one winner where a
 * refusal should name everything found, and it misses a GPT whose primary
 * header and protective MBR are gone. What makes "blank" safe is the zero
 * check, not the list of formats: a format missing below is still refused
 * as "non-zero data at byte N"; the signatures only name what is there.
 */
#ifndef LUKSBOX_PROBE_H
#define LUKSBOX_PROBE_H

#include <stddef.h>
#include <stdint.h>

enum probe_kind {
	PROBE_LUKS,	/* "crypto_LUKS", version "1" or "2" */
	PROBE_MD,	/* "linux_raid_member", version "0.90", "1.0/1.1/1.2" */
	PROBE_EXT,	/* "ext2", "ext3" or "ext4" */
	PROBE_XFS,	/* "xfs" */
	PROBE_BTRFS,	/* "btrfs" */
	PROBE_SWAP,	/* "swap", version "1" (SWAPSPACE2) or "0" */
	PROBE_LVM2,	/* "LVM2_member" */
	PROBE_DOS,	/* "dos": an MBR partition table or boot sector */
	PROBE_GPT,	/* "gpt": primary or backup GPT header */
	PROBE_BCACHE,	/* "bcache" */
	PROBE_ZFS,	/* "zfs_member": a vdev label at either end */
	PROBE_VFAT,	/* "vfat", version "FAT32" or "FAT16" (FAT12/16) */
	PROBE_NTFS,	/* "ntfs" */
	PROBE_EXFAT,	/* "exfat" */
	PROBE_ISO9660,	/* "iso9660" */
	PROBE_UDF,	/* "udf" */
	PROBE_F2FS,	/* "f2fs" */
	PROBE_SQUASHFS, /* "squashfs" */
	PROBE_JFS,	/* "jfs" */
	PROBE_REISERFS, /* "reiserfs" */
};

#define PROBE_MAX 12 /* signatures reported; more are counted, not kept */

struct probe_sig {
	enum probe_kind kind;
	const char *type; /* blkid's TYPE name (static string) */
	char version[8];  /* "2", "1.2", "" when the format has none */
	uint64_t offset;  /* byte offset of the magic on the device */
};

struct probe_result {
	uint64_t size; /* device or file size in bytes */
	unsigned n;    /* signatures found (sig[] holds min(n, PROBE_MAX)) */
	struct probe_sig sig[PROBE_MAX];
	int dirty;	  /* a non-zero byte in the first or last MiB */
	uint64_t nonzero; /* ... the first one's offset, when dirty */
};

/*
 * Look for every signature above on the block device or file DEV, and for
 * a non-zero byte in its first and last MiB. Fills *OUT (OUT->n == 0:
 * nothing recognised; OUT->dirty: something is there all the same).
 * Returns 0, or -errno from open/read (-ENOENT no such device, -EACCES,
 * -EIO).
 */
int probe_signatures(const char *dev, struct probe_result *out);

/* The same on an open FD of SIZE bytes (0 = its size from io_dev_size():
 * -ENOTBLK when FD is neither a block device nor a regular file). */
int probe_fd(int fd, uint64_t size, struct probe_result *out);

/*
 * The one definition of "blank", for every decision to format without
 * --force (luks-setup, luks-mount on-blank=format, md-assemble create): no
 * signature at either end AND the first and last MiB all zero (a
 * never-written or stop/started instance-store disk reads as zeros).
 * Returns 1 or 0 for the result RES of probe_signatures().
 */
int probe_is_blank(const struct probe_result *res);

/* probe_signatures() then probe_is_blank(): 1 blank, 0 not (*OUT says
 * what is there), or -errno. */
int probe_blank(const char *dev, struct probe_result *out);

/*
 * One line describing OUT into BUF, e.g. "ext4 at 1080, gpt at 512";
 * "non-zero data at byte N (unknown content)" when OUT->n is 0 but the
 * device is dirty; "nothing (blank)" when it is blank. Returns BUF.
 */
char *probe_describe(const struct probe_result *out, char *buf, size_t len);

/*
 * Are all N devices DEVS blank (probe_blank())? Returns 1 when all are, 0
 * when one is not (its index in *WHICH when WHICH is non-NULL and its
 * result in *FOUND when FOUND is non-NULL), or -errno from probing
 * DEVS[*WHICH].
 */
int probe_all_blank(const char *const *devs, unsigned n, unsigned *which,
		    struct probe_result *found);

#endif
