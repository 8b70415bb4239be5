#!/usr/bin/env bash
# guest.sh - build the VM test guest from Debian packages: Debian's kernel
# and the modules luksbox needs, a busybox userland, and stock cryptsetup,
# mdadm, e2fsprogs, xfsprogs, blkid and dmsetup as interop oracles - packed
# into one cached initramfs, for x86-64 (qemu-system-x86_64) or arm64
# (Graviton: qemu-system-aarch64, virt machine). Nothing is installed on
# the host and, for arm64, the host's apt state is not touched: its package
# index lives in a private apt directory.
# SPDX-License-Identifier: GPL-2.0-or-later
# See: apt-get(8) download, apt.conf(5), dpkg-deb(1) -x, depmod(8),
#      build/debs.sh, tests/vm/README.md.
#
# Usage: build/guest.sh [--arch x86_64|arm64]   prints the cache directory
# Output: build/cache/vm/ (arm64: vm-arm64/) {kernel,base.cpio,kver,
# versions; arm64: port-modules}; rebuilt only when this recipe,
# build/debs.sh, tests/vm/guest/ or a version the archive offers changes.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
arch=x86_64
if [ "${1:-}" = --arch ]; then
	arch=${2:-}
fi
# Per architecture: the kernel that linux-image-ARCH depends on now, the
# AES module behind xts(aes), the cipher luksbox maps (AES-NI; arm64: the
# ARMv8 Crypto Extensions' aes-ce-blk), where glibc's libraries and loader
# live. arm64's virt machine has one PL011 (the console), so its results
# travel over a virtio console, hvc0, whose modules /init loads first.
case $arch in
x86_64 | amd64)
	arch=x86_64 tag=guest vm=${LUKSBOX_CACHE:-$top/build/cache}/vm
	kernel_meta=linux-image-amd64 aes=aesni_intel
	libdir=lib/x86_64-linux-gnu port_modules=""
	;;
aarch64 | arm64)
	arch=arm64 tag=guest-arm64 vm=${LUKSBOX_CACHE:-$top/build/cache}/vm-arm64
	kernel_meta=linux-image-arm64 aes=aes_ce_blk
	libdir=lib/aarch64-linux-gnu port_modules="virtio_pci virtio_console"
	;;
*)
	echo "guest: --arch $arch: x86_64 or arm64" >&2
	exit 2
	;;
esac
dl=$vm/dl
stage=$vm/stage

# What the guest is built from, resolved from the archive at build time
# (never from this host's dpkg database, which may be weeks older): the
# kernel, the oracles' candidate versions, and every library package their
# Depends reach (see resolve()).
userland="busybox-static cryptsetup-bin mdadm e2fsprogs xfsprogs util-linux dmsetup libc6"
# Modules the guest loads (with their dependencies, from modules.dep).
modules="virtio_pci virtio_blk virtio_net virtio_console nvme dm_mod dm_crypt
md_mod raid0 xts $aes ecb cbc ext4 xfs af_alg algif_hash
algif_skcipher loop"
# Oracles and what they need at run time, by path inside their packages.
oracles="sbin/cryptsetup sbin/mdadm sbin/mkfs.ext4 sbin/e2fsck sbin/dumpe2fs
sbin/mkfs.xfs sbin/blkid sbin/dmsetup sbin/tune2fs sbin/xfs_repair
sbin/resize2fs sbin/xfs_growfs sbin/xfs_admin sbin/xfs_db"

die() { echo "$tag: $*" >&2; exit 1; }
# shellcheck source=build/debs.sh
. "$top/build/debs.sh"

# arm64: a private apt (APT_CONFIG, build/debs.sh): the host's lists, which
# the x86 builds depend on, are never updated from here.
if [ $arch = arm64 ]; then
	apt=$vm/apt
	deb_private_apt "$apt" arm64
fi

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
	echo "$tag: $arch package lists missing or incomplete; apt-get update${apt:+ (private, $apt)}" >&2
	apt-get update -q >/dev/null 2>&1 || echo "$tag: apt-get update failed (not root?)" >&2
	resolved=$(resolve || true)
fi
[ -n "$resolved" ] || die "cannot resolve $kernel_meta in the $arch archive (apt-get update?)"
if grep -q '^missing ' <<<"$resolved"; then
	die "the $arch archive offers no $(sed -n 's/^missing //p' <<<"$resolved" | tr '\n' ' ')(apt-get update?)"
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
	[ -f "$vm/base.cpio" ] && [ -f "$vm/kernel" ] &&
	{ [ $arch = x86_64 ] || [ -f "$vm/port-modules" ]; }; then
	echo "$vm"
	exit 0
fi

echo "$tag: building the $arch VM guest into $vm (once; cached)" >&2
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

