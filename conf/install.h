/* install.h - what `luksbox install` puts on a system, and how to undo it.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: chkconfig(8), LSB init scripts, systemd.unit(5), dracut.conf(5),
 *      sd_booted(3) for "is systemd PID 1".
 *
 * Installing is a plan of small actions computed first (so --dry-run shows
 * exactly what a real run does) and applied one by one. Each action knows
 * whether it is already done, so a second install changes nothing. What
 * was installed is recorded in a manifest (files, links, and the
 * directories install had to create), and uninstall removes exactly that -
 * and nothing the administrator has changed since.
 */
#ifndef LUKSBOX_INSTALL_H
#define LUKSBOX_INSTALL_H

#include <stddef.h>

#define INST_MANIFEST "/var/lib/luksbox/installed"

enum inst_kind {
	INST_DIR,	  /* mkdir PATH (mode) */
	INST_FILE,	  /* write DATA to PATH atomically (mode) */
	INST_SELF,	  /* copy the running binary to PATH */
	INST_LINK,	  /* symlink PATH -> TARGET */
	INST_CHKCONFIG,	  /* run TARGET --add luksbox */
	INST_RM_FILE,	  /* remove PATH if it still holds what we wrote */
	INST_RM_LINK,	  /* remove PATH if it still points at TARGET */
	INST_UNCHKCONFIG, /* run TARGET --del luksbox */
	INST_RM_DIR	  /* remove directory PATH if it is empty */
};

struct inst_action {
	enum inst_kind kind;
	char path[256];		   /* path on the target system (no root) */
	char target[256];	   /* link target or chkconfig path */
	const unsigned char *data; /* INST_FILE content (static) */
	size_t len;
	unsigned mode;
	int preserve; /* an existing file is the admin's: keep it */
};

struct inst_opts {
	const char *root;   /* "/" or a directory holding a system (tests) */
	const char *prefix; /* where sbin/luksbox goes, default "/usr" */
	const char *self;   /* the running binary, e.g. /proc/self/exe */
	const char *const *applets; /* applet names to link, NULL-ended */
};

enum {
	INST_MAX_ACTIONS = 48
};

struct inst_plan {
	size_t n;
	struct inst_action a[INST_MAX_ACTIONS];
	int systemd;	     /* systemd is PID 1: unit instead of rc links */
	int chkconfig;	     /* chkconfig places the rc links */
	int dracut;	     /* a dracut drop-in was planned */
	char manifest[8192]; /* the manifest INST_FILE's content */
	char unit[4096];     /* the systemd unit, naming PREFIX/sbin/luksbox */
	char prev[8192];     /* the manifest of an earlier install, or "" */
};

/*
 * Plan an install on O->root. Returns 0, -E2BIG when the plan overflows,
 * -EINVAL for a relative or overlong path.
 */
int inst_plan_install(const struct inst_opts *o, struct inst_plan *p);

/*
 * Plan the removal of what the manifest on O->root lists. Returns 0;
 * -ENOENT when there is no manifest (nothing was installed by luksbox).
 */
int inst_plan_uninstall(const struct inst_opts *o, struct inst_plan *p);

/*
 * Is A still to be done on O->root? Returns 1 when applying it would change
 * something, 0 when the system already is so (or, for a removal, when the
 * file was changed by someone else and will be kept: see inst_kept()), or
 * -errno.
 */
int inst_pending(const struct inst_opts *o, const struct inst_action *a);

/* For a removal: 1 when PATH exists but is not what we installed (a
 * directory: when it is not empty). */
int inst_kept(const struct inst_opts *o, const struct inst_action *a);

/* Describe A in words ("write /etc/init.d/luksbox (0755)") into BUF. */
void inst_describe(const struct inst_action *a, char *buf, size_t size);

/* Apply A on O->root: files and links replaced atomically (lib/io.h).
 * Returns 0 or -errno (a command: -ECHILD when it failed, -ENOENT when it
 * could not be run). */
int inst_apply(const struct inst_opts *o, const struct inst_action *a);

#endif
