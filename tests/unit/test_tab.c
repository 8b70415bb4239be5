/* test_tab.c - conf/tab: the /etc/luksbox.tab parser, good and hostile.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define T_SUITE "unit/tab"
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "t.h"
#include "conf/tab.h"
#include "lib/msg.h"

static struct tab *t;
static struct tab_error e;

static int parse(const char *s)
{
	return tab_parse(s, strlen(s), t, &e);
}

/* Expect a parse error on LINE whose message contains WHY and WORD. */
static int rejects(const char *text, unsigned line, const char *word,
		   const char *why)
{
	int r = parse(text);

	if (r != -EINVAL && r != -E2BIG) {
		printf("# expected an error for: %s\n", text);
		return 0;
	}
	if (e.line != line || (word && strcmp(e.word, word)) ||
	    !strstr(e.why, why)) {
		printf("# got line %u word '%s' why '%s'\n", e.line, e.word,
		       e.why);
		return 0;
	}
	return 1;
}

static void test_design_example(void)
{
	const char *s =
		"# name      devices                  mountpoint          "
		"fstype  options\n"
		"cassandra   ephemeral                /var/lib/cassandra  "
		"ext4    kms-key=alias/cassandra,on-blank=format\n"
		"\n"
		"  # indented comment\n"
		"mysql       /dev/xvdf,/dev/xvdg      /mnt/mysql          "
		"xfs     kms-key=alias/db,kms-key=alias/db@eu-west-1,"
		"recovery=prompt   # trailing comment\n";
	const struct tab_volume *c, *m;

	CHECKF(parse(s) == 0, "line %u '%s': %s", e.line, e.word, e.why);
	CHECK(t->nvolumes == 2);
	c = tab_find(t, "cassandra");
	m = tab_find(t, "mysql");
	CHECK(c && m && !tab_find(t, "nope"));
	if (!c || !m)
		return;
	CHECK(c->ephemeral && c->ndevices == 0 && c->line == 2);
	CHECK(c->on_blank == TAB_ON_BLANK_FORMAT);
	CHECK(!strcmp(c->mountpoint, "/var/lib/cassandra"));
	CHECK(c->nkeys == 1 && !strcmp(c->keys[0].key_id, "alias/cassandra") &&
	      c->keys[0].region[0] == '\0');
	CHECK(!m->ephemeral && m->ndevices == 2 && m->line == 5);
	CHECK(!strcmp(m->devices[0], "/dev/xvdf") &&
	      !strcmp(m->devices[1], "/dev/xvdg"));
	CHECK(!strcmp(m->fstype, "xfs"));
	CHECK(m->nkeys == 2 && !strcmp(m->keys[1].key_id, "alias/db") &&
	      !strcmp(m->keys[1].region, "eu-west-1"));
	CHECK(!strcmp(m->recovery, "prompt"));
	CHECK(m->on_blank == TAB_ON_BLANK_FAIL);
}

static void test_all_options(void)
{
	const char *s =
		"v1 /dev/nvme1n1 none ext4 "
		"kms-key=arn:aws:kms:us-gov-west-1:111122223333:key/"
		"1234abcd-12ab-34cd-56ef-1234567890ab,"
		"context=team=db,context=env=prod,on-blank=fail,"
		"mkfs-opts=\"-m 0 -E stride=128,stripe_width=256\","
		"mount-opts=\"noatime,nodev\",recovery=/root/v1.recovery,"
		"blob-file=/etc/.luks,discard,sector-size=4096,no-perf-flags,"
		"timeout=90,nofail,fstype=xfs,grow=auto\n";
	const struct tab_volume *v;

	CHECKF(parse(s) == 0, "line %u '%s': %s", e.line, e.word, e.why);
	v = tab_find(t, "v1");
	CHECK(v != NULL);
	if (!v)
		return;
	CHECK(!strcmp(v->mountpoint, "none"));
	CHECK(!strncmp(v->keys[0].key_id, "arn:aws:kms:us-gov-west-1:", 26));
	CHECK(v->ncontext == 2 && !strcmp(v->context[0].key, "team") &&
	      !strcmp(v->context[0].value, "db") &&
	      !strcmp(v->context[1].value, "prod"));
	CHECKF(!strcmp(v->mkfs_opts, "-m 0 -E stride=128,stripe_width=256"),
	       "mkfs-opts '%s'", v->mkfs_opts);
	CHECK(!strcmp(v->mount_opts, "noatime,nodev"));
	CHECK(!strcmp(v->recovery, "/root/v1.recovery"));
	CHECK(!strcmp(v->blob_file, "/etc/.luks"));
	CHECK(v->discard && v->no_perf_flags && v->nofail && v->grow_auto);
	CHECK(v->sector_size == 4096 && v->timeout == 90);
	CHECK(!strcmp(v->fstype, "xfs"));
}

