/* md-assemble.c - create, assemble, stop and examine md RAID0 arrays.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: DESIGN.md "Applets", issue 5.
 */
#include "applets/applet.h"

const char md_assemble_usage[] =
	"Usage: md-assemble COMMAND [OPTIONS] [DEV...]\n"
	"\n"
	"RAID0 arrays with md v1.2 superblocks that mdadm accepts, without mdadm.\n"
	"NOT IMPLEMENTED YET in this build.\n"
	"\n"
	"Commands (planned):\n"
	"  create   --name NAME [--chunk 512K] [--readahead SECTORS] DEV...\n"
	"  assemble --name NAME | --uuid UUID [DEV...]\n"
	"  stop     NAME | /dev/mdX\n"
	"  examine  DEV...\n"
	"  list-ephemeral\n";

/* Honest placeholder until issue 5 lands: fail, never pretend. */
int md_assemble_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return fail(EXIT_FAIL,
		    "run md-assemble: not implemented yet in this build");
}
