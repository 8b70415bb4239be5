#!/usr/bin/env bash
# deps.sh - build luksbox's static dependencies from Debian source packages
# with musl, into an ignored sysroot under build/cache/.
# SPDX-License-Identifier: GPL-2.0-or-later
# See: apt-get(8) "source", dpkg-source(1), musl-gcc, DESIGN.md "Libraries".
#
# Usage: build/deps.sh [NAME...]       (default: every dependency, in order)
#
# Each dependency is pinned to the Debian source version below; when the
# archive offers another, the build stops and says so (a silent upgrade of
# libcryptsetup would change what we link into a security tool).
# A stamp per dependency records the version and the hash of its recipe
# function, so a second run rebuilds nothing and an edited recipe rebuilds
# only that dependency (and, through the stamps, nothing else).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${LUKSBOX_CACHE:-$top/build/cache}
sysroot=$cache/sysroot
src=$cache/src
dl=$cache/dl
logs=$cache/log
stamps=$cache/stamp
jobs=$(nproc 2>/dev/null || echo 2)

# name  debian-source-package  version  [orig-ok]
# orig-ok: the archive has lost this package's debian.tar (jsmn 1.1.0-2 is a
# 404); its Debian changes are packaging only (jsmn.h is byte-identical to
# libjsmn-dev's), so the .orig tarball, checked against the .dsc, is used.
pins="
nettle      nettle      3.8.1-2
jsonc       json-c      0.16-2
uuid        util-linux  2.38.1-5+deb12u3
devmapper   lvm2        2.03.16-2
bearssl     bearssl     0.6+dfsg.1-3
jsmn        jsmn        1.1.0-2     orig-ok
cryptsetup  cryptsetup  2:2.6.1-4~deb12u2
"
order="kheaders nettle jsonc uuid devmapper bearssl jsmn cryptsetup"

export CC=musl-gcc
# -Os and section GC: the product is one small file copied onto instances.
export CFLAGS="-Os -pipe -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables -isystem $sysroot/kinclude"
export CPPFLAGS="-I$sysroot/include -isystem $sysroot/kinclude"
export LDFLAGS="-static -L$sysroot/lib"
# Only the sysroot's .pc files: a host libjson-c.pc must never leak in.
export PKG_CONFIG_LIBDIR=$sysroot/lib/pkgconfig
export PKG_CONFIG_PATH=
export PKG_CONFIG_SYSROOT_DIR=

die() { echo "deps: $*" >&2; exit 1; }
say() { echo "deps: $*"; }

pin_of() { awk -v n="$1" '$1 == n { print $2, $3 }' <<<"$pins"; }
orig_ok() { awk -v n="$1" '$1 == n && $4 == "orig-ok" { f = 1 } END { exit !f }' <<<"$pins"; }

