/* volcommon.h - what luks-setup and luks-mount share: boot-time logging,
 * the AWS client and volume environment, the kernel modules they need.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: docs/design.md "Messages and exit codes", volume/volume.h, kmsg(4)
 *      (/dev/kmsg record format), RFC 3164 (syslog over /dev/log).
 */
#ifndef LUKSBOX_VOLCOMMON_H
#define LUKSBOX_VOLCOMMON_H

#include "conf/tab.h"
#include "crypto/secret.h"
#include "kms/aws.h"
#include "volume/volume.h"

/* Where messages go. At boot (--boot) also to /dev/kmsg, so the EC2
 * console output shows them, and to syslog when one listens. */
struct logger {
	enum vol_level level; /* least level shown */
	int boot;	      /* timestamps, kmsg, syslog */
	int kmsg_fd;	      /* -1 when none */
	int syslog_fd;	      /* -1 when none */
	int tty;	      /* stderr is a terminal (progress bars) */
	long long start_ms;   /* when progress began */
	long long last_ms;    /* last progress line */
};

/* Parse "debug", "info", "warning" or "error": 0 or -EINVAL. */
int logger_level(const char *s, enum vol_level *out);

void logger_init(struct logger *lg, enum vol_level level, int boot);
void logger_fini(struct logger *lg);

/* One message "APPLET: MSG" at LEVEL to every sink. A vol_log callback. */
void logger_msg(void *lg, enum vol_level level, const char *msg);

/* A failure: "APPLET: unable to WHAT: WHY" at error level; returns the
 * exit code for E (1 permanent, 75 temporary). */
int logger_fail(struct logger *lg, const struct vol_error *e);

/* Wipe progress: a bar on a terminal, a rate/ETA line every 10 s else. */
void logger_progress(void *lg, unsigned long long done,
		     unsigned long long total);

/*
 * The options luks-setup and luks-mount share: -r/--region, -e/--endpoint,
 * -C/--ca-file, -T/--timeout, -l/--log-level. Put VOLRUN_SHORT in the
 * getopt string and VOLRUN_LONG in the option table; volrun_option()
 * takes C and ARG: 0 when it was one of them (stored in AWS or LEVEL), -1
 * when it was not, EXIT_USAGE after printing why a value is bad.
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
int volrun_option(int c, const char *arg, struct aws_opts *aws,
		  enum vol_level *level);

/* Everything a volume operation needs, set up once per run. */
struct volrun {
	struct logger log;
	struct secret_arena arena;
	struct aws_client *aws; /* NULL until volrun_aws() */
	struct aws_opts aws_opts;
	struct vol_env env;
	char model[128]; /* LUKSBOX_EPHEMERAL_MODEL (the test build) */
};

/* Set up R (log, arena, env); the AWS client comes on first use. Returns
 * 0 or an exit code after printing why. */
int volrun_init(struct volrun *r, enum vol_level level, int boot);

/* The AWS client, made on first use (its deadline starts then). 0 or an
 * exit code after printing why. */
int volrun_aws(struct volrun *r);

void volrun_fini(struct volrun *r);

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

#endif
