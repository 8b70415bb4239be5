/* volcommon.c - logging, AWS and volume setup shared by luks-setup and
 * luks-mount.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: volcommon.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "applets/applet.h"
#include "applets/volcommon.h"
#include "lib/clock.h"
#include "lib/msg.h"

enum {
	ARENA_SIZE = 512 * 1024, /* AWS client, TLS, keys of 16 volumes */
};

int logger_level(const char *s, enum vol_level *out)
{
	static const char *const names[] = {
		[VOL_DEBUG] = "debug",
		[VOL_INFO] = "info",
		[VOL_WARN] = "warning",
		[VOL_ERR] = "error",
	};
	unsigned i;

	for (i = 0; i < 4; i++)
		if (!strcmp(s, names[i])) {
			*out = (enum vol_level)i;
			return 0;
		}
	return -EINVAL;
}

void logger_init(struct logger *lg, enum vol_level level, int boot)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};

	memset(lg, 0, sizeof(*lg));
	lg->level = level;
	lg->boot = boot;
	lg->kmsg_fd = lg->syslog_fd = -1;
	lg->tty = isatty(2);
	if (!boot)
		return;
	lg->kmsg_fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC | O_NOCTTY);
	strcpy(sa.sun_path, "/dev/log");
	lg->syslog_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (lg->syslog_fd >= 0 &&
	    connect(lg->syslog_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(lg->syslog_fd);
		lg->syslog_fd = -1;
	}
}

void logger_fini(struct logger *lg)
{
	if (lg->kmsg_fd >= 0)
		close(lg->kmsg_fd);
	if (lg->syslog_fd >= 0)
		close(lg->syslog_fd);
	lg->kmsg_fd = lg->syslog_fd = -1;
}

void logger_msg(void *arg, enum vol_level level, const char *raw)
{
	/* syslog/kmsg priorities: debug 7, info 6, warning 4, error 3. */
	static const int prio[] = {7, 6, 4, 3};
	struct logger *lg = arg;
	char line[1200], stamp[32] = "", msg[1100];
	time_t now;
	struct tm tm;
	int n;

	if (level < lg->level)
		return;
	/* Text from disks and servers: a newline would forge a log record,
	 * an ESC drive the terminal. Escaped once, for every sink. */
	msg_escape(msg, sizeof(msg), raw);
	if (lg->boot) {
		now = time(NULL);
		localtime_r(&now, &tm);
		strftime(stamp, sizeof(stamp), "[%Y-%m-%d %H:%M:%S] ", &tm);
	}
	fprintf(stderr, "%s%s: %s\n", stamp, applet_name, msg);
	if (lg->kmsg_fd >= 0) {
		/* LOG_DAEMON (3 << 3): shows in the console log as luksbox. */
		n = snprintf(line, sizeof(line), "<%d>luksbox: %s: %s\n",
			     24 + prio[level], applet_name, msg);
		if (n > 0 &&
		    write(lg->kmsg_fd, line,
			  (size_t)n < sizeof(line) ? (size_t)n
						   : sizeof(line) - 1) < 0)
			close(lg->kmsg_fd), lg->kmsg_fd = -1;
	}
	if (lg->syslog_fd >= 0) {
		n = snprintf(line, sizeof(line), "<%d>%s: %s", 24 + prio[level],
			     applet_name, msg);
		if (n > 0)
			(void)!send(lg->syslog_fd, line,
				    (size_t)n < sizeof(line) ? (size_t)n
							     : sizeof(line) - 1,
				    MSG_DONTWAIT);
	}
}

int logger_fail(struct logger *lg, const struct vol_error *e)
{
	char msg[1000];

	snprintf(msg, sizeof(msg), "unable to %s: %s", e->what, e->why);
	logger_msg(lg, VOL_ERR, msg);
	return exit_class(e->err ? e->err : -EIO);
}

