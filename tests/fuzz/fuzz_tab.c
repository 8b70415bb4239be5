/* fuzz_tab.c - libFuzzer target: the /etc/luksbox.tab parser.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * Sources: conf/tab.c lib/msg.c
 *
 * The table is root-owned but written by people (and by config tools):
 * any text must give a table or an error naming a line and a word.
 * Invariants: an accepted table passes tab_check_volume() volume by
 * volume, with valid unique names, absolute unique devices and
 * mountpoints, every string NUL-terminated in its field, and tab_find()
 * finding each volume; a refused one says why on a real line; the same
 * text always gives the same table.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf/tab.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void terminated(const char *s, size_t cap)
{
	if (!memchr(s, 0, cap))
		__builtin_trap();
}

static void check_volume(const struct tab *t, size_t i, unsigned lines)
{
	const struct tab_volume *v = &t->volumes[i], *o;
	struct tab_error err;
	size_t k, d, e;

	terminated(v->name, sizeof(v->name));
	terminated(v->mountpoint, sizeof(v->mountpoint));
	terminated(v->fstype, sizeof(v->fstype));
	terminated(v->mkfs_opts, sizeof(v->mkfs_opts));
	terminated(v->mount_opts, sizeof(v->mount_opts));
	terminated(v->recovery, sizeof(v->recovery));
	terminated(v->blob_file, sizeof(v->blob_file));
	if (v->line < 1 || v->line > lines || tab_check_volume(v, &err) ||
	    tab_find(t, v->name) != v || v->nkeys < 1 ||
	    v->nkeys > TAB_MAX_KEYS || v->ndevices > TAB_MAX_DEVICES ||
	    v->ncontext > TAB_MAX_CONTEXT ||
	    (strcmp(v->fstype, "ext4") && strcmp(v->fstype, "xfs")) ||
	    (strcmp(v->mountpoint, "none") && v->mountpoint[0] != '/'))
		__builtin_trap();
	for (k = 0; k < v->nkeys; k++) {
		terminated(v->keys[k].key_id, sizeof(v->keys[k].key_id));
		terminated(v->keys[k].region, sizeof(v->keys[k].region));
		if (!v->keys[k].key_id[0])
			__builtin_trap();
	}
	for (k = 0; k < v->ncontext; k++) {
		terminated(v->context[k].key, sizeof(v->context[k].key));
		terminated(v->context[k].value, sizeof(v->context[k].value));
		if (!strncmp(v->context[k].key, "luksbox:", 8))
			__builtin_trap(); /* reserved */
	}
	for (d = 0; d < v->ndevices; d++) {
		terminated(v->devices[d], TAB_PATH);
		if (v->devices[d][0] != '/' || strpbrk(v->devices[d], " \t,"))
			__builtin_trap();
	}
	/* Nothing claimed twice, within a volume or across volumes. */
	for (k = 0; k <= i; k++) {
		o = &t->volumes[k];
		if (k < i && (!strcmp(o->name, v->name) ||
			      (strcmp(v->mountpoint, "none") &&
			       !strcmp(o->mountpoint, v->mountpoint)) ||
			      (o->ephemeral && v->ephemeral)))
			__builtin_trap();
		for (d = 0; d < o->ndevices; d++)
			for (e = 0; e < v->ndevices; e++)
				if ((k < i || d != e) &&
				    !strcmp(o->devices[d], v->devices[e]))
					__builtin_trap();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tab *t = malloc(sizeof(*t)), *again = malloc(sizeof(*again));
	struct tab_error err, err2;
	unsigned lines = 1;
	char *text = malloc(size + 1);
	size_t i;
	int r;

	memcpy(text, data, size);
	text[size] = 0;
	for (i = 0; i < size; i++)
		lines += data[i] == '\n';
	r = tab_parse(text, size, t, &err);
	if (r && r != -EINVAL && r != -E2BIG)
		__builtin_trap();
	terminated(err.word, sizeof(err.word));
	terminated(err.why, sizeof(err.why));
	if (r) {
		/* An error says why, and on which line (0: the whole text). */
		if (!err.why[0] || err.line > lines ||
		    (!err.line && !memchr(data, 0, size)))
			__builtin_trap();
	} else {
		if (err.line || t->nvolumes > TAB_MAX_VOLUMES)
			__builtin_trap();
		for (i = 0; i < t->nvolumes; i++)
			check_volume(t, i, lines);
	}
	if (tab_parse(text, size, again, &err2) != r ||
	    (!r && memcmp(t, again, sizeof(*t))) ||
	    memcmp(&err, &err2, sizeof(err)))
		__builtin_trap(); /* same text, same answer */
	free(text);
	free(again);
	free(t);
	return 0;
}
