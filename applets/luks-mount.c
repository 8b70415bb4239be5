/* luks-mount.c - unlock and mount KMS-protected volumes at boot.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: DESIGN.md "Applets", issue 6.
 */
#include "applets/applet.h"

const char luks_mount_usage[] =
	"Usage: luks-mount [--config FILE] -a | NAME...\n"
	"       luks-mount --stop [-a | NAME...]\n"
	"       luks-mount --status [--json] [-a | NAME...]\n"
	"       luks-mount --key-file FILE NAME\n"
	"\n"
	"At boot: assemble, unwrap the key through AWS KMS, open and mount each\n"
	"configured volume. NOT IMPLEMENTED YET in this build.\n";

/* Honest placeholder until issue 6 lands: fail, never pretend. */
int luks_mount_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return fail(EXIT_FAIL,
		    "run luks-mount: not implemented yet in this build");
}
