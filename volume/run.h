/* run.h - the run context luks-setup and luks-mount share: their messages
 * (boot sinks, level, wipe progress), the key arena, the AWS client and
 * volume environment, the kernel modules they need, the table.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: docs/design.md "Messages and exit codes", lib/msg.h,
 *      volume/volume.h, conf/tab.h.
 *
 * Everything here reports through the caller's struct msg_ctx and returns
 * an exit code (lib/msg.h), ready for the applet to return.
 */
#ifndef LUKSBOX_VOLUME_RUN_H
#define LUKSBOX_VOLUME_RUN_H

#include "conf/tab.h"
#include "crypto/secret.h"
#include "kms/aws.h"
#include "lib/msg.h"
#include "volume/volume.h"

/*
 * The options luks-setup and luks-mount share: -r/--region, -e/--endpoint,
 * -C/--ca-file, -T/--timeout, -l/--log-level. Put VOLRUN_SHORT in the
 * getopt string and VOLRUN_LONG in the option table; volrun_option()
 * takes C and ARG: 0 when it was one of them (stored in AWS or LEVEL), -1
 * when it was not, EXIT_USAGE after saying on M why a value is bad.
 */
#define VOLRUN_SHORT "r:e:C:T:l:"
#define VOLRUN_LONG                                         \
	{"region", required_argument, NULL, 'r'},           \
		{"endpoint", required_argument, NULL, 'e'}, \
		{"ca-file", required_argument, NULL, 'C'},  \
		{"timeout", required_argument, NULL, 'T'},  \
	{                                                   \
		"log-level", required_argument, NULL, 'l'   \
	}
int volrun_option(struct msg_ctx *m, int c, const char *arg,
		  struct aws_opts *aws, enum msg_level *level);

/* Everything a volume operation needs, set up once per run. */
struct volrun {
	struct msg_ctx *msg;  /* the applet's; borrowed */
	enum msg_level level; /* least level of the volume log shown */
	int tty;	      /* stderr is a terminal (progress bars) */
	long long start_ms;   /* when wipe progress began */
	long long last_ms;    /* last progress line */
	struct secret_arena arena;
	struct aws_client *aws; /* NULL until volrun_aws() */
	struct aws_opts aws_opts;
	struct vol_env env;
};

/*
 * Set up R: messages on M (BOOT: also to /dev/kmsg and syslog, through
 * msg_boot(); volrun_fini() closes them again), the key arena, the
 * volume environment. The AWS client comes on first use. Returns 0 or an
 * exit code after saying why.
 */
int volrun_init(struct volrun *r, struct msg_ctx *m, enum msg_level level,
		int boot);

/* The AWS client, made on first use (its deadline starts then). 0 or an
 * exit code after saying why. */
int volrun_aws(struct volrun *r);

/* Free the client, wipe the arena, close the boot sinks. */
void volrun_fini(struct volrun *r);

/* One line of the volume log at LEVEL (shown when at least R's level). */
void volrun_say(struct volrun *r, enum msg_level level, const char *text);

/* Load dm_mod, dm_crypt (and md_mod, raid0 when RAID is needed) with
 * modprobe where they are modules not yet loaded; warn about what is
 * still missing. */
void volrun_modules(struct volrun *r, int need_md);

/*
 * Load the table PATH, or, when it is absent and ALLOW_MISSING, an empty
 * one. Errors name the line and word; returns 0 or an exit code.
 */
int volrun_table(struct volrun *r, const char *path, int allow_missing,
		 struct tab *t);

/* Read the key file PATH ("-": standard input) whole, like cryptsetup
 * --key-file, into R's arena: *KEY, *LEN. 0 or an exit code after saying
 * why (missing, empty, over 8 KiB). */
int volrun_read_key(struct volrun *r, const char *path, unsigned char **key,
		    size_t *len);

#endif
