/* volume.h - a luksbox volume: provision, open, close and inspect it.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: docs/design.md "On-disk contract", "Applets"; conf/tab.h (what a
 *      volume is), block/md.h, crypto/luks.h, block/probe.h,
 *      block/fs.h, kms/kms.h, kms/token.h.
 *
 * The sequences luks-setup and luks-mount share, as module calls; the
 * applets only parse options and report. Each function works on one
 * volume (a struct tab_volume, from the table or the command line) and
 * reports what it does through the caller's log callback, never printing.
 *
 * Provisioning order, and why it is crash-safe:
 *   1. refuse devices that are in use (root disk, mounted, held) always,
 *      and devices carrying any signature unless forced - except the
 *      half-made state of this very volume (below);
 *   2. RAID0 over several devices (md v1.2, array name = volume name);
 *   3. the LUKS UUID is chosen first; one 32-byte secret per KMS key from
 *      GenerateDataKey, with encryption context luksbox:volume=UUID;
 *   4. LUKS2 format with subsystem "luksbox-provisioning", one PBKDF2
 *      keyslot and one aws-kms token per key, optional recovery slot,
 *      optional blob file and header backup;
 *   5. open /dev/mapper/NAME, optional wipe, mkfs;
 *   6. subsystem "luksbox" (ready), and only then the first mount.
 * The header says ready before the file system is first mounted, so a
 * volume whose header says "provisioning" never held data. A stop before
 * 6 - a power cut, or a kill (the boot watchdog, the OOM killer, an
 * operator) that leaves the mapping open - leaves such a volume (or an
 * array of ours with nothing on it), and the next luks-setup, or luks-mount
 * with on-blank=format, redoes it; luks-mount with on-blank=fail refuses
 * it, saying to run luks-setup. An open mapping is never trusted as it is:
 * its header is read again, and it is mounted only when ready and labelled
 * with this volume (or a foreign LUKS volume opened by hand). A
 * "provisioning" one is closed before anything is redone, unless it is
 * mounted or its file system was ever mounted (someone did it by hand: it
 * may hold data): that is refused, never redone. After 6 the header and
 * its tokens are complete, so the key is never lost for a volume that
 * holds data, and its LUKS UUID never changes (but on a restored copy,
 * by vol_adopt(), with every token re-wrapped to the new one first).
 */
#ifndef LUKSBOX_VOLUME_H
#define LUKSBOX_VOLUME_H

#include <stddef.h>

#include "conf/tab.h"
#include "lib/msg.h"
#include "kms/aws.h"
#include "kms/kms.h"

/* How a volume operation reports progress; FN must not block for long. */
struct vol_log {
	void (*fn)(void *arg, enum msg_level level, const char *msg);
	void *arg;
};

/* Wipe progress (bytes done of total), for a bar or a log line. */
struct vol_progress {
	void (*fn)(void *arg, unsigned long long done,
		   unsigned long long total);
	void *arg;
};

/* Called after each provisioning step that changed the disks ("md",
 * "kms", "format", "keyslots", "open": the mapping is open, "mkfs",
 * "ready", "mount"; vol_grow(): "grow-mapping", before the file system
 * grows): the applet's test-only failpoint (a simulated power
 * cut, or a hold so a test can kill it from outside) hooks in here. */
struct vol_step {
	void (*fn)(void *arg, const char *step);
	void *arg;
};

/* What the applet hands to every operation. */
struct vol_env {
	struct aws_client *aws;	    /* set up by the applet (aws_init) */
	struct secret_arena *arena; /* secrets live here */
	struct vol_log log;
	struct vol_progress progress; /* wipe progress; fn may be NULL */
	struct vol_step step;	      /* after each step; fn may be NULL */
	const char *sysfs;	      /* NULL: /sys (tests point elsewhere) */
	const char *ephemeral_model;  /* NULL: the EC2 instance-store model */
	const char *ebs_model;	      /* NULL: the EC2 EBS NVMe model */
	unsigned attach_wait_ms;   /* how long a vol- id may take to attach */
	int force;		   /* destroy signatures (luks-setup --force) */
	int wipe;		   /* overwrite with encrypted zeros first */
	const char *header_backup; /* save the LUKS header here, or NULL */
	int interactive;	   /* a terminal may be asked (recovery) */
};

#define VOL_MAX_DEVS TAB_MAX_DEVICES

/* The devices of a volume, resolved. */
struct vol_devs {
	unsigned n;
	char path[VOL_MAX_DEVS][TAB_PATH];
};

