/* tab.c - /etc/luksbox.tab: one volume a line, in the style of crypttab.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: conf/tab.h, docs/design.md "Configuration", crypttab(5).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "conf/tab.h"
#include "lib/msg.h"

enum {
	MAX_FIELDS = 5,
	MAX_FILE = 256 * 1024
};

static int seterr(struct tab_error *err, const char *word, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int seterr(struct tab_error *err, const char *word, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	if (word) {
		n = strlen(word);
		/* A long word is shortened: the message stays one line. */
		if (n >= sizeof(err->word))
			snprintf(err->word, sizeof(err->word), "%.*s...",
				 (int)sizeof(err->word) - 4, word);
		else
			memcpy(err->word, word, n + 1);
	} else {
		err->word[0] = '\0';
	}
	va_start(ap, fmt);
	vsnprintf(err->why, sizeof(err->why), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* Copy SRC into DST of SIZE bytes; -E2BIG rather than truncate. */
static int copy(char *dst, size_t size, const char *src, size_t n)
{
	if (n >= size)
		return -E2BIG;
	memcpy(dst, src, n);
	dst[n] = '\0';
	return 0;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static int valid_name(const char *s)
{
	size_t i, n = strlen(s);

	/* It becomes /dev/mapper/NAME and a LUKS label: no '/', no spaces. */
	if (n == 0 || n >= 64 || s[0] == '.' || s[0] == '-')
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '.' ||
		      c == '-'))
			return 0;
	}
	return 1;
}

static int valid_path(const char *s)
{
	const char *p;

	if (s[0] != '/')
		return 0;
	for (p = s; *p; p++)
		if ((unsigned char)*p < 0x21 || *p == 0x7f)
			return 0;
	return 1;
}

static int valid_region(const char *s)
{
	size_t i, n = strlen(s);

	/* us-east-1, cn-north-1, us-gov-west-1, eu-central-2 ... */
	if (n < 4 || n >= 32 || s[0] == '-' || s[n - 1] < '0' || s[n - 1] > '9')
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return 0;
	return 1;
}

static int parse_uint(const char *s, unsigned lo, unsigned hi, unsigned *out)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < lo || v > hi)
		return -EINVAL;
	*out = (unsigned)v;
	return 0;
}

/* Does the ARN "arn:PARTITION:kms:REGION:..." name a region other than
 * REGION? (KEY@REGION with a key ARN elsewhere cannot work.) */
static int arn_region_differs(const char *id, const char *region)
{
	const char *p = id;
	int i;

	if (strncmp(id, "arn:", 4))
		return 0;
	for (i = 0; i < 3 && p; i++) {
		p = strchr(p, ':');
		p = p ? p + 1 : NULL;
	}
	return p &&
	       (strncmp(p, region, strlen(region)) || p[strlen(region)] != ':');
}

static int set_key(struct tab_volume *v, const char *val, struct tab_error *err)
{
	struct tab_key *k;
	const char *at = strrchr(val, '@');
	size_t idlen = at ? (size_t)(at - val) : strlen(val);

	if (v->nkeys >= TAB_MAX_KEYS)
		return seterr(err, val, "more than %d kms-key options",
			      TAB_MAX_KEYS);
	k = &v->keys[v->nkeys];
	if (idlen == 0)
		return seterr(err, val, "kms-key needs a key id, ARN or alias");
	if (copy(k->key_id, sizeof(k->key_id), val, idlen))
		return seterr(err, val, "kms-key is too long");
	/* Key ids, ARNs and aliases use no other characters. */
	if (strspn(k->key_id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuv"
			      "wxyz0123456789:/_-") != idlen)
		return seterr(err, val,
			      "kms-key is a key id, key ARN or alias/NAME: "
			      "letters, digits and : / _ - only");
	if (at) {
		if (copy(k->region, sizeof(k->region), at + 1,
			 strlen(at + 1)) ||
		    !valid_region(k->region))
			return seterr(err, val,
				      "KEY@REGION needs a region like "
				      "us-east-1 after '@'");
		if (arn_region_differs(k->key_id, k->region))
			return seterr(err, val,
				      "the key ARN names another region than "
				      "'@%s'",
				      k->region);
	} else {
		k->region[0] = '\0';
	}
	v->nkeys++;
	return 0;
}

