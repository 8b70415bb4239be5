/* test_msg.c - lib/msg: control bytes escaped before any sink; every
 * message to every sink at boot; errors to exit codes.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: lib/msg.h.
 */
#define T_SUITE "unit/msg"
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "t.h"
#include "lib/msg.h"

static const char *esc(const char *in, size_t cap)
{
	static char out[256];

	memset(out, 'Z', sizeof(out));
	msg_escape(out, cap, in);
	return out;
}

static void test_escapes_controls(void)
{
	CHECK(!strcmp(esc("plain text: /dev/xvdb é", 256),
		      "plain text: /dev/xvdb é"));
	CHECK(!strcmp(esc("a\nb", 256), "a\\x0ab"));
	CHECK(!strcmp(esc("\x1b[2Jx", 256), "\\x1b[2Jx"));
	CHECK(!strcmp(esc("\r\t\x7f\x01", 256), "\\x0d\\x09\\x7f\\x01"));
	/* C1 CSI as UTF-8 (U+009B): both bytes; U+00A0 stays. */
	CHECK(!strcmp(esc("x\xc2\x9b"
			  "2J\xc2\xa0",
			  256),
		      "x\\xc2\\x9b2J\xc2\xa0"));
	CHECK(!strcmp(esc("", 256), ""));
}

/* Cut at a whole escape, always terminated, never past CAP. */
static void test_cut(void)
{
	const char *o;

	o = esc("ab\ncd", 5);
	CHECKF(!strcmp(o, "ab"), "%s", o);
	CHECK(o[5] == 'Z');
	o = esc("ab\ncd", 7);
	CHECKF(!strcmp(o, "ab\\x0a"), "%s", o);
	o = esc("abcdef", 4);
	CHECK(!strcmp(o, "abc") && o[4] == 'Z');
	o = esc("\xc2\x85", 8);
	CHECK(!strcmp(o, ""));
	o = esc("\xc2\x85", 9);
	CHECK(!strcmp(o, "\\xc2\\x85"));
	CHECK(msg_escape(NULL, 0, "x") == 0);
}

static void test_is_control(void)
{
	CHECK(msg_is_control('\n', 0) && msg_is_control(0x1b, '['));
	CHECK(msg_is_control(0x7f, 0) && msg_is_control(0xc2, 0x9f));
	CHECK(!msg_is_control(' ', 0) && !msg_is_control('~', 0));
	CHECK(!msg_is_control(0xc2, 0xa0) && !msg_is_control(0xc3, 0x80));
}

static void test_exit_class(void)
{
	CHECK(msg_exit_class(-ETIMEDOUT) == EXIT_TEMP);
	CHECK(msg_exit_class(ECONNREFUSED) == EXIT_TEMP);
	CHECK(msg_exit_class(-EBUSY) == EXIT_TEMP);
	CHECK(msg_exit_class(-EACCES) == EXIT_FAIL);
	CHECK(msg_exit_class(-EIO) == EXIT_FAIL);
	CHECK(msg_exit_class(0) == EXIT_FAIL);
	CHECK(EXIT_OK == 0 && EXIT_FAIL == 1 && EXIT_USAGE == 2 &&
	      EXIT_TEMP == 75 && EXIT_NOAPPLET == 127);
}

static void test_level_parse(void)
{
	enum msg_level l = MSG_ERR;

	CHECK(msg_level_parse("debug", &l) == 0 && l == MSG_DEBUG);
	CHECK(msg_level_parse("info", &l) == 0 && l == MSG_INFO);
	CHECK(msg_level_parse("warning", &l) == 0 && l == MSG_WARN);
	CHECK(msg_level_parse("error", &l) == 0 && l == MSG_ERR);
	CHECK(msg_level_parse("warn", &l) == -EINVAL && l == MSG_ERR);
	CHECK(msg_level_parse("", &l) == -EINVAL);
}

/* msg_what() and msg_why() fill a struct msg_error, cut to fit;
 * msg_why() returns the code it stored. */
static void test_error_fill(void)
{
	struct msg_error e = {0};
	char longer[1500];

	msg_what(&e, "open %s", "cassandra");
	CHECK(!strcmp(e.what, "open cassandra"));
	CHECK(msg_why(&e, -EIO, "disk %d failed", 3) == -EIO);
	CHECK(e.err == -EIO && !strcmp(e.why, "disk 3 failed"));
	memset(longer, 'x', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	msg_what(&e, "%s", longer);
	CHECK(strlen(e.what) == sizeof(e.what) - 1);
	CHECK(msg_why(&e, -ENOSPC, "%s", longer) == -ENOSPC);
	CHECK(strlen(e.why) == sizeof(e.why) - 1 && e.err == -ENOSPC);
}

/* Read what a sink got: the file, or every datagram (one a line). */
static size_t slurp_file(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, cap - 1);

	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = 0;
	return n > 0 ? (size_t)n : 0;
}

static size_t slurp_socket(int s, char *buf, size_t cap)
{
	size_t used = 0;
	ssize_t n;

	while (used + 1 < cap &&
	       (n = recv(s, buf + used, cap - 1 - used, MSG_DONTWAIT)) > 0) {
		used += (size_t)n;
		if (used + 1 < cap)
			buf[used++] = '\n';
	}
	buf[used] = 0;
	return used;
}

