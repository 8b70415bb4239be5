/* main.c - luksbox's dispatcher: one binary, many applets (busybox style).
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: docs/style.md "Applets" (execline's sorted table, toybox's flags).
 *
 * The applet is the basename of argv[0] (a symlink such as /sbin/luks-mount)
 * or, for `luksbox APPLET ARGS`, the first argument. --help, --version, the
 * root check and process hardening happen here, once, from the table.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "applets/applet.h"
#include "crypto/secret.h"

#include "lib/msg.h"
#include "version.h"

/* The target, as `uname -m` and the release file names say it. */
#if defined(__x86_64__)
#define LUKSBOX_ARCH "x86_64"
#elif defined(__aarch64__)
#define LUKSBOX_ARCH "aarch64"
#else
#error "luksbox is built for x86_64 and aarch64 only"
#endif

struct msg_ctx applet_msg = {.prog = "luksbox", .kmsg_fd = -1, .syslog_fd = -1};

const struct applet applets[] = {
#define APPLET(id, cmd, fl) {cmd, id##_main, id##_usage, fl},
#include "applets.def"
#undef APPLET
};
const unsigned applets_count = sizeof(applets) / sizeof(applets[0]);

static int cmp_applet(const void *key, const void *elem)
{
	return strcmp(key, ((const struct applet *)elem)->name);
}

const struct applet *applet_find(const char *name)
{
	return bsearch(name, applets, applets_count, sizeof(applets[0]),
		       cmp_applet);
}

int fail_err(int code, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	msg_vsay(&applet_msg, MSG_ERR, "unable to ", err, fmt, ap);
	va_end(ap);
	return code;
}

int usage_error(const char *fmt, ...)
{
	char buf[MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return msg_usage(&applet_msg, buf);
}

void note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	msg_vsay(&applet_msg, MSG_INFO, "", 0, fmt, ap);
	va_end(ap);
}

static void list_applets(FILE *f)
{
	unsigned i;

	for (i = 0; i < applets_count; i++)
		fprintf(f, "%s\n", applets[i].name);
}

static void print_version(void)
{
	printf("luksbox %s %s\n", LUKSBOX_VERSION, LUKSBOX_ARCH);
	/* From the lock deps.sh built: Debian source package, version, licence. */
	printf("linked with (library: Debian 12 source package and version, "
	       "licence):\n%s",
	       LUKSBOX_LINKED);
}

static void print_main_usage(FILE *f)
{
	fprintf(f, "Usage: luksbox APPLET [ARGS...]   or   APPLET [ARGS...] "
		   "(through a symlink)\n"
		   "       luksbox --list | --version | --help\n"
		   "\n"
		   "Encrypted data volumes for EC2: LUKS2 keys wrapped by AWS "
		   "KMS,\nunlocked at boot with the instance role.\n"
		   "\nApplets:\n");
	list_applets(f);
	fprintf(f, "\n'luksbox APPLET --help' describes one.\n");
}

static int run(const struct applet *a, int argc, char **argv)
{
	int r;

	msg_init(&applet_msg, a->name);
	if (argc > 1 && !strcmp(argv[1], "--help")) {
		fputs(a->usage, stdout);
		return EXIT_OK;
	}
	if (argc > 1 && !strcmp(argv[1], "--version")) {
		print_version();
		return EXIT_OK;
	}
	if ((a->flags & AF_SECRET) && (r = secret_harden_process()) < 0)
		return fail_err(EXIT_FAIL, r, "harden process");
	if ((a->flags & AF_ROOT) && geteuid() != 0)
		return fail(EXIT_FAIL,
			    "start: %s needs root (block devices, "
			    "device-mapper); run it with sudo",
			    a->name);
	return a->main(argc, argv);
}

static int not_found(const char *name)
{
	char text[300];

	/* applet_msg still says "luksbox": no applet runs. */
	snprintf(text, sizeof(text), "%.255s: applet not found", name);
	msg_put(&applet_msg, MSG_ERR, text);
	return EXIT_NOAPPLET;
}

int main(int argc, char **argv)
{
	const struct applet *a;
	const char *name = strrchr(argv[0] ? argv[0] : "", '/');

	name = name ? name + 1 : (argv[0] ? argv[0] : "luksbox");
	/* luksbox itself, or a release file (luksbox-VERSION-ARCH) run as it
	 * is; any other name is an applet's. */
	if (strcmp(name, "luksbox") && strncmp(name, "luksbox-", 8)) {
		a = applet_find(name);
		if (!a)
			return not_found(name);
		return run(a, argc, argv);
	}
	if (argc < 2 || !strcmp(argv[1], "--list")) {
		list_applets(stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "--help")) {
		print_main_usage(stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "--version")) {
		print_version();
		return EXIT_OK;
	}
	a = applet_find(argv[1]);
	if (!a)
		return not_found(argv[1]);
	return run(a, argc - 1, argv + 1);
}
