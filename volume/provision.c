/* provision.c - provision a volume, crash-safe: refuse what is in use or
 * holds data, redo a half-made one, RAID0, KMS data keys, LUKS2 with the
 * aws-kms tokens, optional wipe, mkfs, and "ready" before the first mount.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: volume.h (the order, and why it is crash-safe), internal.h,
 *      docs/design.md "On-disk contract", cryptsetup(8) (what a stock
 *      cryptsetup user can do with the result), md(4).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "block/fs.h"
#include "block/inuse.h"
#include "block/md.h"
#include "block/probe.h"
#include "crypto/luks.h"
#include "crypto/secret.h"
#include "kms/kms.h"
#include "kms/token.h"
#include "lib/io.h"
#include "lib/uuid.h"
#include "volume/internal.h"

enum {
	WIPE_CHUNK = 1024 * 1024, /* --wipe writes this much at a time */
};

/* The header policy counts what luks-setup makes: one keyslot and token
 * per KMS key and for the SSM parameter, and a recovery keyslot. */
_Static_assert((int)TAB_MAX_KEYS + 1 <= (int)LUKS_POLICY_MAX_WAYS,
	       "crypto/luks_policy.h would refuse a volume luks-setup makes");

/* Kernel >= 5.9 keeps no_read/no_write_workqueue as dm-crypt flags. */
static int kernel_has_perf_flags(void)
{
	struct utsname u;
	unsigned maj = 0, min = 0;

	if (uname(&u) < 0 || sscanf(u.release, "%u.%u", &maj, &min) != 2)
		return 0;
	return maj > 5 || (maj == 5 && min >= 9);
}

/* One KMS key's share of a new volume. */
struct wrapped {
	unsigned char *secret; /* SECRET_BYTES, in the arena */
	struct kms_token tok;
};

/* Check every device: never in use; blank (probe_blank()) unless forced:
 * content we cannot name (random data, a raw database) is data too. */
static int check_devices(const struct vol_env *env, const struct tab_volume *v,
			 const struct vol_devs *d, struct msg_error *e)
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
			return msg_why(e, r, "%s: %s", d->path[i],
				       strerror(-r));
		r = probe_in_use(&s, name, w, sizeof(w));
		if (r < 0)
			return msg_why(e, r,
				       "%s: cannot tell whether it is in "
				       "use: %s",
				       d->path[i], strerror(-r));
		/* Refused for good (not -EBUSY: waiting would not help). */
		if (r)
			return msg_why(e, -EPERM,
				       "%s is in use (%s); nothing was changed",
				       d->path[i], w);
		r = probe_blank(d->path[i], &pr);
		if (r < 0)
			return msg_why(e, r, "cannot read %s: %s", d->path[i],
				       strerror(-r));
		if (r)
			continue;
		probe_describe(&pr, desc, sizeof(desc));
		if (!env->force)
			return msg_why(
				e, -EEXIST,
				"%s holds %s; nothing was changed. If its "
				"contents may be destroyed, run again with "
				"--force",
				d->path[i], desc);
		vol_say(env, MSG_WARN,
			"%s: --force: DESTROYING what %s holds (%s)", v->name,
			d->path[i], desc);
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
	/* Whole or an error: a short write would leave a signature. */
	err = lseek(fd, 0, SEEK_SET) < 0
		      ? -errno
		      : io_write_all(fd, zero, size < mib ? size : mib);
	if (!err && size > 2 * mib)
		err = lseek(fd, (off_t)(size - mib), SEEK_SET) < 0
			      ? -errno
			      : io_write_all(fd, zero, mib);
	if (!err && fsync(fd) < 0)
		err = -errno;
	free(zero);
	close(fd);
	return err;
}

/* One secret per KMS key, wrapped with the volume's encryption context. */
static int wrap_secrets(const struct vol_env *env, const struct tab_volume *v,
			const char *uuid, struct wrapped *w,
			struct msg_error *e)
{
	struct kms_context ctx;
	size_t k;
	int r = vol_context(v, uuid, &ctx, e);

	for (k = 0; !r && k < v->nkeys; k++) {
		w[k].secret = secret_alloc(env->arena, SECRET_BYTES);
		if (!w[k].secret)
			return msg_why(e, -ENOMEM, "secret memory full");
		r = vol_new_token(env, v, &v->keys[k], &ctx, &w[k].tok,
				  w[k].secret, e);
	}
	return r;
}

/* Overwrite the open mapping with zeros (encrypted on the way down). */
static int wipe_mapping(const struct vol_env *env, const char *path,
			struct msg_error *e)
{
	unsigned long long total, done = 0;
	unsigned char *buf;
	int fd, err = 0;
	off_t end;

