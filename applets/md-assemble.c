/* md-assemble.c - create, assemble, stop and examine md RAID0 arrays;
 * find instance-store disks.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: docs/design.md "Applets", block/md.h, block/probe.h, block/inuse.h,
 *      block/instance_store.h, kms/imds.h, mdadm(8) (option names,
 *      --examine and --export output), EC2 User Guide "Instance store
 *      volumes" (NVMe model string, block-device-mapping/ephemeralN).
 */
#include <errno.h>
#include <getopt.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "applets/applet.h"
#include "block/instance_store.h"
#include "block/inuse.h"
#include "block/md.h"
#include "block/probe.h"
#include "kms/imds.h"
#include "lib/clock.h"
#include "lib/io.h"
#include "lib/uuid.h"

const char md_assemble_usage[] =
	"Usage: md-assemble COMMAND [OPTIONS] [DEV...]\n"
	"\n"
	"RAID0 arrays of instance-store and EBS disks with md v1.2 superblocks\n"
	"that mdadm accepts (and arrays mdadm made), without mdadm.\n"
	"\n"
	"  create   -n NAME [-c SIZE] [-r N] [-u UUID] [-f] [-R] [-Y] DEV...\n"
	"           write RAID0 superblocks on DEV... (slot = position) and\n"
	"           start the array as /dev/mdN, linked as /dev/md/NAME.\n"
	"           Refuses a device that is not blank (a known signature at\n"
	"           either end, or non-zero bytes in its first or last MiB)\n"
	"           unless --force, and always\n"
	"           refuses the root disk and mounted or held devices. One\n"
	"           device needs no md: refused unless --force-raid. Refused\n"
	"           too when another device carries an array of that name\n"
	"           (assembling by name would be ambiguous) unless --force.\n"
	"  assemble -n NAME | -u UUID [-r N] [-Y] [DEV...]\n"
	"           start the array from its members, found by identity (UUID,\n"
	"           or name) on DEV... or, without DEV, on every block device;\n"
	"           disk order does not matter. A running array with that UUID\n"
	"           is reused. Refuses, writing nothing, when a slot is\n"
	"           missing, two devices claim one slot, or members disagree.\n"
	"           Members that all grew by the same amount (EBS\n"
	"           ModifyVolume) get superblocks of the new size first, when\n"
	"           the array has one zone (members of equal size): stripes\n"
	"           append, none moves; otherwise it starts at its old size\n"
	"           and says why\n"
	"  stop     NAME | /dev/md/NAME | /dev/mdN\n"
	"           stop the array; refused while it is open (dm-crypt on top,\n"
	"           mounted), naming what holds it\n"
	"  examine  [-Y] DEV...  the md superblock of each device or image file\n"
	"  list-ephemeral [-Y]   instance-store disks, one /dev/NAME a line:\n"
	"           NVMe disks whose model is \"" ISTORE_NVME_MODEL "\",\n"
	"           else (Xen types) IMDS block-device-mapping/ephemeralN;\n"
	"           never the root disk, never EBS, never by index\n"
	"\n"
	"  -n, --name NAME       array name: 1-31 of A-Z a-z 0-9 . _ -\n"
	"  -u, --uuid UUID       array UUID, as mdadm prints it or RFC 4122\n"
	"  -c, --chunk SIZE      chunk: 512K (default), 64K, 1M, 1024s (sectors);\n"
	"                        a bare number is KiB, as with mdadm; a power of\n"
	"                        two from 4K to 64M\n"
	"  -r, --readahead N     read-ahead of the array, in 512-byte sectors\n"
	"  -f, --force           DESTRUCTIVE: create over devices that are not\n"
	"                        blank; whatever they held is lost. Never\n"
	"                        overrides the root disk, mounted, held devices.\n"
	"                        Also: create despite another array's name.\n"
	"  -R, --force-raid      create a one-member array\n"
	"  -Y, --export          KEY=VALUE lines for scripts (mdadm's names where\n"
	"                        mdadm has them); examine: one block per DEV,\n"
	"                        blocks separated by an empty line\n"
#ifdef LUKSBOX_TEST_HOOKS
	"      --sysfs DIR       (test build) list-ephemeral reads DIR, not /sys\n"
	"      --mountinfo FILE  (test build) and FILE, not\n"
	"                        /proc/self/mountinfo\n"
