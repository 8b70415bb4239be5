/* status.c - a volume's state, for --status, changing nothing.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: volume.h (vol_status), internal.h.
 */
#include <stdio.h>
#include <string.h>

#include "crypto/luks.h"
#include "volume/internal.h"

int vol_status(const struct vol_env *env, const struct tab_volume *v,
	       struct vol_status *st)
{
	char link[80];
	int r;

	(void)env;
	memset(st, 0, sizeof(*st));
	snprintf(st->mountpoint, sizeof(st->mountpoint), "%s", v->mountpoint);
	r = luks_is_active(v->name, st->uuid);
	if (r < 0)
		return r;
	st->open = r;
	snprintf(link, sizeof(link), "/dev/md/%s", v->name);
	if (rdev_of(link))
		snprintf(st->backing, sizeof(st->backing), "%s", link);
	else if (v->ndevices == 1)
		snprintf(st->backing, sizeof(st->backing), "%s", v->devices[0]);
	r = mapping_mounted(v);
	if (r < 0)
		return r;
	st->mounted = r;
	return st->open && (st->mounted || !has_mount(v));
}