echo "$tag: from the archive: $kernel_pkg and $(($(wc -l <<<"$pins") - 1)) packages (listed in $vm/versions)" >&2
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
if [ $arch = x86_64 ]; then
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
else
	# Debian's arm64 vmlinuz is a gzipped Image, which qemu's -kernel
	# boots directly (no firmware); unpacked once here.
	if [ "$(head -c2 "$vm/kernel.new/boot/vmlinuz-$kver" | od -An -tx1 | tr -d ' ')" = 1f8b ]; then
		gzip -dc "$vm/kernel.new/boot/vmlinuz-$kver" >"$vm/kernel.new.img"
	else
		cp "$vm/kernel.new/boot/vmlinuz-$kver" "$vm/kernel.new.img"
	fi
fi
depmod -b "$vm/kernel.new" "$kver"
r=$stage/root
mkdir -p "$r/lib/modules/$kver"
deps=""
for m in $modules; do
	line=$(modprobe -d "$vm/kernel.new" -S "$kver" --show-depends "$m" 2>/dev/null) ||
		die "module $m not found in $kernel_pkg"
	deps="$deps$line"$'\n'
done
# The results port's modules (arm64), in their load order: /init loads
# them before the others, and the load order leaves them out.
port_load=""
for m in $port_modules; do
	for ko in $(modprobe -d "$vm/kernel.new" -S "$kver" --show-depends "$m" | awk '$1 == "insmod" { print $2 }'); do
		ko=/lib/modules/$kver/${ko#"$vm/kernel.new/lib/modules/$kver/"}
		case " $port_load " in *" $ko "*) ;; *) port_load="$port_load $ko" ;; esac
	done
done
# Load order file: insmod lines in dependency order, each module once.
awk '$1 == "insmod" && !seen[$2]++ { print $2 }' <<<"$deps" |
	while read -r ko; do
		rel=${ko#"$vm/kernel.new/lib/modules/$kver/"}
		mkdir -p "$r/lib/modules/$kver/$(dirname "$rel")"
		cp "$ko" "$r/lib/modules/$kver/$rel"
		case " $port_load " in *" /lib/modules/$kver/$rel "*) continue ;; esac
		echo "$(basename "$rel" .ko) /lib/modules/$kver/$rel"
	done >"$r/lib/modules/load-order"
rm -rf "$vm/kernel.new"

# Userland: busybox and the oracles from their packages.
mkdir -p "$r"/{bin,sbin,usr/sbin,usr/bin,$libdir,etc,proc,sys,dev,run,tmp,mnt,root,var/lib,var/log}
cp "$stage/pkg/bin/busybox" "$r/bin/busybox"
for o in $oracles; do
	src=$stage/pkg/$o
	[ -f "$src" ] || src=$stage/pkg/usr/$o
	[ -f "$src" ] || die "oracle $o not found in its package"
	cp "$src" "$r/sbin/"
done
# The dynamic loader, at the path the binaries name (PT_INTERP).
if [ $arch = x86_64 ]; then
	mkdir -p "$r/lib64"
	cp -L "$stage/pkg/lib64/ld-linux-x86-64.so.2" "$r/lib64/" 2>/dev/null ||
		cp -L "$stage/pkg/$libdir/ld-linux-x86-64.so.2" "$r/lib64/"
else
	cp -L "$stage/pkg/lib/ld-linux-aarch64.so.1" "$r/lib/" 2>/dev/null ||
		cp -L "$stage/pkg/$libdir/ld-linux-aarch64.so.1" "$r/lib/"
fi
# Loaded with dlopen, so no NEEDED entry names it: glibc's pthread_exit
# needs libgcc_s (cryptsetup's argon2 threads abort without it).
found=$(find "$stage/pkg" -name libgcc_s.so.1 \( -type f -o -type l \) | head -n1)
[ -n "$found" ] || die "no package the userland depends on ships libgcc_s.so.1"
cp -L "$found" "$r/$libdir/"
# Then every NEEDED soname, until none is missing.
deb_needed_libs "$r" "$stage/pkg" "$libdir" || die "a library is missing"
# The guest's own files: /init, the sysv rc, test helpers.
cp -a "$top/tests/vm/guest/." "$r/"
# arm64: /init with the results port on hvc0 (see guest_port_hvc0); the
# port's modules are kept for the systemd overlay's /init-systemd.
if [ $arch = arm64 ]; then
	# shellcheck disable=SC2086 # module paths, one word each
	guest_port_hvc0 "$top/tests/vm/guest/init" "$r/init" $port_load ||
		die "tests/vm/guest/init opens no /dev/ttyS1 results port (once) to move to hvc0"
	echo "$port_load" >"$vm/port-modules.new"
fi
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
[ $arch = x86_64 ] || mv "$vm/port-modules.new" "$vm/port-modules"
rm -f "$vm/vmlinuz" "$vm/base.cpio.gz"
rm -rf "$stage"
echo "$want" >"$vm/stamp"
echo "$tag: built in $((SECONDS - t0)) s ($(du -h "$vm/base.cpio" | cut -f1) initramfs, kernel $kver)" >&2
echo "$vm"
