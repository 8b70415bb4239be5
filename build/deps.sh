#!/usr/bin/env bash
# deps.sh - build luksbox's static dependencies from Debian source packages
# with musl, into an ignored sysroot under build/cache/.
# SPDX-License-Identifier: GPL-2.0-or-later
# See: apt-get(8) "source", dpkg-source(1), musl-gcc, docs/design.md "Libraries".
#
# Usage: build/deps.sh [NAME...]   (default: every dependency, in order)
#
# Each dependency is locked in build/deps.lock by its upstream version and
# the SHA-256 of its upstream (.orig) tarball. Whichever Debian revision of
# that upstream version the archive offers is built (security fixes arrive
# as new revisions); another upstream version or tarball stops the build
# and names the lock line to update (a silent upgrade of libcryptsetup
# would change what we link into a security tool). The Debian versions
# built, with their licences, go to $sysroot/share/luksbox/linked for
# `luksbox --version`.
# A stamp per dependency records its lock line (less the licence), the
# Debian version built, the musl it was compiled with and the hash of its
# recipe function, so a second run rebuilds nothing, and a new Debian
# revision or an edited recipe rebuilds only that dependency.
#
#        build/deps.sh --plan [NAME...]
# resolves each dependency against the archive and the lock and prints
# "NAME VERSION: up to date" or "NAME VERSION: to build", building nothing.
# LUKSBOX_DEPS_LOCK names another lock file (tests); APT_CONFIG is apt's.
#
#        build/deps.sh --arch aarch64 [--plan] [NAME...]
# cross-builds the same lock for arm64 (Graviton) into build/cache/aarch64/
# (its own sysroot, sources, logs and stamps; the downloads are shared):
# Debian's gcc-aarch64-linux-gnu compiles musl from Debian's musl source
# package (the version of the host's musl-dev, which the lock's musl line
# names), whose own musl-gcc wrapper then compiles every other entry with
# the same recipes, for --host=aarch64-linux-gnu (cross_env below).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${LUKSBOX_CACHE:-$top/build/cache}
lock=${LUKSBOX_DEPS_LOCK:-$top/build/deps.lock}
dl=$cache/dl
arch=x86_64
plan=0
while [ $# -gt 0 ]; do
	case $1 in
	--plan) plan=1 ;;
	--arch)
		[ $# -gt 1 ] || { echo "deps: --arch needs x86_64 or aarch64" >&2; exit 2; }
		arch=$2
		shift
		;;
	*) break ;;
	esac
	shift
done
case $arch in
x86_64 | amd64) arch=x86_64 ;;
aarch64 | arm64)
	arch=aarch64
	cache=$cache/aarch64
	;;
*) echo "deps: unknown --arch $arch (x86_64 or aarch64)" >&2; exit 2 ;;
esac
sysroot=$cache/sysroot
src=$cache/src
logs=$cache/log
stamps=$cache/stamp
records=$sysroot/share/luksbox/deps
jobs=$(nproc 2>/dev/null || echo 2)

export CC=musl-gcc
# -Os and section GC: the product is one small file copied onto instances.
export CFLAGS="-Os -pipe -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables -isystem $sysroot/kinclude"
export CPPFLAGS="-I$sysroot/include -isystem $sysroot/kinclude"
export LDFLAGS="-static -L$sysroot/lib"
# aarch64's gcc makes unwind tables even without the asynchronous ones:
# 80 KB of .eh_frame in luksbox that nothing reads (C, no exceptions).
[ "$arch" = x86_64 ] || CFLAGS="$CFLAGS -fno-unwind-tables"
# Only the sysroot's .pc files: a host libjson-c.pc must never leak in.
export PKG_CONFIG_LIBDIR=$sysroot/lib/pkgconfig
export PKG_CONFIG_PATH=
export PKG_CONFIG_SYSROOT_DIR=

die() { echo "deps: $*" >&2; exit 1; }
say() { echo "deps: $*"; }

[ -r "$lock" ] || die "unable to read the lock file $lock"
locked=$(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$lock")
# lock_get NAME FIELD: 1 name, 2 library, 3 source package, 4 upstream
# version, 5 orig SHA-256, 6 from; FIELD 7 is the licence, the line's rest.
lock_get() {
	awk -v n="$1" -v f="$2" '$1 == n {
		if (f < 7) { print $f; exit }
		for (i = 7; i <= NF; i++) printf "%s%s", $i, (i < NF ? " " : "\n")
		exit }' <<<"$locked"
}
lock_has() { awk -v n="$1" '$1 == n { f = 1 } END { exit !f }' <<<"$locked"; }

