/* maxrss.c - run a command and say its peak resident set size: a test
 * tool for the VM guest (busybox's `time -v` reports ru_maxrss x 4, taking
 * kilobytes for pages), built static with musl.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Usage: maxrss FILE COMMAND [ARG]...
 * Runs COMMAND, then writes "MAXRSS_KIB N" (getrusage's ru_maxrss of the
 * command and the children it waited for, in KiB) to FILE. Exit: the
 * command's status (128 + signal when killed), 2 for usage or set-up
 * errors.
 */
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct rusage ru;
	FILE *f;
	pid_t pid;
	int st;

	if (argc < 3) {
		fprintf(stderr, "usage: maxrss FILE COMMAND [ARG]...\n");
		return 2;
	}
	pid = fork();
	if (pid < 0)
		return 2;
	if (pid == 0) {
		execvp(argv[2], argv + 2);
		perror(argv[2]);
		_exit(127);
	}
	if (wait4(pid, &st, 0, &ru) != pid)
		return 2;
	f = fopen(argv[1], "w");
	if (!f || fprintf(f, "MAXRSS_KIB %ld\n", ru.ru_maxrss) < 0 || fclose(f))
		return 2;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
