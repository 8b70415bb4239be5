/* test_base64.c - crypto/base64: RFC 4648 vectors, strict decoding, sizes.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: RFC 4648 sections 4 (alphabet), 3.5 (canonical encoding), 10
 *      (test vectors).
 */
#define T_SUITE "unit/base64"
#include <errno.h>
#include <stdlib.h>

#include "t.h"
#include "lib/base64.h"

/* RFC 4648 section 10. */
static void test_rfc4648_vectors(void)
{
	static const char *const v[][2] = {
		{"", ""},
		{"f", "Zg=="},
		{"fo", "Zm8="},
		{"foo", "Zm9v"},
		{"foob", "Zm9vYg=="},
		{"fooba", "Zm9vYmE="},
		{"foobar", "Zm9vYmFy"},
	};
	char text[16];
	unsigned char bin[16];
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		size_t n = strlen(v[i][0]);

		CHECKF(b64_encode(text, sizeof(text), v[i][0], n) ==
				       (int)strlen(v[i][1]) &&
			       !strcmp(text, v[i][1]),
		       "encode %s gave %s", v[i][0], text);
		CHECKF(b64_decode(bin, sizeof(bin), v[i][1], strlen(v[i][1])) ==
				       (int)n &&
			       !memcmp(bin, v[i][0], n),
		       "decode %s", v[i][1]);
	}
}

/* Every one of the 64 characters, both ways (the arithmetic mapping has a
 * step at each range boundary: 25/26, 51/52, 61/62, 62/63). */
static void test_whole_alphabet(void)
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				       "abcdefghijklmnopqrstuvwxyz"
				       "0123456789+/";
	unsigned char bin[48], back[48];
	char text[65];
	int v;

	/* 48 bytes whose sextets are 0, 1, ..., 63. */
	for (v = 0; v < 64; v += 4) {
		unsigned x = (unsigned)v << 18 | (unsigned)(v + 1) << 12 |
			     (unsigned)(v + 2) << 6 | (unsigned)(v + 3);

		bin[v / 4 * 3] = (unsigned char)(x >> 16);
		bin[v / 4 * 3 + 1] = (unsigned char)(x >> 8);
		bin[v / 4 * 3 + 2] = (unsigned char)x;
	}
	CHECK(b64_encode(text, sizeof(text), bin, 48) == 64);
	CHECKF(!strcmp(text, alphabet), "got %s", text);
	CHECK(b64_decode(back, sizeof(back), alphabet, 64) == 48 &&
	      !memcmp(back, bin, 48));
	/* All-ones bytes are all '/'. */
	memset(bin, 0xff, 3);
	CHECK(b64_encode(text, sizeof(text), bin, 3) == 4 &&
	      !strcmp(text, "////"));
	CHECK(b64_encode(text, sizeof(text), bin, 1) == 4 &&
	      !strcmp(text, "/w=="));
}

/* One spelling per byte string: anything else is -EINVAL. */
static void test_strict(void)
{
	static const char *const bad[] = {
		"Zg=",	    /* not a multiple of 4 */
		"Zg",	    /* padding required */
		"Z===",	    /* one character is no byte */
		"====",	    /* padding only */
		"Zg==Zg==", /* padding in the middle */
		"Z=g=",	    /* '=' then data */
		"Zh==",	    /* non-zero spare bits (canonical is Zg==) */
		"Zm9=",	    /* canonical is Zm8= */
		"Zm 9",	    /* whitespace */
		"Zm9v\n",   /* a line break */
		"Zm9v\r\nYg==", "Zm9-",	   /* base64url alphabet */
		"Zm9_",		"Zm9\x80", /* not ASCII */
		"Zm.v",
	};
	unsigned char bin[16];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECKF(b64_decode(bin, sizeof(bin), bad[i], strlen(bad[i])) ==
			       -EINVAL,
		       "accepted \"%s\"", bad[i]);
	/* A NUL is a bad character, not an end. */
	CHECK(b64_decode(bin, sizeof(bin), "Zm9v\0\0\0\0", 8) == -EINVAL);
	CHECK(b64_decode(bin, sizeof(bin), "Zg\0=", 4) == -EINVAL);
}

static void test_sizes(void)
{
	unsigned char bin[8], big[300];
	char text[8], out[401];
	size_t n;

	CHECK(B64_ENC_LEN(0) == 1 && B64_ENC_LEN(1) == 5 &&
	      B64_ENC_LEN(3) == 5 && B64_ENC_LEN(4) == 9);
	CHECK(B64_DEC_LEN(4) == 3 && B64_DEC_LEN(8) == 6);
	/* Encoding: the NUL needs its byte; too small is -EMSGSIZE,
	 * untouched. */
	memset(text, 'x', sizeof(text));
	CHECK(b64_encode(text, 4, "f", 1) == -EMSGSIZE && text[0] == 'x');
	CHECK(b64_encode(text, 5, "f", 1) == 4);
	CHECK(b64_encode(text, 1, "", 0) == 0 && text[0] == 0);
	CHECK(b64_encode(text, 0, "", 0) == -EMSGSIZE);
	/* Decoding: exactly the bytes it yields, checked before writing. */
	memset(bin, 'x', sizeof(bin));
	CHECK(b64_decode(bin, 5, "Zm9vYmE=", 8) == 5);
	memset(bin, 'x', sizeof(bin));
	CHECK(b64_decode(bin, 4, "Zm9vYmE=", 8) == -EMSGSIZE && bin[0] == 'x');
	CHECK(b64_decode(bin, 0, "", 0) == 0);
	/* Round trips of every length around block boundaries. */
	for (n = 0; n < sizeof(big); n++)
		big[n] = (unsigned char)(n * 97 + 13);
	for (n = 0; n <= sizeof(big); n += n < 10 ? 1 : 37) {
		unsigned char back[300];
		int e = b64_encode(out, sizeof(out), big, n);

		CHECKF(e == (int)(B64_ENC_LEN(n) - 1), "len %zu", n);
		CHECKF(b64_decode(back, sizeof(back), out, (size_t)e) ==
				       (int)n &&
			       !memcmp(back, big, n),
		       "round trip %zu", n);
	}
}

int main(void)
{
	T_RUN(test_rfc4648_vectors);
	T_RUN(test_whole_alphabet);
	T_RUN(test_strict);
	T_RUN(test_sizes);
	return T_END();
}
