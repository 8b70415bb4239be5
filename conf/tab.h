/* tab.h - /etc/luksbox.tab: one volume a line, in the style of crypttab.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: docs/design.md "Configuration", crypttab(5), fstab(5).
 *
 *	# name     devices              mountpoint         fstype options
 *	cassandra  ephemeral            /var/lib/cassandra ext4   kms-key=alias/c
 *	mysql      /dev/xvdf,/dev/xvdg  /mnt/mysql         xfs    kms-key=alias/db
 *	pg         vol-0123456789abcdef0  /var/lib/pg      xfs    kms-key=alias/db
 *
 * Fields are separated by blanks; '#' starts a comment outside quotes.
 * Options are comma-separated NAME or NAME=VALUE; a VALUE may be written in
 * double quotes to hold blanks or commas (mkfs-opts="-E stride=128,x=1").
 * Every error names the line and the offending word.
 */
#ifndef LUKSBOX_TAB_H
#define LUKSBOX_TAB_H

#include <stddef.h>

struct msg_error; /* lib/msg.h */

enum {
	TAB_MAX_VOLUMES = 16,
	TAB_MAX_DEVICES = 16,
	TAB_MAX_KEYS = 4,
	TAB_MAX_CONTEXT = 8,
	TAB_MAX_LINE = 4096,
	TAB_PATH = 256,
	TAB_SSM_NAME = 256, /* our cap on an SSM parameter name (AWS: 2048) */
};

enum tab_on_blank {
	TAB_ON_BLANK_FAIL = 0,	/* refuse when devices are blank */
	TAB_ON_BLANK_FORMAT = 1 /* provision afresh (instance store) */
};

struct tab_key {
	char key_id[256]; /* key id, ARN or alias/NAME */
	char region[32];  /* "" when not given with KEY@REGION */
};

struct tab_pair {
	char key[128];
	char value[256];
};

struct tab_volume {
	unsigned line; /* where it was defined */
	char name[64]; /* /dev/mapper/NAME; [A-Za-z0-9_.-] */
	int ephemeral; /* devices column was "ephemeral" */
	size_t ndevices;
	/* absolute paths or EBS volume ids (vol-HEX, resolved on Nitro) */
	char devices[TAB_MAX_DEVICES][TAB_PATH];
	char mountpoint[TAB_PATH]; /* absolute, or "none" */
	char fstype[16];	   /* ext4 or xfs */
	size_t nkeys;
	struct tab_key keys[TAB_MAX_KEYS];
	size_t ncontext;
	struct tab_pair context[TAB_MAX_CONTEXT];
	enum tab_on_blank on_blank; /* default: format if ephemeral */
	char mkfs_opts[256];
	char mount_opts[256];
	char recovery[TAB_PATH]; /* "", "prompt" or a file path */
	char blob_file[TAB_PATH];
	int discard;
	unsigned sector_size; /* 0 = automatic, else 512 or 4096 */
	int no_perf_flags;
	unsigned timeout; /* seconds; 0 = the applet's default */
	int nofail;
	int grow_auto; /* grow=auto: luks-mount grows it after the mount */
	/* ssm-param=/NAME[@REGION]: an SSM SecureString holding a keyslot's
	 * secret (base64 text), a way in besides (or instead of) the KMS
	 * keys; "" when none. Trusted config: luks-mount reads the name from
	 * here, never from the header. */
	char ssm_param[TAB_SSM_NAME];
	char ssm_region[32];   /* "" when not given with @REGION */
	char ssm_kms_key[256]; /* ssm-kms-key=KEY; "": alias/aws/ssm */
};

struct tab {
	size_t nvolumes;
	struct tab_volume volumes[TAB_MAX_VOLUMES];
};

struct tab_error {
	unsigned line; /* 0 when not about a line */
	char word[80]; /* the offending word, maybe shortened */
	char why[256];
};

/*
 * Parse the NUL-terminated text TEXT (LEN bytes; a NUL inside is an error)
 * into T, which the caller owns (it is large: allocate it). Returns 0, or
 * -EINVAL with ERR filled (line, word, why), or -E2BIG when a cap above is
 * exceeded (also with ERR).
 */
int tab_parse(const char *text, size_t len, struct tab *t,
	      struct tab_error *err);

/*
 * Read and parse the file PATH (at most 256 KiB). Returns as tab_parse,
 * or -errno from opening/reading with ERR->why naming the cause.
 */
int tab_load(const char *path, struct tab *t, struct tab_error *err);

/*
 * ERR, what tab_load(PATH) returned with TE, in the one error shape
 * (lib/msg.h): E->what "read PATH", E->why "line N: 'WORD': WHY" (or TE's
 * why without a line, or strerror(ERR) when TE has none), E->err ERR.
 * Returns ERR.
 */
int tab_error_msg(const struct tab_error *te, int err, const char *path,
		  struct msg_error *e);

/* The volume called NAME in T, or NULL. */
const struct tab_volume *tab_find(const struct tab *t, const char *name);

/*
 * Parse one option "NAME" or "NAME=VALUE" (VALUE unquoted) into V, as the
 * applets do for their command-line equivalents. Returns 0 or -EINVAL with
 * ERR->why set (ERR->line untouched).
 */
int tab_set_option(struct tab_volume *v, const char *opt,
		   struct tab_error *err);

/* Is S an EBS volume id as EC2 writes it: "vol-" and 8 or 17 lowercase
 * hex digits? 1 or 0. */
int tab_is_ebs_id(const char *s);

/*
 * Append the device DEV (an absolute path or an EBS volume id) to V, as
 * the devices field and luks-setup's DEV arguments do. Returns 0, -EINVAL
 * with ERR->why set (a malformed vol- id, not a path, listed twice), or
 * -E2BIG (more than TAB_MAX_DEVICES).
 */
int tab_add_device(struct tab_volume *v, const char *dev,
		   struct tab_error *err);

/* Check what a complete volume needs (a name, devices, a key, fstype...). */
int tab_check_volume(const struct tab_volume *v, struct tab_error *err);

#endif
