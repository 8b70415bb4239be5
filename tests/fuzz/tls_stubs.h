/* tls_stubs.h - tls.c stand-ins for fuzz targets that link kms/aws.c but
 * never connect: tls_open() fails with -ENOSYS, no anchors are built in.
 * Included by exactly one file of each target (it defines, not declares).
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef LUKSBOX_FUZZ_TLS_STUBS_H
#define LUKSBOX_FUZZ_TLS_STUBS_H

#include <errno.h>
#include <string.h>

#include "kms/tls.h"

const br_x509_trust_anchor tls_builtin_anchors[1];
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

void tls_trust_fini(struct tls_trust *t)
{
	(void)t;
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

void tls_fini(struct tls *t)
{
	(void)t;
}

#endif