# upstream_of VERSION: a Debian version less its epoch and revision.
upstream_of() {
	local v=$1
	[[ $v == *:* ]] && v=${v#*:}
	[[ $v == *-* ]] && v=${v%-*}
	echo "$v"
}

declare -A resolved=()

# resolve NAME: the Debian version of NAME to build, in resolved[NAME]: the
# archive's highest version of the source package (or, for a host entry,
# the installed package), which must carry the locked upstream version
# and, in the archive's signed index, the locked .orig SHA-256.
resolve() {
	local name=$1 pkg up sum from offered v best="" have
	lock_has "$name" || die "$name is not in $lock"
	pkg=$(lock_get "$name" 3)
	up=$(lock_get "$name" 4)
	sum=$(lock_get "$name" 5)
	from=$(lock_get "$name" 6)
	case $from in
	host)
		best=$(dpkg-query -W -f='${Version}' "$pkg-dev" 2>/dev/null) ||
			die "unable to find $pkg-dev: apt-get install musl-tools"
		;;
	debian | orig)
		offered=$(apt-cache showsrc "$pkg" 2>/dev/null |
			awk -v p="$pkg" '/^Package:/ { k = $2 } /^Version:/ && k == p { print $2 }' |
			sort -u)
		[ -n "$offered" ] || die "unable to find source package '$pkg' in apt's lists: add a deb-src entry mirroring the deb entries (see .ci/setup) and run apt-get update"
		for v in $offered; do
			if [ -z "$best" ] || dpkg --compare-versions "$v" gt "$best"; then
				best=$v
			fi
		done
		;;
	*) die "$name: unknown 'from' $from in $lock (debian, orig or host)" ;;
	esac
	# The version is printed and compiled into --version: Debian's
	# version syntax only, never raw text from an index.
	[[ $best =~ ^[0-9][0-9A-Za-z.+~:-]*$ ]] ||
		die "$name: the archive's version of $pkg is not a Debian version"
	if [ "$(upstream_of "$best")" != "$up" ]; then
		die "unable to build $name: the archive offers $pkg $best, upstream version $(upstream_of "$best"), but $lock locks $up: check the upstream changes, then update the $name line of $lock (upstream version and .orig SHA-256)"
	fi
	if [ "$from" != host ]; then
		have=$(apt-cache showsrc "$pkg" 2>/dev/null | awk -v p="$pkg" -v v="$best" '
			/^Package:/ { k = $2 } /^Version:/ { w = $2 }
			/^Checksums-Sha256:/ { c = 1; next } /^[^ ]/ { c = 0 }
			c && k == p && w == v && $3 ~ /\.orig\.tar\.[a-z0-9]+$/ { print $1; exit }')
		[ "$have" = "$sum" ] ||
			die "unable to build $name: the archive's .orig tarball of $pkg $best has SHA-256 ${have:-(none listed)}, but $lock locks $sum: the same upstream version with other contents; find out why before updating the $name line of $lock"
	fi
	resolved[$name]=$best
}

