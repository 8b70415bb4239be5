#!/usr/bin/env bash
# blank.sh - the one definition of "blank" (block/probe.c) on image files
# made by the real tools, seen through `md-assemble examine --export`
# (MD_CONTENTS= is probe_blank()'s verdict and probe_describe()'s words):
# every format named with its offset, random data and one byte in the last
# MiB refused as unknown content, a GPT found by its backup alone, ZFS by
# the labels at the end alone (forged here in Python: no zfs on the host).
# md 0.90/1.0 need md in the kernel to be made by mdadm: VM scenario 34.
# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck disable=SC2016,SC2034,SC2317 # check's EXPR is eval'd in check; cleanup runs from the trap
set -u
# shellcheck source=tests/applets/lib.sh
. "$(dirname "$0")/lib.sh"

t=$(mktemp -d)
loop=
cleanup() {
	[ -n "$loop" ] && losetup -d "$loop" 2>/dev/null
	rm -rf "$t"
}
trap cleanup EXIT
MIB=1048576

# contents IMG: sets $c to what examine says the image holds.
contents() {
	run "$LUKSBOX" md-assemble examine --export "$1"
	c=$(sed -n 's/^MD_CONTENTS=//p' <<<"$out")
}

# made NAME TOOL WANT SIZE CMD...: a SIZE image at $t/NAME made by CMD
# (the image path is appended), which examine must describe with WANT in it.
made() {
	local name=$1 tool=$2 want=$3 size=$4
	shift 4
	if ! command -v "$tool" >/dev/null; then
		echo "SKIP $suite: $name: $tool is not installed (build/apt-packages)"
		return
	fi
	rm -f "$t/$name"
	truncate -s "$size" "$t/$name"
	if ! "$@" "$t/$name" >"$t/log" 2>&1; then
		echo "FAIL $suite: $name: $* failed: $(tail -n 2 "$t/log")"
		_failed=1
		return
	fi
	contents "$t/$name"
	check "$name ($tool): not blank, named: $want" \
		'[ "$rc" = 1 ] && grep -qF -- "$want" <<<"$c"'
}

truncate -s 64M "$t/zero"
contents "$t/zero"
check "a file of zeros is blank" '[ "$c" = blank ]'

made btrfs mkfs.btrfs "btrfs at 65600" 128M mkfs.btrfs -q -f
made swap mkswap "swap 1 at 4086" 64M mkswap
made ext4 mkfs.ext4 "ext4 at 1080" 64M mkfs.ext4 -q -F
made xfs mkfs.xfs "xfs at 0" 320M mkfs.xfs -q -f
made fat16 mkfs.vfat "vfat FAT16 at 54" 64M mkfs.vfat -F 16
made fat32 mkfs.vfat "vfat FAT32 at 82" 64M mkfs.vfat -F 32
made ntfs mkntfs "ntfs at 3" 64M mkntfs -q -F -f
made exfat mkfs.exfat "exfat at 3" 64M mkfs.exfat
made f2fs mkfs.f2fs "f2fs at 1024" 128M mkfs.f2fs -q -f
made jfs mkfs.jfs "jfs at 32768" 64M mkfs.jfs -q
made reiserfs mkreiserfs "reiserfs at 65588" 64M mkreiserfs -q -f
made udf mkudffs "udf at " 64M mkudffs
made bcache make-bcache "bcache at 4120" 64M make-bcache -B --wipe-bcache

# Tools that write an image rather than format one.
if command -v genisoimage >/dev/null; then
	mkdir -p "$t/iso.d" && echo hello >"$t/iso.d/file"
	genisoimage -quiet -o "$t/iso" "$t/iso.d" 2>/dev/null ||
		echo "FAIL $suite: iso9660: genisoimage failed"
	contents "$t/iso"
	check "iso9660 (genisoimage): named at 32769" \
		'[ "$rc" = 1 ] && grep -qF "iso9660 at 32769" <<<"$c"'
else
	echo "SKIP $suite: iso9660: genisoimage is not installed"
