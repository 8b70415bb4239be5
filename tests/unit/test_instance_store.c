/* test_instance_store.c - block/instance_store: the one discovery, on
 * fabricated sysfs trees; the block-device mapping from an in-memory
 * source and, through volume/'s IMDS client, from a fake IMDSv2; and
 * md-assemble list-ephemeral (the test build) beside vol_devices().
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define T_SUITE "unit/instance_store"
#include <errno.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "t.h"
#include "fake_tree.h"
#include "fake_http.h"
#include "block/instance_store.h"
#include "lib/msg.h"
#include "volume/volume.h"

#define IS_MODEL "Amazon EC2 NVMe Instance Storage"
#define BDM "/latest/meta-data/block-device-mapping/"

/* ---- the building blocks (moved from test_md.c) ------------------------- */

static void test_nvme(void)
{
	char root[] = "/tmp/luksbox-sys-XXXXXX";
	char names[8][32], roots[1][32] = {"nvme0n1"};
	int n;

	if (!mkdtemp(root)) {
		CHECK(0);
		return;
	}
	t_put_file(root, "block/nvme0n1/device/model",
		   "Amazon Elastic Block Store              \n");
	t_put_file(root, "block/nvme1n1/device/model",
		   "Amazon EC2 NVMe Instance Storage        \n");
	t_put_file(root, "block/nvme10n1/device/model",
		   "Amazon EC2 NVMe Instance Storage\n");
	t_put_file(root, "block/nvme2n1/device/model",
		   "  Amazon EC2 NVMe Instance Storage  \n");
	t_put_file(root, "block/nvme3n1/device/model",
		   "Amazon Elastic Block Store\n");
	t_put_file(root, "block/nvme1c1n1/device/model",
		   "Amazon EC2 NVMe Instance Storage\n");
	t_put_file(root, "block/xvda/size", "100\n");
	n = istore_nvme(root, NULL, (const char(*)[32])roots, 1, names, 8);
	CHECKF(n == 3, "n %d", n);
	if (n == 3)
		CHECK(!strcmp(names[0], "nvme1n1") &&
		      !strcmp(names[1], "nvme2n1") &&
		      !strcmp(names[2], "nvme10n1"));
	/* The root disk is never listed, even when it is instance store. */
	strcpy(roots[0], "nvme1n1");
	n = istore_nvme(root, NULL, (const char(*)[32])roots, 1, names, 8);
	CHECK(n == 2 && !strcmp(names[0], "nvme2n1"));
	/* A test's model string (qemu cannot set the real one). */
	n = istore_nvme(root, "Amazon Elastic Block Store", NULL, 0, names, 8);
	CHECK(n == 2 && !strcmp(names[0], "nvme0n1") &&
	      !strcmp(names[1], "nvme3n1"));
	/* An empty model is the default one. */
	n = istore_nvme(root, "", (const char(*)[32])roots, 1, names, 8);
	CHECKF(n == 2 && !strcmp(names[0], "nvme2n1"), "empty: n %d", n);
	/* Never from the environment: whoever sets root's would choose
	 * which disks may be formatted (only the test build's applets read
	 * LUKSBOX_EPHEMERAL_MODEL, and pass it as MODEL). */
	setenv("LUKSBOX_EPHEMERAL_MODEL", "Amazon Elastic Block Store", 1);
	n = istore_nvme(root, NULL, (const char(*)[32])roots, 1, names, 8);
	CHECKF(n == 2 && !strcmp(names[0], "nvme2n1") &&
		       !strcmp(names[1], "nvme10n1"),
	       "env ignored: n %d", n);
	unsetenv("LUKSBOX_EPHEMERAL_MODEL");
	/* More than MAX is refused, not cut. */
	n = istore_nvme(root, NULL, NULL, 0, names, 2);
	CHECKF(n == -E2BIG, "over max: n %d", n);
	CHECK(t_rm_rf(root) == 0);
}

