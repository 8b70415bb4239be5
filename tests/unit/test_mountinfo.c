/* test_mountinfo.c - lib/mountinfo: well-formed lines as the kernel writes
 * them, and hostile ones (bad escapes, no separator, too few fields, bad
 * device numbers, overlong fields and lines) that must be refused whole.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define T_SUITE "unit/mountinfo"
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "t.h"
#include "lib/mountinfo.h"

static struct mountinfo e;

static void test_parse(void)
{
	CHECK(mountinfo_parse("36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - "
			      "ext3 /dev/root rw,errors=continue\n",
			      &e) == 0);
	CHECK(e.maj == 98 && e.min == 0 && !strcmp(e.dir, "/mnt2") &&
	      !strcmp(e.fstype, "ext3") && !strcmp(e.source, "/dev/root"));
	/* No optional fields; no trailing newline. */
	CHECK(mountinfo_parse("22 1 259:1 / / rw,relatime - ext4 "
			      "/dev/nvme0n1p1 rw",
			      &e) == 0);
	CHECK(e.maj == 259 && e.min == 1 && !strcmp(e.dir, "/") &&
	      !strcmp(e.source, "/dev/nvme0n1p1"));
	/* Several optional fields. */
	CHECK(mountinfo_parse("40 22 0:45 / /run/x rw shared:7 master:2 "
			      "propagate_from:1 - tmpfs tmpfs rw\n",
			      &e) == 0 &&
	      !strcmp(e.dir, "/run/x") && !strcmp(e.fstype, "tmpfs"));
	/* Escapes: blank, tab, newline, backslash; a '-' inside a field. */
	CHECK(mountinfo_parse("40 22 259:4 / /mnt/my\\040data\\011x\\012y "
			      "rw - xfs /dev/a\\134b rw\n",
			      &e) == 0);
	CHECK(!strcmp(e.dir, "/mnt/my data\tx\ny") &&
	      !strcmp(e.source, "/dev/a\\b"));
	CHECK(mountinfo_parse("1 1 8:0 / /a-b rw - ext4 /dev/x-y rw", &e) ==
		      0 &&
	      !strcmp(e.dir, "/a-b") && !strcmp(e.source, "/dev/x-y"));
	/* An empty source (mount -t tmpfs "" /x): two blanks. */
	CHECK(mountinfo_parse("1 1 0:9 / /x rw - tmpfs  rw\n", &e) == 0 &&
	      e.source[0] == '\0' && !strcmp(e.fstype, "tmpfs"));
	/* A path of exactly the cap less its NUL fits. */
	{
		char *line = malloc(MOUNTINFO_LINE);
		int o;

		if (!line) {
			CHECK(0);
			return;
		}
		o = snprintf(line, MOUNTINFO_LINE, "1 1 8:0 / /");
		memset(line + o, 'd', MOUNTINFO_PATH - 2);
		snprintf(line + o + MOUNTINFO_PATH - 2, 64,
			 " rw - ext4 /dev/sda rw\n");
		CHECK(mountinfo_parse(line, &e) == 0 &&
		      strlen(e.dir) == MOUNTINFO_PATH - 1);
		free(line);
	}
}

