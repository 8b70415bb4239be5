/* luks.h - the only libcryptsetup user: LUKS2 headers, keyslots, tokens.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: libcryptsetup.h (cryptsetup 2.6), LUKS2 on-disk format
 *      (cryptsetup docs/on-disk-format-luks2.pdf), docs/design.md "On-disk contract".
 *
 * Every function returns 0 (or a slot/token number) or -errno and never
 * prints; libcryptsetup's own log is swallowed. Secrets are passed with
 * explicit lengths and never copied by this module.
 */
#ifndef LUKSBOX_LUKS_H
#define LUKSBOX_LUKS_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/luks_policy.h"

struct crypt_device;

/* LUKS2 "subsystem" label values: the provisioning state on disk. */
#define LUKS_SUBSYSTEM_PROVISIONING "luksbox-provisioning"
#define LUKS_SUBSYSTEM_READY "luksbox"

enum luks_state {
	LUKS_STATE_FOREIGN = 0,	     /* LUKS, but not made by luksbox */
	LUKS_STATE_PROVISIONING = 1, /* luks-setup did not finish: no data */
	LUKS_STATE_READY = 2,	     /* provisioned; may hold data */
};

struct luks_info {
	int version;	    /* 1 or 2 */
	char uuid[40];	    /* LUKS UUID, NUL-terminated */
	char label[48];	    /* LUKS2 label, "" when none or LUKS1 */
	char subsystem[48]; /* LUKS2 subsystem, "" when none */
	char cipher[64];    /* e.g. "aes-xts-plain64" */
	int key_bits;	    /* volume key size */
	size_t sector_size; /* encryption sector size in bytes */
	enum luks_state state;
	int policy; /* luks_check(): 0, or -EPROTO with REFUSED set */
	char refused[LUKS_POLICY_REASON];
};

/* A caller-owned handle on one LUKS device; luks_fini() frees it. */
struct luks {
	struct crypt_device *cd;
	/* Why luks_check() (or an activation) refused the header: "FIELD=
	 * VALUE" as luks_policy_check() writes it, escaped; "" otherwise. */
	char refused[LUKS_POLICY_REASON];
};

struct luks_format_params {
	const char *uuid;     /* chosen first: it goes into KMS context */
	const char *label;    /* the volume name */
	uint32_t sector_size; /* 0: 4096 when the device allows, else 512 */
	int perf_flags;	      /* store no_read/no_write_workqueue */
	int discard;	      /* store allow_discards */
};

/*
 * Read the LUKS header of PATH (block device or image file) without
 * touching it. Returns 0 and fills OUT (OUT->policy < 0: the policy
 * refuses it); -EINVAL when PATH holds no LUKS header; -EPROTO as for
 * luks_load(), with OUT->policy and OUT->refused set; other -errno from
 * opening or reading (-ENOENT, -EACCES, -EIO).
 */
int luks_probe(const char *path, struct luks_info *out);

/*
 * Open the LUKS header on DEV into L. -EINVAL when there is none; -EPROTO
 * (L->refused set, L->cd NULL) when libcryptsetup will not load it but
 * DEV holds a LUKS2 header with valid checksums that the policy refuses,
 * read here without libcryptsetup as it would choose the copy (a pending
 * online re-encryption: this libcryptsetup is built without it).
 */
int luks_load(struct luks *l, const char *dev);

/*
 * Format DEV as LUKS2 aes-xts-plain64 with a random 512-bit volume key,
 * UUID/label from P, subsystem LUKS_SUBSYSTEM_PROVISIONING (so a crash
 * before luks_set_ready() is recognised), persistent flags from P.
 * Destroys what DEV held: callers probe first. L owns the result.
 */
int luks_format(struct luks *l, const char *dev,
		const struct luks_format_params *p);

/*
 * Add a keyslot opened by the high-entropy SECRET (a KMS data key):
 * PBKDF2-SHA256, 1000 iterations, no benchmark - the secret is random,
 * stretching it buys nothing (systemd-cryptenroll and clevis do the same).
 * Valid right after luks_format() (the volume key is still in L), or
 * with UNLOCK/UNLOCK_LEN an existing passphrase. Returns the keyslot.
 */
