/* uninstall.c - `luksbox uninstall`: remove exactly what install put there.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: conf/install.h.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "applets/applet.h"
#include "conf/install.h"

const char uninstall_usage[] =
	"Usage: luksbox uninstall [--root DIR] [--dry-run]\n"
	"\n"
	"Remove what `luksbox install` recorded in " INST_MANIFEST ":\n"
	"the binary, its applet links, the init script or systemd unit and\n"
	"their links (chkconfig --del first when chkconfig placed them), the\n"
	"dracut drop-in, and the directories install created. A file changed\n"
	"since it was installed (your edited /etc/luksbox.tab or\n"
	"/etc/sysconfig/luksbox) is kept and named, and so is a directory\n"
	"that is not empty.\n"
	"Open volumes stay open: run `luks-mount --stop -a` first to close them.\n"
	"\n"
	"  -n, --dry-run     show every change, make none\n"
	"  -r, --root DIR    act on the system image under DIR\n";

int uninstall_main(int argc, char **argv)
{
	static const struct option longs[] = {
		{"dry-run", no_argument, NULL, 'n'},
		{"root", required_argument, NULL, 'r'},
		{NULL, 0, NULL, 0},
	};
	struct inst_opts o = {.root = "/", .self = "/proc/self/exe"};
	struct inst_plan *plan; /* large: on the heap, not the stack */
	unsigned i, changes = 0;
	int c, r, dry_run = 0;
	char what[600];

	while ((c = getopt_long(argc, argv, "nr:", longs, NULL)) != -1) {
		if (c == 'n')
			dry_run = 1;
		else if (c == 'r')
			o.root = optarg;
		else
			return usage_error("bad option");
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	plan = calloc(1, sizeof(*plan));
	if (!plan)
		return fail_err(EXIT_FAIL, -ENOMEM, "plan the removal");
	r = inst_plan_uninstall(&o, plan);
	if (r == -ENOENT) {
		free(plan);
		printf("nothing to remove: no %s under %s\n", INST_MANIFEST,
		       o.root);
		return EXIT_OK;
	}
	if (r) {
		free(plan);
		return fail_err(EXIT_FAIL, r, "read %s under %s", INST_MANIFEST,
				o.root);
	}
	for (i = 0; i < plan->n; i++) {
		const struct inst_action *a = &plan->a[i];

		inst_describe(a, what, sizeof(what));
		/* Nothing was removed from it in a dry run: say the rule. */
		if (dry_run && a->kind == INST_RM_DIR) {
			printf("would %s if nothing else is left in it\n",
			       what);
			changes++;
			continue;
		}
		if (inst_kept(&o, a)) {
			printf("keep %s: %s\n", a->path,
			       a->kind == INST_RM_DIR
				       ? "not empty"
				       : "changed since it was installed");
			continue;
		}
		r = inst_pending(&o, a);
		if (r <= 0)
			continue;
		changes++;
		printf("%s%s\n", dry_run ? "would " : "", what);
		if (!dry_run && (r = inst_apply(&o, a))) {
			free(plan);
			return fail_err(EXIT_FAIL, r, "%s", what);
		}
	}
	if (!changes)
		printf("nothing to remove\n");
	free(plan);
	return EXIT_OK;
}
