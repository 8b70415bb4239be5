/* mountinfo.h - the one reader of /proc/self/mountinfo.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: proc(5) /proc/PID/mountinfo (the fields, the " - " separator),
 *      fs/proc_namespace.c show_mountinfo() and seq_escape's "\ooo" octal
 *      escapes of space, tab, newline and backslash.
 *
 * A line is "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] -
 * FSTYPE SOURCE SUPEROPTIONS". Mount points and sources are chosen by
 * whoever mounts (a user's FUSE mount, a label) and arrive escaped, so a
 * line is data to check, not to trust: what does not parse whole is
 * refused, never half-read, and no field is ever cut short.
 */
#ifndef LUKSBOX_MOUNTINFO_H
#define LUKSBOX_MOUNTINFO_H

#include <stddef.h>

/* Caps: a field holds a path (PATH_MAX with its NUL) after unescaping; a
 * line holds two such paths escaped (4 bytes a byte) and the rest. */
#define MOUNTINFO_PATH 4096
#define MOUNTINFO_FSTYPE 64
#define MOUNTINFO_LINE (2 * 4 * MOUNTINFO_PATH + 1024)

/* One mount, unescaped. */
struct mountinfo {
	unsigned maj, min;	       /* st_dev of the file system */
	char dir[MOUNTINFO_PATH];      /* the mount point */
	char fstype[MOUNTINFO_FSTYPE]; /* "ext4", "fuse.sshfs" */
	char source[MOUNTINFO_PATH];   /* "/dev/nvme0n1p1", "none" */
};

/*
 * Undo the kernel's octal escapes in S, in place: each backslash must be
 * followed by exactly three octal digits naming a byte from \001 to \377.
 * Returns 0, or -EINVAL (S then undefined) for any other backslash: the
 * kernel escapes a backslash itself as \134, so a bare one is forged.
 */
int mountinfo_unescape(char *s);

/*
 * Parse LINE (NUL-terminated; a trailing newline is allowed) into *OUT.
 * Returns 0, or -EINVAL: fewer than six fields before the separator, no
 * " - " separator or nothing after it, MAJ:MIN not two decimal numbers,
 * a bad escape; -ENAMETOOLONG: a field over its cap.
 */
int mountinfo_parse(const char *line, struct mountinfo *out);

/*
 * Call FN(E, ARG) for each line of the mountinfo file PATH (NULL:
 * /proc/self/mountinfo) that parses, in file order, until FN returns
 * non-zero; lines that do not parse, and lines over MOUNTINFO_LINE bytes,
 * are skipped whole. Returns FN's non-zero value, 0 at the end, or -errno
 * (opening or reading PATH, -ENOMEM).
 */
int mountinfo_each(const char *path,
		   int (*fn)(const struct mountinfo *e, void *arg), void *arg);

#endif
