/* test_hash.c - kms/hash.h (implemented in kms/tls.c): published test
 * vectors, and the overlaps its callers rely on (LUKS2 writes the header
 * checksum over its own input, SigV4 derives each key in place).
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: FIPS 180-2 appendix B.1 (SHA-256 "abc"), RFC 4231 4.3 (HMAC-SHA-256
 *      test case 2).
 */
#define T_SUITE "unit/hash"
#include <stdio.h>
#include <string.h>

#include "t.h"
#include "kms/hash.h"

static const char *hex(const unsigned char *d)
{
	static char out[2 * HASH_SHA256_LEN + 1];
	size_t i;

	for (i = 0; i < HASH_SHA256_LEN; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
	return out;
}

static void test_sha256(void)
{
	unsigned char d[HASH_SHA256_LEN], buf[64] = "abc";

	hash_sha256("abc", 3, d);
	CHECKF(!strcmp(hex(d), "ba7816bf8f01cfea414140de5dae2223"
			       "b00361a396177a9cb410ff61f20015ad"),
	       "%s", hex(d));
	hash_sha256("", 0, d);
	CHECKF(!strcmp(hex(d), "e3b0c44298fc1c149afbf4c8996fb924"
			       "27ae41e4649b934ca495991b7852b855"),
	       "%s", hex(d));
	/* OUT over the input, as crypto/luks.c checks a header. */
	hash_sha256(buf, 3, buf);
	CHECKF(!strcmp(hex(buf), "ba7816bf8f01cfea414140de5dae2223"
				 "b00361a396177a9cb410ff61f20015ad"),
	       "%s", hex(buf));
}

static void test_hmac_sha256(void)
{
	static const char msg[] = "what do ya want for nothing?";
	unsigned char d[HASH_SHA256_LEN], k[HASH_SHA256_LEN];

	hash_hmac_sha256("Jefe", 4, msg, sizeof(msg) - 1, d);
	CHECKF(!strcmp(hex(d), "5bdcc146bf60754e6a042426089575c7"
			       "5a003f089d2739839dec58b964ec3843"),
	       "%s", hex(d));
	/* OUT over the key, as sigv4.c derives kDate ... kSigning. */
	hash_sha256("abc", 3, k);
	hash_hmac_sha256(k, sizeof(k), "aws4_request", 12, k);
	CHECKF(!strcmp(hex(k), "f7b298534f4806bdea86276fcf9f6928"
			       "9d4b3ce7a19fa7accc56cef2783da3f0"),
	       "%s", hex(k));
}

int main(void)
{
	T_RUN(test_sha256);
	T_RUN(test_hmac_sha256);
	return T_END();
}
