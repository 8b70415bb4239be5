# debs.sh - sourced by the VM guest recipes (build/guest.sh,
# build/guest-systemd.sh): resolve Debian packages and the libraries they
# depend on against the archive's index, and fetch their .debs into a cache.
# SPDX-License-Identifier: GPL-2.0-or-later
# See: apt-cache(8) show, apt-get(8) download.
# shellcheck shell=bash

# deb_records PKG...: "PKG VERSION DEP1 DEP2 ..." for each PKG's candidate in
# the archive's index (deps from Depends and Pre-Depends: the first of each
# alternative, version and arch qualifiers dropped). One apt-cache call for
# many packages: each call loads the whole package cache (~0.7 s).
deb_records() {
	apt-cache show --no-all-versions "$@" 2>/dev/null | awk '
	function flush() {
		if (pkg != "") print pkg, ver, deps
		pkg = ver = deps = ""
	}
	/^Package: / { flush(); pkg = $2 }
	/^Version: / { ver = $2 }
	/^(Pre-)?Depends: / {
		sub(/^[^:]*: */, "")
		n = split($0, alt, ",")
		for (i = 1; i <= n; i++) {
			d = alt[i]
			sub(/\|.*/, "", d); sub(/\(.*/, "", d); sub(/:any/, "", d)
			gsub(/[ \t]/, "", d)
			if (d != "") deps = deps " " d
		}
	}
	END { flush() }'
}

# deb_closure LEAF PKG...: "PKG VERSION" lines for PKG... and every library
# package (lib*) their Depends reach: the shared objects, not the rest of a
# package's world (debconf, udev, perl). LEAF (or "") is a package whose
# dependencies are not followed (the kernel). "missing PKG" for a package
# the index does not have. Nothing is looked up in the host's dpkg database.
deb_closure() {
	local leaf=$1 p v d deps seen=" " level next out=""
	shift
	level="$*"
	while [ -n "$level" ]; do
		next=""
		# shellcheck disable=SC2086 # package names, one word each
		while read -r p v deps; do
			case $seen in *" $p "*) continue ;; esac
			seen="$seen$p "
			out="$out$p $v"$'\n'
			[ "$p" = "$leaf" ] && continue
			for d in $deps; do
				case $d in lib*) next="$next $d" ;; esac
			done
		done < <(deb_records $level)
		for p in $level; do
			case $seen in *" $p "*) ;; *) echo "missing $p" ;; esac
		done
		level=$(tr ' ' '\n' <<<"$next" | sed '/^$/d' | sort -u | tr '\n' ' ')
	done
	printf '%s' "$out"
}

# deb_fetch PKG VERSION DIR: the path of PKG's VERSION in DIR, downloaded
# there when missing (apt-get names it with ':' as %3a).
deb_fetch() {
	local pkg=$1 ver=$2 dir=$3 f
	f=$(compgen -G "$dir/${pkg}_${ver//:/%3a}_*.deb" | head -n1 || true)
	if [ -z "$f" ]; then
		(cd "$dir" && apt-get download -q "$pkg=$ver" >/dev/null 2>&1) || {
			echo "apt-get download $pkg=$ver failed (apt-get update?)" >&2
			return 1
		}
		f=$(compgen -G "$dir/${pkg}_${ver//:/%3a}_*.deb" | head -n1 || true)
		[ -n "$f" ] || {
			echo "apt-get download $pkg=$ver wrote no .deb" >&2
			return 1
		}
	fi
	echo "$f"
}

# deb_needed_libs ROOT STAGE LIBDIR: copy from STAGE (extracted packages)
# into ROOT/LIBDIR every shared object that an ELF file under ROOT names as
# NEEDED and ROOT does not have yet, until none is missing. Prints the
# first soname no package has, and fails, if any.
deb_needed_libs() {
	local root=$1 stage=$2 libdir=$3 f so found missing
	for _ in 1 2 3 4 5 6 7 8; do
		missing=0
		while read -r f; do
			for so in $(readelf -d "$f" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
				[ -n "$(find "$root" -name "$so" -print -quit)" ] && continue
				found=$(find "$stage" -name "$so" \( -type f -o -type l \) | head -n1)
				[ -n "$found" ] || {
					echo "$(basename "$f") needs $so, which no package its Depends reach ships" >&2
					return 1
				}
				cp -L "$found" "$root/$libdir/$so"
				missing=1
			done
		done < <(find "$root" -type f \( -perm -u+x -o -name '*.so*' \))
		[ $missing = 0 ] && return 0
	done
}
