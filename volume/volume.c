/* volume.c - provision, open, close and inspect a luksbox volume.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: volume.h, docs/design.md "On-disk contract", cryptsetup(8) (what a
 *      stock cryptsetup user can do with the result), md(4).
 */
#include "volume/volume.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <termios.h>
#include <unistd.h>

#include "block/fs.h"
#include "crypto/luks.h"
#include "block/instance_store.h"
#include "block/inuse.h"
#include "block/md.h"
#include "block/probe.h"
#include "crypto/secret.h"
#include "kms/creds.h"
#include "kms/kms.h"
#include "lib/clock.h"
#include "lib/msg.h"
#include "kms/token.h"

enum {
	SECRET_BYTES = 32,	   /* per KMS key: GenerateDataKey's AES_256 */
	SECRET_CAP = 64,	   /* what a Decrypt answer may hold */
	RECOVERY_BYTES = 32,	   /* generated recovery key */
	WIPE_CHUNK = 1024 * 1024,  /* --wipe writes this much at a time */
	RECOVERY_MAX_KIB = 262144, /* argon2id memory cap ... */
	RECOVERY_MIN_KIB = 32768,  /* ... and floor */
	PASS_MAX = 512,
};

/* The header policy counts what luks-setup makes: one keyslot and token
 * per KMS key, and a recovery keyslot. */
_Static_assert((int)TAB_MAX_KEYS + 1 <= (int)LUKS_POLICY_MAX_KEYSLOTS &&
		       (int)TAB_MAX_KEYS <= (int)LUKS_POLICY_MAX_TOKENS,
	       "crypto/luks_policy.h would refuse a volume luks-setup makes");

/* ---- messages ------------------------------------------------------------ */

static void say(const struct vol_env *env, enum vol_level lv, const char *fmt,
		...) __attribute__((format(printf, 3, 4)));

static void say(const struct vol_env *env, enum vol_level lv, const char *fmt,
		...)
{
	char buf[1024];
	va_list ap;

	if (!env->log.fn)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	env->log.fn(env->log.arg, lv, buf);
}

static void what(struct vol_error *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void what(struct vol_error *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e->what, sizeof(e->what), fmt, ap);
	va_end(ap);
}

/* Fill E's reason and return ERR, so `return why(e, -EIO, "...")`. */
static int why(struct vol_error *e, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int why(struct vol_error *e, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e->why, sizeof(e->why), fmt, ap);
	va_end(ap);
	e->err = err;
	return err;
}

static void step(const struct vol_env *env, const char *name)
{
	if (env->step.fn)
		env->step.fn(env->step.arg, name);
}

/* The header fails the policy (crypto/luks_policy.h): say which field
 * and what was found there (REFUSED is escaped already), and what to do. */
static int refuse_header(struct vol_error *e, const char *dev,
			 const char *refused)
{
	return why(e, -EPROTO,
		   "the LUKS header of %s is not one luks-setup writes (%s); "
		   "nothing was opened or changed (was the disk tampered "
		   "with? restore a header backup with cryptsetup "
		   "luksHeaderRestore)",
		   dev, refused);
}

/* ---- small helpers -------------------------------------------------------- */

static const char *mapper_path(const char *name, char *buf, size_t cap)
{
	snprintf(buf, cap, "/dev/mapper/%s", name);
	return buf;
}

static int has_mount(const struct tab_volume *v)
{
	return v->mountpoint[0] && strcmp(v->mountpoint, "none");
}

static const char *fstype_of(const struct tab_volume *v)
{
	return v->fstype[0] ? v->fstype : "ext4";
}

/* A random RFC 4122 version 4 UUID (37 bytes with the NUL). */
static int random_uuid(char out[37])
{
	unsigned char u[16];

	if (getrandom(u, sizeof(u), 0) != (ssize_t)sizeof(u))
		return -EIO;
	u[6] = (u[6] & 0x0f) | 0x40;
	u[8] = (u[8] & 0x3f) | 0x80;
	snprintf(out, 37,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
		 "%02x%02x%02x%02x%02x%02x",
		 u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9],
		 u[10], u[11], u[12], u[13], u[14], u[15]);
	return 0;
}

/* Kernel >= 5.9 keeps no_read/no_write_workqueue as dm-crypt flags. */
static int kernel_has_perf_flags(void)
{
	struct utsname u;
	unsigned maj = 0, min = 0;

	if (uname(&u) < 0 || sscanf(u.release, "%u.%u", &maj, &min) != 2)
		return 0;
	return maj > 5 || (maj == 5 && min >= 9);
}

/* The device number of a block device node, 0 when it is none. */
static unsigned long rdev_of(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0 || !S_ISBLK(st.st_mode))
		return 0;
	return (unsigned long)st.st_rdev;
}

/* Is the mapping of V mounted on its mount point? 1, 0 or -errno. */
static int mapping_mounted(const struct tab_volume *v)
{
	char mp[128];
	unsigned long dev, want = rdev_of(mapper_path(v->name, mp, sizeof(mp)));
	int r;

	if (!has_mount(v) || !want)
		return 0;
	r = fs_mounted_on(v->mountpoint, &dev);
	if (r <= 0)
		return r;
	return dev == want;
}

/* The AWS error of the last call, as one line. */
static void aws_why(const struct vol_env *env, char *out, size_t cap)
{
	aws_error_format(&env->aws->error, out, cap);
}

/* Write LEN bytes to PATH atomically (temporary file, fsync, rename),
 * replacing what was there: the blob file of a volume made afresh. */
static int replace_file(const char *path, const void *p, size_t len,
			unsigned mode)
{
	char tmp[TAB_PATH + 16];
	const unsigned char *q = p;
	int fd, err = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.new", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
		  mode);
	if (fd < 0)
		return -errno;
	while (len && !err) {
		ssize_t w = write(fd, q, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			err = w < 0 ? -errno : -EIO;
		else
			q += w, len -= (size_t)w;
	}
	if (!err && fsync(fd) < 0)
		err = -errno;
	if (close(fd) < 0 && !err)
		err = -errno;
	if (!err && rename(tmp, path) < 0)
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}

/* ---- devices -------------------------------------------------------------- */

static const struct probe_sys *sys_of(const struct vol_env *env,
				      struct probe_sys *s)
{
	memset(s, 0, sizeof(*s));
	s->sysfs = env->sysfs;
	return s;
}

/* The block-device mapping for block/instance_store.h, from IMDS through
 * a client of its own, made on the first call (only a Xen type without
 * NVMe instance store is asked): no AWS client and no credentials, so
 * luks-mount --key-file finds a Xen instance's disks too. */
struct vol_map {
	const struct vol_env *env;
	struct imds m;
	int ready;
	int64_t deadline;
};

enum {
	IMDS_DEADLINE_MS = 5000, /* md-assemble list-ephemeral's, too */
};

static int vol_map_get(void *arg, const char *key, char *buf, size_t cap)
{
	struct vol_map *b = arg;
	char path[96];
	int r;

	if (!b->ready) {
		r = imds_init(&b->m, 0);
		if (r)
			return r; /* a bad endpoint: b->m.why says which */
		b->ready = 1;
		b->deadline = now_ms() + IMDS_DEADLINE_MS;
		/* Within a volume's own timeout= when there is one. */
		if (b->env->aws && b->env->aws->deadline < b->deadline)
			b->deadline = b->env->aws->deadline;
	}
	if (b->m.disabled)
		return -ENOENT; /* AWS_EC2_METADATA_DISABLED: no mapping */
	snprintf(path, sizeof(path),
		 "/latest/meta-data/block-device-mapping/%.32s", key);
	return imds_get(&b->m, path, buf, cap, b->deadline);
}

