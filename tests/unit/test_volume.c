/* test_volume.c - volume/: what vol_provision() refuses before it touches
 * a device, and the helpers the sequences share (volume/internal.h) that
 * need neither root nor device-mapper. (Provisioning, opening and closing
 * themselves run in the VM, scenarios 2x and 3x.)
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define T_SUITE "unit/volume"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/secret.h"
#include "t.h"
#include "volume/internal.h"
#include "volume/volume.h"

static char dir[] = "/tmp/luksbox-volume-XXXXXX";

/* An existing recovery key file is neither moved to FILE.old nor
 * replaced: provisioning stops before any device is touched. */
static void test_recovery_file_exists(void)
{
	static const char old_key[] = "0123abcd-old-recovery-key";
	struct vol_env env = {0};
	struct tab_volume v = {0};
	struct vol_devs d = {0};
	struct msg_error e;
	char file[80], moved[90], buf[64] = "";
	struct stat st;
	int fd, r;
	ssize_t n;

	snprintf(file, sizeof(file), "%s/rec.key", dir);
	snprintf(moved, sizeof(moved), "%s.old", file);
	fd = open(file, O_WRONLY | O_CREAT | O_EXCL, 0400);
	CHECK(fd >= 0 && write(fd, old_key, sizeof(old_key) - 1) ==
				 (ssize_t)sizeof(old_key) - 1);
	if (fd >= 0)
		close(fd);
	snprintf(v.name, sizeof(v.name), "rec");
	snprintf(v.recovery, sizeof(v.recovery), "%s", file);
	v.nkeys = 1;
	snprintf(v.keys[0].key_id, sizeof(v.keys[0].key_id), "alias/x");
	/* A device that does not exist: reaching it is already a failure
	 * of the check under test. */
	d.n = 1;
	snprintf(d.path[0], sizeof(d.path[0]), "%s/no-such-device", dir);
	r = vol_provision(&env, &v, &d, &e);
	CHECKF(r == -EEXIST, "%d: %s", r, e.why);
	CHECKF(strstr(e.why, file) && strstr(e.why, "exists already") &&
		       strstr(e.why, "never kept"),
	       "%s", e.why);
	CHECK(stat(moved, &st) < 0 && errno == ENOENT);
	fd = open(file, O_RDONLY);
	n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (fd >= 0)
		close(fd);
	CHECK(n == (ssize_t)sizeof(old_key) - 1 && !strcmp(buf, old_key));
	unlink(file);
	unlink(moved);
}

/* What a log or step callback was handed. */
struct heard {
	int calls;
	enum msg_level level;
	char msg[2048];
};

static void hear_log(void *arg, enum msg_level level, const char *msg)
{
	struct heard *h = arg;

	h->calls++;
	h->level = level;
	snprintf(h->msg, sizeof(h->msg), "%s", msg);
}

static void hear_step(void *arg, const char *name)
{
	struct heard *h = arg;

	h->calls++;
	snprintf(h->msg, sizeof(h->msg), "%s", name);
}

/* report.c: vol_say() formats for the log callback (none: nothing happens),
 * vol_step_done() tells the step callback, refuse_header() fills the error
 * (lib/msg's msg_what() and msg_why(): test_msg.c). */