static void test_empty_and_comments(void)
{
	CHECK(parse("") == 0 && t->nvolumes == 0);
	CHECK(parse("# only a comment\n\n   \t\n") == 0 && t->nvolumes == 0);
	CHECK(parse("a /dev/x /m ext4 kms-key=k") == 0 && t->nvolumes == 1);
	CHECK(parse("a /dev/x /m ext4 kms-key=k\r\n") == 0);
}

static void test_rejects_bad_words(void)
{
	CHECK(rejects("a /dev/x /m ext4 kms-key=alias/a;b\n", 1, "alias/a;b",
		      "letters, digits"));
	CHECK(rejects("a /dev/x /m ext4 kms-key=key\\x07@us-east-1\n", 1,
		      "key\\x07@us-east-1", "letters, digits"));
	CHECK(rejects("a /dev/x /m ext4 kms-key=k,colour=blue\n", 1,
		      "colour=blue", "unknown option"));
	CHECK(rejects("\n\nb /dev/x /m ext4 kms-key=k,on-blank=maybe\n", 3,
		      "on-blank=maybe", "format or fail"));
	CHECK(rejects("a /dev/x /m ext4 kms-key=k,grow=yes\n", 1, "grow=yes",
		      "auto or off"));
	CHECK(rejects("a /dev/x /m ext4 kms-key=k,grow\n", 1, "grow",
		      "needs a value"));
	CHECK(rejects("a /dev/x /m ext3 kms-key=k\n", 1, "ext3",
		      "ext4 or xfs"));
	CHECK(rejects("a xvdf /m ext4 kms-key=k\n", 1, "xvdf",
		      "absolute paths"));
	CHECK(rejects("a /dev/x relative ext4 kms-key=k\n", 1, "relative",
		      "absolute path"));
	CHECK(rejects("a/b /dev/x /m ext4 kms-key=k\n", 1, "a/b",
		      "volume name"));
	CHECK(rejects("-a /dev/x /m ext4 kms-key=k\n", 1, "-a", "volume name"));
	CHECK(rejects("a /dev/x /m ext4 discard\n", 1, "a", "no kms-key"));
	CHECK(rejects("a /dev/x /m ext4 kms-key=k@Mars\n", 1, "k@Mars",
		      "region"));
	CHECK(rejects("a /dev/x /m ext4 kms-key=@us-east-1\n", 1, "@us-east-1",
		      "key id"));
	CHECK(rejects("a /dev/x /m ext4 kms-key=arn:aws:kms:us-east-1:1:key/"
		      "k@us-east-2\n",
		      1, "arn:aws:kms:us-east-1:1:key/k@us-east-2",
		      "another region"));
	CHECK(rejects("a /dev/x /m ext4 kms-key\n", 1, "kms-key",
		      "needs a value"));
	CHECK(rejects("a /dev/x /m ext4 kms-key=k,discard=yes\n", 1,
		      "discard=yes", "takes no value"));
	CHECK(rejects("a /dev/x /m ext4 kms-key=k,sector-size=1024\n", 1,
		      "sector-size=1024", "512 or 4096"));
	CHECK(rejects("a /dev/x /m ext4 kms-key=k,timeout=0\n", 1, "timeout=0",
		      "1 to 3600"));
	CHECK(rejects("a /dev/x /m ext4 kms-key=k,timeout=99999999999999\n", 1,
		      "timeout=99999999999999", "1 to 3600"));
	CHECK(rejects("a /dev/x /m ext4 kms-key=k,timeout=-5\n", 1,
		      "timeout=-5", "1 to 3600"));
	CHECK(rejects("a /dev/x /m ext4 kms-key=k,context=novalue\n", 1,
		      "context=novalue" + 8, "KEY=VALUE"));
	CHECK(rejects("a /dev/x /m ext4 kms-key=k,context=luksbox:volume=x\n",
		      1, "luksbox:volume=x", "reserved"));
	CHECK(rejects("a /dev/x /m ext4 kms-key=k,blob-file=etc/x\n", 1,
		      "etc/x", "absolute path"));
	CHECK(rejects("a /dev/x /m ext4 kms-key=k,,discard\n", 1, NULL,
		      "empty option"));
	CHECK(rejects("a /dev/x,,/dev/y /m ext4 kms-key=k\n", 1, NULL,
		      "empty device"));
	CHECK(rejects("a /dev/x,/dev/x /m ext4 kms-key=k\n", 1, "/dev/x",
		      "twice"));
	CHECK(rejects("a /dev/x /m\n", 1, "/m", "too few fields"));
	CHECK(rejects("a /dev/x /m ext4 kms-key=k extra\n", 1, "extra",
		      "too many fields"));
	CHECK(rejects("a /dev/x /m ext4 mkfs-opts=\"-m 0\n", 1, NULL,
		      "unterminated quote"));
	CHECK(rejects("\"a b\" /dev/x /m ext4 kms-key=k\n", 1, "\"a b\"",
		      "only in options"));
}

