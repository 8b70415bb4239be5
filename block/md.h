/* md.h - md RAID0 arrays with v1.2 superblocks, without mdadm.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: include/uapi/linux/raid/md_p.h (struct mdp_superblock_1),
 *      include/uapi/linux/raid/md_u.h (ioctls), Documentation/admin-guide/md.rst,
 *      mdadm(8), md(4); mdadm 4.2 super1.c and Create.c for the defaults
 *      mdadm writes (the interop oracle is Debian 12's mdadm 4.2).
 *
 * Three layers, each usable alone, each in its own file:
 *   1. the superblock (block/md_sb.c): decode, encode, checksum, mdadm's
 *      data offset, UUIDs and names (pure functions on buffers; the fuzz
 *      target and the unit tests);
 *   2. members on devices or image files (block/md_members.c): read/write
 *      superblocks, plan a new array, find the members of an array among
 *      candidates and check that they form a whole array, list the
 *      candidates of a scan (no kernel md needed);
 *   3. the kernel (block/md_kernel.c): start (SET_ARRAY_INFO version-only,
 *      ADD_NEW_DISK per member, RUN_ARRAY), create, assemble, reuse a
 *      running array, stop, /dev/md/NAME.
 * One header for the three: they share one vocabulary (struct md_sb,
 * md_member, md_ident, the MD_* limits), each layer's callers use the ones
 * below it, and this overview is the one place that says what we write.
 * Which disks are instance store is block/instance_store.h.
 *
 * What we write, and why (mdadm 4.2 does the same unless noted):
 *   - v1.2 superblock 4 KiB from the start, level 0, layout 1
 *     (RAID0_ORIG_LAYOUT); feature_map 0, or MD_FEATURE_RAID0_LAYOUT when
 *     members differ in size by a chunk or more: kernels >= 5.4 refuse a
 *     multi-zone RAID0 whose layout is not recorded.
 *   - data offset from the first member's size, like mdadm (1 MiB aligned,
 *     room for a bitmap and reshape headroom): md_data_offset().
 *   - array size 0 (RAID0 has no per-device "used size"), events 0 (the
 *     kernel bumps it when it runs the array), resync_offset MaxSector
 *     (clean), a bad-block log of 8 sectors 4 KiB after the superblock.
 *   - set_name is NAME alone, without mdadm's "homehost:" prefix: EC2 host
 *     names change at every stop/start and instance, so a host prefix would
 *     make every array "foreign". `mdadm --assemble --name=NAME` matches it
 *     exactly; our own lookup also accepts mdadm's "HOST:NAME".
 *
 * Every function returns 0 (or a count) on success or a negative errno; none
 * prints. Where a refusal needs explaining, the caller passes a WHY buffer
 * (WHYLEN bytes; WHYLEN 0: no message) that receives one line naming the
 * device or slot.
 */
#ifndef LUKSBOX_MD_H
#define LUKSBOX_MD_H

#include <stddef.h>
#include <stdint.h>

struct msg_error; /* lib/msg.h: each failure below fills E's why and err */

#define MD_SB_MAGIC_LE 0xa92b4efcU
#define MD_SB_BYTES 4096      /* superblock block, incl. dev_roles */
#define MD_SB12_OFFSET 4096   /* v1.2: 4 KiB from the start */
#define MD_SB_MAX_ROLES 1920  /* (4096 - 256) / 2, the kernel's cap */
#define MD_NAME_MAX 31	      /* set_name is 32 bytes, NUL-padded */
#define MD_MAX_DEVS 64	      /* members we create or assemble */
#define MD_DEFAULT_CHUNK 1024 /* sectors: 512 KiB, mdadm's default */
#define MD_FEATURE_RAID0_LAYOUT_BIT 4096
#define MD_RAID0_ORIG_LAYOUT 1
#define MD_ROLE_SPARE 0xffff
#define MD_ROLE_FAULTY 0xfffe

/* A decoded v1.x superblock, host byte order. */
struct md_sb {
	unsigned minor; /* 0, 1 or 2: where it was found / is written */
	uint32_t feature_map;
	uint8_t set_uuid[16];
	char set_name[MD_NAME_MAX + 2]; /* 32 bytes + NUL */
	uint64_t ctime;			/* low 40 bits seconds */
	int32_t level;
	uint32_t layout;
	uint64_t size; /* sectors per device used; 0 for RAID0 */
	uint32_t chunk_sectors;
	uint32_t raid_disks;
	uint64_t data_offset;  /* sectors */
	uint64_t data_size;    /* sectors */
	uint64_t super_offset; /* sectors */
	uint32_t dev_number;   /* index into roles[] */
	uint8_t device_uuid[16];
	uint8_t devflags;
	uint8_t bblog_shift;
	uint16_t bblog_size;
	uint32_t bblog_offset; /* signed on disk */
	uint64_t utime;
	uint64_t events;
	uint64_t resync_offset;
	uint32_t sb_csum; /* as stored */
	uint32_t max_dev; /* entries in roles[] */
	uint16_t roles[MD_SB_MAX_ROLES];
};

