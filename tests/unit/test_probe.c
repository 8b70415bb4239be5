/* test_probe.c - block/probe: signatures on image files (made by the stock
 * tools where the host has them, by hand where it cannot), blkid as the
 * oracle. Device use is test_inuse.c.
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

int main(void)
{
	T_RUN(test_blank);
	T_RUN(test_handmade);
	T_RUN(test_stock_tools);
	T_RUN(test_md_member);
	return T_END();
}
