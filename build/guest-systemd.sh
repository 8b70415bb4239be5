#!/usr/bin/env bash
# guest-systemd.sh - build the overlay that turns the VM test guest into a
# systemd host (Amazon Linux 2 and 2023 boot with systemd): Debian's systemd
# and the libraries it needs, and the guest's own units, packed as a cpio
# that tests/vm/run appends to the base initramfs (build/guest.sh) for the
# scenarios that ask for it (systemd_guest). Nothing is installed on the host.
# SPDX-License-Identifier: GPL-2.0-or-later
# See: build/guest.sh, build/debs.sh, tests/vm/guest-systemd/, bootup(7).
#
# Usage: build/guest-systemd.sh [--arch x86_64|arm64]   prints the overlay's
# path on success
# Output: build/cache/vm/systemd/ (arm64: vm-arm64/systemd/) {systemd.cpio,
# versions}; rebuilt only when this recipe, build/debs.sh,
# tests/vm/guest-systemd/, a version the archive offers or (arm64) the
# base guest's results-port modules change.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
arch=x86_64
if [ "${1:-}" = --arch ]; then
	arch=${2:-}
fi
# arm64 (Graviton, Amazon Linux 2023): the arm64 index through the base
# guest's private apt, and the results port on hvc0 like its /init.
case $arch in
x86_64 | amd64) arch=x86_64 vm=${LUKSBOX_CACHE:-$top/build/cache}/vm libdir=lib/x86_64-linux-gnu ;;
aarch64 | arm64) arch=arm64 vm=${LUKSBOX_CACHE:-$top/build/cache}/vm-arm64 libdir=lib/aarch64-linux-gnu ;;
*)
	echo "guest-systemd: --arch $arch: x86_64 or arm64" >&2
	exit 2
	;;
esac
out=$vm/systemd
dl=$vm/dl
stage=$out/stage
# shellcheck source=build/debs.sh
. "$top/build/debs.sh"

die() { echo "guest-systemd: $*" >&2; exit 1; }

# arm64: the base guest's /init-side port modules (build/guest.sh keeps
# them) and its private apt.
port_modules=""
if [ $arch = arm64 ]; then
	port_modules=$(cat "$vm/port-modules" 2>/dev/null) ||
		die "no $vm/port-modules: build the base guest first (build/guest.sh --arch arm64)"
	deb_private_apt "$vm/apt" arm64
fi

pins=$(deb_closure "" systemd || true)
if [ -z "$pins" ] || grep -q '^missing ' <<<"$pins"; then
	echo "guest-systemd: package lists incomplete; apt-get update" >&2
	apt-get update -q >/dev/null 2>&1 || true
	pins=$(deb_closure "" systemd || true)
fi
if [ -z "$pins" ] || grep -q '^missing ' <<<"$pins"; then
	die "the archive offers no $(sed -n 's/^missing //p' <<<"$pins" | tr '\n' ' ')(apt-get update?)"
fi

want=$({
	cat "$0" "$top/build/debs.sh"
	find "$top/tests/vm/guest-systemd" -type f -print0 | sort -z | xargs -0 cat
	echo "$pins"
	[ $arch = x86_64 ] || echo "$port_modules"
} | sha256sum | cut -c1-32)
if [ -f "$out/stamp" ] && [ "$(cat "$out/stamp")" = "$want" ] && [ -f "$out/systemd.cpio" ]; then
	echo "$out/systemd.cpio"
	exit 0
fi

echo "guest-systemd: building the $arch systemd overlay into $out (once; cached)" >&2
t0=$SECONDS
mkdir -p "$dl" "$out"
rm -rf "$stage"
mkdir -p "$stage/pkg"
while read -r p v; do
	f=$(deb_fetch "$p" "$v" "$dl") || die "cannot fetch $p $v"
	dpkg-deb -x "$f" "$stage/pkg"
done <<<"$pins"

r=$stage/root
mkdir -p "$r/bin" "$r/$libdir" "$r/lib/systemd" "$r/etc/systemd/system"
cp -a "$stage/pkg/lib/systemd/." "$r/lib/systemd/"
for b in systemctl journalctl systemd-tmpfiles systemd-notify; do
	cp "$stage/pkg/bin/$b" "$r/bin/"
done
[ -f "$stage/pkg/usr/bin/systemd-analyze" ] && mkdir -p "$r/usr/bin" &&
	cp "$stage/pkg/usr/bin/systemd-analyze" "$r/usr/bin/"
# What would wait for a person or a device manager the guest does not have:
# first-boot prompts, gettys on the console, udev's device units.
rm -f "$r"/lib/systemd/system/systemd-firstboot.service \
	"$r"/lib/systemd/system/sysinit.target.wants/systemd-firstboot.service \
	"$r"/lib/systemd/system/sysinit.target.wants/systemd-sysusers.service \
	"$r"/lib/systemd/system/multi-user.target.wants/getty.target \
	"$r"/lib/systemd/system-generators/systemd-getty-generator \
	"$r"/lib/systemd/system-generators/systemd-gpt-auto-generator
deb_needed_libs "$r" "$stage/pkg" "$libdir" || die "a library is missing"
cp -a "$top/tests/vm/guest-systemd/." "$r/"
# arm64: every write to the results port goes to hvc0; /init-systemd loads
# its modules and waits for it first (see guest_port_hvc0).
if [ $arch = arm64 ]; then
	# shellcheck disable=SC2086 # module paths, one word each
	guest_port_hvc0 "$top/tests/vm/guest-systemd/init-systemd" "$r/init-systemd" $port_modules ||
		die "tests/vm/guest-systemd/init-systemd writes no results to /dev/ttyS1 to move to hvc0"
	for f in $(cd "$top/tests/vm/guest-systemd" && grep -rl /dev/ttyS1 etc lib usr); do
		guest_port_hvc0 "$top/tests/vm/guest-systemd/$f" "$r/$f" || die "cannot move $f's results port to hvc0"
	done
fi
chmod 0755 "$r/init-systemd" "$r"/lib/systemd/system-shutdown/*

(cd "$r" && find . -print0 | sort -z | cpio --null -o -H newc --quiet --owner 0:0) \
	>"$out/systemd.cpio.new"
echo "$pins" >"$out/versions"
mv "$out/systemd.cpio.new" "$out/systemd.cpio"
rm -rf "$stage"
echo "$want" >"$out/stamp"
echo "guest-systemd: built in $((SECONDS - t0)) s ($(du -h "$out/systemd.cpio" | cut -f1), systemd $(awk '$1 == "systemd" { print $2 }' <<<"$pins"))" >&2
echo "$out/systemd.cpio"
