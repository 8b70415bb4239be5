/* freeze.c - freeze a volume's file system for a consistent snapshot, with
 * a watchdog that thaws it by itself.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: volume.h (vol_freeze, vol_thaw), block/fs.h (fs_freeze),
 *      ioctl_fs(2) FIFREEZE, flock(2), docs/design.md "Snapshots".
 *
 * A frozen file system blocks every writer, the init system's and the
 * logger's included: it must never stay frozen because the script that
 * froze it died. So --freeze leaves a watchdog: a child in its own session
 * that holds an exclusive flock on /run/luksbox/NAME.freeze ("PID UNTIL",
 * UNTIL the wall-clock second it thaws) and an open descriptor on the
 * mount point (the mount stays busy, and the thaw reaches this file
 * system even if the path changes), sleeps on the monotonic clock, thaws,
 * and writes "timeout UNTIL" so that a late --thaw can say the snapshot
 * may not be consistent. The lock is the proof the watchdog lives: its pid
 * is signalled only while the lock is held, never a pid from a stale file.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "block/fs.h"
#include "lib/clock.h"
#include "lib/io.h"
#include "lib/proc.h"
#include "volume/internal.h"

#define STATE_DIR "/run/luksbox"

/* The mount point of V, mounted: its directory open into *FD. 0 or
 * -errno with E filled (-ENOENT: not mounted). */
static int open_mount(const struct tab_volume *v, const char *doing, int *fd,
		      struct msg_error *e)
{
	int r = has_mount(v) ? mapping_mounted(v) : 0;

