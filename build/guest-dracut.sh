#!/usr/bin/env bash
# guest-dracut.sh - build two dracut initramfs images for the VM guest's
# kernel with Debian's dracut, as a stock system would (no-hostonly, the
# crypt module in by default) and with the drop-in `luksbox install` writes
# (/etc/dracut.conf.d/luksbox.conf), plus a small ext4 root file system
# whose /sbin/init reports that it was reached and powers off. Dracut runs
# on this host against a sysroot made of Debian packages (dracut-core,
# systemd, udev, cryptsetup-bin, ...: what its modules need), resolved from
# the archive with build/debs.sh; nothing is installed on the host.
# SPDX-License-Identifier: GPL-2.0-or-later
# See: dracut(8) --sysroot, dracut.conf(5), build/guest.sh, build/debs.sh,
# tests/vm/scenarios/48-dracut-crypt.
#
# Usage: LUKSBOX=path/to/luksbox build/guest-dracut.sh
#        prints the output directory on success
# Output: build/cache/vm-dracut/{initrd-stock.img,initrd-luksbox.img,
# luksbox.conf,root.img,versions}, and initrd-{stock,luksbox}-shell.img:
# the same without dracut's systemd modules (its shell init). The sysroot and the stock image are
# rebuilt only when this recipe or a version the archive offers (or the
# guest's kernel) changes; the luksbox image only when the drop-in that
# LUKSBOX writes changes too.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${LUKSBOX_CACHE:-$top/build/cache}
mkdir -p "$cache/vm-dracut"
out=$(cd -P "$cache/vm-dracut" && pwd)
dl=$cache/vm/dl
sysroot=$out/sysroot
# shellcheck source=build/debs.sh
. "$top/build/debs.sh"

die() { echo "guest-dracut: $*" >&2; exit 1; }
# One build at a time in the shared cache (another checkout may run it).
exec 9>"$out/.lock"
flock 9

if [ -z "${LUKSBOX:-}" ] || [ ! -x "$LUKSBOX" ]; then
	die "needs LUKSBOX=path/to/luksbox (it writes the drop-in)"
fi
guest=$("$top/build/guest.sh") || die "building the VM guest failed"
kver=$(cat "$guest/kver")
kline=$(grep "^linux-image-$kver " "$guest/versions") || die "the guest's versions name no linux-image-$kver"

# What dracut-core depends on and its modules (base, systemd, udev-rules,
# dm, crypt, rootfs-block, fs-lib) look for; the libraries come with
# deb_closure. busybox-static is the root file system's /sbin/init.
pkgs="dracut-core systemd udev cryptsetup-bin dmsetup kmod bash coreutils
util-linux mount sed grep findutils e2fsprogs libc-bin procps base-files
dash login systemd-sysv zlib1g busybox-static"
# shellcheck disable=SC2086 # package names, one word each
pins=$(deb_closure "" $pkgs || true)
if [ -z "$pins" ] || grep -q '^missing ' <<<"$pins"; then
	echo "guest-dracut: package lists incomplete; apt-get update" >&2
	apt-get update -q >/dev/null 2>&1 || true
	# shellcheck disable=SC2086
	pins=$(deb_closure "" $pkgs || true)
fi
if [ -z "$pins" ] || grep -q '^missing ' <<<"$pins"; then
	die "the archive offers no $(sed -n 's/^missing //p' <<<"$pins" | tr '\n' ' ')(apt-get update?)"
fi

# The drop-in exactly as `luksbox install --root` writes it on a system
# with dracut (a scratch root holding only /etc/dracut.conf.d).
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/etc/dracut.conf.d"
"$LUKSBOX" install --root "$scratch" >/dev/null ||
	die "luksbox install --root $scratch failed"
[ -f "$scratch/etc/dracut.conf.d/luksbox.conf" ] ||
	die "luksbox install wrote no /etc/dracut.conf.d/luksbox.conf"

