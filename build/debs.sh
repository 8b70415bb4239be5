# debs.sh - sourced by the VM guest recipes (build/guest.sh,
# build/guest-systemd.sh): resolve Debian packages and the libraries they
# depend on against the archive's index (arm64: a private one), fetch their
# .debs into a cache, and move a guest script's results port to arm64's.
# SPDX-License-Identifier: GPL-2.0-or-later
# See: apt-cache(8) show, apt-get(8) download, apt.conf(5).
# shellcheck shell=bash

# deb_private_apt DIR ARCH: a private apt in DIR for ARCH only (exported as
# APT_CONFIG): its own lists, an empty dpkg status, the host's "deb"
# sources. apt-cache and apt-get download below then answer for ARCH; the
# host's lists, which the x86 builds depend on, are never updated from here.
deb_private_apt() {
	local apt=$1 arch=$2 f
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
APT::Architecture "$arch";
APT::Architectures { "$arch"; };
APT::Sandbox::User "root";
EOF
	export APT_CONFIG=$apt/apt.conf
}

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

# guest_port_hvc0 IN OUT KO...: IN, a guest script writing results to
# /dev/ttyS1 (x86-64's second 16550), as OUT writing them to arm64's virtio
# console, hvc0 (the virt machine's one PL011 is the console). The port
# comes up after insmod of KO... (virtio_pci, virtio_console) returns:
# /dev/hvc0 appears when the hvc driver registers, and opening it fails
# (ENODEV, then EINVAL) until virtio_console has hooked the port up. A ">"
# before the node exists creates a plain file in devtmpfs that swallows
# every result (and keeps the node from appearing), and a failed "exec 3>"
# kills PID 1 (kernel panic). So at IN's first line naming /dev/ttyS1, OUT
# loads KO..., waits for the character device, probes the open in a
# subshell, and makes it fd 3 with "command exec", which cannot end the
# shell; no port, no results: the host reports the boot unfinished. That
# line, when it is "exec 3>/dev/ttyS1 ...", is the open and goes; IN's
# ">/dev/ttyS1" writes become ">&3". With no KO (a script systemd runs,
# once /init has waited), only /dev/ttyS1 becomes /dev/hvc0. Fails unless
# IN names /dev/ttyS1.
guest_port_hvc0() {
	local in=$1 out=$2 kos open
	shift 2
	kos=" $*"
	if [ $# = 0 ]; then
		sed 's|/dev/ttyS1|/dev/hvc0|g' "$in" >"$out" && grep -q /dev/hvc0 "$out"
		return
	fi
	open=$(
		cat <<EOF
for ko in$kos; do insmod "\$ko" 2>/dev/null; done
i=0
until [ -c /dev/hvc0 ] && ( : >/dev/hvc0 ) 2>/dev/null || [ \$i -ge 300 ]; do sleep 0.1; i=\$((i + 1)); done
if ! { [ -c /dev/hvc0 ] && { command exec 3>/dev/hvc0; } 2>/dev/null; }; then
	echo "init: no results port: /dev/hvc0 did not open in 30 s" >/dev/console
	exec 3>/dev/null
fi
EOF
	)
	awk -v open="$open" '
	!n && index($0, "/dev/ttyS1") {
		print open
		n++
		if (index($0, "exec 3>/dev/ttyS1 ") == 1) next
	}
	n { gsub(/>\/dev\/ttyS1/, ">\\&3") }
	{ print }
	END { exit n != 1 }' "$in" >"$out"
}