/* ---- the superblock (block/md_sb.c) ------------------------------------ */

/* This member's role: roles[dev_number] (MD_ROLE_SPARE when out of range). */
unsigned md_sb_role(const struct md_sb *sb);

/* The max_dev mdadm writes for an array of N members: N roles rounded up
 * to fill the superblock's last 512-byte sector. */
uint32_t md_sb_max_dev(unsigned n);

/*
 * The checksum of the raw superblock BUF (LEN bytes, at least 256 +
 * 2 * max_dev), as the kernel computes it: 32-bit little-endian words summed
 * into 64 bits with the stored sb_csum counted as 0, folded once. Returns it
 * in host order, or 0 with LEN too short.
 */
uint32_t md_sb_csum(const void *buf, size_t len);

/*
 * Decode the raw superblock BUF (LEN bytes; MD_SB_BYTES is always enough)
 * found at the place of minor version MINOR (0, 1 or 2) on a device of
 * DEV_SECTORS sectors (0 when unknown: offsets are then checked only against
 * each other). Fills *OUT and returns:
 *   0            a well-formed superblock with a correct checksum;
 *   -ENOENT      no md v1 magic (nothing there, or another format);
 *   -EPROTONOSUPPORT  magic but major_version is not 1;
 *   -EINVAL      fields that cannot be true (max_dev over 1920, dev_number
 *                past max_dev, super_offset not where MINOR puts it, data
 *                overlapping the superblock or past the device end, zero or
 *                huge raid_disks);
 *   -EILSEQ      the set_name is not text: a control character (C0, DEL,
 *                C1 such as 0x9b, CSI) or bytes that are not UTF-8, or
 *                bytes after its NUL;
 *   -EBADMSG     well-formed but the checksum is wrong (*OUT is filled, so
 *                examine can show it).
 */
int md_sb_decode(const void *buf, size_t len, unsigned minor,
		 uint64_t dev_sectors, struct md_sb *out);

/*
 * Encode SB into BUF (MD_SB_BYTES bytes, all written: unused space zero,
 * roles[] beyond max_dev 0xffff) with a fresh checksum, which is also stored
 * back into nothing: SB is const. Returns 0, or -EINVAL when max_dev is over
 * MD_SB_MAX_ROLES or dev_number is not below it.
 */
int md_sb_encode(const struct md_sb *sb, void *buf);

/*
 * mdadm 4.2's data offset, in sectors, for a v1.2 member of DEV_SECTORS
 * sectors with a chunk of CHUNK_SECTORS: 12 KiB of metadata, bitmap room
 * (4 KiB; 64 KiB over 8 GiB; 128 KiB over 200 GiB), reshape headroom of
 * about 0.1% of the device capped at 128 MiB and floored at twice the chunk,
 * all rounded up to 1 MiB.
 */
uint64_t md_data_offset(uint64_t dev_sectors, uint32_t chunk_sectors);

/* Is NAME usable as an array name: 1..31 of [A-Za-z0-9._-], not "." or
 * ".." (it becomes /dev/md/NAME)? Returns 0 or -EINVAL. */
int md_name_valid(const char *name);

/*
 * Does the superblock's set_name designate NAME: equal to it, or
 * "HOST:NAME" as mdadm writes? Returns 1 or 0.
 */
int md_name_matches(const struct md_sb *sb, const char *name);

/* ---- members on devices or image files (block/md_members.c) ------------ */

/*
 * Open the device or image file PATH with FLAGS (O_CLOEXEC is added) and
 * tell its size in *SECTORS (io_dev_size()) and, for a block device, its
 * st_rdev in *DEVNO (0 for a file). Returns the descriptor, or -errno
 * (-ENOTBLK: neither a block device nor a regular file).
 */
int md_open_member(const char *path, int flags, uint64_t *sectors,
		   unsigned long *devno);

/*
 * Read the v1.x superblock of the device or file open as FD, SECTORS long:
 * v1.2 first (what we write), then v1.1 and v1.0. Returns what
 * md_sb_decode() returns for the first place with md magic, or -ENOENT
 * when none has it, or -errno from reading.
 */
int md_read_sb(int fd, uint64_t sectors, struct md_sb *out);

/*
 * Write SB (at SB->minor's place; only 2 is supported) to the device or
 * file FD of SECTORS sectors, after zeroing what a previous owner may have
 * left where it would confuse a prober: the first MiB (never data: the data
 * offset is at least 1 MiB) and the last MiB (md 0.90/1.0 superblocks, the
 * GPT backup). Synced before returning. Returns 0, -EINVAL, or -errno.
 */
