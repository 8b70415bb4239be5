#!/usr/bin/env bash
# dispatch.sh - the dispatcher: listing, --help, --version, symlinks,
# unknown applets, exit codes, and the static binary itself.
# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck disable=SC2016,SC2034 # check's EXPR is single-quoted on purpose: eval'd in check
set -u
# shellcheck source=tests/applets/lib.sh
. "$(dirname "$0")/lib.sh"

bin=$LUKSBOX
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT

expected=$(sed -n 's/^APPLET([^,]*, *"\([^"]*\)".*/\1/p' "$TOP/applets/applets.def")

run "$bin"
check "list: bare luksbox lists the applets" '[ "$rc" = 0 ] && [ "$out" = "$expected" ]'
run "$bin" --list
check "list: --list lists the four applets" \
	'[ "$rc" = 0 ] && [ "$(echo "$out" | wc -l)" -ge 4 ] && [ "$out" = "$expected" ]'

run "$bin" --version
check "version: names luksbox and the linked libraries" \
	'[ "$rc" = 0 ] && grep -q "^luksbox [0-9]" <<<"$out" &&
	grep -q "^  libcryptsetup: cryptsetup 2:2\.6" <<<"$out" &&
	grep -q "^  BearSSL: bearssl 0\.6" <<<"$out"'

check "version: the first line names the version and the architecture" \
	'[ "$(head -n 1 <<<"$out")" = "luksbox $(sed -n "s/^VERSION *:= *//p" "$TOP/Makefile") $(uname -m)" ]'
# A release file (luksbox-VERSION-ARCH) runs as luksbox itself.
ln -s "$bin" "$t/luksbox-9.9.9-$(uname -m)"
run "$t/luksbox-9.9.9-$(uname -m)" --version
check "release name: luksbox-VERSION-ARCH --version runs as luksbox" \
	'[ "$rc" = 0 ] && grep -q "^luksbox [0-9]" <<<"$out"'
run "$t/luksbox-9.9.9-$(uname -m)" kms-wrap --help
check "release name: luksbox-VERSION-ARCH APPLET runs the applet" \
	'[ "$rc" = 0 ] && grep -q "^Usage: kms-wrap" <<<"$out"'

run "$bin" no-such-applet
check "unknown applet: exit 127 and the message" \
	'[ "$rc" = 127 ] && [ "$err" = "luksbox: no-such-applet: applet not found" ]'

ln -s "$bin" "$t/frobnicate"
run "$t/frobnicate"
check "unknown symlink name: exit 127" \
	'[ "$rc" = 127 ] && [ "$err" = "luksbox: frobnicate: applet not found" ]'

for a in $expected; do
	ln -s "$bin" "$t/$a"
	run "$t/$a" --help
	help=$out
	check "$a: --help through a symlink prints usage, exit 0" \
		'[ "$rc" = 0 ] && grep -Eq "^Usage: (luksbox )?$a( |$)" <<<"$out" && [ -z "$err" ]'
	run "$bin" "$a" --help
	check "$a: luksbox $a --help is the same text" '[ "$rc" = 0 ] && [ "$out" = "$help" ]'
	run "$t/$a" --version
	check "$a: --version" '[ "$rc" = 0 ] && grep -q "^luksbox " <<<"$out"'
done

run file "$bin"
check "binary: statically linked ELF x86-64" \
	'grep -q "ELF 64-bit.*x86-64.*statically linked" <<<"$out"'
run ldd "$bin"
check "binary: ldd says not a dynamic executable" \
	'grep -q "not a dynamic executable" <<<"$out$err"'
run readelf -l "$bin"
check "binary: no program interpreter" '[ "$rc" = 0 ] && ! grep -q INTERP <<<"$out"'

# A placeholder must fail honestly, never exit 0.
for a in $expected; do
	if grep -q 'not implemented yet in this build' "$TOP/applets/$a.c"; then
		run "$t/$a" some-command
		check "$a: unimplemented applet says so and exits 1" \
			'[ "$rc" = 1 ] && grep -q "^$a: unable to .*not implemented yet" <<<"$err"'
	fi
done
finish