fi
if command -v mksquashfs >/dev/null; then
	mkdir -p "$t/sq.d" && echo hello >"$t/sq.d/file"
	mksquashfs "$t/sq.d" "$t/sq" -quiet -noappend >/dev/null 2>&1 ||
		echo "FAIL $suite: squashfs: mksquashfs failed"
	contents "$t/sq"
	check "squashfs (mksquashfs): named at 0" \
		'[ "$rc" = 1 ] && grep -qF "squashfs at 0" <<<"$c"'
else
	echo "SKIP $suite: squashfs: mksquashfs is not installed"
fi

# A GPT whose primary header and protective MBR are gone: only the backup
# in the last sector says what the disk is.
if command -v sgdisk >/dev/null; then
	truncate -s 64M "$t/gpt"
	sgdisk -o -n 1:2048:0 "$t/gpt" >/dev/null 2>&1 ||
		echo "FAIL $suite: gpt: sgdisk failed"
	dd if=/dev/zero of="$t/gpt" bs=512 count=34 conv=notrunc 2>/dev/null
	contents "$t/gpt"
	check "gpt (sgdisk), primary and MBR wiped: the backup at the end named" \
		'[ "$rc" = 1 ] && grep -qF "gpt at $((64 * MIB - 512))" <<<"$c"'
else
	echo "SKIP $suite: gpt: sgdisk is not installed"
fi

# LVM needs a block device: a loop device over the image, when allowed.
truncate -s 64M "$t/lvm"
if command -v pvcreate >/dev/null && loop=$(losetup -f --show "$t/lvm" 2>/dev/null); then
	pvcreate -q -ff -y "$loop" >/dev/null 2>&1 ||
		echo "FAIL $suite: LVM2: pvcreate failed"
	losetup -d "$loop" && loop=
	contents "$t/lvm"
	check "LVM2 (pvcreate on a loop device): named at 512" \
		'[ "$rc" = 1 ] && grep -qF "LVM2_member at 512" <<<"$c"'
else
	loop=
	echo "SKIP $suite: LVM2: no pvcreate or no loop device here"
fi

# ZFS: four 256 KiB vdev labels, two at each end of the device rounded
# down to 256 KiB, each with a ring of uberblocks from 128 KiB in (magic
# 0x00bab10c, version 5000, little-endian). The front labels are then
# wiped, as by a tool that clears only the start of a disk.
size=$((64 * MIB + 100 * 1024))
python3 - "$t/zfs" "$size" <<'EOF'
import struct, sys
path, size = sys.argv[1], int(sys.argv[2])
label = 256 * 1024
end = size // label * label
with open(path, "wb") as f:
    f.truncate(size)
    for at in (0, label, end - 2 * label, end - label):
        for slot in range(3):
            f.seek(at + 128 * 1024 + slot * 1024)
            f.write(struct.pack("<QQQQ", 0x00bab10c, 5000, 7 + slot, 42))
    f.seek(0)
    f.write(b"\0" * 2 * label)
EOF
contents "$t/zfs"
end=$(((size / 262144) * 262144))
check "zfs_member by its end labels alone (forged in Python)" \
	'[ "$rc" = 1 ] && grep -qF "zfs_member at $((end - 524288 + 131072))" <<<"$c"'

# Content nobody can name is refused all the same.
head -c $((4 * MIB)) /dev/urandom >"$t/random"
truncate -s 64M "$t/random"
contents "$t/random"
check "random data: non-zero data at byte 0 (unknown content)" \
	'[ "$rc" = 1 ] && [ "$c" = "non-zero data at byte 0 (unknown content)" ]'

truncate -s 64M "$t/tail"
printf x | dd of="$t/tail" bs=1 seek=$((63 * MIB + 12345)) conv=notrunc 2>/dev/null
contents "$t/tail"
check "one byte in the last MiB: not blank, its offset named" \
	'[ "$rc" = 1 ] && [ "$c" = "non-zero data at byte $((63 * MIB + 12345)) (unknown content)" ]'

truncate -s 64M "$t/middle"
printf x | dd of="$t/middle" bs=1 seek=$((32 * MIB)) conv=notrunc 2>/dev/null
contents "$t/middle"
check "one byte between the edges: blank (only the ends are read)" \
	'[ "$c" = blank ]'

finish