/* recovery=FILE re-written at every stop/start of instance store: no. */
static void test_recovery_file_on_blank_format(void)
{
	CHECK(rejects("# x\ncas ephemeral /c ext4 kms-key=k,recovery=/root/k\n",
		      2, "recovery", "instance store is re-provisioned"));
	CHECK(rejects("a /dev/x /m ext4 recovery=/root/k,on-blank=format,"
		      "kms-key=k\n",
		      1, "recovery", "on-blank=format"));
	/* Order does not matter, and the message says what to do. */
	CHECK(rejects("a /dev/x /m ext4 on-blank=format,kms-key=k,"
		      "recovery=/root/k\n",
		      1, "recovery", "drop recovery="));
	/* What stays allowed: a file with on-blank=fail (also the default
	 * for listed devices), a prompt with format. */
	CHECK(parse("cas ephemeral /c ext4 kms-key=k,recovery=/root/k,"
		    "on-blank=fail\n") == 0);
	CHECK(parse("a /dev/x /m ext4 kms-key=k,recovery=/root/k\n") == 0);
	CHECK(parse("cas ephemeral /c ext4 kms-key=k,recovery=prompt\n") == 0);
}

/* Control characters in an option value never reach a token. */
static void test_rejects_control_chars(void)
{
	CHECK(rejects("a /dev/x /m ext4 kms-key=k,context=a=b\x1b[2J\n", 1,
		      "context", "control character"));
	CHECK(rejects("a /dev/x /m ext4 kms-key=k\x7f\n", 1, "kms-key",
		      "control character"));
	CHECK(rejects("a /dev/x /m ext4 kms-key=k,context=a=\xc2\x9b"
		      "2J\n",
		      1, "context", "control character"));
	CHECK(parse("a /dev/x /m ext4 kms-key=k,context=a=\xc3\xa9\n") == 0);
}

static void test_rejects_clashes(void)
{
	CHECK(rejects("a /dev/x /m ext4 kms-key=k\na /dev/y /n ext4 "
		      "kms-key=k\n",
		      2, "a", "already used on line 1"));
	CHECK(rejects("a /dev/x /m ext4 kms-key=k\nb /dev/y /m ext4 "
		      "kms-key=k\n",
		      2, "/m", "already used on line 1"));
	CHECK(rejects("a /dev/x,/dev/z /m ext4 kms-key=k\nb /dev/y,/dev/z /n "
		      "ext4 kms-key=k\n",
		      2, "/dev/z", "already used on line 1"));
	CHECK(rejects("a ephemeral /m ext4 kms-key=k\nb ephemeral /n ext4 "
		      "kms-key=k\n",
		      2, "ephemeral", "already used on line 1"));
	/* Two volumes without a mountpoint do not clash. */
	CHECK(parse("a /dev/x none ext4 kms-key=k\nb /dev/y none ext4 "
		    "kms-key=k\n") == 0);
}