#endif
	"\n"
	"Output: results on stdout (create, assemble: the array's device,\n"
	"/dev/md/NAME; list-ephemeral: devices), progress on stderr.\n"
	"--export keys: create, assemble: MD_DEVICE (/dev/mdN) MD_LINK MD_NAME\n"
	"MD_UUID MD_DEVICES MD_STATE (started, reused). examine: MD_DEVNAME\n"
	"MD_SUPERBLOCK (ok, bad-checksum, damaged, unreadable, none), then\n"
	"MD_METADATA MD_LEVEL MD_DEVICES MD_NAME MD_UUID MD_UPDATE_TIME MD_CTIME\n"
	"MD_DEV_UUID MD_EVENTS MD_CHUNK_SIZE (bytes) MD_FEATURE_MAP\n"
	"MD_DATA_OFFSET MD_DATA_SIZE (sectors) MD_ROLE (slot, spare, faulty),\n"
	"or, with none, MD_CONTENTS (blank, none, or the signatures found).\n"
	"list-ephemeral: MD_EPHEMERAL_SOURCE (nvme-model, imds, none)\n"
	"MD_EPHEMERAL_COUNT MD_EPHEMERAL_DEVICES (blank-separated).\n"
	"Environment: AWS_EC2_METADATA_SERVICE_ENDPOINT, AWS_EC2_METADATA_DISABLED"
#ifdef LUKSBOX_TEST_HOOKS
	";\n(test build) LUKSBOX_EPHEMERAL_MODEL replaces the NVMe model string"
#endif
	".\n"
	"Exit: 0 ok; 1 refused or failed: no member found (blank disks after a\n"
	"stop/start), duplicate slot, disagreeing members, a signature, the root\n"
	"disk, a mounted device, examine: a DEV without a valid superblock;\n"
	"2 usage; 75 temporary: a slot missing in a scan (a disk not attached\n"
	"yet?), a device or the array busy, IMDS not answering.\n";

#define MAX_CANDS 256

struct opts {
	const char *cmd;
	const char *name;
	int has_uuid;
	uint8_t uuid[16];
	uint32_t chunk; /* sectors, 0 = default */
	unsigned readahead;
	int force, force_raid, export;
	struct probe_sys sys;
	const char *model; /* NULL: the EC2 one (the test build: a hook) */
	char **devs;
	unsigned ndevs;
};

enum {
	OPT_SYSFS = 256,
	OPT_MOUNTINFO
};

/*
 * A chunk size as mdadm takes it: a bare number is KiB; K, M and G
 * suffixes; "s" for 512-byte sectors. Sectors into *OUT; 0 or -EINVAL.
 */
static int parse_chunk(const char *s, uint32_t *out)
{
	unsigned long long v, mult = 2; /* KiB -> sectors */
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || !v)
		return -EINVAL;
	if (*end == 'K' || *end == 'k')
		end++;
	else if (*end == 'M' || *end == 'm')
		mult = 2048, end++;
	else if (*end == 'G' || *end == 'g')
		mult = 2048 * 1024, end++;
	else if (*end == 's')
		mult = 1, end++;
	if (*end || v > (1ULL << 32) / mult)
		return -EINVAL;
	v *= mult;
	/* md's RAID0: a power of two; 4 KiB (the page) to 64 MiB. */
	if (v < 8 || v > 131072 || (v & (v - 1)))
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

