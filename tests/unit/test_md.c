/* test_md.c - block/md: superblocks on image files, mdadm as the oracle,
 * member checks, hostile superblocks, the scan's candidates on a
 * fabricated sysfs tree (instance-store discovery: test_instance_store.c).
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define T_SUITE "unit/md"
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "t.h"
#include "fake_tree.h"
#include "block/md.h"
#include "lib/msg.h"
#include "lib/uuid.h"

#define GIB (1024ULL * 1024 * 1024)

static const uint8_t fixed_uuid[16] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab,
				       0xcd, 0xef, 0xfe, 0xdc, 0xba, 0x98,
				       0x76, 0x54, 0x32, 0x10};

/* A sparse image file of BYTES under /tmp; its path in PATH (64 bytes). */
static int image(char *path, uint64_t bytes)
{
	int fd;

	snprintf(path, 64, "/tmp/luksbox-md-XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		return -1;
	if (ftruncate(fd, (off_t)bytes)) {
		close(fd);
		unlink(path);
		return -1;
	}
	return fd;
}

/* Plan an array of N images of SIZES bytes named NAME and write it. */
static int make_array(const char *name, const uint64_t *sizes, unsigned n,
		      char paths[][64], struct md_sb *sbs)
{
	struct md_create c = {.name = name, .uuid = fixed_uuid};
	uint64_t sectors[MD_MAX_DEVS];
	unsigned i;
	int r;

	for (i = 0; i < n; i++)
		sectors[i] = sizes[i] >> 9;
	r = md_plan_create(&c, sectors, n, sbs);
	if (r)
		return r;
	for (i = 0; i < n; i++) {
		int fd = image(paths[i], sizes[i]);

		if (fd < 0)
			return -errno;
		r = md_write_sb(fd, sectors[i], &sbs[i]);
		close(fd);
		if (r)
			return r;
	}
	return 0;
}

static void drop(char paths[][64], unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++)
		unlink(paths[i]);
}

/* Run mdadm --examine PATH; its output into OUT. 0, or -1 when mdadm is
 * missing or failed. */
static int examine(const char *path, char *out, size_t len)
{
	char cmd[200];
	FILE *p;
	size_t n;
	int st;

	if (snprintf(cmd, sizeof(cmd), "mdadm --examine %s 2>&1", path) >=
	    (int)sizeof(cmd))
		return -1;
	p = popen(cmd, "r");
	if (!p)
		return -1;
	n = fread(out, 1, len - 1, p);
	out[n] = '\0';
	st = pclose(p);
	return st == 0 ? 0 : -1;
}

/* The value after "KEY : " in mdadm output, into VAL. */
static int field(const char *text, const char *key, char *val, size_t len)
{
	const char *p = strstr(text, key), *e;
	size_t n;

	if (!p)
		return -1;
	p = strstr(p, " : ");
	if (!p)
		return -1;
	p += 3;
	e = strchr(p, '\n');
	n = e ? (size_t)(e - p) : strlen(p);
	if (n >= len)
		n = len - 1;
	memcpy(val, p, n);
	val[n] = '\0';
	return 0;
}

static int have_mdadm(void)
{
	return system("mdadm --version >/dev/null 2>&1") == 0;
}

static void test_data_offset(void)
{
	/* Values mdadm 4.2 prints as "Data Offset" for these sizes with
	 * its default 512K chunk. */
	CHECK(md_data_offset(2 * GIB >> 9, 1024) == 6144);
	CHECK(md_data_offset(1 * GIB >> 9, 1024) == 4096);
	CHECK(md_data_offset(10 * GIB >> 9, 1024) == 18432);
	CHECK(md_data_offset(300 * GIB >> 9, 1024) == 264192);
	CHECK(md_data_offset(2000 * GIB >> 9, 1024) == 264192);
	/* Never below 1 MiB, always 1 MiB aligned. */
	CHECK(md_data_offset(64 << 11, 8) == 2048);
	CHECK(md_data_offset(12345678, 128) % 2048 == 0);
}

