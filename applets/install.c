/* install.c - `luksbox install`: put luksbox on this system, idempotently.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: conf/install.h, init/luksbox.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "applets/applet.h"
#include "conf/install.h"
#include "lib/proc.h"

const char install_usage[] =
	"Usage: luksbox install [--prefix DIR] [--root DIR] [--dry-run]\n"
	"\n"
	"Install this luksbox binary for boot-time unlocking, changing only\n"
	"what is not already so (a second run changes nothing):\n"
	"  PREFIX/sbin/luksbox and one symlink per applet (luks-mount, ...);\n"
	"  sysv init: /etc/init.d/luksbox, registered with chkconfig when\n"
	"    present, else rc links S15luksbox (2345) and K85luksbox (016);\n"
	"  systemd as PID 1: /etc/systemd/system/luksbox.service, enabled,\n"
	"    and systemctl daemon-reload run (not with --root);\n"
	"  /etc/sysconfig/luksbox (0600: AWS settings go there) and an example\n"
	"    /etc/luksbox.tab, both kept when they exist;\n"
	"  with dracut: /etc/dracut.conf.d/luksbox.conf omitting its crypt\n"
	"    module, so boot never waits at a passphrase prompt (skipped when\n"
	"    /etc/crypttab lists volumes); regenerate the initramfs after.\n"
	"What was installed is listed in " INST_MANIFEST
	" for\n`luksbox uninstall`.\n"
	"\n"
	"  -n, --dry-run     show every change, make none\n"
	"  -p, --prefix DIR  where sbin/luksbox goes (default /usr)\n"
	"  -r, --root DIR    act on the system image under DIR\n";

struct opts {
	struct inst_opts inst;
	int dry_run;
};

/* systemd reads a new or changed unit only after a daemon-reload: do it
 * when installing on the running system, so `systemctl start luksbox` (or
 * `service luksbox start`, which calls it) works next; else say so. */
static void reload_systemd(const char *root)
{
	char sc[] = "systemctl", dr[] = "daemon-reload";
	char *const argv[] = {sc, dr, NULL};

	if (strcmp(root, "/") == 0 && proc_run(argv, 0, NULL) == 0) {
		printf("systemctl daemon-reload: luksbox.service loaded\n");
		return;
	}
	printf("note: run 'systemctl daemon-reload'%s to load luksbox.service\n",
	       strcmp(root, "/") ? " on that system" : "");
}

static int parse(int argc, char **argv, struct opts *o)
{
	static const struct option longs[] = {
		{"dry-run", no_argument, NULL, 'n'},
		{"prefix", required_argument, NULL, 'p'},
		{"root", required_argument, NULL, 'r'},
		{NULL, 0, NULL, 0},
	};
	int c;

	while ((c = getopt_long(argc, argv, "np:r:", longs, NULL)) != -1) {
		switch (c) {
		case 'n':
			o->dry_run = 1;
			break;
		case 'p':
			o->inst.prefix = optarg;
			break;
		case 'r':
			o->inst.root = optarg;
			break;
		default:
			return -1;
		}
	}
	return optind < argc
		       ? usage_error("unexpected argument '%s'", argv[optind])
		       : 0;
}

int install_main(int argc, char **argv)
{
	const char *names[32];
	char pending[INST_MAX_ACTIONS];
	struct opts o = {.inst = {.root = "/",
				  .prefix = "/usr",
				  .self = "/proc/self/exe"}};
	struct inst_plan *plan; /* large: on the heap, not the stack */
	unsigned i, n = 0, changes = 0;
	char what[600];
	int r;

	r = parse(argc, argv, &o);
	if (r)
		return r < 0 ? usage_error("bad option") : r;
	for (i = 0; i < applets_count && n < 31; i++)
		if (!(applets[i].flags & AF_NOLINK))
			names[n++] = applets[i].name;
	names[n] = NULL;
	o.inst.applets = names;
	plan = calloc(1, sizeof(*plan));
	if (!plan)
		return fail_err(EXIT_FAIL, -ENOMEM, "plan the install");
	r = inst_plan_install(&o.inst, plan);
	if (r) {
		free(plan);
		return fail_err(EXIT_FAIL, r, "plan the install under %s",
				o.inst.root);
	}
	/* Check everything before changing anything: a file in the way
	 * stops the install with the system untouched. */
	for (i = 0; i < plan->n; i++) {
		r = inst_pending(&o.inst, &plan->a[i]);
		if (r < 0) {
			inst_describe(&plan->a[i], what, sizeof(what));
			free(plan);
			return fail_err(EXIT_FAIL, r, "%s%s", what,
					r == -EEXIST ? " (a file that is not "
						       "ours is in the way)"
						     : "");
		}
		pending[i] = (char)r;
	}
	for (i = 0; i < plan->n; i++) {
		const struct inst_action *a = &plan->a[i];

		/* Earlier steps (a new directory) do not change later ones,
		 * but a repeated step must not run twice. */
		if (!pending[i] || (i && inst_pending(&o.inst, a) == 0))
			continue;
		inst_describe(a, what, sizeof(what));
		changes++;
		printf("%s%s\n", o.dry_run ? "would " : "", what);
		if (o.dry_run)
			continue;
		r = inst_apply(&o.inst, a);
		if (r) {
			free(plan);
			return fail_err(EXIT_FAIL, r, "%s", what);
		}
	}
	if (!changes)
		printf("nothing to change: luksbox is installed\n");
	else if (!o.dry_run && plan->dracut)
		printf("note: regenerate the initramfs for the dracut drop-in "
		       "to take effect: dracut --force\n");
	if (changes && !o.dry_run && plan->systemd)
		reload_systemd(o.inst.root);
	free(plan);
	return EXIT_OK;
}