static int parse(int argc, char **argv, struct opts *o)
{
	static const struct option longs[] = {
		{"name", required_argument, NULL, 'n'},
		{"uuid", required_argument, NULL, 'u'},
		{"chunk", required_argument, NULL, 'c'},
		{"readahead", required_argument, NULL, 'r'},
		{"force", no_argument, NULL, 'f'},
		{"force-raid", no_argument, NULL, 'R'},
		{"export", no_argument, NULL, 'Y'},
#ifdef LUKSBOX_TEST_HOOKS
		/* Fabricated trees for host tests; never in the shipped
		 * binary: they choose which disks may be formatted. */
		{"sysfs", required_argument, NULL, OPT_SYSFS},
		{"mountinfo", required_argument, NULL, OPT_MOUNTINFO},
#endif
		{NULL, 0, NULL, 0},
	};
	unsigned long long v;
	char *end;
	int c;

	while ((c = getopt_long(argc, argv, "n:u:c:r:fRY", longs, NULL)) !=
	       -1) {
		switch (c) {
		case 'n':
			if (md_name_valid(optarg))
				return usage_error("--name %s: want 1-%d of "
						   "A-Z a-z 0-9 . _ -",
						   optarg, MD_NAME_MAX);
			o->name = optarg;
			break;
		case 'u':
			if (uuid_read(optarg, o->uuid))
				return usage_error("--uuid %s: not a UUID",
						   optarg);
			o->has_uuid = 1;
			break;
		case 'c':
			if (parse_chunk(optarg, &o->chunk))
				return usage_error("--chunk %s: want a power "
						   "of two from 4K to 64M "
						   "(512K, 64K, 1M, 1024s)",
						   optarg);
			break;
		case 'r':
			errno = 0;
			v = strtoull(optarg, &end, 10);
			if (errno || *end || end == optarg || !v ||
			    v > 1U << 30)
				return usage_error("--readahead %s: want "
						   "sectors (1 or more)",
						   optarg);
			o->readahead = (unsigned)v;
			break;
		case 'f':
			o->force = 1;
			break;
		case 'R':
			o->force_raid = 1;
			break;
		case 'Y':
			o->export = 1;
			break;
#ifdef LUKSBOX_TEST_HOOKS
		case OPT_SYSFS:
			o->sys.sysfs = optarg;
			break;
		case OPT_MOUNTINFO:
			o->sys.mountinfo = optarg;
			break;
#endif
		default:
			return EXIT_USAGE;
		}
	}
#ifdef LUKSBOX_TEST_HOOKS
	/* qemu cannot set the EC2 NVMe model string: VM tests name theirs. */
	o->model = getenv("LUKSBOX_EPHEMERAL_MODEL");
	if (o->model && !*o->model)
		o->model = NULL;
	if ((o->sys.sysfs || o->sys.mountinfo) && optind < argc &&
	    strcmp(argv[optind], "list-ephemeral"))
		return usage_error("--sysfs and --mountinfo are for "
				   "list-ephemeral (test build)");
#endif
	if (optind >= argc)
		return usage_error("which command? (create, assemble, stop, "
				   "examine, list-ephemeral)");
	o->cmd = argv[optind++];
	o->devs = argv + optind;
	o->ndevs = (unsigned)(argc - optind);
	return 0;
}

/* ---- create -------------------------------------------------------------- */

/*
 * Is DEV fit to become a member: a block device, not the root disk, not
 * mounted, swapped on or held (never overridable), and blank (unless
 * --force, which says what it erases)? EXIT_OK or the
 * exit code after the message.
 */
static int check_new_member(const struct opts *o, const char *dev)
{
	char kname[64], why[300], sigs[300];
	struct probe_result res;
	struct stat st;
	int r;

	if (stat(dev, &st))
		return fail_err(EXIT_FAIL, errno, "create array %s on %s",
				o->name, dev);
	if (!S_ISBLK(st.st_mode))
		return fail(EXIT_FAIL,
			    "create array %s on %s: not a block device",
			    o->name, dev);
	r = probe_dev_name(NULL, dev, kname, sizeof(kname));
	if (r)
		return fail_err(EXIT_FAIL, r,
				"create array %s on %s: find it in /sys",
				o->name, dev);
	r = probe_in_use(NULL, kname, why, sizeof(why));
	if (r < 0)
		return fail_err(EXIT_FAIL, r,
				"create array %s on %s: see whether it is used",
				o->name, dev);
	if (r)
		return fail(EXIT_FAIL,
			    "create array %s on %s: %s; nothing was written "
			    "(--force does not override this)",
			    o->name, dev, why);
	/* Blank (block/probe.h) or --force: unknown data is data too. */
	r = probe_blank(dev, &res);
	if (r < 0)
		return fail_err(EXIT_FAIL, r, "create array %s: read %s",
				o->name, dev);
	if (!r && !o->force)
		return fail(EXIT_FAIL,
			    "create array %s on %s: it carries %s; nothing "
			    "was written (--force erases it, DESTROYING what "
			    "it holds)",
			    o->name, dev,
			    probe_describe(&res, sigs, sizeof(sigs)));
	if (!r)
		note("%s: erasing %s (--force)", dev,
		     probe_describe(&res, sigs, sizeof(sigs)));
	return EXIT_OK;
}