static void test_encode_decode(void)
{
	struct md_create c = {.name = "data", .chunk_sectors = 256};
	uint64_t sectors[2] = {4 * GIB >> 9, 4 * GIB >> 9};
	static struct md_sb sbs[2], back;
	static uint8_t buf[MD_SB_BYTES];
	int r;

	CHECK(md_plan_create(&c, sectors, 2, sbs) == 0);
	CHECK(!memcmp(sbs[0].set_uuid, sbs[1].set_uuid, 16));
	CHECK(memcmp(sbs[0].device_uuid, sbs[1].device_uuid, 16));
	CHECK(sbs[0].feature_map == 0 && sbs[0].layout == 1);
	CHECK(sbs[1].dev_number == 1 && md_sb_role(&sbs[1]) == 1);
	CHECK(sbs[0].max_dev == 128);
	CHECK(md_sb_encode(&sbs[1], buf) == 0);
	r = md_sb_decode(buf, sizeof(buf), 2, sectors[1], &back);
	CHECKF(r == 0, "decode %d", r);
	CHECK(!memcmp(&back, &sbs[1], offsetof(struct md_sb, sb_csum)));
	CHECK(back.sb_csum == md_sb_csum(buf, sizeof(buf)));
	CHECK(!strcmp(back.set_name, "data"));
	CHECK(back.chunk_sectors == 256 && back.raid_disks == 2);
	CHECK(back.data_offset == md_data_offset(sectors[0], 256));
	CHECK(back.data_size == sectors[1] - back.data_offset);
	CHECK(back.resync_offset == UINT64_MAX && back.events == 0);
	/* One flipped bit anywhere in the checksummed range is caught. */
	buf[100] ^= 4;
	CHECK(md_sb_decode(buf, sizeof(buf), 2, sectors[1], &back) == -EBADMSG);
	buf[100] ^= 4;
	buf[256 + 2 * 127] ^= 1; /* the last role entry counted */
	CHECK(md_sb_decode(buf, sizeof(buf), 2, sectors[1], &back) == -EBADMSG);
}

static void test_multizone_layout(void)
{
	struct md_create c = {.name = "mz"};
	uint64_t same[3] = {8 * GIB >> 9, 8 * GIB >> 9, 8 * GIB >> 9};
	uint64_t diff[3] = {8 * GIB >> 9, 9 * GIB >> 9, 8 * GIB >> 9};
	static struct md_sb sbs[3];

	CHECK(md_plan_create(&c, same, 3, sbs) == 0);
	CHECK(sbs[2].feature_map == 0);
	CHECK(md_plan_create(&c, diff, 3, sbs) == 0);
	CHECK(sbs[0].feature_map == MD_FEATURE_RAID0_LAYOUT_BIT &&
	      sbs[2].feature_map == MD_FEATURE_RAID0_LAYOUT_BIT);
	/* Too small for data offset + one chunk. */
	diff[1] = 2048;
	CHECK(md_plan_create(&c, diff, 3, sbs) == -ENOSPC);
	c.name = "bad/name";
	CHECK(md_plan_create(&c, same, 3, sbs) == -EINVAL);
	c.name = "ok";
	c.chunk_sectors = 1000; /* not a power of two */
	CHECK(md_plan_create(&c, same, 3, sbs) == -EINVAL);
}

static void test_mdadm_examine(void)
{
	uint64_t sizes[4] = {2 * GIB, 2 * GIB, 300 * GIB, 2 * GIB};
	char paths[4][64], out[8192], val[128], uuid[36], want[64];
	static struct md_sb sbs[4];
	unsigned i;
	int r;

	r = make_array("web", sizes, 4, paths, sbs);
	CHECKF(r == 0, "make_array %d", r);
	uuid_text_md(fixed_uuid, uuid);
	for (i = 0; i < 4 && !r; i++) {
		r = examine(paths[i], out, sizeof(out));
		CHECKF(r == 0, "mdadm --examine %s: %.200s", paths[i], out);
		if (r)
			break;
		CHECK(!field(out, "Raid Level", val, sizeof(val)) &&
		      !strcmp(val, "raid0"));
		CHECK(!field(out, "Version", val, sizeof(val)) &&
		      !strcmp(val, "1.2"));
		CHECK(!field(out, "Raid Devices", val, sizeof(val)) &&
		      !strcmp(val, "4"));
		CHECK(!field(out, "Chunk Size", val, sizeof(val)) &&
		      !strcmp(val, "512K"));
		CHECK(!field(out, "Array UUID", val, sizeof(val)) &&
		      !strcmp(val, uuid));
		CHECK(!field(out, "Name", val, sizeof(val)) &&
		      !strncmp(val, "web", 3));
		snprintf(want, sizeof(want), "Active device %u", i);
		CHECKF(!field(out, "Device Role", val, sizeof(val)) &&
			       !strcmp(val, want),
		       "role '%s'", val);
		CHECKF(!field(out, "Checksum", val, sizeof(val)) &&
			       strstr(val, " - correct"),
		       "checksum '%s'", val);
		snprintf(want, sizeof(want), "%llu sectors",
			 (unsigned long long)sbs[i].data_offset);
		CHECK(!field(out, "Data Offset", val, sizeof(val)) &&
		      !strcmp(val, want));
		/* Unequal sizes: the layout is recorded for the kernel. */
		CHECKF(!field(out, "Layout", val, sizeof(val)) &&
			       !strcmp(val, "original"),
		       "layout '%s'", val);
	}
	drop(paths, 4);
}

