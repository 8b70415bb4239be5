/* install.c - what `luksbox install` puts on a system, and how to undo it.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: conf/install.h, chkconfig(8), sd_booted(3), dracut.conf(5).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf/embed.h"
#include "conf/install.h"
#include "lib/io.h"
#include "lib/proc.h"

enum {
	PATHLEN = 512
};

/* ROOT + PATH into OUT; -ENAMETOOLONG rather than a cut path. */
static int rooted(const struct inst_opts *o, const char *path, char *out)
{
	const char *root = o->root && strcmp(o->root, "/") ? o->root : "";
	int n = snprintf(out, PATHLEN, "%s%s", root, path);

	return n < 0 || n >= PATHLEN ? -ENAMETOOLONG : 0;
}

static int exists_r(const struct inst_opts *o, const char *path, mode_t type)
{
	char p[PATHLEN];
	struct stat st;

	if (rooted(o, path, p) || stat(p, &st) < 0)
		return 0;
	return type ? (st.st_mode & S_IFMT) == type : 1;
}

static int add(struct inst_plan *p, enum inst_kind kind, const char *path,
	       const char *target, const void *data, size_t len, unsigned mode,
	       int preserve)
{
	struct inst_action *a;

	if (p->n >= INST_MAX_ACTIONS)
		return -E2BIG;
	a = &p->a[p->n];
	memset(a, 0, sizeof(*a));
	a->kind = kind;
	if (snprintf(a->path, sizeof(a->path), "%s", path) >=
		    (int)sizeof(a->path) ||
	    snprintf(a->target, sizeof(a->target), "%s",
		     target ? target : "") >= (int)sizeof(a->target))
		return -EINVAL;
	a->data = data;
	a->len = len;
	a->mode = mode;
	a->preserve = preserve;
	p->n++;
	return 0;
}

/* Append one manifest line; uninstall reads these back. */
static int record(struct inst_plan *p, const char *what, const char *path,
		  const char *target)
{
	size_t used = strlen(p->manifest);
	int n = snprintf(p->manifest + used, sizeof(p->manifest) - used,
			 "%s %s%s%s\n", what, path, target ? " " : "",
			 target ? target : "");

	return n < 0 || (size_t)n >= sizeof(p->manifest) - used ? -E2BIG : 0;
}

/* Does TEXT hold LINE (with its newline) as a whole line? */
static int has_line(const char *text, const char *line)
{
	const char *s;

	for (s = text; (s = strstr(s, line)); s++)
		if (s == text || s[-1] == '\n')
			return 1;
	return 0;
}

/* Plan mkdir PATH, recorded for uninstall when install creates it - or
 * when an earlier install did (so a second install writes the same
 * manifest, changing nothing). */
static int add_dir(const struct inst_opts *o, struct inst_plan *p,
		   const char *path, unsigned mode)
{
	char line[300], parent[256], *slash;
	int r, mine;

	if (snprintf(line, sizeof(line), "dir %s\n", path) >= (int)sizeof(line))
		return -EINVAL;
	if (has_line(p->manifest, line))
		return 0; /* planned already (a parent of another) */
	mine = !exists_r(o, path, 0) || has_line(p->prev, line);
	/* Missing parents first: install creates them too. */
	snprintf(parent, sizeof(parent), "%s", path);
	slash = strrchr(parent, '/');
	if (mine && slash && slash != parent) {
		*slash = '\0';
		if ((r = add_dir(o, p, parent, 0755)))
			return r;
	}
	if ((r = add(p, INST_DIR, path, NULL, NULL, 0, mode, 0)))
		return r;
	return mine ? record(p, "dir", path, NULL) : 0;
}

