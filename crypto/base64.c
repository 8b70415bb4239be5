/* base64.c - RFC 4648 base64 without lookup tables indexed by secrets.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: base64.h, RFC 4648.
 */
#include "crypto/base64.h"

#include <errno.h>
#include <stdint.h>

/* Value (0..63) to character, branch-free in the value (keys pass here). */
static char enc6(unsigned v)
{
	int d = (int)v;

	/* 'A'+v, or 'a'+v-26, or '0'+v-52, '+' (62), '/' (63) */
	d += 'A';
	d += ((25 - (int)v) >> 8) & ('a' - 'A' - 26);
	d += ((51 - (int)v) >> 8) & ('0' - 'a' - 26);
	d += ((61 - (int)v) >> 8) & ('+' - '0' - 10);
	d += ((62 - (int)v) >> 8) & ('/' - '+' - 1);
	return (char)d;
}

/* Character to value, or -1; without secret-dependent branches. */
static int dec6(unsigned char c)
{
	int x = c, r = -1;

	r += (((64 - x) & (x - 91)) >> 8) & (x - 64);  /* A-Z -> 0..25 */
	r += (((96 - x) & (x - 123)) >> 8) & (x - 70); /* a-z -> 26..51 */
	r += (((47 - x) & (x - 58)) >> 8) & (x + 5);   /* 0-9 -> 52..61 */
	r += (((42 - x) & (x - 44)) >> 8) & 63;	       /* + -> 62 */
	r += (((46 - x) & (x - 48)) >> 8) & 64;	       /* / -> 63 */
	return r;
}

int b64_encode(char *out, size_t outsz, const void *in, size_t n)
{
	const unsigned char *p = in;
	size_t i, o = 0;

	if (outsz < B64_ENC_LEN(n))
		return -EMSGSIZE;
	for (i = 0; i + 2 < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 |
			     p[i + 2];

		out[o++] = enc6(v >> 18 & 63);
		out[o++] = enc6(v >> 12 & 63);
		out[o++] = enc6(v >> 6 & 63);
		out[o++] = enc6(v & 63);
	}
	if (n - i == 1) {
		uint32_t v = (uint32_t)p[i] << 16;

		out[o++] = enc6(v >> 18 & 63);
		out[o++] = enc6(v >> 12 & 63);
		out[o++] = '=';
		out[o++] = '=';
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;

		out[o++] = enc6(v >> 18 & 63);
		out[o++] = enc6(v >> 12 & 63);
		out[o++] = enc6(v >> 6 & 63);
		out[o++] = '=';
	}
	out[o] = 0;
	return (int)o;
}

int b64_decode(void *out, size_t outsz, const char *in, size_t n)
{
	unsigned char *q = out;
	size_t i, o = 0, pad = 0;

	if (n % 4)
		return -EINVAL;
	if (n && in[n - 1] == '=')
		pad++;
	if (n > 1 && in[n - 2] == '=')
		pad++;
	if (n / 4 * 3 - pad > outsz)
		return -EMSGSIZE;
	for (i = 0; i < n; i += 4) {
		int a = dec6((unsigned char)in[i]);
		int b = dec6((unsigned char)in[i + 1]);
		int c = dec6((unsigned char)in[i + 2]);
		int d = dec6((unsigned char)in[i + 3]);
		int last = i + 4 == n;
		uint32_t v;

		if (last && pad >= 1)
			d = 0;
		if (last && pad == 2)
			c = 0;
		if ((a | b | c | d) < 0)
			return -EINVAL;
		v = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6 |
		    (uint32_t)d;
		q[o++] = (unsigned char)(v >> 16);
		if (last && pad == 2) {
			if (v & 0xffff) /* non-canonical trailing bits */
				return -EINVAL;
			break;
		}
		q[o++] = (unsigned char)(v >> 8);
		if (last && pad == 1) {
			if (v & 0xff)
				return -EINVAL;
			break;
		}
		q[o++] = (unsigned char)v;
	}
	return (int)o;
}
