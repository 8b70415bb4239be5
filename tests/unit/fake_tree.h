/* fake_tree.h - fabricated file trees for unit tests (a sysfs, a
 * mountinfo, a swaps file under a temporary directory).
 * SPDX-License-Identifier: GPL-2.0-or-later
 * Include after t.h.
 */
#ifndef LUKSBOX_FAKE_TREE_H
#define LUKSBOX_FAKE_TREE_H

#include <stdio.h>
#include <stdlib.h>

/* mkdir -p for the parent of ROOT/REL and write TEXT to it. 0 or -1. */
static inline int t_put_file(const char *root, const char *rel,
			     const char *text)
{
	char path[512], cmd[700];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"", path);
	if (system(cmd))
		return -1;
	f = fopen(path, "w");
	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

/* rm -rf ROOT (a mkdtemp() directory). 0 or the shell's status. */
static inline int t_rm_rf(const char *root)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd);
}

#endif