/*
 * The devices of V: its list, or for `ephemeral` the instance-store disks
 * (NVMe by model string; on Xen types IMDS block-device-mapping), never
 * the root disk. An EBS volume id in the list is the NVMe disk whose
 * serial is that id (Nitro types only: -ENXIO on Xen); one not attached
 * is waited for, polling sysfs, up to ENV->attach_wait_ms (saying so),
 * then -ETIMEDOUT naming it. Returns 0, or -ENODEV (no instance-store
 * disk found) or -errno with E filled.
 */
int vol_devices(const struct vol_env *env, const struct tab_volume *v,
		struct vol_devs *d, struct msg_error *e);

/* The EBS volumes of a volume, for --stop to name. */
struct vol_ebs {
	unsigned n;
	char id[VOL_MAX_DEVS][24];
};

/*
 * The EBS volume ids of V's devices into IDS: the ids its list names, and
 * for each device path the id of its NVMe controller when it is an EBS
 * volume (Nitro). An `ephemeral` volume has none. Never fails: a device
 * that cannot be read is not named.
 */
void vol_ebs_ids(const struct vol_env *env, const struct tab_volume *v,
		 struct vol_ebs *ids);

/* What vol_provision() and vol_open() did. */
enum vol_outcome {
	VOL_DONE_NOTHING,     /* already as asked: nothing changed */
	VOL_DONE_PROVISIONED, /* made afresh (new key) */
	VOL_DONE_OPENED,      /* unlocked and mounted */
	VOL_DONE_GROWN,	      /* vol_grow(): the mapping or fs grew */
};

/*
 * Provision V on D (luks-setup; luks-mount for blank instance store). An
 * already provisioned volume is left alone (VOL_DONE_NOTHING); this
 * volume's header that the policy refuses is neither left nor redone but
 * refused (-EPROTO, the field named; ENV->force makes a new one). Returns an
 * enum vol_outcome, or -errno with E filled; -EEXIST when a device holds
 * something (a signature, another array) and ENV->force is not set -
 * nothing was written then.
 */
int vol_provision(const struct vol_env *env, const struct tab_volume *v,
		  const struct vol_devs *d, struct msg_error *e);

/*
 * Open and mount V (luks-mount): assemble the array by name, read the
 * aws-kms tokens, unwrap through KMS trying each token in turn, activate
 * /dev/mapper/NAME, mount. Blank devices are provisioned when V's policy
 * is on-blank=format (all blank) and refused otherwise. KEY/KEY_LEN, when
 * given, is a passphrase or key to use instead of KMS (--key-file).
 * A LUKS header that is not what luks-setup writes (crypto/luks_policy.h:
 * the header is not authenticated) is refused before KMS is asked or any
 * key is tried: -EPROTO, E naming the field and the value found, nothing
 * changed. A mapping already open is mounted only if its kernel table is
 * aes-xts-plain64 with a 512-bit key.
 * Returns an enum vol_outcome or -errno with E filled (E->temporary when
 * KMS could not be reached: a later retry may succeed).
 */
int vol_open(const struct vol_env *env, const struct tab_volume *v,
	     const struct vol_devs *d, const void *key, size_t key_len,
	     struct msg_error *e);

/*
 * Close V: unmount, close /dev/mapper/NAME, stop its array, in that order.
 * What is not open is skipped. Returns 0 or -errno with E filled (-EBUSY:
 * the mount point or mapping is in use, E says by what).
 */
int vol_close(const struct vol_env *env, const struct tab_volume *v,
	      struct msg_error *e);

/*
 * Grow the open V on its devices D after they grew (EBS ModifyVolume):
 * the mapping to the whole device or array (no header write: the
 * segment is dynamic), then its mounted file system online (resize2fs,
 * xfs_growfs). A mapping whose table keeps its key in the kernel keyring
 * is reloaded with the volume key: KEY/KEY_LEN (--key-file) or the ways
 * in (KMS tokens, SSM). A header the policy refuses is never resized. A
 * RAID0 array grows only when assembled (md_assemble()): running, with
 * grown members, that is said and the rest goes on; a grow md refuses
 * (unequal growth, several zones) is an error. Instance store is refused
 * (-EOPNOTSUPP), so is a volume not open (-ENODEV) or, with a mount
 * point, not mounted. Returns
 * VOL_DONE_GROWN, VOL_DONE_NOTHING (nothing to grow, said so), or -errno
 * with E filled.
 */