	if (r < 0)
		return msg_why(e, r, "cannot read the mount table: %s",
			       strerror(-r));
	if (!r)
		return msg_why(e, -ENOENT,
			       "/dev/mapper/%s is not mounted on %s: nothing "
			       "to %s",
			       v->name, has_mount(v) ? v->mountpoint : "(none)",
			       doing);
	*fd = open(v->mountpoint, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (*fd < 0)
		return msg_why(e, -errno, "cannot open %s: %s", v->mountpoint,
			       strerror(errno));
	return 0;
}

/* The state file of V: its path into PATH (CAP bytes). */
static const char *state_path(const struct tab_volume *v, char *path,
			      size_t cap)
{
	snprintf(path, cap, STATE_DIR "/%s.freeze", v->name);
	return path;
}

/* V's state file, opened (created with CREATE) into *FD: 1 when a live
 * watchdog holds it (*PID its pid), 0 when none does (the lock is now
 * ours), -errno. *TIMEOUT: the file says the watchdog thawed it at its
 * timeout; *WHEN: the time it thaws, or thawed. */
static int state_open(const struct tab_volume *v, int create, int *fd,
		      pid_t *pid, int *timeout, long long *when)
{
	char path[128], buf[64], word[16] = "";
	ssize_t n;

	if (create) {
		mkdir("/run", 0755);
		if (mkdir(STATE_DIR, 0700) < 0 && errno != EEXIST)
			return -errno;
	}
	*fd = open(state_path(v, path, sizeof(path)),
		   O_RDWR | O_CLOEXEC | O_NOFOLLOW | (create ? O_CREAT : 0),
		   0600);
	if (*fd < 0)
		return -errno;
	n = pread(*fd, buf, sizeof(buf) - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	*when = 0;
	if (sscanf(buf, "%15s %lld", word, when) != 2)
		word[0] = '\0';
	*timeout = !strcmp(word, "timeout");
	if (!flock(*fd, LOCK_EX | LOCK_NB))
		return 0;
	if (errno != EWOULDBLOCK)
		return -errno;
	*pid = (pid_t)atoll(word);
	return 1;
}

/* The watchdog, in its own session: freeze, say how it went on REPORT,
 * sleep until DEADLINE, thaw. Never returns. */
static void watchdog(int dir, int state, int report, int64_t deadline,
		     long long until)
{
	char line[64];
	int r, n;

	n = snprintf(line, sizeof(line), "%d %lld\n", (int)getpid(), until);
	if (ftruncate(state, 0) < 0 || pwrite(state, line, (size_t)n, 0) != n)
		r = -errno;
	else
		r = fs_freeze(dir, 1);
	if (io_write_all(report, &r, sizeof(r)) < 0 || r < 0)
		_exit(1);
	close(report);
	while (deadline_left(deadline)) {
		int64_t ms = deadline_left(deadline);
		struct timespec ts = {ms / 1000, ms % 1000 * 1000000};

		nanosleep(&ts, NULL);
	}
	/* Thawed by hand meanwhile (fsfreeze -u): nothing to report. */
	if (fs_freeze(dir, 0) == 0) {
		n = snprintf(line, sizeof(line), "timeout %lld\n",
			     (long long)time(NULL));
		if (ftruncate(state, 0) == 0)
			(void)!pwrite(state, line, (size_t)n, 0);
	}
	_exit(0);
}

int vol_freeze(const struct vol_env *env, const struct tab_volume *v,
	       unsigned timeout_s, struct msg_error *e)
{
	char at[24], path[128];
	long long until = (long long)time(NULL) + timeout_s, when;
	int dir = -1, state = -1, p[2] = {-1, -1}, r, got = 0, expired;
	pid_t pid = 0;

	memset(e, 0, sizeof(*e));
	msg_what(e, "freeze %s", v->name);
	r = open_mount(v, "freeze", &dir, e);
	if (r < 0)
		return r;
	r = state_open(v, 1, &state, &pid, &expired, &when);
	if (r < 0) {
		r = msg_why(e, r, "cannot open its state in " STATE_DIR ": %s",
			    strerror(-r));
		goto out;
	}
	if (r == 1) {
		r = msg_why(e, -EALREADY,
			    "%s is frozen already by luks-mount --freeze "
			    "(its watchdog, pid %d, thaws it at %s); "
			    "luks-mount --thaw %s thaws it now",
			    v->mountpoint, (int)pid,
			    utc_iso8601(when, at, sizeof(at)), v->name);
		goto out;
	}
	if (pipe2(p, O_CLOEXEC) < 0) {
		r = msg_why(e, -errno, "cannot start its watchdog: %s",
			    strerror(errno));
		goto out;
	}
	pid = proc_detach();
	if (pid == 0) {
		close(p[0]);
		watchdog(dir, state, p[1],
			 deadline_in((int64_t)timeout_s * 1000), until);
	}
	close(p[1]);
	if (pid < 0) {
		r = msg_why(e, pid, "cannot start its watchdog: %s",
			    strerror(-pid));
		goto out;
	}
	while ((got = (int)read(p[0], &r, sizeof(r))) < 0 && errno == EINTR)
		;
	if (got != (int)sizeof(r))
		r = -ECHILD;
	if (r == -EBUSY)
		r = msg_why(e, -EALREADY,
			    "%s is frozen already, not by luks-mount "
			    "--freeze (fsfreeze?); luks-mount --thaw %s "
			    "thaws it",
			    v->mountpoint, v->name);
	else if (r < 0)
		r = msg_why(e, r, "cannot freeze %s: %s%s", v->mountpoint,
			    strerror(-r),
			    r == -EOPNOTSUPP ? " (the file system cannot be "
					       "frozen)"
					     : "");
	if (r < 0) {
		unlink(state_path(v, path, sizeof(path)));
		goto out;
	}
	vol_say(env, MSG_INFO,
		"%s: froze %s; it thaws by itself in %u s (at %s) unless "
		"luks-mount --thaw %s comes first (watchdog pid %d)",
		v->name, v->mountpoint, timeout_s,
		utc_iso8601(until, at, sizeof(at)), v->name, (int)pid);
	r = 0;
out:
	if (p[0] >= 0)
		close(p[0]);
	if (state >= 0)
		close(state);
	if (dir >= 0)
		close(dir);
	return r;
}

int vol_thaw(const struct vol_env *env, const struct tab_volume *v,
	     struct msg_error *e)
{
	char path[128], at[24];
	long long when = 0;
	int dir = -1, state = -1, live, expired = 0, r;
	pid_t pid = 0;

	memset(e, 0, sizeof(*e));
	msg_what(e, "thaw %s", v->name);
	r = open_mount(v, "thaw", &dir, e);
	if (r < 0)
		return r;
	state_path(v, path, sizeof(path));
	live = state_open(v, 0, &state, &pid, &expired, &when);
	r = fs_freeze(dir, 0);
	/* Only while its lock is held is the pid surely the watchdog's. */
	if (live == 1 && pid > 1 && !kill(pid, SIGTERM)) {
		/* Gone before we return: a --freeze right after must not
		 * find its lock still held. 2 s at most. */
		int64_t until = deadline_in(2000);

		while (flock(state, LOCK_EX | LOCK_NB) && deadline_left(until))
			usleep(10000);
	}
	if (live >= 0)
		unlink(path);
	if (!r)
		vol_say(env, MSG_INFO, "%s: thawed %s%s", v->name,
			v->mountpoint,
			live == 1 ? ""
				  : " (frozen without a luks-mount watchdog)");
	else if (r == -EINVAL && live == 0 && expired)
		r = msg_why(e, -ETIME,
			    "%s was not frozen: its watchdog thawed it by "
			    "itself at %s, when --timeout ran out; a snapshot "
			    "begun after then is only crash-consistent "
			    "(freeze with a longer --timeout)",
			    v->mountpoint, utc_iso8601(when, at, sizeof(at)));
	else if (r == -EINVAL)
		r = msg_why(e, r, "%s is not frozen", v->mountpoint);
	else
		r = msg_why(e, r, "cannot thaw %s: %s", v->mountpoint,
			    strerror(-r));
	if (state >= 0)
		close(state);
	close(dir);
	return r;
}
