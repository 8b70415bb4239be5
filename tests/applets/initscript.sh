#!/usr/bin/env bash
# initscript.sh - init/luksbox under dash, bash and busybox ash with a
# stand-in luksbox: the luks-mount calls it makes, the sysconfig settings and
# exported AWS environment it passes on (also under service(8)'s empty
# environment), LSB exit codes, messages, the lock file Amazon Linux's rc
# needs for K scripts, and the watchdog that ends the step at the deadline.
# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck disable=SC2016,SC2034 # check's EXPR is single-quoted on purpose: eval'd in check
set -u
# shellcheck source=tests/applets/lib.sh
. "$(dirname "$0")/lib.sh"

t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
# Our sysconfigs 0600, as luksbox install makes it: start warns otherwise.
umask 077
# The script reads /etc/sysconfig/luksbox, never a file the environment
# names: the copy under test is the same but for that line, which takes
# LUKSBOX_SYSCONFIG (ours) instead.
script=$t/luksbox.init
sed 's|^SYSCONFIG=/etc/sysconfig/luksbox$|SYSCONFIG=${LUKSBOX_SYSCONFIG:?}|' "$TOP/init/luksbox" >"$script"

# A stand-in luksbox: logs its arguments and the AWS environment it got,
# exits with $FAKE_RC, or hangs (FAKE_HANG=1), or hangs with a child of its
# own hanging too, as luks-mount waiting for mkfs (FAKE_HANG=2).
cat >"$t/luksbox" <<EOS
#!/bin/sh
echo "\$*" >>"$t/calls"
env | grep -E '^(AWS_|HTTPS_PROXY|NO_PROXY)' | sort >"$t/env"
# Hanging, it records its pid: exec keeps it, so the check can tell whether
# this very process was killed (a machine-wide pgrep would see other runs').
[ "\${FAKE_HANG:-0}" = 1 ] && echo \$\$ >"$t/hang.pid" && exec sleep 600
if [ "\${FAKE_HANG:-0}" = 2 ]; then
	sleep 601 </dev/null >/dev/null 2>&1 &
	echo \$! >"$t/child"
	exec sleep 600
fi
exit "\${FAKE_RC:-0}"
EOS
chmod +x "$t/luksbox"
# As an operator writes it: plain assignments (systemd reads it too).
cat >"$t/sysconfig" <<EOS
LUKSBOX=$t/luksbox
LUKSBOX_TAB=$t/tab
LUKSBOX_DEADLINE=10
LUKSBOX_LOGLEVEL=debug
LUKSBOX_OPTS="--region eu-west-1"
AWS_REGION=eu-west-1
HTTPS_PROXY=http://proxy.example:3128
LOCKFILE=$t/lock/subsys/luksbox
KMSG=$t/kmsg
SYSLOG=$t/no-syslog
EOS
: >"$t/kmsg"
export LUKSBOX_SYSCONFIG=$t/sysconfig
# As on Amazon Linux: /var/lock/subsys, root's, 0755.
mkdir -p "$t/lock/subsys"
chmod 0755 "$t/lock/subsys"

# lockconf NAME: a sysconfig whose LOCKFILE is $t/NAME/subsys/luksbox.
lockconf() {
	sed "s|^LOCKFILE=.*|LOCKFILE=$t/$1/subsys/luksbox|" "$t/sysconfig" >"$t/sysconfig-$1"
}
lockconf ww     # world-writable with the sticky bit, like Debian's /run/lock
lockconf gw     # group-writable
lockconf other  # owned by someone else
lockconf none   # no subsys directory at all
lockconf link   # subsys itself a symlink to a root-owned directory

# busybox ash, as on a minimal image: the VM guest's static busybox (the
# guest is built here when it is not yet: the VM tier needs it anyway).
shells="dash bash"
bb_cpio=$TOP/build/cache/vm/base.cpio
[ -r "$bb_cpio" ] || "$TOP/build/guest.sh" >/dev/null 2>"$t/guest.err"
if [ -r "$bb_cpio" ] && (cd "$t" && cpio -id --quiet bin/busybox <"$bb_cpio" 2>/dev/null) &&
	"$t/bin/busybox" sh -c true 2>/dev/null; then
	ln -s busybox "$t/bin/ash"
	shells="$shells $t/bin/ash"
