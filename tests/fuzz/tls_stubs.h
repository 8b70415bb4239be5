/* tls_stubs.h - kms/tls.c's stand-in for fuzz targets, which cannot link
 * BearSSL's TLS engine: hash.h for real, over BearSSL's hash sources the
 * target compiles (its Sources: line), and TLS that never connects:
 * tls_open() fails with -ENOSYS, no anchors are built in. Like tls.c, the
 * one file of a target that includes BearSSL (tests/check allows the two).
 * Included by exactly one file of each target (it defines, not declares).
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef LUKSBOX_FUZZ_TLS_STUBS_H
#define LUKSBOX_FUZZ_TLS_STUBS_H

#include <bearssl_hash.h>
#include <bearssl_hmac.h>
#include <errno.h>
#include <string.h>

#include "kms/hash.h"
#include "kms/tls.h"

/* hash.h as tls.c implements it, less the wiping: no secret here. */
void hash_sha256(const void *p, size_t n, unsigned char out[HASH_SHA256_LEN])
{
	br_sha256_context sc;

	br_sha256_init(&sc);
	br_sha256_update(&sc, p, n);
	br_sha256_out(&sc, out);
}

void hash_hmac_sha256(const void *key, size_t klen, const void *msg, size_t n,
		      unsigned char out[HASH_SHA256_LEN])
{
	br_hmac_key_context kc;
	br_hmac_context hc;

	br_hmac_key_init(&kc, &br_sha256_vtable, key, klen);
	br_hmac_init(&hc, &kc, 0);
	br_hmac_update(&hc, msg, n);
	br_hmac_out(&hc, out);
}

const size_t tls_builtin_anchors_count = 0;
const char *const tls_builtin_anchor_names[1];
const time_t tls_build_time = 0;

int tls_trust_init(struct tls_trust *t, int builtin)
{
	memset(t, 0, sizeof(*t));
	(void)builtin;
	return 0;
}

int tls_trust_add_pem(struct tls_trust *t, const char *path)
{
	(void)t;
	(void)path;
	return -ENOSYS;
}

int tls_trust_get(const struct tls_trust *t, size_t i,
		  struct tls_anchor_info *a)
{
	(void)t;
	(void)i;
	(void)a;
	return -ERANGE;
}

void tls_trust_fini(struct tls_trust *t)
{
	(void)t;
}

size_t tls_size(void)
{
	return 1;
}

int tls_open(struct tls *t, struct stream lower, const char *host,
	     const struct tls_trust *trust)
{
	(void)t;
	(void)lower;
	(void)host;
	(void)trust;
	return -ENOSYS;
}

struct stream tls_stream(struct tls *t)
{
	return (struct stream){t, NULL, NULL};
}

const char *tls_why(const struct tls *t)
{
	(void)t;
	return "";
}

int tls_net_error(const struct tls *t)
{
	(void)t;
	return 0;
}

void tls_fini(struct tls *t)
{
	(void)t;
}

#endif
