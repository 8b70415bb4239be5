/* dmtask.h - the libdevmapper tasks block/ and crypto/ both run: a quiet
 * log, and a table made live.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: libdevmapper.h (dm_task_create, dm_log_with_errno_init),
 *      dmsetup(8) suspend/resume.
 */
#ifndef LUKSBOX_DMTASK_H
#define LUKSBOX_DMTASK_H

/* libdevmapper logs to stderr by default; library code never prints:
 * call before the first task. */
void dmtask_quiet(void);

/* A task of TYPE (DM_DEVICE_SUSPEND, _RESUME, _REMOVE) on NAME with no
 * table. 0, or -errno (-EIO when libdevmapper gives none). */
int dmtask_simple(int type, const char *name);

/* The table just loaded (DM_DEVICE_RELOAD) into NAME made live: suspend
 * (in-flight I/O completes on the old table), then resume whatever
 * happened, since a device left suspended would hang every writer above
 * it. 0 or the first -errno. */
int dmtask_swap(const char *name);

#endif
