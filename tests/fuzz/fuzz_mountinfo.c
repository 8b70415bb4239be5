/* fuzz_mountinfo.c - libFuzzer target: the one mountinfo reader
 * (lib/mountinfo) and what reads through it: block/inuse's root disk and
 * "mounted or swapped on" (block/fs.c's "what is mounted on DIR" reads the
 * live table only, through the same parser).
 * SPDX-License-Identifier: GPL-2.0-or-later
 * Sources: lib/mountinfo.c block/inuse.c lib/io.c
 *
 * Untrusted input: mount points and sources are chosen by whoever mounts
 * (a user's FUSE mount, a label), and arrive octal-escaped. The input is
 * served as mountinfo and as /proc/swaps (a memfd) over a small sysfs tree
 * made once (sda, 8:0, with partition sda1, 8:1), and each of its lines goes
 * through mountinfo_parse() alone: whatever it accepts is whole and within
 * its caps.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "block/inuse.h"
#include "lib/mountinfo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void put(const char *dir, const char *name, const char *text)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f))
		abort();
}

/* A sysfs with one disk and one partition, in a fresh directory. */
static const char *make_sysfs(void)
{
	static char root[64] = "/tmp/fuzz_mountinfo-XXXXXX";
	char p[PATH_MAX];

	if (!mkdtemp(root))
		abort();
	snprintf(p, sizeof(p),
		 "mkdir -p %s/class/block/sda/sda1 "
		 "%s/class/block/sda/holders %s/dev/block && "
		 "ln -s ../class/block/sda/sda1 "
		 "%s/class/block/sda1 && "
		 "ln -s ../../class/block/sda %s/dev/block/8:0 && "
		 "ln -s ../../class/block/sda1 %s/dev/block/8:1",
		 root, root, root, root, root, root);
	if (system(p))
		abort();
	snprintf(p, sizeof(p), "%s/class/block/sda", root);
	put(p, "dev", "8:0\n");
	snprintf(p, sizeof(p), "%s/class/block/sda/sda1", root);
	put(p, "dev", "8:1\n");
	put(p, "partition", "1\n");
	return root;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *sysfs;
	static int fd = -1;
	static char path[64];
	static struct mountinfo e;
	static char line[MOUNTINFO_LINE + 1];
	struct probe_sys sys;
	char names[4][32], why[256];
	size_t i, n;
	int r;

	if (!sysfs) {
		sysfs = make_sysfs();
		fd = memfd_create("fuzz_mountinfo", MFD_CLOEXEC);
		if (fd < 0)
			abort();
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) ||
	    (size && pwrite(fd, data, size, 0) != (ssize_t)size))
		abort();
	sys.sysfs = sysfs;
	sys.mountinfo = path;
	sys.swaps = path;
	r = probe_root_disks(&sys, names, 4);
	if (r > 4)
		__builtin_trap();
	why[0] = '\0';
	r = probe_in_use(&sys, "sda", why, sizeof(why));
	if (r < 0 || (r == 1 && !why[0]) || strlen(why) >= sizeof(why))
		__builtin_trap();
	/* Each line alone (NUL bytes end it early, as they would a C
	 * string): accepted means NUL-terminated within every cap. */
	for (i = 0; i < size; i += n) {
		n = 0;
		while (i + n < size && n < sizeof(line) - 1 &&
		       data[i + n] != '\n')
			n++;
		memcpy(line, data + i, n);
		line[n] = '\0';
		if (i + n < size && data[i + n] == '\n')
			n++;
		if (!n)
			break;
		r = mountinfo_parse(line, &e);
		if (r != 0 && r != -EINVAL && r != -ENAMETOOLONG)
			__builtin_trap();
		if (!r &&
		    (strnlen(e.dir, sizeof(e.dir)) >= sizeof(e.dir) ||
		     strnlen(e.fstype, sizeof(e.fstype)) >= sizeof(e.fstype) ||
		     strnlen(e.source, sizeof(e.source)) >= sizeof(e.source) ||
		     !e.fstype[0] || !e.dir[0]))
			__builtin_trap();
		if (!r)
			mountinfo_unescape(line); /* in place: no overrun */
	}
	return 0;
}