/* The array's device for scripts on stdout, and what happened on stderr. */
static void report_array(const struct opts *o, const struct md_array *a,
			 const char *verb)
{
	char uuid[36];

	uuid_text_md(a->uuid, uuid);
	note("%s %s%s%s: %u device%s, UUID %s", verb, a->dev,
	     a->link[0] ? " as " : "", a->link, a->ndevs,
	     a->ndevs == 1 ? "" : "s", uuid);
	if (o->export) {
		printf("MD_DEVICE=%s\nMD_LINK=%s\nMD_NAME=%s\nMD_UUID=%s\n"
		       "MD_DEVICES=%u\nMD_STATE=%s\n",
		       a->dev, a->link, a->name, uuid, a->ndevs,
		       a->reused ? "reused" : "started");
		return;
	}
	printf("%s\n", a->link[0] ? a->link : a->dev);
}

/*
 * Another array already named NAME on a device outside DEVS would make
 * every later assemble by name (a boot) ambiguous: refused unless --force.
 * EXIT_OK or the exit code after the message.
 */
static int check_name_free(const struct opts *o)
{
	struct md_ident id = {.name = o->name};
	struct msg_error e; /* a candidate that cannot be read: skipped */
	char(*paths)[128], uuid[36];
	const char **cands;
	struct md_member *m;
	struct stat st;
	unsigned i, j;
	int n, r = EXIT_OK;

	paths = calloc(MAX_CANDS, sizeof(*paths));
	cands = calloc(MAX_CANDS, sizeof(*cands));
	m = calloc(MD_MAX_DEVS, sizeof(*m));
	if (!paths || !cands || !m) {
		r = fail(EXIT_FAIL, "create array %s: out of memory", o->name);
		goto out;
	}
	n = md_scan_candidates(NULL, paths, MAX_CANDS);
	if (n < 0) {
		r = fail_err(EXIT_FAIL, n,
			     "create array %s: scan /sys/class/block", o->name);
		goto out;
	}
	for (i = 0; i < (unsigned)n; i++)
		cands[i] = paths[i];
	n = md_find_members(&id, cands, (unsigned)n, 0, m, MD_MAX_DEVS, &e);
	for (i = 0; n > 0 && i < (unsigned)n; i++) {
		for (j = 0; j < o->ndevs; j++)
			if (!stat(o->devs[j], &st) && st.st_rdev == m[i].devno)
				break;
		if (j < o->ndevs)
			continue; /* about to be overwritten */
		uuid_text_md(m[i].sb.set_uuid, uuid);
		if (o->force) {
			note("%s carries another array named %s (UUID %s): "
			     "assemble by --uuid (--force)",
			     m[i].path, o->name, uuid);
			continue;
		}
		r = fail(EXIT_FAIL,
			 "create array %s: %s carries another array named %s "
			 "(UUID %s); assembling by name would be ambiguous: "
			 "choose another name (--force creates it anyway); "
			 "nothing was written",
			 o->name, m[i].path, o->name, uuid);
		break;
	}
out:
	free(paths);
	free(cands);
	free(m);
	return r;
}

static int cmd_create(const struct opts *o)
{
	struct md_create c = {.name = o->name, .chunk_sectors = o->chunk};
	struct md_array a;
	struct msg_error e;
	unsigned i;
	int r;

	if (!o->name)
		return usage_error("create needs --name NAME");
	if (!o->ndevs)
		return usage_error("create needs the devices");
	if (o->ndevs > MD_MAX_DEVS)
		return usage_error("create: at most %d devices", MD_MAX_DEVS);
	if (o->ndevs == 1 && !o->force_raid)
		return usage_error("create array %s on %s: one device needs no "
				   "RAID (put the volume on the disk itself), "
				   "or --force-raid for a one-member array",
				   o->name, o->devs[0]);
	if (o->has_uuid)
		c.uuid = o->uuid;
	/* Every device is checked before the first byte is written. */
	for (i = 0; i < o->ndevs; i++) {
		r = check_new_member(o, o->devs[i]);
		if (r)
			return r;
	}
	r = check_name_free(o);
	if (r)
		return r;
	r = md_create(&c, (const char *const *)o->devs, o->ndevs, o->readahead,
		      &a, &e);
	if (r)
		return fail(r == -EBUSY ? EXIT_TEMP : EXIT_FAIL,
			    "create array %s: %s", o->name, e.why);
	report_array(o, &a, "created");
	return EXIT_OK;
}