int luks_add_secret_slot(struct luks *l, const void *unlock, size_t unlock_len,
			 const void *secret, size_t secret_len);

/*
 * Add a keyslot for a human recovery passphrase or key: argon2id with its
 * memory capped at MAX_KIB (a 512 MiB instance must survive it), iteration
 * time ~2 s. Authorised by UNLOCK (an existing secret). Returns the slot.
 */
int luks_add_recovery_slot(struct luks *l, const void *unlock,
			   size_t unlock_len, const void *pass, size_t pass_len,
			   uint32_t max_kib);

/*
 * Store TOKEN_JSON (type and keyslots inside) as a new token. Returns the
 * token number.
 */
int luks_token_add(struct luks *l, const char *token_json);

/*
 * The JSON of token number TOKEN (0..31) and its type. Returns 0 and sets
 * *JSON (owned by L, valid until the next call on L); -ENOENT when the
 * slot is free; -EINVAL when invalid.
 */
int luks_token_get(struct luks *l, int token, const char **json);

/* Replace token number TOKEN with TOKEN_JSON (one header write: the old
 * token or the new one is on disk, never neither). */
int luks_token_set(struct luks *l, int token, const char *token_json);

/* Remove token number TOKEN (its keyslot stays). */
int luks_token_remove(struct luks *l, int token);

enum luks_slot_kind {
	LUKS_SLOT_NONE = 0, /* free */
	LUKS_SLOT_FAST = 1, /* PBKDF2 at luks_add_secret_slot()'s 1000
			     * iterations: a random secret's (KMS, SSM) */
	LUKS_SLOT_SLOW = 2, /* argon2, or PBKDF2 benchmarked: a human's (the
			     * recovery slot, a passphrase added by hand) */
};

/* What keyslot SLOT (0..31) is: an enum luks_slot_kind, or -EINVAL. */
int luks_keyslot_kind(struct luks *l, int slot);

/* Wipe keyslot SLOT: its key material first, then its JSON. Remove the
 * tokens that name it before (a token must name a keyslot). */
int luks_keyslot_destroy(struct luks *l, int slot);

/* Highest keyslot number + 1 for LUKS2. */
int luks_keyslot_max(void);

/* Highest token number + 1 for LUKS2. */
int luks_token_max(void);

/* The type of token number TOKEN into TYPE (CAP bytes; as the header
 * says it, unchecked: escape it before printing). 0, -ENOENT when the slot
 * is free, -EINVAL when invalid. */
int luks_token_type(struct luks *l, int token, char *type, size_t cap);

/* The first keyslot TOKEN is assigned to, or -ENOENT. */
int luks_token_keyslot(struct luks *l, int token);

/* The KDF of keyslot SLOT ("pbkdf2", "argon2id", ...) into KDF (CAP
 * bytes). 0; -ENOENT when the slot is free; -EINVAL when invalid. */
int luks_keyslot_kdf(struct luks *l, int slot, char *kdf, size_t cap);

/* Mark provisioning finished: subsystem LUKS_SUBSYSTEM_READY. */
int luks_set_ready(struct luks *l);

/* Set the LUKS2 label to LABEL (the subsystem stays): one header write. */
int luks_set_label(struct luks *l, const char *label);

/* Give the header the UUID text UUID: one header write (luks-setup
 * --adopt: a restored copy must not share its original's UUID). */
int luks_set_uuid(struct luks *l, const char *uuid);

/* What L is: see enum luks_state; fills INFO when non-NULL (its policy
 * and refused from luks_check()). */
int luks_info(struct luks *l, struct luks_info *info);

/*
 * Is L's header one that luks-setup writes (crypto/luks_policy.h)? The
 * JSON libcryptsetup loaded (crypt_dump_json) goes through
 * luks_policy_check() with the device's size, then libcryptsetup's own
 * reading is cross-checked through its getters (LUKS2, cipher aes
 * xts-plain64, 512-bit volume key, sector size 512 or 4096, data offset
 * inside the device, no requirement flags, no integrity). Returns 0;
 * -EPROTO with L->refused set ("FIELD=VALUE"); other -errno when the
 * header or device cannot be read. Never writes.
 */
int luks_check(struct luks *l);