int vol_devices(const struct vol_env *env, const struct tab_volume *v,
		struct vol_devs *d, struct vol_error *e)
{
	struct vol_map b = {.env = env};
	struct istore_map map = {vol_map_get, &b};
	struct probe_sys s;
	struct istore_query q = {sys_of(env, &s), env->ephemeral_model, &map};
	struct istore_list *l;
	unsigned i;
	int r;

	memset(d, 0, sizeof(*d));
	what(e, "find the devices of %s", v->name);
	if (!v->ephemeral) {
		for (i = 0; i < v->ndevices; i++) {
			if (!rdev_of(v->devices[i]))
				return why(e, -ENODEV,
					   "%s is not a block device "
					   "(check the devices field)",
					   v->devices[i]);
			snprintf(d->path[i], sizeof(d->path[i]), "%s",
				 v->devices[i]);
		}
		d->n = (unsigned)v->ndevices;
		return 0;
	}
	l = malloc(sizeof(*l));
	if (!l)
		return why(e, -ENOMEM, "out of memory");
	r = istore_find(&q, l);
	if (b.ready)
		imds_fini(&b.m);
	if (r < 0 && l->failed == ISTORE_ROOT)
		r = why(e, r, "cannot tell the root disk: %s", strerror(-r));
	else if (r < 0 && l->failed == ISTORE_MAPPING)
		/* Temporary (exit 75) unless IMDS refused. */
		r = why(e, r,
			"cannot list instance-store disks: read IMDS "
			"block-device-mapping: %s",
			b.m.why[0] ? b.m.why : strerror(-r));
	else if (r < 0)
		r = why(e, r, "cannot list instance-store disks: %s",
			strerror(-r));
	else if (r == 0)
		r = why(e, -ENODEV,
			"no instance-store disk found (NVMe model \"%s\" "
			"or IMDS block-device-mapping/ephemeralN): does "
			"this instance type have instance storage?",
			env->ephemeral_model ? env->ephemeral_model
					     : ISTORE_NVME_MODEL);
	else if (r > VOL_MAX_DEVS)
		r = why(e, -E2BIG,
			"%d instance-store disks, more than the %d a volume "
			"takes: name the devices instead of `ephemeral`",
			r, VOL_MAX_DEVS);
	if (r < 0) {
		free(l);
		return r;
	}
	for (i = 0; i < l->n; i++)
		snprintf(d->path[i], sizeof(d->path[i]), "/dev/%.31s",
			 l->names[i]);
	d->n = l->n;
	free(l);
	return 0;
}

/* Are all devices of D blank (probe_blank(): no signature at either end,
 * zeros in the first and last MiB)? 1, 0 with WHY_BUF, or -errno. */
static int all_blank(const struct vol_devs *d, char *why_buf, size_t cap)
{
	struct probe_result pr;
	char desc[256];
	unsigned i;
	int r;

	for (i = 0; i < d->n; i++) {
		r = probe_blank(d->path[i], &pr);
		if (r < 0)
			return r;
		if (!r) {
			snprintf(why_buf, cap, "%s holds %s", d->path[i],
				 probe_describe(&pr, desc, sizeof(desc)));
			return 0;
		}
	}
	return 1;
}

/*
 * Our array for V over D: started (or found running) when every device is
 * a member of the array named V->name. Returns 1 with ARR filled, 0 when
 * the devices hold no such array, or -errno with E filled (a member
 * missing, two in one slot, geometry).
 */
static int our_array(const struct vol_env *env, const struct tab_volume *v,
		     const struct vol_devs *d, struct md_array *arr,
		     struct vol_error *e)
{
	const char *devs[VOL_MAX_DEVS];
	struct md_ident id = {.name = v->name};
	struct md_member *m = calloc(VOL_MAX_DEVS, sizeof(*m));
	char w[512] = "";
	unsigned i;
	int r;

	if (!m)
		return why(e, -ENOMEM, "out of memory");
	for (i = 0; i < d->n; i++)
		devs[i] = d->path[i];
	/* None of the devices in the array: blank, or somebody else's. */
	r = md_find_members(&id, devs, d->n, 0, m, VOL_MAX_DEVS, w, sizeof(w));
	free(m);
	if (r == 0)
		return 0;
	r = md_assemble(&id, devs, d->n, 0, arr, w, sizeof(w));
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return why(e, r, "cannot assemble its RAID0 array: %s",
			   w[0] ? w : strerror(-r));
	say(env, VOL_INFO, "%s: RAID0 array %s %s (%u devices)", v->name,
	    arr->link[0] ? arr->link : arr->dev,
	    arr->reused ? "already running" : "assembled", arr->ndevs);
	return 1;
}

static const char *array_path(const struct md_array *arr)
{
	return arr->link[0] ? arr->link : arr->dev;
}

/* ---- provisioning --------------------------------------------------------- */

/* One KMS key's share of a new volume. */
struct wrapped {
	unsigned char *secret; /* SECRET_BYTES, in the arena */
	struct kms_token tok;
};

/* Check every device: never in use; blank (probe_blank()) unless forced:
 * content we cannot name (random data, a raw database) is data too. */
static int check_devices(const struct vol_env *env, const struct tab_volume *v,
			 const struct vol_devs *d, struct vol_error *e)
{
	struct probe_result pr;
	struct probe_sys s;
	char name[64], w[256], desc[256];
	unsigned i;
	int r;

	for (i = 0; i < d->n; i++) {
		r = probe_dev_name(sys_of(env, &s), d->path[i], name,
				   sizeof(name));
		if (r < 0)
			return why(e, r, "%s: %s", d->path[i], strerror(-r));
		r = probe_in_use(&s, name, w, sizeof(w));
		if (r < 0)
			return why(e, r,
				   "%s: cannot tell whether it is in "
				   "use: %s",
				   d->path[i], strerror(-r));
		/* Refused for good (not -EBUSY: waiting would not help). */
		if (r)
			return why(e, -EPERM,
				   "%s is in use (%s); nothing was changed",
				   d->path[i], w);
		r = probe_blank(d->path[i], &pr);
		if (r < 0)
			return why(e, r, "cannot read %s: %s", d->path[i],
				   strerror(-r));
		if (r)
			continue;
		probe_describe(&pr, desc, sizeof(desc));
		if (!env->force)
			return why(e, -EEXIST,
				   "%s holds %s; nothing was changed. If its "
				   "contents may be destroyed, run again with "
				   "--force",
				   d->path[i], desc);
		say(env, VOL_WARN, "%s: --force: DESTROYING what %s holds (%s)",
		    v->name, d->path[i], desc);
	}
	return 0;
}

/* Zero the first and last MiB of PATH: old signatures (a GPT backup, an
 * md 1.0 superblock, LUKS) must not outlive a forced reformat. */
