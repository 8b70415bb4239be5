/* dmtask.c - the libdevmapper tasks block/ and crypto/ both run.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: lib/dmtask.h, libdevmapper.h.
 */
#include <errno.h>
#include <libdevmapper.h>

#include "lib/dmtask.h"

static void quiet(int level, const char *file, int line, int dm_errno,
		  const char *f, ...)
{
	(void)level;
	(void)file;
	(void)line;
	(void)dm_errno;
	(void)f;
}

void dmtask_quiet(void)
{
	dm_log_with_errno_init(quiet);
}

int dmtask_simple(int type, const char *name)
{
	struct dm_task *t = dm_task_create(type);
	int r = 0;

	if (!t)
		return -ENOMEM;
	if (!dm_task_set_name(t, name) || !dm_task_run(t))
		r = dm_task_get_errno(t) ? -dm_task_get_errno(t) : -EIO;
	dm_task_destroy(t);
	dm_task_update_nodes();
	return r;
}

int dmtask_swap(const char *name)
{
	int r = dmtask_simple(DM_DEVICE_SUSPEND, name);
	int q = dmtask_simple(DM_DEVICE_RESUME, name);

	return r ? r : q;
}