static void test_hostile_sizes(void)
{
	char *big = malloc(TAB_MAX_LINE + 64), *many = malloc(64 * 1024);
	size_t i, n = 0;
	int r;

	if (!big || !many) {
		CHECK(0);
		free(big);
		free(many);
		return;
	}
	memset(big, 'x', TAB_MAX_LINE + 10);
	big[TAB_MAX_LINE + 10] = '\0';
	CHECK(rejects(big, 1, NULL, "longer than"));
	CHECK(tab_parse("a\0b", 3, t, &e) == -EINVAL && strstr(e.why, "NUL"));
	/* Too many volumes is an error, not a silent cut. */
	for (i = 0; i < TAB_MAX_VOLUMES + 1; i++)
		n += (size_t)sprintf(many + n,
				     "v%zu /dev/d%zu /m%zu ext4 kms-key=k\n", i,
				     i, i);
	r = parse(many);
	CHECKF(r == -E2BIG && e.line == TAB_MAX_VOLUMES + 1, "r=%d line=%u", r,
	       e.line);
	/* Too many devices. */
	n = (size_t)sprintf(many, "a ");
	for (i = 0; i < TAB_MAX_DEVICES + 1; i++)
		n += (size_t)sprintf(many + n, "%s/dev/d%zu", i ? "," : "", i);
	sprintf(many + n, " /m ext4 kms-key=k\n");
	CHECK(parse(many) == -E2BIG && strstr(e.why, "devices"));
	/* An overlong word is shortened in the message, not overflowed. */
	memset(big, 'k', 3000);
	memcpy(big, "a /dev/x /m ext4 kms-key=", 25);
	big[3000] = '\0';
	CHECK(parse(big) == -EINVAL && strlen(e.word) < sizeof(e.word));
	free(big);
	free(many);
}

static void test_set_option_for_cli(void)
{
	struct tab_volume v;

	memset(&v, 0, sizeof(v));
	CHECK(tab_set_option(&v, "kms-key=alias/x@us-east-1", &e) == 0);
	CHECK(tab_set_option(&v,
			     "kms-key=arn:aws:kms:eu-west-1:1:key/k@eu-west-1",
			     &e) == 0);
	CHECK(tab_set_option(&v, "context=a=b=c", &e) == 0);
	CHECK(!strcmp(v.context[0].key, "a") &&
	      !strcmp(v.context[0].value, "b=c"));
	CHECK(tab_set_option(&v, "bogus", &e) == -EINVAL);
	snprintf(v.name, sizeof(v.name), "cli");
	v.ndevices = 1;
	CHECK(tab_check_volume(&v, &e) == 0);
}

static void test_load_file(void)
{
	char path[] = "/tmp/luksbox-tab-XXXXXX";
	int fd = mkstemp(path);
	const char *s = "vol /dev/sdb /data ext4 kms-key=alias/k\n";

	CHECK(fd >= 0);
	if (fd < 0)
		return;
	CHECK(write(fd, s, strlen(s)) == (ssize_t)strlen(s));
	close(fd);
	CHECK(tab_load(path, t, &e) == 0 && t->nvolumes == 1);
	unlink(path);
	CHECK(tab_load(path, t, &e) == -ENOENT && strstr(e.why, "No such"));
}

/* tab_error_msg(): what the applets say, "unable to read PATH: line N:
 * 'WORD': WHY", as a struct msg_error. */
static void test_error_msg(void)
{
	struct msg_error m = {0};
	struct tab_error none = {0};
	int r = parse("vol /dev/sdb /data ext4 kms-key=alias/k,bogus\n");

	CHECK(r == -EINVAL);
	CHECK(tab_error_msg(&e, r, "/etc/luksbox.tab", &m) == -EINVAL);
	CHECK(m.err == -EINVAL && !strcmp(m.what, "read /etc/luksbox.tab"));
	CHECKF(!strcmp(m.why, "line 1: 'bogus': unknown option"), "%s", m.why);
	/* Not about a line: the reason alone, or the errno's text. */
	snprintf(none.why, sizeof(none.why), "larger than 256 KiB");
	CHECK(tab_error_msg(&none, -E2BIG, "/t", &m) == -E2BIG);
	CHECK(!strcmp(m.why, "larger than 256 KiB") &&
	      !strcmp(m.what, "read /t"));
	none.why[0] = 0;
	tab_error_msg(&none, -ENOENT, "/t", &m);
	CHECK(!strcmp(m.why, "No such file or directory") && m.err == -ENOENT);
}

