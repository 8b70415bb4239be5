/* sets.c - a volume as a concatenation of stripe sets: set 0 (its table
 * devices, with the LUKS header) and the sets luks-setup --add-devices
 * appends, each a RAID0 of its own, joined by a dm-linear device under the
 * dm-crypt mapping.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: volume.h (vol_add_devices), internal.h (sets_*), block/linear.h,
 *      block/md.h, crypto/luks.h (luks_move), docs/design.md "Adding
 *      devices" (the record, the order of the steps and why a cut at any
 *      one leaves a volume that opens at the old size or the new).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "block/fs.h"
#include "block/inuse.h"
#include "block/linear.h"
#include "block/md.h"
#include "block/probe.h"
#include "crypto/luks.h"
#include "kms/json.h"
#include "lib/clock.h"
#include "lib/io.h"
#include "lib/proc.h"
#include "lib/uuid.h"
#include "volume/internal.h"

#define SETS_TYPE "luksbox-sets"
/* A set's size cap: 2^50 sectors (512 PiB); 16 of them cannot overflow. */
#define SETS_SECTORS_MAX (1ULL << 50)

/* The md name of V's set K: NAME+K (vol_add_devices() refuses a NAME
 * too long for it to fit 31 bytes). '+' is no volume name's (conf/tab.c)
 * nor mdadm's homehost separator, so no volume's own array carries it. */
static void set_md_name(const char *vol, unsigned k, char out[MD_NAME_MAX + 1])
{
	char sfx[8];
	int n = snprintf(sfx, sizeof(sfx), "+%u", k);

	snprintf(out, MD_NAME_MAX + 1, "%.*s%s", MD_NAME_MAX - n, vol, sfx);
}

const char *sets_linear_name(const char *vol, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s+sets", vol);
	return buf;
}

static void hex(const uint8_t u[16], char out[33])
{
	static const char d[] = "0123456789abcdef";
	unsigned i;

	for (i = 0; i < 16; i++) {
		out[2 * i] = d[u[i] >> 4];
		out[2 * i + 1] = d[u[i] & 15];
	}
	out[32] = '\0';
}

static int unhex(const char *s, uint8_t u[16])
{
	unsigned i, v;

	if (strlen(s) != 32)
		return -EINVAL;
	for (i = 0; i < 32; i++) {
		if (s[i] >= '0' && s[i] <= '9')
			v = (unsigned)(s[i] - '0');
		else if (s[i] >= 'a' && s[i] <= 'f')
			v = (unsigned)(s[i] - 'a' + 10);
		else
			return -EINVAL; /* lower case only: one spelling */
		u[i / 2] = (uint8_t)(i & 1 ? u[i / 2] | v : v << 4);
	}
	return 0;
}

/* A positive sector count, whole 4 KiB, under the cap, from token T. */
static int sectors_of(const struct json *j, int t, uint64_t *out)
{
	long long n;

	if (t < 0 || json_int(j, t, &n) || n <= 0 ||
	    (unsigned long long)n >= SETS_SECTORS_MAX || n % 8)
		return -EINVAL;
	*out = (uint64_t)n;
	return 0;
}

/* Decode the luksbox-sets token JSON into S, strictly: exactly the
 * members written, no keyslot, 1..SETS_MAX sets, hex UUIDs not repeated.
 * 0 or -EINVAL with WHY. */
