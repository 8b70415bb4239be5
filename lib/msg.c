/* msg.c - every message escaped, to every sink; errors to exit codes.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: msg.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "lib/msg.h"

int msg_is_control(unsigned char c, unsigned char d)
{
	/* C1 controls (U+0080-U+009F, CSI among them) arrive as UTF-8. */
	return c < 0x20 || c == 0x7f || (c == 0xc2 && d >= 0x80 && d <= 0x9f);
}

size_t msg_escape(char *out, size_t cap, const char *in)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)in;
	size_t n = 0, w, i;

	if (!cap)
		return 0;
	for (; *s; s++) {
		/* S[1] is readable: at worst it is the terminating NUL. */
		w = msg_is_control(s[0], s[1]) ? (s[0] == 0xc2 ? 2 : 1) : 0;
		if (!w) {
			if (n + 1 >= cap)
				break;
			out[n++] = (char)*s;
			continue;
		}
		if (n + 4 * w >= cap)
			break;
		for (i = 0; i < w; i++) {
			out[n++] = '\\';
			out[n++] = 'x';
			out[n++] = hex[s[i] >> 4];
			out[n++] = hex[s[i] & 15];
		}
		s += w - 1;
	}
	out[n] = 0;
	return n;
}

int err_temporary(int err)
{
	switch (err < 0 ? -err : err) {
	case ETIMEDOUT:
	case EAGAIN:
	case EBUSY:
	case EINTR:
	case ECONNREFUSED:
	case ECONNRESET:
	case ECONNABORTED:
	case EHOSTUNREACH:
	case ENETUNREACH:
	case ENETDOWN:
	case EPIPE:
		return 1;
	default:
		return 0;
	}
}

int msg_exit_class(int err)
{
	return err_temporary(err) ? EXIT_TEMP : EXIT_FAIL;
}

int msg_level_parse(const char *s, enum msg_level *out)
{
	static const char *const names[] = {
		[MSG_DEBUG] = "debug",
		[MSG_INFO] = "info",
		[MSG_WARN] = "warning",
		[MSG_ERR] = "error",
	};
	unsigned i;

	for (i = 0; i < 4; i++)
		if (!strcmp(s, names[i])) {
			*out = (enum msg_level)i;
			return 0;
		}
	return -EINVAL;
}

void msg_init(struct msg_ctx *m, const char *prog)
{
	memset(m, 0, sizeof(*m));
	m->prog = prog;
	m->kmsg_fd = m->syslog_fd = -1;
}

void msg_boot(struct msg_ctx *m, const char *kmsg, const char *syslog)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};

	msg_fini(m);
	m->boot = 1;
	m->kmsg_fd = open(kmsg ? kmsg : "/dev/kmsg",
			  O_WRONLY | O_CLOEXEC | O_NOCTTY);
	if (!syslog)
		syslog = "/dev/log";
	if (strlen(syslog) >= sizeof(sa.sun_path))
		return;
	strcpy(sa.sun_path, syslog);
	m->syslog_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (m->syslog_fd >= 0 &&
	    connect(m->syslog_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(m->syslog_fd);
		m->syslog_fd = -1;
	}
}

void msg_fini(struct msg_ctx *m)
{
	if (m->kmsg_fd >= 0)
		close(m->kmsg_fd);
	if (m->syslog_fd >= 0)
		close(m->syslog_fd);
	m->kmsg_fd = m->syslog_fd = -1;
	m->boot = 0;
}

/* Bytes of one /dev/kmsg record, its newline included, plus the NUL. */
#define KMSG_RECORD_MAX 977

void msg_put(struct msg_ctx *m, enum msg_level level, const char *text)
{
	/* syslog/kmsg priorities: debug 7, info 6, warning 4, error 3. */
	static const int prio[] = {7, 6, 4, 3};
	char esc[MSG_ESC_LEN(MSG_MAX)], line[1200], stamp[32] = "";
	time_t now;
	struct tm tm;
	int n;

	/* Text from disks and servers: a newline would forge a log record,
	 * an ESC drive the terminal. Escaped once, for every sink. */
	msg_escape(esc, sizeof(esc), text);
	if (m->boot) {
		now = time(NULL);
		localtime_r(&now, &tm);
		strftime(stamp, sizeof(stamp), "[%Y-%m-%d %H:%M:%S] ", &tm);
	}
	/* One fprintf per line: the line reaches stderr whole, unbuffered. */
	fprintf(stderr, "%s%s: %s\n", stamp, m->prog, esc);
	if (m->kmsg_fd >= 0) {
		/* LOG_DAEMON (3 << 3): shows in the console log as luksbox. */
		n = snprintf(line, sizeof(line), "<%d>luksbox: %s: %s\n",
			     24 + prio[level], m->prog, esc);
		/* The kernel refuses a longer record whole (EINVAL: 992
		 * bytes on 4.14, 1024 on 6.1): cut it, marked. */
		if (n >= KMSG_RECORD_MAX) {
			memcpy(line + KMSG_RECORD_MAX - 5, "...\n", 5);
			n = KMSG_RECORD_MAX - 1;
		}
		if (n > 0 && write(m->kmsg_fd, line, (size_t)n) < 0)
			close(m->kmsg_fd), m->kmsg_fd = -1;
	}
	if (m->syslog_fd >= 0) {
		n = snprintf(line, sizeof(line), "<%d>%s: %s", 24 + prio[level],
			     m->prog, esc);
		if (n > 0)
			(void)!send(m->syslog_fd, line,
				    (size_t)n < sizeof(line) ? (size_t)n
							     : sizeof(line) - 1,
				    MSG_DONTWAIT);
	}
}

void msg_vsay(struct msg_ctx *m, enum msg_level level, const char *prefix,
	      int err, const char *fmt, va_list ap)
{
	char buf[MSG_MAX];
	size_t p = strlen(prefix);
	int n;

	memcpy(buf, prefix, p); /* a short constant ("unable to ") */
	n = vsnprintf(buf + p, sizeof(buf) - p, fmt, ap);
	n = n < 0 ? (int)p : (int)p + n;
	if (err && (size_t)n < sizeof(buf))
		snprintf(buf + n, sizeof(buf) - (size_t)n, ": %s",
			 strerror(err < 0 ? -err : err));
	msg_put(m, level, buf);
}

int msg_failed(struct msg_ctx *m, int code, const char *what, const char *why)
{
	char buf[MSG_MAX];

	snprintf(buf, sizeof(buf), "unable to %s: %s", what, why);
	msg_put(m, MSG_ERR, buf);
	return code;
}

void msg_what(struct msg_error *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e->what, sizeof(e->what), fmt, ap);
	va_end(ap);
}

int msg_why(struct msg_error *e, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e->why, sizeof(e->why), fmt, ap);
	va_end(ap);
	e->err = err;
	return err;
}

int msg_errno(struct msg_error *e, int err)
{
	return msg_why(e, err, "%s", strerror(-err));
}

int msg_report(struct msg_ctx *m, const struct msg_error *e)
{
	return msg_failed(m, msg_exit_class(e->err ? e->err : -EIO), e->what,
			  e->why);
}

int msg_usage(struct msg_ctx *m, const char *text)
{
	msg_put(m, MSG_ERR, text);
	/* Guidance for whoever typed the command: the terminal only. */
	fprintf(stderr, "Try '%s --help' for more information.\n", m->prog);
	return EXIT_USAGE;
}