/*
 * Open the volume as /dev/mapper/NAME with SECRET (any keyslot, or SLOT
 * >= 0). luks_check() runs first: a header it refuses is never given the
 * key (-EPROTO, L->refused set). After activation the kernel's table for
 * NAME is read back (luks_check_active()); a mismatch closes the mapping
 * again and is -EPROTO too. Returns the keyslot used; -EPERM for a wrong
 * secret; -EEXIST when NAME is active already.
 */
int luks_activate(struct luks *l, const char *name, int slot,
		  const void *secret, size_t secret_len);

/* Check SECRET against the keyslots without activating; luks_check()
 * first, as for luks_activate(). */
int luks_verify(struct luks *l, int slot, const void *secret,
		size_t secret_len);

/*
 * Does the device-mapper table of the active NAME say what luks-setup
 * makes: one target, of type crypt, cipher aes-xts-plain64, a 512-bit key?
 * Read from the kernel, not from the header (defence in depth: whatever
 * libcryptsetup made of the header, this is what protects the data).
 * Returns 0; -EPROTO with WHY ("table.FIELD=VALUE", CAP bytes) set;
 * -ENODEV when NAME is not active; -ENOMEM.
 */
int luks_check_active(const char *name, char *why, size_t cap);

/*
 * The active mapping NAME of L's header: *NOW its size in bytes, *MAX the
 * size the device under it allows (its size less the data offset, down to
 * a whole encryption sector). 0 or -errno (-ENODEV: NAME not active).
 */
int luks_sizes(struct luks *l, const char *name, uint64_t *now, uint64_t *max);

/*
 * Grow the active mapping NAME of L's header to the whole device (cryptsetup
 * resize). The header is not written: luks-setup's one segment is
 * "dynamic" (the policy holds it to that), so the size is the device's at
 * every open. luks_check() and luks_check_active() first: a header or
 * table they refuse is never resized (-EPROTO, L->refused set). A table
 * that names its key in the kernel keyring (LUKS2's default) can only be
 * reloaded with the volume key there: without SECRET that is -ENOKEY;
 * with it (SLOT, or -1 for any) the key is loaded into this thread's
 * keyring (logon type: not readable from user space; gone when the
 * process ends) and -EPERM means SECRET opens no keyslot. Returns the
 * keyslot used (0 without SECRET) or -errno.
 */
int luks_resize(struct luks *l, const char *name, int slot, const void *secret,
		size_t secret_len);

/*
 * Move the active mapping NAME onto L's device, at the same size: its
 * kernel table is reloaded with only the data device changed (suspend,
 * resume; the file system above keeps running). For a device whose
 * first sectors are NAME's present device (a linear device that starts
 * with it: "Adding devices" in docs/design.md); the caller checks that.
 * libcryptsetup's refresh cannot do it (it refuses another data device).
 * luks_check() and luks_check_active() first, as for luks_resize(); with
 * SECRET the volume key goes into this thread's keyring as there (a
 * keyring-held table needs it to reload, and a later luks_resize() on L
 * then needs no secret). Returns the keyslot used (0 without SECRET), or
 * -errno (-EPERM: SECRET opens no keyslot; -EIO: the reload failed and
 * the old table stays).
 */
int luks_move(struct luks *l, const char *name, int slot, const void *secret,
	      size_t secret_len);

/* Close /dev/mapper/NAME. -ENODEV when not active; -EBUSY when in use. */
int luks_deactivate(const char *name);

/*
 * Is /dev/mapper/NAME active? Returns 1 (and the UUID of its LUKS header in
 * UUID if given, 40 bytes), 0 when not, or -errno.
 */
int luks_is_active(const char *name, char *uuid);

/*
 * The device under the open /dev/mapper/NAME (e.g. "/dev/md127") into DEV,
 * CAP bytes: where to read the header that decides what the mapping is.
 * Returns 0; -ENODEV when NAME is not active; -EINVAL when it is not a
 * dm-crypt mapping; -ENAMETOOLONG; other -errno.
 */
int luks_active_device(const char *name, char *dev, size_t cap);

/* Save the header and keyslots to FILE: -EEXIST when it exists (never
 * replaced); made 0600 and synced with its directory. */
int luks_header_backup(struct luks *l, const char *file);

/* Free L's handle. Safe on a zeroed struct. */
void luks_fini(struct luks *l);

#endif