static int decode(const char *json, struct vol_sets *s, char *why, size_t cap)
{
	struct json *j = malloc(sizeof(*j));
	char str[40];
	long long ver;
	int r = -EINVAL, t, arr;
	unsigned i, k;

	if (!j)
		return -ENOMEM;
#define BAD(...)                                 \
	do {                                     \
		snprintf(why, cap, __VA_ARGS__); \
		goto out;                        \
	} while (0)
	if (json_parse(j, json, strlen(json)) || j->tok[0].size != 5)
		BAD("not the 5 members luks-setup writes");
	if (json_get_string(j, 0, "type", str, sizeof(str)) < 0 ||
	    strcmp(str, SETS_TYPE))
		BAD("type");
	t = json_find(j, 0, "keyslots");
	if (json_type(j, t) != JSON_ARRAY || j->tok[t].size)
		BAD("keyslots: not []");
	t = json_find(j, 0, "version");
	if (t < 0 || json_int(j, t, &ver) || ver != 1)
		BAD("version: not 1");
	if (sectors_of(j, json_find(j, 0, "set0"), &s->set0))
		BAD("set0: not a size in sectors");
	arr = json_find(j, 0, "sets");
	if (json_type(j, arr) != JSON_ARRAY || j->tok[arr].size < 1 ||
	    j->tok[arr].size > SETS_MAX)
		BAD("sets: not 1 to %d sets", SETS_MAX);
	s->n = (unsigned)j->tok[arr].size;
	for (i = 0, t = arr + 1; i < s->n; i++, t = json_skip(j, t)) {
		if (json_type(j, t) != JSON_OBJECT || j->tok[t].size != 2 ||
		    json_get_string(j, t, "uuid", str, sizeof(str)) < 0 ||
		    unhex(str, s->uuid[i]) ||
		    sectors_of(j, json_find(j, t, "sectors"), &s->sectors[i]))
			BAD("sets[%u]: not {\"uuid\":32 hex digits,"
			    "\"sectors\":N}",
			    i);
		for (k = 0; k < i; k++)
			if (!memcmp(s->uuid[k], s->uuid[i], 16))
				BAD("sets[%u]: the md UUID of sets[%u] again",
				    i, k);
	}
	r = 0;
out:
#undef BAD
	free(j);
	return r;
}