static int clear_edges(const char *path)
{
	static const size_t mib = 1024 * 1024;
	unsigned long long size = 0;
	unsigned char *zero;
	int fd, err = 0;
	off_t end;

	fd = open(path, O_WRONLY | O_CLOEXEC | O_EXCL);
	if (fd < 0)
		return -errno;
	end = lseek(fd, 0, SEEK_END);
	if (end > 0)
		size = (unsigned long long)end;
	zero = calloc(1, mib);
	if (!zero) {
		close(fd);
		return -ENOMEM;
	}
	if (pwrite(fd, zero, size < mib ? size : mib, 0) < 0)
		err = -errno;
	if (!err && size > 2 * mib &&
	    pwrite(fd, zero, mib, (off_t)(size - mib)) < 0)
		err = -errno;
	if (!err && fsync(fd) < 0)
		err = -errno;
	free(zero);
	close(fd);
	return err;
}

/* Ask the terminal for a passphrase without echo. Its length or -errno. */
static int ask_pass(const char *prompt, char *buf, size_t cap)
{
	struct termios old, raw;
	int fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY), n = 0;
	char c;

	if (fd < 0)
		return -ENOTTY;
	if (tcgetattr(fd, &old) < 0) {
		close(fd);
		return -ENOTTY;
	}
	raw = old;
	raw.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	tcsetattr(fd, TCSAFLUSH, &raw);
	if (write(fd, prompt, strlen(prompt)) < 0)
		n = -errno;
	while (n >= 0 && read(fd, &c, 1) == 1 && c != '\n') {
		if ((size_t)n + 1 >= cap) {
			n = -EMSGSIZE;
			break;
		}
		buf[n++] = c;
	}
	tcsetattr(fd, TCSAFLUSH, &old);
	if (write(fd, "\n", 1) < 0 && n >= 0)
		n = -errno;
	close(fd);
	c = 0;
	return n;
}

/* argon2id memory for the recovery slot: a quarter of RAM, capped. */
static unsigned recovery_kib(void)
{
	FILE *f = fopen("/proc/meminfo", "re");
	unsigned long kib = 0;
	char line[128];

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "MemTotal: %lu kB", &kib) == 1)
			break;
	if (f)
		fclose(f);
	kib /= 4;
	if (kib > RECOVERY_MAX_KIB)
		kib = RECOVERY_MAX_KIB;
	if (kib < RECOVERY_MIN_KIB)
		kib = RECOVERY_MIN_KIB;
	return (unsigned)kib;
}

/* The recovery slot: a passphrase typed twice, or a generated key written
 * once to a file. Returns 0 (also when skipped with a warning) or -errno. */
static int recovery_exists(const struct tab_volume *v, struct vol_error *e)
{
	return why(e, -EEXIST,
		   "the recovery key file %s exists already: move it off "
		   "this machine and remove it, or choose another path "
		   "(an old recovery key is never kept or replaced)",
		   v->recovery);
}

static int add_recovery(const struct vol_env *env, const struct tab_volume *v,
			struct luks *l, const struct wrapped *w0,
			struct vol_error *e)
{
	char *pass = secret_alloc(env->arena, PASS_MAX);
	char *again = secret_alloc(env->arena, PASS_MAX);
	unsigned char *raw = secret_alloc(env->arena, RECOVERY_BYTES);
	int n = 0, i, r, slot;

	if (!pass || !again || !raw)
		return why(e, -ENOMEM, "secret memory full");
	if (!strcmp(v->recovery, "prompt")) {
		if (!env->interactive) {
			say(env, VOL_WARN,
			    "%s: recovery=prompt but no terminal: no recovery "
			    "passphrase added (add one later with cryptsetup "
			    "luksAddKey)",
			    v->name);
			return 0;
		}
		n = ask_pass("Recovery passphrase: ", pass, PASS_MAX);
		if (n >= 0 && n < 8)
			return why(e, -EINVAL,
				   "the recovery passphrase needs at least 8 "
				   "characters");
		r = n < 0 ? n
			  : ask_pass("Recovery passphrase again: ", again,
				     PASS_MAX);
		if (n < 0 || r < 0)
			return why(e, n < 0 ? n : r,
				   "cannot read the recovery passphrase: %s",
				   strerror(-(n < 0 ? n : r)));
		if (r != n || secret_cmp(pass, again, (size_t)n))
			return why(e, -EINVAL,
				   "the two recovery passphrases differ");
	} else {
		/* A generated key: 64 hex digits in groups of 8, typeable and
		 * usable as `cryptsetup open --key-file FILE` (no newline). */
		if (getrandom(raw, RECOVERY_BYTES, 0) != RECOVERY_BYTES)
			return why(e, -EIO, "getrandom failed");
		for (i = 0; i < RECOVERY_BYTES; i++) {
			if (i && i % 4 == 0)
				pass[n++] = '-';
			pass[n++] = "0123456789abcdef"[raw[i] >> 4];
			pass[n++] = "0123456789abcdef"[raw[i] & 15];
		}
		/* Never kept aside as FILE.old: a plaintext key that still
		 * opens something must not pile up on the root disk. */
		if (access(v->recovery, F_OK) == 0)
			return recovery_exists(v, e);
	}
	say(env, VOL_INFO,
	    "%s: adding the recovery keyslot (argon2id, %u MiB, ~2 s)", v->name,
	    recovery_kib() / 1024);
	slot = luks_add_recovery_slot(l, w0->secret, SECRET_BYTES, pass,
				      (size_t)n, recovery_kib());
	if (slot < 0)
		return why(e, slot, "cannot add the recovery keyslot: %s",
			   strerror(-slot));
	if (strcmp(v->recovery, "prompt")) {
		r = secret_file_write(v->recovery, pass, (size_t)n, 0400);
		if (r < 0)
			return why(e, r,
				   "cannot write the recovery key to %s: %s",
				   v->recovery, strerror(-r));
		say(env, VOL_WARN,
		    "%s: recovery key written to %s (keyslot %d). Move it OFF "
		    "this machine now: anyone who reads it can open the volume",
		    v->name, v->recovery, slot);
	}
	return 0;
}

/* One secret per KMS key, wrapped with the volume's encryption context. */
static int wrap_secrets(const struct vol_env *env, const struct tab_volume *v,
			const char *uuid, struct wrapped *w,
			struct vol_error *e)
{
	struct kms_context ctx = {0};
	char msg[600];
	const char *region;
	size_t i, k;
	int n;