	fd = open(path, O_WRONLY | O_CLOEXEC | O_DIRECT);
	if (fd < 0)
		return msg_why(e, -errno, "cannot open %s to wipe it: %s", path,
			       strerror(errno));
	end = lseek(fd, 0, SEEK_END);
	total = end > 0 ? (unsigned long long)end : 0;
	lseek(fd, 0, SEEK_SET);
	if (posix_memalign((void **)&buf, 4096, WIPE_CHUNK)) {
		close(fd);
		return msg_why(e, -ENOMEM, "no memory for the wipe buffer");
	}
	memset(buf, 0, WIPE_CHUNK);
	while (done < total) {
		size_t n = total - done < WIPE_CHUNK ? (size_t)(total - done)
						     : WIPE_CHUNK;

		err = io_write_all(fd, buf, n);
		if (err)
			break;
		done += n;
		if (env->progress.fn)
			env->progress.fn(env->progress.arg, done, total);
	}
	if (!err && fdatasync(fd) < 0)
		err = -errno;
	free(buf);
	close(fd);
	if (err)
		return msg_why(e, err,
			       "wiping %s failed after %llu of %llu bytes: "
			       "%s",
			       path, done, total, strerror(-err));
	return 0;
}

/* The header of L to ENV->header_backup, a new file (libcryptsetup
 * creates it O_EXCL, readable by root alone): -EEXIST when it is there. */
static int save_header(const struct vol_env *env, const struct tab_volume *v,
		       struct luks *l, struct msg_error *e)
{
	int r = luks_header_backup(l, env->header_backup);

	if (r < 0)
		return msg_why(e, r, "cannot back the header up to %s: %s",
			       env->header_backup, strerror(-r));
	vol_say(env, MSG_INFO, "%s: LUKS header saved to %s", v->name,
		env->header_backup);
	return 0;
}

/* An existing volume's header on DEV to ENV->header_backup (luks-setup
 * --header-backup run again on a volume that is already made). */
static int save_existing_header(const struct vol_env *env,
				const struct tab_volume *v, const char *dev,
				struct msg_error *e)
{
	struct luks l = {0};
	int r = luks_load(&l, dev);

	if (r < 0)
		return msg_why(e, r, "cannot read the LUKS header on %s: %s",
			       dev, strerror(-r));
	r = save_header(env, v, &l, e);
	luks_fini(&l);
	return r;
}

/* Format TARGET and finish the volume. Secrets come from W (one per key). */
static int make_volume(const struct vol_env *env, const struct tab_volume *v,
		       const char *target, struct wrapped *w, int ssm_overwrite,
		       struct msg_error *e)
{
	struct luks_format_params fp = {0};
	struct luks l = {0};
	char uuid[UUID_TEXT], json[TOKEN_JSON_MAX], mp[128];
	uint8_t u[UUID_BYTES];
	unsigned char *first = NULL, *ssm = NULL; /* a secret that opens it */
	size_t k;
	int r, slot, first_slot = -1;