int sets_read(struct luks *l, struct vol_sets *s, char *why, size_t cap)
{
	const char *json;
	char type[32];
	int i, r;

	memset(s, 0, sizeof(*s));
	s->token = -1;
	for (i = 0; i < luks_token_max(); i++) {
		if (luks_token_type(l, i, type, sizeof(type)) < 0 ||
		    strcmp(type, SETS_TYPE))
			continue;
		if (s->token >= 0) {
			snprintf(why, cap, "tokens %d and %d are both %s",
				 s->token, i, SETS_TYPE);
			return -EINVAL;
		}
		s->token = i;
		r = luks_token_get(l, i, &json);
		if (!r)
			r = decode(json, s, why, cap);
		else
			snprintf(why, cap, "token %d unreadable", i);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Write S as L's luksbox-sets token: one header write (LUKS2 keeps two
 * copies with a sequence number: the old record or the new, never
 * neither). 0 or -errno. */
static int sets_write(struct luks *l, const struct vol_sets *s)
{
	char buf[2048], u[33];
	size_t at;
	unsigned i;
	int r;

	at = (size_t)snprintf(buf, sizeof(buf),
			      "{\"type\":\"" SETS_TYPE "\",\"keyslots\":[],"
			      "\"version\":1,\"set0\":%llu,\"sets\":[",
			      (unsigned long long)s->set0);
	for (i = 0; i < s->n; i++) {
		hex(s->uuid[i], u);
		at += (size_t)snprintf(buf + at, sizeof(buf) - at,
				       "%s{\"uuid\":\"%s\",\"sectors\":%llu}",
				       i ? "," : "", u,
				       (unsigned long long)s->sectors[i]);
	}
	snprintf(buf + at, sizeof(buf) - at, "]}");
	if (s->token >= 0)
		return luks_token_set(l, s->token, buf);
	r = luks_token_add(l, buf);
	return r < 0 ? r : 0;
}

/* Size of the block device PATH in sectors, or 0. */
static uint64_t sectors_at(const char *path)
{
	uint64_t b = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	if (io_dev_size(fd, &b) < 0)
		b = 0;
	close(fd);
	return b / 512;
}

#define SET_POLL_MS 200

/* Set I of S (its md UUID), assembled from whichever disks carry it,
 * waited for up to ENV->attach_wait_ms (EBS volumes being attached);
 * its size checked against the record. 0 with ARR, or -errno with E
 * (-ETIMEDOUT: missing, temporary). */
static int assemble_set(const struct vol_env *env, const struct tab_volume *v,
			const struct vol_sets *s, unsigned i,
			struct md_array *arr, struct msg_error *e)
{
	struct md_ident id = {.has_uuid = 1, .no_grow = 1};
	int64_t end = deadline_in(env->attach_wait_ms);
	struct timespec ts = {0, SET_POLL_MS * 1000000L};
	char u[UUID_MD_TEXT];
	struct msg_error me;
	uint64_t n;
	int r, said = 0;

	memcpy(id.uuid, s->uuid[i], 16);
	uuid_text_md(s->uuid[i], u);
	for (;;) {
		r = md_assemble(&id, NULL, 0, 0, arr, &me);
		if ((r != -ENOENT && r != -ENODEV) || !deadline_left(end))
			break;
		if (!said++)
			vol_say(env, MSG_INFO,
				"%s: waiting for stripe set %u (md UUID %s): "
				"%s",
				v->name, i + 1, u,
				r == -ENOENT ? "no disk of it found" : me.why);
		nanosleep(&ts, NULL);
	}
	if (r == -ENOENT || r == -ENODEV)
		return msg_why(e, -ETIMEDOUT,
			       "stripe set %u (md UUID %s) is missing (%s, "
			       "after %u s): attach its EBS volumes, then "
			       "luks-mount again; never opened at a partial "
			       "size",
			       i + 1, u,
			       r == -ENOENT ? "no disk of it found" : me.why,
			       (env->attach_wait_ms + 999) / 1000);
	if (r < 0)
		return msg_why(e, r,
			       "cannot assemble stripe set %u (md UUID "
			       "%s): %s",
			       i + 1, u, me.why);
	n = sectors_at(arr->dev);
	if (n != s->sectors[i])
		return msg_why(e, -EINVAL,
			       "stripe set %u (md UUID %s, %s) is %llu "
			       "sectors, not the %llu its LUKS header records: "
			       "refused, nothing opened",
			       i + 1, u, arr->dev, (unsigned long long)n,
			       (unsigned long long)s->sectors[i]);
	if (!arr->reused)
		vol_say(env, MSG_INFO,
			"%s: stripe set %u %s assembled (%u devices)", v->name,
			i + 1, arr->dev, arr->ndevs);
	return 0;
}

/* The linear device of V over set 0 (TARGET0) and the sets of S (and
 * EXTRA, set S->n, when its devno is not 0), its path in LIN (CAP bytes).
 * 0 or -errno with E. */
static int join(const struct vol_env *env, const struct tab_volume *v,
		const char *target0, const struct vol_sets *s,
		const struct linear_seg *extra, char *lin, size_t cap,
		struct msg_error *e)
{
	struct linear_seg seg[LINEAR_MAX_SEGS];
	struct md_array arr;
	struct msg_error me;
	char name[96], started[SETS_MAX][32];
	uint64_t n0 = sectors_at(target0);
	unsigned i, n = 1;
	int r;

	if (n0 < s->set0)
		return msg_why(e, -EINVAL,
			       "set 0 (%s) is %llu sectors, smaller than the "
			       "%llu its LUKS header records: refused",
			       target0, (unsigned long long)n0,
			       (unsigned long long)s->set0);
	/* A set 0 grown since (ModifyVolume) keeps its recorded size: the
	 * sets after it must not move. */
	seg[0].devno = rdev_of(target0);
	seg[0].sectors = s->set0;
	/* Set 0 may be one disk: the md modules loaded for the sets. */
	if (s->n && access("/sys/module/raid0", F_OK))
		proc_modprobe("raid0");
	for (i = 0; i < s->n; i++) {
		r = assemble_set(env, v, s, i, &arr, e);
		if (r < 0) {
			/* None left running for a volume not opened. */
			while (i--)
				if (started[i][0])
					md_stop(started[i], &me);
			return r;
		}
		snprintf(started[i], sizeof(started[i]), "%s",
			 arr.reused ? "" : arr.dev);
		seg[n].devno = rdev_of(arr.dev);
		seg[n++].sectors = s->sectors[i];
	}
	if (extra && extra->devno)
		seg[n++] = *extra;
	sets_linear_name(v->name, name, sizeof(name));
	r = linear_set(name, seg, n, NULL);
	if (r < 0)
		return msg_why(e, r,
			       "cannot set up the linear device %s over its "
			       "%u stripe sets: %s%s",
			       name, n, strerror(-r),
			       r == -EINVAL ? " (a device of that name that "
					      "is not linear?)"
					    : "");
	mapper_path(name, lin, cap);
	return 0;
}

int sets_stack(const struct vol_env *env, const struct tab_volume *v,
	       struct luks *l, char *target, size_t cap, struct msg_error *e)
{
	struct vol_sets s;
	char why[200], lin[TAB_PATH];
	int r = sets_read(l, &s, why, sizeof(why));

	if (r < 0)
		return msg_why(e, r == -EINVAL ? -EPROTO : r,
			       "the stripe-set record (%s token) of %s is "
			       "refused: %s; nothing was opened",
			       SETS_TYPE, target, why);
	if (!s.n)
		return 0;
	r = join(env, v, target, &s, NULL, lin, sizeof(lin), e);
	if (r < 0)
		return r;
	luks_fini(l);
	r = luks_load(l, lin);
	if (r == -EPROTO)
		return refuse_header(e, lin, l->refused);
	if (r < 0)
		return msg_why(e, r, "cannot read the LUKS header of %s: %s",
			       lin, strerror(-r));
	vol_say(env, MSG_INFO, "%s: %u stripe sets joined as %s", v->name,
		s.n + 1, lin);
	snprintf(target, cap, "%s", lin);
	return 1;
}

/* The kernel name of block device DEVNO ("md127") into NAME. 0/-errno. */
static int kname(unsigned long devno, char *name, size_t cap)
{
	char path[64], link[256];
	const char *b;
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u", major(devno),
		 minor(devno));
	n = readlink(path, link, sizeof(link) - 1);
	if (n <= 0)
		return -ENOENT;
	link[n] = '\0';
	b = strrchr(link, '/');
	snprintf(name, cap, "%.31s", b ? b + 1 : link);
	return 0;
}

