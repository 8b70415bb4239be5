/* embed.h - files luksbox carries inside itself, so one binary installs all.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Generated at build time from init/ by the Makefile (xxd -i) into
 * build/obj/gen/embed.c; each is NUL-terminated, LEN excludes the NUL.
 */
#ifndef LUKSBOX_EMBED_H
#define LUKSBOX_EMBED_H

#include <stddef.h>

extern const unsigned char embed_init_script[]; /* init/luksbox */
extern const size_t embed_init_script_len;
extern const unsigned char embed_sysconfig[]; /* init/sysconfig */
extern const size_t embed_sysconfig_len;
extern const unsigned char embed_systemd_unit[]; /* init/luksbox.service */
extern const size_t embed_systemd_unit_len;
extern const unsigned char embed_tab_example[]; /* init/luksbox.tab */
extern const size_t embed_tab_example_len;

#endif
