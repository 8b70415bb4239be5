/* test_probe.c - crypto/probe: signatures on image files (made by the stock
 * tools where the host has them, by hand where it cannot), blkid as the
 * oracle, and device use on fabricated sysfs and mountinfo.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define T_SUITE "unit/probe"
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "t.h"
#include "block/md.h"
#include "block/probe.h"

#define MIB (1024ULL * 1024)

static char img[64];

/* A fresh sparse image of BYTES at img; returns an fd open for writing. */
static int fresh(uint64_t bytes)
{
	int fd;

	snprintf(img, sizeof(img), "/tmp/luksbox-probe-XXXXXX");
	fd = mkstemp(img);
	if (fd >= 0 && ftruncate(fd, (off_t)bytes)) {
		close(fd);
		return -1;
	}
	return fd;
}

static void poke(int fd, uint64_t off, const void *p, size_t n)
{
	if (pwrite(fd, p, n, (off_t)off) != (ssize_t)n)
		CHECK(0);
}

/* Probe img; the one signature found must be TYPE (and VERSION) at OFF. */
static int finds(const char *type, const char *version, uint64_t off)
{
	struct probe_result r;
	char d[256];
	unsigned i;

	if (probe_signatures(img, &r))
		return 0;
	for (i = 0; i < r.n && i < PROBE_MAX; i++)
		if (!strcmp(r.sig[i].type, type) &&
		    (!version || !strcmp(r.sig[i].version, version)) &&
		    r.sig[i].offset == off)
			return 1;
	printf("# %s: %s\n", img, probe_describe(&r, d, sizeof(d)));
	return 0;
}

/* blkid's TYPE for img, "" when it finds none or is missing. */
static void blkid_type(char *out, size_t len)
{
	char cmd[200];
	FILE *p;

	out[0] = '\0';
	snprintf(cmd, sizeof(cmd), "blkid -p -o value -s TYPE %s 2>/dev/null",
		 img);
	p = popen(cmd, "r");
	if (!p)
		return;
	if (fgets(out, (int)len, p))
		out[strcspn(out, "\n")] = '\0';
	pclose(p);
}

static int tool(const char *cmd)
{
	char c[300];

	snprintf(c, sizeof(c), "%s %s >/dev/null 2>&1", cmd, img);
	return system(c) == 0;
}

static void test_blank(void)
{
	struct probe_result r;
	const char *devs[1];
	unsigned which = 9;
	int fd = fresh(64 * MIB);

	close(fd);
	CHECK(probe_signatures(img, &r) == 0 && r.n == 0 && r.size == 64 * MIB);
	CHECK(probe_blank(img, &r) == 1 && !r.dirty);
	devs[0] = img;
	CHECK(probe_all_blank(devs, 1, &which, NULL) == 1);
	/* Between the edges: "blank" reads only the first and last MiB. */
	fd = open(img, O_RDWR);
	poke(fd, 3 * MIB, "x", 1);
	close(fd);
	CHECK(probe_blank(img, &r) == 1);
	/* One byte in the last MiB: unknown content, not blank. */
	fd = open(img, O_RDWR);
	poke(fd, 64 * MIB - 1, "x", 1);
	close(fd);
	CHECK(probe_blank(img, &r) == 0 && r.n == 0 && r.dirty &&
	      r.nonzero == 64 * MIB - 1);
	CHECK(probe_all_blank(devs, 1, &which, &r) == 0 && which == 0);
	unlink(img);
	CHECK(probe_signatures("/nonexistent/dev", &r) == -ENOENT);
}