/* ---- assemble ------------------------------------------------------------ */

static int cmd_assemble(const struct opts *o)
{
	struct md_ident id = {.name = o->name};
	struct md_member *m;
	const char *const *devs = (const char *const *)o->devs;
	struct msg_error e;
	char what[64];
	struct md_array a;
	int r;

	if (!o->name == !o->has_uuid)
		return usage_error("assemble needs --name NAME or --uuid UUID "
				   "(one of them)");
	if (o->has_uuid) {
		id.has_uuid = 1;
		memcpy(id.uuid, o->uuid, 16);
		uuid_text_md(o->uuid, what);
	} else {
		snprintf(what, sizeof(what), "%s", o->name);
	}
	if (o->ndevs) {
		/* Named devices: blank ones mean the array is gone (an EC2
		 * stop/start blanks instance-store disks); a device that is
		 * not a member is a mistake. Both refused before md_assemble
		 * so that its -ENODEV can only mean a missing slot. */
		r = probe_all_blank(devs, o->ndevs, NULL, NULL);
		if (r == 1)
			return fail(
				EXIT_FAIL,
				"assemble array %s: no member found: %s "
				"blank (no signature, zeros at both ends; "
				"instance-store "
				"disks are blank after a stop/start: create "
				"the array again)",
				what,
				o->ndevs == 1 ? "the device is"
					      : "all the devices are");
		m = calloc(MD_MAX_DEVS, sizeof(*m));
		if (!m)
			return fail(EXIT_FAIL, "assemble: out of memory");
		r = md_find_members(&id, devs, o->ndevs, 1, m, MD_MAX_DEVS, &e);
		free(m);
		if (r < 0)
			return fail(EXIT_FAIL, "assemble array %s: %s", what,
				    e.why);
	}
	r = md_assemble(&id, devs, o->ndevs, o->readahead, &a, &e);
	if (r == -ENOENT)
		return fail(EXIT_FAIL,
			    "assemble array %s: %s (blank disks after a "
			    "stop/start? create the array again)",
			    what, e.why);
	if (r == -ENODEV)
		return fail(o->ndevs ? EXIT_FAIL : EXIT_TEMP,
			    "assemble array %s: %s; nothing was started%s",
			    what, e.why,
			    o->ndevs ? "" : " (a disk not attached yet?)");
	if (r)
		return fail(r == -EBUSY ? EXIT_TEMP : EXIT_FAIL,
			    "assemble array %s: %s; nothing was started", what,
			    e.why);
	if (a.grew_to)
		note("%s: its members grew: the array grew from %llu to %llu "
		     "MiB (superblocks rewritten, no stripe moved)",
		     what, (unsigned long long)a.grew_from >> 11,
		     (unsigned long long)a.grew_to >> 11);
	if (a.grow_err)
		note("%s: started at its old size: %s", what, a.grow_why);
	report_array(o, &a, a.reused ? "reusing running" : "started");
	return EXIT_OK;
}

/* ---- stop ---------------------------------------------------------------- */

/* The kernel name (md127) of the array WHAT names, into OUT. */
static int array_kname(const char *what, char *out, size_t len)
{
	char path[300], *real;
	const char *base;
	int r = 0;

	if (strchr(what, '/'))
		snprintf(path, sizeof(path), "%s", what);
	else if (!strncmp(what, "md", 2) && what[2] >= '0' && what[2] <= '9')
		snprintf(path, sizeof(path), "/dev/%s", what);
	else
		snprintf(path, sizeof(path), "/dev/md/%s", what);
	real = realpath(path, NULL);
	if (!real)
		return -errno;
	base = strrchr(real, '/') + 1;
	if (strlen(base) >= len)
		r = -ENAMETOOLONG;
	else
		memcpy(out, base, strlen(base) + 1);
	free(real);
	return r;
}