int md_write_sb(int fd, uint64_t sectors, const struct md_sb *sb);

/*
 * Rename the array of the member FD (SECTORS long, a v1.2 superblock):
 * set UUID and set_name NAME (md_name_valid()), checksum updated, every
 * other byte of the superblock kept (what mdadm or the kernel wrote), and
 * nothing else on the device written (its data: luks-setup --adopt).
 * Synced. 0, or what md_sb_decode() returns for the superblock found,
 * -EINVAL for NAME, other -errno.
 */
int md_rename_sb(int fd, uint64_t sectors, const uint8_t uuid[16],
		 const char *name);

/* What md_plan_create() needs. */
struct md_create {
	const char *name; /* md_name_valid() */
	uint32_t
		chunk_sectors; /* power of two, 8 (4 KiB) .. 131072; 0 = default */
	const uint8_t *uuid; /* array UUID; NULL = random (getrandom) */
	uint64_t ctime;	     /* seconds; 0 = now */
};

/*
 * Plan a new RAID0 array over N members of DEV_SECTORS[i] sectors, member i
 * in slot i: fill SBS[0..N-1]. Returns 0, -EINVAL (bad name, chunk or N
 * outside 1..MD_MAX_DEVS), -ENOSPC when a member cannot hold the data
 * offset plus one chunk, or -errno from getrandom.
 */
int md_plan_create(const struct md_create *c, const uint64_t *dev_sectors,
		   unsigned n, struct md_sb *sbs);

/* One member found on a device. */
struct md_member {
	char path[128];	     /* as given or /dev/NAME from a scan */
	unsigned long devno; /* st_rdev for a block device, else 0 */
	uint64_t sectors;    /* device or file size */
	struct md_sb sb;
};

/* Which array: by UUID (when has_uuid) or else by name. STEP (may be
 * NULL) is told "md-grow-sb" after each member's superblock is rewritten
 * by a grow (md_grow_members()): the test build's failpoint. */
struct md_ident {
	int has_uuid;
	uint8_t uuid[16];
	const char *name;
	void (*step)(void *arg, const char *step);
	void *step_arg;
	/* An added stripe set (volume/sets.c): its size is the one its
	 * volume's header records, so members that grew are not re-described
	 * (they would no longer match; the growth stays unused). */
	int no_grow;
};

/*
 * Read the superblocks of the N device or file paths CANDS and put those
 * belonging to the array ID into MEMBERS (room for MAX). Unreadable
 * candidates and ones without a superblock are skipped, except that with
 * STRICT (the user named the devices) each must be a member: then -ENODEV
 * with E->why naming the first that is not. Superblocks with a bad
 * checksum or impossible fields are never members. Matching by name when
 * two different arrays carry it is -ENOTUNIQ (E->why names both UUIDs).
 * Returns the count found (0 when none) or -errno with E filled.
 */
int md_find_members(const struct md_ident *id, const char *const *cands,
		    unsigned n, int strict, struct md_member *members,
		    unsigned max, struct msg_error *e);

/*
 * Check that MEMBERS[0..N-1] form one whole RAID0 array we can start:
 * the same UUID, level 0, geometry (raid_disks, chunk, layout, features,
 * ctime, size) and events on all; exactly one member in every slot
 * 0..raid_disks-1. Returns 0, or with one line in E->why:
 *   -ENODEV     a slot has no member (E->why names the slot(s) missing);
 *   -EEXIST     two devices claim one slot (a restored snapshot beside its
 *               original; E->why names both);
 *   -EINVAL     members disagree on geometry or events, or the array is not
 *               RAID0 v1.x with features we understand.
 * Nothing is written.
 */
int md_check_members(const struct md_member *members, unsigned n,
		     struct msg_error *e);

/*
 * Grow a RAID0 array after every member's device grew by the same amount
 * (EBS ModifyVolume on each), before the kernel assembles it. A member's
 * room is its device less its data offset, rounded down to the chunk
 * (what the kernel uses). Only an array of ONE zone grows: every member's
 * data_size equal within a chunk and no MD_FEATURE_RAID0_LAYOUT; then the
 * existing stripes stay where they are and new ones append. Members whose
 * data_size differs as only an interrupted grow leaves it (two sizes,
 * layout feature clear, every device holding the larger) are taken to the
 * larger first (a power cut between two rewrites). MEMBERS[0..N-1] passed
 * md_check_members(). Nothing is written. Returns:
 *   0        nothing to grow (no member grew by a chunk);
 *   1        grow: every member's sb.data_size is set to its new size;
 *   2        the same, finishing an interrupted grow;
 *   -ERANGE  the members grew by different amounts (E->why names each
 *            member and its growth);
 *   -EDOM    the array has several zones (members of unequal size):
 *            growing it would move its later zones' chunks;
 *   -EINVAL  mixed sizes a grow cannot have left (a member too small).
 * *FROM (may be NULL) gets the array's size in sectors before the grow.
 */
