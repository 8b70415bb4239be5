/* ptyfeed.c - run a command on a new pseudo-terminal and type answers at
 * its prompts, as a person at the console would: a test tool for the VM
 * guest (its busybox has no pty tool), built static with musl.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Usage: ptyfeed ANSWERS -- COMMAND [ARG]...
 * ANSWERS is a file of lines; each is typed (with a newline) when the
 * terminal's output ends in ": " (a prompt), in order. Everything the
 * terminal shows goes to stdout, so a test can check what was echoed.
 * Answers never go through argv. Exit: the command's status, 124 when it
 * runs over 300 s (killed), 2 for usage or set-up errors.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define LIMIT_S 300

static int die(const char *what)
{
	fprintf(stderr, "ptyfeed: %s: %s\n", what, strerror(errno));
	return 2;
}

int main(int argc, char **argv)
{
	char answers[4096], tail[2] = {0, 0}, buf[512], *next;
	struct pollfd p;
	time_t start = time(NULL);
	int m, s, status, n;
	FILE *f;
	pid_t pid;

	if (argc < 4 || strcmp(argv[2], "--")) {
		fprintf(stderr, "usage: ptyfeed ANSWERS -- COMMAND [ARG]...\n");
		return 2;
	}
	f = fopen(argv[1], "re");
	if (!f)
		return die(argv[1]);
	n = (int)fread(answers, 1, sizeof(answers) - 1, f);
	fclose(f);
	answers[n] = 0;
	next = answers;

	m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (m < 0 || grantpt(m) < 0 || unlockpt(m) < 0)
		return die("posix_openpt");
	pid = fork();
	if (pid < 0)
		return die("fork");
	if (pid == 0) {
		/* A session of its own: the pty becomes its /dev/tty. */
		setsid();
		s = open(ptsname(m), O_RDWR);
		if (s < 0)
			_exit(die("open pty"));
		dup2(s, 0);
		dup2(s, 1);
		dup2(s, 2);
		if (s > 2)
			close(s);
		execvp(argv[3], argv + 3);
		die(argv[3]);
		_exit(127);
	}
	p.fd = m;
	p.events = POLLIN;
	for (;;) {
		if (time(NULL) - start > LIMIT_S) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			fprintf(stderr, "ptyfeed: %s ran over %d s\n", argv[3],
				LIMIT_S);
			return 124;
		}
		if (poll(&p, 1, 1000) <= 0)
			continue;
		n = (int)read(m, buf, sizeof(buf));
		if (n <= 0)
			break; /* EIO: the command closed the terminal */
		fwrite(buf, 1, (size_t)n, stdout);
		fflush(stdout);
		if (n >= 2) {
			tail[0] = buf[n - 2];
			tail[1] = buf[n - 1];
		} else {
			tail[0] = tail[1];
			tail[1] = buf[0];
		}
		if (tail[0] == ':' && tail[1] == ' ' && *next) {
			size_t len = strcspn(next, "\n");

			if (write(m, next, len) < 0 || write(m, "\n", 1) < 0)
				return die("write");
			next += len + (next[len] == '\n');
			tail[0] = tail[1] = 0;
		}
	}
	close(m);
	if (waitpid(pid, &status, 0) < 0)
		return die("waitpid");
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
