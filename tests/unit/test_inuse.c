/* test_inuse.c - block/inuse: the root disk, mounts (through
 * lib/mountinfo), swap and holders on fabricated sysfs, mountinfo and
 * swaps; who holds a device open, in a fabricated and the live /proc.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define T_SUITE "unit/inuse"
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "t.h"
#include "fake_tree.h"
#include "block/inuse.h"

static int run(const char *fmt, const char *root)
{
	char cmd[1200];

	snprintf(cmd, sizeof(cmd), fmt, root, root, root, root, root, root);
	return system(cmd);
}

static void test_in_use(void)
{
	char root[] = "/tmp/luksbox-use-XXXXXX", sys[64], mi[80], sw[80];
	char why[200], names[8][32];
	struct probe_sys ps;
	int r;

	if (!mkdtemp(root)) {
		CHECK(0);
		return;
	}
	snprintf(sys, sizeof(sys), "%s/sys", root);
	snprintf(mi, sizeof(mi), "%s/mountinfo", root);
	snprintf(sw, sizeof(sw), "%s/swaps", root);
	ps.sysfs = sys;
	ps.mountinfo = mi;
	ps.swaps = sw;
	/* Disks live under devices/; class/block and dev/block link there. */
	t_put_file(sys, "devices/nvme0n1/dev", "259:0\n");
	t_put_file(sys, "devices/nvme0n1/nvme0n1p1/dev", "259:1\n");
	t_put_file(sys, "devices/nvme0n1/nvme0n1p1/partition", "1\n");
	t_put_file(sys, "devices/nvme1n1/dev", "259:2\n");
	t_put_file(sys, "devices/nvme1n1/holders/dm-0", "");
	t_put_file(sys, "devices/dm-0/dev", "253:0\n");
	t_put_file(sys, "devices/dm-0/dm/name", "vol1\n");
	t_put_file(sys, "devices/nvme2n1/dev", "259:3\n");
	t_put_file(sys, "devices/nvme2n1/nvme2n1p1/dev", "259:4\n");
	t_put_file(sys, "devices/nvme2n1/nvme2n1p1/partition", "1\n");
	t_put_file(sys, "devices/nvme3n1/dev", "259:5\n");
	t_put_file(sys, "devices/nvme4n1/dev", "259:6\n");
	CHECK(run("cd %s/sys && mkdir -p class/block dev/block && "
		  "for d in nvme0n1 nvme1n1 dm-0 nvme2n1 nvme3n1 nvme4n1; do "
		  "ln -s ../../devices/$d class/block/$d; done && "
		  "ln -s ../../devices/nvme0n1/nvme0n1p1 class/block/nvme0n1p1 "
		  "&& ln -s ../../devices/nvme2n1/nvme2n1p1 "
		  "class/block/nvme2n1p1 && "
		  "ln -s ../../devices/nvme0n1/nvme0n1p1 dev/block/259:1 && "
		  "ln -s ../../devices/nvme2n1/nvme2n1p1 dev/block/259:4",
		  root) == 0);
	t_put_file(
		root, "mountinfo",
		"22 1 259:1 / / rw,relatime - ext4 /dev/nvme0n1p1 rw\n"
		"23 22 0:5 / /proc rw - proc proc rw\n"
		"40 22 259:4 / /mnt/my\\040data rw - xfs /dev/nvme2n1p1 rw\n");
	t_put_file(
		root, "swaps",
		"Filename\tType\tSize\tUsed\tPriority\n"
		"/dev/nvme3n1                            partition\t1\t0\t-2\n");

	r = probe_root_disks(&ps, names, 8);
	CHECKF(r == 1 && !strcmp(names[0], "nvme0n1"), "r %d", r);
	r = probe_in_use(&ps, "nvme0n1", why, sizeof(why));
	CHECKF(r == 1 && strstr(why, "root disk"), "%d %s", r, why);
	r = probe_in_use(&ps, "nvme0n1p1", why, sizeof(why));
	CHECKF(r == 1 && strstr(why, "root disk nvme0n1"), "%d %s", r, why);
	r = probe_in_use(&ps, "nvme1n1", why, sizeof(why));
	CHECKF(r == 1 && strstr(why, "held by dm-0 (vol1)"), "%d %s", r, why);
	r = probe_in_use(&ps, "nvme2n1", why, sizeof(why));
	CHECKF(r == 1 && strstr(why, "nvme2n1p1 (partition of nvme2n1)") &&
		       strstr(why, "mounted on /mnt/my data"),
	       "%d %s", r, why);
	r = probe_in_use(&ps, "nvme3n1", why, sizeof(why));
	CHECKF(r == 1 && strstr(why, "swap"), "%d %s", r, why);
	r = probe_in_use(&ps, "nvme4n1", why, sizeof(why));
	CHECKF(r == 0, "%d %s", r, why);
	CHECK(probe_in_use(&ps, "nvme9n1", why, sizeof(why)) == -ENOENT);

	/* Root on LVM over a partition: the disk under the slaves counts. */
	t_put_file(sys, "devices/dm-1/dev", "253:1\n");
	t_put_file(sys, "devices/xvda/dev", "202:0\n");
	t_put_file(sys, "devices/xvda/xvda2/dev", "202:2\n");
	t_put_file(sys, "devices/xvda/xvda2/partition", "2\n");
	CHECK(run("cd %s/sys && ln -s ../../devices/dm-1 class/block/dm-1 && "
		  "ln -s ../../devices/xvda class/block/xvda && "
		  "ln -s ../../devices/xvda/xvda2 class/block/xvda2 && "
		  "ln -s ../../devices/dm-1 dev/block/253:1 && "
		  "mkdir -p devices/dm-1/slaves && "
		  "ln -s ../../xvda/xvda2 devices/dm-1/slaves/xvda2",
		  root) == 0);
	t_put_file(root, "mountinfo",
		   "22 1 253:1 / / rw - xfs /dev/mapper/vg-root rw\n");
	r = probe_root_disks(&ps, names, 8);
	CHECKF(r == 1 && !strcmp(names[0], "xvda"), "r %d %s", r,
	       r > 0 ? names[0] : "");
	r = probe_in_use(&ps, "xvda", why, sizeof(why));
	CHECKF(r == 1 && strstr(why, "root disk"), "%d %s", r, why);
	r = probe_in_use(&ps, "nvme0n1", why, sizeof(why));
	CHECKF(r == 0, "%d %s", r, why);
	/* Root on tmpfs (a rescue boot): no root disk. */
	t_put_file(root, "mountinfo", "22 1 0:20 / / rw - tmpfs rootfs rw\n");
	CHECK(probe_root_disks(&ps, names, 8) == 0);
	CHECK(run("rm -rf '%s'", root) == 0);
}

