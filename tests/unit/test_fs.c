/* test_fs.c - crypto/fs: mkfs with the stock tools, mountinfo queries.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * Mounting a volume needs a block device: the VM tier proves it.
 */
#define T_SUITE "unit/fs"
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "t.h"
#include "block/fs.h"

static char dir[] = "/tmp/luksbox-fs-XXXXXX";

static int sh(const char *cmd)
{
	int st = system(cmd);

	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int have(const char *prog)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null", prog);
	return sh(cmd) == 0;
}

static void image(char *path, size_t n, const char *name, int mib)
{
	snprintf(path, n, "%s/%s", dir, name);
	close(open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600));
	CHECK(truncate(path, (off_t)mib << 20) == 0);
}

static void test_mkfs_ext4_label_and_opts(void)
{
	char img[256], cmd[1024];

	image(img, sizeof(img), "ext4.img", 32);
	CHECK(fs_mkfs(img, "ext4", "averyveryverylonglabel", "-m 0") == 0);
	snprintf(
		cmd, sizeof(cmd),
		"blkid -p -o value -s TYPE %s | grep -qx ext4 && "
		"blkid -p -o value -s LABEL %s | grep -qx averyveryverylon && "
		"dumpe2fs -h %s 2>/dev/null | grep -q '^Reserved block count: *0$'",
		img, img, img);
	CHECK(sh(cmd) == 0);
}

static void test_mkfs_xfs(void)
{
	char img[256], cmd[1024];

	image(img, sizeof(img), "xfs.img", 320);
	CHECK(fs_mkfs(img, "xfs", "data", NULL) == 0);
	snprintf(cmd, sizeof(cmd),
		 "blkid -p -o value -s TYPE %s | grep -qx xfs && "
		 "blkid -p -o value -s LABEL %s | grep -qx data",
		 img, img);
	CHECK(sh(cmd) == 0);
}

static void test_mkfs_refuses(void)
{
	char img[256];

	image(img, sizeof(img), "x.img", 8);
	CHECK(fs_mkfs(img, "btrfs", "x", NULL) == -EINVAL);
	CHECK(fs_mkfs(img, "ext4", "x", "-O 'quoted'") == -EINVAL);
	/* mkfs failing (a bad option) is reported, not hidden. */
	CHECK(fs_mkfs(img, "ext4", "x", "--no-such-option") == -ECHILD);
}

/* The record of a mount, set by e2fsprogs' own debugfs (an independent
 * writer of the superblock fields), never by the code under test. */
static void test_ever_mounted(void)
{
	char img[256], zero[256], cmd[1024];

	image(zero, sizeof(zero), "zero.img", 4);
	CHECK(fs_ever_mounted(zero) == 0);
	CHECK(fs_ever_mounted("/no/such/device") == -ENOENT);
	image(img, sizeof(img), "mnt.img", 16);
	CHECK(fs_mkfs(img, "ext4", "m", NULL) == 0);
	CHECK(fs_ever_mounted(img) == 0);
	snprintf(cmd, sizeof(cmd),
		 "debugfs -w -R 'ssv mtime 20250102030405' %s >/dev/null 2>&1",
		 img);
	CHECK(sh(cmd) == 0);
	CHECK(fs_ever_mounted(img) == 1);
	/* e2fsck resets the count but not the time; the count alone too. */
	CHECK(fs_mkfs(img, "ext4", "m", NULL) == 0);
	snprintf(cmd, sizeof(cmd),
		 "debugfs -w -R 'ssv mnt_count 1' %s >/dev/null 2>&1", img);
	CHECK(sh(cmd) == 0);
	CHECK(fs_ever_mounted(img) == 1);
}

static void test_mountinfo(void)
{
	struct stat st;
	unsigned long dev = 0;

	CHECK(fs_mounted_on("/", &dev) == 1);
	CHECK(stat("/", &st) == 0);
	CHECKF(dev == st.st_dev || major(dev) == 0, "dev %lu vs st_dev %lu",
	       dev, (unsigned long)st.st_dev);
	CHECK(fs_mounted_on("/proc", NULL) == 1);
	CHECK(fs_mounted_on(dir, NULL) == 0);
	CHECK(fs_mounted_on("/no/such/dir", NULL) == 0);
	CHECK(fs_dev_in_use(makedev(4095, 4095)) == 0);
}

int main(void)
{
	char cmd[256];

	if (!mkdtemp(dir))
		return 1;
	if (have("mkfs.ext4") && have("blkid"))
		T_RUN(test_mkfs_ext4_label_and_opts);
	else
		T_SKIP(test_mkfs_ext4_label_and_opts, "no mkfs.ext4/blkid");
	if (have("mkfs.xfs"))
		T_RUN(test_mkfs_xfs);
	else
		T_SKIP(test_mkfs_xfs, "no mkfs.xfs (apt-get install xfsprogs)");
	T_RUN(test_mkfs_refuses);
	if (have("mkfs.ext4") && have("debugfs"))
		T_RUN(test_ever_mounted);
	else
		T_SKIP(test_ever_mounted, "no mkfs.ext4/debugfs");
	T_RUN(test_mountinfo);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	sh(cmd);
	return T_END();
}
