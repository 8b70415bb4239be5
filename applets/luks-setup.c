/* luks-setup.c - provision a KMS-unlocked LUKS2 volume.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: DESIGN.md "Applets", issue 6.
 */
#include "applets/applet.h"

const char luks_setup_usage[] =
	"Usage: luks-setup [--config FILE] NAME\n"
	"       luks-setup --name NAME --kms-key KEY [--kms-key KEY@REGION]...\n"
	"                  [--fstype ext4|xfs] [--mount DIR] [--recovery prompt|FILE]\n"
	"                  [--context K=V]... [--blob-file PATH] [--wipe] [--force]\n"
	"                  DEV...\n"
	"\n"
	"RAID0 (when more than one device), LUKS2 format with a random key wrapped\n"
	"by AWS KMS, mkfs and mount. NOT IMPLEMENTED YET in this build.\n";

/* Honest placeholder until issue 6 lands: fail, never pretend. */
int luks_setup_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return fail(EXIT_FAIL,
		    "run luks-setup: not implemented yet in this build");
}