/* AWS's rules for a parameter name, fully qualified as luksbox wants it:
 * "/a/b", at most 15 levels, A-Z a-z 0-9 _ . - between the slashes, and
 * not under the reserved "/aws" or "/ssm" (any case). NULL or why not. */
static const char *ssm_name_problem(const char *s, size_t n)
{
	size_t i, levels = 0;

	if (n == 0 || s[0] != '/')
		return "an SSM parameter name is fully qualified: it starts "
		       "with '/' (ssm-param=/luksbox/NAME)";
	if (!strncasecmp(s + 1, "aws", 3) || !strncasecmp(s + 1, "ssm", 3))
		return "SSM reserves names starting with aws or ssm";
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (c == '/') {
			if (i + 1 == n || s[i + 1] == '/')
				return "an empty level in the parameter name";
			if (++levels > 15)
				return "more than 15 levels in the parameter "
				       "name";
		} else if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			     (c >= '0' && c <= '9') || c == '_' || c == '.' ||
			     c == '-')) {
			return "a parameter name holds only A-Z a-z 0-9 _ . "
			       "- and '/'";
		}
	}
	return NULL;
}

static int set_ssm(struct tab_volume *v, const char *val, struct tab_error *err)
{
	const char *at = strrchr(val, '@');
	size_t n = at ? (size_t)(at - val) : strlen(val);
	const char *why;

	if (v->ssm_param[0])
		return seterr(err, val, "one ssm-param per volume");
	if (copy(v->ssm_param, sizeof(v->ssm_param), val, n))
		return seterr(err, val, "ssm-param is longer than %d bytes",
			      TAB_SSM_NAME - 1);
	if ((why = ssm_name_problem(v->ssm_param, n))) {
		v->ssm_param[0] = '\0';
		return seterr(err, val, "%s", why);
	}
	if (at && (copy(v->ssm_region, sizeof(v->ssm_region), at + 1,
			strlen(at + 1)) ||
		   !valid_region(v->ssm_region))) {
		v->ssm_param[0] = v->ssm_region[0] = '\0';
		return seterr(err, val,
			      "NAME@REGION needs a region like us-east-1 "
			      "after '@'");
	}
	return 0;
}

static int set_context(struct tab_volume *v, const char *val,
		       struct tab_error *err)
{
	const char *eq = strchr(val, '=');
	struct tab_pair *p;

	if (!eq || eq == val)
		return seterr(err, val, "context needs KEY=VALUE");
	if (v->ncontext >= TAB_MAX_CONTEXT)
		return seterr(err, val, "more than %d context pairs",
			      TAB_MAX_CONTEXT);
	p = &v->context[v->ncontext];
	if (copy(p->key, sizeof(p->key), val, (size_t)(eq - val)) ||
	    copy(p->value, sizeof(p->value), eq + 1, strlen(eq + 1)))
		return seterr(err, val, "context pair is too long");
	/* luksbox binds every blob to its volume itself; never user-set. */
	if (!strncmp(p->key, "luksbox:", 8))
		return seterr(err, val,
			      "context keys starting 'luksbox:' are "
			      "reserved (luksbox:volume is set automatically)");
	v->ncontext++;
	return 0;
}

static int set_path(char *dst, size_t size, const char *opt, const char *val,
		    struct tab_error *err)
{
	if (!valid_path(val))
		return seterr(err, val, "%s needs an absolute path", opt);
	if (copy(dst, size, val, strlen(val)))
		return seterr(err, val, "%s path is too long", opt);
	return 0;
}

