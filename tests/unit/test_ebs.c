/* test_ebs.c - block/ebs: EBS volumes by id through the NVMe serial, on
 * fabricated sysfs trees; vol_devices() waiting for a volume id and
 * vol_ebs_ids() naming a volume's ids.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define T_SUITE "unit/ebs"
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "t.h"
#include "fake_tree.h"
#include "block/ebs.h"
#include "lib/clock.h"
#include "lib/msg.h"
#include "volume/volume.h"

#define EBS "Amazon Elastic Block Store              \n"
#define ID "vol-0123456789abcdef0"

/* nvmeNn1 under ROOT with MODEL and SERIAL (as the kernel shows them:
 * both padded with blanks to the NVMe field's width). */
static void disk(const char *root, int n, const char *model, const char *serial)
{
	char rel[96];

	snprintf(rel, sizeof(rel), "block/nvme%dn1/device/model", n);
	t_put_file(root, rel, model);
	snprintf(rel, sizeof(rel), "block/nvme%dn1/device/serial", n);
	t_put_file(root, rel, serial);
	snprintf(rel, sizeof(rel), "class/block/nvme%dn1/dev", n);
	t_put_file(root, rel, "259:0\n");
}

static int tree(char *root, char *mi, size_t cap, struct probe_sys *sys)
{
	if (!mkdtemp(root))
		return -1;
	snprintf(mi, cap, "%s/mountinfo", root);
	memset(sys, 0, sizeof(*sys));
	sys->sysfs = root;
	sys->mountinfo = mi;
	return t_put_file(root, "mountinfo", "");
}

static void test_find(void)
{
	char root[] = "/tmp/luksbox-sys-XXXXXX", mi[64], name[32];
	struct probe_sys sys;

	if (tree(root, mi, sizeof(mi), &sys)) {
		CHECK(0);
		return;
	}
	/* Missing: nothing attached at all. */
	CHECK(ebs_find(&sys, NULL, ID, name, sizeof(name)) == -ENOENT);
	/* Two controllers (and an instance-store disk): the serial
	 * decides, not the order; the 20-byte serial has no padding, the
	 * 11-byte one (vol- and 8 digits) is padded with blanks. */
	disk(root, 0, EBS, "vol0fedcba9876543210\n");
	disk(root, 1, "Amazon EC2 NVMe Instance Storage        \n",
	     "AWS1234567890ABCDEF \n");
	disk(root, 2, EBS, "vol0123456789abcdef0\n");
	disk(root, 3, EBS, "vol1234abcd         \n");
	CHECK(ebs_find(&sys, NULL, ID, name, sizeof(name)) == 0 &&
	      !strcmp(name, "nvme2n1"));
	CHECK(ebs_find(&sys, NULL, "vol-0fedcba9876543210", name,
		       sizeof(name)) == 0 &&
	      !strcmp(name, "nvme0n1"));
	CHECK(ebs_find(&sys, NULL, "vol-1234abcd", name, sizeof(name)) == 0 &&
	      !strcmp(name, "nvme3n1"));
	/* Wrong model: an instance-store disk whose serial were a volume's
	 * is no EBS volume. */
	disk(root, 4, "Amazon EC2 NVMe Instance Storage        \n",
	     "vol0aaaaaaaaaaaaaaaa\n");
	CHECK(ebs_find(&sys, NULL, "vol-0aaaaaaaaaaaaaaaa", name,
		       sizeof(name)) == -ENOENT);
	/* ...unless the caller's model says so (the test build on qemu). */
	CHECK(ebs_find(&sys, "Amazon EC2 NVMe Instance Storage",
		       "vol-0aaaaaaaaaaaaaaaa", name, sizeof(name)) == 0 &&
	      !strcmp(name, "nvme4n1"));
	CHECK(ebs_find(&sys, "Amazon EC2 NVMe Instance Storage", ID, name,
		       sizeof(name)) == -ENOENT);
	/* Not an id. */
	CHECK(ebs_find(&sys, NULL, "vol-0123", name, sizeof(name)) == -EINVAL);
	CHECK(ebs_find(&sys, NULL, "nvme2n1", name, sizeof(name)) == -EINVAL);
	CHECK(ebs_find(&sys, NULL, "vol-0123456789ABCDEF0", name,
		       sizeof(name)) == -EINVAL);
	/* Two disks with one serial (forged, or two namespaces): refused. */
	disk(root, 5, EBS, "vol0123456789abcdef0\n");
	CHECK(ebs_find(&sys, NULL, ID, name, sizeof(name)) == -ENOTUNIQ);
	CHECK(t_rm_rf(root) == 0);
}

static void test_root_disk_refused(void)
{
	char root[] = "/tmp/luksbox-sys-XXXXXX", mi[64], name[32];
	struct probe_sys sys;

	if (tree(root, mi, sizeof(mi), &sys)) {
		CHECK(0);
		return;
	}
	disk(root, 0, EBS, "vol0123456789abcdef0\n");
	disk(root, 1, EBS, "vol0fedcba9876543210\n");
	t_put_file(root, "mountinfo",
		   "22 1 259:0 / / rw - xfs /dev/nvme0n1 rw\n");
	CHECK(ebs_find(&sys, NULL, ID, name, sizeof(name)) == -EPERM);
	CHECK(ebs_find(&sys, NULL, "vol-0fedcba9876543210", name,
		       sizeof(name)) == 0 &&
	      !strcmp(name, "nvme1n1"));
	CHECK(t_rm_rf(root) == 0);
}