int sets_stop(const struct vol_env *env, const struct tab_volume *v,
	      struct msg_error *e)
{
	struct linear_seg seg[LINEAR_MAX_SEGS];
	struct msg_error me;
	char name[96], md[32];
	unsigned i, n = 0;
	int r = linear_get(sets_linear_name(v->name, name, sizeof(name)), NULL,
			   seg, &n);

	if (r == 0)
		return 0;
	if (r < 0)
		return msg_why(e, r, "cannot read /dev/mapper/%s: %s", name,
			       strerror(-r));
	r = linear_remove(name);
	if (r < 0 && r != -ENODEV)
		return msg_why(e, r, "cannot remove /dev/mapper/%s: %s", name,
			       strerror(-r));
	vol_say(env, MSG_INFO, "%s: removed /dev/mapper/%s", v->name, name);
	/* Its pieces are the arrays luksbox assembled for it (set 0's may be
	 * a plain disk: left alone). */
	for (i = 0; i < n; i++) {
		if (kname(seg[i].devno, md, sizeof(md)) || strncmp(md, "md", 2))
			continue;
		r = md_stop(md, &me);
		if (r < 0 && r != -ENOENT)
			return msg_why(e, r,
				       "cannot stop the RAID0 array /dev/%s"
				       ": %s",
				       md, me.why);
		if (!r)
			vol_say(env, MSG_INFO,
				"%s: stopped stripe set %u /dev/%s", v->name, i,
				md);
	}
	return 0;
}

/* ---- luks-setup --add-devices ------------------------------------------ */

/* New devices ND: never in use; blank unless ENV->force; equal sizes.
 * 0 or -errno with E. */
static int check_new(const struct vol_env *env, const struct tab_volume *v,
		     const struct vol_devs *nd, struct msg_error *e)
{
	struct probe_result pr;
	struct probe_sys s;
	char name[64], w[256], desc[256];
	uint64_t n0 = 0, n;
	unsigned i;
	int r;

	for (i = 0; i < nd->n; i++) {
		r = probe_dev_name(sys_of(env, &s), nd->path[i], name,
				   sizeof(name));
		if (!r)
			r = probe_in_use(&s, name, w, sizeof(w));
		if (r < 0)
			return msg_why(e, r, "%s: %s", nd->path[i],
				       strerror(-r));
		if (r)
			return msg_why(e, -EPERM,
				       "%s is in use (%s); nothing was changed",
				       nd->path[i], w);
		n = sectors_at(nd->path[i]);
		if (i && n != n0)
			return msg_why(e, -EINVAL,
				       "%s is %llu sectors and %s %llu: a "
				       "stripe set is of equal disks; nothing "
				       "was changed",
				       nd->path[0], (unsigned long long)n0,
				       nd->path[i], (unsigned long long)n);
		n0 = n;
		r = probe_blank(nd->path[i], &pr);
		if (r < 0)
			return msg_why(e, r, "cannot read %s: %s", nd->path[i],
				       strerror(-r));
		if (r)
			continue;
		probe_describe(&pr, desc, sizeof(desc));
		if (!env->force)
			return msg_why(e, -EEXIST,
				       "%s holds %s; nothing was changed. If "
				       "its contents may be destroyed, run "
				       "again with --force",
				       nd->path[i], desc);
		vol_say(env, MSG_WARN,
			"%s: --force: DESTROYING what %s holds (%s)", v->name,
			nd->path[i], desc);
	}
	return 0;
}

