/* fuzz_probe.c - libFuzzer target: the signature prober and "blank" over
 * both ends of a device.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * Sources: block/probe.c lib/io.c
 *
 * Untrusted input: whatever a disk holds. The input becomes a sparse
 * device (a memfd): after two bytes choosing a gap and one choosing where
 * to cut, the part before the cut lands at offset 0 and the rest at the
 * very END, so the end-of-device
 * formats (md 0.90/1.0, the GPT backup, ZFS's last labels) see fuzzed
 * bytes too. The prober must never crash, and what it says must hold
 * together: blank means no signature and no non-zero byte, every offset
 * lies on the device, and the description fits its buffer.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "block/probe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int has_nonzero(const uint8_t *p, size_t n)
{
	while (n--)
		if (*p++)
			return 1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	struct probe_result res;
	char desc[64];
	uint64_t gap, dev;
	size_t half;
	unsigned i;

	if (size < 3)
		return 0;
	if (fd < 0)
		fd = memfd_create("fuzz_probe", MFD_CLOEXEC);
	if (fd < 0)
		abort();
	/* Gap of 0..255 sectors plus 0..255 MiB: small devices, where the
	 * edges overlap, and large ones, where they do not. */
	gap = (uint64_t)data[0] * 512 + ((uint64_t)data[1] << 20);
	half = (size - 3) * data[2] / 255;
	data += 3;
	size -= 3;
	dev = size + gap;
	if (ftruncate(fd, 0) || ftruncate(fd, (off_t)dev))
		abort();
	if (half && pwrite(fd, data, half, 0) != (ssize_t)half)
		abort();
	if (size > half &&
	    pwrite(fd, data + half, size - half,
		   (off_t)(dev - (size - half))) != (ssize_t)(size - half))
		abort();
	if (probe_fd(fd, 0, &res))
		abort();
	if (res.size != dev)
		__builtin_trap();
	for (i = 0; i < res.n && i < PROBE_MAX; i++)
		if (res.sig[i].offset >= dev || !res.sig[i].type)
			__builtin_trap();
	if (res.dirty && res.nonzero >= dev)
		__builtin_trap();
	/* Zeros everywhere we wrote are blank; non-zero bytes at the ends
	 * (all of the input is within the first or last MiB when it is
	 * shorter than that) never are. */
	if (probe_is_blank(&res) && (res.n || res.dirty))
		__builtin_trap();
	if (size <= (1u << 20) && has_nonzero(data, size) &&
	    probe_is_blank(&res))
		__builtin_trap();
	if (!has_nonzero(data, size) && (res.dirty || res.n))
		__builtin_trap();
	if (strlen(probe_describe(&res, desc, sizeof(desc))) >= sizeof(desc))
		__builtin_trap();
	return 0;
}