static void test_map_xen(void)
{
	char root[] = "/tmp/luksbox-sys-XXXXXX";
	char names[8][32], roots[1][32] = {"xvda"};
	char bdm[][ISTORE_DEV] = {"sdb",  "/dev/sdc", "sdz",
				  "xvdd", "sdb",      "../x"};
	int n;

	if (!mkdtemp(root)) {
		CHECK(0);
		return;
	}
	t_put_file(root, "block/xvda/size", "100\n");
	t_put_file(root, "block/xvdb/size", "100\n");
	t_put_file(root, "block/xvdc/size", "100\n");
	t_put_file(root, "block/sdd/size", "100\n");
	n = istore_map_xen(root, (const char(*)[ISTORE_DEV])bdm, 6,
			   (const char(*)[32])roots, 1, names, 8);
	CHECKF(n == 3, "n %d", n);
	if (n == 3)
		CHECK(!strcmp(names[0], "xvdb") && !strcmp(names[1], "xvdc") &&
		      !strcmp(names[2], "sdd"));
	strcpy(bdm[0], "sda"); /* maps to the root disk xvda */
	n = istore_map_xen(root, (const char(*)[ISTORE_DEV])bdm, 1,
			   (const char(*)[32])roots, 1, names, 8);
	CHECK(n == 0);
	CHECK(t_rm_rf(root) == 0);
}

/* ---- istore_find --------------------------------------------------------- */

/*
 * A Xen machine of N ephemeral disks: ROOT/block/xvdX for X in b.. and an
 * empty mountinfo (no root disk). Entry ephemeralK names sd(b + N-1-K):
 * N order is the reverse of name order, so a list sorted by name would
 * show. ROOT/mountinfo is the empty mount table.
 */
static int xen_tree(const char *root, unsigned n)
{
	char rel[64];
	unsigned i;

	for (i = 0; i < n; i++) {
		snprintf(rel, sizeof(rel), "block/xvd%c/size", 'b' + i);
		if (t_put_file(root, rel, "100\n"))
			return -1;
	}
	return t_put_file(root, "mountinfo", "");
}

/* The in-memory mapping of xen_tree(), listed in a shuffled order; ERR,
 * when set, is what reading it fails with; CALLS counts the reads. */
struct mem_map {
	unsigned n;
	int err;
	unsigned calls;
};

static int mem_get(void *arg, const char *key, char *buf, size_t cap)
{
	struct mem_map *m = arg;
	unsigned i, k;
	size_t o = 0;

	m->calls++;
	if (m->err)
		return m->err;
	if (!*key) {
		/* ephemeral10 before ephemeral2, "ami" and "root" mixed in */
		o = (size_t)snprintf(buf, cap, "ami\n");
		for (i = m->n; i-- > 0;)
			o += (size_t)snprintf(buf + o, cap - o, "ephemeral%u\n",
					      (i * 7) % m->n);
		o += (size_t)snprintf(buf + o, cap - o, "root");
		return (int)o;
	}
	if (strncmp(key, "ephemeral", 9))
		return -ENOENT;
	k = (unsigned)atoi(key + 9);
	if (k >= m->n)
		return -ENOENT;
	return snprintf(buf, cap, "sd%c", 'b' + (m->n - 1 - k));
}

/* Is L the disks of xen_tree(N) in ephemeral order? */
static int xen_order(const struct istore_list *l, unsigned n)
{
	unsigned k;

	if (l->n != n)
		return 0;
	for (k = 0; k < n; k++) {
		char want[8];

		snprintf(want, sizeof(want), "xvd%c", 'b' + (n - 1 - k));
		if (strcmp(l->names[k], want))
			return 0;
	}
	return 1;
}

static void test_sorted_and_many(void)
{
	char root[] = "/tmp/luksbox-sys-XXXXXX", mi[64], rel[64];
	struct probe_sys sys = {0};
	struct mem_map mm = {.n = 12};
	struct istore_map map = {mem_get, &mm};
	struct istore_query q = {&sys, NULL, &map};
	static struct istore_list l;
	/* created out of order: readdir order must not matter */
	static const unsigned nv[] = {7, 1, 12, 3, 10, 2, 9, 4, 11, 5, 8, 6};
	unsigned i;
	int n;

	if (!mkdtemp(root)) {
		CHECK(0);
		return;
	}
	snprintf(mi, sizeof(mi), "%s/mountinfo", root);
	sys.sysfs = root;
	sys.mountinfo = mi;
	/* Xen: twelve disks, more than the eight volume.c once kept. */
	CHECK(xen_tree(root, 12) == 0);
	n = istore_find(&q, &l);
	CHECKF(n == 12 && l.source == ISTORE_XEN && xen_order(&l, 12),
	       "xen: n %d first %s", n, n > 0 ? l.names[0] : "");
	/* Nitro: twelve NVMe disks, by name (nvme2n1 before nvme10n1); the
	 * mapping is not asked. */
	for (i = 0; i < 12; i++) {
		snprintf(rel, sizeof(rel), "block/nvme%un1/device/model",
			 nv[i]);
		t_put_file(root, rel, IS_MODEL "\n");
	}
	mm.calls = 0;
	n = istore_find(&q, &l);
	CHECKF(n == 12 && l.source == ISTORE_NVME && mm.calls == 0,
	       "nitro: n %d calls %u", n, mm.calls);
	for (i = 0; n == 12 && i < 12; i++) {
		snprintf(rel, sizeof(rel), "nvme%un1", i + 1);
		CHECKF(!strcmp(l.names[i], rel), "%u: %s", i, l.names[i]);
	}
	/* More NVMe disks than an array takes: refused, not cut. */
	for (i = 13; i <= ISTORE_MAX + 1; i++) {
		snprintf(rel, sizeof(rel), "block/nvme%un1/device/model", i);
		t_put_file(root, rel, IS_MODEL "\n");
	}
	n = istore_find(&q, &l);
	CHECKF(n == -E2BIG && l.failed == ISTORE_SCAN, "over: n %d", n);
	CHECK(t_rm_rf(root) == 0);
}

