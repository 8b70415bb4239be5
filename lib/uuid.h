/* uuid.h - UUIDs as text: the RFC 4122 form LUKS uses and the form mdadm
 * prints, read back from either; random version 4 UUIDs.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: RFC 4122 sections 3 (string form) and 4.4 (version 4, random),
 *      mdadm(8) (--uuid: 32 hex digits, ':' between groups of 8),
 *      getrandom(2).
 *
 * Names are not libuuid's (uuid_parse, uuid_unparse, ...): libuuid is
 * linked too (libcryptsetup uses it), and a static link would resolve
 * its callers to ours.
 */
#ifndef LUKSBOX_UUID_H
#define LUKSBOX_UUID_H

#include <stdint.h>

enum {
	UUID_BYTES = 16,
	UUID_TEXT = 37,	   /* "01234567-89ab-cdef-fedc-ba9876543210" + NUL */
	UUID_MD_TEXT = 36, /* "01234567:89abcdef:fedcba98:76543210" + NUL */
};

/* U as RFC 4122 text, lower case, in OUT (UUID_TEXT bytes). */
void uuid_text(const uint8_t u[UUID_BYTES], char out[UUID_TEXT]);

/* U as mdadm prints it, lower case, in OUT (UUID_MD_TEXT bytes). */
void uuid_text_md(const uint8_t u[UUID_BYTES], char out[UUID_MD_TEXT]);

/*
 * Read S: 32 hex digits of either case, with any ':', '-' or '.' between
 * them (RFC 4122 text, mdadm's, or none), into U. Returns 0, or -EINVAL
 * for anything else (U may be partly written then).
 */
int uuid_read(const char *s, uint8_t u[UUID_BYTES]);

/* A random RFC 4122 version 4 UUID in U (getrandom). 0 or -EIO. */
int uuid_random(uint8_t u[UUID_BYTES]);

#endif
