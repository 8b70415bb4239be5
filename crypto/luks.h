/* luks.h - the only libcryptsetup user: LUKS2 headers, keyslots, tokens.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: libcryptsetup.h (cryptsetup 2.6), LUKS2 on-disk format
 *      (cryptsetup docs/on-disk-format-luks2.pdf), DESIGN.md "On-disk contract".
 *
 * Grows with issue 6 (format, keyslots, aws-kms tokens, activation).
 */
#ifndef LUKSBOX_LUKS_H
#define LUKSBOX_LUKS_H

#include <stddef.h>

struct luks_info {
	int version;	    /* 1 or 2 */
	char uuid[40];	    /* LUKS UUID, NUL-terminated */
	char label[48];	    /* LUKS2 label, "" when none or LUKS1 */
	char cipher[64];    /* e.g. "aes-xts-plain64" */
	int key_bits;	    /* volume key size */
	size_t sector_size; /* encryption sector size in bytes */
};

/*
 * Read the LUKS header of PATH (block device or image file) without
 * touching it. Returns 0 and fills OUT; -EINVAL when PATH holds no LUKS
 * header; other -errno from opening or reading (-ENOENT, -EACCES, -EIO).
 * Never prints: libcryptsetup's log goes nowhere.
 */
int luks_probe(const char *path, struct luks_info *out);

#endif