void logger_progress(void *arg, unsigned long long done,
		     unsigned long long total)
{
	/* A bar on a terminal (5 a second); a log line every 10 s else. */
	struct logger *lg = arg;
	long long now = now_ms(), ms, eta;
	unsigned pct = total ? (unsigned)(done * 100 / total) : 100, i;
	double mib_s;
	char msg[160];

	if (!lg->start_ms)
		lg->start_ms = lg->last_ms = now - 1;
	if (done != total && now - lg->last_ms < (lg->tty ? 200 : 10000))
		return;
	lg->last_ms = now;
	ms = now - lg->start_ms;
	mib_s = (double)done / 1048576.0 / ((double)ms / 1000.0);
	eta = done ? (long long)((double)(total - done) * (double)ms /
				 (double)done / 1000.0)
		   : 0;
	snprintf(msg, sizeof(msg),
		 "%3u%%, %llu of %llu MiB, %.1f MiB/s, %s %lld:%02lld", pct,
		 done >> 20, total >> 20, mib_s, done == total ? "took" : "ETA",
		 (done == total ? ms / 1000 : eta) / 60,
		 (done == total ? ms / 1000 : eta) % 60);
	if (!lg->tty) {
		char line[200];

		snprintf(line, sizeof(line), "wiping: %s", msg);
		logger_msg(lg, VOL_INFO, line);
		return;
	}
	fprintf(stderr, "\r%s: wiping [", applet_name);
	for (i = 0; i < 30; i++)
		fputc(i < pct * 30 / 100 ? '#' : ' ', stderr);
	fprintf(stderr, "] %s %s", msg, done == total ? "\n" : "");
}

int volrun_option(int c, const char *arg, struct aws_opts *aws,
		  enum vol_level *level)
{
	char *end;

	switch (c) {
	case 'r':
		aws->region = arg;
		return 0;
	case 'e':
		aws->endpoint_url = arg;
		return 0;
	case 'C':
		aws->ca_file = arg;
		return 0;
	case 'T':
		aws->timeout_s = (int)strtol(arg, &end, 10);
		if (*end || aws->timeout_s < 1)
			return usage_error("--timeout %s: want seconds", arg);
		return 0;
	case 'l':
		if (logger_level(arg, level))
			return usage_error("--log-level %s: want debug, info, "
					   "warning or error",
					   arg);
		return 0;
	default:
		return -1;
	}
}

#ifdef LUKSBOX_TEST_HOOKS
/* The test build only (build/obj/test-hooks/luksbox): the shipped binary has no
 * hooks, since whoever sets root's environment would otherwise choose
 * which disks count as instance storage, i.e. which may be formatted. */

/*
 * Failpoint. LUKSBOX_FAILPOINT=STEP: die right after STEP, as a power cut
 * would, leaving the disks as they are at that instant.
 * LUKSBOX_FAILPOINT=STEP:hold: after STEP, write "STEP PID" to the file
 * LUKSBOX_FAILPOINT_MARK (default /run/luksbox.hold) and wait forever, so
 * a test can kill the process (group) from outside, or cut the power, with
 * everything of that instant still open (the mapping, the array).
 */
static void failpoint(void *arg, const char *step)
{
	const char *fp = arg, *mark;
	size_t n = strlen(step);
	char line[64];
	int fd, len;

	if (!fp || strncmp(fp, step, n) || (fp[n] && strcmp(fp + n, ":hold")))
		return;
	if (!fp[n]) {
		fprintf(stderr, "%s: failpoint %s: stopping dead\n",
			applet_name, step);
		_exit(99);
	}
	mark = getenv("LUKSBOX_FAILPOINT_MARK");
	if (!mark || !*mark)
		mark = "/run/luksbox.hold";
	fprintf(stderr, "%s: failpoint %s: holding (pid %d) until killed\n",
		applet_name, step, (int)getpid());
	len = snprintf(line, sizeof(line), "%s %d\n", step, (int)getpid());
	fd = open(mark, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, line, (size_t)len) != len)
		_exit(98);
	close(fd);
	for (;;)
		pause();
}

/* The failpoint, and LUKSBOX_EPHEMERAL_MODEL: qemu cannot set the EC2
 * NVMe model string, so VM tests name the one qemu reports. */
