/* hash.h - SHA-256 and HMAC-SHA-256, for SigV4 and the LUKS2 header
 * checksum.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: FIPS 180-4 (SHA-256), RFC 2104 (HMAC), kms/tls.h.
 *
 * A wrapper, implemented in kms/tls.c over BearSSL's hashes: tls.c is the
 * one file that includes BearSSL, so its callers see no BearSSL type and
 * one library change touches one file. Nothing here can fail.
 */
#ifndef LUKSBOX_HASH_H
#define LUKSBOX_HASH_H

#include <stddef.h>

#define HASH_SHA256_LEN 32

/* The SHA-256 of N bytes at P into OUT, which may overlap P (the whole
 * input is read before OUT is written). */
void hash_sha256(const void *p, size_t n, unsigned char out[HASH_SHA256_LEN]);

/*
 * HMAC-SHA-256 of N bytes at MSG under KLEN bytes of KEY into OUT, which
 * may overlap KEY or MSG (SigV4 derives each key from the last in place).
 * The key schedule is wiped before returning.
 */
void hash_hmac_sha256(const void *key, size_t klen, const void *msg, size_t n,
		      unsigned char out[HASH_SHA256_LEN]);

#endif