static int cmd_stop(const struct opts *o)
{
	struct msg_error e;
	char kname[64];
	int r;

	if (o->ndevs != 1)
		return usage_error("stop needs one array: NAME, /dev/md/NAME "
				   "or /dev/mdN");
	r = md_stop(o->devs[0], &e);
	/* md only knows "busy": the mount table, sysfs holders or /proc
	 * know who. */
	if (r == -EBUSY && !array_kname(o->devs[0], kname, sizeof(kname)) &&
	    probe_in_use(NULL, kname, e.why, sizeof(e.why)) != 1) {
		char dev[80], who[200];

		snprintf(dev, sizeof(dev), "/dev/%s", kname);
		if (probe_open_by(NULL, dev, who, sizeof(who)) == 1)
			msg_why(&e, r, "%s is %s", dev, who);
	}
	if (r)
		return fail(msg_exit_class(r), "stop array %s: %s", o->devs[0],
			    e.why);
	note("stopped %s", o->devs[0]);
	return EXIT_OK;
}

/* ---- examine ------------------------------------------------------------- */

static const char *csum_state(int r)
{
	return r == -EBADMSG ? "wrong" : "correct";
}

/* "2024-05-01 12:00:00 UTC" from the low 40 bits (seconds). */
static void utc(uint64_t t, char *buf, size_t len)
{
	time_t s = (time_t)(t & 0xffffffffffULL);
	struct tm tm;

	if (!gmtime_r(&s, &tm) || !strftime(buf, len, "%F %T UTC", &tm))
		snprintf(buf, len, "%llu", (unsigned long long)s);
}

static void role_str(const struct md_sb *sb, char *buf, size_t len)
{
	unsigned role = md_sb_role(sb);

	if (role == MD_ROLE_SPARE)
		snprintf(buf, len, "spare");
	else if (role == MD_ROLE_FAULTY)
		snprintf(buf, len, "faulty");
	else
		snprintf(buf, len, "Active device %u", role);
}

static void chunk_str(uint32_t sectors, char *buf, size_t len)
{
	if (sectors >= 2048 && !(sectors % 2048))
		snprintf(buf, len, "%uM", sectors / 2048);
	else
		snprintf(buf, len, "%uK", sectors / 2);
}

static const char *level_str(int32_t level, char *buf, size_t len)
{
	snprintf(buf, len, level >= 0 ? "raid%d" : "level %d", (int)level);
	return buf;
}

/* What is on a device without an md superblock: "blank" (probe_blank()),
 * the signatures, or where the first unknown non-zero byte is. */
static const char *contents(const char *dev, char *buf, size_t len)
{
	struct probe_result res;
	int r = probe_blank(dev, &res);

	if (r < 0)
		return "unreadable";
	return r ? "blank" : probe_describe(&res, buf, len);
}

static void examine_human(const char *dev, const struct md_sb *sb, int r,
			  uint64_t sectors)
{
	char uuid[36], duuid[36], t1[40], t2[40], role[32], chunk[16], lvl[16];

	uuid_text_md(sb->set_uuid, uuid);
	uuid_text_md(sb->device_uuid, duuid);
	utc(sb->ctime, t1, sizeof(t1));
	utc(sb->utime, t2, sizeof(t2));
	role_str(sb, role, sizeof(role));
	chunk_str(sb->chunk_sectors, chunk, sizeof(chunk));
	printf("%s:\n"
	       "          Magic : a92b4efc\n"
	       "        Version : 1.%u\n"
	       "    Feature Map : 0x%x\n"
	       "     Array UUID : %s\n"
	       "           Name : %s\n"
	       "  Creation Time : %s\n"
	       "     Raid Level : %s\n"
	       "   Raid Devices : %u\n"
	       "\n"
	       "    Device Size : %llu sectors\n"
	       " Avail Dev Size : %llu sectors\n"
	       "    Data Offset : %llu sectors\n"
	       "   Super Offset : %llu sectors\n"
	       "    Device UUID : %s\n"
	       "\n"
	       "    Update Time : %s\n"
	       "       Checksum : %08x - %s\n"
	       "         Events : %llu\n"
	       "\n"
	       "     Chunk Size : %s\n",
	       dev, sb->minor, sb->feature_map, uuid, sb->set_name, t1,
	       level_str(sb->level, lvl, sizeof(lvl)), sb->raid_disks,
	       (unsigned long long)sectors, (unsigned long long)sb->data_size,
	       (unsigned long long)sb->data_offset,
	       (unsigned long long)sb->super_offset, duuid, t2, sb->sb_csum,
	       csum_state(r), (unsigned long long)sb->events, chunk);
	/* RAID0's layout counts only when the feature says it is recorded
	 * (multi-zone arrays); mdadm prints it only then too. */
	if (sb->feature_map & MD_FEATURE_RAID0_LAYOUT_BIT)
		printf("         Layout : %s\n", sb->layout == 1 ? "original"
						 : sb->layout == 2
							 ? "alternate"
							 : "-unknown-");
	printf("    Device Role : %s\n", role);
}