	if (!env->aws)
		return why(e, -EINVAL,
			   "provisioning needs AWS KMS, and no "
			   "AWS client was set up");
	kms_context_add(&ctx, TOKEN_CONTEXT_VOLUME, uuid);
	for (i = 0; i < v->ncontext; i++)
		if (kms_context_add(&ctx, v->context[i].key,
				    v->context[i].value))
			return why(e, -EINVAL, "context %s given twice",
				   v->context[i].key);
	for (k = 0; k < v->nkeys; k++) {
		struct kms_token *t = &w[k].tok;

		w[k].secret = secret_alloc(env->arena, SECRET_BYTES);
		if (!w[k].secret)
			return why(e, -ENOMEM, "secret memory full");
		region = v->keys[k].region[0] ? v->keys[k].region : NULL;
		n = kms_generate_data_key(env->aws, v->keys[k].key_id, region,
					  &ctx, SECRET_BYTES, w[k].secret,
					  t->blob, sizeof(t->blob), t->key_id,
					  sizeof(t->key_id));
		if (n < 0) {
			aws_why(env, msg, sizeof(msg));
			return why(e, n, "KMS GenerateDataKey with %s: %s",
				   v->keys[k].key_id, msg);
		}
		t->blob_len = (size_t)n;
		if (!t->key_id[0])
			snprintf(t->key_id, sizeof(t->key_id), "%s",
				 v->keys[k].key_id);
		if (aws_arn_region(t->key_id, t->region, sizeof(t->region)) &&
		    !(region = region ? region : aws_region(env->aws)))
			return why(e, -EINVAL, "no region for %s",
				   v->keys[k].key_id);
		if (!t->region[0])
			snprintf(t->region, sizeof(t->region), "%s", region);
		for (i = 0; i < ctx.n; i++) {
			snprintf(t->ckey[i], sizeof(t->ckey[i]), "%s",
				 ctx.key[i]);
			snprintf(t->cval[i], sizeof(t->cval[i]), "%s",
				 ctx.value[i]);
		}
		t->ncontext = ctx.n;
		t->version = TOKEN_VERSION;
		say(env, VOL_INFO, "%s: data key from KMS key %s (%s)", v->name,
		    t->key_id, t->region);
	}
	return 0;
}

/* Overwrite the open mapping with zeros (encrypted on the way down). */
static int wipe_mapping(const struct vol_env *env, const char *path,
			struct vol_error *e)
{
	unsigned long long total, done = 0;
	unsigned char *buf;
	int fd, err = 0;
	off_t end;

	fd = open(path, O_WRONLY | O_CLOEXEC | O_DIRECT);
	if (fd < 0)
		return why(e, -errno, "cannot open %s to wipe it: %s", path,
			   strerror(errno));
	end = lseek(fd, 0, SEEK_END);
	total = end > 0 ? (unsigned long long)end : 0;
	lseek(fd, 0, SEEK_SET);
	if (posix_memalign((void **)&buf, 4096, WIPE_CHUNK)) {
		close(fd);
		return why(e, -ENOMEM, "no memory for the wipe buffer");
	}
	memset(buf, 0, WIPE_CHUNK);
	while (done < total) {
		size_t n = total - done < WIPE_CHUNK ? (size_t)(total - done)
						     : WIPE_CHUNK;
		ssize_t w = write(fd, buf, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			err = w < 0 ? -errno : -EIO;
			break;
		}
		done += (unsigned long long)w;
		if (env->progress.fn)
			env->progress.fn(env->progress.arg, done, total);
	}
	if (!err && fdatasync(fd) < 0)
		err = -errno;
	free(buf);
	close(fd);
	if (err)
		return why(e, err,
			   "wiping %s failed after %llu of %llu bytes: "
			   "%s",
			   path, done, total, strerror(-err));
	return 0;
}

/* Format TARGET and finish the volume. Secrets come from W (one per key). */
static int make_volume(const struct vol_env *env, const struct tab_volume *v,
		       const char *target, struct wrapped *w,
		       struct vol_error *e)
{
	struct luks_format_params fp = {0};
	struct luks l = {0};
	char uuid[37], json[TOKEN_JSON_MAX], mp[128];
	size_t k;
	int r, slot;

	r = random_uuid(uuid);
	if (r)
		return why(e, r, "cannot make a UUID: getrandom failed");
	r = wrap_secrets(env, v, uuid, w, e);
	if (r)
		return r;
	step(env, "kms");
	fp.uuid = uuid;
	fp.label = v->name;
	fp.sector_size = v->sector_size;
	fp.perf_flags = !v->no_perf_flags && kernel_has_perf_flags();
	fp.discard = v->discard;
	if (!v->no_perf_flags && !fp.perf_flags)
		say(env, VOL_INFO,
		    "%s: kernel older than 5.9: no_read/no_write_workqueue "
		    "flags not stored",
		    v->name);
	say(env, VOL_INFO,
	    "%s: formatting %s as LUKS2 (aes-xts-plain64, "
	    "512-bit key, UUID %s)",
	    v->name, target, uuid);
	r = luks_format(&l, target, &fp);
	if (r < 0)
		return why(e, r, "LUKS2 format of %s failed: %s", target,
			   strerror(-r));
	step(env, "format");
	for (k = 0; k < v->nkeys; k++) {
		slot = luks_add_secret_slot(&l, NULL, 0, w[k].secret,
					    SECRET_BYTES);
		if (slot < 0) {
			r = why(e, slot, "cannot add a keyslot: %s",
				strerror(-slot));
			goto out_fini;
		}
		w[k].tok.keyslot = slot;
		r = token_encode(&w[k].tok, json, sizeof(json));
		if (r >= 0)
			r = luks_token_add(&l, json);
		if (r < 0) {
			r = why(e, r, "cannot store the aws-kms token: %s",
				strerror(-r));
			goto out_fini;
		}
		say(env, VOL_INFO,
		    "%s: keyslot %d (PBKDF2, 1000 iterations) "
		    "with aws-kms token %d for %s",
		    v->name, slot, r, w[k].tok.key_id);
	}
	step(env, "keyslots");
	if (v->recovery[0]) {
		r = add_recovery(env, v, &l, &w[0], e);
		if (r)
			goto out_fini;
	}
	if (v->blob_file[0]) {
		r = replace_file(v->blob_file, w[0].tok.blob, w[0].tok.blob_len,
				 0600);
		if (r) {
			r = why(e, r, "cannot write the blob file %s: %s",
				v->blob_file, strerror(-r));
			goto out_fini;
		}
		say(env, VOL_INFO, "%s: KMS blob also written to %s", v->name,
		    v->blob_file);
	}
	if (env->header_backup) {
		r = luks_header_backup(&l, env->header_backup);
		if (r < 0) {
			r = why(e, r, "cannot back the header up to %s: %s",
				env->header_backup, strerror(-r));
			goto out_fini;
		}
		say(env, VOL_INFO, "%s: LUKS header saved to %s", v->name,
		    env->header_backup);
	}
	r = luks_activate(&l, v->name, w[0].tok.keyslot, w[0].secret,
			  SECRET_BYTES);
	if (r == -EPROTO) {
		r = refuse_header(e, target, l.refused);
		goto out_fini;
	}
	if (r < 0) {
		r = why(e, r, "cannot open %s as /dev/mapper/%s: %s", target,
			v->name, strerror(-r));
		goto out_fini;
	}
	r = 0;
	step(env, "open");
	if (env->wipe) {
		say(env, VOL_INFO,
		    "%s: wiping (writing encrypted zeros over "
		    "the whole device)",
		    v->name);
		r = wipe_mapping(env, mapper_path(v->name, mp, sizeof(mp)), e);
		if (r)
			goto out_fini;
	}
	say(env, VOL_INFO, "%s: mkfs.%s on /dev/mapper/%s", v->name,
	    fstype_of(v), v->name);
	r = fs_mkfs(mapper_path(v->name, mp, sizeof(mp)), fstype_of(v), v->name,
		    v->mkfs_opts[0] ? v->mkfs_opts : NULL);
	if (r < 0) {
		r = why(e, r, "mkfs.%s on %s failed%s", fstype_of(v), mp,
			r == -ENOENT ? ": the program is not installed"
				     : " (its messages are above)");
		goto out_fini;
	}
	step(env, "mkfs");
	r = luks_set_ready(&l);
	if (r < 0) {
		r = why(e, r, "cannot mark the header ready: %s", strerror(-r));
		goto out_fini;
	}
	step(env, "ready");
out_fini:
	luks_fini(&l);
	for (k = 0; k < v->nkeys; k++)
		if (w[k].secret)
			secret_wipe(w[k].secret, SECRET_BYTES);
	if (r && luks_is_active(v->name, NULL) == 1)
		luks_deactivate(v->name);
	return r;
}

