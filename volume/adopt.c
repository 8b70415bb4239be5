/* adopt.c - disks restored from a snapshot of a volume made a volume of
 * their own (luks-setup --adopt NEWNAME DEV...), beside the original.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: volume.h (vol_adopt), internal.h, block/md.h, crypto/luks.h,
 *      kms/token.h, docs/design.md "Restoring beside the original".
 *
 * A copy shares every identity with its original: the md set UUID, the
 * LUKS UUID (the KMS context of its tokens), the file system's UUID. Each
 * is replaced, in an order where a cut anywhere leaves disks that are
 * either still a copy or already the new volume, and a rerun finishes:
 *   1. md: each member's superblock gets the new set UUID and NEWNAME (one
 *      4 KiB write each, every other byte kept); a rerun takes the set UUID of the members that
 *      carry NEWNAME already and renames the rest;
 *   2. LUKS: the header saved; aws-kms tokens that name another UUID (left
 *      by a cut run) removed; per token, KMS ReEncrypt to the context of a
 *      fresh UUID, proven (Decrypt, unlock), added beside the old one; the
 *      UUID changed (one write); the old tokens removed;
 *   3. the file system gets a new UUID (through /dev/mapper/NEWNAME);
 *   4. the label NEWNAME (one write): adopted. Until then a rerun does 2-4
 *      again from whichever UUID the header has.
 * The original is never written: a device in use (held by an array or a
 * mapping, mounted) is refused, and nothing here writes a device that
 * was not named.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "block/fs.h"
#include "crypto/luks.h"
#include "crypto/secret.h"
#include "kms/errors.h"
#include "kms/kms.h"
#include "kms/token.h"
#include "lib/io.h"
#include "lib/msg.h"
#include "lib/proc.h"
#include "lib/uuid.h"
#include "volume/internal.h"

struct adopt {
	const struct vol_env *env;
	const char *name;
	const struct vol_devs *d;
	struct md_member *m; /* d->n of them, for a RAID0 */
	uint8_t set[UUID_BYTES];
	int renamed; /* members carrying NAME already */
	struct md_array arr;
	char target[TAB_PATH];
	char mnt[TAB_PATH]; /* where an xfs log is replayed */
	struct luks l;
	struct luks_info li;
	struct kms_token *t; /* scratch */
	char *json;
	unsigned char *secret; /* opens keyslot slot */
	int slen, slot;
};

static void step(struct adopt *a, const char *name)
{
	vol_step_done(a->env, name);
}

/* Our own leftovers of a run killed with the array or the mapping open:
 * closed (what else is named NAME is refused). */
static int leftovers(struct adopt *a, struct msg_error *e)
{
	char dev[TAB_PATH], link[TAB_PATH];
	struct md_array arr;
	int r, ours = 0;

	if (a->renamed == (int)a->d->n && a->d->n > 1 &&
	    md_find_running(a->set, &arr) == 1)
		ours = 1;
	r = luks_is_active(a->name, NULL);
	if (r > 0 && !luks_active_device(a->name, dev, sizeof(dev))) {
		if (!(ours && rdev_of(dev) == rdev_of(arr.dev)) &&
		    !(a->d->n == 1 && rdev_of(dev) == rdev_of(a->d->path[0])))
			return msg_why(e, -EEXIST,
				       "/dev/mapper/%s exists (on %s): choose "
				       "another name",
				       a->name, dev);
		fs_umount(a->mnt);
		r = luks_deactivate(a->name);
		if (r < 0)
			return msg_why(e, r,
				       "/dev/mapper/%s (left open by an "
				       "interrupted --adopt) cannot be closed: "
				       "%s",
				       a->name, strerror(-r));
	}
	if (ours)
		return md_stop(arr.dev, e);
	snprintf(link, sizeof(link), "/dev/md/%s", a->name);
	if (!access(link, F_OK))
		return msg_why(e, -EEXIST, "%s exists: choose another name",
			       link);
	return 0;
}

