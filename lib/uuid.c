/* uuid.c - UUIDs as text, and random ones.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: uuid.h.
 */
#include <errno.h>
#include <sys/random.h>

#include "lib/uuid.h"

/* U in hex with SEP before each byte whose bit is set in GROUPS. */
static void text(const uint8_t *u, char *out, char sep, unsigned groups)
{
	static const char hex[] = "0123456789abcdef";
	unsigned i, o = 0;

	for (i = 0; i < UUID_BYTES; i++) {
		if (groups & (1U << i))
			out[o++] = sep;
		out[o++] = hex[u[i] >> 4];
		out[o++] = hex[u[i] & 15];
	}
	out[o] = '\0';
}

void uuid_text(const uint8_t u[UUID_BYTES], char out[UUID_TEXT])
{
	/* 8-4-4-4-12 digits: before bytes 4, 6, 8 and 10. */
	text(u, out, '-', 1U << 4 | 1U << 6 | 1U << 8 | 1U << 10);
}

void uuid_text_md(const uint8_t u[UUID_BYTES], char out[UUID_MD_TEXT])
{
	/* Four groups of 8 digits: before bytes 4, 8 and 12. */
	text(u, out, ':', 1U << 4 | 1U << 8 | 1U << 12);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int uuid_read(const char *s, uint8_t u[UUID_BYTES])
{
	unsigned n = 0;
	int hi = -1, v;

	for (; *s; s++) {
		if (*s == ':' || *s == '-' || *s == '.')
			continue;
		v = hexval(*s);
		if (v < 0 || n == UUID_BYTES)
			return -EINVAL;
		if (hi < 0) {
			hi = v;
		} else {
			u[n++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	return n == UUID_BYTES && hi < 0 ? 0 : -EINVAL;
}

int uuid_random(uint8_t u[UUID_BYTES])
{
	if (getrandom(u, UUID_BYTES, 0) != UUID_BYTES)
		return -EIO;
	u[6] = (u[6] & 0x0f) | 0x40; /* version 4 */
	u[8] = (u[8] & 0x3f) | 0x80; /* variant 10: RFC 4122 */
	return 0;
}