static int mount_volume(const struct vol_env *env, const struct tab_volume *v,
			struct vol_error *e)
{
	char mp[128];
	int r;

	if (!has_mount(v))
		return 0;
	r = fs_mount(mapper_path(v->name, mp, sizeof(mp)), v->mountpoint,
		     fstype_of(v), v->mount_opts[0] ? v->mount_opts : NULL);
	if (r < 0)
		return why(e, r, "cannot mount %s on %s: %s%s", mp,
			   v->mountpoint, strerror(-r),
			   r == -EBUSY ? " (something else is mounted there)"
				       : "");
	say(env, VOL_INFO, "%s: mounted on %s", v->name, v->mountpoint);
	return 0;
}

/* ---- a mapping found open -------------------------------------------------- */

/*
 * /dev/mapper/NAME of V is open already (an earlier run, or one killed
 * midway with the mapping open): read the LUKS header of the device under
 * it afresh into LI. Returns 0, or -errno with E filled: the device under
 * it is unknown or holds no LUKS header, or the header is another luksbox
 * volume's (never used, closed or redone here).
 */
static int mapping_header(const struct tab_volume *v, struct luks_info *li,
			  char *dev, size_t cap, struct vol_error *e)
{
	char label[sizeof(li->label)];
	int r = luks_active_device(v->name, dev, cap);
	size_t i;

	if (r < 0)
		return why(e, r == -EINVAL ? -EEXIST : r,
			   "/dev/mapper/%s is open, but not as a LUKS volume "
			   "luksbox can read (%s); nothing was changed: close "
			   "it (cryptsetup close %s) if it is stale",
			   v->name, strerror(-r), v->name);
	r = luks_probe(dev, li);
	if (r < 0)
		return why(e, r == -EINVAL ? -EEXIST : r,
			   "/dev/mapper/%s is open on %s, whose LUKS header "
			   "cannot be read (%s); nothing was changed",
			   v->name, dev, strerror(-r));
	if (li->state == LUKS_STATE_FOREIGN || !strcmp(li->label, v->name))
		return 0;
	/* The label came from a disk: no control bytes on the console. */
	for (i = 0; i < sizeof(label) - 1 && li->label[i]; i++)
		label[i] = li->label[i] >= 0x20 && li->label[i] < 0x7f
				   ? li->label[i]
				   : '?';
	label[i] = '\0';
	return why(e, -EEXIST,
		   "/dev/mapper/%s is open on %s, which holds the luksbox "
		   "volume \"%s\", not \"%s\"; nothing was changed (close "
		   "it: cryptsetup close %s)",
		   v->name, dev, label, v->name, v->name);
}

/*
 * Close the open mapping of V, whose header on DEV says "provisioning": a
 * setup cut short after the mapping was opened (killed, or the boot
 * watchdog). The header is marked ready before the file system is first
 * mounted, so such a volume never held data, unless someone mounted it
 * by hand: then it is refused, never closed, used or redone. Returns 0
 * (closed: the caller redoes the setup or says how), or -errno with E.
 */
static int close_half_made(const struct vol_env *env,
			   const struct tab_volume *v, const char *dev,
			   struct vol_error *e)
{
	char mp[128];
	unsigned long rdev = rdev_of(mapper_path(v->name, mp, sizeof(mp)));
	int r = rdev ? fs_dev_in_use(rdev) : 0;

	if (r < 0)
		return why(e, r, "cannot read the mount table: %s",
			   strerror(-r));
	/* Mounted by hand: it may hold data now; redoing it would lose it. */
	if (r)
		return why(e, -EEXIST,
			   "%s is open and MOUNTED, but its header on %s says "
			   "its setup never finished: it may hold data, so it "
			   "is neither used nor redone. Copy the data off, "
			   "unmount it, then luks-mount --stop %s and "
			   "luks-setup %s (a new volume)",
			   mp, dev, v->name, v->name);
	r = fs_ever_mounted(mp);
	if (r < 0)
		return why(e, r, "cannot read %s: %s", mp, strerror(-r));
	if (r)
		return why(e, -EEXIST,
			   "%s is open and its header on %s says its setup "
			   "never finished, but its file system was mounted "
			   "before: it may hold data, so it is neither used "
			   "nor redone. Copy the data off (mount it read-only "
			   "by hand), then luks-mount --stop %s and luks-setup "
			   "%s (a new volume)",
			   mp, dev, v->name, v->name);
	r = luks_deactivate(v->name);
	if (r < 0)
		return why(e, r,
			   "cannot close the half-made %s: %s; nothing was "
			   "changed (fuser -v %s tells who holds it)",
			   mp, strerror(-r), mp);
	say(env, VOL_WARN,
	    "%s: %s was open on %s, whose setup never finished (killed "
	    "midway?): closed it, unused",
	    v->name, mp, dev);
	return 0;
}

/*
 * The half-made state of this volume, which provisioning may redo: an
 * array of ours (named like the volume) holding nothing or a LUKS header
 * still "provisioning"; or a single device whose LUKS header, labelled
 * with the volume's name, is still "provisioning". Returns 1 (TARGET set:
 * redo), 2 (already provisioned: leave it), 0 (not ours), or -errno.
 */
static int half_made(const struct vol_env *env, const struct tab_volume *v,
		     const struct vol_devs *d, char *target, size_t cap,
		     struct vol_error *e)
{
	struct luks_info li;
	struct md_array arr;
	char w[256];
	const char *dev = d->path[0];
	char odev[TAB_PATH];
	int r;

