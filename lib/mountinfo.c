/* mountinfo.c - the one reader of /proc/self/mountinfo.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: mountinfo.h, proc(5).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/mountinfo.h"

static int octal(char c)
{
	return c >= '0' && c <= '7';
}

/* SRC (LEN bytes, escaped) into DST (CAP bytes, NUL-terminated): its
 * length, -EINVAL for a bad escape, -ENAMETOOLONG when it does not fit.
 * DST may be SRC: what is written never overtakes what is read. */
static int unescape_into(char *dst, size_t cap, const char *src, size_t len)
{
	size_t i, o = 0;

	for (i = 0; i < len; i++) {
		char c = src[i];

		if (c == '\\') {
			/* Exactly three octal digits, \001 to \377: a NUL
			 * would cut the path short, \4xx is not a byte. */
			if (len - i < 4 || src[i + 1] < '0' ||
			    src[i + 1] > '3' || !octal(src[i + 2]) ||
			    !octal(src[i + 3]))
				return -EINVAL;
			c = (char)((src[i + 1] - '0') << 6 |
				   (src[i + 2] - '0') << 3 |
				   (src[i + 3] - '0'));
			if (!c)
				return -EINVAL;
			i += 3;
		} else if (!c) {
			return -EINVAL;
		}
		if (o + 1 >= cap)
			return -ENAMETOOLONG;
		dst[o++] = c;
	}
	if (!cap)
		return -ENAMETOOLONG;
	dst[o] = '\0';
	return (int)o;
}

int mountinfo_unescape(char *s)
{
	size_t len = strlen(s);
	int r = unescape_into(s, len + 1, s, len);

	return r < 0 ? r : 0;
}

/* The field at *P, up to a blank or the end of the line, into *F and
 * *LEN; *P moves past it and its blank. Returns 1 when a blank followed
 * (another field comes), else 0. */
static int field(const char **p, const char **f, size_t *len)
{
	const char *s = *p;
	size_t n = strcspn(s, " \n");

	*f = s;
	*len = n;
	if (s[n] == ' ') {
		*p = s + n + 1;
		return 1;
	}
	*p = s + n;
	return 0;
}

/* "MAJ:MIN", decimal, each fitting an unsigned. */
static int devno(const char *f, size_t len, unsigned *maj, unsigned *min)
{
	unsigned long v[2] = {0, 0};
	size_t i, k = 0, digits = 0;

	for (i = 0; i < len; i++) {
		if (f[i] == ':' && k == 0 && digits) {
			k = 1;
			digits = 0;
			continue;
		}
		if (f[i] < '0' || f[i] > '9' || digits == 9)
			return -EINVAL;
		v[k] = v[k] * 10 + (unsigned long)(f[i] - '0');
		digits++;
	}
	if (k != 1 || !digits)
		return -EINVAL;
	*maj = (unsigned)v[0];
	*min = (unsigned)v[1];
	return 0;
}

int mountinfo_parse(const char *line, struct mountinfo *out)
{
	const char *p = line, *f;
	size_t len;
	unsigned i;
	int more = 1, r;

	/* Up to the separator: ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS,
	 * then optional fields ("shared:1"), then a lone "-". */
	for (i = 0;; i++) {
		if (!more)
			return -EINVAL;
		more = field(&p, &f, &len);
		if (i >= 6 && len == 1 && f[0] == '-')
			break;
		if (!len)
			return -EINVAL;
		r = 0;
		if (i == 2)
			r = devno(f, len, &out->maj, &out->min);
		else if (i == 4)
			r = unescape_into(out->dir, sizeof(out->dir), f, len);
		if (r < 0)
			return r;
	}
	/* FSTYPE SOURCE SUPEROPTIONS; the source may be empty. */
	if (!more)
		return -EINVAL;
	more = field(&p, &f, &len);
	if (!len || !more)
		return -EINVAL;
	r = unescape_into(out->fstype, sizeof(out->fstype), f, len);
	if (r < 0)
		return r;
	field(&p, &f, &len);
	r = unescape_into(out->source, sizeof(out->source), f, len);
	return r < 0 ? r : 0;
}

int mountinfo_each(const char *path,
		   int (*fn)(const struct mountinfo *e, void *arg), void *arg)
{
	struct mountinfo *e;
	char *line;
	FILE *f;
	int r = 0, skip = 0;

	f = fopen(path ? path : "/proc/self/mountinfo", "re");
	if (!f)
		return -errno;
	line = malloc(MOUNTINFO_LINE + 1);
	e = malloc(sizeof(*e));
	if (!line || !e) {
		r = -ENOMEM;
		goto out;
	}
	while (!r && fgets(line, MOUNTINFO_LINE + 1, f)) {
		int whole = strchr(line, '\n') || feof(f);

		/* The tail of an overlong line is never read as a line of
		 * its own: a long mount point must not forge a mount. */
		if (skip || !whole) {
			skip = !whole;
			continue;
		}
		if (!mountinfo_parse(line, e))
			r = fn(e, arg);
	}
	if (!r && ferror(f))
		r = -EIO;
out:
	free(line);
	free(e);
	fclose(f);
	return r;
}