int vol_grow(const struct vol_env *env, const struct tab_volume *v,
	     const struct vol_devs *d, const void *key, size_t key_len,
	     struct msg_error *e);

/*
 * Append a stripe set on the devices ND to V (set 0 on D), as lvextend
 * does: a RAID0 of them (md name NAME+K) recorded in V's LUKS header
 * (luksbox-sets token), joined after the others by the linear device
 * NAME+sets. Open: the mapping is moved onto that device (first time) or
 * the device reloaded, then grown, then its mounted file system; closed:
 * only the record (the next open joins it). A way in is proven first
 * (KEY/KEY_LEN, else the tokens, SSM). A rerun with the same devices
 * finishes what a cut left. ND must be blank unless ENV->force. Returns
 * VOL_DONE_GROWN or -errno with E filled.
 */
int vol_add_devices(const struct vol_env *env, const struct tab_volume *v,
		    const struct vol_devs *d, const struct vol_devs *nd,
		    const void *key, size_t key_len, struct msg_error *e);

/*
 * Freeze the mounted file system of V (FIFREEZE on its mount point) for a
 * consistent snapshot of its devices, and leave a watchdog (a child in
 * its own session, holding a lock on /run/luksbox/NAME.freeze) that thaws
 * it by itself TIMEOUT_S seconds later unless vol_thaw() comes first.
 * Returns 0; -EALREADY frozen already (by a watchdog of ours, or -EBUSY:
 * by someone else); -ENOENT not mounted; other -errno; E filled.
 */
int vol_freeze(const struct vol_env *env, const struct tab_volume *v,
	       unsigned timeout_s, struct msg_error *e);

/*
 * Thaw V now (FITHAW) and end its watchdog. Returns 0; -EINVAL when it
 * was not frozen (E says so, and when the watchdog thawed it by itself:
 * -ETIMEDOUT, a snapshot begun after then is crash-consistent only);
 * -ENOENT not mounted; other -errno; E filled.
 */
int vol_thaw(const struct vol_env *env, const struct tab_volume *v,
	     struct msg_error *e);

/* A change to the keys of a provisioned volume (luks-setup). */
enum vol_key_op {
	VOL_KEY_ADD,	/* a keyslot and aws-kms token for KEY[@REGION] */
	VOL_KEY_REMOVE, /* the token (and keyslot) KEY names */
	VOL_KEY_ROTATE, /* a fresh secret for every KMS key */
	VOL_KEY_REWRAP, /* every token (or FROM's) re-wrapped to KEY */
};

struct vol_keyop {
	enum vol_key_op op;
	/* ADD, REWRAP: KEY[@REGION] as in the table. REMOVE: a key ARN, key
	 * id or alias, token:N, or slot:N (a keyslot with no token). */
	const char *key;
	const char *from;   /* REWRAP: only the tokens of this key, or NULL */
	const void *unlock; /* --key-file: opens a keyslot; NULL: tokens */
	size_t unlock_len;
	int force; /* REMOVE: the last token may go if a recovery slot stays */
};

/*
 * Change the keys of V, provisioned on D, open or closed (keys.c says the
 * order of the header writes, and why a cut at any point leaves a volume
 * that unlocks). A way in is proven first (ADD and ROTATE: any token or
 * the key file; REMOVE: another one), the header is saved (ENV->
 * header_backup, else beside V's blob file, else /var/lib/luksbox/
 * NAME.header-TIME; never over a file), and the blob file follows the
 * first token after. Returns 0, or -errno with E filled (E->err temporary
 * when KMS could not be reached).
 */
int vol_keys(const struct vol_env *env, const struct tab_volume *v,
	     const struct vol_devs *d, const struct vol_keyop *op,
	     struct msg_error *e);

/*
 * Make the devices D, restored from a snapshot of a luksbox volume (its
 * one device, or every member of its RAID0), a volume of its own named
 * NAME (luks-setup --adopt): a new md set UUID and name on every member,
 * every aws-kms token re-wrapped by KMS ReEncrypt to the context of a new
 * LUKS UUID, that UUID, a new file-system UUID, the label NAME; closed at
 * the end. Devices in use (the original's, open) and a NAME in use are
 * refused. Crash-safe and resumable: see adopt.c. Returns
 * VOL_DONE_PROVISIONED, VOL_DONE_NOTHING (adopted already), or -errno with
 * E filled.
 */
int vol_adopt(const struct vol_env *env, const char *name,
	      const struct vol_devs *d, struct msg_error *e);