/* At boot each message reaches stderr, kmsg and syslog, escaped once, with
 * its priority; after msg_fini() only stderr. */
static void test_sinks(void)
{
	char dir[] = "/tmp/test_msg.XXXXXX", kmsg[64], sock[64], got[4096];
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct msg_ctx m;
	struct msg_error e = {-ETIMEDOUT, "reach KMS", "no answer"};
	int s, fd, err2 = dup(2), devnull = open("/dev/null", O_WRONLY);

	CHECK(mkdtemp(dir) != NULL);
	snprintf(kmsg, sizeof(kmsg), "%s/kmsg", dir);
	snprintf(sock, sizeof(sock), "%s/log", dir);
	fd = open(kmsg, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0);
	close(fd);
	s = socket(AF_UNIX, SOCK_DGRAM, 0);
	strcpy(sa.sun_path, sock);
	CHECK(s >= 0 && bind(s, (struct sockaddr *)&sa, sizeof(sa)) == 0);

	msg_init(&m, "luks-mount");
	CHECK(m.kmsg_fd == -1 && m.syslog_fd == -1 && !m.boot);
	msg_boot(&m, kmsg, sock);
	CHECK(m.boot && m.kmsg_fd >= 0 && m.syslog_fd >= 0);
	dup2(devnull, 2); /* the stderr copies: not in the test's output */
	msg_put(&m, MSG_INFO, "data: opened\n\x1b[2Jforged");
	CHECK(msg_failed(&m, EXIT_FAIL, "read /t", "line 1: 'x': bad") ==
	      EXIT_FAIL);
	CHECK(msg_report(&m, &e) == EXIT_TEMP);
	CHECK(msg_usage(&m, "--x: no") == EXIT_USAGE);
	msg_fini(&m);
	CHECK(m.kmsg_fd == -1 && m.syslog_fd == -1 && !m.boot);
	msg_put(&m, MSG_ERR, "after fini: stderr only");
	dup2(err2, 2);
	close(err2);
	close(devnull);

	slurp_file(kmsg, got, sizeof(got));
	CHECKF(!strcmp(got, "<30>luksbox: luks-mount: data: opened\\x0a"
			    "\\x1b[2Jforged\n"
			    "<27>luksbox: luks-mount: unable to read /t: line "
			    "1: 'x': bad\n"
			    "<27>luksbox: luks-mount: unable to reach KMS: no "
			    "answer\n"
			    "<27>luksbox: luks-mount: --x: no\n"),
	       "%s", got);
	slurp_socket(s, got, sizeof(got));
	CHECKF(!strcmp(got, "<30>luks-mount: data: opened\\x0a\\x1b[2Jforged\n"
			    "<27>luks-mount: unable to read /t: line 1: 'x': "
			    "bad\n"
			    "<27>luks-mount: unable to reach KMS: no answer\n"
			    "<27>luks-mount: --x: no\n"),
	       "%s", got);
	close(s);
	unlink(kmsg);
	unlink(sock);
	rmdir(dir);
}

/* A message longer than the kernel takes in one /dev/kmsg record is cut
 * (marked) rather than refused, and the sink keeps working after it. */
static void test_kmsg_long(void)
{
	char dir[] = "/tmp/test_msg.XXXXXX", kmsg[64], nolog[64], got[4096];
	char text[2000];
	struct msg_ctx m;
	int fd, err2 = dup(2), devnull = open("/dev/null", O_WRONLY);
	char *nl;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(kmsg, sizeof(kmsg), "%s/kmsg", dir);
	fd = open(kmsg, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0);
	close(fd);
	memset(text, 'k', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	msg_init(&m, "luks-mount");
	snprintf(nolog, sizeof(nolog), "%s/no-log", dir);
	msg_boot(&m, kmsg, nolog); /* no syslog: never the host's */
	dup2(devnull, 2);
	msg_put(&m, MSG_ERR, text);
	msg_put(&m, MSG_INFO, "after the long one");
	msg_fini(&m);
	dup2(err2, 2);
	close(err2);
	close(devnull);
	slurp_file(kmsg, got, sizeof(got));
	nl = strchr(got, '\n');
	CHECK(nl != NULL);
	/* 976 bytes with the newline: under 4.14's 992-byte limit. */
	CHECKF(nl && nl - got + 1 == 976 && !strncmp(nl - 3, "...", 3),
	       "first record: %d bytes", nl ? (int)(nl - got + 1) : -1);
	CHECK(nl && !strcmp(nl + 1, "<30>luksbox: luks-mount: after the long "
				    "one\n"));
	unlink(kmsg);
	rmdir(dir);
}

/* A sink that is not there is left out; the others still work. */
static void test_missing_sinks(void)
{
	struct msg_ctx m;

	msg_init(&m, "x");
	msg_boot(&m, "/nonexistent/kmsg", "/nonexistent/log");
	CHECK(m.boot && m.kmsg_fd == -1 && m.syslog_fd == -1);
	msg_fini(&m);
}

int main(void)
{
	T_RUN(test_escapes_controls);
	T_RUN(test_cut);
	T_RUN(test_is_control);
	T_RUN(test_exit_class);
	T_RUN(test_level_parse);
	T_RUN(test_error_fill);
	T_RUN(test_sinks);
	T_RUN(test_missing_sinks);
	T_RUN(test_kmsg_long);
	return T_END();
}