static void test_find_and_check(void)
{
	uint64_t sizes[3] = {GIB, GIB, GIB};
	char paths[4][64];
	struct msg_error e = {0};
	const char *cands[5];
	static struct md_member m[8];
	static struct md_sb sbs[3], tmp;
	struct md_ident byname = {.name = "db"}, byuuid = {.has_uuid = 1};
	char cmd[200];
	int n, r, fd;

	r = make_array("db", sizes, 3, paths, sbs);
	CHECKF(r == 0, "make_array %d", r);
	if (r)
		return;
	memcpy(byuuid.uuid, fixed_uuid, 16);
	/* Any order, by name or UUID. */
	cands[0] = paths[2];
	cands[1] = paths[0];
	cands[2] = paths[1];
	n = md_find_members(&byname, cands, 3, 1, m, 8, &e);
	CHECKF(n == 3, "find %d: %s", n, e.why);
	CHECKF(md_check_members(m, 3, &e) == 0, "%s", e.why);
	n = md_find_members(&byuuid, cands, 3, 0, m, 8, &e);
	CHECK(n == 3);

	/* A missing member: the slot is named. */
	cands[0] = paths[0];
	cands[1] = paths[2];
	n = md_find_members(&byname, cands, 2, 1, m, 8, &e);
	CHECK(n == 2);
	r = md_check_members(m, 2, &e);
	CHECKF(r == -ENODEV && strstr(e.why, "slot 1 of 3 missing"), "%d %s", r,
	       e.why);
	CHECK(e.err == -ENODEV);

	/* A restored snapshot of member 1 beside the original. */
	fd = image(paths[3], GIB);
	if (fd >= 0)
		close(fd);
	snprintf(cmd, sizeof(cmd), "cp --sparse=always %s %s", paths[1],
		 paths[3]);
	CHECK(system(cmd) == 0);
	cands[0] = paths[0];
	cands[1] = paths[1];
	cands[2] = paths[2];
	cands[3] = paths[3];
	n = md_find_members(&byname, cands, 4, 1, m, 8, &e);
	CHECK(n == 4);
	r = md_check_members(m, 4, &e);
	CHECKF(r == -EEXIST && strstr(e.why, "slot 1") &&
		       strstr(e.why, paths[3]),
	       "%d %s", r, e.why);

	/* Geometry disagreement: one member says another chunk size. */
	tmp = sbs[2];
	tmp.chunk_sectors = 128;
	fd = open(paths[2], O_RDWR);
	CHECK(fd >= 0 && md_write_sb(fd, GIB >> 9, &tmp) == 0);
	if (fd >= 0)
		close(fd);
	n = md_find_members(&byname, cands, 3, 1, m, 8, &e);
	r = md_check_members(m, 3, &e);
	CHECKF(r == -EINVAL && strstr(e.why, "chunk size"), "%d %s", r, e.why);

	/* A stale member: events differ. */
	tmp = sbs[2];
	tmp.events = 7;
	fd = open(paths[2], O_RDWR);
	CHECK(fd >= 0 && md_write_sb(fd, GIB >> 9, &tmp) == 0);
	if (fd >= 0)
		close(fd);
	n = md_find_members(&byname, cands, 3, 1, m, 8, &e);
	r = md_check_members(m, 3, &e);
	CHECKF(r == -EINVAL && strstr(e.why, "stale"), "%d %s", r, e.why);

	/* Strict: a named device that is not a member is refused; a scan
	 * skips it. */
	unlink(paths[3]);
	fd = image(paths[3], GIB);
	if (fd >= 0)
		close(fd);
	n = md_find_members(&byname, cands, 4, 1, m, 8, &e);
	CHECKF(n == -ENODEV && strstr(e.why, "no md superblock"), "%d %s", n,
	       e.why);
	n = md_find_members(&byname, cands, 4, 0, m, 8, &e);
	CHECK(n == 3);
	byname.name = "other";
	n = md_find_members(&byname, cands, 4, 0, m, 8, &e);
	CHECK(n == 0);
	drop(paths, 4);
}