want=$({
	cat "$0" "$top/build/debs.sh"
	echo "$pins"
	echo "$kline"
} | sha256sum | cut -c1-32)
want_lb=$({
	echo "$want"
	cat "$scratch/etc/dracut.conf.d/luksbox.conf"
} | sha256sum | cut -c1-32)

# The dracut modules that make a systemd initramfs: without them dracut
# makes the shell-init one a system without systemd gets (the Amazon Linux
# AMI booted upstart; the seed's "Enter passphrase for /dev/md0:").
no_systemd="systemd systemd-initrd dracut-systemd systemd-udevd systemd-journald
systemd-sysctl systemd-modules-load systemd-tmpfiles systemd-ask-password
systemd-sysusers"

# run_dracut IMAGE [DRACUT-ARGS...]: Debian's dracut, from the sysroot, for the guest's
# kernel; what a stock `dracut --no-hostonly` makes there (uncompressed:
# under TCG inflating it would cost every boot seconds).
run_dracut() {
	local log img=$1
	shift
	log=$out/$(basename "$img" .img).log
	mkdir -p "$sysroot/var/tmp"
	# Where systemd and udev keep their files: dracut asks pkg-config
	# (systemd.pc, udev.pc), but with --sysroot it skips the question when
	# the variable is unset ([[ -d $sysroot$var ]] holds for ""), so ask the
	# sysroot's .pc files here, for each variable dracut would ask about.
	local pc var val vars=()
	while read -r pc var; do
		val=$(PKG_CONFIG_LIBDIR=$sysroot/usr/share/pkgconfig pkg-config "$pc" --variable="$var" 2>/dev/null) || continue
		[ -n "$val" ] && vars+=("$var=$val")
	done < <(sed -n 's/.*pkg-config \([a-z]*\) --variable=\([a-z]*\).*/\1 \2/p' "$sysroot/usr/bin/dracut" | sort -u)
	if ! env "${vars[@]}" bash "$sysroot/usr/bin/dracut" --sysroot "$sysroot" --kver "$kver" \
		--no-hostonly --no-compress --force --no-early-microcode "$@" \
		"$img" >"$log" 2>&1; then
		tail -n 20 "$log" >&2
		die "dracut failed for $img (log: $log)"
	fi
}

