/* base64.h - RFC 4648 base64 (standard alphabet, padded), strict decoding.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: RFC 4648 sections 3.5 and 4 (canonical encoding).
 *
 * KMS blobs, data keys and LUKS token ciphertexts travel as base64 in
 * JSON. The decoder is strict: no whitespace, no line breaks, padding
 * required, non-zero trailing bits rejected, so every byte string has
 * exactly one accepted spelling (no malleable blobs).
 *
 * Keys pass through both directions, so the character <-> value mapping
 * is arithmetic, never a table indexed by secret data (cache timing),
 * and no branch depends on a secret value.
 */
#ifndef LUKSBOX_BASE64_H
#define LUKSBOX_BASE64_H

#include <stddef.h>

/* Buffer size that b64_encode() needs for N bytes, NUL included. */
#define B64_ENC_LEN(n) (((n) + 2) / 3 * 4 + 1)

/* Largest byte count that N characters of base64 can decode to. */
#define B64_DEC_LEN(n) ((n) / 4 * 3)

/*
 * b64_encode() - encode N bytes at IN as padded base64 text.
 * @out:   receives the text and a terminating NUL
 * @outsz: size of OUT; must be at least B64_ENC_LEN(n)
 * @in:    the bytes (may be NULL when N is 0)
 *
 * Returns the text length (without the NUL), or -EMSGSIZE when OUTSZ is
 * too small or the length would not fit an int; OUT is then untouched.
 */
int b64_encode(char *out, size_t outsz, const void *in, size_t n);

/*
 * b64_decode() - decode N characters of strict base64 at IN.
 * @out:   receives the bytes
 * @outsz: size of OUT
 * @in:    the text; need not be NUL-terminated (NUL is a bad character)
 *
 * Returns the byte count, or
 *   -EINVAL   N not a multiple of 4, a character outside the alphabet
 *             (whitespace included), '=' anywhere but the last one or two
 *             places, or non-zero bits after the last full byte;
 *   -EMSGSIZE the decoded bytes do not fit OUTSZ (checked before writing).
 * On -EINVAL OUT may hold part of the result: callers decoding secrets
 * wipe OUT on every error path.
 */
int b64_decode(void *out, size_t outsz, const char *in, size_t n);

#endif
