/* instance_store.h - the one discovery of a machine's instance-store disks.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: EC2 User Guide "Instance store volumes" (the NVMe model string;
 *      block-device-mapping/ephemeralN on Xen instance types) and "Device
 *      names on Linux instances" (sdX shows as xvdX under Xen's blkfront),
 *      sysfs-block ABI (/sys/block/NAME/device/model).
 *
 * md-assemble list-ephemeral and a volume whose devices are `ephemeral`
 * (luks-setup, luks-mount) both ask istore_find() and so get the same list:
 *   1. whole NVMe disks whose model is ISTORE_NVME_MODEL (Nitro types), in
 *      name order (nvme2n1 before nvme10n1);
 *   2. only when there are none and the machine has sdX or xvdX disks
 *      besides the root disk (a Xen type, whose instance store only the
 *      metadata service can name): the caller's block-device mapping,
 *      entries ephemeralN in N order, each mapped onto sdX or xvdX,
 *      whichever exists. block/ knows nothing of AWS: the caller reads the
 *      mapping (from IMDS), and is asked only in this case, so it can make
 *      its metadata client when asked and not before.
 * Never the root disk or a disk under it, never a disk guessed by index.
 * At most ISTORE_MAX disks, the most an array takes: more is -E2BIG, never
 * a silent cut.
 */
#ifndef LUKSBOX_INSTANCE_STORE_H
#define LUKSBOX_INSTANCE_STORE_H

#include <stddef.h>

#include "block/inuse.h"
#include "block/md.h"

#define ISTORE_NVME_MODEL "Amazon EC2 NVMe Instance Storage"
#define ISTORE_MAX MD_MAX_DEVS /* disks listed: an array's device limit */
#define ISTORE_ROOT_MAX 16     /* disks under the root file system */
#define ISTORE_MAP_LIST 8192   /* bytes of the mapping's list of entries */
#define ISTORE_MAP_VALUE 64    /* bytes of one entry's answer */
#define ISTORE_DEV 40	       /* bytes of a device name from the mapping */

/* A Xen machine's block-device mapping, read by the caller (in EC2: IMDS
 * /latest/meta-data/block-device-mapping/). */
struct istore_map {
	/*
	 * With KEY "": the names of the mapping's entries, one a line
	 * ("ami\nephemeral0\nroot"); with KEY "ephemeralN": that entry's
	 * device ("sdb" or "/dev/sdb"). Into BUF (CAP bytes, NUL-terminated).
	 * Returns the length, -ENOENT when there is no such entry (for "":
	 * no mapping at all, or the service is switched off), -EPROTO when
	 * the service answered with an error, -EINVAL when it cannot be
	 * asked (a bad configuration), or another -errno (it did not answer).
	 * The caller keeps the reason for its message.
	 */
	int (*get)(void *arg, const char *key, char *buf, size_t cap);
	void *arg;
};

/* What to look at. */
struct istore_query {
	const struct probe_sys *sys;  /* sysfs, mountinfo; NULL: the system */
	const char *model;	      /* NULL or "": ISTORE_NVME_MODEL */
	const struct istore_map *map; /* NULL: Xen types list nothing */
};

enum istore_source {
	ISTORE_NONE, /* nothing found */
	ISTORE_NVME, /* NVMe disks by model */
	ISTORE_XEN,  /* the block-device mapping */
};

/* Where istore_find() failed. */
enum istore_step {
	ISTORE_OK,
	ISTORE_ROOT,   /* finding the root disk (probe_root_disks()) */
	ISTORE_SCAN,   /* reading SYSFS/block, or more than ISTORE_MAX disks */
	ISTORE_MAPPING /* reading the block-device mapping */
};

/* The disks found: kernel names ("nvme1n1", "xvdb"). */
struct istore_list {
	unsigned n;
	char names[ISTORE_MAX][32];
	enum istore_source source;
	enum istore_step failed;
};

/*
 * Find the instance-store disks as Q says (steps 1 and 2 above) into
 * *OUT. Returns the count (OUT->n; 0: none, OUT->source ISTORE_NONE) or
 * -errno with OUT->failed saying where. A failure reading the mapping is
 * -EPROTO or -EINVAL as MAP->get() returned it (permanent), and otherwise
 * temporary: what MAP->get() returned when err_temporary() (lib/msg.h)
 * says so, else -EAGAIN - at boot the metadata service may not answer
 * yet, and a later run may succeed (exit 75). -E2BIG: more than
 * ISTORE_MAX disks, or mapping entries.
 */
int istore_find(const struct istore_query *q, struct istore_list *out);

/*
 * Step 1 alone: whole NVMe disks in SYSFS/block (NULL = "/sys") whose
 * device/model, trimmed of blanks, equals MODEL (NULL or "":
 * ISTORE_NVME_MODEL; never from the environment: tests on qemu, which
 * cannot set the model, pass theirs), sorted by name, the NROOT kernel
 * names ROOTS excluded. Fills NAMES (MAX entries of 32
 * bytes); returns the count, -E2BIG when more than MAX match, or -errno.
 */
int istore_nvme(const char *sysfs, const char *model, const char (*roots)[32],
		unsigned nroot, char (*names)[32], unsigned max);

/*
 * The walk under istore_nvme() and ebs_find() (block/ebs.h): whole NVMe
 * disks in SYSFS/block (NULL = "/sys") whose device/model, trimmed of
 * blanks, equals MODEL and, when SERIAL is not NULL, whose device/serial
 * (trimmed: the kernel pads it with blanks) equals SERIAL; sorted by name,
 * the NROOT kernel names ROOTS excluded. Fills NAMES (MAX entries of 32
 * bytes); returns the count, -E2BIG when more than MAX match, or -errno.
 */
int istore_nvme_match(const char *sysfs, const char *model, const char *serial,
		      const char (*roots)[32], unsigned nroot,
		      char (*names)[32], unsigned max);

/*
 * SYSFS/block/NAME/device/ATTR ("model", "serial") into BUF (CAP bytes),
 * its first line trimmed of blanks. 0 or -errno (-ENOENT: no such disk or
 * attribute).
 */
int istore_attr(const char *sysfs, const char *name, const char *attr,
		char *buf, size_t cap);

/*
 * Step 2's mapping onto disks: the N device names DEVS ("sdb" or
 * "/dev/sdb", in ephemeral order; NUL-terminated) onto disks that exist in
 * SYSFS/block,
 * trying sdX then xvdX (or the reverse). Names of no existing disk, root
 * disks (ROOTS) and repeats are skipped. Fills NAMES like istore_nvme();
 * returns the count, -E2BIG when more than MAX disks, or -errno.
 */
int istore_map_xen(const char *sysfs, const char (*devs)[ISTORE_DEV],
		   unsigned n, const char (*roots)[32], unsigned nroot,
		   char (*names)[32], unsigned max);

#endif
