#!/usr/bin/env bash
# guest.sh - build the VM test guest from Debian packages: Debian's kernel
# and the modules luksbox needs, a busybox userland, and stock cryptsetup,
# mdadm, e2fsprogs, xfsprogs, blkid and dmsetup as interop oracles - packed
# into one cached initramfs. Nothing is installed on the host.
# SPDX-License-Identifier: GPL-2.0-or-later
# See: apt-get(8) download, dpkg-deb(1) -x, depmod(8), tests/vm/README.md.
#
# Usage: build/guest.sh        prints the cache directory on success
# Output: build/cache/vm/{kernel,base.cpio,kver,versions}; rebuilt only when
# this recipe, tests/vm/guest/ or a version the archive offers changes.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
vm=${LUKSBOX_CACHE:-$top/build/cache}/vm
dl=$vm/dl
stage=$vm/stage

# What the guest is built from, resolved from the archive at build time
# (never from this host's dpkg database, which may be weeks older): the
# kernel that linux-image-amd64 depends on now, the oracles' candidate
# versions, and every library package their Depends reach (see resolve()).
kernel_meta=linux-image-amd64
userland="busybox-static cryptsetup-bin mdadm e2fsprogs xfsprogs util-linux dmsetup libc6"
# Modules the guest loads (with their dependencies, from modules.dep).
modules="virtio_pci virtio_blk virtio_net virtio_console nvme dm_mod dm_crypt
md_mod raid0 xts aesni_intel ecb cbc ext4 xfs af_alg algif_hash
algif_skcipher loop"
# Oracles and what they need at run time, by path inside their packages.
oracles="sbin/cryptsetup sbin/mdadm sbin/mkfs.ext4 sbin/e2fsck sbin/dumpe2fs
sbin/mkfs.xfs sbin/blkid sbin/dmsetup sbin/tune2fs sbin/xfs_repair
sbin/resize2fs sbin/xfs_growfs sbin/xfs_admin sbin/xfs_db"

die() { echo "guest: $*" >&2; exit 1; }
# shellcheck source=build/debs.sh
. "$top/build/debs.sh"

# resolve: "PKG VERSION" lines for everything the guest is made of. Library
# packages come from following the Depends of the userland's packages
# (only lib*: the shared objects; the rest of a package's world, debconf,
# udev, perl, is not needed to run the binary), so no soname is looked up
# in the host's dpkg database.
resolve() {
	local kpkg
	kpkg=$(deb_records "$kernel_meta" | awk '{ for (i = 3; i <= NF; i++) if ($i ~ /^linux-image-/) { print $i; exit } }')
	[ -n "$kpkg" ] || return 1
	echo "kernel $kpkg"
	# shellcheck disable=SC2086 # package names, one word each
	deb_closure "$kpkg" "$kpkg" $userland
}

# A fresh machine may have no package lists, an old one stale ones whose
# versions the archive no longer serves: update once, then resolve again.
resolved=$(resolve || true)
if [ -z "$resolved" ] || grep -q '^missing ' <<<"$resolved"; then
	echo "guest: package lists incomplete; apt-get update" >&2
	apt-get update -q >/dev/null 2>&1 || echo "guest: apt-get update failed (not root?)" >&2
	resolved=$(resolve || true)
fi
[ -n "$resolved" ] || die "cannot resolve $kernel_meta in the archive (apt-get update?)"
if grep -q '^missing ' <<<"$resolved"; then
	die "the archive offers no $(sed -n 's/^missing //p' <<<"$resolved" | tr '\n' ' ')(apt-get update?)"
fi
kernel_pkg=$(sed -n 's/^kernel //p' <<<"$resolved")
pins=$(grep -v '^kernel ' <<<"$resolved")

stamp_want() {
	{
		cat "$0" "$top/build/debs.sh"
		find "$top/tests/vm/guest" -type f -print0 | sort -z | xargs -0 cat
		echo "$pins"
	} | sha256sum | cut -c1-32
}

want=$(stamp_want)
if [ -f "$vm/stamp" ] && [ "$(cat "$vm/stamp")" = "$want" ] &&
	[ -f "$vm/base.cpio" ] && [ -f "$vm/kernel" ]; then
	echo "$vm"
	exit 0
fi

echo "guest: building the VM guest into $vm (once; cached)" >&2
t0=$SECONDS
mkdir -p "$dl"
rm -rf "$stage"
mkdir -p "$stage/pkg"

# deb PKG: the path of PKG's resolved version in the download cache,
# downloaded when missing.
deb() {
	deb_fetch "$1" "$(awk -v p="$1" '$1 == p { print $2 }' <<<"$pins")" "$dl" ||
		die "cannot fetch $1"
}

echo "guest: from the archive: $kernel_pkg and $(($(wc -l <<<"$pins") - 1)) packages (listed in $vm/versions)" >&2
kdeb=$(deb "$kernel_pkg")
while read -r p _; do
	[ "$p" = "$kernel_pkg" ] && continue
	dpkg-deb -x "$(deb "$p")" "$stage/pkg"
done <<<"$pins"
# What the guest was built from, for the VM log (tests/vm/run prints it).
echo "$pins" >"$vm/versions.new"

