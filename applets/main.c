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

const char *applet_name = "luksbox";

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

static void vmsg(const char *prefix, const char *fmt, va_list ap, int err)
{
	/* One fprintf per line: the line reaches stderr whole, unbuffered. */
	char buf[1024], esc[MSG_ESC_LEN(1024)];
	int n;

	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	if (n < 0)
		n = 0;
	if (err && (size_t)n < sizeof(buf))
		snprintf(buf + n, sizeof(buf) - n, ": %s",
			 strerror(err < 0 ? -err : err));
	/* Arguments may hold text from disks and servers: never raw. */
	msg_escape(esc, sizeof(esc), buf);
	fprintf(stderr, "%s: %s%s\n", applet_name, prefix, esc);
}

int fail(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("unable to ", fmt, ap, 0);
	va_end(ap);
	return code;
}

int fail_err(int code, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("unable to ", fmt, ap, err);
	va_end(ap);
	return code;
}

int usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("", fmt, ap, 0);
	va_end(ap);
	fprintf(stderr, "Try '%s --help' for more information.\n", applet_name);
	return EXIT_USAGE;
}

void note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("", fmt, ap, 0);
	va_end(ap);
}

int exit_class(int err)
{
	return err_temporary(err) ? EXIT_TEMP : EXIT_FAIL;
}

static void list_applets(FILE *f)
{
	unsigned i;

	for (i = 0; i < applets_count; i++)
		fprintf(f, "%s\n", applets[i].name);
}

static void print_version(void)
{
	printf("luksbox %s\n", LUKSBOX_VERSION);
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

	applet_name = a->name;
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
	char esc[MSG_ESC_LEN(256)], cut[256];

	snprintf(cut, sizeof(cut), "%s", name);
	msg_escape(esc, sizeof(esc), cut);
	fprintf(stderr, "luksbox: %s: applet not found\n", esc);
	return EXIT_NOAPPLET;
}

int main(int argc, char **argv)
{
	const struct applet *a;
	const char *name = strrchr(argv[0] ? argv[0] : "", '/');

	name = name ? name + 1 : (argv[0] ? argv[0] : "luksbox");
	if (strcmp(name, "luksbox")) {
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