static void examine_export(const char *dev, const struct md_sb *sb, int r)
{
	char uuid[36], duuid[36], lvl[16];
	unsigned role = md_sb_role(sb);

	uuid_text_md(sb->set_uuid, uuid);
	uuid_text_md(sb->device_uuid, duuid);
	printf("MD_DEVNAME=%s\n"
	       "MD_SUPERBLOCK=%s\n"
	       "MD_METADATA=1.%u\n"
	       "MD_LEVEL=%s\n"
	       "MD_DEVICES=%u\n"
	       "MD_NAME=%s\n"
	       "MD_UUID=%s\n"
	       "MD_UPDATE_TIME=%llu\n"
	       "MD_CTIME=%llu\n"
	       "MD_DEV_UUID=%s\n"
	       "MD_EVENTS=%llu\n"
	       "MD_CHUNK_SIZE=%llu\n"
	       "MD_FEATURE_MAP=0x%x\n"
	       "MD_DATA_OFFSET=%llu\n"
	       "MD_DATA_SIZE=%llu\n",
	       dev, r == -EBADMSG ? "bad-checksum" : "ok", sb->minor,
	       level_str(sb->level, lvl, sizeof(lvl)), sb->raid_disks,
	       sb->set_name, uuid,
	       (unsigned long long)(sb->utime & 0xffffffffffULL),
	       (unsigned long long)(sb->ctime & 0xffffffffffULL), duuid,
	       (unsigned long long)sb->events,
	       (unsigned long long)sb->chunk_sectors * 512, sb->feature_map,
	       (unsigned long long)sb->data_offset,
	       (unsigned long long)sb->data_size);
	if (role < MD_ROLE_FAULTY)
		printf("MD_ROLE=%u\n", role);
	else
		printf("MD_ROLE=%s\n",
		       role == MD_ROLE_SPARE ? "spare" : "faulty");
}

/* Examine one device: 0 when it holds a valid superblock, else 1. */
static int examine_one(const struct opts *o, const char *dev, struct md_sb *sb)
{
	char what[300];
	uint64_t sectors = 0, bytes;
	int fd, r, damaged;

	fd = open(dev, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		goto out_fail;
	}
	r = io_dev_size(fd, &bytes);
	if (!r) {
		sectors = bytes >> 9;
		r = md_read_sb(fd, sectors, sb);
	}
	close(fd);
	if (!r || r == -EBADMSG) {
		if (o->export)
			examine_export(dev, sb, r);
		else
			examine_human(dev, sb, r, sectors);
		if (!r)
			return 0;
		fail(EXIT_FAIL,
		     "examine %s: the superblock checksum is wrong "
		     "(stored %08x)",
		     dev, sb->sb_csum);
		return 1;
	}
	if (r == -ENOENT) {
		const char *c = contents(dev, what, sizeof(what));

		if (o->export)
			printf("MD_DEVNAME=%s\nMD_SUPERBLOCK=none\n"
			       "MD_CONTENTS=%s\n",
			       dev, c);
		else
			printf("%s:\n     Superblock : none\n"
			       "       Contents : %s\n",
			       dev, c);
		fail(EXIT_FAIL, "examine %s: no md superblock (%s)", dev, c);
		return 1;
	}
out_fail:
	damaged = r == -EINVAL || r == -EPROTONOSUPPORT || r == -EILSEQ;
	if (o->export)
		printf("MD_DEVNAME=%s\nMD_SUPERBLOCK=%s\n", dev,
		       damaged ? "damaged" : "unreadable");
	else
		printf("%s:\n     Superblock : %s\n", dev,
		       damaged ? "damaged" : "unreadable");
	if (r == -EILSEQ)
		fail(EXIT_FAIL,
		     "examine %s: the superblock's set_name (the array name) "
		     "holds control characters or is not UTF-8; not shown",
		     dev);
	else
		fail_err(EXIT_FAIL, r, "examine %s", dev);
	return 1;
}