static void test_report(void)
{
	struct vol_env env = {0};
	struct msg_error e = {0};
	struct heard h = {0};
	char longer[1500];

	vol_say(&env, MSG_INFO, "nobody listens %d", 1);
	vol_step_done(&env, "md");
	env.log.fn = hear_log;
	env.log.arg = &h;
	vol_say(&env, MSG_WARN, "%s: %d", "vol", 42);
	CHECK(h.calls == 1 && h.level == MSG_WARN && !strcmp(h.msg, "vol: 42"));
	/* A line longer than vol_say()'s buffer is cut, never overrun. */
	memset(longer, 'x', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	vol_say(&env, MSG_INFO, "%s", longer);
	CHECK(h.calls == 2 && strlen(h.msg) == 1023);
	memset(&h, 0, sizeof(h));
	env.step.fn = hear_step;
	env.step.arg = &h;
	vol_step_done(&env, "mkfs");
	CHECK(h.calls == 1 && !strcmp(h.msg, "mkfs"));
	CHECK(refuse_header(&e, "/dev/md/x", "keyslot 3: pbkdf2") == -EPROTO);
	CHECK(e.err == -EPROTO && strstr(e.why, "/dev/md/x") &&
	      strstr(e.why, "keyslot 3: pbkdf2") &&
	      strstr(e.why, "luksHeaderRestore"));
}

/* mapping.c and devices.c: the names and defaults the sequences share. */
static void test_names(void)
{
	struct tab_volume v = {0};
	struct md_array arr = {0};
	struct vol_env env = {.sysfs = "/tmp/sys"};
	struct probe_sys s;
	char buf[64];

	CHECK(!strcmp(mapper_path("data", buf, sizeof(buf)),
		      "/dev/mapper/data"));
	CHECK(!has_mount(&v));
	snprintf(v.mountpoint, sizeof(v.mountpoint), "none");
	CHECK(!has_mount(&v));
	snprintf(v.mountpoint, sizeof(v.mountpoint), "/data");
	CHECK(has_mount(&v));
	CHECK(!strcmp(fstype_of(&v), "ext4"));
	snprintf(v.fstype, sizeof(v.fstype), "xfs");
	CHECK(!strcmp(fstype_of(&v), "xfs"));
	snprintf(arr.dev, sizeof(arr.dev), "/dev/md127");
	CHECK(!strcmp(array_path(&arr), "/dev/md127"));
	snprintf(arr.link, sizeof(arr.link), "/dev/md/data");
	CHECK(!strcmp(array_path(&arr), "/dev/md/data"));
	CHECK(sys_of(&env, &s) == &s && s.sysfs == env.sysfs);
}

/* rdev_of(): a block device's number, 0 for anything else. */
static void test_rdev_of(void)
{
	static const char *const nodes[] = {"/dev/loop0", "/dev/sda",
					    "/dev/vda", "/dev/nvme0n1"};
	char file[80];
	struct stat st;
	unsigned i;
	int fd;

	snprintf(file, sizeof(file), "%s/plain", dir);
	fd = open(file, O_WRONLY | O_CREAT | O_EXCL, 0600);
	CHECK(fd >= 0);
	if (fd >= 0)
		close(fd);
	CHECK(rdev_of(file) == 0);
	CHECK(rdev_of("/dev/null") == 0);
	CHECK(rdev_of("/nonexistent/dev") == 0);
	unlink(file);
	for (i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++)
		if (!stat(nodes[i], &st) && S_ISBLK(st.st_mode)) {
			CHECK(rdev_of(nodes[i]) == (unsigned long)st.st_rdev);
			return;
		}
	printf("# no block device node here: rdev_of() of one untested\n");
}

/* A file of BYTES zeros at DIR/NAME into PATH. 0 or -1. */
static int zeros(const char *name, char *path, size_t cap, off_t bytes)
{
	int fd;

	snprintf(path, cap, "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return -1;
	if (ftruncate(fd, bytes)) {
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* all_blank() names the first device that is not blank and what it holds;
 * our_array() finds no array on devices that hold none. */
static void test_blank_devices(void)
{
	static const unsigned char luks2[8] = {'L',  'U',  'K', 'S',
					       0xba, 0xbe, 0,	2};
	struct vol_devs d = {.n = 2};
	struct vol_env env = {0};
	struct tab_volume v = {0};
	struct md_array arr;
	struct msg_error e = {0};
	char w[300] = "";
	int fd;

	CHECK(zeros("a", d.path[0], sizeof(d.path[0]), 4 << 20) == 0);
	CHECK(zeros("b", d.path[1], sizeof(d.path[1]), 4 << 20) == 0);
	CHECK(all_blank(&d, w, sizeof(w)) == 1);
	snprintf(v.name, sizeof(v.name), "data");
	CHECK(our_array(&env, &v, &d, &arr, &e) == 0 && !e.err);
	fd = open(d.path[1], O_WRONLY);
	CHECK(fd >= 0 &&
	      pwrite(fd, luks2, sizeof(luks2), 0) == (ssize_t)sizeof(luks2));
	if (fd >= 0)
		close(fd);
	CHECK(all_blank(&d, w, sizeof(w)) == 0);
	CHECKF(strstr(w, d.path[1]) && strstr(w, "LUKS") &&
		       !strstr(w, d.path[0]),
	       "%s", w);
	snprintf(d.path[1], sizeof(d.path[1]), "%s/missing", dir);
	CHECK(all_blank(&d, w, sizeof(w)) == -ENOENT);
	unlink(d.path[0]);
	snprintf(d.path[1], sizeof(d.path[1]), "%s/b", dir);
	unlink(d.path[1]);
}

/* mapping.c without device-mapper: a volume without a mount point, or
 * whose mapping is not open, is not mounted, and nothing is mounted. */
static void test_unmounted(void)
{
	struct vol_env env = {0};
	struct tab_volume v = {0};
	struct msg_error e = {0};

	snprintf(v.name, sizeof(v.name), "luksbox-unit-absent");
	CHECK(mapping_mounted(&v) == 0);
	CHECK(mount_volume(&env, &v, &e) == 0 && !e.err);
	snprintf(v.mountpoint, sizeof(v.mountpoint), "none");
	CHECK(mapping_mounted(&v) == 0);
	CHECK(mount_volume(&env, &v, &e) == 0 && !e.err);
	snprintf(v.mountpoint, sizeof(v.mountpoint), "%s", dir);
	CHECK(mapping_mounted(&v) == 0);
}

/* recovery.c: a recovery key file that exists is refused by
 * add_recovery() too (after the key is made, before any keyslot), and
 * recovery=prompt without a terminal adds nothing, with a warning. */
static void test_add_recovery_refuses(void)
{
	static const char old_key[] = "old";
	struct secret_arena arena = {0};
	struct vol_env env = {0};
	struct tab_volume v = {0};
	struct msg_error e = {0};
	struct heard h = {0};
	unsigned char secret[SECRET_BYTES] = {0};
	char file[80], buf[16] = "";
	int fd;
	ssize_t n;

	if (secret_arena_init(&arena, 16384, 1)) {
		CHECK(0);
		return;
	}
	env.arena = &arena;
	env.log.fn = hear_log;
	env.log.arg = &h;
	snprintf(v.name, sizeof(v.name), "rec");
	snprintf(file, sizeof(file), "%s/rec.key", dir);
	fd = open(file, O_WRONLY | O_CREAT | O_EXCL, 0400);
	CHECK(fd >= 0 && write(fd, old_key, 3) == 3);
	if (fd >= 0)
		close(fd);
	snprintf(v.recovery, sizeof(v.recovery), "%s", file);
	CHECK(add_recovery(&env, &v, NULL, secret, &e) == -EEXIST);
	CHECK(strstr(e.why, file) && strstr(e.why, "exists already"));
	CHECK(h.calls == 0);
	fd = open(file, O_RDONLY);
	n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (fd >= 0)
		close(fd);
	CHECK(n == 3 && !strcmp(buf, old_key));
	unlink(file);
	memset(&e, 0, sizeof(e));
	snprintf(v.recovery, sizeof(v.recovery), "prompt");
	CHECK(add_recovery(&env, &v, NULL, secret, &e) == 0 && !e.err);
	CHECK(h.calls == 1 && h.level == MSG_WARN &&
	      strstr(h.msg, "no terminal"));
	secret_arena_fini(&arena);
}

/* A key's state in words, and which ways --check calls unusable. */
static void test_key_states(void)
{
	struct vol_way w;
	char buf[80];

	memset(&w, 0, sizeof(w));
	snprintf(w.type, sizeof(w.type), "aws-kms");
	CHECK(!strcmp(vol_key_state_text(&w, buf, sizeof(buf)), "unchecked") &&
	      !vol_way_unusable(&w));
	w.state = VOL_KEY_PENDING_DELETION;
	snprintf(w.key_state, sizeof(w.key_state), "PendingDeletion");
	w.deletion = 1797180072;
	CHECK(!strcmp(vol_key_state_text(&w, buf, sizeof(buf)),
		      "PendingDeletion on 2026-12-13T16:41:12Z") &&
	      vol_way_unusable(&w));
	w.state = VOL_KEY_ENABLED;
	snprintf(w.key_state, sizeof(w.key_state), "Enabled");
	CHECK(!strcmp(vol_key_state_text(&w, buf, sizeof(buf)), "Enabled") &&
	      !vol_way_unusable(&w));
	w.state = VOL_KEY_OTHER;
	snprintf(w.key_state, sizeof(w.key_state), "PendingImport");
	CHECK(!strcmp(vol_key_state_text(&w, buf, sizeof(buf)),
		      "PendingImport") &&
	      vol_way_unusable(&w));
	/* Not known to be unusable: the state could not be asked. */
	w.state = VOL_KEY_DENIED;
	CHECK(!strcmp(vol_key_state_text(&w, buf, sizeof(buf)),
		      "access denied") &&
	      !vol_way_unusable(&w));
	w.state = VOL_KEY_UNREACHABLE;
	CHECK(!strcmp(vol_key_state_text(&w, buf, sizeof(buf)),
		      "unreachable") &&
	      !vol_way_unusable(&w));
	w.state = VOL_KEY_FAILED;
	CHECK(vol_way_unusable(&w));
	/* A token that does not decode never opens anything. */
	w.state = VOL_KEY_UNCHECKED;
	snprintf(w.problem, sizeof(w.problem), "malformed");
	CHECK(vol_way_unusable(&w));
}

int main(void)
{
	if (!mkdtemp(dir)) {
		printf("FAIL unit/volume: mkdtemp\n");
		return 1;
	}
	T_RUN(test_recovery_file_exists);
	T_RUN(test_report);
	T_RUN(test_names);
	T_RUN(test_rdev_of);
	T_RUN(test_blank_devices);
	T_RUN(test_unmounted);
	T_RUN(test_add_recovery_refuses);
	T_RUN(test_key_states);
	rmdir(dir);
	return T_END();
}