/* Make set K of V on ND: a RAID0 named NAME+K, started into ARR. */
static int create_set(const struct tab_volume *v, unsigned k,
		      const struct vol_devs *nd, struct md_array *arr,
		      struct msg_error *e)
{
	struct md_member *m = calloc(nd->n, sizeof(*m));
	uint64_t sectors[VOL_MAX_DEVS];
	char base[MD_NAME_MAX + 1], sname[MD_NAME_MAX + 1];
	struct md_create c = {.name = base};
	int fds[VOL_MAX_DEVS], r = 0;
	unsigned i;

	if (!m)
		return msg_why(e, -ENOMEM, "out of memory");
	snprintf(base, sizeof(base), "%.31s", v->name);
	set_md_name(v->name, k, sname);
	for (i = 0; i < nd->n; i++)
		fds[i] = -1;
	for (i = 0; i < nd->n && !r; i++) {
		/* Exclusive: -EBUSY when mounted or held, before any write. */
		fds[i] = md_open_member(nd->path[i], O_RDWR | O_EXCL,
					&m[i].sectors, &m[i].devno);
		if (fds[i] < 0)
			r = msg_why(e, fds[i], "cannot open %s: %s",
				    nd->path[i], strerror(-fds[i]));
		sectors[i] = m[i].sectors;
		snprintf(m[i].path, sizeof(m[i].path), "%s", nd->path[i]);
	}
	if (!r) {
		struct md_sb *sbs = calloc(nd->n, sizeof(*sbs));

		r = sbs ? md_plan_create(&c, sectors, nd->n, sbs) : -ENOMEM;
		for (i = 0; i < nd->n && !r; i++) {
			m[i].sb = sbs[i];
			snprintf(m[i].sb.set_name, sizeof(m[i].sb.set_name),
				 "%s", sname);
		}
		free(sbs);
		if (r)
			msg_why(e, r, "cannot plan stripe set %u: %s", k,
				r == -ENOSPC ? "a device is too small"
					     : strerror(-r));
	}
	for (i = 0; i < nd->n && !r; i++) {
		r = md_write_sb(fds[i], m[i].sectors, &m[i].sb);
		if (r)
			msg_why(e, r,
				"cannot write the md superblock of %s: %s",
				nd->path[i], strerror(-r));
	}
	for (i = 0; i < nd->n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	if (!r) {
		r = md_start(m, nd->n, 0, arr);
		if (r)
			msg_why(e, r, "cannot start stripe set %u: %s", k,
				strerror(-r));
	}
	free(m);
	return r;
}

/*
 * What ND holds for V with the record S: a set already recorded (its
 * index, < S->n: a rerun), set S->n made by a run cut before its record
 * (S->n), or nothing of ours (S->n, created after the blank checks).
 * The set is started into ARR. Returns the index or -errno with E.
 */
static int new_set(const struct vol_env *env, const struct tab_volume *v,
		   const struct vol_sets *s, const struct vol_devs *nd,
		   struct md_array *arr, struct msg_error *e)
{
	struct md_ident id = {.has_uuid = 1, .no_grow = 1};
	const char *devs[VOL_MAX_DEVS];
	char sname[MD_NAME_MAX + 1], u[UUID_MD_TEXT];
	struct msg_error me;
	struct md_sb *sb = malloc(sizeof(*sb));
	unsigned long devno;
	uint64_t n;
	unsigned i, k, same = 0;
	int fd, r;