static int cmd_examine(const struct opts *o)
{
	struct md_sb *sb;
	unsigned i;
	int bad = 0;

	if (!o->ndevs)
		return usage_error("examine needs devices or image files");
	sb = malloc(sizeof(*sb));
	if (!sb)
		return fail(EXIT_FAIL, "examine: out of memory");
	for (i = 0; i < o->ndevs; i++) {
		if (i)
			printf("\n");
		bad |= examine_one(o, o->devs[i], sb);
		fflush(stdout);
	}
	free(sb);
	return bad ? EXIT_FAIL : EXIT_OK;
}

/* ---- list-ephemeral ------------------------------------------------------ */

static int cmd_list_ephemeral(const struct opts *o)
{
	static const char *const source[] = {
		[ISTORE_NONE] = "none",
		[ISTORE_NVME] = "nvme-model",
		[ISTORE_XEN] = "imds",
	};
	/* IMDS only when no NVMe instance store is found (no credentials). */
	struct imds_bdm b = {.ready = 0};
	struct istore_map map = {imds_bdm_get, &b};
	struct istore_query q = {&o->sys, o->model, &map};
	struct istore_list *l;
	const char *sysfs = o->sys.sysfs ? o->sys.sysfs : "/sys";
	char why[300];
	unsigned i;
	int r;

	if (o->ndevs)
		return usage_error("list-ephemeral takes no devices");
	l = malloc(sizeof(*l));
	if (!l)
		return fail(EXIT_FAIL,
			    "list instance-store disks: out of memory");
	r = istore_find(&q, l);
	imds_bdm_fini(&b);
	if (r < 0) {
		if (l->failed == ISTORE_ROOT)
			r = fail_err(EXIT_FAIL, r,
				     "list instance-store disks: find the "
				     "root disk");
		else if (l->failed == ISTORE_MAPPING)
			/* Temporary unless IMDS refused (exit 75, 1). */
			r = fail(msg_exit_class(r),
				 "list instance-store disks: read IMDS "
				 "block-device-mapping: %s",
				 imds_bdm_why(&b, r));
		else if (r == -E2BIG)
			r = fail(EXIT_FAIL,
				 "list instance-store disks: more than %d, the "
				 "most an array takes",
				 ISTORE_MAX);
		else
			r = fail_err(EXIT_FAIL, r,
				     "list instance-store disks: read %s/block",
				     sysfs);
		free(l);
		return r;
	}
	for (i = 0; i < l->n; i++) {
		if (probe_in_use(&o->sys, l->names[i], why, sizeof(why)) == 1)
			note("note: %s", why);
	}
	if (o->export) {
		printf("MD_EPHEMERAL_SOURCE=%s\nMD_EPHEMERAL_COUNT=%u\n"
		       "MD_EPHEMERAL_DEVICES=",
		       source[l->source], l->n);
		for (i = 0; i < l->n; i++)
			printf("%s/dev/%s", i ? " " : "", l->names[i]);
		printf("\n");
	} else {
		for (i = 0; i < l->n; i++)
			printf("/dev/%s\n", l->names[i]);
	}
	if (!l->n)
		note("no instance-store disks found");
	free(l);
	return EXIT_OK;
}

int md_assemble_main(int argc, char **argv)
{
	struct opts o = {0};
	int r;

	r = parse(argc, argv, &o);
	if (r)
		return r;
	if (!strcmp(o.cmd, "create"))
		r = cmd_create(&o);
	else if (!strcmp(o.cmd, "assemble"))
		r = cmd_assemble(&o);
	else if (!strcmp(o.cmd, "stop"))
		r = cmd_stop(&o);
	else if (!strcmp(o.cmd, "examine"))
		r = cmd_examine(&o);
	else if (!strcmp(o.cmd, "list-ephemeral"))
		r = cmd_list_ephemeral(&o);
	else
		return usage_error("%s: unknown command (create, assemble, "
				   "stop, examine, list-ephemeral)",
				   o.cmd);
	if (fflush(stdout) && r == EXIT_OK)
		r = fail_err(EXIT_FAIL, errno, "write to stdout");
	return r;
}