/* --adopt: md_rename_sb changes the set UUID and name, keeps every other
 * byte (a counter the encoder does not know, here), fixes the checksum;
 * the data is not written. */
static void test_rename(void)
{
	static const uint8_t nu[16] = {9, 8, 7, 6, 5, 4, 3, 2, 1};
	const uint64_t sizes[1] = {GIB / 8};
	char paths[1][64];
	uint8_t a[MD_SB_BYTES], b[MD_SB_BYTES], tail[8] = {1, 2, 3};
	struct md_sb sbs[1], got;
	int fd, i, same = 1;
	uint32_t csum;

	CHECK(make_array("orig", sizes, 1, paths, sbs) == 0);
	fd = open(paths[0], O_RDWR);
	CHECK(fd >= 0);
	/* cnt_corrected_read (0xc8), and data just before the end. */
	CHECK(pwrite(fd, "\x05", 1, 4096 + 0xc8) == 1);
	CHECK(pwrite(fd, tail, 8, (off_t)sizes[0] - 8) == 8);
	CHECK(pread(fd, a, sizeof(a), 4096) == sizeof(a));
	/* A bad checksum is refused, nothing written. */
	CHECK(md_rename_sb(fd, sizes[0] >> 9, nu, "copy") == -EBADMSG);
	csum = md_sb_csum(a, sizeof(a));
	memcpy(a + 216, &csum, 4); /* little-endian host */
	CHECK(pwrite(fd, a, sizeof(a), 4096) == sizeof(a));
	CHECK(md_rename_sb(fd, sizes[0] >> 9, nu, "copy") == 0);
	CHECK(md_rename_sb(fd, sizes[0] >> 9, nu, "bad/name") == -EINVAL);
	CHECK(pread(fd, b, sizeof(b), 4096) == sizeof(b));
	CHECK(md_read_sb(fd, sizes[0] >> 9, &got) == 0);
	CHECKF(!memcmp(got.set_uuid, nu, 16) && !strcmp(got.set_name, "copy"),
	       "%s %d", got.set_name, got.set_uuid[0]);
	for (i = 0; i < MD_SB_BYTES; i++)
		if (a[i] != b[i] && !(i >= 16 && i < 64) &&
		    !(i >= 216 && i < 220))
			same = 0;
	CHECK(same && b[0xc8] == 5);
	memset(tail, 0, sizeof(tail));
	CHECK(pread(fd, tail, 8, (off_t)sizes[0] - 8) == 8 && tail[2] == 3);
	close(fd);
	drop(paths, 1);
}