static void test_handmade(void)
{
	static const uint8_t luks1[8] = {'L', 'U', 'K', 'S', 0xba, 0xbe, 0, 1};
	static const uint8_t luks2[8] = {'L', 'U', 'K', 'S', 0xba, 0xbe, 0, 2};
	static const uint8_t skul2[8] = {'S', 'K', 'U', 'L', 0xba, 0xbe, 0, 2};
	static const uint8_t mdmagic[8] = {0xfc, 0x4e, 0x2b, 0xa9, 1, 0, 0, 0};
	static const uint8_t md090[8] = {0xfc, 0x4e, 0x2b, 0xa9, 0, 0, 0, 0};
	static const uint8_t aa[2] = {0x55, 0xaa};
	uint64_t size = 64 * MIB + 12345 * 512;
	int fd;

	fd = fresh(size);
	poke(fd, 0, luks1, 8);
	close(fd);
	CHECK(finds("crypto_LUKS", "1", 0));
	unlink(img);

	fd = fresh(size);
	poke(fd, 0, luks2, 8);
	close(fd);
	CHECK(finds("crypto_LUKS", "2", 0));
	unlink(img);

	/* Primary header wiped, the secondary at 16 KiB survives. */
	fd = fresh(size);
	poke(fd, 16384, skul2, 8);
	close(fd);
	CHECK(finds("crypto_LUKS", "2", 16384));
	unlink(img);

	fd = fresh(size);
	poke(fd, 0, mdmagic, 8);
	close(fd);
	CHECK(finds("linux_raid_member", "1.1", 0));
	unlink(img);

	fd = fresh(size);
	poke(fd, ((size / 512 - 16) & ~7ULL) * 512, mdmagic, 8);
	close(fd);
	CHECK(finds("linux_raid_member", "1.0",
		    ((size / 512 - 16) & ~7ULL) * 512));
	unlink(img);

	fd = fresh(size);
	poke(fd, (size & ~65535ULL) - 65536, md090, 8);
	close(fd);
	CHECK(finds("linux_raid_member", "0.90", (size & ~65535ULL) - 65536));
	unlink(img);

	fd = fresh(size);
	poke(fd, 65536 + 64, "_BHRfS_M", 8);
	close(fd);
	CHECK(finds("btrfs", NULL, 65536 + 64));
	unlink(img);

	fd = fresh(size);
	poke(fd, 512, "LABELONE", 8);
	poke(fd, 512 + 24, "LVM2 001", 8);
	close(fd);
	CHECK(finds("LVM2_member", NULL, 512));
	unlink(img);

	fd = fresh(size);
	poke(fd, 510, aa, 2);
	close(fd);
	CHECK(finds("dos", NULL, 510));
	unlink(img);

	/* GPT: primary, and the backup alone at the last sector. */
	fd = fresh(size);
	poke(fd, 512, "EFI PART", 8);
	close(fd);
	CHECK(finds("gpt", NULL, 512));
	unlink(img);
	fd = fresh(size);
	poke(fd, size - 512, "EFI PART", 8);
	close(fd);
	CHECK(finds("gpt", NULL, size - 512));
	unlink(img);

	fd = fresh(size);
	poke(fd, 0, "XFSB", 4);
	poke(fd, 4096 - 10, "SWAPSPACE2", 10);
	close(fd);
	CHECK(finds("xfs", NULL, 0));
	CHECK(finds("swap", "1", 4086));
	unlink(img);
}

static void test_stock_tools(void)
{
	char t[64];
	int fd;

	fd = fresh(64 * MIB);
	close(fd);
	if (tool("mkfs.ext4 -q -F")) {
		CHECK(finds("ext4", NULL, 1080));
		blkid_type(t, sizeof(t));
		CHECK(!t[0] || !strcmp(t, "ext4"));
	} else {
		printf("# mkfs.ext4 missing: ext4 checked by hand only\n");
	}
	unlink(img);

	fd = fresh(64 * MIB);
	close(fd);
	if (tool("mkfs.ext4 -q -F -O ^has_journal,^extent,^64bit,^flex_bg,"
		 "^huge_file,^dir_nlink,^extra_isize,^metadata_csum")) {
		CHECK(finds("ext2", NULL, 1080));
		blkid_type(t, sizeof(t));
		CHECKF(!t[0] || !strcmp(t, "ext2"), "blkid says %s", t);
	}
	unlink(img);

	fd = fresh(64 * MIB);
	close(fd);
	if (tool("mkswap")) {
		CHECK(finds("swap", "1", 4086));
	}
	unlink(img);

	fd = fresh(512 * MIB);
	close(fd);
	if (tool("mkfs.xfs -q -f")) {
		CHECK(finds("xfs", NULL, 0));
	}
	unlink(img);
}

/* What md_write_sb() leaves is what probe and blkid report. */
static void test_md_member(void)
{
	struct md_create c = {.name = "p"};
	uint64_t s[1] = {256 * MIB >> 9};
	static struct md_sb sb;
	char t[64];
	int fd = fresh(256 * MIB);

	CHECK(md_plan_create(&c, s, 1, &sb) == 0);
	CHECK(md_write_sb(fd, s[0], &sb) == 0);
	close(fd);
	CHECK(finds("linux_raid_member", "1.2", 4096));
	blkid_type(t, sizeof(t));
	CHECK(!t[0] || !strcmp(t, "linux_raid_member"));
	unlink(img);
}

