/* test_volume.c - volume/volume: what vol_provision() refuses before it
 * touches a device. (Provisioning itself runs in the VM, scenarios 2x.)
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define T_SUITE "unit/volume"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "t.h"
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
	struct vol_error e;
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

int main(void)
{
	if (!mkdtemp(dir)) {
		printf("FAIL unit/volume: mkdtemp\n");
		return 1;
	}
	T_RUN(test_recovery_file_exists);
	rmdir(dir);
	return T_END();
}