static void test_name_match(void)
{
	static struct md_sb sb;
	uint8_t u[16];

	strcpy(sb.set_name, "ip-10-0-0-1:cassandra");
	CHECK(md_name_matches(&sb, "cassandra"));
	CHECK(!md_name_matches(&sb, "cass"));
	strcpy(sb.set_name, "cassandra");
	CHECK(md_name_matches(&sb, "cassandra"));
	CHECK(md_name_valid("a.b_c-1") == 0);
	CHECK(md_name_valid("") == -EINVAL);
	CHECK(md_name_valid("..") == -EINVAL);
	CHECK(md_name_valid("a:b") == -EINVAL);
	CHECK(md_name_valid("0123456789012345678901234567890123") == -EINVAL);
	CHECK(uuid_read("01234567:89abcdef:fedcba98:76543210", u) == 0 &&
	      !memcmp(u, fixed_uuid, 16));
	CHECK(uuid_read("01234567-89ab-cdef-fedc-ba9876543210", u) == 0 &&
	      !memcmp(u, fixed_uuid, 16));
	CHECK(uuid_read("0123456789ABCDEFFEDCBA9876543210", u) == 0 &&
	      !memcmp(u, fixed_uuid, 16));
	CHECK(uuid_read("0123456789abcdeffedcba987654321", u) == -EINVAL);
	CHECK(uuid_read("0123456789abcdeffedcba98765432100", u) == -EINVAL);
	CHECK(uuid_read("0123456789abcdeffedcba987654321g", u) == -EINVAL);
}

/* A valid superblock in BUF to break in one place. */
static void good(uint8_t *buf, struct md_sb *sb)
{
	struct md_create c = {.name = "h", .uuid = fixed_uuid, .ctime = 1};
	uint64_t s[2] = {GIB >> 9, GIB >> 9};
	static struct md_sb two[2];

	md_plan_create(&c, s, 2, two);
	*sb = two[1];
	md_sb_encode(sb, buf);
}

/* Re-checksum BUF after a hostile edit, so only the edit is judged. */
static void resum(uint8_t *buf)
{
	uint32_t c = md_sb_csum(buf, MD_SB_BYTES);

	buf[216] = (uint8_t)c;
	buf[217] = (uint8_t)(c >> 8);
	buf[218] = (uint8_t)(c >> 16);
	buf[219] = (uint8_t)(c >> 24);
}