# Kernel and modules.
dpkg-deb -x "$kdeb" "$vm/kernel.new"
kver=$(ls "$vm/kernel.new/lib/modules")
# The kernel qemu boots: the ELF vmlinux inside Debian's bzImage, entered
# through its PVH note, so TCG skips the firmware's real-mode setup and the
# kernel's self-decompression (about 5 s of every boot). The bzImage when
# the kernel has no PVH entry.
python3 - "$vm/kernel.new/boot/vmlinuz-$kver" "$vm/kernel.new/vmlinux" <<'PY' || true
import lzma, sys
data = open(sys.argv[1], "rb").read()
at = data.find(b"\xfd7zXZ\x00")
if at < 0:
    sys.exit("guest: no xz payload in the bzImage")
elf = lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(data[at:])
if elf[:4] != b"\x7fELF":
    sys.exit("guest: the bzImage payload is not an ELF kernel")
open(sys.argv[2], "wb").write(elf)
PY
if [ -f "$vm/kernel.new/vmlinux" ] &&
	readelf -n "$vm/kernel.new/vmlinux" | grep -q 'Unknown note type: (0x00000012)'; then
	cp "$vm/kernel.new/vmlinux" "$vm/kernel.new.img"
else
	echo "guest: no ELF kernel with a PVH entry in the bzImage; booting the bzImage (slower)" >&2
	cp "$vm/kernel.new/boot/vmlinuz-$kver" "$vm/kernel.new.img"
fi
depmod -b "$vm/kernel.new" "$kver"
mkdir -p "$stage/root/lib/modules/$kver"
resolve=""
for m in $modules; do
	line=$(modprobe -d "$vm/kernel.new" -S "$kver" --show-depends "$m" 2>/dev/null) ||
		die "module $m not found in $kernel_pkg"
	resolve="$resolve$line"$'\n'
done
# Load order file: insmod lines in dependency order, each module once.
awk '$1 == "insmod" && !seen[$2]++ { print $2 }' <<<"$resolve" |
	while read -r ko; do
		rel=${ko#"$vm/kernel.new/lib/modules/$kver/"}
		mkdir -p "$stage/root/lib/modules/$kver/$(dirname "$rel")"
		cp "$ko" "$stage/root/lib/modules/$kver/$rel"
		echo "$(basename "$rel" .ko) /lib/modules/$kver/$rel"
	done >"$stage/root/lib/modules/load-order"
rm -rf "$vm/kernel.new"

# Userland: busybox and the oracles from their packages.
r=$stage/root
mkdir -p "$r"/{bin,sbin,usr/sbin,usr/bin,lib/x86_64-linux-gnu,lib64,etc,proc,sys,dev,run,tmp,mnt,root,var/lib,var/log}
cp "$stage/pkg/bin/busybox" "$r/bin/busybox"
for o in $oracles; do
	src=$stage/pkg/$o
	[ -f "$src" ] || src=$stage/pkg/usr/$o
	[ -f "$src" ] || die "oracle $o not found in its package"
	cp "$src" "$r/sbin/"
done
# Pull in shared libraries until every NEEDED soname is present.
cp "$stage/pkg/lib64/ld-linux-x86-64.so.2" "$r/lib64/" 2>/dev/null ||
	cp -L "$stage/pkg/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" "$r/lib64/"
# Loaded with dlopen, so no NEEDED entry names it: glibc's pthread_exit
# needs libgcc_s (cryptsetup's argon2 threads abort without it).
dlopened="libgcc_s.so.1"
for so in $dlopened; do
	found=$(find "$stage/pkg" -name "$so" \( -type f -o -type l \) | head -n1)
	[ -n "$found" ] || die "no package the userland depends on ships $so"
	cp -L "$found" "$r/lib/x86_64-linux-gnu/$so"
done
for _ in 1 2 3 4 5 6; do
	missing=0
	for f in "$r"/sbin/* "$r"/lib/x86_64-linux-gnu/*.so*; do
		for so in $(readelf -d "$f" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
			[ -e "$r/lib/x86_64-linux-gnu/$so" ] && continue
			found=$(find "$stage/pkg" -name "$so" \( -type f -o -type l \) | head -n1)
			[ -n "$found" ] || die "$(basename "$f") needs $so, which no package its Depends reach ships"
			cp -L "$found" "$r/lib/x86_64-linux-gnu/$so"
			missing=1
		done
	done
	[ $missing = 0 ] && break
done
# The guest's own files: /init, the sysv rc, test helpers.
cp -a "$top/tests/vm/guest/." "$r/"
chmod 0755 "$r/init" "$r/etc/rc.d/rc"
mkdir -p "$r/etc/rc.d/init.d" "$r/opt/luksbox" "$r/scenario"
ln -sfn rc.d/init.d "$r/etc/init.d"
for l in 0 1 2 3 4 5 6; do
	mkdir -p "$r/etc/rc.d/rc$l.d"
	ln -sfn "rc.d/rc$l.d" "$r/etc/rc$l.d"
done
echo "$kver" >"$vm/kver.new"

# Pack: newc cpio, uncompressed: under TCG, inflating 30 MB costs a boot
# about 1.5 s, while qemu hands the guest the raw bytes at memory speed.
(cd "$r" && find . -print0 | sort -z | cpio --null -o -H newc --quiet --owner 0:0) \
	>"$vm/base.cpio.new"
mv "$vm/kernel.new.img" "$vm/kernel"
mv "$vm/kver.new" "$vm/kver"
mv "$vm/versions.new" "$vm/versions"
mv "$vm/base.cpio.new" "$vm/base.cpio"
rm -f "$vm/vmlinuz" "$vm/base.cpio.gz"
rm -rf "$stage"
echo "$want" >"$vm/stamp"
echo "guest: built in $((SECONDS - t0)) s ($(du -h "$vm/base.cpio" | cut -f1) initramfs, kernel $kver)" >&2
echo "$vm"