static void test_mapping_asked_only_for_xen(void)
{
	char root[] = "/tmp/luksbox-sys-XXXXXX", mi[64];
	struct probe_sys sys = {0};
	struct mem_map mm = {.n = 2};
	struct istore_map map = {mem_get, &mm};
	struct istore_query q = {&sys, NULL, &map};
	static struct istore_list l;
	int n;

	if (!mkdtemp(root)) {
		CHECK(0);
		return;
	}
	snprintf(mi, sizeof(mi), "%s/mountinfo", root);
	sys.sysfs = root;
	sys.mountinfo = mi;
	/* virtio disks only (no sd, no xvd): nothing, IMDS never asked. */
	t_put_file(root, "block/vda/size", "100\n");
	t_put_file(root, "block/vdb/size", "100\n");
	t_put_file(root, "mountinfo", "");
	n = istore_find(&q, &l);
	CHECKF(n == 0 && l.source == ISTORE_NONE && mm.calls == 0,
	       "n %d calls %u", n, mm.calls);
	/* An xvd disk that is the root disk does not count either. */
	t_put_file(root, "block/xvda/dev", "202:0\n");
	t_put_file(root, "class/block/xvda/dev", "202:0\n");
	t_put_file(root, "mountinfo",
		   "22 1 202:0 / / rw - ext4 /dev/xvda rw\n");
	n = istore_find(&q, &l);
	CHECKF(n == 0 && mm.calls == 0, "root xvda: n %d calls %u", n,
	       mm.calls);
	/* Without a mapping source a Xen machine lists nothing. */
	CHECK(xen_tree(root, 2) == 0);
	q.map = NULL;
	CHECK(istore_find(&q, &l) == 0);
	q.map = &map;
	n = istore_find(&q, &l);
	CHECKF(n == 2 && xen_order(&l, 2), "xen: n %d", n);
	CHECK(t_rm_rf(root) == 0);
}

static void test_mapping_failure(void)
{
	static const struct {
		int err, want;
	} cases[] = {
		{-ETIMEDOUT, -ETIMEDOUT},	/* IMDS did not answer */
		{-ECONNREFUSED, -ECONNREFUSED}, /* nor listen */
		{-EIO, -EAGAIN},		/* anything else: later */
		{-EMSGSIZE, -EAGAIN},
		{-EPROTO, -EPROTO}, /* it answered with an error */
		{-EINVAL, -EINVAL}, /* a bad endpoint */
	};
	char root[] = "/tmp/luksbox-sys-XXXXXX", mi[64];
	struct probe_sys sys = {0};
	struct mem_map mm = {.n = 3};
	struct istore_map map = {mem_get, &mm};
	struct istore_query q = {&sys, NULL, &map};
	static struct istore_list l;
	unsigned i;
	int n;

	if (!mkdtemp(root)) {
		CHECK(0);
		return;
	}
	snprintf(mi, sizeof(mi), "%s/mountinfo", root);
	sys.sysfs = root;
	sys.mountinfo = mi;
	CHECK(xen_tree(root, 3) == 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		mm.err = cases[i].err;
		n = istore_find(&q, &l);
		CHECKF(n == cases[i].want && l.failed == ISTORE_MAPPING &&
			       l.n == 0,
		       "%d: got %d", cases[i].err, n);
		/* Temporary (exit 75) but for a refusal. */
		CHECKF(err_temporary(n) == (cases[i].want != -EPROTO &&
					    cases[i].want != -EINVAL),
		       "%d: class", cases[i].err);
	}
	/* No mapping at all (not on EC2, IMDS off): none, no error. */
	mm.err = -ENOENT;
	CHECK(istore_find(&q, &l) == 0 && l.failed == ISTORE_OK);
	CHECK(t_rm_rf(root) == 0);
}