# Fetch (once, into $dl) and unpack NAME's resolved Debian source (patches
# applied, or the .orig tarball only) into $src, after checking the .orig
# tarball's SHA-256 against the lock. Prints the unpacked directory.
fetch_source() {
	local name=$1 pkg ver from sum dir d orig tmp fetched=1
	pkg=$(lock_get "$name" 3)
	sum=$(lock_get "$name" 5)
	from=$(lock_get "$name" 6)
	ver=${resolved[$name]}
	# Unpacked afresh for every build: objects left by an earlier build
	# with other flags would otherwise be linked as they are.
	dir=$src/$name-${ver//[:~+]/_}
	rm -rf "$dir"
	command -v dpkg-source >/dev/null || die "dpkg-source missing: apt-get install dpkg-dev"
	d=$dl/$name-${ver//[:~+]/_}
	mkdir -p "$d" "$src"
	if [ ! -f "$d/.complete" ]; then
		(cd "$d" && apt-get source --download-only -q "$pkg=$ver" >&2) ||
			fetched=0
	fi
	orig=$(find "$d" -maxdepth 1 -name '*.orig.tar.*' ! -name '*.asc' | head -n 1)
	[ -n "$orig" ] || die "apt-get source $pkg=$ver fetched no .orig tarball"
	if [ $fetched = 1 ] || [ "$from" = orig ]; then
		touch "$d/.complete"
	fi
	if [ "$from" = host ]; then
		# Built from source only for a cross target (musl): the lock names
		# the host's musl-dev, whose source version resolve() took; its
		# .orig must be the one the archive's signed index lists.
		sum=$(apt-cache showsrc "$pkg" 2>/dev/null | awk -v p="$pkg" -v v="$ver" '
			/^Package:/ { k = $2 } /^Version:/ { w = $2 }
			/^Checksums-Sha256:/ { c = 1; next } /^[^ ]/ { c = 0 }
			c && k == p && w == v && $3 ~ /\.orig\.tar\.[a-z0-9]+$/ { print $1; exit }')
		[ -n "$sum" ] || die "the archive lists no source $pkg $ver: the host's $pkg-dev must be a version the archive offers as source"
	fi
	[ "$(sha256sum "$orig" | cut -d' ' -f1)" = "$sum" ] ||
		die "$(basename "$orig") does not match its SHA-256 in $lock"
	tmp=$(mktemp -d "$src/.unpack.XXXXXX")
	if [ "$from" = orig ]; then
		mkdir -p "$tmp/s"
		tar -xf "$orig" -C "$tmp/s" --strip-components=1
	elif [ $fetched = 1 ]; then
		# apt-get checked every file against the archive's signed index.
		dpkg-source --no-check -x "$d"/*.dsc "$tmp/s" >&2 ||
			die "dpkg-source -x failed for $pkg"
	else
		die "apt-get source $pkg=$ver failed"
	fi
	mv "$tmp/s" "$dir"
	rmdir "$tmp"
	echo "$dir"
}

# record NAME: NAME's line in `luksbox --version`.
record() {
	local name=$1 note=""
	case $(lock_get "$name" 6) in
	host)
		note=" (the build host's $(lock_get "$name" 3)-dev)"
		[ "$arch" = x86_64 ] ||
			note=" (its Debian source, cross-built by $cross-gcc $(cross_gcc_version))"
		;;
	orig) note=" (its .orig tarball only)" ;;
	esac
	mkdir -p "$records"
	printf '%s: %s %s%s, %s\n' "$(lock_get "$name" 2)" "$(lock_get "$name" 3)" \
		"${resolved[$name]}" "$note" "$(lock_get "$name" 7)" >"$records/$name"
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
	# open the volume at all (docs/design.md "Why the nettle backend").
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

# --- cross targets (--arch aarch64) ----------------------------------------

cross_gcc_version() { "$cross-gcc" -dumpfullversion 2>/dev/null || echo none; }

# musl for the target, from Debian's musl source package as its rules
# build musl-dev (fts added, Debian's hardening flags for the target;
# static only), with its own musl-gcc wrapper and specs.
build_musl() {
	local s p
	# The physical path: musl-gcc and its specs name it, and build/cache
	# may be a symlink from a checkout that goes away.
	p=$(cd "$cache" && pwd -P)/musl
	s=$(fetch_source musl)
	cd "$s"
	mkdir -p src/fts
	cp debian/musl-fts/fts.c debian/musl-fts/config.h src/fts/
	cp debian/musl-fts/fts.h include/
	rm -rf "$p"
	CFLAGS="$(DEB_HOST_ARCH=$debarch DEB_BUILD_MAINT_OPTIONS=hardening=+all dpkg-buildflags --get CFLAGS)" \
		CPPFLAGS="$(DEB_HOST_ARCH=$debarch DEB_BUILD_MAINT_OPTIONS=hardening=+all dpkg-buildflags --get CPPFLAGS)" \
		LDFLAGS="$(DEB_HOST_ARCH=$debarch DEB_BUILD_MAINT_OPTIONS=hardening=+all dpkg-buildflags --get LDFLAGS)" \
		CC=$cross-gcc CROSS_COMPILE=$cross- \
		./configure --prefix="$p" --host="$cross" --target="$cross" \
		--disable-shared --enable-wrapper=gcc
	make -j"$jobs"
	make install
	[ -x "$p/bin/musl-gcc" ] || die "musl installed no musl-gcc wrapper"
}

# The UAPI headers for the target: Debian's cross copy of linux-libc-dev.
build_kheaders_aarch64() {
	local d=$sysroot/kinclude i=/usr/$cross/include
	[ -d "$i/asm" ] || die "$i/asm missing: apt-get install linux-libc-dev-arm64-cross"
	rm -rf "$d"
	mkdir -p "$d"
	cp -a "$i/linux" "$i/asm-generic" "$i/asm" "$d/"
}

# The environment every recipe runs in for a cross target; its text is
# part of the stamps. The recipes' own text is the x86-64 build's.
cross_env() {
	local t=$cache/tools b
	mkdir -p "$t"
	for b in ar ranlib nm strip objcopy; do
		ln -sfn "/usr/bin/$cross-$b" "$t/$b"
	done
	# The musl-gcc first on PATH is the target musl's own wrapper
	# (around $cross-gcc); the binutils are the target's.
	export PATH=$cache/musl/bin:$t:$PATH
	# autoconf takes these from the environment as --build and --host.
	build_alias=$(dpkg-architecture -qDEB_BUILD_GNU_TYPE 2>/dev/null)
	export build_alias host_alias=$cross
	# What configure cannot run to learn when cross-compiling: musl's
	# malloc(0) and realloc(NULL, 0) return a pointer (lvm2 asks).
	export ac_cv_func_malloc_0_nonnull=yes ac_cv_func_realloc_0_nonnull=yes
	# cmake (json-c): a cross build for Linux on the target CPU.
	printf 'set(CMAKE_SYSTEM_NAME Linux)\nset(CMAKE_SYSTEM_PROCESSOR %s)\n' \
		"$arch" >"$t/toolchain.cmake"
	export CMAKE_TOOLCHAIN_FILE=$t/toolchain.cmake
}

# recipe_of NAME: the function that builds NAME for this target.
recipe_of() {
	if declare -F "build_$1_$arch" >/dev/null; then
		echo "build_$1_$arch"
	else
		echo "build_$1"
	fi
}

# --- driver ---------------------------------------------------------------

stamp_of() {
	local name=$1
	{
		if [ "$name" = kheaders ]; then
			dpkg-query -W -f='${Version}' "$kheaders_pkg" 2>/dev/null || true
		else
			# The licence is not an input of the build.
			awk -v n="$name" '$1 == n { $7 = ""; NF = 6; print }' <<<"$locked"
			echo "${resolved[$name]}"
		fi
		echo "musl ${resolved[musl]}"
		declare -f "$(recipe_of "$name")"
		# Flags without the checkout's path: a moved tree rebuilds nothing.
		echo "${CFLAGS//"$sysroot"/SYSROOT}"
		if [ "$arch" != x86_64 ]; then
			echo "arch $arch $cross-gcc $(cross_gcc_version)"
			declare -f cross_env
			# Everything is rebuilt when the target's musl is.
			[ "$name" = musl ] || cat "$stamps/musl" 2>/dev/null || true
		fi
	} | sha256sum | cut -c1-32
}

up_to_date() {
	[ -f "$stamps/$1" ] && [ "$(cat "$stamps/$1")" = "$(stamp_of "$1")" ]
}

build_one() {
	local name=$1 want
	want=$(stamp_of "$name")
	if up_to_date "$name"; then
		return
	fi
	mkdir -p "$logs" "$stamps" "$sysroot"
	say "building $name ${resolved[$name]:-} (log: $logs/$name.log)"
	local t0=$SECONDS
	# Not in an if/|| context: there bash would ignore set -e in the recipe.
	local rc
	set +e
	(set -e; "$(recipe_of "$name")") >"$logs/$name.log" 2>&1
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
order="kheaders $(awk '$6 != "host" { printf "%s ", $1 }' <<<"$locked")"
kheaders_pkg=linux-libc-dev
if [ "$arch" != x86_64 ]; then
	debarch=arm64
	cross=aarch64-linux-gnu
	kheaders_pkg=linux-libc-dev-$debarch-cross
	command -v "$cross-gcc" >/dev/null ||
		die "$cross-gcc missing: apt-get install gcc-$cross"
	order="musl $order"
	cross_env
fi
targets=("$@")
[ ${#targets[@]} -gt 0 ] || read -r -a targets <<<"$order"
for t in "${targets[@]}"; do
	[[ " $order " == *" $t "* ]] || die "unknown dependency '$t' (known: $order)"
done
# Resolve every target before building any: a stale lock stops the build
# before minutes are spent on the others.
resolve musl
for t in "${targets[@]}"; do
	[ "$t" = kheaders ] || resolve "$t"
done
if [ $plan = 1 ]; then
	for t in "${targets[@]}"; do
		if up_to_date "$t"; then
			echo "$t ${resolved[$t]:-$kheaders_pkg}: up to date"
		else
			echo "$t ${resolved[$t]:-$kheaders_pkg}: to build"
		fi
	done
	exit 0
fi
for t in "${targets[@]}"; do
	build_one "$t"
done
# What `luksbox --version` lists: musl, then the lock's order.
for t in musl "${targets[@]}"; do
	[ "$t" = kheaders ] || record "$t"
done
while read -r n _; do
	[ ! -f "$records/$n" ] || cat "$records/$n"
done <<<"$locked" >"$sysroot/share/luksbox/linked.tmp"
mv "$sysroot/share/luksbox/linked.tmp" "$sysroot/share/luksbox/linked"
