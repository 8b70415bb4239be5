/* testhooks.h - the test build's hooks into the volume run context.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: applets/testhooks.c, Makefile "The test build", tests/check.
 *
 * Only the test build (make test-build, -DLUKSBOX_TEST_HOOKS) has them:
 * in the shipped luksbox whoever sets root's environment would choose
 * which disks count as instance storage, i.e. which may be formatted.
 * There testhooks_volrun() is an empty inline and costs nothing.
 */
#ifndef LUKSBOX_TESTHOOKS_H
#define LUKSBOX_TESTHOOKS_H

#include "volume/run.h"

#ifdef LUKSBOX_TEST_HOOKS
/* Apply the hooks the environment asks for to R, right after
 * volrun_init(). */
void testhooks_volrun(struct volrun *r);
#else
static inline void testhooks_volrun(struct volrun *r)
{
	(void)r;
}
#endif

#endif