	/* Never format under an open mapping: see what it is first. */
	r = luks_is_active(v->name, NULL);
	if (r < 0)
		return why(e, r, "cannot ask device-mapper about %s: %s",
			   v->name, strerror(-r));
	if (r == 1) {
		r = mapping_header(v, &li, odev, sizeof(odev), e);
		if (r < 0)
			return r;
		if (li.state == LUKS_STATE_READY) {
			say(env, VOL_INFO,
			    "%s: already provisioned and open on %s (LUKS "
			    "UUID %s); nothing changed",
			    v->name, odev, li.uuid);
			return 2;
		}
		if (li.state != LUKS_STATE_PROVISIONING)
			return why(e, -EEXIST,
				   "/dev/mapper/%s is open on %s, a LUKS "
				   "volume not made by luksbox; nothing was "
				   "changed",
				   v->name, odev);
		r = close_half_made(env, v, odev, e);
		if (r < 0)
			return r;
	}
	if (d->n > 1) {
		r = our_array(env, v, d, &arr, e);
		if (r <= 0)
			return r == -ENODEV || r == -EEXIST || r == -EINVAL ? 0
									    : r;
		dev = array_path(&arr);
	}
	snprintf(target, cap, "%s", dev);
	r = luks_probe(dev, &li);
	/* This volume's header, ready but not as luks-setup writes it: not
	 * "already provisioned" (it would be left to be mounted), not redone
	 * (it may hold data); --force makes a new volume. -EPROTO: a header
	 * libcryptsetup cannot load, whatever its label. */
	if (((r == 0 && !strcmp(li.label, v->name) &&
	      li.state == LUKS_STATE_READY) ||
	     r == -EPROTO) &&
	    li.policy < 0 && !env->force)
		return refuse_header(e, dev, li.refused);
	if (r == 0 && !strcmp(li.label, v->name)) {
		if (li.state == LUKS_STATE_READY && li.policy == 0) {
			say(env, VOL_INFO,
			    "%s: already provisioned on %s (LUKS UUID %s); "
			    "nothing changed",
			    v->name, dev, li.uuid);
			return 2;
		}
		if (li.state == LUKS_STATE_PROVISIONING) {
			say(env, VOL_WARN,
			    "%s: %s holds a half-provisioned volume (an "
			    "interrupted setup: it never held data); redoing it",
			    v->name, dev);
			return 1;
		}
	}
	if (d->n > 1) {
		struct vol_devs one = {.n = 1};

		snprintf(one.path[0], sizeof(one.path[0]), "%s", dev);
		r = all_blank(&one, w, sizeof(w));
		if (r == 1) {
			say(env, VOL_WARN,
			    "%s: array %s of an interrupted setup is empty; "
			    "continuing on it",
			    v->name, dev);
			return 1;
		}
		if (r == 0)
			return why(
				e, -EEXIST,
				"the RAID0 array %s named %s holds something "
				"(%s); nothing was changed",
				dev, v->name, w);
		return r;
	}
	return 0;
}

int vol_provision(const struct vol_env *env, const struct tab_volume *v,
		  const struct vol_devs *d, struct vol_error *e)
{
	const char *devs[VOL_MAX_DEVS];
	struct wrapped w[TAB_MAX_KEYS];
	struct md_create mc = {.name = v->name};
	struct md_array arr;
	char target[TAB_PATH], mw[512] = "";
	unsigned i;
	int r;

	memset(e, 0, sizeof(*e));
	memset(w, 0, sizeof(w));
	what(e, "provision %s", v->name);
	if (d->n > 1 && md_name_valid(v->name))
		return why(e, -EINVAL,
			   "a RAID0 volume's name is also its array's: at "
			   "most 31 of A-Z a-z 0-9 . _ -");
	if (env->header_backup && access(env->header_backup, F_OK) == 0)
		return why(e, -EEXIST,
			   "the header backup file %s exists already; "
			   "choose another name",
			   env->header_backup);
	/* Before anything is written, not after the keyslots. */
	if (v->recovery[0] && strcmp(v->recovery, "prompt") &&
	    access(v->recovery, F_OK) == 0)
		return recovery_exists(v, e);
	r = half_made(env, v, d, target, sizeof(target), e);
	if (r < 0)
		return r;
	if (r == 2)
		return VOL_DONE_NOTHING;
	if (r == 0) {
		r = check_devices(env, v, d, e);
		if (r)
			return r;
		for (i = 0; env->force && i < d->n; i++) {
			r = clear_edges(d->path[i]);
			if (r)
				return why(e, r, "cannot clear %s: %s",
					   d->path[i], strerror(-r));
		}
		if (d->n > 1) {
			for (i = 0; i < d->n; i++)
				devs[i] = d->path[i];
			say(env, VOL_INFO, "%s: creating RAID0 over %u devices",
			    v->name, d->n);
			r = md_create(&mc, devs, d->n, 0, &arr, mw, sizeof(mw));
			if (r < 0)
				return why(e, r,
					   "cannot create the RAID0 "
					   "array: %s",
					   mw[0] ? mw : strerror(-r));
			snprintf(target, sizeof(target), "%s",
				 array_path(&arr));
			step(env, "md");
		} else {
			snprintf(target, sizeof(target), "%s", d->path[0]);
		}
	}
	r = make_volume(env, v, target, w, e);
	if (r)
		return r;
	r = mount_volume(env, v, e);
	if (r)
		return r;
	step(env, "mount");
	return VOL_DONE_PROVISIONED;
}

/* ---- opening ---------------------------------------------------------------- */

/* D cannot be opened as it is: provision it when the devices in CHECK are
 * all blank and the policy says format; refuse, saying why, otherwise. */
static int blank_or_refuse(const struct vol_env *env,
			   const struct tab_volume *v,
			   const struct vol_devs *check,
			   const struct vol_devs *d, const char *missing,
			   struct vol_error *e)
{
	char w[300] = "";
	int r = all_blank(check, w, sizeof(w));

	if (r < 0)
		return why(e, r, "cannot read its devices: %s", strerror(-r));
	if (r == 0)
		return why(e, -ENOENT,
			   "%s, and %s; nothing was changed (is this the right "
			   "device? to make a new volume there, luks-setup "
			   "--force)",
			   missing, w);
	if (v->on_blank != TAB_ON_BLANK_FORMAT)
		return why(
			e, -ENOENT,
			"%s: every device is blank (instance store after a "
			"stop/start?) and on-blank=fail; nothing was changed",
			missing);
	say(env, VOL_WARN,
	    "%s: every device is blank (a first boot, or instance store after "
	    "a stop/start): provisioning a new volume with a new key "
	    "(on-blank=format)",
	    v->name);
	return vol_provision(env, v, d, e);
}

/* Remember the worst-for-the-user outcome of one token. */
struct attempt {
	int tried;
	int perm_err, temp_err; /* first of each class, or 0 */
	char perm[400], temp[400];
};

static void note_attempt(struct attempt *a, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void note_attempt(struct attempt *a, int err, const char *fmt, ...)
{
	va_list ap;
	int temp = err_temporary(err);
	char *buf = temp ? a->temp : a->perm;
	int *slot = temp ? &a->temp_err : &a->perm_err;

	if (*slot)
		return;
	*slot = err;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(a->perm), fmt, ap);
	va_end(ap);
}

/*
 * Try every aws-kms token of L in order until one opens the volume.
 * Returns 0 (activated), or -errno with E filled: temporary when some
 * token could not reach KMS (a retry may succeed), permanent otherwise.
 */
static int unlock_with_kms(const struct vol_env *env,
			   const struct tab_volume *v, const char *target,
			   struct luks *l, const struct luks_info *li,
			   struct vol_error *e)
{
	struct kms_token *t = malloc(sizeof(*t));
	struct attempt a = {0};
	struct kms_context ctx;
	unsigned char *secret = secret_alloc(env->arena, SECRET_CAP);
	const char *json, *vol, *field;
	char msg[600];
	int i, r, n;