	if (!sb)
		return msg_why(e, -ENOMEM, "out of memory");
	for (i = 0; i < nd->n; i++) {
		devs[i] = nd->path[i];
		fd = md_open_member(nd->path[i], O_RDONLY, &n, &devno);
		r = fd < 0 ? fd : md_read_sb(fd, n, sb);
		if (fd >= 0)
			close(fd);
		if (r)
			break;
		if (!i)
			memcpy(id.uuid, sb->set_uuid, 16);
		same += !memcmp(id.uuid, sb->set_uuid, 16);
	}
	k = s->n;
	if (same == nd->n) {
		for (i = 0; i < s->n; i++)
			if (!memcmp(s->uuid[i], id.uuid, 16))
				k = i;
		set_md_name(v->name, k + 1, sname);
		if (strcmp(sb->set_name, sname))
			k = SETS_MAX + 1; /* another array: not ours */
	}
	free(sb);
	if (same != nd->n || k > s->n) {
		r = check_new(env, v, nd, e);
		if (!r)
			r = create_set(v, s->n + 1, nd, arr, e);
		if (r)
			return r;
		uuid_text_md(arr->uuid, u);
		vol_say(env, MSG_INFO,
			"%s: stripe set %u made: %s (md UUID %s, %u devices)",
			v->name, s->n + 1, arr->dev, u, nd->n);
		vol_step_done(env, "sets-md");
		return (int)s->n;
	}
	/* Ours already: a rerun after a cut; strict, every device a member. */
	r = md_assemble(&id, devs, nd->n, 0, arr, &me);
	if (r < 0)
		return msg_why(e, r,
			       "cannot assemble stripe set %u on the "
			       "devices given: %s",
			       k + 1, me.why);
	uuid_text_md(id.uuid, u);
	vol_say(env, MSG_INFO, "%s: stripe set %u (md UUID %s) is %s: %s",
		v->name, k + 1, u,
		k < s->n ? "recorded already" : "made by an interrupted run",
		k < s->n ? "finishing" : "using it");
	return (int)k;
}

/* A token's secret proves a way in (offline: nothing else). */
static int verify(void *arg, struct luks *l, int token, int slot,
		  const unsigned char *secret, size_t n, struct msg_error *e)
{
	(void)arg;
	(void)token;
	(void)e;
	return luks_verify(l, slot, secret, n);
}

/* A token's secret moves the mapping onto the linear device (and puts
 * the volume key in this thread's keyring for the resize after). */
static int move(void *arg, struct luks *l, int token, int slot,
		const unsigned char *secret, size_t n, struct msg_error *e)
{
	const struct tab_volume *v = arg;
	int r = luks_move(l, v->name, slot, secret, n);

	(void)token;
	if (r >= 0 || r == -EPROTO || r == -EPERM)
		return r;
	return msg_why(e, r,
		       "cannot move /dev/mapper/%s onto its linear "
		       "device: %s",
		       v->name, strerror(-r));
}

/* Bytes as GiB text. */
/* Set K recorded in S and in the header L (on DEV) if it is new (K ==
 * S->n); a rerun's set, recorded already, is left as it is. */
static int record_set(const struct vol_env *env, struct luks *l,
		      struct vol_sets *s, int k, const char *dev,
		      struct msg_error *e)
{
	int r;

