#!/usr/bin/env bash
# initscript.sh - init/luksbox under dash and bash with a stand-in luksbox:
# the luks-mount calls it makes, LSB exit codes, and the watchdog that
# keeps a hung luks-mount from holding the boot.
# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck disable=SC2016,SC2034 # check's EXPR is single-quoted on purpose: eval'd in check
set -u
# shellcheck source=tests/applets/lib.sh
. "$(dirname "$0")/lib.sh"

t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
script=$TOP/init/luksbox

# A stand-in luksbox: logs its arguments, exits with $FAKE_RC, or hangs.
cat >"$t/luksbox" <<EOS
#!/bin/sh
echo "\$*" >>"$t/calls"
[ "\${FAKE_HANG:-0}" = 1 ] && exec sleep 600
exit "\${FAKE_RC:-0}"
EOS
chmod +x "$t/luksbox"
cat >"$t/sysconfig" <<EOS
LUKSBOX=$t/luksbox
LUKSBOX_TAB=$t/tab
LUKSBOX_DEADLINE=1
LUKSBOX_LOGLEVEL=debug
LUKSBOX_OPTS="--region eu-west-1"
EOS
export LUKSBOX_SYSCONFIG=$t/sysconfig

for sh in dash bash; do
	command -v $sh >/dev/null || { echo "SKIP $suite: $sh: not installed"; continue; }
	: >"$t/calls"
	run env FAKE_RC=0 $sh "$script" start
	check "$sh: start runs luks-mount --boot -a with the settings, exit 0" '[ "$rc" = 0 ] &&
		[ "$(cat "$t/calls")" = "luks-mount --config $t/tab --timeout 1 --log-level debug --region eu-west-1 --boot -a" ]'
	run env FAKE_RC=75 $sh "$script" start
	check "$sh: start, KMS unreachable (75) -> LSB 1" '[ "$rc" = 1 ]'
	run env FAKE_RC=2 $sh "$script" start
	check "$sh: start, usage error (2) -> LSB 2" '[ "$rc" = 2 ]'
	: >"$t/calls"
	run env FAKE_RC=0 $sh "$script" stop
	check "$sh: stop runs luks-mount --stop -a" '[ "$rc" = 0 ] && grep -q -- "--stop -a$" "$t/calls"'
	: >"$t/calls"
	run env FAKE_RC=0 $sh "$script" restart
	check "$sh: restart stops then starts" '[ "$rc" = 0 ] && [ "$(wc -l <"$t/calls")" = 2 ] &&
		head -n1 "$t/calls" | grep -q -- "--stop -a$" && tail -n1 "$t/calls" | grep -q -- "--boot -a$"'
	run env FAKE_RC=0 $sh "$script" status
	check "$sh: status, all mounted -> 0" '[ "$rc" = 0 ] && tail -n1 "$t/calls" | grep -q -- "--status -a$"'
	run env FAKE_RC=1 $sh "$script" status
	check "$sh: status, not all mounted -> 3" '[ "$rc" = 3 ]'
	run env FAKE_RC=0 $sh "$script" frobnicate
	check "$sh: unknown action -> 3 with usage" '[ "$rc" = 3 ] && grep -q "^Usage:" <<<"$err"'
done

# A luks-mount stuck forever: the watchdog ends it at deadline + 10 s.
start=$SECONDS
run env FAKE_HANG=1 dash "$script" start
took=$((SECONDS - start))
check "watchdog: a hung luks-mount is killed at deadline+10 s, LSB 1" '[ "$rc" = 1 ] && [ $took -ge 10 ] && [ $took -le 15 ]'

sed "s|^LUKSBOX=.*|LUKSBOX=$t/missing|" "$t/sysconfig" >"$t/sysconfig2"
run env LUKSBOX_SYSCONFIG="$t/sysconfig2" dash "$script" start
check "binary missing: start -> LSB 5, stop -> 0" '[ "$rc" = 5 ] &&
	env LUKSBOX_SYSCONFIG="$t/sysconfig2" dash "$script" stop 2>/dev/null'

run grep -c '^### BEGIN INIT INFO' "$script"
check "LSB header and chkconfig line present" '[ "$out" = 1 ] && grep -q "^# chkconfig: 2345 15 85" "$script" &&
	grep -q "^# Required-Start:    \$network \$local_fs" "$script" && grep -q "^# Default-Start:     2 3 4 5" "$script"'
finish