	r = uuid_random(u);
	if (r)
		return msg_why(e, r, "cannot make a UUID: getrandom failed");
	uuid_text(u, uuid);
	r = wrap_secrets(env, v, uuid, w, e);
	if (r)
		return r;
	vol_step_done(env, "kms");
	fp.uuid = uuid;
	fp.label = v->name;
	fp.sector_size = v->sector_size;
	fp.perf_flags = !v->no_perf_flags && kernel_has_perf_flags();
	fp.discard = v->discard;
	if (!v->no_perf_flags && !fp.perf_flags)
		vol_say(env, MSG_INFO,
			"%s: kernel older than 5.9: no_read/no_write_workqueue "
			"flags not stored",
			v->name);
	vol_say(env, MSG_INFO,
		"%s: formatting %s as LUKS2 (aes-xts-plain64, "
		"512-bit key, UUID %s)",
		v->name, target, uuid);
	r = luks_format(&l, target, &fp);
	if (r < 0)
		return msg_why(e, r, "LUKS2 format of %s failed: %s", target,
			       strerror(-r));
	vol_step_done(env, "format");
	for (k = 0; k < v->nkeys; k++) {
		slot = luks_add_secret_slot(&l, NULL, 0, w[k].secret,
					    SECRET_BYTES);
		if (slot < 0) {
			r = msg_why(e, slot, "cannot add a keyslot: %s",
				    strerror(-slot));
			goto out_fini;
		}
		w[k].tok.keyslot = slot;
		r = token_encode(&w[k].tok, json, sizeof(json));
		if (r >= 0)
			r = luks_token_add(&l, json);
		if (r < 0) {
			r = msg_why(e, r, "cannot store the aws-kms token: %s",
				    strerror(-r));
			goto out_fini;
		}
		vol_say(env, MSG_INFO,
			"%s: keyslot %d (PBKDF2, 1000 iterations) "
			"with aws-kms token %d for %s",
			v->name, slot, r, w[k].tok.key_id);
	}
	vol_step_done(env, "keyslots");
	if (v->nkeys) {
		first = w[0].secret;
		first_slot = w[0].tok.keyslot;
	}
	if (v->ssm_param[0]) {
		r = vol_ssm_add(env, v, &l, uuid, ssm_overwrite, &ssm, e);
		if (r < 0)
			goto out_fini;
		if (!first) {
			first = ssm;
			first_slot = r;
		}
	}
	if (v->recovery[0]) {
		r = add_recovery(env, v, &l, first, e);
		if (r)
			goto out_fini;
	}
	if (v->blob_file[0]) {
		/* Replaced whole or not at all, and synced, whatever cuts the
		 * setup short: the blob file of a volume made afresh. */
		r = io_write_replace(v->blob_file, w[0].tok.blob,
				     w[0].tok.blob_len, -1, 0600);
		if (r) {
			r = msg_why(e, r, "cannot write the blob file %s: %s",
				    v->blob_file, strerror(-r));
			goto out_fini;
		}
		vol_say(env, MSG_INFO, "%s: KMS blob also written to %s",
			v->name, v->blob_file);
	}
	if (env->header_backup) {
		r = save_header(env, v, &l, e);
		if (r < 0)
			goto out_fini;
	}
	r = luks_activate(&l, v->name, first_slot, first, SECRET_BYTES);
	if (r == -EPROTO) {
		r = refuse_header(e, target, l.refused);
		goto out_fini;
	}
	if (r < 0) {
		r = msg_why(e, r, "cannot open %s as /dev/mapper/%s: %s",
			    target, v->name, strerror(-r));
		goto out_fini;
	}
	r = 0;
	vol_step_done(env, "open");
	if (env->wipe) {
		vol_say(env, MSG_INFO,
			"%s: wiping (writing encrypted zeros over "
			"the whole device)",
			v->name);
		r = wipe_mapping(env, mapper_path(v->name, mp, sizeof(mp)), e);
		if (r)
			goto out_fini;
	}
	vol_say(env, MSG_INFO, "%s: mkfs.%s on /dev/mapper/%s", v->name,
		fstype_of(v), v->name);
	r = fs_mkfs(mapper_path(v->name, mp, sizeof(mp)), fstype_of(v), v->name,
		    v->mkfs_opts[0] ? v->mkfs_opts : NULL);
	if (r < 0) {
		r = msg_why(e, r, "mkfs.%s on %s failed%s", fstype_of(v), mp,
			    r == -ENOENT ? ": the program is not installed"
					 : " (its messages are above)");
		goto out_fini;
	}
	vol_step_done(env, "mkfs");
	r = luks_set_ready(&l);
	if (r < 0) {
		r = msg_why(e, r, "cannot mark the header ready: %s",
			    strerror(-r));
		goto out_fini;
	}
	vol_step_done(env, "ready");
out_fini:
	luks_fini(&l);
	for (k = 0; k < v->nkeys; k++)
		if (w[k].secret)
			secret_wipe(w[k].secret, SECRET_BYTES);
	if (ssm)
		secret_wipe(ssm, SECRET_BYTES);
	if (r && luks_is_active(v->name, NULL) == 1)
		luks_deactivate(v->name);
	return r;
}

/*
 * The half-made state of this volume, which provisioning may redo: an
 * array of ours (named like the volume) holding nothing or a LUKS header
 * still "provisioning"; or a single device whose LUKS header, labelled
 * with the volume's name, is still "provisioning". Returns 1 (TARGET set:
 * redo), 2 (already provisioned: leave it; TARGET is its LUKS device),
 * 0 (not ours), or -errno.
 */