	if ((unsigned)k != s->n)
		return 0;
	s->n++;
	r = sets_write(l, s);
	if (r < 0)
		return msg_why(e, r,
			       "cannot write the stripe-set record to %s: %s",
			       dev, strerror(-r));
	vol_step_done(env, "sets-header");
	return 0;
}

static const char *gib(uint64_t sectors, char *buf, size_t cap)
{
	snprintf(buf, cap, "%.1f GiB", (double)sectors / (2 << 20));
	return buf;
}

int vol_add_devices(const struct vol_env *env, const struct tab_volume *v,
		    const struct vol_devs *d, const struct vol_devs *nd,
		    const void *key, size_t key_len, struct msg_error *e)
{
	struct luks l = {0};
	struct luks_info li;
	struct md_array arr;
	struct vol_sets s;
	struct vol_use use = {verify, (void *)v, 0};
	struct linear_seg extra = {0, 0};
	char target[TAB_PATH], lin[TAB_PATH], cdev[TAB_PATH], why[200];
	char mp[128], a[32], b[32];
	uint64_t now, max;
	unsigned i, j;
	int r, k, active;

	memset(e, 0, sizeof(*e));
	msg_what(e, "add devices to %s", v->name);
	/* NAME+K whole in md's 31 bytes: a name cut short could be another
	 * volume's set, adopted by the rerun check below. */
	if (strlen(v->name) > MD_NAME_MAX - 3)
		return msg_why(e, -ENAMETOOLONG,
			       "its name is longer than %d characters: its "
			       "sets' md names (NAME+K) would not fit md's %d",
			       MD_NAME_MAX - 3, MD_NAME_MAX);
	if (v->ephemeral)
		return msg_why(e, -EOPNOTSUPP,
			       "it is instance store (ephemeral): its disks "
			       "are what the instance type has");
	for (i = 0; i < nd->n; i++)
		for (j = 0; j < d->n; j++)
			if (rdev_of(nd->path[i]) == rdev_of(d->path[j]))
				return msg_why(e, -EINVAL,
					       "%s is one of its devices "
					       "already",
					       nd->path[i]);
	snprintf(target, sizeof(target), "%s", d->path[0]);
	if (d->n > 1) {
		r = our_array(env, v, d, &arr, e);
		if (r <= 0)
			return r ? r
				 : msg_why(e, -ENOENT,
					   "its devices hold no RAID0 array "
					   "of this name: provision it first "
					   "(luks-setup %s)",
					   v->name);
		snprintf(target, sizeof(target), "%s", array_path(&arr));
	}
	r = luks_load(&l, target);
	if (r == -EPROTO)
		return refuse_header(e, target, l.refused);
	if (r < 0)
		return msg_why(e, r, "cannot read the LUKS header of %s: %s",
			       target, strerror(-r));
	r = luks_info(&l, &li);
	r = r < 0 ? r : 0; /* luks_info() says the state */
	if (!r && li.policy < 0)
		r = refuse_header(e, target, li.refused);
	else if (!r &&
		 (li.state != LUKS_STATE_READY || strcmp(li.label, v->name)))
		r = msg_why(e, -EINVAL,
			    "%s holds no provisioned luksbox volume named "
			    "%s; nothing was changed",
			    target, v->name);
	else if (r)
		r = msg_why(e, r, "cannot read the LUKS header of %s: %s",
			    target, strerror(-r));
	if (!r && (r = sets_read(&l, &s, why, sizeof(why))) < 0)
		r = msg_why(e, -EPROTO,
			    "its stripe-set record is refused: %s; nothing "
			    "was changed",
			    why);
	if (r)
		goto out;
	if (!s.n)
		s.set0 = sectors_at(target) / 8 * 8;
	active = luks_is_active(v->name, NULL);
	if (active < 0) {
		r = msg_why(e, active, "cannot ask device-mapper about %s: %s",
			    v->name, strerror(-active));
		goto out;
	}
	if (active) {
		/* Where the mapping sits: set 0, or our linear device. */
		unsigned long ldev = 0;

		sets_linear_name(v->name, lin, sizeof(lin));
		linear_get(lin, &ldev, NULL, NULL);
		r = luks_active_device(v->name, cdev, sizeof(cdev));
		if (!r && rdev_of(cdev) != rdev_of(target) &&
		    (!ldev || rdev_of(cdev) != ldev))
			r = -EXDEV;
		if (r) {
			r = msg_why(e, r,
				    "/dev/mapper/%s is open on %s, neither "
				    "its set 0 %s nor its linear device; "
				    "nothing was changed",
				    v->name, r == -EXDEV ? cdev : "?", target);
			goto out;
		}
	}
	if (s.n >= SETS_MAX) {
		r = msg_why(e, -ENOSPC,
			    "it has %u stripe sets, the most "
			    "luksbox joins",
			    s.n + 1);
		goto out;
	}
	k = new_set(env, v, &s, nd, &arr, e);
	if (k < 0) {
		r = k;
		goto out;
	}
	if ((unsigned)k == s.n) {
		memcpy(s.uuid[k], arr.uuid, 16);
		s.sectors[k] = sectors_at(arr.dev);
		if (!s.sectors[k] || s.sectors[k] % 8) {
			r = msg_why(e, -EINVAL, "%s: unexpected size", arr.dev);
			goto out;
		}
		extra.devno = rdev_of(arr.dev);
		extra.sectors = s.sectors[k];
	}
	if (!active) {
		/* Offline: prove a way in, then the record; the next open
		 * joins the sets. */
		msg_what(e, "unlock %s", v->name);
		if (key)
			r = luks_verify(&l, -1, key, key_len);
		else
			r = vol_unlock_ways(env, v, target, &l, &li, -1, 1,
					    &use, e);
		if (r == -EPERM && key)
			r = msg_why(e, r, "the key file opens no keyslot");
		if (r < 0)
			goto out;
		msg_what(e, "add devices to %s", v->name);
		r = record_set(env, &l, &s, k, target, e);
		if (r < 0)
			goto out;
		for (now = s.set0, i = 0; i < s.n; i++)
			now += s.sectors[i];
		vol_say(env, MSG_INFO,
			"%s: %u stripe sets, %s in all; the volume opens at "
			"that size (luks-mount %s)",
			v->name, s.n + 1, gib(now, a, sizeof(a)), v->name);
		r = VOL_DONE_GROWN;
		goto out;
	}
	/* Online: the linear device with the new set at its end (nothing
	 * uses it past the old size yet), the mapping moved onto it, the
	 * record, the mapping grown, the file system grown. */
	r = join(env, v, target, &s, &extra, lin, sizeof(lin), e);
	if (r < 0)
		goto out;
	vol_step_done(env, "sets-linear");
	luks_fini(&l);
	r = luks_load(&l, lin);
	if (!r)
		r = luks_info(&l, &li);
	if (r > 0)
		r = 0;
	if (!r && li.policy < 0)
		r = -EPROTO;
	if (r == -EPROTO) {
		r = refuse_header(e, lin,
				  l.refused[0] ? l.refused : li.refused);
		goto out;
	}
	if (r < 0) {
		r = msg_why(e, r, "cannot read the LUKS header of %s: %s", lin,
			    strerror(-r));
		goto out;
	}
	msg_what(e, "unlock %s", v->name);
	use.fn = move;
	if (key) {
		r = move((void *)v, &l, -1, -1, key, key_len, e);
		if (r == -EPERM)
			r = msg_why(e, r, "the key file opens no keyslot");
	} else {
		r = vol_unlock_ways(env, v, lin, &l, &li, -1, 1, &use, e);
	}
	if (r == -EPROTO)
		r = refuse_header(e, lin, l.refused);
	if (r < 0)
		goto out;
	msg_what(e, "add devices to %s", v->name);
	vol_step_done(env, "sets-crypt");
	r = record_set(env, &l, &s, k, lin, e);
	if (r < 0)
		goto out;
	mapper_path(v->name, mp, sizeof(mp));
	r = luks_sizes(&l, v->name, &now, &max);
	if (!r && now < max)
		r = luks_resize(&l, v->name, -1, NULL, 0);
	if (r < 0) {
		r = msg_why(e, r, "cannot resize %s: %s", mp, strerror(-r));
		goto out;
	}
	vol_say(env, MSG_INFO, "%s: %s grew from %s to %s (%u stripe sets)",
		v->name, mp, gib(now / 512, a, sizeof(a)),
		gib(max / 512, b, sizeof(b)), s.n + 1);
	vol_step_done(env, "sets-resize");
	r = mapping_mounted(v);
	if (r > 0) {
		r = fs_grow(mp, v->mountpoint, fstype_of(v));
		if (r < 0) {
			r = msg_why(e, r,
				    "cannot grow the %s file system on %s: %s "
				    "(luks-setup --add-devices again with the "
				    "same devices finishes)",
				    fstype_of(v), v->mountpoint,
				    r == -ENOENT ? "its tool is not installed"
						 : strerror(-r));
			goto out;
		}
		vol_say(env, MSG_INFO, "%s: the %s file system on %s grew",
			v->name, fstype_of(v), v->mountpoint);
	}
	r = VOL_DONE_GROWN;
out:
	luks_fini(&l);
	return r;
}