if ! { [ -f "$out/stamp" ] && [ "$(cat "$out/stamp")" = "$want" ] &&
	[ -f "$out/initrd-stock.img" ] && [ -f "$out/initrd-stock-shell.img" ] &&
	[ -f "$out/root.img" ]; }; then
	echo "guest-dracut: building the dracut sysroot and images into $out (once; cached)" >&2
	t0=$SECONDS
	mkdir -p "$dl" "$out"
	rm -rf "$sysroot" "$out/stage" "$out/stamp" "$out/stamp-luksbox"
	stage=$out/stage
	mkdir -p "$stage"
	while read -r p v; do
		f=$(deb_fetch "$p" "$v" "$dl") || die "cannot fetch $p $v"
		dpkg-deb -x "$f" "$stage"
	done <<<"$pins"
	read -r kpkg kv <<<"$kline"
	dpkg-deb -x "$(deb_fetch "$kpkg" "$kv" "$dl")" "$stage"
	# A merged-/usr system, as Debian 12 installs it.
	mkdir -p "$sysroot/usr"
	for d in bin sbin lib lib64; do
		mkdir -p "$stage/$d" "$stage/usr/$d"
		cp -a "$stage/$d/." "$stage/usr/$d/"
		rm -rf "${stage:?}/$d"
		ln -s "usr/$d" "$stage/$d"
	done
	cp -a "$stage/." "$sysroot/"
	rm -rf "$stage"
	depmod -b "$sysroot" "$kver"
	ln -sfn dash "$sysroot/usr/bin/sh" # Debian's /bin/sh
	printf '%s\n' 'root:x:0:0:root:/root:/bin/bash' >"$sysroot/etc/passwd"
	printf '%s\n' root:x:0: tty:x:5: disk:x:6: kmem:x:15: dialout:x:20: \
		cdrom:x:24: tape:x:26: audio:x:29: video:x:44: input:x:101: \
		kvm:x:102: render:x:103: sgx:x:104: >"$sysroot/etc/group"
	mkdir -p "$sysroot/etc/dracut.conf.d"
	run_dracut "$out/initrd-stock.img"
	run_dracut "$out/initrd-stock-shell.img" --omit "$no_systemd"

	# The root file system: /sbin/init says it was reached, on the
	# console and the results port, and powers off.
	rr=$out/root
	rm -rf "$rr"
	mkdir -p "$rr"/{bin,sbin,dev,proc,sys,run,tmp,etc} # what switch-root moves in
	cp "$sysroot/bin/busybox" "$rr/bin/busybox"
	cat >"$rr/sbin/init" <<-'EOF'
		#!/bin/busybox sh
		# The root file system's init: reached means the initramfs let
		# the boot go on.
		/bin/busybox mount -t proc proc /proc 2>/dev/null
		/bin/busybox mount -t devtmpfs dev /dev 2>/dev/null
		up=$(/bin/busybox cut -d' ' -f1 /proc/uptime)
		echo "@@ROOTINIT uptime=$up" >/dev/ttyS0
		echo "@@ROOTINIT uptime=$up" >/dev/ttyS1
		/bin/busybox sync
		/bin/busybox poweroff -f
	EOF
	chmod 0755 "$rr/sbin/init"
	: >"$rr/etc/fstab"
	# systemd switches only into an OS tree: one with an os-release.
	printf '%s\n' 'NAME="luksbox dracut test root"' 'ID=lbdroot' >"$rr/etc/os-release"
	rm -f "$out/root.img"
	mke2fs -q -t ext4 -L lbdroot -d "$rr" "$out/root.img" 16M >&2 # stdout: the path only
	rm -rf "$rr"
	echo "$pins" >"$out/versions"
	echo "$kline" >>"$out/versions"
	echo "$want" >"$out/stamp"
	echo "guest-dracut: sysroot and stock image built in $((SECONDS - t0)) s (dracut $(awk '$1 == "dracut-core" { print $2 }' <<<"$pins"), kernel $kver)" >&2
fi

if ! { [ -f "$out/stamp-luksbox" ] && [ "$(cat "$out/stamp-luksbox")" = "$want_lb" ] &&
	[ -f "$out/initrd-luksbox.img" ] && [ -f "$out/initrd-luksbox-shell.img" ]; }; then
	t0=$SECONDS
	# luksbox install itself writes the drop-in into the sysroot (and its
	# unit, binary, settings); uninstall takes them out again after.
	"$LUKSBOX" install --root "$sysroot" >"$out/install.log" 2>&1 ||
		die "luksbox install --root $sysroot failed: $(tail -n 3 "$out/install.log")"
	cmp -s "$sysroot/etc/dracut.conf.d/luksbox.conf" "$scratch/etc/dracut.conf.d/luksbox.conf" ||
		die "luksbox install wrote a different drop-in into the sysroot"
	cp "$sysroot/etc/dracut.conf.d/luksbox.conf" "$out/luksbox.conf"
	run_dracut "$out/initrd-luksbox.img"
	run_dracut "$out/initrd-luksbox-shell.img" --omit "$no_systemd"
	"$LUKSBOX" uninstall --root "$sysroot" >>"$out/install.log" 2>&1 ||
		die "luksbox uninstall --root $sysroot failed: $(tail -n 3 "$out/install.log")"
	[ ! -e "$sysroot/etc/dracut.conf.d/luksbox.conf" ] ||
		die "luksbox uninstall left /etc/dracut.conf.d/luksbox.conf in the sysroot"
	echo "$want_lb" >"$out/stamp-luksbox"
	echo "guest-dracut: image with the luksbox drop-in built in $((SECONDS - t0)) s" >&2
fi
echo "$out"
