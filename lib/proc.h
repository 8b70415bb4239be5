/* proc.h - run a program and wait for it; load a kernel module.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: fork(2), execve(2), execvp(3), waitpid(2), modprobe(8).
 *
 * The child inherits nothing secret: the key arena is MADV_DONTFORK
 * (crypto/secret.h) and every descriptor we open is O_CLOEXEC.
 */
#ifndef LUKSBOX_PROC_H
#define LUKSBOX_PROC_H

#include <sys/types.h>

enum {
	PROC_QUIET = 1 << 0, /* the child's stdout and stderr to /dev/null */
};

/*
 * Run ARGV (ARGV[0] searched in PATH when it holds no '/') and wait for
 * it. 0 when it exited 0; -ENOENT when it could not be executed (not
 * found); -ECHILD when it exited non-zero or was killed; another -errno
 * when fork or wait failed. *STATUS, when not NULL, gets the wait status.
 */
int proc_run(char *const argv[], unsigned flags, int *status);

/*
 * modprobe -q NAME, from PATH, else /sbin/modprobe, quietly. 0 when it
 * ran and succeeded; the caller checks /sys/module (a built-in driver
 * has no module to load) for the result that matters.
 */
int proc_modprobe(const char *name);

/*
 * Fork a child that outlives its parent: in its own session (setsid: no
 * controlling terminal, not killed with the caller's process group), its
 * working directory / (it holds no mount busy), stdin, stdout and stderr
 * on /dev/null. Returns 0 in the child, its pid in the parent, or -errno
 * (nothing forked). The child ends with _exit(), never returning.
 */
pid_t proc_detach(void);

#endif