/* Read an earlier install's manifest into P->prev ("" when none). */
static void read_prev(const struct inst_opts *o, struct inst_plan *p)
{
	char path[PATHLEN];
	size_t n = 0;
	ssize_t r;
	int fd;

	p->prev[0] = '\0';
	if (rooted(o, INST_MANIFEST, path) ||
	    (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return;
	while (n < sizeof(p->prev) - 1 &&
	       (r = read(fd, p->prev + n, sizeof(p->prev) - 1 - n)) > 0)
		n += (size_t)r;
	p->prev[n] = '\0';
	close(fd);
}

/* Does /etc/crypttab on the target list any volume? */
static int has_crypttab_entries(const struct inst_opts *o)
{
	char p[PATHLEN], line[512];
	FILE *f;
	int found = 0;

	if (rooted(o, "/etc/crypttab", p) || !(f = fopen(p, "re")))
		return 0;
	while (!found && fgets(line, sizeof(line), f)) {
		char *s = line + strspn(line, " \t");

		found = *s && *s != '#' && *s != '\n';
	}
	fclose(f);
	return found;
}

static const char dracut_conf[] =
	"# luksbox: keep dracut from finding LUKS volumes at boot and\n"
	"# waiting forever at a passphrase prompt; luksbox opens them\n"
	"# later with KMS. Regenerate the initramfs after changing this.\n"
	"omit_dracutmodules+=\" crypt \"\n";

static const char *chkconfig_path(const struct inst_opts *o)
{
	if (exists_r(o, "/sbin/chkconfig", S_IFREG))
		return "/sbin/chkconfig";
	if (exists_r(o, "/usr/sbin/chkconfig", S_IFREG))
		return "/usr/sbin/chkconfig";
	return NULL;
}

static int plan_sysv(const struct inst_opts *o, struct inst_plan *p)
{
	/* Amazon Linux keeps the real directories under /etc/rc.d. */
	const char *rc =
		exists_r(o, "/etc/rc.d/rc3.d", S_IFDIR) ? "/etc/rc.d" : "/etc";
	const char *chk = chkconfig_path(o);
	char initd[64], script[96], dir[96], link[128];
	int r, lvl;

	snprintf(initd, sizeof(initd), "%s/init.d",
		 exists_r(o, "/etc/rc.d/init.d", S_IFDIR) ? "/etc/rc.d"
							  : "/etc");
	snprintf(script, sizeof(script), "%s/luksbox", initd);
	if ((r = add_dir(o, p, initd, 0755)) ||
	    (r = add(p, INST_FILE, script, NULL, embed_init_script,
		     embed_init_script_len, 0755, 0)) ||
	    (r = record(p, "file", script, NULL)))
		return r;
	if (chk) {
		p->chkconfig = 1;
		r = add(p, INST_CHKCONFIG, "luksbox", chk, NULL, 0, 0, 0);
		return r ? r : record(p, "chkconfig", chk, NULL);
	}
	/* No chkconfig: the links it would make (chkconfig: 2345 15 85). */
	for (lvl = 0; lvl <= 6; lvl++) {
		int start = lvl >= 2 && lvl <= 5;

		snprintf(dir, sizeof(dir), "%s/rc%d.d", rc, lvl);
		snprintf(link, sizeof(link), "%s/%s", dir,
			 start ? "S15luksbox" : "K85luksbox");
		if ((r = add_dir(o, p, dir, 0755)) ||
		    (r = add(p, INST_LINK, link, "../init.d/luksbox", NULL, 0,
			     0, 0)) ||
		    (r = record(p, "link", link, "../init.d/luksbox")))
			return r;
	}
	return 0;
}

/* The embedded unit with every /usr/sbin/luksbox turned into BIN (the
 * binary under --prefix) into OUT. -E2BIG when it does not fit. */
static int unit_text(const char *bin, char *out, size_t cap)
{
	static const char std[] = "/usr/sbin/luksbox";
	const char *s = (const char *)embed_systemd_unit, *hit;
	size_t used = 0, n;

	while ((hit = strstr(s, std)) || *s) {
		n = hit ? (size_t)(hit - s) : strlen(s);
		if (used + n + (hit ? strlen(bin) : 0) >= cap)
			return -E2BIG;
		memcpy(out + used, s, n);
		used += n;
		if (!hit)
			break;
		memcpy(out + used, bin, strlen(bin));
		used += strlen(bin);
		s = hit + sizeof(std) - 1;
	}
	out[used] = '\0';
	return 0;
}

static int plan_systemd(const struct inst_opts *o, struct inst_plan *p,
			const char *bin)
{
	static const char unit[] = "/etc/systemd/system/luksbox.service";
	static const char wants[] =
		"/etc/systemd/system/multi-user.target.wants";
	static const char link[] =
		"/etc/systemd/system/multi-user.target.wants/"
		"luksbox.service";
	int r;

	if ((r = unit_text(bin, p->unit, sizeof(p->unit))) ||
	    (r = add_dir(o, p, "/etc/systemd/system", 0755)) ||
	    (r = add(p, INST_FILE, unit, NULL, p->unit, strlen(p->unit), 0644,
		     0)) ||
	    (r = record(p, "file", unit, NULL)) ||
	    (r = add_dir(o, p, wants, 0755)) ||
	    (r = add(p, INST_LINK, link, unit, NULL, 0, 0, 0)) ||
	    (r = record(p, "link", link, unit)))
		return r;
	return 0;
}

int inst_plan_install(const struct inst_opts *o, struct inst_plan *p)
{
	char sbin[128], bin[160], link[192];
	const char *prefix = o->prefix && *o->prefix ? o->prefix : "/usr";
	const char *const *ap;
	int r;

	memset(p, 0, sizeof(*p));
	if (prefix[0] != '/' || strlen(prefix) > 100)
		return -EINVAL;
	read_prev(o, p);
	snprintf(sbin, sizeof(sbin), "%s/sbin",
		 strcmp(prefix, "/") ? prefix : "");
	snprintf(bin, sizeof(bin), "%s/luksbox", sbin);
	if ((r = add_dir(o, p, sbin, 0755)) ||
	    (r = add(p, INST_SELF, bin, NULL, NULL, 0, 0755, 0)) ||
	    (r = record(p, "file", bin, NULL)))
		return r;
	for (ap = o->applets; ap && *ap; ap++) {
		snprintf(link, sizeof(link), "%s/%s", sbin, *ap);
		if ((r = add(p, INST_LINK, link, "luksbox", NULL, 0, 0, 0)) ||
		    (r = record(p, "link", link, "luksbox")))
			return r;
	}
	/* systemd is PID 1 exactly when /run/systemd/system exists. */
	p->systemd = exists_r(o, "/run/systemd/system", S_IFDIR);
	r = p->systemd ? plan_systemd(o, p, bin) : plan_sysv(o, p);
	if (r)
		return r;
	/* Settings and the table are the administrator's once they exist.
	 * The sysconfig 0600: AWS settings go there (a proxy's password). */
	if ((r = add_dir(o, p, "/etc/sysconfig", 0755)) ||
	    (r = add(p, INST_FILE, "/etc/sysconfig/luksbox", NULL,
		     embed_sysconfig, embed_sysconfig_len, 0600, 1)) ||
	    (r = record(p, "file", "/etc/sysconfig/luksbox", NULL)) ||
	    (r = add(p, INST_FILE, "/etc/luksbox.tab", NULL, embed_tab_example,
		     embed_tab_example_len, 0644, 1)) ||
	    (r = record(p, "file", "/etc/luksbox.tab", NULL)))
		return r;
	/* The seed's boot hung at dracut's passphrase prompt for our volume;
	 * but a root file system on LUKS needs that module: then leave it. */
	if ((exists_r(o, "/etc/dracut.conf.d", S_IFDIR) ||
	     exists_r(o, "/usr/bin/dracut", 0) ||
	     exists_r(o, "/sbin/dracut", 0)) &&
	    !has_crypttab_entries(o)) {
		p->dracut = 1;
		if ((r = add_dir(o, p, "/etc/dracut.conf.d", 0755)) ||
		    (r = add(p, INST_FILE, "/etc/dracut.conf.d/luksbox.conf",
			     NULL, dracut_conf, sizeof(dracut_conf) - 1, 0644,
			     0)) ||
		    (r = record(p, "file", "/etc/dracut.conf.d/luksbox.conf",
				NULL)))
			return r;
	}
	if ((r = add_dir(o, p, "/var/lib/luksbox", 0700)))
		return r;
	return add(p, INST_FILE, INST_MANIFEST, NULL, p->manifest,
		   strlen(p->manifest), 0600, 0);
}

/* The content luksbox installs at PATH, for removal checks; the unit's is
 * P->unit (made from the binary's path in the manifest). */
static const void *content_of(const struct inst_plan *p, const char *path,
			      size_t *len)
{
	static const struct {
		const char *suffix;
		const unsigned char *data;
		const size_t *len;
	} known[] = {
		{"/init.d/luksbox", embed_init_script, &embed_init_script_len},
		{"/etc/sysconfig/luksbox", embed_sysconfig,
		 &embed_sysconfig_len},
		{"/etc/luksbox.tab", embed_tab_example, &embed_tab_example_len},
	};
	size_t i, n = strlen(path);

	if (n >= 16 && !strcmp(path + n - 16, "/luksbox.service")) {
		*len = strlen(p->unit);
		return p->unit;
	}
	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		size_t m = strlen(known[i].suffix);

		if (n >= m && !strcmp(path + n - m, known[i].suffix)) {
			*len = *known[i].len;
			return known[i].data;
		}
	}
	if (!strcmp(path, "/etc/dracut.conf.d/luksbox.conf")) {
		*len = sizeof(dracut_conf) - 1;
		return dracut_conf;
	}
	*len = 0;
	return NULL; /* the binary: compared with the running one */
}

int inst_plan_uninstall(const struct inst_opts *o, struct inst_plan *p)
{
	char mpath[PATHLEN], line[600];
	char *lines[INST_MAX_ACTIONS];
	size_t nl = 0, used = 0, i;
	FILE *f;
	int r;

	memset(p, 0, sizeof(*p));
	if ((r = rooted(o, INST_MANIFEST, mpath)))
		return r;
	f = fopen(mpath, "re");
	if (!f)
		return -errno;
	/* Keep the lines in p->manifest, then plan them in reverse. */
	while (fgets(line, sizeof(line), f) && nl < INST_MAX_ACTIONS - 1) {
		size_t n = strlen(line);

		if (used + n + 1 > sizeof(p->manifest))
			break;
		memcpy(p->manifest + used, line, n + 1);
		lines[nl++] = p->manifest + used;
		used += n + 1;
	}
	fclose(f);
	/* The unit names the binary: rebuild it from the manifest's path. */
	for (i = 0; i < nl; i++) {
		char what[16], path[256];
		size_t n;

		if (sscanf(lines[i], "%15s %255s", what, path) == 2 &&
		    !strcmp(what, "file") && (n = strlen(path)) >= 13 &&
		    !strcmp(path + n - 13, "/sbin/luksbox") &&
		    (r = unit_text(path, p->unit, sizeof(p->unit))))
			return r;
	}
	for (i = nl; i-- > 0;) {
		char what[16], path[256], target[256] = "";
		const void *data;
		size_t len;

		if (sscanf(lines[i], "%15s %255s %255s", what, path, target) <
		    2)
			continue;
		if (!strcmp(what, "file")) {
			data = content_of(p, path, &len);
			r = add(p, INST_RM_FILE, path, NULL, data, len, 0, 0);
		} else if (!strcmp(what, "link")) {
			r = add(p, INST_RM_LINK, path, target, NULL, 0, 0, 0);
		} else if (!strcmp(what, "chkconfig")) {
			p->chkconfig = 1;
			r = add(p, INST_UNCHKCONFIG, "luksbox", path, NULL, 0,
				0, 0);
		} else {
			continue;
		}
		if (r)
			return r;
	}
	/* The script must be unregistered before it is removed. */
	for (i = 0; i < p->n; i++) {
		if (p->a[i].kind == INST_UNCHKCONFIG && i > 0) {
			struct inst_action a = p->a[i];

			memmove(&p->a[1], &p->a[0], i * sizeof(a));
			p->a[0] = a;
		}
	}
	if ((r = add(p, INST_RM_FILE, INST_MANIFEST, "always", NULL, 0, 0, 0)))
		return r;
	/* Directories last, innermost first: the manifest lives in one. */
	for (i = nl; i-- > 0;) {
		char what[16], path[256];

		if (sscanf(lines[i], "%15s %255s", what, path) == 2 &&
		    !strcmp(what, "dir") &&
		    (r = add(p, INST_RM_DIR, path, NULL, NULL, 0, 0, 0)))
			return r;
	}
	return 0;
}

/* Compare file PATH with LEN bytes at DATA, or with file OTHER when
 * DATA is NULL. 1 equal, 0 different, -errno. */
static int same_content(const char *path, const void *data, size_t len,
			const char *other)
{
	char a[8192], b[8192];
	int fa, fb = -1, r = 1;
	size_t off = 0;
	ssize_t na, nb;

	fa = open(path, O_RDONLY | O_CLOEXEC);
	if (fa < 0)
		return -errno;
	if (!data && (fb = open(other, O_RDONLY | O_CLOEXEC)) < 0) {
		r = -errno;
		goto out;
	}
	for (;;) {
		na = read(fa, a, sizeof(a));
		if (na < 0) {
			r = -errno;
			break;
		}
		if (data) {
			nb = (ssize_t)(len - off < sizeof(b) ? len - off
							     : sizeof(b));
			memcpy(b, (const char *)data + off, (size_t)nb);
		} else {
			/* Short reads on regular files happen only at EOF. */
			nb = read(fb, b, sizeof(b));
			if (nb < 0) {
				r = -errno;
				break;
			}
		}
		if (na != nb || memcmp(a, b, (size_t)na)) {
			r = 0;
			break;
		}
		if (na == 0)
			break;
		off += (size_t)na;
	}
out:
	close(fa);
	if (fb >= 0)
		close(fb);
	return r;
}

static int rc_links_exist(const struct inst_opts *o)
{
	return exists_r(o, "/etc/rc.d/rc3.d/S15luksbox", 0) ||
	       exists_r(o, "/etc/rc3.d/S15luksbox", 0);
}

static int link_is(const char *p, const char *target)
{
	char buf[PATHLEN];
	ssize_t n = readlink(p, buf, sizeof(buf) - 1);

	if (n < 0)
		return 0;
	buf[n] = '\0';
	return !strcmp(buf, target);
}

/* 1 when directory P holds nothing (or is not a directory: 0). */
static int dir_empty(const char *p)
{
	struct dirent *e;
	DIR *d = opendir(p);
	int empty = 1;

	if (!d)
		return 0;
	while (empty && (e = readdir(d)))
		empty = !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..");
	closedir(d);
	return empty;
}

int inst_kept(const struct inst_opts *o, const struct inst_action *a)
{
	char p[PATHLEN];
	struct stat st;

	if (rooted(o, a->path, p) || lstat(p, &st) < 0)
		return 0;
	if (a->kind == INST_RM_LINK)
		return !link_is(p, a->target);
	if (a->kind == INST_RM_DIR)
		return !dir_empty(p);
	if (a->kind == INST_RM_FILE && strcmp(a->target, "always"))
		return same_content(p, a->data, a->len, o->self) != 1;
	return 0;
}

int inst_pending(const struct inst_opts *o, const struct inst_action *a)
{
	char p[PATHLEN];
	struct stat st;
	int r;

	if ((r = rooted(o, a->path, p)))
		return r;
	switch (a->kind) {
	case INST_DIR:
		return !(stat(p, &st) == 0 && S_ISDIR(st.st_mode));
	case INST_FILE:
	case INST_SELF:
		if (stat(p, &st) < 0)
			return errno == ENOENT ? 1 : -errno;
		if (!S_ISREG(st.st_mode))
			return -EEXIST;
		if (a->preserve)
			return 0;
		if ((st.st_mode & 07777) != a->mode)
			return 1;
		r = same_content(p, a->data, a->len, o->self);
		return r < 0 ? r : !r;
	case INST_LINK:
		if (lstat(p, &st) < 0)
			return errno == ENOENT ? 1 : -errno;
		if (!S_ISLNK(st.st_mode))
			return -EEXIST; /* someone else's file: never replace */
		return !link_is(p, a->target);
	case INST_CHKCONFIG:
		return !rc_links_exist(o);
	case INST_UNCHKCONFIG:
		return rc_links_exist(o);
	case INST_RM_FILE:
	case INST_RM_LINK:
	case INST_RM_DIR:
		if (lstat(p, &st) < 0)
			return 0;
		return !inst_kept(o, a);
	}
	return -EINVAL;
}

/* Copy the file FROM (the running binary) over PATH, atomically. */
static int copy_replace(const char *path, const char *from, unsigned mode)
{
	int in = open(from, O_RDONLY | O_CLOEXEC), r;

	if (in < 0)
		return -errno;
	r = io_write_replace(path, NULL, 0, in, mode);
	close(in);
	return r;
}

static int run_chkconfig(const struct inst_opts *o, const char *chk,
			 const char *verb)
{
	char p[PATHLEN];
	char *const argv[] = {p, (char *)verb, "luksbox", NULL};
	int r;

	if ((r = rooted(o, chk, p)))
		return r;
	return proc_run(argv, 0, NULL);
}

static int mkdir_p(char *p, unsigned mode)
{
	char *s;

	for (s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST) {
			*s = '/';
			return -errno;
		}
		*s = '/';
	}
	if (mkdir(p, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int inst_apply(const struct inst_opts *o, const struct inst_action *a)
{
	char p[PATHLEN];
	int r;

	if ((r = rooted(o, a->path, p)))
		return r;
	switch (a->kind) {
	case INST_DIR:
		return mkdir_p(p, a->mode);
	case INST_FILE:
		return io_write_replace(p, a->data, a->len, -1, a->mode);
	case INST_SELF:
		return copy_replace(p, o->self, a->mode);
	case INST_LINK:
		return io_symlink_replace(a->target, p);
	case INST_CHKCONFIG:
		return run_chkconfig(o, a->target, "--add");
	case INST_UNCHKCONFIG:
		return run_chkconfig(o, a->target, "--del");
	case INST_RM_FILE:
	case INST_RM_LINK:
		return unlink(p) < 0 && errno != ENOENT ? -errno : 0;
	case INST_RM_DIR:
		return rmdir(p) < 0 && errno != ENOENT ? -errno : 0;
	}
	return -EINVAL;
}

void inst_describe(const struct inst_action *a, char *buf, size_t size)
{
	switch (a->kind) {
	case INST_DIR:
		snprintf(buf, size, "create directory %s", a->path);
		break;
	case INST_FILE:
		snprintf(buf, size, "write %s (%04o)%s", a->path, a->mode,
			 a->preserve ? " unless it exists" : "");
		break;
	case INST_SELF:
		snprintf(buf, size, "copy this luksbox to %s (%04o)", a->path,
			 a->mode);
		break;
	case INST_LINK:
		snprintf(buf, size, "link %s -> %s", a->path, a->target);
		break;
	case INST_CHKCONFIG:
		snprintf(buf, size, "run %s --add luksbox", a->target);
		break;
	case INST_UNCHKCONFIG:
		snprintf(buf, size, "run %s --del luksbox", a->target);
		break;
	case INST_RM_FILE:
		snprintf(buf, size, "remove %s", a->path);
		break;
	case INST_RM_LINK:
		snprintf(buf, size, "remove link %s", a->path);
		break;
	case INST_RM_DIR:
		snprintf(buf, size, "remove directory %s", a->path);
		break;
	}
}