	if (!t || !secret) {
		free(t);
		return why(e, -ENOMEM, "out of memory");
	}
	for (i = 0; i < luks_token_max(); i++) {
		if (luks_token_get(l, i, &json) < 0)
			continue;
		r = token_decode(json, strlen(json), t, &field);
		if (r == -EMEDIUMTYPE)
			continue;
		a.tried++;
		if (r == -EILSEQ) {
			note_attempt(&a, -EINVAL,
				     "token %d refused: control character in "
				     "its %s (a forged header?)",
				     i, field);
			continue;
		}
		if (r) {
			note_attempt(&a, -EINVAL,
				     "token %d is malformed (%s%s%s)", i, field,
				     *field ? ": " : "", strerror(-r));
			continue;
		}
		/* The context binds the blob to this volume: a token copied
		 * from another header names another UUID (or KMS refuses). */
		vol = token_context(t, TOKEN_CONTEXT_VOLUME);
		if (strcmp(vol, li->uuid)) {
			note_attempt(
				&a, -EINVAL,
				"token %d belongs to volume %s, not to this "
				"one (%s): copied from another header?",
				i, vol, li->uuid);
			continue;
		}
		if (token_kms_context(t, &ctx)) {
			note_attempt(&a, -EINVAL, "token %d: context too large",
				     i);
			continue;
		}
		say(env, VOL_DEBUG, "%s: token %d: KMS Decrypt with %s (%s)",
		    v->name, i, t->key_id, t->region);
		n = kms_decrypt(env->aws, t->key_id, t->region, &ctx, t->blob,
				t->blob_len, secret, SECRET_CAP, NULL, 0);
		if (n < 0) {
			aws_why(env, msg, sizeof(msg));
			note_attempt(&a, n, "token %d (%s): %s", i, t->key_id,
				     msg);
			say(env, VOL_WARN, "%s: token %d (%s): %s", v->name, i,
			    t->key_id, msg);
			continue;
		}
		r = luks_activate(l, v->name, t->keyslot, secret, (size_t)n);
		secret_wipe(secret, SECRET_CAP);
		if (r == -EPROTO) {
			secret_wipe(t, sizeof(*t));
			free(t);
			return refuse_header(e, target, l->refused);
		}
		if (r == -EPERM) {
			note_attempt(&a, -EPERM,
				     "token %d: the secret KMS returned opens "
				     "no keyslot (%d): a tampered token?",
				     i, t->keyslot);
			continue;
		}
		if (r < 0) {
			secret_wipe(t, sizeof(*t));
			free(t);
			return why(e, r, "cannot activate /dev/mapper/%s: %s%s",
				   v->name, strerror(-r),
				   r == -ENOENT || r == -ENODEV
					   ? " (is the dm_crypt module "
					     "loaded?)"
					   : "");
		}
		say(env, VOL_INFO, "%s: unlocked with token %d (%s)", v->name,
		    i, t->key_id);
		secret_wipe(t, sizeof(*t));
		free(t);
		return 0;
	}
	secret_wipe(t, sizeof(*t));
	free(t);
	if (!a.tried)
		return why(e, -ENOKEY,
			   "its LUKS header has no aws-kms token (not made "
			   "by luksbox? open it with --key-file)");
	if (a.temp_err)
		return why(e, a.temp_err, "%s%s%s", a.temp,
			   a.perm_err ? "; also " : "", a.perm);
	return why(e, a.perm_err, "%s", a.perm);
}

int vol_open(const struct vol_env *env, const struct tab_volume *v,
	     const struct vol_devs *d, const void *key, size_t key_len,
	     struct vol_error *e)
{
	struct luks_info li;
	struct luks l = {0};
	struct md_array arr;
	char uuid[40], target[TAB_PATH], t[LUKS_POLICY_REASON];
	int r;

	memset(e, 0, sizeof(*e));
	what(e, "open %s", v->name);
	r = luks_is_active(v->name, uuid);
	if (r < 0)
		return why(e, r, "cannot ask device-mapper about %s: %s",
			   v->name, strerror(-r));
	if (r == 1) {
		/* Open already: used only when its header says ready. */
		r = mapping_header(v, &li, target, sizeof(target), e);
		if (r < 0)
			return r;
		if (li.state == LUKS_STATE_PROVISIONING) {
			/* Closed unused; the header below decides: redone
			 * (on-blank=format) or refused, saying how. */
			r = close_half_made(env, v, target, e);
			if (r < 0)
				return r;
		} else {
			r = mapping_mounted(v);
			if (r < 0)
				return why(e, r,
					   "cannot read the mount table: %s",
					   strerror(-r));
			if (r || !has_mount(v)) {
				say(env, VOL_INFO, "%s: already open%s",
				    v->name, r ? " and mounted" : "");
				return VOL_DONE_NOTHING;
			}
			what(e, "mount %s", v->name);
			/* Opened by someone else: mounted only if the kernel's
			 * table is what luks-setup makes. */
			r = luks_check_active(v->name, t, sizeof(t));
			if (r == -EPROTO)
				return why(
					e, r,
					"/dev/mapper/%s is open with a table "
					"luks-setup does not make (%s); not "
					"mounted",
					v->name, t);
			if (r < 0)
				return why(e, r,
					   "cannot read the table of "
					   "/dev/mapper/%s: %s",
					   v->name, strerror(-r));
			r = mount_volume(env, v, e);
			return r ? r : VOL_DONE_OPENED;
		}
	}
	snprintf(target, sizeof(target), "%s", d->path[0]);
	if (d->n > 1) {
		r = our_array(env, v, d, &arr, e);
		if (r < 0)
			return r;
		if (r == 0)
			return blank_or_refuse(env, v, d, d,
					       "its devices hold no RAID0 "
					       "array of this name",
					       e);
		snprintf(target, sizeof(target), "%s", array_path(&arr));
	}
	r = luks_load(&l, target);
	if (r == -EINVAL && d->n == 1)
		return blank_or_refuse(env, v, d, d,
				       "no LUKS header on the device", e);
	if (r == -EINVAL) {
		/* Our array with nothing on it: a setup cut short. */
		struct vol_devs arr_dev = {.n = 1};

		snprintf(arr_dev.path[0], sizeof(arr_dev.path[0]), "%s",
			 target);
		return blank_or_refuse(env, v, &arr_dev, d,
				       "its RAID0 array holds no LUKS header",
				       e);
	}
	if (r == -EPROTO)
		return refuse_header(e, target, l.refused);
	if (r < 0)
		return why(e, r, "cannot read the LUKS header of %s: %s",
			   target, strerror(-r));
	r = luks_info(&l, &li);
	if (r < 0) {
		luks_fini(&l);
		return why(e, r, "cannot read the LUKS header of %s: %s",
			   target, strerror(-r));
	}
	/* A setup cut short (a power cut after the format, before the
	 * keyslots): never held data, never activated as it is; redoing it
	 * formats a new header, which is checked before its activation. */
	if (li.state == LUKS_STATE_PROVISIONING && !strcmp(li.label, v->name)) {
		luks_fini(&l);
		if (v->on_blank == TAB_ON_BLANK_FORMAT) {
			say(env, VOL_WARN,
			    "%s: %s holds a half-provisioned volume (setup "
			    "was interrupted; it never held data): redoing it",
			    v->name, target);
			return vol_provision(env, v, d, e);
		}
		return why(e, -EINVAL,
			   "%s holds a half-provisioned volume (setup was "
			   "interrupted); finish it with: luks-setup %s",
			   target, v->name);
	}
	/* Before anything prints its label or asks KMS: the header is not
	 * authenticated, so it must be exactly what luks-setup writes. */
	if (li.policy < 0) {
		luks_fini(&l);
		return refuse_header(e, target, li.refused);
	}
	/* Device names move (EBS xvdf/xvdg, NVMe order): a luksbox volume
	 * labelled with another name is another volume, never mounted here. */
	if (li.state != LUKS_STATE_FOREIGN && strcmp(li.label, v->name)) {
		luks_fini(&l);
		return why(e, -EINVAL,
			   "%s holds the luksbox volume \"%s\", not \"%s\" "
			   "(did device names change? fix the devices field)",
			   target, li.label, v->name);
	}
	what(e, "unlock %s", v->name);
	if (key) {
		r = luks_activate(&l, v->name, -1, key, key_len);
		if (r == -EPROTO) {
			r = refuse_header(e, target, l.refused);
			luks_fini(&l);
			return r;
		}
		if (r >= 0)
			say(env, VOL_INFO,
			    "%s: unlocked with keyslot %d (key "
			    "file)",
			    v->name, r);
		r = r >= 0 ? 0
			   : why(e, r, "%s",
				 r == -EPERM ? "the key file opens no keyslot"
					     : strerror(-r));
	} else {
		r = unlock_with_kms(env, v, target, &l, &li, e);
	}
	luks_fini(&l);
	if (r)
		return r;
	what(e, "mount %s", v->name);
	r = mount_volume(env, v, e);
	return r ? r : VOL_DONE_OPENED;
}

