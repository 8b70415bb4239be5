#!/usr/bin/env bash
# guest-arm64.sh - build the arm64 (Graviton) VM test guest: the same guest
# as build/guest.sh (busybox userland, stock cryptsetup, mdadm, e2fsprogs,
# xfsprogs, blkid, dmsetup as oracles, tests/vm/guest/), from Debian's arm64
# packages and Debian's arm64 kernel, for qemu-system-aarch64 (virt machine,
# TCG). Nothing is installed on the host and the host's apt state is not
# touched: the arm64 package index lives in a private apt directory.
# SPDX-License-Identifier: GPL-2.0-or-later
# See: build/guest.sh, build/debs.sh, apt.conf(5), tests/vm/README.md.
#
# Usage: build/guest-arm64.sh   prints the cache directory on success
# Output: build/cache/vm-arm64/{kernel,base.cpio,kver,versions}; rebuilt
# only when this recipe, build/debs.sh, tests/vm/guest/ or a version the
# archive offers changes.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
vm=${LUKSBOX_CACHE:-$top/build/cache}/vm-arm64
dl=$vm/dl
stage=$vm/stage
apt=$vm/apt
# shellcheck source=build/debs.sh
. "$top/build/debs.sh"

kernel_meta=linux-image-arm64
userland="busybox-static cryptsetup-bin mdadm e2fsprogs xfsprogs util-linux dmsetup libc6"
# As build/guest.sh, with arm64's AES: aes-ce-blk (ARMv8 Crypto
# Extensions: xts(aes), the cipher luksbox maps) in place of aesni_intel.
modules="virtio_pci virtio_blk virtio_net virtio_console nvme dm_mod dm_crypt
md_mod raid0 xts aes_ce_blk ecb cbc ext4 xfs af_alg algif_hash
algif_skcipher loop"
oracles="sbin/cryptsetup sbin/mdadm sbin/mkfs.ext4 sbin/e2fsck sbin/dumpe2fs
sbin/mkfs.xfs sbin/blkid sbin/dmsetup sbin/tune2fs sbin/xfs_repair
sbin/resize2fs sbin/xfs_growfs sbin/xfs_admin sbin/xfs_db"
# The results port: the virt machine has one PL011 (the console), so the
# results travel over a virtio console, hvc0; /init opens it before its
# module loop, so these load first.
port_modules="virtio_pci virtio_console"

die() { echo "guest-arm64: $*" >&2; exit 1; }