int tab_set_option(struct tab_volume *v, const char *opt, struct tab_error *err)
{
	char name[32];
	const char *eq = strchr(opt, '=');
	const char *val = eq ? eq + 1 : NULL;
	size_t nlen = eq ? (size_t)(eq - opt) : strlen(opt);

	if (copy(name, sizeof(name), opt, nlen))
		return seterr(err, opt, "unknown option");
	/* Values end up in the LUKS token, which refuses control characters
	 * on decode: refuse them now, not after formatting. */
	for (const char *c = opt; *c; c++)
		if (msg_is_control((unsigned char)c[0], (unsigned char)c[1]))
			return seterr(err, name,
				      "control character in the option value");
	/* Flags take no value; everything else needs one. */
	if (!strcmp(name, "discard") || !strcmp(name, "no-perf-flags") ||
	    !strcmp(name, "nofail")) {
		if (val)
			return seterr(err, opt, "%s takes no value", name);
		if (!strcmp(name, "discard"))
			v->discard = 1;
		else if (!strcmp(name, "nofail"))
			v->nofail = 1;
		else
			v->no_perf_flags = 1;
		return 0;
	}
	if (!val) {
		if (!strcmp(name, "kms-key") || !strcmp(name, "context") ||
		    !strcmp(name, "on-blank") || !strcmp(name, "fstype") ||
		    !strcmp(name, "mkfs-opts") || !strcmp(name, "mount-opts") ||
		    !strcmp(name, "recovery") || !strcmp(name, "blob-file") ||
		    !strcmp(name, "sector-size") || !strcmp(name, "timeout") ||
		    !strcmp(name, "ssm-param") ||
		    !strcmp(name, "ssm-kms-key") || !strcmp(name, "grow"))
			return seterr(err, opt, "%s needs a value (%s=...)",
				      name, name);
		return seterr(err, opt, "unknown option");
	}
	if (!strcmp(name, "kms-key"))
		return set_key(v, val, err);
	if (!strcmp(name, "context"))
		return set_context(v, val, err);
	if (!strcmp(name, "ssm-param"))
		return set_ssm(v, val, err);
	if (!strcmp(name, "ssm-kms-key")) {
		/* SSM calls KMS in the parameter's own region. */
		if (strchr(val, '@'))
			return seterr(err, val,
				      "ssm-kms-key takes no @REGION: the key "
				      "is in the parameter's region "
				      "(ssm-param=NAME@REGION)");
		if (copy(v->ssm_kms_key, sizeof(v->ssm_kms_key), val,
			 strlen(val)))
			return seterr(err, val, "ssm-kms-key is too long");
		return 0;
	}
	if (!strcmp(name, "on-blank")) {
		if (!strcmp(val, "format"))
			v->on_blank = TAB_ON_BLANK_FORMAT;
		else if (!strcmp(val, "fail"))
			v->on_blank = TAB_ON_BLANK_FAIL;
		else
			return seterr(err, opt,
				      "on-blank must be format or fail");
		return 0;
	}
	if (!strcmp(name, "grow")) {
		if (strcmp(val, "auto") && strcmp(val, "off"))
			return seterr(err, opt, "grow must be auto or off");
		v->grow_auto = val[0] == 'a';
		return 0;
	}
	if (!strcmp(name, "fstype")) {
		if (strcmp(val, "ext4") && strcmp(val, "xfs"))
			return seterr(err, opt, "fstype must be ext4 or xfs");
		snprintf(v->fstype, sizeof(v->fstype), "%s", val);
		return 0;
	}
	if (!strcmp(name, "mkfs-opts") || !strcmp(name, "mount-opts")) {
		char *dst = name[1] == 'k' ? v->mkfs_opts : v->mount_opts;

		if (copy(dst, sizeof(v->mkfs_opts), val, strlen(val)))
			return seterr(err, opt, "%s is too long", name);
		return 0;
	}
	if (!strcmp(name, "recovery")) {
		if (!strcmp(val, "prompt")) {
			snprintf(v->recovery, sizeof(v->recovery), "prompt");
			return 0;
		}
		return set_path(v->recovery, sizeof(v->recovery), name, val,
				err);
	}
	if (!strcmp(name, "blob-file"))
		return set_path(v->blob_file, sizeof(v->blob_file), name, val,
				err);
	if (!strcmp(name, "sector-size")) {
		if (parse_uint(val, 512, 4096, &v->sector_size) ||
		    (v->sector_size != 512 && v->sector_size != 4096))
			return seterr(err, opt,
				      "sector-size must be 512 or 4096");
		return 0;
	}
	if (!strcmp(name, "timeout")) {
		if (parse_uint(val, 1, 3600, &v->timeout))
			return seterr(
				err, opt,
				"timeout must be whole seconds, 1 to 3600");
		return 0;
	}
	return seterr(err, opt, "unknown option");
}