static void test_hostile(void)
{
	static const char *const bad[] = {
		/* bad escapes: not octal, short, past a byte, NUL, bare */
		"1 1 8:0 / /a\\08x rw - ext4 /dev/sda rw",
		"1 1 8:0 / /a\\9 rw - ext4 /dev/sda rw",
		"1 1 8:0 / /a\\04 rw - ext4 /dev/sda rw",
		"1 1 8:0 / /a\\400 rw - ext4 /dev/sda rw",
		"1 1 8:0 / /a\\000b rw - ext4 /dev/sda rw",
		"1 1 8:0 / /a\\ rw - ext4 /dev/sda rw",
		"1 1 8:0 / /a\\x41 rw - ext4 /dev/sda rw",
		"1 1 8:0 / /a rw - ext4 /dev/sd\\a rw",
		"1 1 8:0 / /a rw - ext\\4 /dev/sda rw",
		/* no separator, or nothing after it */
		"1 1 8:0 / / rw ext4 /dev/sda rw",
		"1 1 8:0 / / rw shared:1",
		"1 1 8:0 / / rw -",
		"1 1 8:0 / / rw - ",
		"1 1 8:0 / / rw - ext4",
		/* too few fields before it: the "-" is not a separator */
		"1 1 8:0 / / - ext4 /dev/sda rw",
		"1 8:0 / / rw - ext4 /dev/sda rw",
		"",
		"\n",
		/* device numbers */
		"1 1 8 / / rw - ext4 /dev/sda rw",
		"1 1 8: / / rw - ext4 /dev/sda rw",
		"1 1 :0 / / rw - ext4 /dev/sda rw",
		"1 1 +8:0 / / rw - ext4 /dev/sda rw",
		"1 1 8:0:1 / / rw - ext4 /dev/sda rw",
		"1 1 8:0x / / rw - ext4 /dev/sda rw",
		"1 1 8:-1 / / rw - ext4 /dev/sda rw",
		"1 1 99999999999:0 / / rw - ext4 /dev/sda rw",
		/* empty fields where the kernel never writes one */
		"1 1 8:0  / rw - ext4 /dev/sda rw",
		"1 1 8:0 / / rw -  /dev/sda rw",
	};
	char *line;
	unsigned i;
	int o;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECKF(mountinfo_parse(bad[i], &e) == -EINVAL, "[%s]", bad[i]);
	line = malloc(MOUNTINFO_LINE + 64);
	if (!line) {
		CHECK(0);
		return;
	}
	/* A mount point one byte over the cap is refused, never cut. */
	o = snprintf(line, 64, "1 1 8:0 / /");
	memset(line + o, 'd', MOUNTINFO_PATH - 1);
	snprintf(line + o + MOUNTINFO_PATH - 1, 64, " rw - ext4 /dev/sda rw");
	CHECK(mountinfo_parse(line, &e) == -ENAMETOOLONG);
	/* The cap is on the path, not its escaped form: 1100 blanks take
	 * 4400 bytes escaped and fit. */
	o = snprintf(line, 64, "1 1 8:0 / /");
	for (i = 0; i < 1100; i++)
		o += snprintf(line + o, 8, "\\040");
	snprintf(line + o, 64, " rw - ext4 /dev/sda rw");
	CHECK(mountinfo_parse(line, &e) == 0 && strlen(e.dir) == 1101);
	/* An overlong source and fstype. */
	o = snprintf(line, 64, "1 1 8:0 / /x rw - ext4 /");
	memset(line + o, 's', MOUNTINFO_PATH);
	snprintf(line + o + MOUNTINFO_PATH, 64, " rw");
	CHECK(mountinfo_parse(line, &e) == -ENAMETOOLONG);
	o = snprintf(line, 64, "1 1 8:0 / /x rw - ");
	memset(line + o, 't', MOUNTINFO_FSTYPE);
	snprintf(line + o + MOUNTINFO_FSTYPE, 64, " /dev/sda rw");
	CHECK(mountinfo_parse(line, &e) == -ENAMETOOLONG);
	free(line);

	/* In place, as exported. */
	{
		char s1[] = "a\\040b", s2[] = "a\\04", s3[] = "\\134\\134";

		CHECK(mountinfo_unescape(s1) == 0 && !strcmp(s1, "a b"));
		CHECK(mountinfo_unescape(s2) == -EINVAL);
		CHECK(mountinfo_unescape(s3) == 0 && !strcmp(s3, "\\\\"));
	}
}

struct seen {
	unsigned n, stop_at;
	char dirs[8][64];
};

static int collect(const struct mountinfo *m, void *arg)
{
	struct seen *s = arg;

	if (s->n < 8)
		snprintf(s->dirs[s->n], sizeof(s->dirs[0]), "%s", m->dir);
	s->n++;
	return s->stop_at && s->n == s->stop_at ? 42 : 0;
}

static void test_each(void)
{
	char path[] = "/tmp/luksbox-mi-XXXXXX";
	struct seen s = {0};
	FILE *f;
	int fd = mkstemp(path), r;
	size_t i;

	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		CHECK(0);
		return;
	}
	fputs("22 1 259:1 / / rw - ext4 /dev/nvme0n1p1 rw\n", f);
	fputs("not a mountinfo line\n", f);
	/* An overlong line whose tail, alone, would read as a mount of
	 * /dev/sda on /forged: skipped whole. */
	for (i = 0; i < MOUNTINFO_LINE; i++)
		fputc('x', f);
	fputs("1 1 8:0 / /forged rw - ext4 /dev/sda rw\n", f);
	fputs("23 22 0:5 / /proc rw - proc proc rw\n", f);
	fputs("24 22 8:1 / /last\\040one rw - ext4 /dev/sda1 rw",
	      f); /* no \n */
	if (fclose(f)) {
		CHECK(0);
		return;
	}
	r = mountinfo_each(path, collect, &s);
	CHECKF(r == 0 && s.n == 3, "r %d n %u", r, s.n);
	CHECK(!strcmp(s.dirs[0], "/") && !strcmp(s.dirs[1], "/proc") &&
	      !strcmp(s.dirs[2], "/last one"));
	/* FN's non-zero value ends the walk and is returned. */
	memset(&s, 0, sizeof(s));
	s.stop_at = 2;
	CHECK(mountinfo_each(path, collect, &s) == 42 && s.n == 2);
	unlink(path);
	CHECK(mountinfo_each(path, collect, &s) == -ENOENT);
	/* The live table parses: "/" is mounted. */
	memset(&s, 0, sizeof(s));
	CHECK(mountinfo_each(NULL, collect, &s) == 0 && s.n > 0);
}

int main(void)
{
	T_RUN(test_parse);
	T_RUN(test_hostile);
	T_RUN(test_each);
	return T_END();
}