/* ssm-param: AWS's naming rules, a region, a key; with or without KMS. */
static void test_ssm_param(void)
{
	const struct tab_volume *v;
	char big[400];

	CHECK(parse("db /dev/x /m ext4 ssm-param=/luksbox/db\n") == 0 &&
	      (v = tab_find(t, "db")) && !strcmp(v->ssm_param, "/luksbox/db") &&
	      !v->ssm_region[0] && !v->ssm_kms_key[0] && v->nkeys == 0);
	CHECK(parse("db /dev/x /m ext4 kms-key=k,ssm-param=/luksbox/a.b-c_1"
		    "@eu-west-1,ssm-kms-key=alias/ssmkey\n") == 0 &&
	      (v = tab_find(t, "db")) &&
	      !strcmp(v->ssm_param, "/luksbox/a.b-c_1") &&
	      !strcmp(v->ssm_region, "eu-west-1") &&
	      !strcmp(v->ssm_kms_key, "alias/ssmkey") && v->nkeys == 1);
	CHECK(parse("db /dev/x /m ext4 ssm-param=/a/b/c/d/e/f/g/h/i/j/k/l/m/n/"
		    "o\n") == 0);
	CHECK(rejects("db /dev/x /m ext4 ssm-param=luksbox/db\n", 1,
		      "luksbox/db", "starts with '/'"));
	CHECK(rejects("db /dev/x /m ext4 ssm-param=/luksbox//db\n", 1, NULL,
		      "empty level"));
	CHECK(rejects("db /dev/x /m ext4 ssm-param=/luksbox/db/\n", 1, NULL,
		      "empty level"));
	CHECK(rejects("db /dev/x /m ext4 ssm-param=/\n", 1, "/",
		      "empty level"));
	CHECK(rejects("db /dev/x /m ext4 ssm-param=/luks box\n", 1, NULL,
		      "too many fields"));
	CHECK(rejects("db /dev/x /m ext4 \"ssm-param=/luks box\"\n", 1,
		      "/luks box", "only A-Z"));
	CHECK(rejects("db /dev/x /m ext4 ssm-param=/luksbox/d$b\n", 1, NULL,
		      "only A-Z"));
	CHECK(rejects("db /dev/x /m ext4 ssm-param=/AWS/x\n", 1, NULL,
		      "reserves"));
	CHECK(rejects("db /dev/x /m ext4 ssm-param=/ssmx\n", 1, NULL,
		      "reserves"));
	CHECK(rejects("db /dev/x /m ext4 ssm-param=/a/b/c/d/e/f/g/h/i/j/k/l/m/"
		      "n/o/p\n",
		      1, NULL, "15 levels"));
	CHECK(rejects("db /dev/x /m ext4 ssm-param=/luksbox/db@Mars\n", 1,
		      "/luksbox/db@Mars", "region like us-east-1"));
	CHECK(rejects("db /dev/x /m ext4 ssm-param=/luksbox/db@\n", 1, NULL,
		      "region like"));
	CHECK(rejects("db /dev/x /m ext4 ssm-param=/a,ssm-param=/b\n", 1, "/b",
		      "one ssm-param"));
	CHECK(rejects("db /dev/x /m ext4 ssm-param\n", 1, NULL,
		      "needs a value"));
	memset(big, 'a', sizeof(big));
	big[0] = '/';
	snprintf(big + 300, sizeof(big) - 300, "\n");
	{
		char line[500];

		snprintf(line, sizeof(line), "db /dev/x /m ext4 ssm-param=%s",
			 big);
		CHECK(rejects(line, 1, NULL, "longer than 255"));
	}
	CHECK(rejects("db /dev/x /m ext4 kms-key=k,ssm-kms-key=alias/x\n", 1,
		      "ssm-kms-key", "without ssm-param"));
	CHECK(rejects(
		"db /dev/x /m ext4 ssm-param=/a,ssm-kms-key=k@us-east-1\n", 1,
		NULL, "no @REGION"));
	/* Instance store re-made at each stop/start: never an SSM way in. */
	CHECK(rejects("db ephemeral /m ext4 kms-key=k,ssm-param=/a\n", 1,
		      "ssm-param", "on-blank=format"));
	CHECK(rejects("db /dev/x /m ext4 ssm-param=/a,on-blank=format\n", 1,
		      "ssm-param", "on-blank=fail"));
	/* The blob file is a KMS blob. */
	CHECK(rejects("db /dev/x /m ext4 ssm-param=/a,blob-file=/root/b\n", 1,
		      "blob-file", "needs a kms-key"));
	/* The command line's option goes through the same checks. */
	{
		struct tab_volume cv = {0};
		struct tab_error ce = {0};

		CHECK(tab_set_option(&cv, "ssm-param=/x/y@us-west-2", &ce) ==
			      0 &&
		      !strcmp(cv.ssm_param, "/x/y") &&
		      !strcmp(cv.ssm_region, "us-west-2"));
		CHECK(tab_set_option(&cv, "ssm-param=x", &ce) == -EINVAL);
	}
}