int tab_check_volume(const struct tab_volume *v, struct tab_error *err)
{
	if (!valid_name(v->name))
		return seterr(err, v->name,
			      "a volume name is 1-63 of A-Z a-z 0-9 _ . - "
			      "and starts with neither '.' nor '-'");
	if (!v->ephemeral && v->ndevices == 0)
		return seterr(err, v->name, "no devices");
	if (v->fstype[0] && strcmp(v->fstype, "ext4") &&
	    strcmp(v->fstype, "xfs"))
		return seterr(err, v->fstype, "fstype must be ext4 or xfs");
	if (v->nkeys == 0 && !v->ssm_param[0])
		return seterr(err, v->name,
			      "no kms-key or ssm-param option: every volume "
			      "needs a KMS key or an SSM parameter to unlock "
			      "it at boot");
	if (v->ssm_kms_key[0] && !v->ssm_param[0])
		return seterr(err, "ssm-kms-key",
			      "ssm-kms-key without ssm-param");
	/* The blob file is the first KMS key's blob. */
	if (v->blob_file[0] && v->nkeys == 0)
		return seterr(err, "blob-file",
			      "blob-file needs a kms-key (it holds the KMS "
			      "blob of the first one)");
	/* Each stop/start would need the parameter overwritten, and
	 * luks-mount must never overwrite one that may be another volume's. */
	if (v->ssm_param[0] && v->on_blank == TAB_ON_BLANK_FORMAT)
		return seterr(err, "ssm-param",
			      "ssm-param with on-blank=format (instance "
			      "store) would overwrite the parameter at each "
			      "stop/start; use it on EBS volumes (on-blank="
			      "fail)");
	/* Each stop/start would write a new plaintext key to the root disk
	 * for data that is gone anyway: instance store is re-provisioned,
	 * not recovered. */
	if (v->on_blank == TAB_ON_BLANK_FORMAT && v->recovery[0] &&
	    strcmp(v->recovery, "prompt"))
		return seterr(err, "recovery",
			      "recovery=FILE with on-blank=format writes a new "
			      "plaintext key to the root disk at each "
			      "stop/start; instance store is re-provisioned, "
			      "not recovered: drop recovery= (or use "
			      "on-blank=fail)");
	return 0;
}

/*
 * Split LINE in place into blank-separated fields; quotes protect blanks
 * and are kept (the options splitter strips them). A '#' that begins a
 * field starts a comment. Returns the field count or -EINVAL.
 */
static int split_fields(char *line, char **f, int max, struct tab_error *err)
{
	int n = 0;
	char *p = line;

	for (;;) {
		int inq = 0;

		while (is_blank(*p))
			p++;
		if (!*p || *p == '#')
			return n;
		if (n == max)
			return seterr(err, p,
				      "too many fields (at most %d: "
				      "name devices mountpoint fstype "
				      "options)",
				      max);
		f[n++] = p;
		for (; *p && (inq || !is_blank(*p)); p++) {
			if (*p == '"')
				inq = !inq;
			else if (*p == '\\' && inq && p[1])
				p++;
		}
		if (inq)
			return seterr(err, f[n - 1], "unterminated quote");
		if (*p)
			*p++ = '\0';
	}
}

/* Take the next comma-separated option from *PP, unquoting in place. */
static char *next_option(char **pp)
{
	char *start = *pp, *r = start, *w = start;
	int inq = 0;

	if (!*r)
		return NULL;
	for (; *r && (inq || *r != ','); r++) {
		if (*r == '"') {
			inq = !inq;
			continue;
		}
		if (*r == '\\' && inq && r[1])
			r++;
		*w++ = *r;
	}
	*pp = *r ? r + 1 : r;
	*w = '\0';
	return start;
}