else
	echo "SKIP $suite: busybox ash: the VM guest could not be built: $(tail -n 1 "$t/guest.err" 2>/dev/null)"
fi

run diff "$TOP/init/luksbox" "$script"
check "the script under test is init/luksbox with only the sysconfig path changed" '[ "$rc" = 1 ] &&
	[ "$(grep -c "^[<>]" <<<"$out")" = 2 ] && grep -qx "< SYSCONFIG=/etc/sysconfig/luksbox" <<<"$out"'

stamp='^\[[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\] luksbox: '
for sh in $shells; do
	n=${sh##*/}
	command -v "$sh" >/dev/null || { echo "SKIP $suite: $sh: not installed"; continue; }
	: >"$t/calls"
	rm -f "$t/lock/subsys/luksbox"
	run env FAKE_RC=0 "$sh" "$script" start
	check "$n: start runs luks-mount --boot -a with the settings (network deadline 4/5 of 10 s), exit 0" '[ "$rc" = 0 ] &&
		[ "$(cat "$t/calls")" = "luks-mount --config $t/tab --timeout 8 --log-level debug --region eu-west-1 --boot -a" ]'
	check "$n: start says so, timestamped, with the time it took" 'grep -Eq "${stamp}start: every volume in $t/tab is open and mounted \([0-9]+\.[0-9]{2} s\)$" <<<"$err"'
	check "$n: start makes the lock file (rc runs K85luksbox stop only then)" '[ -f "$t/lock/subsys/luksbox" ] &&
		[ ! -L "$t/lock/subsys/luksbox" ]'
	# A local user's symlink in a world-writable lock directory: root must
	# not truncate (or create) what it points to.
	rm -rf "$t/ww" "$t/gw" "$t/other" "$t/none" "$t/link" "$t/victim-dir"
	mkdir -p "$t/ww/subsys" "$t/gw/subsys" "$t/other/subsys" "$t/victim-dir" "$t/link"
	chmod 1777 "$t/ww/subsys"
	chmod 0775 "$t/gw/subsys"
	chown 65534 "$t/other/subsys" 2>/dev/null
	ln -s "$t/victim-dir" "$t/link/subsys"
	echo precious >"$t/victim"
	ln -s "$t/victim" "$t/ww/subsys/luksbox"
	run env LUKSBOX_SYSCONFIG="$t/sysconfig-ww" FAKE_RC=0 "$sh" "$script" start
	check "$n: lock: a symlink planted in a world-writable lock directory is not followed (its target keeps its content)" '
		[ "$rc" = 0 ] && [ "$(cat "$t/victim")" = precious ] && [ -L "$t/ww/subsys/luksbox" ]'
	check "$n: ... and the console says why there is no lock file" '
		grep -q "not making the lock file $t/ww/subsys/luksbox: $t/ww/subsys is not a directory owned by root that only root may write" <<<"$err"'
	rm -f "$t/ww/subsys/luksbox" "$t/victim"
	ln -s "$t/victim" "$t/ww/subsys/luksbox"
	run env LUKSBOX_SYSCONFIG="$t/sysconfig-ww" FAKE_RC=0 "$sh" "$script" start
	check "$n: lock: a dangling planted symlink does not make root create its target" '[ "$rc" = 0 ] && [ ! -e "$t/victim" ]'
	rm -f "$t/ww/subsys/luksbox"
	run env LUKSBOX_SYSCONFIG="$t/sysconfig-ww" FAKE_RC=0 "$sh" "$script" start
	check "$n: lock: none made in a world-writable directory" '[ "$rc" = 0 ] && [ ! -e "$t/ww/subsys/luksbox" ]'
	run env LUKSBOX_SYSCONFIG="$t/sysconfig-gw" FAKE_RC=0 "$sh" "$script" start
	check "$n: lock: none made in a group-writable directory" '[ "$rc" = 0 ] && [ ! -e "$t/gw/subsys/luksbox" ]'
	run env LUKSBOX_SYSCONFIG="$t/sysconfig-other" FAKE_RC=0 "$sh" "$script" start
	check "$n: lock: none made in a directory another user owns" '[ "$rc" = 0 ] &&
		[ "$(stat -c %u "$t/other/subsys")" = 65534 ] && [ ! -e "$t/other/subsys/luksbox" ]'
	run env LUKSBOX_SYSCONFIG="$t/sysconfig-none" FAKE_RC=0 "$sh" "$script" start
	check "$n: lock: a missing lock directory is not created (and not complained about)" '[ "$rc" = 0 ] &&
		[ ! -e "$t/none" ] && ! grep -q "lock file" <<<"$err"'
	run env LUKSBOX_SYSCONFIG="$t/sysconfig-link" FAKE_RC=0 "$sh" "$script" start
	check "$n: lock: not made through a lock directory that is a symlink" '[ "$rc" = 0 ] &&
		[ ! -e "$t/victim-dir/luksbox" ]'
	echo precious >"$t/victim"
	ln -s "$t/victim" "$t/lock/subsys/luksbox.link"
	sed "s|^LOCKFILE=.*|LOCKFILE=$t/lock/subsys/luksbox.link|" "$t/sysconfig" >"$t/sysconfig-own"
	run env LUKSBOX_SYSCONFIG="$t/sysconfig-own" FAKE_RC=0 "$sh" "$script" start
	check "$n: lock: a symlink even in root's own directory is never written through" '[ "$rc" = 0 ] &&
		[ "$(cat "$t/victim")" = precious ]'
	rm -f "$t/lock/subsys/luksbox.link" "$t/victim"
	echo mine >"$t/lock/subsys/luksbox"
	run env FAKE_RC=0 "$sh" "$script" start
	check "$n: lock: an existing lock file is left as it is (not truncated)" '[ "$rc" = 0 ] &&
		[ "$(cat "$t/lock/subsys/luksbox")" = mine ]'
	check "$n: a sysconfig only root may read: no warning" '[ "$rc" = 0 ] && [ "$(stat -c %a "$t/sysconfig")" = 600 ] &&
		! grep -q "readable by" <<<"$err"'
	cp -p "$t/sysconfig" "$t/sysconfig-644"
	chmod 0644 "$t/sysconfig-644"
	: >"$t/kmsg"
	run env LUKSBOX_SYSCONFIG="$t/sysconfig-644" FAKE_RC=0 "$sh" "$script" start
	check "$n: start warns (console and kernel log) that a 0644 sysconfig is readable by others, and how to fix it" '
		[ "$rc" = 0 ] && grep -Eq "${stamp}$t/sysconfig-644 is readable by users other than root \(mode -rw-r--r--.*chmod 600 $t/sysconfig-644$" <<<"$err" &&
		grep -q "^<28>luksbox: $t/sysconfig-644 is readable by users other than root" "$t/kmsg"'
	run env LUKSBOX_SYSCONFIG="$t/sysconfig-644" FAKE_RC=0 "$sh" "$script" status
	check "$n: ... only at start (status says nothing)" '[ "$rc" = 0 ] && ! grep -q "readable by" <<<"$err"'
	chmod 0640 "$t/sysconfig-644"
	run env LUKSBOX_SYSCONFIG="$t/sysconfig-644" FAKE_RC=0 "$sh" "$script" start
	check "$n: group-readable with group root: no warning" '[ "$rc" = 0 ] && ! grep -q "readable by" <<<"$err"'
	chgrp 65534 "$t/sysconfig-644"
	run env LUKSBOX_SYSCONFIG="$t/sysconfig-644" FAKE_RC=0 "$sh" "$script" start
	check "$n: group-readable with another group: warned" '[ "$rc" = 0 ] &&
		[ "$(stat -c %g "$t/sysconfig-644")" = 65534 ] && grep -q "readable by users other than root" <<<"$err"'
	check "$n: variables set in the sysconfig reach luks-mount (exported)" '
		grep -qx "AWS_REGION=eu-west-1" "$t/env" && grep -qx "HTTPS_PROXY=http://proxy.example:3128" "$t/env"'
	run env -i PATH=/usr/bin:/bin LUKSBOX_SYSCONFIG="$t/sysconfig" FAKE_RC=0 "$sh" "$script" start
	check "$n: ... also under service(8)'s empty environment (and only those)" '[ "$rc" = 0 ] &&
		[ "$(cat "$t/env")" = "$(printf "AWS_REGION=eu-west-1\nHTTPS_PROXY=http://proxy.example:3128")" ]'
	: >"$t/kmsg"
	run env FAKE_RC=75 "$sh" "$script" start
	check "$n: start, KMS unreachable (75) -> LSB 1" '[ "$rc" = 1 ]'
	check "$n: ... the console says the volumes are not mounted, why, that the boot goes on, how to retry" '
		grep -Eq "${stamp}start: volumes NOT mounted: KMS or the instance metadata service did not answer within 8 s.*the boot goes on. Retry with: service luksbox start" <<<"$err"'
	check "$n: ... and so does the kernel log (<daemon.err>)" 'grep -q "^<27>luksbox: start: volumes NOT mounted" "$t/kmsg"'
	check "$n: ... the lock file is there even so (something may be half open)" '[ -e "$t/lock/subsys/luksbox" ]'
	run env FAKE_RC=1 "$sh" "$script" start
	check "$n: start, a volume failed (1) -> LSB 1, says see above" '[ "$rc" = 1 ] && grep -q "some volumes NOT mounted (see above" <<<"$err"'
	run env FAKE_RC=2 "$sh" "$script" start
	check "$n: start, usage error (2) -> LSB 2, names LUKSBOX_OPTS" '[ "$rc" = 2 ] && grep -q LUKSBOX_OPTS <<<"$err"'
	: >"$t/calls"
	run env FAKE_RC=0 "$sh" "$script" stop
	check "$n: stop runs luks-mount --stop -a, removes the lock file" '[ "$rc" = 0 ] && grep -q -- "--stop -a$" "$t/calls" &&
		[ ! -e "$t/lock/subsys/luksbox" ]'
	: >"$t/lock/subsys/luksbox"
	run env FAKE_RC=1 "$sh" "$script" stop
	check "$n: stop failing (volume busy) -> LSB 1, lock kept, says what to check" '[ "$rc" = 1 ] && [ -e "$t/lock/subsys/luksbox" ] &&
		grep -q "still open or mounted" <<<"$err"'
	: >"$t/calls"
	run env FAKE_RC=0 "$sh" "$script" restart
	check "$n: restart stops then starts" '[ "$rc" = 0 ] && [ "$(wc -l <"$t/calls")" = 2 ] &&
		head -n1 "$t/calls" | grep -q -- "--stop -a$" && tail -n1 "$t/calls" | grep -q -- "--boot -a$"'
	: >"$t/calls"
	run env FAKE_RC=0 "$sh" "$script" force-reload
	check "$n: force-reload = restart" '[ "$rc" = 0 ] && [ "$(wc -l <"$t/calls")" = 2 ]'
	rm -f "$t/lock/subsys/luksbox"
	: >"$t/calls"
	run env FAKE_RC=0 "$sh" "$script" try-restart
	check "$n: try-restart when not started does nothing" '[ "$rc" = 0 ] && [ ! -s "$t/calls" ]'
	run env FAKE_RC=0 "$sh" "$script" status
	check "$n: status, all mounted -> 0" '[ "$rc" = 0 ] && tail -n1 "$t/calls" | grep -q -- "--status -a$"'
	run env FAKE_RC=3 "$sh" "$script" status
	check "$n: status, not all mounted -> 3" '[ "$rc" = 3 ]'
	run env FAKE_RC=1 "$sh" "$script" status
	check "$n: status, table unreadable (1) -> 4 (unknown)" '[ "$rc" = 4 ]'
	run env FAKE_RC=0 "$sh" "$script" reload
	check "$n: reload -> 3 (unimplemented)" '[ "$rc" = 3 ]'
	run env FAKE_RC=0 "$sh" "$script" frobnicate
	check "$n: unknown action -> 2 with usage" '[ "$rc" = 2 ] && grep -q "^Usage:" <<<"$err"'
	run env FAKE_RC=0 "$sh" "$script"
	check "$n: no action -> 2 with usage" '[ "$rc" = 2 ] && grep -q "^Usage:" <<<"$err"'
done

# gone PID: no such process, or a dead one not reaped yet (a zombie: its
# parent was killed too, and the reaper takes its time).
# shellcheck disable=SC2317 # called from a check's EXPR (eval)
gone() {
	[ ! -e "/proc/$1" ] || grep -q '^[0-9]* ([^)]*) Z' "/proc/$1/stat" 2>/dev/null
}

# A luks-mount hung forever: the watchdog kills it a second before the
# deadline, and a caller reading the script's output (a pipe) is not held
# either. (A process SIGKILL cannot end, stuck in the kernel, would make it
# stop waiting at the deadline: that path is not reproduced here.)
sed 's/^LUKSBOX_DEADLINE=.*/LUKSBOX_DEADLINE=3/' "$t/sysconfig" >"$t/sysconfig3"
for sh in $shells; do
	n=${sh##*/}
	start=$(date +%s%N)
	rm -f "$t/hang.pid"
	run env LUKSBOX_SYSCONFIG="$t/sysconfig3" FAKE_HANG=1 "$sh" "$script" start
	took=$((($(date +%s%N) - start) / 1000000))
	check "$n: watchdog: a hung luks-mount is killed a second before the 3 s deadline (took $took ms), LSB 1" '[ "$rc" = 1 ] &&
		[ $took -ge 2000 ] && [ $took -le 3000 ] && [ -s "$t/hang.pid" ] &&
		! kill -0 "$(cat "$t/hang.pid")" 2>/dev/null'
	check "$n: ... saying so (not 'stuck'), how to retry, and no job notice from the shell" '
		grep -q "did not finish within the 3 s deadline" <<<"$err" && ! grep -q "stuck" <<<"$err" &&
		grep -q "Retry with: service luksbox start" <<<"$err" && ! grep -q "Killed" <<<"$err"'
	# Killing luks-mount alone would leave its mkfs writing to the
	# volume while the next start redoes it: the whole group goes.
	rm -f "$t/child"
	run env LUKSBOX_SYSCONFIG="$t/sysconfig3" FAKE_HANG=2 "$sh" "$script" start
	child=$(cat "$t/child" 2>/dev/null)
	check "$n: watchdog: what luks-mount started (mkfs) is killed with it (its process group)" '[ "$rc" = 1 ] &&
		[ -n "$child" ] && gone "$child"'
	[ -n "$child" ] && kill "$child" 2>/dev/null
	start=$(date +%s%N)
	run env LUKSBOX_SYSCONFIG="$t/sysconfig3" FAKE_RC=0 "$sh" "$script" start
	took=$((($(date +%s%N) - start) / 1000000))
	check "$n: the watchdog's sleep does not outlive a quick start (took $took ms)" '[ "$rc" = 0 ] && [ $took -lt 2500 ] &&
		! pgrep -f "sleep 3$" >/dev/null'
done

sed 's/^LUKSBOX_DEADLINE=.*/LUKSBOX_DEADLINE=soon/' "$t/sysconfig" >"$t/sysconfig-bad"
: >"$t/calls"
run env LUKSBOX_SYSCONFIG="$t/sysconfig-bad" dash "$script" start
check "a bad LUKSBOX_DEADLINE: warned about, 60 s used" '[ "$rc" = 0 ] && grep -q "LUKSBOX_DEADLINE=.soon. .*using 60" <<<"$err" &&
	grep -q -- "--timeout 48 " "$t/calls"'

sed "s|^LUKSBOX=.*|LUKSBOX=$t/missing|" "$t/sysconfig" >"$t/sysconfig2"
run env LUKSBOX_SYSCONFIG="$t/sysconfig2" dash "$script" start
check "binary missing: start -> LSB 5 saying so" '[ "$rc" = 5 ] && grep -q "missing or not executable" <<<"$err"'
run env LUKSBOX_SYSCONFIG="$t/sysconfig2" dash "$script" stop
check "binary missing: stop -> 0, status -> 4" '[ "$rc" = 0 ] &&
	{ env LUKSBOX_SYSCONFIG="$t/sysconfig2" dash "$script" status 2>/dev/null; [ $? = 4 ]; }'

run grep -c '^### BEGIN INIT INFO' "$script"
check "LSB header and chkconfig line present" '[ "$out" = 1 ] && grep -q "^# chkconfig: 2345 15 85" "$script" &&
	grep -q "^# Required-Start:    \$network \$local_fs" "$script" && grep -q "^# Default-Start:     2 3 4 5" "$script" &&
	grep -q "^# Short-Description: ." "$script" && grep -q "^# Provides:          luksbox$" "$script"'
finish