/* A volume's state, for --status. */
struct vol_status {
	int open;		/* /dev/mapper/NAME is active */
	int mounted;		/* the mapping is mounted on the mount point */
	char uuid[40];		/* LUKS UUID of the open mapping, or "" */
	char backing[TAB_PATH]; /* /dev/md/NAME or the device, or "";
				 * /dev/mapper/NAME+sets with stripe sets */
	unsigned sets;		/* stripe sets joined now (0: none added) */
	char mountpoint[TAB_PATH];
};

/*
 * Inspect V without changing anything. Returns 1 when V is open and
 * mounted (or open, for mountpoint "none"), 0 when not, or -errno.
 */
int vol_status(const struct vol_env *env, const struct tab_volume *v,
	       struct vol_status *st);

/* ---- the ways in: what opens a volume ---------------------------------- */

#define VOL_MAX_WAYS 64 /* 32 LUKS2 tokens + 32 keyslots */

/* What asking KMS (DescribeKey) said about a way's key. */
enum vol_key_state {
	VOL_KEY_UNCHECKED = 0,
	VOL_KEY_ENABLED,
	VOL_KEY_DISABLED,
	VOL_KEY_PENDING_DELETION,
	VOL_KEY_OTHER,	     /* another KeyState (PendingImport, ...) */
	VOL_KEY_DENIED,	     /* DescribeKey denied: state unknown */
	VOL_KEY_UNREACHABLE, /* KMS not reached: temporary */
	VOL_KEY_FAILED,	     /* another error (NotFoundException, ...) */
};

/*
 * One way into a volume: a LUKS2 token and its keyslot, or a keyslot no
 * token names. Read from an untrusted header: an aws-kms token that does
 * not decode (kms/token.h), or names another volume, is listed with
 * PROBLEM set and never used. Another way (an SSM parameter, say) is
 * another TYPE with its own fields here.
 */
struct vol_way {
	char type[32]; /* "aws-kms"; "recovery" (an argon2 keyslot with no
			  * token: the recovery=... slot); "keyslot" (any
			  * other keyslot with no token: added by hand?);
			  * or another token's type, escaped ('?' for
			  * control bytes) */
	int token;     /* LUKS2 token number, -1 for none */
	int keyslot;   /* -1 when none or unknown */
	char key[KMS_ARN_MAX]; /* aws-kms: the key ARN; luksbox-ssm: the key
				* SSM encrypts with; "" otherwise */
	char region[32];       /* where the key (or parameter) lives */
	char parameter[256];   /* luksbox-ssm: the parameter's name */
	char problem[200];     /* "" or why this token is not used */
	/* Filled by vol_ways_check() (aws-kms ways without a problem): */
	enum vol_key_state state;
	char key_state[32]; /* the KeyState KMS said (letters only) */
	long long deletion; /* pending deletion: the date, epoch seconds */
	char why[400];	    /* DENIED, UNREACHABLE, FAILED: the error */
};

/* The ways into a volume, as its header says. */
struct vol_ways {
	char device[TAB_PATH]; /* where the header was read; "" when not */
	char unread[300];      /* "" or why no header was read */
	unsigned n;
	struct vol_way way[VOL_MAX_WAYS];
};

/*
 * Read the ways into V from its LUKS header, changing nothing: the header
 * of the device under the open mapping, or of a closed volume's device or
 * assembled array. When it cannot be read (the array is not assembled, no
 * LUKS header, a header the policy refuses, another volume's) W->unread
 * says why and W->n is 0; that is not a failure. Returns 0.
 */
int vol_ways(const struct vol_env *env, const struct tab_volume *v,
	     struct vol_ways *w);

/*
 * Ask KMS (DescribeKey, ENV->aws) about the key of every aws-kms way of W
 * without a problem, filling their state. Each call gets an equal share
 * of the time left before ENV->aws's deadline, VOL_CHECK_MS at most.
 */
#define VOL_CHECK_MS 10000
void vol_ways_check(const struct vol_env *env, struct vol_ways *w);

/* W's state in words: "Enabled", "PendingDeletion on 2026-12-13T00:00:00Z",
 * "unreachable", "access denied", ...; into BUF (CAP bytes), returned. */
const char *vol_key_state_text(const struct vol_way *w, char *buf, size_t cap);

/* Is W a way whose key cannot open the volume as it stands (disabled,
 * pending deletion, another state, not found; or a token with a
 * problem)? 1 or 0. DENIED and UNREACHABLE are neither: unknown. */
int vol_way_unusable(const struct vol_way *w);

#endif
