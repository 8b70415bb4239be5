/* recovery.c - the recovery keyslot of a new volume: a passphrase asked
 * twice at the terminal, or a generated key written once to a file.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: internal.h, docs/design.md "On-disk contract", cryptsetup(8)
 *      (opening with the recovery key), termios(3), proc(5) /proc/meminfo.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <termios.h>
#include <unistd.h>

#include "crypto/luks.h"
#include "crypto/secret.h"
#include "lib/io.h"
#include "volume/internal.h"

enum {
	RECOVERY_BYTES = 32,	   /* generated recovery key */
	RECOVERY_MAX_KIB = 131072, /* argon2id memory cap: opens in 512 MiB */
	RECOVERY_MIN_KIB = 32768,  /* ... and floor */
	PASS_MAX = 512,
};

/* Ask the terminal for a passphrase without echo. Its length or -errno. */
static int ask_pass(const char *prompt, char *buf, size_t cap)
{
	struct termios old, raw;
	int fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY), n = 0;
	char c;

	if (fd < 0)
		return -ENOTTY;
	if (tcgetattr(fd, &old) < 0) {
		close(fd);
		return -ENOTTY;
	}
	raw = old;
	raw.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	tcsetattr(fd, TCSAFLUSH, &raw);
	if (write(fd, prompt, strlen(prompt)) < 0)
		n = -errno;
	while (n >= 0 && read(fd, &c, 1) == 1 && c != '\n') {
		if ((size_t)n + 1 >= cap) {
			n = -EMSGSIZE;
			break;
		}
		buf[n++] = c;
	}
	tcsetattr(fd, TCSAFLUSH, &old);
	if (write(fd, "\n", 1) < 0 && n >= 0)
		n = -errno;
	close(fd);
	c = 0;
	return n;
}

/* argon2id memory for the recovery slot: a quarter of RAM, capped so a
 * volume made on a big instance still opens with its recovery key on a
 * 512 MiB one (docs/design.md "On-disk contract"). */
static unsigned recovery_kib(void)
{
	FILE *f = fopen("/proc/meminfo", "re");
	unsigned long kib = 0;
	char line[128];

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "MemTotal: %lu kB", &kib) == 1)
			break;
	if (f)
		fclose(f);
	kib /= 4;
	if (kib > RECOVERY_MAX_KIB)
		kib = RECOVERY_MAX_KIB;
	if (kib < RECOVERY_MIN_KIB)
		kib = RECOVERY_MIN_KIB;
	return (unsigned)kib;
}

int recovery_exists(const struct tab_volume *v, struct msg_error *e)
{
	return msg_why(e, -EEXIST,
		       "the recovery key file %s exists already: move it off "
		       "this machine and remove it, or choose another path "
		       "(an old recovery key is never kept or replaced)",
		       v->recovery);
}

/* The recovery slot: a passphrase typed twice, or a generated key written
 * once to a file. Returns 0 (also when skipped with a warning) or -errno. */
int add_recovery(const struct vol_env *env, const struct tab_volume *v,
		 struct luks *l, const unsigned char *secret,
		 struct msg_error *e)
{
	char *pass = secret_alloc(env->arena, PASS_MAX);
	char *again = secret_alloc(env->arena, PASS_MAX);
	unsigned char *raw = secret_alloc(env->arena, RECOVERY_BYTES);
	int n = 0, i, r, slot;

	if (!pass || !again || !raw)
		return msg_why(e, -ENOMEM, "secret memory full");
	if (!strcmp(v->recovery, "prompt")) {
		if (!env->interactive) {
			vol_say(env, MSG_WARN,
				"%s: recovery=prompt but no terminal: no recovery "
				"passphrase added (add one later with cryptsetup "
				"luksAddKey)",
				v->name);
			return 0;
		}
		n = ask_pass("Recovery passphrase: ", pass, PASS_MAX);
		if (n >= 0 && n < 8)
			return msg_why(
				e, -EINVAL,
				"the recovery passphrase needs at least 8 "
				"characters");
		r = n < 0 ? n
			  : ask_pass("Recovery passphrase again: ", again,
				     PASS_MAX);
		if (n < 0 || r < 0)
			return msg_why(
				e, n < 0 ? n : r,
				"cannot read the recovery passphrase: %s",
				strerror(-(n < 0 ? n : r)));
		if (r != n || secret_cmp(pass, again, (size_t)n))
			return msg_why(e, -EINVAL,
				       "the two recovery passphrases differ");
	} else {
		/* A generated key: 64 hex digits in groups of 8, typeable and
		 * usable as `cryptsetup open --key-file FILE` (no newline). */
		if (getrandom(raw, RECOVERY_BYTES, 0) != RECOVERY_BYTES)
			return msg_why(e, -EIO, "getrandom failed");
		for (i = 0; i < RECOVERY_BYTES; i++) {
			if (i && i % 4 == 0)
				pass[n++] = '-';
			pass[n++] = "0123456789abcdef"[raw[i] >> 4];
			pass[n++] = "0123456789abcdef"[raw[i] & 15];
		}
		/* Never kept aside as FILE.old: a plaintext key that still
		 * opens something must not pile up on the root disk. */
		if (access(v->recovery, F_OK) == 0)
			return recovery_exists(v, e);
	}
	vol_say(env, MSG_INFO,
		"%s: adding the recovery keyslot (argon2id, %u MiB, ~2 s)",
		v->name, recovery_kib() / 1024);
	slot = luks_add_recovery_slot(l, secret, SECRET_BYTES, pass, (size_t)n,
				      recovery_kib());
	if (slot < 0)
		return msg_why(e, slot, "cannot add the recovery keyslot: %s",
			       strerror(-slot));
	if (strcmp(v->recovery, "prompt")) {
		/* Created, never replacing anything (an old key is never
		 * overwritten), whole and synced or not at all. */
		r = io_write_new(v->recovery, pass, (size_t)n, 0400);
		if (r < 0)
			return msg_why(
				e, r, "cannot write the recovery key to %s: %s",
				v->recovery, strerror(-r));
		vol_say(env, MSG_WARN,
			"%s: recovery key written to %s (keyslot %d). Move it OFF "
			"this machine now: anyone who reads it can open the volume",
			v->name, v->recovery, slot);
	}
	return 0;
}
