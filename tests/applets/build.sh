#!/usr/bin/env bash
# build.sh - the build contract: a second make rebuilds nothing, make install
# puts the binary and one symlink per linkable applet under DESTDIR/PREFIX,
# --version lists what build/deps.lock locks with its Debian version and
# licence, and deps.sh builds another Debian revision of a locked upstream
# version but stops at another upstream version or tarball, and the trust
# anchors compiled in are the checked-in PEM files, each with its SHA-256.
# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck disable=SC2016,SC2034 # check's EXPR is single-quoted on purpose: eval'd in check
set -u
# shellcheck source=tests/applets/lib.sh
. "$(dirname "$0")/lib.sh"

t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
cd "$TOP" || exit 1

run make -q luksbox
check "make: up to date after a build (make -q luksbox exits 0)" '[ "$rc" = 0 ]'

run make install DESTDIR="$t" PREFIX=/opt/lb
expected=$(awk -F'"' '/^APPLET/ && !/AF_NOLINK/ { print $2 }' applets/applets.def | sort)
got=$(find "$t/opt/lb/sbin" -type l -lname luksbox -printf '%f\n' | sort)
check "make install: binary and one symlink per linkable applet" '[ "$rc" = 0 ] &&
	cmp -s luksbox "$t/opt/lb/sbin/luksbox" && [ -n "$got" ] && [ "$got" = "$expected" ] &&
	[ ! -e "$t/opt/lb/sbin/install" ]'
run "$t/opt/lb/sbin/kms-wrap" --help
check "make install: the kms-wrap symlink runs that applet" '[ "$rc" = 0 ] && grep -q "^Usage: kms-wrap" <<<"$out"'

