/* fuzz_creds.c - libFuzzer target: the shared credentials file.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * Sources: kms/creds.c kms/imds.c kms/http.c kms/json.c kms/net.c lib/clock.c lib/msg.c crypto/secret.c
 *
 * Input read from disk: ~/.aws/credentials or AWS_SHARED_CREDENTIALS_FILE
 * (INI-style: [profile] lines, key = value lines, comments), which may be
 * hand-edited, truncated, binary or hostile. Input: a mode byte (bit 0:
 * ask for the named profile "p1", else "default"), then the file. The
 * environment holds no keys and IMDS is disabled: only the file answers.
 *
 * Invariants: creds_load() returns 0 or one of its documented errors; on
 * success the access key and secret are non-empty, NUL-terminated,
 * visible ASCII (they go into header lines), present in the file, and the
 * source names the profile asked for; on failure no byte of the file is
 * left in the credentials; a named profile never falls through to IMDS.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kms/creds.h"
#include "lib/clock.h"
#include "lib/msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int file_fd = -1;

static void setup(void)
{
	static const char *const unset[] = {
		"AWS_ACCESS_KEY_ID",
		"AWS_SECRET_ACCESS_KEY",
		"AWS_SESSION_TOKEN",
		"AWS_PROFILE",
		"AWS_EC2_METADATA_SERVICE_ENDPOINT",
	};
	char path[64];
	size_t i;

	file_fd = memfd_create("credentials", 0);
	if (file_fd < 0)
		__builtin_trap();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", file_fd);
	for (i = 0; i < sizeof(unset) / sizeof(unset[0]); i++)
		unsetenv(unset[i]);
	setenv("AWS_SHARED_CREDENTIALS_FILE", path, 1);
	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
}

static void one_value(const char *s, size_t cap, const uint8_t *file, size_t n,
		      int nonempty)
{
	const char *e = memchr(s, 0, cap);
	size_t l;

	if (!e)
		__builtin_trap();
	l = (size_t)(e - s);
	if (nonempty && !l)
		__builtin_trap();
	if (!l)
		return;
	/* Visible ASCII only: it goes into header lines. */
	for (e = s; *e; e++)
		if ((unsigned char)*e < 0x21 || (unsigned char)*e > 0x7e)
			__builtin_trap();
	if (!memmem(file, n, s, l))
		__builtin_trap(); /* made up, or cut */
}

static int zeroes(const void *p, size_t n)
{
	const unsigned char *b = p;

	while (n--)
		if (*b++)
			return 0;
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct aws_creds c;
	struct imds m;
	const char *profile;
	struct msg_error e;
	char want[100];
	int r;

	if (size < 1)
		return 0;
	if (file_fd < 0)
		setup();
	profile = data[0] & 1 ? "p1" : NULL;
	if (ftruncate(file_fd, 0) ||
	    pwrite(file_fd, data + 1, size - 1, 0) != (ssize_t)(size - 1))
		__builtin_trap();
	memset(&c, 0x5a, sizeof(c));
	if (imds_init(&m, 0))
		__builtin_trap();
	r = creds_load(&c, &m, profile, now_ms() + 1000, &e);
	imds_fini(&m);
	if (!memchr(e.why, 0, sizeof(e.why)) || (r && e.err != r))
		__builtin_trap();
	if (r) {
		if (r != -ENOKEY && r != -ENODEV && r != -EMSGSIZE &&
		    r != -EILSEQ && r != -EIO)
			__builtin_trap();
		/* A named profile that is missing never reaches IMDS. */
		if (profile && r == -ENODEV)
			__builtin_trap();
		if (!zeroes(&c, sizeof(c)))
			__builtin_trap();
		return 0;
	}
	one_value(c.access_key, sizeof(c.access_key), data + 1, size - 1, 1);
	one_value(c.secret_key, sizeof(c.secret_key), data + 1, size - 1, 1);
	one_value(c.token, sizeof(c.token), data + 1, size - 1, 0);
	snprintf(want, sizeof(want), "profile %s",
		 profile ? profile : "default");
	if (strcmp(c.source, want) || c.expiration)
		__builtin_trap();
	creds_wipe(&c);
	return 0;
}