int md_plan_grow(struct md_member *members, unsigned n, uint64_t *from,
		 struct msg_error *e);

/*
 * Write the superblocks of MEMBERS[0..N-1] as md_plan_grow() set them,
 * one member after the other: each device opened exclusively and checked
 * to be the size it was read at, only its 4 KiB superblock rewritten
 * (checksum new), synced; ID->step told "md-grow-sb" after each.
 * Returns 0 or -errno with E->why naming the member.
 */
int md_grow_members(const struct md_ident *id, const struct md_member *members,
		    unsigned n, struct msg_error *e);

/*
 * Block-device candidates for a scan: /dev/NAME for every entry of
 * SYSFS/class/block (SYSFS NULL = "/sys") except md, ram, zram, loop
 * devices without a backing file, floppies, optical drives and empty
 * devices. Fills PATHS (MAX entries of 128 bytes) and returns the count or
 * -errno.
 */
int md_scan_candidates(const char *sysfs, char (*paths)[128], unsigned max);

/* ---- the kernel (block/md_kernel.c) ------------------------------------ */

/* A running array. */
struct md_array {
	char dev[32];		    /* /dev/mdN */
	char link[48];		    /* /dev/md/NAME, or "" */
	char name[MD_NAME_MAX + 2]; /* the name part of set_name */
	uint8_t uuid[16];
	unsigned ndevs;
	int reused; /* it was running already */
	/* md_assemble(): its members were re-described at a grown size
	 * (array sectors before and after; 0: not grown), or the grow was
	 * refused and the array assembled at its old size: why. */
	uint64_t grew_from, grew_to;
	int grow_err;
	char grow_why[240];
};

/*
 * Find a running array whose members carry UUID (a member's superblock is
 * read through /sys/block/mdN/slaves). Returns 1 and fills OUT (dev, uuid,
 * ndevs, reused = 1), 0 when none runs, or -errno. An inactive array
 * holding such members (a partial udev assembly) yields -EINPROGRESS with
 * its /dev/mdN in OUT->dev.
 */
int md_find_running(const uint8_t uuid[16], struct md_array *out);

/*
 * Start the array whose checked members (md_check_members()) are MEMBERS:
 * a free /dev/mdN (from 127 down, like mdadm) through md_mod's new_array,
 * SET_ARRAY_INFO with version 1.2 only, ADD_NEW_DISK for each member,
 * RUN_ARRAY, and the link /dev/md/NAME -> ../mdN (NAME from the superblock,
 * replaced when it points elsewhere). READAHEAD sectors (0 = kernel's) is
 * set with BLKRASET. Returns 0, or -errno (-EBUSY: a member is in use;
 * the array is stopped again on failure).
 */
int md_start(const struct md_member *members, unsigned n, unsigned readahead,
	     struct md_array *out);

/*
 * Create: plan (md_plan_create), open every member exclusively (so a
 * mounted or held device fails with -EBUSY before anything is written),
 * write the superblocks, start the array. DEVS are block devices; the caller
 * has checked them for signatures (block/probe.h) and use (block/inuse.h).
 * Returns 0 or -errno with E filled (E->why names the device that failed).
 */
int md_create(const struct md_create *c, const char *const *devs, unsigned n,
	      unsigned readahead, struct md_array *out, struct msg_error *e);

/*
 * Assemble the array ID from the N devices DEVS (all must be members), or
 * from every block device in /sys/class/block when N is 0. A running array
 * with the same UUID is reused (OUT->reused); an inactive partial one is
 * stopped first. Before a start, grown members are re-described
 * (md_plan_grow(), md_grow_members(): OUT->grew_from, grew_to); a grow
 * refused leaves them untouched and the array starts at its old size
 * (OUT->grow_err, grow_why). Returns 0 or what md_find_members(), md_check_members() and
 * md_start() return (-ENOENT: no member found at all), with E filled.
 */
int md_assemble(const struct md_ident *id, const char *const *devs, unsigned n,
		unsigned readahead, struct md_array *out, struct msg_error *e);

/*
 * Stop the array WHAT: /dev/mdN, mdN, /dev/md/NAME or NAME. Refuses with
 * -EBUSY while it is open, with E->why saying what holds it (a
 * device-mapper device by name, a mount point, or "an open file
 * descriptor"). Removes /dev/md/NAME when it points at the stopped array.
 * Returns 0, or with E filled -ENOENT (no such array), -EBUSY, or -errno.
 */
int md_stop(const char *what, struct msg_error *e);

#endif
