#!/usr/bin/env bash
# release.sh - `make release`: the built binaries of both architectures,
# named luksbox-VERSION-ARCH (ARCH as `uname -m` says it), an SPDX 2.3 SBOM
# of what each links (build/sbom.py, from the records deps.sh wrote) and
# SHA256SUMS of them all, in one directory. tests/release/run checks it.
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Usage: build/release.sh VERSION DIR    (after make and make ARCH=arm64)
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# = 2 ] || { echo "usage: build/release.sh VERSION DIR" >&2; exit 2; }
ver=$1 out=$2
sbom=luksbox-$ver.spdx.json
# ARCH BINARY RECORD MAP, per architecture.
set -- x86_64 luksbox build/cache/sysroot/share/luksbox/linked build/obj/luksbox.map \
	aarch64 luksbox-aarch64 build/cache/aarch64/sysroot/share/luksbox/linked \
	build/obj-aarch64/luksbox.map
args=()
while [ $# -gt 0 ]; do
	for f in "$2" "$3" "$4"; do
		[ -s "$f" ] || { echo "release: $f missing: run make ARCH=$1 first" >&2; exit 1; }
	done
	args+=("$1" "$out/luksbox-$ver-$1" "$3" "$4")
	shift 4
done
rm -rf "$out"
mkdir -p "$out"
install -m 0755 luksbox "$out/luksbox-$ver-x86_64"
install -m 0755 luksbox-aarch64 "$out/luksbox-$ver-aarch64"
build/sbom.py "$ver" build/deps.lock "$out/$sbom" "${args[@]}"
(cd "$out" && sha256sum "luksbox-$ver-x86_64" "luksbox-$ver-aarch64" "$sbom" >SHA256SUMS)
# Fixed times: a tarball of the directory is reproducible too.
touch -d "@${SOURCE_DATE_EPOCH:-0}" "$out"/*
echo "release: $out:"
(cd "$out" && ls -l)