/* ---- closing and status -------------------------------------------------- */

/* Is NAME a kernel md name ("md" and digits)? */
static int md_kname(const char *name)
{
	size_t i;

	if (strncmp(name, "md", 2) || !name[2])
		return 0;
	for (i = 2; name[i]; i++)
		if (name[i] < '0' || name[i] > '9')
			return 0;
	return i < 16;
}

/* The one slave of the block device DEVNO (a dm-crypt mapping has one),
 * into NAME. 1, or 0 when there is none or more than one. */
static int only_slave(const struct vol_env *env, unsigned long devno,
		      char *name, size_t cap)
{
	char path[PATH_MAX];
	struct dirent *de;
	int n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "%s/dev/block/%u:%u/slaves",
		 env->sysfs ? env->sysfs : "/sys", major(devno), minor(devno));
	d = opendir(path);
	if (!d)
		return 0;
	name[0] = '\0';
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' && n++ == 0 &&
		    strlen(de->d_name) < cap)
			memcpy(name, de->d_name, strlen(de->d_name) + 1);
	closedir(d);
	return n == 1;
}

/*
 * Which running md array is V's, to stop after closing it: the array its
 * open mapping sits on, or (no mapping) the array /dev/md/NAME when every
 * member of it is one of V's devices. A name is not an identity: an array
 * called NAME that somebody else made on other disks is never ours, and a
 * single-device volume has no array. 1 with MD ("mdN"), 0, or -errno.
 */
static int our_running_array(const struct vol_env *env,
			     const struct tab_volume *v, char *md, size_t cap)
{
	char mp[128], link[80], target[64], path[PATH_MAX], kname[64];
	unsigned long mapping = rdev_of(mapper_path(v->name, mp, sizeof(mp)));
	struct vol_devs *devs;
	struct vol_error e2;
	struct probe_sys s;
	struct dirent *de;
	const char *base;
	unsigned i, members = 0, ours = 0;
	ssize_t n;
	DIR *d;

	if (!v->ephemeral && v->ndevices < 2)
		return 0;
	if (mapping)
		return only_slave(env, mapping, md, cap) && md_kname(md);
	snprintf(link, sizeof(link), "/dev/md/%s", v->name);
	n = readlink(link, target, sizeof(target) - 1);
	if (n <= 0)
		return 0;
	target[n] = '\0';
	base = strrchr(target, '/') ? strrchr(target, '/') + 1 : target;
	if (!md_kname(base))
		return 0;
	devs = calloc(1, sizeof(*devs));
	if (!devs)
		return -ENOMEM;
	/* Devices that cannot be found now: nothing proves the array ours. */
	if (vol_devices(env, v, devs, &e2)) {
		free(devs);
		return 0;
	}
	snprintf(path, sizeof(path), "%s/block/%s/slaves",
		 env->sysfs ? env->sysfs : "/sys", base);
	d = opendir(path);
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		members++;
		for (i = 0; i < devs->n; i++)
			if (!probe_dev_name(sys_of(env, &s), devs->path[i],
					    kname, sizeof(kname)) &&
			    !strcmp(kname, de->d_name)) {
				ours++;
				break;
			}
	}
	if (d)
		closedir(d);
	free(devs);
	if (!members || ours != members)
		return 0;
	snprintf(md, cap, "%s", base);
	return 1;
}

int vol_close(const struct vol_env *env, const struct tab_volume *v,
	      struct vol_error *e)
{
	char w[256] = "", md[64] = "";
	int r, stop;

	memset(e, 0, sizeof(*e));
	what(e, "close %s", v->name);
	r = mapping_mounted(v);
	if (r < 0)
		return why(e, r, "cannot read the mount table: %s",
			   strerror(-r));
	if (r) {
		r = fs_umount(v->mountpoint);
		if (r < 0)
			return why(e, r, "cannot unmount %s: %s%s",
				   v->mountpoint, strerror(-r),
				   r == -EBUSY ? " (stop what uses it: fuser "
						 "-vm MOUNTPOINT tells)"
					       : "");
		say(env, VOL_INFO, "%s: unmounted %s", v->name, v->mountpoint);
	}
	/* Learnt before closing: afterwards nothing says what it sat on. */
	stop = our_running_array(env, v, md, sizeof(md));
	if (stop < 0)
		return why(e, stop,
			   "cannot tell which RAID0 array is its own: %s",
			   strerror(-stop));
	r = luks_is_active(v->name, NULL);
	if (r == 1) {
		r = luks_deactivate(v->name);
		if (r < 0)
			return why(e, r, "cannot close /dev/mapper/%s: %s",
				   v->name,
				   r == -EBUSY ? "in use (mounted elsewhere?)"
					       : strerror(-r));
		say(env, VOL_INFO, "%s: closed /dev/mapper/%s", v->name,
		    v->name);
	}
	if (stop) {
		r = md_stop(md, w, sizeof(w));
		if (r == 0)
			say(env, VOL_INFO,
			    "%s: stopped its RAID0 array /dev/%s", v->name, md);
		else if (r != -ENOENT)
			return why(e, r,
				   "cannot stop its RAID0 array /dev/%s: %s",
				   md, w[0] ? w : strerror(-r));
	}
	return 0;
}

int vol_status(const struct vol_env *env, const struct tab_volume *v,
	       struct vol_status *st)
{
	char link[80];
	int r;

	(void)env;
	memset(st, 0, sizeof(*st));
	snprintf(st->mountpoint, sizeof(st->mountpoint), "%s", v->mountpoint);
	r = luks_is_active(v->name, st->uuid);
	if (r < 0)
		return r;
	st->open = r;
	snprintf(link, sizeof(link), "/dev/md/%s", v->name);
	if (rdev_of(link))
		snprintf(st->backing, sizeof(st->backing), "%s", link);
	else if (v->ndevices == 1)
		snprintf(st->backing, sizeof(st->backing), "%s", v->devices[0]);
	r = mapping_mounted(v);
	if (r < 0)
		return r;
	st->mounted = r;
	return st->open && (st->mounted || !has_mount(v));
}