int tab_is_ebs_id(const char *s)
{
	size_t n = strlen(s);

	/* EC2's own form: 8 hex digits (before 2016) or 17, lowercase. */
	return !strncmp(s, "vol-", 4) && (n == 12 || n == 21) &&
	       strspn(s + 4, "0123456789abcdef") == n - 4;
}

int tab_add_device(struct tab_volume *v, const char *dev, struct tab_error *err)
{
	size_t i;

	if (!strncmp(dev, "vol-", 4) && !tab_is_ebs_id(dev))
		return seterr(err, dev,
			      "an EBS volume id is vol- and 8 or 17 "
			      "lowercase hex digits (vol-0123456789abcdef0)");
	if (!tab_is_ebs_id(dev) && !valid_path(dev))
		return seterr(err, dev,
			      "devices are 'ephemeral', absolute paths such "
			      "as /dev/xvdf,/dev/xvdg or EBS volume ids such "
			      "as vol-0123456789abcdef0");
	for (i = 0; i < v->ndevices; i++)
		if (!strcmp(v->devices[i], dev))
			return seterr(err, dev, "device listed twice");
	if (v->ndevices >= TAB_MAX_DEVICES) {
		seterr(err, dev, "more than %d devices", TAB_MAX_DEVICES);
		return -E2BIG;
	}
	if (copy(v->devices[v->ndevices], TAB_PATH, dev, strlen(dev)))
		return seterr(err, dev, "device path is too long");
	v->ndevices++;
	return 0;
}

static int parse_devices(struct tab_volume *v, char *s, struct tab_error *err)
{
	char *tok, *save = NULL;
	int r;

	if (!strcmp(s, "ephemeral")) {
		v->ephemeral = 1;
		v->on_blank = TAB_ON_BLANK_FORMAT;
		return 0;
	}
	if (s[0] == ',' || s[strlen(s) - 1] == ',' || strstr(s, ",,"))
		return seterr(err, s, "empty device in the list");
	for (tok = strtok_r(s, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save))
		if ((r = tab_add_device(v, tok, err)))
			return r;
	return 0;
}

static int parse_line(char *line, unsigned lineno, struct tab *t,
		      struct tab_error *err)
{
	char *f[MAX_FIELDS], *opts, *opt;
	struct tab_volume *v;
	size_t i, j, k;
	int n, r;

	n = split_fields(line, f, MAX_FIELDS, err);
	if (n <= 0)
		return n;
	if (n < 4)
		return seterr(err, f[n - 1],
			      "too few fields: want name devices "
			      "mountpoint fstype [options]");
	if (t->nvolumes >= TAB_MAX_VOLUMES) {
		seterr(err, f[0], "more than %d volumes", TAB_MAX_VOLUMES);
		return -E2BIG;
	}
	v = &t->volumes[t->nvolumes];
	memset(v, 0, sizeof(*v));
	v->line = lineno;
	for (i = 0; i < 4; i++)
		if (strchr(f[i], '"'))
			return seterr(err, f[i],
				      "quotes are allowed only in options");
	if (copy(v->name, sizeof(v->name), f[0], strlen(f[0])) ||
	    !valid_name(v->name))
		return seterr(err, f[0],
			      "a volume name is 1-63 of A-Z a-z 0-9 _ . - "
			      "and starts with neither '.' nor '-'");
	r = parse_devices(v, f[1], err);
	if (r)
		return r;
	if (strcmp(f[2], "none") &&
	    (!valid_path(f[2]) ||
	     copy(v->mountpoint, sizeof(v->mountpoint), f[2], strlen(f[2]))))
		return seterr(err, f[2],
			      "mountpoint must be an absolute path or 'none'");
	if (!strcmp(f[2], "none"))
		snprintf(v->mountpoint, sizeof(v->mountpoint), "none");
	if (strcmp(f[3], "ext4") && strcmp(f[3], "xfs"))
		return seterr(err, f[3], "fstype must be ext4 or xfs");
	snprintf(v->fstype, sizeof(v->fstype), "%s", f[3]);
	opts = n > 4 ? f[4] : "";
	if (n > 4 && (opts[0] == ',' || strstr(opts, ",,") ||
		      opts[strlen(opts) - 1] == ','))
		return seterr(err, opts, "empty option in the list");
	while ((opt = next_option(&opts)))
		if ((r = tab_set_option(v, opt, err)))
			return r;
	if ((r = tab_check_volume(v, err)))
		return r;
	/* Two lines must never claim the same name, device or mountpoint. */
	for (i = 0; i < t->nvolumes; i++) {
		const struct tab_volume *o = &t->volumes[i];

		if (!strcmp(o->name, v->name))
			return seterr(err, v->name,
				      "volume name already used on line %u",
				      o->line);
		if (strcmp(v->mountpoint, "none") &&
		    !strcmp(o->mountpoint, v->mountpoint))
			return seterr(err, v->mountpoint,
				      "mountpoint already used on line %u",
				      o->line);
		if (o->ephemeral && v->ephemeral)
			return seterr(err, "ephemeral",
				      "the instance-store disks are already "
				      "used on line %u",
				      o->line);
		for (j = 0; j < o->ndevices; j++)
			for (k = 0; k < v->ndevices; k++)
				if (!strcmp(o->devices[j], v->devices[k]))
					return seterr(err, v->devices[k],
						      "device already used on "
						      "line %u",
						      o->line);
	}
	t->nvolumes++;
	return 0;
}