# --- --version and the lock ------------------------------------------------
# The lock's lines, read here independently of deps.sh.
lockrows=$(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' build/deps.lock)
run "$LUKSBOX" --version
vout=$out
nlisted=0
while read -r name lib pkg up sum from lic; do
	line=$(grep -F "  $lib: $pkg " <<<"$vout")
	ver=$(sed -n 's/^  [^:]*: [^ ]* \([^ ,]*\).*/\1/p' <<<"$line")
	# The upstream part of a Debian version: no epoch, no revision.
	upv=${ver#*:}
	upv=${upv%-*}
	if [ "$from" = host ]; then
		real=$(dpkg-query -W -f='${Version}' "$pkg-dev" 2>/dev/null)
	else
		real=$(apt-cache showsrc "$pkg" 2>/dev/null | awk -v p="$pkg" -v v="$ver" \
			'/^Package:/ { k = $2 } /^Version:/ && k == p && $2 == v { print v; exit }')
	fi
	check "--version: $lib, its Debian version of upstream $up and licence $lic" \
		'[ -n "$line" ] && [ "$upv" = "$up" ] && [ "${line%, "$lic"}" != "$line" ] &&
		{ [ "$real" = "$ver" ] || ! apt-cache showsrc "$pkg" 2>/dev/null | grep -q .; }'
	nlisted=$((nlisted + 1))
done <<<"$lockrows"
check "--version: all eight libraries (musl included), no other" \
	'[ "$nlisted" = 8 ] && [ "$(grep -c "^  " <<<"$vout")" = 8 ]'

# A forged archive (apt's own configuration, APT_CONFIG) offering nettle at
# version $1 with .orig SHA-256 $2; deps.sh --plan resolves against it.
forge() {
	local a=$t/apt-$1
	mkdir -p "$a/lists/partial" "$a/cache" "$a/etc/apt.conf.d" \
		"$a/etc/sources.list.d" "$a/etc/preferences.d"
	echo "deb-src [trusted=yes] http://forged.invalid/debian bookworm main" \
		>"$a/etc/sources.list"
	cat >"$a/lists/forged.invalid_debian_dists_bookworm_main_source_Sources" <<EOF
Package: nettle
Binary: libnettle8
Version: $1
Directory: pool/main/n/nettle
Checksums-Sha256:
 $2 2406251 nettle_${1%-*}.orig.tar.gz
 $(printf '%064d' 1) 30000 nettle_$1.debian.tar.xz

EOF
	cat >"$a/apt.conf" <<EOF
Dir::Etc "$a/etc";
Dir::State::Lists "$a/lists";
Dir::Cache "$a/cache";
EOF
	echo "$a/apt.conf"
}
nsum=$(awk '$1 == "nettle" { print $5 }' <<<"$lockrows")
if apt-cache showsrc nettle 2>/dev/null | grep -q '^Version:'; then
	run build/deps.sh --plan nettle
	check "deps --plan: the built nettle is up to date" \
		'[ "$rc" = 0 ] && grep -q "^nettle .*: up to date$" <<<"$out"'
else
	echo "SKIP $suite: deps --plan against the archive: no deb-src lists"
fi
run env APT_CONFIG="$(forge 3.8.1-7 "$nsum")" build/deps.sh --plan nettle
check "deps: another Debian revision of the locked upstream is accepted and rebuilt" \
	'[ "$rc" = 0 ] && [ "$out" = "nettle 3.8.1-7: to build" ]'
run env APT_CONFIG="$(forge 3.9.1-1 "$nsum")" build/deps.sh --plan nettle
check "deps: another upstream version stops, naming the lock line to update" \
	'[ "$rc" = 1 ] && [ -z "$out" ] && grep -q "nettle 3.9.1-1, upstream version 3.9.1" <<<"$err" &&
	grep -q "locks 3.8.1: .*update the nettle line of .*build/deps.lock" <<<"$err"'
run env APT_CONFIG="$(forge 3.8.1-8 "$(printf '%064d' 7)")" build/deps.sh --plan nettle
check "deps: another .orig tarball of the locked upstream stops" \
	'[ "$rc" = 1 ] && [ -z "$out" ] && grep -q "nettle 3.8.1-8 has SHA-256 0*7, but .*locks $nsum" <<<"$err"'
awk '$1 == "nettle" { $4 = "3.8.0" } 1' build/deps.lock >"$t/wrong.lock"
run env LUKSBOX_DEPS_LOCK="$t/wrong.lock" APT_CONFIG="$(forge 3.8.1-2 "$nsum")" \
	build/deps.sh --plan nettle
check "deps: a lock naming another upstream version stops, naming that lock" \
	'grep -q "^nettle nettle nettle 3.8.0 " "$t/wrong.lock" && [ "$rc" = 1 ] &&
	grep -q "upstream version 3.8.1, but $t/wrong.lock locks 3.8.0" <<<"$err"'

# --- trust anchors: the checked-in PEMs, each only with its SHA-256 --------
cp -r build/anchors "$t/anchors"
run make -s OBJ="$t/obj" ANCHOR_DIR="$t/anchors" "$t/obj/gen/anchors.c"
check "anchors: the checked-in PEMs match SHA256SUMS and are embedded" \
	'[ "$rc" = 0 ] && [ "$(grep -c "BR_X509_TA_CA" "$t/obj/gen/anchors.c")" = 5 ]'
# Amazon Root CA 3's third line, its capitals rotated by one: by sed, not
# by the build.
sed -i '3y/ABCDEFGHIJKLMNOPQRSTUVWXYZ/BCDEFGHIJKLMNOPQRSTUVWXYZA/' "$t/anchors/Amazon_Root_CA_3.pem"
rm -f "$t/obj/gen/anchors.c"
run make -s OBJ="$t/obj" ANCHOR_DIR="$t/anchors" "$t/obj/gen/anchors.c"
check "anchors: a tampered PEM stops the build, naming it" \
	'! cmp -s build/anchors/Amazon_Root_CA_3.pem "$t/anchors/Amazon_Root_CA_3.pem" &&
	[ "$rc" != 0 ] && [ ! -e "$t/obj/gen/anchors.c" ] &&
	grep -q "unable to embed .*Amazon_Root_CA_3.pem: its SHA-256 is not the one in SHA256SUMS" <<<"$err"'
# Another valid root in a listed file's place.
cp build/anchors/Amazon_Root_CA_3.pem "$t/anchors/"
cp build/anchors/Amazon_Root_CA_1.pem "$t/anchors/Amazon_Root_CA_2.pem"
run make -s OBJ="$t/obj" ANCHOR_DIR="$t/anchors" "$t/obj/gen/anchors.c"
check "anchors: another valid certificate in a listed file's place stops the build" \
	'[ "$rc" != 0 ] && [ ! -e "$t/obj/gen/anchors.c" ] &&
	grep -q "unable to embed .*Amazon_Root_CA_2.pem" <<<"$err"'
finish
