/* test_proc.c - lib/proc: a program run and waited for, its outcome told
 * apart (exit 0, a non-zero exit, a signal, not found), PROC_QUIET, and
 * modprobe not hanging or failing loudly where there is none.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define T_SUITE "unit/proc"
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "t.h"
#include "lib/proc.h"

static void test_outcomes(void)
{
	char *const ok[] = {"true", NULL};
	char *const no[] = {"false", NULL};
	char *const abs_ok[] = {"/bin/sh", "-c", "exit 0", NULL};
	char *const three[] = {"/bin/sh", "-c", "exit 3", NULL};
	char *const killed[] = {"/bin/sh", "-c", "kill -9 $$", NULL};
	char *const missing[] = {"luksbox-no-such-program", NULL};
	char *const abs_missing[] = {"/nonexistent/prog", NULL};
	int st = -1;

	CHECK(proc_run(ok, 0, &st) == 0 && WIFEXITED(st) &&
	      WEXITSTATUS(st) == 0);
	CHECK(proc_run(no, 0, NULL) == -ECHILD);
	CHECK(proc_run(abs_ok, 0, NULL) == 0);
	CHECK(proc_run(three, 0, &st) == -ECHILD && WIFEXITED(st) &&
	      WEXITSTATUS(st) == 3);
	CHECK(proc_run(killed, 0, &st) == -ECHILD && WIFSIGNALED(st) &&
	      WTERMSIG(st) == 9);
	CHECK(proc_run(missing, 0, NULL) == -ENOENT);
	CHECK(proc_run(abs_missing, 0, NULL) == -ENOENT);
}

/* PROC_QUIET: the child's stdout and stderr go to /dev/null, ours stay. */
static void test_quiet(void)
{
	char p[] = "/tmp/test_proc.XXXXXX", buf[64];
	char *const talk[] = {"/bin/sh", "-c", "echo out; echo err >&2", NULL};
	int fd = mkstemp(p), save1 = dup(1), save2 = dup(2);
	ssize_t n;

	CHECK(fd >= 0 && save1 >= 0 && save2 >= 0);
	fflush(stdout);
	dup2(fd, 1);
	dup2(fd, 2);
	CHECK(proc_run(talk, PROC_QUIET, NULL) == 0);
	CHECK(proc_run(talk, 0, NULL) == 0);
	dup2(save1, 1);
	dup2(save2, 2);
	close(save1);
	close(save2);
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	CHECK(n >= 0);
	buf[n > 0 ? n : 0] = '\0';
	/* Only the second, unquiet run wrote. */
	CHECK(!strcmp(buf, "out\nerr\n"));
	close(fd);
	unlink(p);
}

/* No such module (or no modprobe at all): an error, quietly, promptly. */
static void test_modprobe(void)
{
	CHECK(proc_modprobe("luksbox_no_such_module") != 0);
}

int main(void)
{
	T_RUN(test_outcomes);
	T_RUN(test_quiet);
	T_RUN(test_modprobe);
	return T_END();
}
