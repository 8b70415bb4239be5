/* test_msg.c - lib/msg: control bytes escaped before any sink.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: lib/msg.h.
 */
#define T_SUITE "unit/msg"
#include <string.h>

#include "t.h"
#include "lib/msg.h"

static const char *esc(const char *in, size_t cap)
{
	static char out[256];

	memset(out, 'Z', sizeof(out));
	msg_escape(out, cap, in);
	return out;
}

static void test_escapes_controls(void)
{
	CHECK(!strcmp(esc("plain text: /dev/xvdb é", 256),
		      "plain text: /dev/xvdb é"));
	CHECK(!strcmp(esc("a\nb", 256), "a\\x0ab"));
	CHECK(!strcmp(esc("\x1b[2Jx", 256), "\\x1b[2Jx"));
	CHECK(!strcmp(esc("\r\t\x7f\x01", 256), "\\x0d\\x09\\x7f\\x01"));
	/* C1 CSI as UTF-8 (U+009B): both bytes; U+00A0 stays. */
	CHECK(!strcmp(esc("x\xc2\x9b"
			  "2J\xc2\xa0",
			  256),
		      "x\\xc2\\x9b2J\xc2\xa0"));
	CHECK(!strcmp(esc("", 256), ""));
}

/* Cut at a whole escape, always terminated, never past CAP. */
static void test_cut(void)
{
	const char *o;

	o = esc("ab\ncd", 5);
	CHECKF(!strcmp(o, "ab"), "%s", o);
	CHECK(o[5] == 'Z');
	o = esc("ab\ncd", 7);
	CHECKF(!strcmp(o, "ab\\x0a"), "%s", o);
	o = esc("abcdef", 4);
	CHECK(!strcmp(o, "abc") && o[4] == 'Z');
	o = esc("\xc2\x85", 8);
	CHECK(!strcmp(o, ""));
	o = esc("\xc2\x85", 9);
	CHECK(!strcmp(o, "\\xc2\\x85"));
	CHECK(msg_escape(NULL, 0, "x") == 0);
}

static void test_is_control(void)
{
	CHECK(msg_is_control('\n', 0) && msg_is_control(0x1b, '['));
	CHECK(msg_is_control(0x7f, 0) && msg_is_control(0xc2, 0x9f));
	CHECK(!msg_is_control(' ', 0) && !msg_is_control('~', 0));
	CHECK(!msg_is_control(0xc2, 0xa0) && !msg_is_control(0xc3, 0x80));
}

int main(void)
{
	T_RUN(test_escapes_controls);
	T_RUN(test_cut);
	T_RUN(test_is_control);
	return T_END();
}
