/* fuzz_md.c - libFuzzer target: md v1.x superblock decoding.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * Sources: block/md_sb.c block/md_members.c lib/io.c lib/msg.c lib/uuid.c
 *
 * Untrusted input: any disk's first kilobytes, read by assemble's scan and
 * by examine. The decoder must never read past LEN, and whatever it accepts
 * must survive checks, role lookup, a re-encode and a second decode.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "block/md.h"
#include "lib/msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct md_sb sb, again;
	static struct md_member m[2];
	static uint8_t buf[MD_SB_BYTES];
	uint64_t dev = 0;
	unsigned minor;
	struct msg_error e;
	int r;

	/* The first 9 bytes choose the place and the device size. */
	if (size < 9)
		return 0;
	minor = data[0] % 3;
	memcpy(&dev, data + 1, 8);
	data += 9;
	size -= 9;
	r = md_sb_decode(data, size, minor, dev, &sb);
	if (r && r != -EBADMSG)
		return 0;
	(void)md_sb_role(&sb);
	(void)md_name_matches(&sb, "x");
	m[0].sb = sb;
	m[1].sb = sb;
	if (!md_check_members(m, 2, &e)) {
		/* Members on devices of any size: a grow plan. */
		m[0].sectors = dev;
		m[1].sectors = dev ^ sb.data_size;
		(void)md_plan_grow(m, 2, NULL, &e);
	}
	if (md_sb_encode(&sb, buf) == 0 &&
	    md_sb_decode(buf, sizeof(buf), minor, dev, &again) != 0 &&
	    sb.max_dev <= MD_SB_MAX_ROLES && !r)
		__builtin_trap(); /* what we accept, we must write back */
	return 0;
}
