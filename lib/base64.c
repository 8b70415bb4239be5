/* base64.c - RFC 4648 base64 with strict decoding and no secret-indexed tables.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: base64.h, RFC 4648 sections 3.5 and 4.
 */
#include "lib/base64.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>

/*
 * All-ones when A >= B, else zero, for small non-negative ints, without a
 * branch: the sign bit of B - 1 - A.
 */
static uint32_t ge_mask(int a, int b)
{
	return 0U - ((uint32_t)(b - 1 - a) >> 31);
}

static uint32_t range_mask(int c, int lo, int hi)
{
	return ge_mask(c, lo) & ge_mask(hi, c);
}

/* Value 0..63 to its character. Each step shifts the previous range's
 * formula onto the next one, so only masks depend on the value. */
static char enc6(uint32_t v)
{
	int x = (int)(v & 63);
	int32_t d = x + 'A';

	d += (int32_t)(ge_mask(x, 26) & (uint32_t)('a' - 26 - 'A'));
	d += (int32_t)(ge_mask(x, 52) & (uint32_t)(('0' - 52) - ('a' - 26)));
	d += (int32_t)(ge_mask(x, 62) & (uint32_t)('+' - (62 + '0' - 52)));
	/* At 63 the previous step yields '+' + 1. */
	d += (int32_t)(ge_mask(x, 63) & (uint32_t)('/' - ('+' + 1)));
	return (char)d;
}

/* Character to its value 0..63, or a value with bit 8 set when the
 * character is outside the alphabet ('=' included). */
static uint32_t dec6(unsigned char ch)
{
	int c = ch;
	uint32_t m, r = 0, ok = 0;

	m = range_mask(c, 'A', 'Z');
	r |= m & (uint32_t)(c - 'A');
	ok |= m;
	m = range_mask(c, 'a', 'z');
	r |= m & (uint32_t)(c - 'a' + 26);
	ok |= m;
	m = range_mask(c, '0', '9');
	r |= m & (uint32_t)(c - '0' + 52);
	ok |= m;
	m = range_mask(c, '+', '+');
	r |= m & 62;
	ok |= m;
	m = range_mask(c, '/', '/');
	r |= m & 63;
	ok |= m;
	return (r & ok) | (~ok & 0x100);
}

int b64_encode(char *out, size_t outsz, const void *in, size_t n)
{
	const unsigned char *p = in;
	size_t i, o = 0;

	/* The length must fit the int we return (and B64_ENC_LEN not wrap). */
	if (n > (size_t)INT_MAX / 4 * 3 - 3 || outsz < B64_ENC_LEN(n))
		return -EMSGSIZE;
	for (i = 0; i + 3 <= n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 |
			     p[i + 2];

		out[o++] = enc6(v >> 18);
		out[o++] = enc6(v >> 12);
		out[o++] = enc6(v >> 6);
		out[o++] = enc6(v);
	}
	if (n - i) {
		uint32_t v = (uint32_t)p[i] << 16;

		if (n - i == 2)
			v |= (uint32_t)p[i + 1] << 8;
		out[o++] = enc6(v >> 18);
		out[o++] = enc6(v >> 12);
		out[o++] = n - i == 2 ? enc6(v >> 6) : '=';
		out[o++] = '=';
	}
	out[o] = '\0';
	return (int)o;
}

int b64_decode(void *out, size_t outsz, const char *in, size_t n)
{
	unsigned char *q = out;
	size_t i, o = 0, pad = 0, len;
	uint32_t bad = 0;

	if (n % 4)
		return -EINVAL;
	if (n == 0)
		return 0;
	if (n / 4 * 3 > INT_MAX)
		return -EMSGSIZE;
	/* Padding is public (it only tells the length), so branch on it. */
	if (in[n - 1] == '=')
		pad = in[n - 2] == '=' ? 2 : 1;
	len = n / 4 * 3 - pad;
	if (len > outsz)
		return -EMSGSIZE;
	for (i = 0; i < n; i += 4) {
		uint32_t a = dec6((unsigned char)in[i]);
		uint32_t b = dec6((unsigned char)in[i + 1]);
		uint32_t c = 0, d = 0, v;
		int last = i + 4 == n;

		if (!last || pad < 2)
			c = dec6((unsigned char)in[i + 2]);
		if (!last || pad < 1)
			d = dec6((unsigned char)in[i + 3]);
		bad |= a | b | c | d;
		v = a << 18 | b << 12 | c << 6 | d;
		q[o++] = (unsigned char)(v >> 16);
		if (last && pad == 2) {
			bad |= (v & 0xffff) << 8; /* canonical: spare bits 0 */
			break;
		}
		q[o++] = (unsigned char)(v >> 8);
		if (last && pad == 1) {
			bad |= (v & 0xff) << 8;
			break;
		}
		q[o++] = (unsigned char)v;
	}
	return bad & ~(uint32_t)0xff ? -EINVAL : (int)len;
}
