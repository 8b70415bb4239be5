/* run.c - messages, AWS and volume setup shared by luks-setup and
 * luks-mount.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: run.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/clock.h"
#include "lib/msg.h"
#include "lib/proc.h"
#include "volume/run.h"

enum {
	ARENA_SIZE = 512 * 1024, /* AWS client, TLS, keys of 16 volumes */
};

void volrun_say(struct volrun *r, enum msg_level level, const char *text)
{
	if (level >= r->level)
		msg_put(r->msg, level, text);
}

/* The volume operations' log (struct vol_log). */
static void vol_said(void *arg, enum msg_level level, const char *text)
{
	volrun_say(arg, level, text);
}

/* Wipe progress: a bar on a terminal (5 a second), a log line every 10 s
 * else. A struct vol_progress. */
static void progress(void *arg, unsigned long long done,
		     unsigned long long total)
{
	struct volrun *r = arg;
	long long now = now_ms(), ms, eta;
	unsigned pct = total ? (unsigned)(done * 100 / total) : 100, i;
	double mib_s;
	char msg[160];

	if (!r->start_ms)
		r->start_ms = r->last_ms = now - 1;
	if (done != total && now - r->last_ms < (r->tty ? 200 : 10000))
		return;
	r->last_ms = now;
	ms = now - r->start_ms;
	mib_s = (double)done / 1048576.0 / ((double)ms / 1000.0);
	eta = done ? (long long)((double)(total - done) * (double)ms /
				 (double)done / 1000.0)
		   : 0;
	snprintf(msg, sizeof(msg),
		 "%3u%%, %llu of %llu MiB, %.1f MiB/s, %s %lld:%02lld", pct,
		 done >> 20, total >> 20, mib_s, done == total ? "took" : "ETA",
		 (done == total ? ms / 1000 : eta) / 60,
		 (done == total ? ms / 1000 : eta) % 60);
	if (!r->tty) {
		char line[200];

		snprintf(line, sizeof(line), "wiping: %s", msg);
		volrun_say(r, MSG_INFO, line);
		return;
	}
	fprintf(stderr, "\r%s: wiping [", r->msg->prog);
	for (i = 0; i < 30; i++)
		fputc(i < pct * 30 / 100 ? '#' : ' ', stderr);
	fprintf(stderr, "] %s %s", msg, done == total ? "\n" : "");
}

int volrun_option(struct msg_ctx *m, int c, const char *arg,
		  struct aws_opts *aws, enum msg_level *level)
{
	char why[256];
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
			break;
		return 0;
	case 'l':
		if (msg_level_parse(arg, level))
			break;
		return 0;
	default:
		return -1;
	}
	snprintf(why, sizeof(why), "%s %s: %s",
		 c == 'T' ? "--timeout" : "--log-level", arg,
		 c == 'T' ? "want seconds"
			  : "want debug, info, warning or error");
	return msg_usage(m, why);
}

int volrun_init(struct volrun *r, struct msg_ctx *m, enum msg_level level,
		int boot)
{
	int err;

	memset(r, 0, sizeof(*r));
	r->msg = m;
	r->level = level;
	r->tty = isatty(2);
	if (boot)
		msg_boot(m, NULL, NULL);
	err = secret_arena_init(&r->arena, ARENA_SIZE, 0);
	if (err) {
		err = msg_failed(m, EXIT_FAIL,
				 "lock memory for keys (mlock; run as root)",
				 strerror(-err));
		msg_fini(m);
		return err;
	}
	r->env.arena = &r->arena;
	r->env.log = (struct vol_log){vol_said, r};
	r->env.progress = (struct vol_progress){progress, r};
	r->env.interactive = isatty(0) && !boot;
	return 0;
}

int volrun_aws(struct volrun *r)
{
	struct msg_error e;
	int err;

	if (r->aws)
		return 0;
	r->aws = malloc(sizeof(*r->aws));
	if (!r->aws)
		return msg_failed(r->msg, EXIT_FAIL, "set up the AWS client",
				  "out of memory");
	err = aws_init(r->aws, &r->arena, &r->aws_opts);
	if (err) {
		aws_error_msg(&r->aws->error, &e);
		aws_fini(r->aws);
		free(r->aws);
		r->aws = NULL;
		return msg_failed(r->msg, msg_exit_class(err),
				  "set up the AWS client", e.why);
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
	msg_fini(r->msg);
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
		(void)proc_modprobe(mods[i]);
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
		volrun_say(r, i == 1 ? MSG_DEBUG : MSG_WARN, msg);
	}
}

int volrun_table(struct volrun *r, const char *path, int allow_missing,
		 struct tab *t)
{
	struct tab_error te = {0};
	struct msg_error e;
	int err;

	err = tab_load(path, t, &te);
	if (err == -ENOENT && allow_missing) {
		memset(t, 0, sizeof(*t));
		return 0;
	}
	if (!err)
		return 0;
	tab_error_msg(&te, err, path, &e);
	return msg_failed(r->msg, EXIT_FAIL, e.what, e.why);
}

int volrun_read_key(struct volrun *r, const char *path, unsigned char **key,
		    size_t *len)
{
	enum {
		KEY_MAX = 8192
	};
	int fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : 0;
	char what[TAB_PATH + 32];
	ssize_t n = 0;
	int err = 0;

	*len = 0;
	*key = secret_alloc(&r->arena, KEY_MAX);
	if (fd < 0 || !*key)
		err = fd < 0 ? errno : ENOMEM;
	while (!err && (n = read(fd, *key + *len, KEY_MAX - *len)) > 0)
		*len += (size_t)n;
	if (n < 0)
		err = errno;
	if (fd > 0)
		close(fd);
	snprintf(what, sizeof(what), "read the key file %s", path);
	if (err || *len == 0 || *len == KEY_MAX)
		return msg_failed(r->msg, EXIT_FAIL, what,
				  err	 ? strerror(err)
				  : *len ? "too long (8 KiB at most)"
					 : "it is empty");
	return 0;
}