/* A block device node on this host, for test_open_by; NULL when none. */
static const char *some_blk(void)
{
	static const char *const nodes[] = {"/dev/loop0", "/dev/loop1",
					    "/dev/sda", "/dev/vda",
					    "/dev/nvme0n1"};
	struct stat st;
	unsigned i;

	for (i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++)
		if (!stat(nodes[i], &st) && S_ISBLK(st.st_mode))
			return nodes[i];
	return NULL;
}

/* Who holds a block device open: a fabricated /proc whose fd links point
 * at a real block device node (only stat()ed there), and a live child
 * process holding one open. */
static void test_open_by(void)
{
	char root[] = "/tmp/luksbox-proc-XXXXXX", why[200], cmd[600], c;
	const char *blk = some_blk();
	int r, me = (int)getpid(), up[2], down[2];
	pid_t pid;

	if (!blk || !mkdtemp(root)) {
		CHECK(0);
		return;
	}
	snprintf(cmd, sizeof(cmd),
		 "cd %s && mkdir -p 412/fd 7/fd %d/fd && echo sleepy >412/comm "
		 "&& echo other >7/comm && echo me >%d/comm && "
		 "ln -s /dev/null 412/fd/0 && ln -s %s 412/fd/5 && "
		 "ln -s /dev/null 7/fd/1 && ln -s %s %d/fd/3",
		 root, me, me, blk, blk, me);
	CHECK(system(cmd) == 0);
	r = probe_open_by(root, blk, why, sizeof(why));
	CHECKF(r == 1 && !strcmp(why, "open in process 412 (sleepy)"), "%d %s",
	       r, why);
	snprintf(cmd, sizeof(cmd), "rm %s/412/fd/5", root);
	CHECK(system(cmd) == 0);
	/* Only ourselves: not reported. */
	CHECK(probe_open_by(root, blk, why, sizeof(why)) == 0);
	CHECK(probe_open_by(root, "/dev/null", why, sizeof(why)) == -ENOTBLK);
	CHECK(probe_open_by(root, "/nonexistent", why, sizeof(why)) == -ENOENT);
	CHECK(run("rm -rf '%s'", root) == 0);

	/* The live /proc: a child holding the node open is named. */
	if (pipe(up) || pipe(down)) {
		CHECK(0);
		return;
	}
	pid = fork();
	if (pid == 0) {
		int fd = open(blk, O_RDONLY);

		if (write(up[1], fd >= 0 ? "y" : "n", 1) != 1 ||
		    read(down[0], &c, 1) < 0)
			_exit(1);
		_exit(0);
	}
	if (pid < 0 || read(up[0], &c, 1) != 1)
		c = 'n';
	CHECKF(c == 'y', "the child could not open %s", blk);
	if (c == 'y') {
		char want[64];

		snprintf(want, sizeof(want), "open in process %d (", (int)pid);
		r = probe_open_by(NULL, blk, why, sizeof(why));
		CHECKF(r == 1 && strstr(why, want), "%d %s", r, why);
	}
	if (pid > 0) {
		if (write(down[1], "x", 1) != 1)
			CHECK(0);
		waitpid(pid, NULL, 0);
	}
	close(up[0]);
	close(up[1]);
	close(down[0]);
	close(down[1]);
}

int main(void)
{
	T_RUN(test_in_use);
	if (some_blk())
		T_RUN(test_open_by);
	else
		T_SKIP(test_open_by, "no block device node on this host");
	return T_END();
}
