#!/usr/bin/env bash
# messages.sh - the one message path: whatever text reaches a message
# (arguments, a disk's model name, a token, a server), no control byte
# reaches stderr raw; each is written as \xNN. At boot every message, the
# applet's own and the volume log's, reaches every sink (lib/msg.h).
# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck disable=SC2016,SC2034,SC2317 # check's EXPR is single-quoted on purpose: eval'd in check; raw_esc is called from it
set -u
# shellcheck source=tests/applets/lib.sh
. "$(dirname "$0")/lib.sh"

t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT

# The forged text: clear the screen, then a fake line of our own.
evil=$(printf 'x\033[2J\nluks-mount: volume data mounted on /data')
raw_esc() { LC_ALL=C grep -q "$(printf '\033')" <<<"$err"; }

# The dispatcher: an unknown applet name.
run "$LUKSBOX" "$evil"
check "dispatcher: unknown applet named with escapes, one line, no ESC" \
	'[ "$rc" = 127 ] && ! raw_esc && [ "$(wc -l <<<"$err")" = 1 ] &&
	grep -qF "x\x1b[2J\x0aluks-mount: volume data" <<<"$err"'

# fail()/usage_error(): kms-wrap's unknown command.
run "$LUKSBOX" kms-wrap "$evil"
check "kms-wrap usage error: escaped, no ESC, no forged line" \
	'[ "$rc" = 2 ] && ! raw_esc && ! grep -q "^luks-mount: volume data" <<<"$err" &&
	grep -qF "x\x1b[2J\x0aluks-mount" <<<"$err"'

# The volume logger (stderr, and /dev/kmsg and syslog at boot): the model
# an instance-store disk reports, which comes from the disk's firmware
# (LUKSBOX_EPHEMERAL_MODEL stands in for it), lands in "no disk found".
# The model override is a test hook: only the test build has it.
needs_test_build
printf 'vol ephemeral /mnt/x ext4 kms-key=alias/x\n' >"$t/tab"
run env LUKSBOX_EPHEMERAL_MODEL="$evil" AWS_EC2_METADATA_DISABLED=true \
	"$LUKSBOX_TEST" luks-mount -c "$t/tab" -a
check "luks-mount logger: model name escaped, no ESC, no forged line" \
	'[ "$rc" != 0 ] && ! raw_esc && ! grep -q "^luks-mount: volume data" <<<"$err" &&
	grep -qF "\"x\x1b[2J\x0aluks-mount: volume data mounted on /data\"" <<<"$err"'

# At boot (--boot) every message reaches every sink: stderr, the console
# through /dev/kmsg and syslog. The test build points the two at a file
# and at a socket of ours (LUKSBOX_LOG_KMSG, LUKSBOX_LOG_SYSLOG); a
# datagram listener stands in for syslogd, one line per record.
python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
open(sys.argv[1] + ".ready", "w").close()
with open(sys.argv[2], "ab", 0) as f:
	while True:
		f.write(s.recv(4096) + b"\n")
' "$t/log" "$t/syslog" &
syslogd=$!
trap 'kill "$syslogd" 2>/dev/null; rm -rf "$t"' EXIT
for _ in $(seq 50); do [ -e "$t/log.ready" ] && break; sleep 0.1; done
# in_log FILE TEXT: TEXT is in FILE within 5 s (datagrams land late).
in_log() {
	local i
	for i in $(seq 50); do
		grep -qF -- "$2" "$1" && return 0
		sleep 0.1
	done
	return 1
}
boot() {
	: >"$t/kmsg"
	: >"$t/syslog"
	run env LUKSBOX_LOG_KMSG="$t/kmsg" LUKSBOX_LOG_SYSLOG="$t/log" \
		AWS_EC2_METADATA_DISABLED=true "$LUKSBOX_TEST" luks-mount --boot "$@"
}
boot -c "$t/none" -a
check "--boot: a volume message reaches the console and syslog" \
	'[ "$rc" = 0 ] && in_log "$t/syslog" "<30>luks-mount: no volumes configured" &&
	grep -qF "<30>luksbox: luks-mount: no volumes configured" "$t/kmsg"'
# The table's reader reports through the applet's message path, not the
# volume log: at boot it must reach the same sinks, escaped.
printf 'vol /dev/xvdf /mnt/x ext4 kms-key=alias/x,bogus\033[2J\n' >"$t/tab3"
boot -c "$t/tab3" -a
check "--boot: a bad table line reaches syslog and the console, escaped" \
	'[ "$rc" = 1 ] && ! raw_esc &&
	in_log "$t/syslog" "<27>luks-mount: unable to read $t/tab3: line 1: " &&
	grep -qF "<27>luksbox: luks-mount: unable to read $t/tab3: line 1: " "$t/kmsg" &&
	! LC_ALL=C grep -q "$(printf "\033")" "$t/syslog" "$t/kmsg"'

# The table: an option value with a control character is refused, by
# name, before it could reach a token.
printf 'vol /dev/xvdf /mnt/x ext4 kms-key=alias/x,context=a=b\033[2J\n' >"$t/tab2"
run "$LUKSBOX" luks-mount -c "$t/tab2" -a
check "table: control character in an option value refused, named" \
	'[ "$rc" = 1 ] && ! raw_esc && grep -q "'"'"'context'"'"': control character in the option value" <<<"$err"'

finish
