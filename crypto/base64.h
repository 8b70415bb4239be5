/* base64.h - RFC 4648 base64 (standard alphabet, padded), strict decoding.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: RFC 4648 section 4.
 *
 * Used for KMS blobs and keys in JSON: no whitespace, padding required,
 * non-canonical trailing bits rejected (a blob has one spelling).
 * Keys pass through here, so the character mapping is arithmetic, not a
 * table indexed by secret bytes (no cache-timing leak).
 */
#ifndef LUKSBOX_BASE64_H
#define LUKSBOX_BASE64_H

#include <stddef.h>

/* Text length for N bytes, including the NUL. */
#define B64_ENC_LEN(n) ((((n) + 2) / 3) * 4 + 1)

/* Encode N bytes of IN into OUT (NUL-terminated): the text length, or
 * -EMSGSIZE when OUTSZ < B64_ENC_LEN(N). */
int b64_encode(char *out, size_t outsz, const void *in, size_t n);

/* Decode N characters of IN into OUT: the byte count, or -EINVAL (a
 * character outside the alphabet, bad length or padding, non-zero
 * trailing bits) or -EMSGSIZE (OUT too small). OUT may be partly written
 * on error; callers wipe it. */
int b64_decode(void *out, size_t outsz, const char *in, size_t n);

#endif