/* EBS volume ids beside paths: EC2's own form only (vol- and 8 or 17
 * lowercase hex digits), the same check for the table and luks-setup. */
static void test_ebs_ids(void)
{
	struct tab_volume v;

	CHECK(parse("db vol-0123456789abcdef0,vol-0fedcba9876543210,/dev/xvdh "
		    "/db xfs kms-key=k\n"
		    "old vol-1234abcd /old ext4 kms-key=k\n") == 0);
	CHECK(t->nvolumes == 2 && t->volumes[0].ndevices == 3 &&
	      !strcmp(t->volumes[0].devices[0], "vol-0123456789abcdef0") &&
	      !strcmp(t->volumes[0].devices[2], "/dev/xvdh") &&
	      !strcmp(t->volumes[1].devices[0], "vol-1234abcd"));
	CHECK(tab_is_ebs_id("vol-0123456789abcdef0"));
	CHECK(tab_is_ebs_id("vol-1234abcd"));
	CHECK(!tab_is_ebs_id("vol-0123456789ABCDEF0"));	 /* EC2: lowercase */
	CHECK(!tab_is_ebs_id("vol-123456789"));		 /* 9 digits */
	CHECK(!tab_is_ebs_id("vol-0123456789abcdef"));	 /* 16 */
	CHECK(!tab_is_ebs_id("vol-0123456789abcdef01")); /* 18 */
	CHECK(!tab_is_ebs_id("vol-0123456789abcdefg"));
	CHECK(!tab_is_ebs_id("vol0123456789abcdef0")); /* the serial form */
	CHECK(!tab_is_ebs_id("vol-"));
	CHECK(!tab_is_ebs_id("snap-0123456789abcdef0"));
	CHECK(!tab_is_ebs_id("/dev/vol-0123456789abcdef0"));
	CHECK(rejects("a vol-0123456789ABCDEF0 /m ext4 kms-key=k\n", 1,
		      "vol-0123456789ABCDEF0", "8 or 17"));
	CHECK(rejects("a vol-12345 /m ext4 kms-key=k\n", 1, "vol-12345",
		      "8 or 17"));
	CHECK(rejects("a /dev/x,vol-0123456789abcdef0x /m ext4 kms-key=k\n", 1,
		      "vol-0123456789abcdef0x", "8 or 17"));
	CHECK(rejects("a vol0123456789abcdef0 /m ext4 kms-key=k\n", 1,
		      "vol0123456789abcdef0", "EBS volume ids"));
	CHECK(rejects("a vol-1234abcd,vol-1234abcd /m ext4 kms-key=k\n", 1,
		      "vol-1234abcd", "twice"));
	CHECK(rejects("a vol-1234abcd /m ext4 kms-key=k\n"
		      "b /dev/y,vol-1234abcd /n ext4 kms-key=k\n",
		      2, "vol-1234abcd", "already used on line 1"));
	/* luks-setup's DEV arguments go through the same door. */
	memset(&v, 0, sizeof(v));
	CHECK(tab_add_device(&v, "vol-0123456789abcdef0", &e) == 0);
	CHECK(tab_add_device(&v, "/dev/nvme1n1", &e) == 0);
	CHECK(tab_add_device(&v, "vol-0123456789abcdef0", &e) == -EINVAL &&
	      strstr(e.why, "twice"));
	CHECK(tab_add_device(&v, "vol-xyz", &e) == -EINVAL &&
	      strstr(e.why, "8 or 17"));
	CHECK(tab_add_device(&v, "nvme1n1", &e) == -EINVAL);
	CHECK(v.ndevices == 2);
}

int main(void)
{
	t = calloc(1, sizeof(*t));
	if (!t)
		return 1;
	T_RUN(test_design_example);
	T_RUN(test_all_options);
	T_RUN(test_empty_and_comments);
	T_RUN(test_rejects_bad_words);
	T_RUN(test_rejects_clashes);
	T_RUN(test_recovery_file_on_blank_format);
	T_RUN(test_rejects_control_chars);
	T_RUN(test_hostile_sizes);
	T_RUN(test_set_option_for_cli);
	T_RUN(test_load_file);
	T_RUN(test_error_msg);
	T_RUN(test_ssm_param);
	T_RUN(test_ebs_ids);
	free(t);
	return T_END();
}
