/* report.c - how a volume sequence reports: log lines, the error the user
 * sees, the steps done.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: internal.h, volume.h (struct vol_log, vol_step; lib/msg.h struct msg_error).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "volume/internal.h"

void vol_say(const struct vol_env *env, enum msg_level lv, const char *fmt, ...)
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

void vol_step_done(const struct vol_env *env, const char *name)
{
	if (env->step.fn)
		env->step.fn(env->step.arg, name);
}

/* The header fails the policy (crypto/luks_policy.h): say which field
 * and what was found there (REFUSED is escaped already), and what to do. */
int refuse_header(struct msg_error *e, const char *dev, const char *refused)
{
	return msg_why(
		e, -EPROTO,
		"the LUKS header of %s is not one luks-setup writes (%s); "
		"nothing was opened or changed (was the disk tampered "
		"with? restore a header backup with cryptsetup "
		"luksHeaderRestore)",
		dev, refused);
}