static int half_made(const struct vol_env *env, const struct tab_volume *v,
		     const struct vol_devs *d, char *target, size_t cap,
		     int quiet, struct msg_error *e)
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
		return msg_why(e, r, "cannot ask device-mapper about %s: %s",
			       v->name, strerror(-r));
	if (r == 1) {
		r = mapping_header(v, &li, odev, sizeof(odev), e);
		if (r < 0)
			return r;
		if (li.state == LUKS_STATE_READY) {
			vol_say(env, quiet ? MSG_DEBUG : MSG_INFO,
				"%s: already provisioned and open on %s (LUKS "
				"UUID %s); nothing changed",
				v->name, odev, li.uuid);
			snprintf(target, cap, "%s", odev);
			return 2;
		}
		if (li.state != LUKS_STATE_PROVISIONING)
			return msg_why(
				e, -EEXIST,
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
			vol_say(env, quiet ? MSG_DEBUG : MSG_INFO,
				"%s: already provisioned on %s (LUKS UUID %s); "
				"nothing changed",
				v->name, dev, li.uuid);
			return 2;
		}
		if (li.state == LUKS_STATE_PROVISIONING) {
			vol_say(env, MSG_WARN,
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
			vol_say(env, MSG_WARN,
				"%s: array %s of an interrupted setup is empty; "
				"continuing on it",
				v->name, dev);
			return 1;
		}
		if (r == 0)
			return msg_why(
				e, -EEXIST,
				"the RAID0 array %s named %s holds something "
				"(%s); nothing was changed",
				dev, v->name, w);
		return r;
	}
	return 0;
}

int vol_existing(const struct vol_env *env, const struct tab_volume *v,
		 const struct vol_devs *d, char *target, size_t cap,
		 struct msg_error *e)
{
	int r = half_made(env, v, d, target, cap, 1, e);

	if (r == 2 || r < 0)
		return r < 0 ? r : 0;
	if (r == 1)
		return msg_why(e, -EINVAL,
			       "%s holds a half-provisioned volume (setup was "
			       "interrupted); finish it first with: luks-setup "
			       "%s",
			       target, v->name);
	return msg_why(e, -ENOENT,
		       "no luksbox volume named %s on %s (make it first with "
		       "luks-setup)",
		       v->name, d->path[0]);
}

int vol_provision(const struct vol_env *env, const struct tab_volume *v,
		  const struct vol_devs *d, struct msg_error *e)
{
	const char *devs[VOL_MAX_DEVS];
	struct wrapped w[TAB_MAX_KEYS];
	struct md_create mc = {.name = v->name};
	struct md_array arr;
	struct msg_error me; /* md's, said after ours */
	char target[TAB_PATH];
	unsigned i;
	int r, overwrite = 0;

	memset(e, 0, sizeof(*e));
	memset(w, 0, sizeof(w));
	msg_what(e, "provision %s", v->name);
	if (d->n > 1 && md_name_valid(v->name))
		return msg_why(e, -EINVAL,
			       "a RAID0 volume's name is also its array's: at "
			       "most 31 of A-Z a-z 0-9 . _ -");
	if (env->header_backup && access(env->header_backup, F_OK) == 0)
		return msg_why(e, -EEXIST,
			       "the header backup file %s exists already; "
			       "choose another name",
			       env->header_backup);
	/* Before anything is written, not after the keyslots. */
	if (v->recovery[0] && strcmp(v->recovery, "prompt") &&
	    access(v->recovery, F_OK) == 0)
		return recovery_exists(v, e);
	r = half_made(env, v, d, target, sizeof(target), 0, e);
	if (r < 0)
		return r;
	/* Already made: a header backup asked for is still taken. */
	if (r == 2 && env->header_backup) {
		r = save_existing_header(env, v, target, e);
		if (r < 0)
			return r;
		return VOL_DONE_NOTHING;
	}
	if (r == 2)
		return VOL_DONE_NOTHING;
	/* Before anything is written: an existing parameter is refused,
	 * unless an interrupted run of this very volume wrote it. */
	if (v->ssm_param[0]) {
		int half = r;

		r = vol_ssm_check(env, v, half == 1 ? target : NULL, &overwrite,
				  e);
		if (r)
			return r;
		r = half;
	}
	if (r == 0) {
		r = check_devices(env, v, d, e);
		if (r)
			return r;
		for (i = 0; env->force && i < d->n; i++) {
			r = clear_edges(d->path[i]);
			if (r)
				return msg_why(e, r, "cannot clear %s: %s",
					       d->path[i], strerror(-r));
		}
		if (d->n > 1) {
			for (i = 0; i < d->n; i++)
				devs[i] = d->path[i];
			vol_say(env, MSG_INFO,
				"%s: creating RAID0 over %u devices", v->name,
				d->n);
			r = md_create(&mc, devs, d->n, 0, &arr, &me);
			if (r < 0)
				return msg_why(e, r,
					       "cannot create the RAID0 "
					       "array: %s",
					       me.why);
			snprintf(target, sizeof(target), "%s",
				 array_path(&arr));
			vol_step_done(env, "md");
		} else {
			snprintf(target, sizeof(target), "%s", d->path[0]);
		}
	}
	r = make_volume(env, v, target, w, overwrite, e);
	if (r)
		return r;
	r = mount_volume(env, v, e);
	if (r)
		return r;
	vol_step_done(env, "mount");
	return VOL_DONE_PROVISIONED;
}