# A private apt (APT_CONFIG): arm64 only, its own lists, an empty dpkg
# status, the host's "deb" sources. apt-cache and apt-get download in
# build/debs.sh then answer for arm64; the host's lists, which the x86
# builds depend on, are never updated from here.
mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/sources.list.d"
[ -f "$apt/status" ] || : >"$apt/status"
for f in /etc/apt/sources.list.d/*.sources; do
	[ -f "$f" ] || continue
	awk -v RS= -v ORS='\n\n' '/(^|\n)Types:[ \t]*deb([ \t]|\n|$)/' "$f" \
		>"$apt/sources.list.d/$(basename "$f")"
done
if [ -f /etc/apt/sources.list ]; then
	grep -E '^deb[[:space:]]' /etc/apt/sources.list >"$apt/sources.list" || true
fi
touch "$apt/sources.list"
cat >"$apt/apt.conf" <<EOF
Dir::State "$apt";
Dir::State::lists "$apt/lists";
Dir::State::status "$apt/status";
Dir::Cache "$apt/cache";
Dir::Etc::SourceList "$apt/sources.list";
Dir::Etc::SourceParts "$apt/sources.list.d";
APT::Architecture "arm64";
APT::Architectures { "arm64"; };
APT::Sandbox::User "root";
EOF
export APT_CONFIG=$apt/apt.conf

resolve() {
	local kpkg
	kpkg=$(deb_records "$kernel_meta" | awk '{ for (i = 3; i <= NF; i++) if ($i ~ /^linux-image-/) { print $i; exit } }')
	[ -n "$kpkg" ] || return 1
	echo "kernel $kpkg"
	# shellcheck disable=SC2086 # package names, one word each
	deb_closure "$kpkg" "$kpkg" $userland
}
resolved=$(resolve || true)
if [ -z "$resolved" ] || grep -q '^missing ' <<<"$resolved"; then
	echo "guest-arm64: arm64 package lists missing or incomplete; apt-get update (private, $apt)" >&2
	apt-get update -q >/dev/null 2>&1 || echo "guest-arm64: apt-get update failed" >&2
	resolved=$(resolve || true)
fi
[ -n "$resolved" ] || die "cannot resolve $kernel_meta in the arm64 archive"
if grep -q '^missing ' <<<"$resolved"; then
	die "the arm64 archive offers no $(sed -n 's/^missing //p' <<<"$resolved" | tr '\n' ' ')"
fi
kernel_pkg=$(sed -n 's/^kernel //p' <<<"$resolved")
pins=$(grep -v '^kernel ' <<<"$resolved")

want=$({
	cat "$0" "$top/build/debs.sh"
	find "$top/tests/vm/guest" -type f -print0 | sort -z | xargs -0 cat
	echo "$pins"
} | sha256sum | cut -c1-32)
if [ -f "$vm/stamp" ] && [ "$(cat "$vm/stamp")" = "$want" ] &&
	[ -f "$vm/base.cpio" ] && [ -f "$vm/kernel" ]; then
	echo "$vm"
	exit 0
fi

echo "guest-arm64: building the arm64 VM guest into $vm (once; cached)" >&2
t0=$SECONDS
mkdir -p "$dl"
rm -rf "$stage"
mkdir -p "$stage/pkg"
pin() { awk -v p="$1" '$1 == p { print $2 }' <<<"$pins"; }
kdeb=$(deb_fetch "$kernel_pkg" "$(pin "$kernel_pkg")" "$dl") || die "cannot fetch $kernel_pkg"
while read -r p v; do
	[ "$p" = "$kernel_pkg" ] && continue
	f=$(deb_fetch "$p" "$v" "$dl") || die "cannot fetch $p $v"
	dpkg-deb -x "$f" "$stage/pkg"
done <<<"$pins"
echo "$pins" >"$vm/versions.new"

# Kernel and modules. Debian's arm64 vmlinuz is a gzipped Image, which
# qemu's -kernel boots directly (no firmware); unpacked once here.
dpkg-deb -x "$kdeb" "$vm/kernel.new"
kver=$(ls "$vm/kernel.new/lib/modules")
if [ "$(head -c2 "$vm/kernel.new/boot/vmlinuz-$kver" | od -An -tx1 | tr -d ' ')" = 1f8b ]; then
	gzip -dc "$vm/kernel.new/boot/vmlinuz-$kver" >"$vm/kernel.new.img"
else
	cp "$vm/kernel.new/boot/vmlinuz-$kver" "$vm/kernel.new.img"
fi
depmod -b "$vm/kernel.new" "$kver"
deps=""
for m in $modules; do
	line=$(modprobe -d "$vm/kernel.new" -S "$kver" --show-depends "$m" 2>/dev/null) ||
		die "module $m not found in $kernel_pkg"
	deps="$deps$line"$'\n'
done
# The results port's modules, in their load order: /init loads them
# before the others (and the load order leaves them out).
port_load=""
for m in $port_modules; do
	for ko in $(modprobe -d "$vm/kernel.new" -S "$kver" --show-depends "$m" | awk '$1 == "insmod" { print $2 }'); do
		ko=/lib/modules/$kver/${ko#"$vm/kernel.new/lib/modules/$kver/"}
		case " $port_load " in *" $ko "*) ;; *) port_load="$port_load $ko" ;; esac
	done
done
r=$stage/root
mkdir -p "$r/lib/modules/$kver"
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
mkdir -p "$r"/{bin,sbin,usr/sbin,usr/bin,lib/aarch64-linux-gnu,etc,proc,sys,dev,run,tmp,mnt,root,var/lib,var/log}
cp "$stage/pkg/bin/busybox" "$r/bin/busybox"
for o in $oracles; do
	src=$stage/pkg/$o
	[ -f "$src" ] || src=$stage/pkg/usr/$o
	[ -f "$src" ] || die "oracle $o not found in its package"
	cp "$src" "$r/sbin/"
done
# The dynamic loader, at the path arm64 binaries name (PT_INTERP).
cp -L "$stage/pkg/lib/ld-linux-aarch64.so.1" "$r/lib/" 2>/dev/null ||
	cp -L "$stage/pkg/lib/aarch64-linux-gnu/ld-linux-aarch64.so.1" "$r/lib/"
# dlopened by glibc's pthread_exit (cryptsetup's argon2 threads).
found=$(find "$stage/pkg" -name libgcc_s.so.1 \( -type f -o -type l \) | head -n1)
[ -n "$found" ] || die "no package the userland depends on ships libgcc_s.so.1"
cp -L "$found" "$r/lib/aarch64-linux-gnu/"
deb_needed_libs "$r" "$stage/pkg" lib/aarch64-linux-gnu || die "a library is missing"

# The guest's own files, /init with the results port on hvc0. The port
# comes up after insmod returns: /dev/hvc0 appears when the hvc driver
# registers, and opening it fails (ENODEV, then EINVAL) until
# virtio_console has hooked the port up. A ">" before the node exists
# creates a plain file in devtmpfs that swallows every result (and
# keeps the node from appearing), and a failed "exec 3>" kills PID 1
# (kernel panic). So /init waits for the character device, probes the
# open in a subshell, and makes it fd 3 with "command exec", which
# cannot end the shell; no port, no results: the host reports the
# boot unfinished. The edit must apply.
cp -a "$top/tests/vm/guest/." "$r/"
port_open=$(
	cat <<EOF
for ko in$port_load; do insmod "\$ko" 2>/dev/null; done
i=0
until [ -c /dev/hvc0 ] && ( : >/dev/hvc0 ) 2>/dev/null || [ \$i -ge 300 ]; do sleep 0.1; i=\$((i + 1)); done
if ! { [ -c /dev/hvc0 ] && { command exec 3>/dev/hvc0; } 2>/dev/null; }; then
	echo "init: no results port: /dev/hvc0 did not open in 30 s" >/dev/console
	exec 3>/dev/null
fi
EOF
)
awk -v repl="$port_open" 'index($0, "exec 3>/dev/ttyS1 ") == 1 { print repl; n++; next } { print } END { exit n != 1 }' \
	"$top/tests/vm/guest/init" >"$r/init" ||
	die "tests/vm/guest/init opens no /dev/ttyS1 results port (once) to move to hvc0"
chmod 0755 "$r/init" "$r/etc/rc.d/rc"
mkdir -p "$r/etc/rc.d/init.d" "$r/opt/luksbox" "$r/scenario"
ln -sfn rc.d/init.d "$r/etc/init.d"
for l in 0 1 2 3 4 5 6; do
	mkdir -p "$r/etc/rc.d/rc$l.d"
	ln -sfn "rc.d/rc$l.d" "$r/etc/rc$l.d"
done
echo "$kver" >"$vm/kver.new"

(cd "$r" && find . -print0 | sort -z | cpio --null -o -H newc --quiet --owner 0:0) \
	>"$vm/base.cpio.new"
mv "$vm/kernel.new.img" "$vm/kernel"
mv "$vm/kver.new" "$vm/kver"
mv "$vm/versions.new" "$vm/versions"
mv "$vm/base.cpio.new" "$vm/base.cpio"
rm -rf "$stage"
echo "$want" >"$vm/stamp"
echo "guest-arm64: built in $((SECONDS - t0)) s ($(du -h "$vm/base.cpio" | cut -f1) initramfs, kernel $kver)" >&2
echo "$vm"