/* A fabricated sysfs + mountinfo + swaps under ROOT. */
static int put(const char *root, const char *rel, const char *text)
{
	char path[512], cmd[700];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"", path);
	if (system(cmd))
		return -1;
	f = fopen(path, "w");
	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

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
	put(sys, "devices/nvme0n1/dev", "259:0\n");
	put(sys, "devices/nvme0n1/nvme0n1p1/dev", "259:1\n");
	put(sys, "devices/nvme0n1/nvme0n1p1/partition", "1\n");
	put(sys, "devices/nvme1n1/dev", "259:2\n");
	put(sys, "devices/nvme1n1/holders/dm-0", "");
	put(sys, "devices/dm-0/dev", "253:0\n");
	put(sys, "devices/dm-0/dm/name", "vol1\n");
	put(sys, "devices/nvme2n1/dev", "259:3\n");
	put(sys, "devices/nvme2n1/nvme2n1p1/dev", "259:4\n");
	put(sys, "devices/nvme2n1/nvme2n1p1/partition", "1\n");
	put(sys, "devices/nvme3n1/dev", "259:5\n");
	put(sys, "devices/nvme4n1/dev", "259:6\n");
	CHECK(run("cd %s/sys && mkdir -p class/block dev/block && "
		  "for d in nvme0n1 nvme1n1 dm-0 nvme2n1 nvme3n1 nvme4n1; do "
		  "ln -s ../../devices/$d class/block/$d; done && "
		  "ln -s ../../devices/nvme0n1/nvme0n1p1 class/block/nvme0n1p1 "
		  "&& ln -s ../../devices/nvme2n1/nvme2n1p1 "
		  "class/block/nvme2n1p1 && "
		  "ln -s ../../devices/nvme0n1/nvme0n1p1 dev/block/259:1 && "
		  "ln -s ../../devices/nvme2n1/nvme2n1p1 dev/block/259:4",
		  root) == 0);
	put(root, "mountinfo",
	    "22 1 259:1 / / rw,relatime - ext4 /dev/nvme0n1p1 rw\n"
	    "23 22 0:5 / /proc rw - proc proc rw\n"
	    "40 22 259:4 / /mnt/my\\040data rw - xfs /dev/nvme2n1p1 rw\n");
	put(root, "swaps",
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
	put(sys, "devices/dm-1/dev", "253:1\n");
	put(sys, "devices/xvda/dev", "202:0\n");
	put(sys, "devices/xvda/xvda2/dev", "202:2\n");
	put(sys, "devices/xvda/xvda2/partition", "2\n");
	CHECK(run("cd %s/sys && ln -s ../../devices/dm-1 class/block/dm-1 && "
		  "ln -s ../../devices/xvda class/block/xvda && "
		  "ln -s ../../devices/xvda/xvda2 class/block/xvda2 && "
		  "ln -s ../../devices/dm-1 dev/block/253:1 && "
		  "mkdir -p devices/dm-1/slaves && "
		  "ln -s ../../xvda/xvda2 devices/dm-1/slaves/xvda2",
		  root) == 0);
	put(root, "mountinfo",
	    "22 1 253:1 / / rw - xfs /dev/mapper/vg-root rw\n");
	r = probe_root_disks(&ps, names, 8);
	CHECKF(r == 1 && !strcmp(names[0], "xvda"), "r %d %s", r,
	       r > 0 ? names[0] : "");
	r = probe_in_use(&ps, "xvda", why, sizeof(why));
	CHECKF(r == 1 && strstr(why, "root disk"), "%d %s", r, why);
	r = probe_in_use(&ps, "nvme0n1", why, sizeof(why));
	CHECKF(r == 0, "%d %s", r, why);
	/* Root on tmpfs (a rescue boot): no root disk. */
	put(root, "mountinfo", "22 1 0:20 / / rw - tmpfs rootfs rw\n");
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
	T_RUN(test_blank);
	T_RUN(test_handmade);
	T_RUN(test_stock_tools);
	T_RUN(test_md_member);
	T_RUN(test_in_use);
	if (some_blk())
		T_RUN(test_open_by);
	else
		T_SKIP(test_open_by, "no block device node on this host");
	return T_END();
}