/* Xen types show no volume ids: said as such, not "not attached". */
static void test_xen(void)
{
	char root[] = "/tmp/luksbox-sys-XXXXXX", mi[64], name[32];
	struct probe_sys sys;

	if (tree(root, mi, sizeof(mi), &sys)) {
		CHECK(0);
		return;
	}
	t_put_file(root, "block/xvda/size", "100\n");
	t_put_file(root, "block/xvdf/size", "100\n");
	t_put_file(root, "hypervisor/type", "xen\n");
	CHECK(ebs_find(&sys, NULL, ID, name, sizeof(name)) == -ENXIO);
	CHECK(!err_temporary(-ENXIO));
	CHECK(t_rm_rf(root) == 0);
}

static void test_id_of(void)
{
	char root[] = "/tmp/luksbox-sys-XXXXXX", mi[64], id[EBS_ID_MAX];
	struct probe_sys sys;

	if (tree(root, mi, sizeof(mi), &sys)) {
		CHECK(0);
		return;
	}
	disk(root, 0, EBS, "vol0123456789abcdef0\n");
	disk(root, 1, "Amazon EC2 NVMe Instance Storage        \n",
	     "vol0123456789abcdef1\n");
	disk(root, 2, EBS, "vol1234abcd         \n");
	disk(root, 3, EBS, "vol1234abcdX        \n");
	CHECK(ebs_id_of(&sys, NULL, "nvme0n1", id, sizeof(id)) == 1 &&
	      !strcmp(id, ID));
	CHECK(ebs_id_of(&sys, NULL, "nvme2n1", id, sizeof(id)) == 1 &&
	      !strcmp(id, "vol-1234abcd"));
	CHECK(ebs_id_of(&sys, NULL, "nvme1n1", id, sizeof(id)) == 0);
	CHECK(ebs_id_of(&sys, NULL, "nvme3n1", id, sizeof(id)) == 0);
	CHECK(ebs_id_of(&sys, NULL, "nvme9n1", id, sizeof(id)) == 0);
	CHECK(ebs_id_of(&sys, NULL, "nvme0n1", id, 8) == -E2BIG);
	CHECK(t_rm_rf(root) == 0);
}

struct heard {
	char last[256];
	unsigned n;
};

static void hear(void *arg, enum msg_level lv, const char *msg)
{
	struct heard *h = arg;

	(void)lv;
	snprintf(h->last, sizeof(h->last), "%s", msg);
	h->n++;
}

/* A volume id not attached: waited for (saying so), then a temporary
 * failure naming it, within the wait. */
static void test_wait(void)
{
	char root[] = "/tmp/luksbox-sys-XXXXXX", mi[64];
	struct probe_sys sys;
	struct heard h = {{0}, 0};
	struct vol_env env = {0};
	static struct tab_volume v;
	static struct vol_devs d;
	static struct vol_ebs ids;
	struct msg_error e;
	int64_t t0, ms;
	int r;

	if (tree(root, mi, sizeof(mi), &sys)) {
		CHECK(0);
		return;
	}
	env.sysfs = root;
	env.log.fn = hear;
	env.log.arg = &h;
	env.attach_wait_ms = 600;
	snprintf(v.name, sizeof(v.name), "db");
	snprintf(v.devices[0], sizeof(v.devices[0]), "vol-1234abcd");
	snprintf(v.devices[1], sizeof(v.devices[1]), ID);
	v.ndevices = 2;
	t0 = now_ms();
	r = vol_devices(&env, &v, &d, &e);
	ms = now_ms() - t0;
	CHECKF(r == -ETIMEDOUT && err_temporary(r), "r %d", r);
	CHECKF(ms >= 550 && ms < 3000, "waited %lld ms", (long long)ms);
	CHECKF(strstr(e.why, "vol-1234abcd is not attached") &&
		       strstr(e.why, "attach-volume"),
	       "why: %s", e.why);
	CHECKF(h.n == 1 && strstr(h.last, "waiting for vol-1234abcd to be "
					  "attached"),
	       "heard %u: %s", h.n, h.last);
	/* No wait: at once. */
	env.attach_wait_ms = 0;
	t0 = now_ms();
	CHECK(vol_devices(&env, &v, &d, &e) == -ETIMEDOUT);
	CHECK(now_ms() - t0 < 500);
	/* --stop names the table's ids, attached or not. */
	vol_ebs_ids(&env, &v, &ids);
	CHECK(ids.n == 2 && !strcmp(ids.id[0], "vol-1234abcd") &&
	      !strcmp(ids.id[1], ID));
	v.ephemeral = 1;
	vol_ebs_ids(&env, &v, &ids);
	CHECK(ids.n == 0);
	CHECK(t_rm_rf(root) == 0);
}

int main(void)
{
	T_RUN(test_find);
	T_RUN(test_root_disk_refused);
	T_RUN(test_xen);
	T_RUN(test_id_of);
	T_RUN(test_wait);
	return T_END();
}
