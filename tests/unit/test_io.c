/* test_io.c - lib/io: whole writes, files created or replaced atomically
 * (mode exact, never through a symlink, no temporary left behind), whole
 * reads and first lines, symlinks replaced in one step, device sizes.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define T_SUITE "unit/io"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "t.h"
#include "lib/io.h"

/* Files in DIR besides "." and "..". */
static int entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	if (d)
		closedir(d);
	return n;
}

static int put(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644), r;

	if (fd < 0)
		return -1;
	r = io_write_all(fd, text, strlen(text));
	close(fd);
	return r;
}

/* A new file with exactly its mode, never a replaced one, never through a
 * symlink, no temporary left behind (moved from test_secret.c: the key and
 * recovery files are written this way). */
static void test_write_new(void)
{
	char dir[] = "/tmp/test_io.XXXXXX", p[64], q[64], l[64], buf[16];
	struct stat st;
	int fd;
	ssize_t n;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(p, sizeof(p), "%s/key", dir);
	snprintf(q, sizeof(q), "%s/recovery", dir);
	snprintf(l, sizeof(l), "%s/link", dir);
	CHECK(io_write_new(p, "secret", 6, 0600) == 0);
	CHECK(stat(p, &st) == 0 && (st.st_mode & 07777) == 0600 &&
	      st.st_size == 6);
	CHECK(io_write_new(q, "r", 1, 0400) == 0);
	CHECK(stat(q, &st) == 0 && (st.st_mode & 07777) == 0400);
	/* An existing file stays as it was. */
	CHECK(io_write_new(p, "other!!", 7, 0600) == -EEXIST);
	fd = open(p, O_RDONLY);
	n = fd >= 0 ? read(fd, buf, sizeof(buf)) : -1;
	CHECK(n == 6 && !memcmp(buf, "secret", 6));
	if (fd >= 0)
		close(fd);
	/* A dangling symlink is not followed: nothing appears at its target. */
	CHECK(symlink("/tmp/test_io_nowhere", l) == 0);
	CHECK(io_write_new(l, "x", 1, 0600) == -EEXIST);
	CHECK(access("/tmp/test_io_nowhere", F_OK) < 0);
	CHECK(entries(dir) == 3);
	/* A directory that is not there: the error, nothing made. */
	snprintf(p, sizeof(p), "%s/no/such", dir);
	CHECK(io_write_new(p, "x", 1, 0600) == -ENOENT);
	CHECK(entries(dir) == 3);
	snprintf(p, sizeof(p), "rm -rf '%s'", dir);
	CHECK(system(p) == 0);
}

/* Replace: the new content with its mode (umask cannot narrow it), the
 * old file gone in one rename, a symlink at PATH replaced (not followed),
 * content copied from an fd, no temporary left. */
static void test_write_replace(void)
{
	char dir[] = "/tmp/test_io.XXXXXX", p[64], l[64], src[64], buf[64];
	struct stat st;
	mode_t old = umask(077);
	size_t n;
	int fd;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(p, sizeof(p), "%s/blob", dir);
	snprintf(l, sizeof(l), "%s/link", dir);
	snprintf(src, sizeof(src), "%s/src", dir);
	CHECK(io_write_replace(p, "first", 5, -1, 0644) == 0);
	CHECK(stat(p, &st) == 0 && (st.st_mode & 07777) == 0644);
	CHECK(io_write_replace(p, "second!", 7, -1, 0600) == 0);
	CHECK(io_read_file(p, buf, sizeof(buf), &n) == 0 && n == 7 &&
	      !memcmp(buf, "second!", 7));
	CHECK(stat(p, &st) == 0 && (st.st_mode & 07777) == 0600);
	/* A symlink at PATH is replaced by the file; its target untouched. */
	CHECK(put(src, "target") == 0);
	CHECK(symlink(src, l) == 0);
	CHECK(io_write_replace(l, "file", 4, -1, 0600) == 0);
	CHECK(lstat(l, &st) == 0 && S_ISREG(st.st_mode));
	CHECK(io_read_file(src, buf, sizeof(buf), &n) == 0 && n == 6 &&
	      !memcmp(buf, "target", 6));
	/* From an fd, to its end. */
	fd = open(src, O_RDONLY);
	CHECK(fd >= 0);
	CHECK(io_write_replace(p, NULL, 0, fd, 0755) == 0);
	if (fd >= 0)
		close(fd);
	CHECK(io_read_file(p, buf, sizeof(buf), &n) == 0 && n == 6 &&
	      !memcmp(buf, "target", 6));
	CHECK(stat(p, &st) == 0 && (st.st_mode & 07777) == 0755);
	CHECK(entries(dir) == 3);
	umask(old);
	snprintf(p, sizeof(p), "rm -rf '%s'", dir);
	CHECK(system(p) == 0);
}