static void test_hooks(struct volrun *r)
{
	const char *m = getenv("LUKSBOX_EPHEMERAL_MODEL");

	if (m && *m) {
		snprintf(r->model, sizeof(r->model), "%s", m);
		r->env.ephemeral_model = r->model;
	}
	r->env.step = (struct vol_step){failpoint, getenv("LUKSBOX_FAILPOINT")};
}
#else
static void test_hooks(struct volrun *r)
{
	(void)r;
}
#endif

int volrun_init(struct volrun *r, enum vol_level level, int boot)
{
	int err;

	memset(r, 0, sizeof(*r));
	logger_init(&r->log, level, boot);
	err = secret_arena_init(&r->arena, ARENA_SIZE, 0);
	if (err) {
		logger_fini(&r->log);
		return fail_err(EXIT_FAIL, err,
				"lock memory for keys (mlock; run as root)");
	}
	r->env.arena = &r->arena;
	r->env.log = (struct vol_log){logger_msg, &r->log};
	r->env.progress = (struct vol_progress){logger_progress, &r->log};
	r->env.interactive = isatty(0) && !boot;
	test_hooks(r);
	return 0;
}

int volrun_aws(struct volrun *r)
{
	char msg[800];
	int err;

	if (r->aws)
		return 0;
	r->aws = malloc(sizeof(*r->aws));
	if (!r->aws)
		return fail(EXIT_FAIL, "set up the AWS client: out of memory");
	err = aws_init(r->aws, &r->arena, &r->aws_opts);
	if (err) {
		aws_error_format(&r->aws->error, msg, sizeof(msg));
		aws_fini(r->aws);
		free(r->aws);
		r->aws = NULL;
		return fail(exit_class(err), "set up the AWS client: %s", msg);
	}
	r->env.aws = r->aws;
	return 0;
}

void volrun_fini(struct volrun *r)
{
	if (r->aws) {
		aws_fini(r->aws);
		free(r->aws);
	}
	secret_arena_fini(&r->arena);
	logger_fini(&r->log);
}

/* modprobe -q NAME, from PATH or /sbin; the result shows in /sys/module. */
static void modprobe(const char *name)
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return;
	if (pid == 0) {
		int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execlp("modprobe", "modprobe", "-q", name, (char *)NULL);
		execl("/sbin/modprobe", "modprobe", "-q", name, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
}

void volrun_modules(struct volrun *r, int need_md)
{
	static const char *const mods[] = {"dm_mod", "dm_crypt", "md_mod",
					   "raid0"};
	char path[64], msg[200];
	struct stat st;
	unsigned i;

	for (i = 0; i < (need_md ? 4U : 2U); i++) {
		snprintf(path, sizeof(path), "/sys/module/%s", mods[i]);
		if (stat(path, &st) == 0)
			continue;
		modprobe(mods[i]);
		/* Built-in drivers without parameters have no /sys/module
		 * entry: their device nodes tell instead. */
		if (stat(path, &st) == 0 ||
		    (i == 0 && stat("/dev/mapper/control", &st) == 0) ||
		    (i == 2 && stat("/proc/mdstat", &st) == 0))
			continue;
		snprintf(msg, sizeof(msg),
			 "kernel module %s is not loaded and modprobe could "
			 "not load it: %s will fail",
			 mods[i], i < 2 ? "opening volumes" : "RAID0");
		logger_msg(&r->log, i == 1 ? VOL_DEBUG : VOL_WARN, msg);
	}
}

int volrun_table(struct volrun *r, const char *path, int allow_missing,
		 struct tab *t)
{
	struct tab_error te = {0};
	int err;

	(void)r;
	err = tab_load(path, t, &te);
	if (err == -ENOENT && allow_missing) {
		memset(t, 0, sizeof(*t));
		return 0;
	}
	if (err && te.line)
		return fail(EXIT_FAIL, "read %s: line %u: '%s': %s", path,
			    te.line, te.word, te.why);
	if (err)
		return fail(EXIT_FAIL, "read %s: %s", path,
			    te.why[0] ? te.why : strerror(-err));
	return 0;
}
