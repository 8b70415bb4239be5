/* test_uuid.c - lib/uuid: RFC 4122 and mdadm text, read back; version 4.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: lib/uuid.h, RFC 4122.
 */
#define T_SUITE "unit/uuid"
#include <errno.h>
#include <string.h>

#include "t.h"
#include "lib/uuid.h"

static const uint8_t fixed[UUID_BYTES] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab,
					  0xcd, 0xef, 0xfe, 0xdc, 0xba, 0x98,
					  0x76, 0x54, 0x32, 0x10};

static void test_text(void)
{
	char t[UUID_TEXT], m[UUID_MD_TEXT];

	memset(t, 'Z', sizeof(t));
	memset(m, 'Z', sizeof(m));
	uuid_text(fixed, t);
	uuid_text_md(fixed, m);
	CHECKF(!strcmp(t, "01234567-89ab-cdef-fedc-ba9876543210"), "%s", t);
	CHECKF(!strcmp(m, "01234567:89abcdef:fedcba98:76543210"), "%s", m);
	CHECK(strlen(t) == UUID_TEXT - 1 && strlen(m) == UUID_MD_TEXT - 1);
}

static void test_read(void)
{
	uint8_t u[UUID_BYTES];

	CHECK(uuid_read("01234567:89abcdef:fedcba98:76543210", u) == 0 &&
	      !memcmp(u, fixed, UUID_BYTES));
	CHECK(uuid_read("01234567-89ab-cdef-fedc-ba9876543210", u) == 0 &&
	      !memcmp(u, fixed, UUID_BYTES));
	CHECK(uuid_read("0123456789ABCDEFFEDCBA9876543210", u) == 0 &&
	      !memcmp(u, fixed, UUID_BYTES));
	CHECK(uuid_read("01234567.89abcdef.fedcba98.76543210", u) == 0);
	/* 31 and 33 digits, a stray character, empty: refused. */
	CHECK(uuid_read("0123456789abcdeffedcba987654321", u) == -EINVAL);
	CHECK(uuid_read("0123456789abcdeffedcba98765432100", u) == -EINVAL);
	CHECK(uuid_read("0123456789abcdeffedcba987654321g", u) == -EINVAL);
	CHECK(uuid_read("01234567 89abcdef fedcba98 76543210", u) == -EINVAL);
	CHECK(uuid_read("", u) == -EINVAL);
}

static void test_round_trip_random(void)
{
	uint8_t a[UUID_BYTES], b[UUID_BYTES], c[UUID_BYTES];
	char t[UUID_TEXT], m[UUID_MD_TEXT];

	CHECK(uuid_random(a) == 0 && uuid_random(c) == 0);
	CHECK(memcmp(a, c, UUID_BYTES) != 0);
	/* Version 4, variant 10xx: the 13th digit is 4, the 17th 8-b. */
	uuid_text(a, t);
	CHECKF(t[14] == '4' && strchr("89ab", t[19]) != NULL, "%s", t);
	CHECK(t[8] == '-' && t[13] == '-' && t[18] == '-' && t[23] == '-');
	CHECK(uuid_read(t, b) == 0 && !memcmp(a, b, UUID_BYTES));
	uuid_text_md(a, m);
	CHECK(uuid_read(m, b) == 0 && !memcmp(a, b, UUID_BYTES));
}

int main(void)
{
	T_RUN(test_text);
	T_RUN(test_read);
	T_RUN(test_round_trip_random);
	return T_END();
}
