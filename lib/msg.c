/* msg.c - control bytes escaped before any message reaches a sink.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: msg.h.
 */
#include <errno.h>

#include "lib/msg.h"

int msg_is_control(unsigned char c, unsigned char d)
{
	/* C1 controls (U+0080-U+009F, CSI among them) arrive as UTF-8. */
	return c < 0x20 || c == 0x7f || (c == 0xc2 && d >= 0x80 && d <= 0x9f);
}

size_t msg_escape(char *out, size_t cap, const char *in)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)in;
	size_t n = 0, w, i;

	if (!cap)
		return 0;
	for (; *s; s++) {
		/* S[1] is readable: at worst it is the terminating NUL. */
		w = msg_is_control(s[0], s[1]) ? (s[0] == 0xc2 ? 2 : 1) : 0;
		if (!w) {
			if (n + 1 >= cap)
				break;
			out[n++] = (char)*s;
			continue;
		}
		if (n + 4 * w >= cap)
			break;
		for (i = 0; i < w; i++) {
			out[n++] = '\\';
			out[n++] = 'x';
			out[n++] = hex[s[i] >> 4];
			out[n++] = hex[s[i] & 15];
		}
		s += w - 1;
	}
	out[n] = 0;
	return n;
}

int err_temporary(int err)
{
	switch (err < 0 ? -err : err) {
	case ETIMEDOUT:
	case EAGAIN:
	case EBUSY:
	case EINTR:
	case ECONNREFUSED:
	case ECONNRESET:
	case ECONNABORTED:
	case EHOSTUNREACH:
	case ENETUNREACH:
	case ENETDOWN:
	case EPIPE:
		return 1;
	default:
		return 0;
	}
}
