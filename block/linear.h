/* linear.h - a device-mapper linear device that joins block devices end to
 * end (the stripe sets of a volume, under its dm-crypt mapping).
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: kernel Documentation/admin-guide/device-mapper/linear.rst,
 *      libdevmapper.h, dmsetup(8) create/reload/suspend/resume/remove,
 *      docs/design.md "Adding devices".
 *
 * Every function returns 0 (or a count) or -errno and never prints.
 */
#ifndef LUKSBOX_LINEAR_H
#define LUKSBOX_LINEAR_H

#include <stddef.h>
#include <stdint.h>

#define LINEAR_MAX_SEGS 16

/* One piece: SECTORS from the start of the block device DEVNO. */
struct linear_seg {
	unsigned long devno;
	uint64_t sectors;
};

/*
 * Make the linear device NAME (/dev/mapper/NAME) map SEGS[0..N-1] end to
 * end: created when absent; when present its table is replaced in one
 * step (load the new table, suspend - in-flight I/O completes first -,
 * resume), so what sits above it only ever sees the old table or the new.
 * Each piece's length must be a multiple of 8 sectors (4 KiB: an
 * encryption sector never straddles two pieces). The device number of
 * NAME goes into *DEVNO when not NULL. 0, -EINVAL, or -errno.
 */
int linear_set(const char *name, const struct linear_seg *segs, unsigned n,
	       unsigned long *devno);

/* Is NAME an active linear device? 1 with *DEVNO (may be NULL) and its
 * pieces in SEGS (room for LINEAR_MAX_SEGS, may be NULL) and *N, 0 when
 * absent, -EINVAL when NAME is another kind of device, or -errno. */
int linear_get(const char *name, unsigned long *devno, struct linear_seg *segs,
	       unsigned *n);

/* Remove NAME. 0, -ENODEV when absent, -EBUSY when open, or -errno. */
int linear_remove(const char *name);

#endif