static void test_symlink_replace(void)
{
	char dir[] = "/tmp/test_io.XXXXXX", l[64], buf[64];
	ssize_t n;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(l, sizeof(l), "%s/md0", dir);
	CHECK(io_symlink_replace("../md127", l) == 0);
	n = readlink(l, buf, sizeof(buf) - 1);
	CHECK(n == 8 && !memcmp(buf, "../md127", 8));
	CHECK(io_symlink_replace("../md126", l) == 0);
	n = readlink(l, buf, sizeof(buf) - 1);
	CHECK(n == 8 && !memcmp(buf, "../md126", 8));
	CHECK(entries(dir) == 1);
	snprintf(buf, sizeof(buf), "rm -rf '%s'", dir);
	CHECK(system(buf) == 0);
}

/* io_sync_path: the file and its directory; never through a symlink. */
static void test_sync_path(void)
{
	char dir[] = "/tmp/test_io.XXXXXX", f[64], l[64], buf[96];

	CHECK(mkdtemp(dir) != NULL);
	snprintf(f, sizeof(f), "%s/backup", dir);
	snprintf(l, sizeof(l), "%s/link", dir);
	CHECK(put(f, "header") == 0);
	CHECK(io_sync_path(f) == 0);
	CHECK(io_sync_path(l) == -ENOENT);
	CHECK(symlink(f, l) == 0);
	CHECK(io_sync_path(l) == -ELOOP);
	CHECK(chdir(dir) == 0);
	CHECK(io_sync_path("backup") == 0);
	CHECK(chdir("/") == 0);
	CHECK(io_sync_path("/") == 0);
	snprintf(buf, sizeof(buf), "rm -rf '%s'", dir);
	CHECK(system(buf) == 0);
}

static void test_read(void)
{
	char dir[] = "/tmp/test_io.XXXXXX", p[64], e[64], buf[8], line[6];
	size_t n = 99;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(p, sizeof(p), "%s/f", dir);
	snprintf(e, sizeof(e), "%s/empty", dir);
	CHECK(put(p, "md127\nsecond\n") == 0);
	CHECK(put(e, "") == 0);
	/* Whole file: fits, or -EFBIG (never a silent cut). */
	CHECK(io_read_file(p, buf, sizeof(buf), &n) == -EFBIG);
	CHECK(io_read_file(e, buf, sizeof(buf), &n) == 0 && n == 0);
	CHECK(io_read_file("/nonexistent/x", buf, sizeof(buf), &n) == -ENOENT);
	/* First line: newline dropped; an empty file is -ENODATA; a long
	 * line is cut at LEN - 1. */
	CHECK(io_read_line(p, line, sizeof(line)) == 0 &&
	      !strcmp(line, "md127"));
	CHECK(io_read_line(e, line, sizeof(line)) == -ENODATA && !line[0]);
	CHECK(put(p, "0123456789\n") == 0);
	CHECK(io_read_line(p, line, sizeof(line)) == 0 &&
	      !strcmp(line, "01234"));
	CHECK(io_read_line(p, line, 0) == -EINVAL);
	snprintf(p, sizeof(p), "rm -rf '%s'", dir);
	CHECK(system(p) == 0);
}

/* io_write_all through a pipe in pieces larger than its buffer, and its
 * error once the reader is gone. */
static void test_write_all(void)
{
	static char big[256 * 1024], got[sizeof(big)];
	size_t off = 0;
	int pfd[2], st;
	pid_t pid;
	ssize_t r;

	memset(big, 'x', sizeof(big));
	big[sizeof(big) - 1] = 'y';
	CHECK(pipe(pfd) == 0);
	pid = fork();
	if (pid == 0) {
		close(pfd[0]);
		_exit(io_write_all(pfd[1], big, sizeof(big)) ? 1 : 0);
	}
	close(pfd[1]);
	while (off < sizeof(got) &&
	       (r = read(pfd[0], got + off, sizeof(got) - off)) > 0)
		off += (size_t)r;
	close(pfd[0]);
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	      WEXITSTATUS(st) == 0);
	CHECK(off == sizeof(big) && !memcmp(got, big, sizeof(big)));
	/* No reader: -EPIPE (SIGPIPE ignored here), not a hang or a 0. */
	CHECK(pipe(pfd) == 0);
	close(pfd[0]);
	signal(SIGPIPE, SIG_IGN);
	CHECK(io_write_all(pfd[1], "x", 1) == -EPIPE);
	close(pfd[1]);
}

static void test_dev_size(void)
{
	char p[] = "/tmp/test_io_size.XXXXXX";
	uint64_t sz = 0;
	int fd = mkstemp(p), pfd[2];

	CHECK(fd >= 0);
	CHECK(ftruncate(fd, 123456789) == 0);
	CHECK(io_dev_size(fd, &sz) == 0 && sz == 123456789);
	close(fd);
	unlink(p);
	/* Neither a block device nor a regular file. */
	CHECK(pipe(pfd) == 0);
	CHECK(io_dev_size(pfd[0], &sz) == -ENOTBLK);
	close(pfd[0]);
	close(pfd[1]);
}

int main(void)
{
	T_RUN(test_write_new);
	T_RUN(test_write_replace);
	T_RUN(test_symlink_replace);
	T_RUN(test_sync_path);
	T_RUN(test_read);
	T_RUN(test_write_all);
	T_RUN(test_dev_size);
	return T_END();
}