/* Is every device free: not held (by an array or a mapping: the original
 * is open), not mounted, not the root disk? */
static int unused(struct adopt *a, struct msg_error *e)
{
	struct probe_sys s;
	char name[64], why[256];
	unsigned i;
	int r;

	for (i = 0; i < a->d->n; i++) {
		r = probe_dev_name(sys_of(a->env, &s), a->d->path[i], name,
				   sizeof(name));
		if (!r)
			r = probe_in_use(&s, name, why, sizeof(why));
		if (r < 0)
			return msg_why(e, r,
				       "%s: cannot tell whether it is in "
				       "use: %s",
				       a->d->path[i], strerror(-r));
		/* Refused for good (not -EBUSY: waiting would not help). */
		if (r)
			return msg_why(e, -EPERM,
				       "%s is in use (%s): --adopt takes the "
				       "devices restored from a snapshot, "
				       "never the open original's",
				       a->d->path[i], why);
	}
	return 0;
}

/* Does the array's data start with the LUKS2 header of a ready luksbox
 * volume (the binary header's magic, version and subsystem), read from
 * the member in slot 0 before any md write? The full check, policy
 * included, comes once the array is assembled. */
static int luks_inside(const struct md_member *m, unsigned n)
{
	unsigned char b[256];
	unsigned i;
	int fd, r;

	for (i = 0; i < n && md_sb_role(&m[i].sb); i++)
		;
	if (i == n)
		return 0;
	fd = open(m[i].path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	r = pread(fd, b, sizeof(b), (off_t)(m[i].sb.data_offset << 9)) ==
		    sizeof(b) &&
	    !memcmp(b, "LUKS\xba\xbe\0\2", 8) &&
	    !memcmp(b + 208, LUKS_SUBSYSTEM_READY,
		    sizeof(LUKS_SUBSYSTEM_READY));
	close(fd);
	return r;
}

/* The members of the copy, read and checked as one array (with the set
 * UUID and name they will have). */
static int md_read(struct adopt *a, struct msg_error *e)
{
	struct md_member *c = calloc(a->d->n, sizeof(*c));
	uint8_t old[UUID_BYTES];
	int fd, r = c ? 0 : -ENOMEM, nold = 0;
	unsigned i;

	for (i = 0; !r && i < a->d->n; i++) {
		snprintf(a->m[i].path, sizeof(a->m[i].path), "%s",
			 a->d->path[i]);
		fd = md_open_member(a->d->path[i], O_RDONLY, &a->m[i].sectors,
				    &a->m[i].devno);
		r = fd < 0 ? fd : md_read_sb(fd, a->m[i].sectors, &a->m[i].sb);
		if (fd >= 0)
			close(fd);
		if (r)
			r = msg_why(e, r < 0 ? r : -EINVAL,
				    "%s holds no md superblock we can read "
				    "(%s): is it a member of a luksbox RAID0?",
				    a->d->path[i],
				    strerror(r < 0 ? -r : EINVAL));
		else if (md_name_matches(&a->m[i].sb, a->name))
			memcpy(a->set, a->m[i].sb.set_uuid, UUID_BYTES);
		else if (nold++ && memcmp(old, a->m[i].sb.set_uuid, UUID_BYTES))
			r = msg_why(e, -EINVAL,
				    "%s and another device are members of "
				    "two arrays",
				    a->d->path[i]);
		else
			memcpy(old, a->m[i].sb.set_uuid, UUID_BYTES);
	}
	a->renamed = (int)a->d->n - nold;
	if (!r && !a->renamed)
		r = uuid_random(a->set);
	for (i = 0; !r && i < a->d->n; i++) {
		c[i] = a->m[i];
		if (md_name_matches(&c[i].sb, a->name) &&
		    memcmp(c[i].sb.set_uuid, a->set, UUID_BYTES))
			r = msg_why(e, -EINVAL,
				    "%s is a member of another array named %s",
				    a->d->path[i], a->name);
		memcpy(c[i].sb.set_uuid, a->set, UUID_BYTES);
		snprintf(c[i].sb.set_name, sizeof(c[i].sb.set_name), "%s",
			 a->name);
	}
	if (!r)
		r = md_check_members(c, a->d->n, e);
	if (!r && !luks_inside(a->m, a->d->n))
		r = msg_why(e, -EINVAL,
			    "its array holds no ready luksbox volume (LUKS2 "
			    "subsystem luksbox); nothing was changed");
	free(c);
	return r == -ENOMEM ? msg_why(e, r, "out of memory") : r;
}

/* Step 1: the members not renamed yet get the set UUID and NAME. */
static int md_rename(struct adopt *a, struct msg_error *e)
{
	const char *devs[VOL_MAX_DEVS];
	char u[UUID_MD_TEXT];
	unsigned i;
	int fd, r = 0;

	for (i = 0; i < a->d->n; i++) {
		devs[i] = a->d->path[i];
		fd = md_open_member(devs[i], O_RDWR | O_EXCL, &a->m[i].sectors,
				    &a->m[i].devno);
		r = fd < 0 ? fd
			   : md_rename_sb(fd, a->m[i].sectors, a->set, a->name);
		if (fd >= 0)
			close(fd);
		if (r)
			return msg_why(e, r,
				       "cannot rewrite the md superblock of "
				       "%s: %s (run --adopt again)",
				       devs[i], strerror(-r));
		step(a, "adopt-md");
	}
	uuid_text_md(a->set, u);
	vol_say(a->env, MSG_INFO, "%s: md array UUID %s on %u members", a->name,
		u, a->d->n);
	{
		struct md_ident id = {.has_uuid = 1, .name = a->name};

		memcpy(id.uuid, a->set, UUID_BYTES);
		r = md_assemble(&id, devs, a->d->n, 0, &a->arr, e);
	}
	if (!r)
		snprintf(a->target, sizeof(a->target), "%s", a->arr.dev);
	return r;
}

/* Token I of the header: 0 one of ours (names the header's UUID), 1 an
 * aws-kms token naming another UUID (a cut run's), -ENOENT none, other
 * -errno a token we leave alone. */
static int token_kind(struct adopt *a, int i)
{
	char why[400];
	const char *field;
	int r = vol_token_read(&a->li, &a->l, i, a->t, why, sizeof(why));

	if (r != -EINVAL)
		return r;
	if (luks_token_get(&a->l, i, &field) ||
	    token_decode(field, strlen(field), a->t, &field))
		return r;
	return 1;
}

/* KMS ReEncrypt of A->t to the context that names UUID, proven by Decrypt
 * and an unlock, then added as a new token. */
static int rewrap(struct adopt *a, int i, const char *uuid, struct msg_error *e)
{
	struct kms_context x, dx;
	struct msg_error ae = {0};
	size_t k;
	int n, r;

	if (token_kms_context(a->t, &x))
		return msg_why(e, -E2BIG, "token %d: context too large", i);
	dx = x;
	for (k = 0; k < x.n; k++)
		if (!strcmp(x.key[k], TOKEN_CONTEXT_VOLUME))
			dx.value[k] = uuid;
	n = kms_reencrypt(a->env->aws, a->t->key_id, a->t->region, &x, &dx,
			  a->t->blob, a->t->blob_len, a->t->blob,
			  sizeof(a->t->blob), NULL, 0);
	if (n < 0) {
		aws_error_msg(&a->env->aws->error, &ae);
		return msg_why(e, n, "KMS ReEncrypt of token %d (%s): %s", i,
			       a->t->key_id, ae.why);
	}
	a->t->blob_len = (size_t)n;
	for (k = 0; k < a->t->ncontext; k++)
		if (!strcmp(a->t->ckey[k], TOKEN_CONTEXT_VOLUME))
			snprintf(a->t->cval[k], sizeof(a->t->cval[k]), "%s",
				 uuid);
	n = vol_token_unwrap(a->env, a->t, a->secret, VOL_SECRET_CAP, &ae);
	r = n < 0 ? n : luks_verify(&a->l, a->t->keyslot, a->secret, (size_t)n);
	if (r < 0)
		return msg_why(e, r,
			       "the re-wrapped token %d (%s) does not open "
			       "keyslot %d: %s",
			       i, a->t->key_id, a->t->keyslot,
			       n < 0 ? ae.why : strerror(-r));
	a->slen = n;
	a->slot = a->t->keyslot;
	r = token_encode(a->t, a->json, TOKEN_JSON_MAX);
	if (r >= 0)
		r = luks_token_add(&a->l, a->json);
	if (r < 0)
		return msg_why(e, r, "cannot add the re-wrapped token %d: %s",
			       i, strerror(-r));
	vol_say(a->env, MSG_INFO,
		"%s: token %d (%s) re-wrapped for UUID %s as token %d", a->name,
		i, a->t->key_id, uuid, r);
	step(a, "adopt-token");
	return 0;
}

static int reload(struct adopt *a, struct msg_error *e)
{
	int r;

	luks_fini(&a->l);
	r = luks_load(&a->l, a->target);
	if (r == -EPROTO)
		return refuse_header(e, a->target, a->l.refused);
	if (!r)
		r = luks_info(&a->l, &a->li);
	if (r < 0)
		return msg_why(e, r, "cannot read the LUKS header of %s: %s",
			       a->target, strerror(-r));
	if (a->li.policy < 0)
		return refuse_header(e, a->target, a->li.refused);
	if (a->li.state != LUKS_STATE_READY)
		return msg_why(e, -EINVAL,
			       "%s holds no ready luksbox volume: --adopt "
			       "takes a copy of one",
			       a->target);
	return 0;
}

/* Step 2: the tokens to a fresh UUID, the UUID, the old tokens out. */
static int luks_adopt(struct adopt *a, struct msg_error *e)
{
	uint32_t mine = 0;
	uint8_t u[UUID_BYTES];
	char uuid[UUID_TEXT], why[160] = "";
	struct vol_sets sets;
	int i, r, n = 0, toks = 0;

	/* Added stripe sets are found by md UUID at open: a copy's sets
	 * carry the original's UUIDs, so an adopted volume would be joined
	 * over the original's running sets. Refused until sets are adopted
	 * too. */
	r = sets_read(&a->l, &sets, why, sizeof(why));
	if (r < 0 || sets.n)
		return msg_why(e, r < 0 ? r : -EOPNOTSUPP,
			       "%s: %s; nothing was changed past the md "
			       "superblocks",
			       a->target,
			       r < 0 ? why
				     : "the volume was grown by stripe sets "
				       "(--add-devices), which --adopt does "
				       "not re-identify yet");

	for (i = 0; i < luks_token_max() && i < 32; i++) {
		r = token_kind(a, i);
		if (!r) {
			mine |= 1u << i;
			n++;
		}
		toks += r != -ENOENT && r != 1;
	}
	if (!n)
		return msg_why(e, -ENOKEY,
			       "%s has no aws-kms token for its UUID %s to "
			       "re-wrap",
			       a->target, a->li.uuid);
	if (toks + n > LUKS_POLICY_MAX_TOKENS)
		return msg_why(e, -E2BIG,
			       "its header has %d tokens, and the %d aws-kms "
			       "ones need a new one each beside them: more "
			       "than the %d a luksbox header holds; remove a "
			       "key of the original first (luks-setup "
			       "--remove-key), then snapshot again",
			       toks, n, LUKS_POLICY_MAX_TOKENS);
	r = vol_header_backup(a->env, a->name, "", &a->l, e);
	if (r)
		return r;
	step(a, "adopt-backup");
	for (i = 0; i < luks_token_max(); i++) {
		if (token_kind(a, i) != 1)
			continue;
		r = luks_token_remove(&a->l, i);
		if (r < 0)
			return msg_why(e, r, "cannot remove token %d: %s", i,
				       strerror(-r));
		vol_say(a->env, MSG_INFO,
			"%s: removed token %d (for UUID %s: left by an "
			"interrupted --adopt)",
			a->name, i, token_context(a->t, TOKEN_CONTEXT_VOLUME));
	}
	r = uuid_random(u);
	if (r)
		return msg_why(e, r, "cannot make a UUID: getrandom failed");
	uuid_text(u, uuid);
	for (i = 0; i < 32; i++) {
		if (!(mine >> i & 1))
			continue;
		r = token_kind(a, i) ? -EIO : rewrap(a, i, uuid, e);
		if (r)
			return e->why[0] ? r : msg_why(e, r, "token %d?", i);
	}
	r = luks_set_uuid(&a->l, uuid);
	if (r < 0)
		return msg_why(e, r,
			       "cannot set the LUKS UUID: %s (run "
			       "--adopt again)",
			       strerror(-r));
	vol_say(a->env, MSG_INFO, "%s: LUKS UUID %s (was %s)", a->name, uuid,
		a->li.uuid);
	step(a, "adopt-uuid");
	for (i = 0; i < 32; i++) {
		if (!(mine >> i & 1))
			continue;
		r = luks_token_remove(&a->l, i);
		if (r < 0)
			return msg_why(e, r,
				       "cannot remove the old token %d: "
				       "%s (run --adopt again)",
				       i, strerror(-r));
	}
	step(a, "adopt-old-token");
	return reload(a, e);
}

/* Step 3: the file system's UUID, through the mapping (tune2fs, xfs_admin
 * run as mkfs is: no shell). A snapshot of a mounted file system needs
 * its journal replayed first: e2fsck for ext4 (tune2fs -U also wants a
 * freshly checked file system), a mount for xfs (nouuid: the original is
 * mounted with the same UUID). */
static int fs_adopt(struct adopt *a, struct msg_error *e)
{
	char dev[TAB_PATH], *fsck[] = {"e2fsck", "-f", "-p", dev, NULL};
	char *tune[] = {"tune2fs", "-U", "random", dev, NULL};
	char *xadm[] = {"xfs_admin", "-U", "generate", dev, NULL};
	struct probe_result *p = calloc(1, sizeof(*p));
	int r, st = 0, ext;

	mapper_path(a->name, dev, sizeof(dev));
	r = p ? luks_activate(&a->l, a->name, a->slot, a->secret,
			      (size_t)a->slen)
	      : -ENOMEM;
	secret_wipe(a->secret, VOL_SECRET_CAP);
	if (r == -EPROTO)
		r = refuse_header(e, a->target, a->l.refused);
	else if (r < 0)
		r = msg_why(e, r, "cannot open %s: %s", dev, strerror(-r));
	if (r < 0)
		goto out_free;
	r = probe_signatures(dev, p);
	ext = !r && p->n && p->sig[0].kind == PROBE_EXT;
	if (r || !p->n ||
	    (p->sig[0].kind != PROBE_EXT && p->sig[0].kind != PROBE_XFS)) {
		vol_say(a->env, MSG_WARN,
			"%s: no ext4 or xfs file system on %s: its UUID is "
			"left as it is",
			a->name, dev);
		r = 0;
		goto out_close;
	}
	if (ext) {
		r = proc_run(fsck, 0, &st);
		/* 1: errors corrected (a replayed journal counts). */
		if (r == -ECHILD && WIFEXITED(st) && WEXITSTATUS(st) == 1)
			r = 0;
		if (!r)
			r = proc_run(tune, 0, NULL);
	} else {
		mkdir("/run/luksbox", 0700);
		r = mkdir(a->mnt, 0700) && errno != EEXIST ? -errno : 0;
		if (!r)
			r = fs_mount(dev, a->mnt, "xfs", "nouuid");
		if (!r)
			r = fs_umount(a->mnt);
		rmdir(a->mnt);
		if (!r)
			r = proc_run(xadm, 0, NULL);
	}
	if (r < 0) {
		r = msg_why(e, r,
			    "cannot give the %s file system on %s a new UUID "
			    "(%s): %s (is %s installed? run --adopt again)",
			    ext ? "ext4" : "xfs", dev,
			    ext ? "e2fsck -f -p, tune2fs -U random"
				: "mount -o nouuid, xfs_admin -U generate",
			    strerror(-r), ext ? "e2fsprogs" : "xfsprogs");
		goto out_close;
	}
	vol_say(a->env, MSG_INFO, "%s: new %s file system UUID", a->name,
		ext ? "ext4" : "xfs");
	step(a, "adopt-fs");
out_close:
	luks_deactivate(a->name);
out_free:
	free(p);
	return r;
}

int vol_adopt(const struct vol_env *env, const char *name,
	      const struct vol_devs *d, struct msg_error *e)
{
	struct adopt *a = calloc(1, sizeof(*a));
	struct msg_error se;
	int r;

	memset(e, 0, sizeof(*e));
	msg_what(e, "adopt %s as %s", d->path[0], name);
	if (!a || !(a->m = calloc(d->n, sizeof(*a->m))) ||
	    !(a->t = malloc(sizeof(*a->t))) ||
	    !(a->json = malloc(TOKEN_JSON_MAX)) ||
	    !(a->secret = secret_alloc(env->arena, VOL_SECRET_CAP))) {
		r = msg_why(e, -ENOMEM, "out of memory");
		goto out_free;
	}
	a->env = env;
	a->name = name;
	a->d = d;
	snprintf(a->mnt, sizeof(a->mnt), "/run/luksbox/adopt-%s", name);
	snprintf(a->target, sizeof(a->target), "%s", d->path[0]);
	r = d->n > 1 && md_name_valid(name)
		    ? msg_why(e, -EINVAL,
			      "a RAID0 volume's name is also its array's: at "
			      "most 31 of A-Z a-z 0-9 . _ -")
		    : 0;
	if (!r && d->n > 1)
		r = md_read(a, e);
	if (!r)
		r = leftovers(a, e);
	if (!r)
		r = unused(a, e);
	if (!r && d->n > 1)
		r = md_rename(a, e);
	if (!r)
		r = reload(a, e);
	if (!r && !strcmp(a->li.label, name)) {
		vol_say(env, MSG_INFO, "%s: adopted already (LUKS UUID %s)",
			name, a->li.uuid);
		r = VOL_DONE_NOTHING;
		goto out_close;
	}
	if (!r)
		r = luks_adopt(a, e);
	if (!r)
		r = fs_adopt(a, e);
	if (!r)
		r = luks_set_label(&a->l, name);
	if (r < 0 && !e->why[0])
		r = msg_why(e, r,
			    "cannot set the LUKS label: %s (run --adopt "
			    "again)",
			    strerror(-r));
	if (!r) {
		step(a, "adopt-label");
		vol_say(env, MSG_INFO,
			"%s: adopted: LUKS UUID %s; add a table line for it",
			name, a->li.uuid);
		r = VOL_DONE_PROVISIONED;
	}
out_close:
	luks_fini(&a->l);
	if (a->arr.dev[0] && md_stop(a->arr.dev, &se))
		vol_say(env, MSG_WARN, "%s: cannot stop %s: %s", name,
			a->arr.dev, se.why);
out_free:
	if (a) {
		if (a->secret)
			secret_wipe(a->secret, VOL_SECRET_CAP);
		if (a->t)
			secret_wipe(a->t, sizeof(*a->t));
		free(a->t);
		free(a->json);
		free(a->m);
	}
	free(a);
	return r;
}