/* ---- through IMDS: vol_devices() and md-assemble ------------------------- */

/* A fake IMDSv2 serving the mapping of xen_tree(N) (N 0: no answer but
 * 404), as the token PUT and GETs carrying the token. */
struct fake_imds {
	unsigned n;
	unsigned gets;
};

static const char *imds_route(struct fake_http *f, const char *req)
{
	static char out[4][2048];
	static int slot;
	struct fake_imds *st = f->ctx;
	struct mem_map mm = {.n = st->n};
	char *o = out[slot++ % 4], key[64], body[1024];
	const char *p;
	int n;

	if (!strncmp(req, "PUT /latest/api/token ", 22))
		return "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n"
		       "fake-token";
	if (!strstr(req, "X-aws-ec2-metadata-token: fake-token\r\n"))
		return "HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n";
	if (strncmp(req, "GET " BDM, 4 + strlen(BDM)))
		return "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
	st->gets++;
	p = req + 4 + strlen(BDM);
	snprintf(key, sizeof(key), "%.*s", (int)strcspn(p, " "), p);
	n = st->n ? mem_get(&mm, key, body, sizeof(body)) : -ENOENT;
	if (n < 0)
		return "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
	snprintf(o, 2048,
		 "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
		 "Content-Length: %d\r\n\r\n%s",
		 n, body);
	return o;
}

static struct fake_http fk;
static struct fake_imds fi;

static void imds_at(unsigned port)
{
	char ep[64];

	snprintf(ep, sizeof(ep), "http://127.0.0.1:%u", port);
	setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", ep, 1);
	unsetenv("AWS_EC2_METADATA_DISABLED");
	unsetenv("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE");
	unsetenv("LUKSBOX_EPHEMERAL_MODEL");
	fake_answers(&fk, NULL, 0); /* the route answers; counts from 0 */
}