static void put32le(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void test_hostile(void)
{
	static uint8_t buf[MD_SB_BYTES];
	static struct md_sb sb, out;
	uint64_t dev = GIB >> 9;
	unsigned i;

	good(buf, &sb);
	CHECK(md_sb_decode(buf, sizeof(buf), 2, dev, &out) == 0);
	/* Checksum wrong. */
	buf[216] ^= 0xff;
	CHECK(md_sb_decode(buf, sizeof(buf), 2, dev, &out) == -EBADMSG);
	/* max_dev past what fits in 4 KiB. */
	good(buf, &sb);
	put32le(buf + 220, 0xffffffff);
	resum(buf);
	CHECK(md_sb_decode(buf, sizeof(buf), 2, dev, &out) == -EINVAL);
	CHECK(md_sb_csum(buf, sizeof(buf)) == 0);
	good(buf, &sb);
	put32le(buf + 220, 1921);
	CHECK(md_sb_decode(buf, sizeof(buf), 2, dev, &out) == -EINVAL);
	/* max_dev that needs more bytes than given. */
	good(buf, &sb);
	CHECK(md_sb_decode(buf, 300, 2, dev, &out) == -EINVAL);
	/* dev_number out of range. */
	good(buf, &sb);
	put32le(buf + 160, 128);
	resum(buf);
	CHECK(md_sb_decode(buf, sizeof(buf), 2, dev, &out) == -EINVAL);
	/* raid_disks huge or zero. */
	good(buf, &sb);
	put32le(buf + 92, 0x7fffffff);
	resum(buf);
	CHECK(md_sb_decode(buf, sizeof(buf), 2, dev, &out) == -EINVAL);
	put32le(buf + 92, 0);
	resum(buf);
	CHECK(md_sb_decode(buf, sizeof(buf), 2, dev, &out) == -EINVAL);
	/* Absurd offsets: data past the end, data over the superblock,
	 * size overflowing, superblock not where 1.2 puts it. */
	good(buf, &sb);
	put32le(buf + 132, 1); /* data_offset += 2^32 sectors */
	resum(buf);
	CHECK(md_sb_decode(buf, sizeof(buf), 2, dev, &out) == -EINVAL);
	good(buf, &sb);
	put32le(buf + 128, 4);
	resum(buf);
	CHECK(md_sb_decode(buf, sizeof(buf), 2, dev, &out) == -EINVAL);
	good(buf, &sb);
	put32le(buf + 136, 0xffffffff);
	put32le(buf + 140, 0xffffffff);
	resum(buf);
	CHECK(md_sb_decode(buf, sizeof(buf), 2, 0, &out) == -EINVAL);
	good(buf, &sb);
	put32le(buf + 144, 0);
	resum(buf);
	CHECK(md_sb_decode(buf, sizeof(buf), 2, dev, &out) == -EINVAL);
	/* Terminal escapes in the name, C0, DEL and C1 (0x9b is CSI to an
	 * 8-bit terminal; C2 9B is the same character in UTF-8): -EILSEQ,
	 * which names the field. Plain UTF-8 text passes. */
	{
		static const char *const bad[] = {
			"a\x1b[2Jb",
			"a\x7f",
			"a\x9b"
			"31m",
			"a\xc2\x9b"
			"31m",
			"a\xc0\xaf",
			"a\xed\xa0\x80",
			"a\xff",
			"a\xe2\x82",
		};
		static const char *const ok[] = {
			"caf\xc3\xa9", "host:db-1",
			"\xe6\x97\xa5\xf0\x9f\x98\x80"};
		unsigned k;

		for (k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
			good(buf, &sb);
			memset(buf + 32, 0, 32);
			memcpy(buf + 32, bad[k], strlen(bad[k]));
			resum(buf);
			CHECK(md_sb_decode(buf, sizeof(buf), 2, dev, &out) ==
			      -EILSEQ);
		}
		for (k = 0; k < sizeof(ok) / sizeof(ok[0]); k++) {
			good(buf, &sb);
			memset(buf + 32, 0, 32);
			memcpy(buf + 32, ok[k], strlen(ok[k]));
			resum(buf);
			CHECK(md_sb_decode(buf, sizeof(buf), 2, dev, &out) ==
				      0 &&
			      !strcmp(out.set_name, ok[k]));
		}
		/* Bytes after the NUL. */
		good(buf, &sb);
		buf[62] = 'x';
		resum(buf);
		CHECK(md_sb_decode(buf, sizeof(buf), 2, dev, &out) == -EILSEQ);
	}
	/* Other versions and no magic. */
	good(buf, &sb);
	put32le(buf + 4, 0);
	CHECK(md_sb_decode(buf, sizeof(buf), 2, dev, &out) == -EPROTONOSUPPORT);
	memset(buf, 0, sizeof(buf));
	CHECK(md_sb_decode(buf, sizeof(buf), 2, dev, &out) == -ENOENT);
	CHECK(md_sb_decode(buf, 3, 2, dev, &out) == -ENOENT);
	/* Random garbage behind the magic never crashes and never passes. */
	srand(5);
	for (i = 0; i < 20000; i++) {
		unsigned j;

		for (j = 0; j < sizeof(buf); j++)
			buf[j] = (uint8_t)rand();
		put32le(buf, MD_SB_MAGIC_LE);
		put32le(buf + 4, 1);
		put32le(buf + 220, (uint32_t)rand() % 2000);
		if (md_sb_decode(buf, sizeof(buf), 2, dev, &out) == 0)
			break;
	}
	CHECK(i == 20000);
}

static void test_scan(void)
{
	char root[] = "/tmp/luksbox-sys-XXXXXX", cmd[600];
	char paths[16][128];
	int n;

	if (!mkdtemp(root)) {
		CHECK(0);
		return;
	}
	t_put_file(root, "class/block/vdb/size", "2097152\n");
	t_put_file(root, "class/block/vda/size", "2097152\n");
	t_put_file(root, "class/block/md127/size", "2097152\n");
	t_put_file(root, "class/block/loop0/size", "0\n");
	t_put_file(root, "class/block/loop1/size", "100\n");
	t_put_file(root, "class/block/loop2/size", "100\n");
	t_put_file(root, "class/block/loop2/loop/backing_file", "/x\n");
	t_put_file(root, "class/block/sr0/size", "100\n");
	t_put_file(root, "class/block/nvme0n1/size", "0\n");
	n = md_scan_candidates(root, paths, 16);
	CHECKF(n == 3, "n %d", n);
	if (n == 3)
		CHECK(!strcmp(paths[0], "/dev/loop2") &&
		      !strcmp(paths[1], "/dev/vda") &&
		      !strcmp(paths[2], "/dev/vdb"));
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	CHECK(system(cmd) == 0);
}

#define MIB (1024ULL * 1024)

/* Grow the image PATH to BYTES (EBS ModifyVolume). */
static int grow_image(const char *path, uint64_t bytes)
{
	return truncate(path, (off_t)bytes);
}

/* The members of "g" among PATHS (N of them), checked: the count. */
static int members_of(char paths[][64], unsigned n, struct md_member *m,
		      struct msg_error *e)
{
	struct md_ident id = {.name = "g"};
	const char *cands[4];
	unsigned i;
	int r;

	for (i = 0; i < n; i++)
		cands[i] = paths[i];
	r = md_find_members(&id, cands, n, 1, m, 4, e);
	if (r == (int)n && md_check_members(m, n, e))
		return -1;
	return r;
}

static unsigned steps;

static void count_step(void *arg, const char *step)
{
	(void)arg;
	steps += !strcmp(step, "md-grow-sb");
}

/* The first 16 KiB of PATH (superblock, bad-block log) into BUF. */
static int head_of(const char *path, uint8_t *buf)
{
	int fd = open(path, O_RDONLY);
	int r = fd >= 0 && pread(fd, buf, 16384, 0) == 16384 ? 0 : -1;

	if (fd >= 0)
		close(fd);
	return r;
}

static void test_grow(void)
{
	uint64_t sizes[2] = {64 * MIB, 64 * MIB}, old, from = 0;
	char paths[2][64], out[8192], val[128], marker[8] = "stripe0";
	static struct md_member m[4];
	static struct md_sb sbs[2];
	static uint8_t h0[16384], h1[16384];
	struct md_ident id = {.name = "g", .step = count_step};
	struct msg_error e = {0};
	int r, fd;

	CHECK(make_array("g", sizes, 2, paths, sbs) == 0);
	old = sbs[0].data_size;
	CHECK(sbs[0].feature_map == 0 && sbs[1].data_size == old);
	/* Data in the first stripe must stay where it is. */
	fd = open(paths[0], O_RDWR);
	CHECK(fd >= 0 &&
	      pwrite(fd, marker, 8, (off_t)(sbs[0].data_offset << 9)) == 8);
	if (fd >= 0)
		close(fd);
	CHECK(members_of(paths, 2, m, &e) == 2);
	CHECK(md_plan_grow(m, 2, &from, &e) == 0); /* nothing grew */

	/* Equal growth: 32 MiB each. */
	CHECK(!grow_image(paths[0], 96 * MIB) &&
	      !grow_image(paths[1], 96 * MIB));
	CHECK(members_of(paths, 2, m, &e) == 2);
	r = md_plan_grow(m, 2, &from, &e);
	CHECKF(r == 1, "%d %s", r, e.why);
	CHECK(from == 2 * old && m[0].sb.data_size == old + 64 * 1024 &&
	      m[1].sb.data_size == old + 64 * 1024);
	steps = 0;
	CHECKF(md_grow_members(&id, m, 2, &e) == 0, "%s", e.why);
	CHECK(steps == 2);
	CHECK(members_of(paths, 2, m, &e) == 2);
	CHECK(m[0].sb.data_size == old + 64 * 1024 &&
	      m[1].sb.data_size == old + 64 * 1024);
	CHECK(md_plan_grow(m, 2, NULL, &e) == 0);
	fd = open(paths[0], O_RDONLY);
	memset(val, 0, sizeof(val));
	CHECK(fd >= 0 &&
	      pread(fd, val, 8, (off_t)(sbs[0].data_offset << 9)) == 8 &&
	      !strcmp(val, marker));
	if (fd >= 0)
		close(fd);
	if (have_mdadm()) {
		/* mdadm agrees: checksum correct, the new size. */
		CHECK(examine(paths[1], out, sizeof(out)) == 0);
		CHECKF(!field(out, "Checksum", val, sizeof(val)) &&
			       strstr(val, " - correct"),
		       "checksum '%s'", val);
		snprintf(marker, sizeof(marker), "%llu",
			 (unsigned long long)(old + 64 * 1024));
		CHECKF(!field(out, "Avail Dev Size", val, sizeof(val)) &&
			       !strncmp(val, marker, strlen(marker)),
		       "avail '%s'", val);
	}

	/* Unequal growth: refused, naming each member; nothing written. */
	CHECK(!grow_image(paths[0], 128 * MIB) &&
	      !grow_image(paths[1], 112 * MIB));
	CHECK(members_of(paths, 2, m, &e) == 2);
	CHECK(!head_of(paths[0], h0));
	r = md_plan_grow(m, 2, NULL, &e);
	CHECKF(r == -ERANGE && strstr(e.why, "grew unequally") &&
		       strstr(e.why, paths[0]) && strstr(e.why, "by 32 MiB") &&
		       strstr(e.why, paths[1]) && strstr(e.why, "by 16 MiB"),
	       "%d %s", r, e.why);
	CHECK(m[0].sb.data_size == old + 64 * 1024);
	CHECK(!head_of(paths[0], h1) && !memcmp(h0, h1, sizeof(h0)));

	/* A cut between the two rewrites: member 0 new, member 1 old. */
	CHECK(!grow_image(paths[1], 128 * MIB));
	CHECK(members_of(paths, 2, m, &e) == 2);
	CHECK(md_plan_grow(m, 2, NULL, &e) == 1);
	steps = 0;
	CHECK(md_grow_members(&id, m, 1, &e) == 0 && steps == 1);
	CHECK(members_of(paths, 2, m, &e) == 2);
	CHECK(m[0].sb.data_size == old + 128 * 1024 &&
	      m[1].sb.data_size == old + 64 * 1024);
	r = md_plan_grow(m, 2, &from, &e);
	CHECKF(r == 2 && m[1].sb.data_size == old + 128 * 1024 &&
		       from == 2 * (old + 64 * 1024),
	       "%d %s", r, e.why);
	CHECK(md_grow_members(&id, m, 2, &e) == 0);
	CHECK(members_of(paths, 2, m, &e) == 2);
	CHECK(m[1].sb.data_size == old + 128 * 1024 &&
	      md_plan_grow(m, 2, NULL, &e) == 0);

	/* Mixed sizes a grow cannot leave (the smaller member's device
	 * does not hold the larger size): refused. */
	CHECK(!grow_image(paths[0], 160 * MIB));
	CHECK(members_of(paths, 2, m, &e) == 2);
	m[0].sb.data_size += 64 * 1024;
	CHECK(md_grow_members(&id, m, 1, &e) == 0);
	CHECK(members_of(paths, 2, m, &e) == 2);
	CHECK(md_plan_grow(m, 2, NULL, &e) == 0); /* none grew: no word */
	CHECK(!grow_image(paths[1], 144 * MIB));
	CHECK(members_of(paths, 2, m, &e) == 2);
	r = md_plan_grow(m, 2, NULL, &e);
	CHECKF(r == -EDOM && strstr(e.why, "several zones"), "%d %s", r, e.why);
	drop(paths, 2);

	/* Several zones (members of unequal size), grown equally: refused. */
	sizes[1] = 128 * MIB;
	CHECK(make_array("g", sizes, 2, paths, sbs) == 0);
	CHECK(sbs[0].feature_map == MD_FEATURE_RAID0_LAYOUT_BIT);
	CHECK(members_of(paths, 2, m, &e) == 2);
	CHECK(md_plan_grow(m, 2, NULL, &e) == 0); /* not grown: no word */
	CHECK(!grow_image(paths[0], 96 * MIB) &&
	      !grow_image(paths[1], 160 * MIB));
	CHECK(members_of(paths, 2, m, &e) == 2);
	r = md_plan_grow(m, 2, NULL, &e);
	CHECKF(r == -EDOM && strstr(e.why, "unequal size") &&
		       strstr(e.why, paths[1]),
	       "%d %s", r, e.why);
	drop(paths, 2);
}

int main(void)
{
	T_RUN(test_data_offset);
	T_RUN(test_encode_decode);
	T_RUN(test_multizone_layout);
	if (have_mdadm())
		T_RUN(test_mdadm_examine);
	else
		T_SKIP(test_mdadm_examine, "mdadm is not installed");
	T_RUN(test_find_and_check);
	T_RUN(test_grow);
	T_RUN(test_rename);
	T_RUN(test_name_match);
	T_RUN(test_hostile);
	T_RUN(test_scan);
	return T_END();
}