# Unpack only the .orig tarball of NAME into $2, after checking its SHA-256
# against the signed-by-archive .dsc that apt did fetch.
unpack_orig() {
	local name=$1 out=$2 orig sum
	orig=$(find "$dl/$name" -maxdepth 1 -name '*.orig.tar.*' | head -n 1)
	[ -n "$orig" ] || return 1
	sum=$(sha256sum "$orig" | cut -d' ' -f1)
	grep -q "^ $sum [0-9]* $(basename "$orig")\$" "$dl/$name"/*.dsc ||
		die "$(basename "$orig") does not match its .dsc checksum"
	mkdir -p "$out"
	tar -xf "$orig" -C "$out" --strip-components=1
	echo "deps: $name: debian.tar missing from the archive; using the verified .orig tarball" >&2
}

# Fetch and unpack NAME's pinned Debian source (patches applied) into $src.
# Prints the unpacked directory.
fetch_source() {
	local name=$1 pkg ver dir
	read -r pkg ver < <(pin_of "$name")
	dir=$src/$name-${ver//[:~+]/_}
	if [ -d "$dir" ]; then
		echo "$dir"
		return
	fi
	command -v dpkg-source >/dev/null || die "dpkg-source missing: apt-get install dpkg-dev"
	local offered
	offered=$(apt-cache showsrc "$pkg" 2>/dev/null | sed -n 's/^Version: //p' | sort -u | tr '\n' ' ')
	[ -n "$offered" ] || die "no source package '$pkg' in apt's lists: add a deb-src entry mirroring the deb entries (see .ci/run) and run apt-get update"
	case " $offered " in
	*" $ver "*) ;;
	*) die "source package $pkg: recipe pins $ver but the archive offers: $offered- update the pin in build/deps.sh after checking the changes" ;;
	esac
	mkdir -p "$dl/$name" "$src"
	local tmp fetched=1
	(cd "$dl/$name" && apt-get source --download-only -q "$pkg=$ver" >&2) ||
		fetched=0
	tmp=$(mktemp -d "$src/.unpack.XXXXXX")
	if [ $fetched = 1 ]; then
		dpkg-source --no-check -x "$dl/$name"/*.dsc "$tmp/s" >&2 ||
			die "dpkg-source -x failed for $pkg"
	elif orig_ok "$name"; then
		unpack_orig "$name" "$tmp/s" || die "apt-get source $pkg=$ver failed"
	else
		die "apt-get source $pkg=$ver failed"
	fi
	mv "$tmp/s" "$dir"
	rmdir "$tmp"
	echo "$dir"
}

# --- recipes: one function each; their text is part of the stamp ----------

# libdevmapper.h includes <linux/types.h>; musl-gcc hides /usr/include, so a
# private copy of the kernel UAPI headers is used with -isystem.
build_kheaders() {
	local d=$sysroot/kinclude arch
	arch=$(gcc -print-multiarch)
	[ -d /usr/include/linux ] || die "kernel UAPI headers missing: apt-get install linux-libc-dev"
	rm -rf "$d"
	mkdir -p "$d"
	cp -a /usr/include/linux /usr/include/asm-generic "$d/"
	cp -a "/usr/include/$arch/asm" "$d/asm"
}

build_nettle() {
	local s
	s=$(fetch_source nettle)
	cd "$s"
	# Only hashes, PBKDF2 and ciphers are used: no hogweed, so no GMP.
	./configure --prefix="$sysroot" --libdir="$sysroot/lib" \
		--disable-shared --enable-static --disable-public-key \
		--disable-openssl --disable-documentation --disable-gcov
	make -j"$jobs"
	make install-headers install-static install-pkgconfig
}

build_jsonc() {
	local s
	s=$(fetch_source jsonc)
	rm -rf "$s/_b"
	mkdir -p "$s/_b"
	cd "$s/_b"
	cmake .. -DCMAKE_C_COMPILER=musl-gcc -DCMAKE_BUILD_TYPE=MinSizeRel \
		-DCMAKE_INSTALL_PREFIX="$sysroot" -DCMAKE_INSTALL_LIBDIR=lib \
		-DBUILD_SHARED_LIBS=OFF -DBUILD_STATIC_LIBS=ON \
		-DBUILD_TESTING=OFF -DBUILD_APPS=OFF -DDISABLE_WERROR=ON \
		-DENABLE_THREADING=OFF -DDISABLE_EXTRA_LIBS=ON
	make -j"$jobs"
	make install
}

build_uuid() {
	local s
	s=$(fetch_source uuid)
	cd "$s"
	# Debian's patches touch configure.ac/*.am; give them aclocal.m4's time
	# so make does not try to rerun automake.
	find . \( -name configure.ac -o -name '*.am' \) -exec touch -r aclocal.m4 {} +
	touch configure Makefile.in config.h.in 2>/dev/null || true
	./configure --prefix="$sysroot" --libdir="$sysroot/lib" \
		--disable-all-programs --enable-libuuid \
		--disable-shared --enable-static --disable-nls \
		--without-systemd --without-udev --without-python \
		--without-tinfo --without-ncurses --without-readline \
		--disable-bash-completion --disable-asciidoc
	make -j"$jobs" libuuid.la
	make install-uuidincHEADERS install-pkgconfigDATA install-usrlib_execLTLIBRARIES 2>/dev/null ||
		true
	mkdir -p "$sysroot/include/uuid" "$sysroot/lib/pkgconfig"
	cp libuuid/src/uuid.h "$sysroot/include/uuid/"
	cp .libs/libuuid.a "$sysroot/lib/"
	cp libuuid/uuid.pc "$sysroot/lib/pkgconfig/"
}

build_devmapper() {
	local s
	s=$(fetch_source devmapper)
	cd "$s"
	# Only libdm is needed: no libaio, udev, selinux or daemons. lvm2's
	# makefiles drop CFLAGS in places, so the UAPI include rides on CC.
	CC="musl-gcc -isystem $sysroot/kinclude" ./configure --prefix="$sysroot" --libdir="$sysroot/lib" \
		--with-confdir="$sysroot/etc" --with-usrlibdir="$sysroot/lib" \
		--enable-static_link --disable-selinux --disable-readline \
		--disable-udev_sync --disable-udev_rules --disable-blkid_wiping \
		--disable-nls --disable-dmeventd --disable-cmirrord \
		--disable-lvmpolld --disable-use-lvmpolld --disable-lvmlockd-sanlock \
		--disable-app-machineid --disable-systemd-journal \
		--disable-notify-dbus --disable-dbus-service --without-systemd-run \
		--disable-sd-notify --disable-blkid_wiping
	make -j"$jobs" device-mapper
	make -C libdm install_include install_static install_pkgconfig
}

build_bearssl() {
	local s
	s=$(fetch_source bearssl)
	cd "$s"
	make -j"$jobs" CC=musl-gcc LD=musl-gcc AR=ar \
		CFLAGS="$CFLAGS -fPIC" lib
	mkdir -p "$sysroot/include" "$sysroot/lib"
	cp inc/*.h "$sysroot/include/"
	cp build/libbearssl.a "$sysroot/lib/"
}

build_jsmn() {
	local s
	s=$(fetch_source jsmn)
	mkdir -p "$sysroot/include"
	cp "$s/jsmn.h" "$sysroot/include/"
}

build_cryptsetup() {
	local s
	s=$(fetch_source cryptsetup)
	cd "$s"
	[ -x configure ] || ./autogen.sh
	# Tools are disabled, yet configure still insists on popt: tell it yes.
	# No kernel crypto API (AF_ALG): with it, LUKS2 keyslots are encrypted
	# through AF_ALG only, so a rescue kernel without algif_skcipher could
	# neither write nor open a keyslot; without it, libcryptsetup uses a
	# temporary dm-crypt mapping, which works on every kernel that can
	# open the volume at all (DESIGN.md "Why the nettle backend").
	ac_cv_lib_popt_poptConfigFileToString=yes \
		./configure --prefix="$sysroot" --libdir="$sysroot/lib" \
		--disable-shared --enable-static \
		--with-crypto_backend=nettle \
		--disable-cryptsetup --disable-veritysetup \
		--disable-integritysetup --disable-blkid --disable-udev \
		--disable-ssh-token --disable-external-tokens --disable-nls \
		--disable-selinux --disable-asciidoc --disable-fips \
		--disable-pwquality --disable-passwdqc \
		--disable-luks2-reencryption --enable-internal-argon2 \
		--disable-kernel_crypto \
		--disable-libargon2
	make -j"$jobs" libcryptsetup.la
	make install-includeHEADERS install-pkgconfigDATA
	cp .libs/libcryptsetup.a "$sysroot/lib/"
}

# --- driver ---------------------------------------------------------------

stamp_of() {
	local name=$1
	{
		pin_of "$name"
		declare -f "build_$name"
		# Flags without the checkout's path: a moved tree rebuilds nothing.
		echo "${CFLAGS//"$sysroot"/SYSROOT}"
	} | sha256sum | cut -c1-32
}

build_one() {
	local name=$1 want
	want=$(stamp_of "$name")
	if [ -f "$stamps/$name" ] && [ "$(cat "$stamps/$name")" = "$want" ]; then
		return
	fi
	mkdir -p "$logs" "$stamps" "$sysroot"
	say "building $name $(pin_of "$name" | cut -d' ' -f2) (log: $logs/$name.log)"
	local t0=$SECONDS
	# Not in an if/|| context: there bash would ignore set -e in the recipe.
	local rc
	set +e
	(set -e; "build_$name") >"$logs/$name.log" 2>&1
	rc=$?
	set -e
	if [ $rc -ne 0 ]; then
		tail -n 30 "$logs/$name.log" >&2
		die "building $name failed; full log: $logs/$name.log"
	fi
	echo "$want" >"$stamps/$name"
	say "built $name in $((SECONDS - t0)) s"
}

command -v musl-gcc >/dev/null || die "musl-gcc missing: apt-get install musl-tools"
targets=("$@")
[ ${#targets[@]} -gt 0 ] || read -r -a targets <<<"$order"
for t in "${targets[@]}"; do
	declare -F "build_$t" >/dev/null || die "unknown dependency '$t' (known: $order)"
	build_one "$t"
done
