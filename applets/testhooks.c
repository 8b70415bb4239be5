/* testhooks.c - the test build's hooks: failpoints, the instance-store
 * and EBS models, the boot sinks' paths.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: testhooks.h, volume/volume.h (struct vol_step).
 */
#ifdef LUKSBOX_TEST_HOOKS
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "applets/testhooks.h"
#include "lib/msg.h"

/*
 * Failpoint. LUKSBOX_FAILPOINT=STEP: die right after STEP, as a power cut
 * would, leaving the disks as they are at that instant.
 * LUKSBOX_FAILPOINT=STEP:hold: after STEP, write "STEP PID" to the file
 * LUKSBOX_FAILPOINT_MARK (default /run/luksbox.hold) and wait forever, so
 * a test can kill the process (group) from outside, or cut the power, with
 * everything of that instant still open (the mapping, the array).
 * LUKSBOX_FAILPOINT_SKIP=N: pass STEP N times first (a step reached more
 * than once, as md-grow-sb after each member: N=1 stops after the second).
 */
static void failpoint(void *arg, const char *step)
{
	const struct volrun *r = arg;
	const char *fp = getenv("LUKSBOX_FAILPOINT"), *mark;
	const char *skip = getenv("LUKSBOX_FAILPOINT_SKIP");
	static unsigned long seen;
	size_t n = strlen(step);
	char line[64];
	int fd, len;

	if (!fp || strncmp(fp, step, n) || (fp[n] && strcmp(fp + n, ":hold")))
		return;
	if (skip && seen++ < strtoul(skip, NULL, 10))
		return;
	if (!fp[n]) {
		fprintf(stderr, "%s: failpoint %s: stopping dead\n",
			r->msg->prog, step);
		_exit(99);
	}
	mark = getenv("LUKSBOX_FAILPOINT_MARK");
	if (!mark || !*mark)
		mark = "/run/luksbox.hold";
	fprintf(stderr, "%s: failpoint %s: holding (pid %d) until killed\n",
		r->msg->prog, step, (int)getpid());
	len = snprintf(line, sizeof(line), "%s %d\n", step, (int)getpid());
	fd = open(mark, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, line, (size_t)len) != len)
		_exit(98);
	close(fd);
	for (;;)
		pause();
}

/* The failpoint; LUKSBOX_EPHEMERAL_MODEL and LUKSBOX_EBS_MODEL: qemu
 * cannot set the EC2 NVMe model strings, so VM tests name the one qemu
 * reports (for instance-store and EBS disks); at boot,
 * LUKSBOX_LOG_KMSG and LUKSBOX_LOG_SYSLOG: a file and a socket of the
 * test's for /dev/kmsg and /dev/log. */
void testhooks_volrun(struct volrun *r)
{
	const char *m = getenv("LUKSBOX_EPHEMERAL_MODEL");
	const char *ebs = getenv("LUKSBOX_EBS_MODEL");
	const char *kmsg = getenv("LUKSBOX_LOG_KMSG");
	const char *syslog = getenv("LUKSBOX_LOG_SYSLOG");

	if (m && *m)
		r->env.ephemeral_model = m;
	if (ebs && *ebs)
		r->env.ebs_model = ebs;
	r->env.step = (struct vol_step){failpoint, r};
	if (r->msg->boot && ((kmsg && *kmsg) || (syslog && *syslog)))
		msg_boot(r->msg, kmsg && *kmsg ? kmsg : NULL,
			 syslog && *syslog ? syslog : NULL);
}
#endif