/* A loopback port nothing listens on (bound, then closed). */
static unsigned dead_port(void)
{
	struct sockaddr_in sa = {0};
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	unsigned port = 9;

	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && !bind(fd, (struct sockaddr *)&sa, sizeof(sa)) &&
	    !getsockname(fd, (struct sockaddr *)&sa, &sl))
		port = ntohs(sa.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

/* vol_devices() for an `ephemeral` volume on SYSFS, with no AWS client:
 * what luks-mount --key-file has. */
static int vol_list(const char *sysfs, struct vol_devs *d, struct msg_error *e)
{
	struct vol_env env = {.sysfs = sysfs};
	struct tab_volume *v = calloc(1, sizeof(*v));
	int r;

	if (!v)
		return -ENOMEM;
	snprintf(v->name, sizeof(v->name), "eph");
	v->ephemeral = 1;
	r = vol_devices(&env, v, d, e);
	free(v);
	return r;
}

static void test_volume_without_aws(void)
{
	char root[] = "/tmp/luksbox-sys-XXXXXX";
	static struct vol_devs d;
	struct msg_error e = {0};
	unsigned k;
	int r;

	if (!mkdtemp(root) || xen_tree(root, 10)) {
		CHECK(0);
		return;
	}
	fi.n = 10;
	fi.gets = 0;
	imds_at(fk.port);
	r = vol_list(root, &d, &e);
	CHECKF(r == 0 && d.n == 10, "r %d n %u: %s", r, d.n, e.why);
	for (k = 0; r == 0 && k < d.n; k++) {
		char want[16];

		snprintf(want, sizeof(want), "/dev/xvd%c", 'b' + (9 - k));
		CHECKF(!strcmp(d.path[k], want), "%u: %s", k, d.path[k]);
	}
	CHECK(fi.gets == 11); /* the list, then each of the ten entries */
	/* IMDS down: a temporary error that names IMDS. */
	imds_at(dead_port());
	r = vol_list(root, &d, &e);
	CHECKF(r < 0 && err_temporary(e.err) && strstr(e.why, "IMDS"),
	       "r %d: %s", r, e.why);
	/* IMDS switched off: no mapping, so no instance-store disk. */
	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
	r = vol_list(root, &d, &e);
	CHECKF(r == -ENODEV && strstr(e.why, "no instance-store disk"),
	       "off: r %d: %s", r, e.why);
	unsetenv("AWS_EC2_METADATA_DISABLED");
	CHECK(t_rm_rf(root) == 0);
}

/* md-assemble list-ephemeral (the test build) on SYSFS with an empty mount
 * table: its exit status, and its stdout in OUT. */
static int md_list(const char *bin, const char *sysfs, char *out, size_t cap)
{
	char cmd[1200];
	size_t n = 0;
	FILE *p;
	int st;

	snprintf(cmd, sizeof(cmd),
		 "'%s' md-assemble list-ephemeral --sysfs '%s' "
		 "--mountinfo '%s/mountinfo' 2>/dev/null",
		 bin, sysfs, sysfs);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	while (n + 1 < cap && fgets(out + n, (int)(cap - n), p))
		n += strlen(out + n);
	out[n] = '\0';
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The one list, whoever asks: the same disks in the same order from
 * md-assemble list-ephemeral and from a volume's discovery. */
static const char *test_bin; /* the test build, from LUKSBOX_TEST */

static void test_both_callers_agree(void)
{
	const char *bin = test_bin;
	char root[] = "/tmp/luksbox-sys-XXXXXX", out[4096], want[4096], rel[64];
	static struct vol_devs d;
	struct msg_error e = {0};
	unsigned k, i;
	size_t o;
	int rc, r;

	if (!mkdtemp(root) || xen_tree(root, 12)) {
		CHECK(0);
		return;
	}
	for (i = 0; i < 2; i++) {
		/* Xen through IMDS, then Nitro (IMDS then unreachable). */
		if (i == 1) {
			static const unsigned nv[] = {3, 10, 1, 2, 11, 9};

			for (k = 0; k < 6; k++) {
				snprintf(rel, sizeof(rel),
					 "block/nvme%un1/device/model", nv[k]);
				t_put_file(root, rel, IS_MODEL "\n");
			}
			imds_at(dead_port());
		} else {
			fi.n = 12;
			imds_at(fk.port);
		}
		rc = md_list(bin, root, out, sizeof(out));
		r = vol_list(root, &d, &e);
		CHECKF(rc == 0 && r == 0, "%u: md-assemble %d, volume %d: %s",
		       i, rc, r, e.why);
		want[0] = '\0';
		for (k = 0, o = 0; r == 0 && k < d.n; k++)
			o += (size_t)snprintf(want + o, sizeof(want) - o,
					      "%s\n", d.path[k]);
		CHECKF(!strcmp(out, want) && d.n == (i ? 6u : 12u),
		       "%u: md-assemble [%s] volume [%s]", i, out, want);
	}
	/* Xen with IMDS down: 75 from md-assemble, temporary for a volume. */
	CHECK(t_rm_rf(root) == 0);
	if (!mkdtemp(strcpy(root, "/tmp/luksbox-sys-XXXXXX")) ||
	    xen_tree(root, 2)) {
		CHECK(0);
		return;
	}
	imds_at(dead_port());
	rc = md_list(bin, root, out, sizeof(out));
	r = vol_list(root, &d, &e);
	CHECKF(rc == 75 && r < 0 && err_temporary(e.err),
	       "down: md-assemble %d, volume %d", rc, r);
	CHECK(t_rm_rf(root) == 0);
}

int main(void)
{
	test_bin = getenv("LUKSBOX_TEST");

	T_RUN(test_nvme);
	T_RUN(test_map_xen);
	T_RUN(test_sorted_and_many);
	T_RUN(test_mapping_asked_only_for_xen);
	T_RUN(test_mapping_failure);
	if (fake_start(&fk)) {
		T_SKIP(test_volume_without_aws, "no loopback socket");
		T_SKIP(test_both_callers_agree, "no loopback socket");
		return T_END();
	}
	fk.route = imds_route;
	fk.ctx = &fi;
	T_RUN(test_volume_without_aws);
	if (test_bin && !access(test_bin, X_OK))
		T_RUN(test_both_callers_agree);
	else
		T_SKIP(test_both_callers_agree,
		       "no test build (LUKSBOX_TEST; make test-build)");
	fake_stop(&fk);
	return T_END();
}
