/* proc.c - run a program and wait; modprobe.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: proc.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/proc.h"

int proc_run(char *const argv[], unsigned flags, int *status)
{
	pid_t pid;
	int st;

	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		if (flags & PROC_QUIET) {
			int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

			if (fd >= 0) {
				dup2(fd, 1);
				dup2(fd, 2);
			}
		}
		if (strchr(argv[0], '/'))
			execv(argv[0], argv);
		else
			execvp(argv[0], argv);
		_exit(errno == ENOENT ? 127 : 126);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (status)
		*status = st;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 127)
		return -ENOENT;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -ECHILD;
}

int proc_modprobe(const char *name)
{
	char *const argv[] = {"modprobe", "-q", (char *)name, NULL};
	char *const sbin[] = {"/sbin/modprobe", "-q", (char *)name, NULL};
	int r = proc_run(argv, PROC_QUIET, NULL);

	if (r == -ENOENT)
		r = proc_run(sbin, PROC_QUIET, NULL);
	return r;
}

pid_t proc_detach(void)
{
	pid_t pid = fork();
	int fd;

	if (pid < 0)
		return -errno;
	if (pid)
		return pid;
	setsid();
	if (chdir("/") < 0)
		_exit(1);
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
	}
	return 0;
}
