/* internal.h - what the volume sequences share: reporting, the devices and
 * their array, the mapping and its mount, the recovery slot, the SSM way in.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: volume.h (the API these serve); report.c, devices.c, mapping.c,
 *      recovery.c, ssm.c define what is declared here.
 *
 * Private to volume/: the applets and other modules use volume.h only.
 * Every function that fills a struct msg_error returns its -errno.
 */
#ifndef LUKSBOX_VOLUME_INTERNAL_H
#define LUKSBOX_VOLUME_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "block/inuse.h"
#include "block/md.h"
#include "block/probe.h"
#include "crypto/luks.h"
#include "volume/volume.h"

enum {
	SECRET_BYTES = 32,   /* per KMS key: GenerateDataKey's AES_256 */
	VOL_SECRET_CAP = 64, /* what a Decrypt answer may hold */
};

struct kms_context;
struct kms_token;

/* ---- report.c: what the caller hears ------------------------------------ */

/* One line to ENV's log callback (none: nothing), cut at 1023 bytes. */
void vol_say(const struct vol_env *env, enum msg_level lv, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Tell ENV's step callback (none: nothing) that step NAME is done. */
void vol_step_done(const struct vol_env *env, const char *name);

/* The LUKS header on DEV fails the policy (REFUSED, escaped already, says
 * where): -EPROTO with E saying so and what to do. */
int refuse_header(struct msg_error *e, const char *dev, const char *refused);

/* ---- keys.c ---------------------------------------------------------------- */

/* L's header saved before a change: to ENV->header_backup, else beside
 * BLOB_FILE (when it has a directory), else in /var/lib/luksbox (0700), as
 * NAME.header-TIME; never over a file. 0, or -errno with E filled. */
int vol_header_backup(const struct vol_env *env, const char *name,
		      const char *blob_file, struct luks *l,
		      struct msg_error *e);

/* ---- devices.c: the devices and their array ----------------------------- */

/* The device number of the block device node PATH, 0 when it is none. */
unsigned long rdev_of(const char *path);

/* S set up for probe_*() with ENV's sysfs root; returns S. */
const struct probe_sys *sys_of(const struct vol_env *env, struct probe_sys *s);

/* Are all devices of D blank (probe_blank())? 1; 0 with WHY_BUF (CAP
 * bytes) naming the first that is not and what it holds; or -errno. */
int all_blank(const struct vol_devs *d, char *why_buf, size_t cap);

/* V's RAID0 array over D, assembled (or found running). 1 with ARR filled;
 * 0 when the devices hold no array of that name; -errno with E filled. */
int our_array(const struct vol_env *env, const struct tab_volume *v,
	      const struct vol_devs *d, struct md_array *arr,
	      struct msg_error *e);

/* /dev/md/NAME of ARR, or its /dev/mdN when it has no such link. */
const char *array_path(const struct md_array *arr);

/* ---- mapping.c: /dev/mapper/NAME and its mount -------------------------- */

/* "/dev/mapper/NAME" in BUF (CAP bytes); returns BUF. */
const char *mapper_path(const char *name, char *buf, size_t cap);

/* Has V a mount point (neither empty nor "none")? 1 or 0. */
int has_mount(const struct tab_volume *v);

/* V's file system type; ext4 when the table names none. */
const char *fstype_of(const struct tab_volume *v);

/* Is the mapping of V mounted on its mount point? 1, 0 or -errno. */
int mapping_mounted(const struct tab_volume *v);

/* Mount the mapping of V on its mount point (none: nothing). 0 or -errno
 * with E filled. */
int mount_volume(const struct vol_env *env, const struct tab_volume *v,
		 struct msg_error *e);

/* The mapping of V is open: the LUKS header of the device under it (DEV,
 * CAP bytes) read afresh into LI. 0 when it is this volume's or a foreign
 * LUKS volume; -errno with E filled otherwise (nothing changed). */
int mapping_header(const struct tab_volume *v, struct luks_info *li, char *dev,
		   size_t cap, struct msg_error *e);

/* Close the open mapping of V, whose header on DEV says "provisioning",
 * unless it is or was ever mounted. 0 (closed), or -errno with E filled
 * (-EEXIST: it may hold data, left as it is). */
int close_half_made(const struct vol_env *env, const struct tab_volume *v,
		    const char *dev, struct msg_error *e);

/* ---- recovery.c: the recovery keyslot ----------------------------------- */

/* -EEXIST with E saying that V's recovery key file exists already. */
int recovery_exists(const struct tab_volume *v, struct msg_error *e);

/*
 * Add V's recovery keyslot to L, opened with SECRET (SECRET_BYTES, a
 * keyslot's): a passphrase typed twice (recovery=prompt; skipped with a
 * warning when ENV is not interactive), or a generated key written once
 * to the file V->recovery, which must not exist. 0 or -errno with E filled.
 */
int add_recovery(const struct vol_env *env, const struct tab_volume *v,
		 struct luks *l, const unsigned char *secret,
		 struct msg_error *e);

/* ---- provision.c ------------------------------------------------------- */

/* The LUKS device of V, provisioned and ready, on D (its array assembled
 * when need be) into TARGET (CAP bytes): 0, or -errno with E filled
 * (-ENOENT: not made; -EINVAL: half made; -EPROTO: header refused). */
int vol_existing(const struct vol_env *env, const struct tab_volume *v,
		 const struct vol_devs *d, char *target, size_t cap,
		 struct msg_error *e);

/* ---- tokens.c: the aws-kms tokens of a header -------------------------- */

/* V's encryption context for the volume UUID: luksbox:volume=UUID and
 * V's context= pairs (pointing into V and UUID). 0 or -EINVAL with E. */
int vol_context(const struct tab_volume *v, const char *uuid,
		struct kms_context *ctx, struct msg_error *e);

/* A new token for KMS key K: GenerateDataKey under CTX, its plaintext into
 * SECRET (SECRET_BYTES, in the arena), the blob, key ARN, region and
 * context into T (keyslot not set). 0 or -errno with E filled. */
int vol_new_token(const struct vol_env *env, const struct tab_volume *v,
		  const struct tab_key *k, const struct kms_context *ctx,
		  struct kms_token *t, unsigned char *secret,
		  struct msg_error *e);

/* Token I of L, decoded strictly into T and checked to belong to LI's
 * volume. 0; -ENOENT (free) or -EMEDIUMTYPE (not aws-kms): skip it;
 * -EINVAL with WHY (CAP bytes) saying what is wrong with it. */
int vol_token_read(const struct luks_info *li, struct luks *l, int i,
		   struct kms_token *t, char *why, size_t cap);

/* T's secret from KMS Decrypt into SECRET (CAP bytes): its length, or
 * -errno with E->why the AWS error. */
int vol_token_unwrap(const struct vol_env *env, const struct kms_token *t,
		     unsigned char *secret, size_t cap, struct msg_error *e);

/* What to do with a secret that a token gave: the keyslot it opened,
 * done; -EPERM it opens no keyslot (the next token is tried); -EPROTO the
 * header is refused (L->refused); another -errno with E filled stops. */
struct vol_use {
	int (*fn)(void *arg, struct luks *l, int token, int slot,
		  const unsigned char *secret, size_t n, struct msg_error *e);
	void *arg;
	uint32_t unreached; /* out: a bit per token (< 32) KMS did not answer */
};

/* Every aws-kms token of L (the header on TARGET, LI its info) but SKIP
 * (-1: none) in order, its secret from KMS handed to USE, until USE says
 * done: 0. Each token gets an equal share of the AWS deadline left (the
 * last all of it), so a region that does not answer leaves the next its
 * time. Else -errno with E filled: temporary when some token could not
 * reach KMS (a retry may succeed), permanent otherwise. */
int vol_unlock_tokens(const struct vol_env *env, const struct tab_volume *v,
		      const char *target, struct luks *l,
		      const struct luks_info *li, int skip, struct vol_use *use,
		      struct msg_error *e);

/* Every way into V's header L: its SSM parameter alone when V names no
 * KMS key; else the tokens as vol_unlock_tokens(), then (SSM set, and the
 * failure not -EPROTO) the SSM parameter, both failures said together,
 * temporary when either was. The boot path, growing and key changes
 * share this order. */
int vol_unlock_ways(const struct vol_env *env, const struct tab_volume *v,
		    const char *target, struct luks *l,
		    const struct luks_info *li, int skip, int ssm,
		    struct vol_use *use, struct msg_error *e);

/* ---- ssm.c: the SSM parameter way in ------------------------------------ */

/*
 * Before anything is written: may V's parameter be put? Not when it
 * exists (-EEXIST, E says --force overwrites), unless ENV->force, or HALF
 * (the device of this volume's half-made header, or NULL) proves an
 * interrupted run wrote it (its luksbox-ssm token names it and the value
 * opens that keyslot). *OVERWRITE says whether PutParameter may replace.
 * 0 or -errno with E filled.
 */
int vol_ssm_check(const struct vol_env *env, const struct tab_volume *v,
		  const char *half, int *overwrite, struct msg_error *e);

/*
 * Add V's SSM way in to L (just formatted): a fresh SECRET_BYTES secret
 * (*SECRET, in the arena: the caller wipes it), its keyslot and
 * luksbox-ssm token, then PutParameter of its base64 text. Returns the
 * keyslot, or -errno with E filled.
 */
int vol_ssm_add(const struct vol_env *env, const struct tab_volume *v,
		struct luks *l, const char *uuid, int overwrite,
		unsigned char **secret, struct msg_error *e);

/* V's parameter handed to USE (as vol_unlock_tokens() does, token and
 * keyslot -1: any keyslot) for L on TARGET. 0, or -errno with E naming
 * the parameter (temporary when SSM was unreachable). */
int vol_ssm_unlock(const struct vol_env *env, const struct tab_volume *v,
		   const char *target, struct luks *l,
		   const struct vol_use *use, struct msg_error *e);

/* ---- sets.c: the stripe sets luks-setup --add-devices appends ---------- */

#define SETS_MAX 15 /* added sets: 16 in all, each a linear piece */

/* The luksbox-sets token of a header: what set 0 contributes and each
 * added set, in order, by md UUID and exact size. */
struct vol_sets {
	int token;     /* its LUKS2 token number, -1 when none */
	uint64_t set0; /* sectors of set 0 joined (4 KiB multiple) */
	unsigned n;    /* added sets */
	uint8_t uuid[SETS_MAX][16];
	uint64_t sectors[SETS_MAX];
};

/* The record of L into S (S->n 0: none), decoded strictly as untrusted
 * input. 0, or -EINVAL with WHY (CAP bytes) saying what is wrong. */
int sets_read(struct luks *l, struct vol_sets *s, char *why, size_t cap);

/* "NAME+sets", the linear device's dm name, into BUF; returns BUF. */
const char *sets_linear_name(const char *vol, char *buf, size_t cap);

/* L (the header on set 0, TARGET) records added sets: assemble each
 * (waiting up to ENV->attach_wait_ms), join them under the linear
 * device, and reload L from it, its path into TARGET (CAP bytes).
 * 1 so, 0 when there are none, or -errno with E (-ETIMEDOUT: a set is
 * missing; -EPROTO: the record or the header is refused). */
int sets_stack(const struct vol_env *env, const struct tab_volume *v,
	       struct luks *l, char *target, size_t cap, struct msg_error *e);

/* After the mapping closed: remove V's linear device and stop the
 * arrays under it. 0 (also when there is none) or -errno with E. */
int sets_stop(const struct vol_env *env, const struct tab_volume *v,
	      struct msg_error *e);

/* ---- status.c: the ways in and their keys ------------------------------ */

/* The ways into the loaded header L of the volume UUID into W (W->n set;
 * device and unread untouched). 0 or -ENOMEM. */
int read_ways(struct luks *l, const char *uuid, struct vol_ways *w);

/* DescribeKey for the aws-kms way X (no problem) within ENV->aws's
 * deadline: X->state and the rest filled; never fails. */
void check_key(const struct vol_env *env, struct vol_way *x);

#endif
