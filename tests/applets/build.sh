#!/usr/bin/env bash
# build.sh - the build contract: a second make rebuilds nothing, make install
# puts the binary and one symlink per linkable applet under DESTDIR/PREFIX.
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
finish