int tab_parse(const char *text, size_t len, struct tab *t,
	      struct tab_error *err)
{
	char line[TAB_MAX_LINE];
	unsigned lineno = 0;
	size_t pos = 0;
	int r;

	memset(t, 0, sizeof(*t));
	memset(err, 0, sizeof(*err));
	if (memchr(text, '\0', len))
		return seterr(err, NULL, "NUL byte in the table");
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;

		lineno++;
		err->line = lineno;
		if (n >= sizeof(line)) {
			seterr(err, NULL, "line longer than %d bytes",
			       TAB_MAX_LINE - 1);
			return -E2BIG;
		}
		memcpy(line, text + pos, n);
		line[n] = '\0';
		pos += n + (nl ? 1 : 0);
		r = parse_line(line, lineno, t, err);
		if (r)
			return r;
	}
	err->line = 0;
	return 0;
}

int tab_load(const char *path, struct tab *t, struct tab_error *err)
{
	char *buf;
	size_t len = 0;
	ssize_t n;
	int fd, r;

	memset(err, 0, sizeof(*err));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		snprintf(err->why, sizeof(err->why), "%s", strerror(-r));
		return r;
	}
	buf = malloc(MAX_FILE + 1);
	if (!buf) {
		r = -ENOMEM;
		goto out_close;
	}
	while ((n = read(fd, buf + len, MAX_FILE + 1 - len)) > 0) {
		len += (size_t)n;
		if (len > MAX_FILE)
			break;
	}
	if (n < 0) {
		r = -errno;
		snprintf(err->why, sizeof(err->why), "%s", strerror(-r));
		goto out_free;
	}
	if (len > MAX_FILE) {
		snprintf(err->why, sizeof(err->why), "larger than %d KiB",
			 MAX_FILE / 1024);
		r = -E2BIG;
		goto out_free;
	}
	buf[len] = '\0';
	r = tab_parse(buf, len, t, err);
out_free:
	free(buf);
out_close:
	close(fd);
	return r;
}

int tab_error_msg(const struct tab_error *te, int err, const char *path,
		  struct msg_error *e)
{
	msg_what(e, "read %s", path);
	if (te->line)
		return msg_why(e, err, "line %u: '%s': %s", te->line, te->word,
			       te->why);
	return msg_why(e, err, "%s", te->why[0] ? te->why : strerror(-err));
}

const struct tab_volume *tab_find(const struct tab *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->nvolumes; i++)
		if (!strcmp(t->volumes[i].name, name))
			return &t->volumes[i];
	return NULL;
}
