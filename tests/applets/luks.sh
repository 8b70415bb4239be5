#!/usr/bin/env bash
# luks.sh - luks-setup and luks-mount on the host: usage, exit codes and
# the refusals that need no device-mapper (bad options, a bad table, devices
# that are not block devices, a missing volume). Everything that opens a
# volume runs in the VM (tests/vm/scenarios/2x-luks-*).
# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck disable=SC2016,SC2034 # check's EXPR is single-quoted on purpose: eval'd in check
set -u
# shellcheck source=tests/applets/lib.sh
. "$(dirname "$0")/lib.sh"

bin=$LUKSBOX
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
for a in luks-setup luks-mount; do ln -s "$bin" "$t/$a"; done
setup=$t/luks-setup
mount=$t/luks-mount

# Usage is the spec: each long option the applet parses is in --help.
for a in luks-setup luks-mount; do
	run "$t/$a" --help
	check "$a --help: exit 0, starts with Usage" '[ "$rc" = 0 ] && [ "${out%%:*}" = Usage ]'
done
run "$setup" --help
check "luks-setup --help: says what it refuses and --force destroys" \
	'grep -q "are refused" <<<"$out" && grep -q "DESTROY" <<<"$out"'
run "$mount" --help
check "luks-mount --help: exit codes 0/1/2/75 and status 3" \
	'grep -q "75" <<<"$out" && grep -q "3 when not" <<<"$out"'

run "$setup"
check "luks-setup without a volume: exit 2, asks which" '[ "$rc" = 2 ] && grep -q "which volume" <<<"$err"'
# Key changes: which options go together.
run "$setup" --rewrap v
check "luks-setup --rewrap without --to: exit 2, says so" '[ "$rc" = 2 ] && grep -q "needs --to" <<<"$err"'
run "$setup" --rotate --to alias/x v
check "luks-setup --to without --rewrap: exit 2" '[ "$rc" = 2 ] && grep -q "goes with --rewrap" <<<"$err"'
run "$setup" --rotate --add-key alias/x v
check "luks-setup: two key changes at once: exit 2" '[ "$rc" = 2 ] && grep -q "one of --add-key" <<<"$err"'
run "$setup" --key-file /dev/null v
check "luks-setup --key-file without a key change: exit 2" '[ "$rc" = 2 ] && grep -q "go with --add-key" <<<"$err"'
run "$setup" --add-key alias/x --wipe v
check "luks-setup --add-key --wipe: exit 2 (a key change touches no data)" '[ "$rc" = 2 ] && grep -q "no --wipe" <<<"$err"'
run "$setup" --add-key alias/x --force v
check "luks-setup --add-key --force: exit 2 (only --remove-key takes it)" '[ "$rc" = 2 ] && grep -q "or --force" <<<"$err"'
run "$setup" --rewrap --from alias/x v
check "luks-setup --from without --to: exit 2" '[ "$rc" = 2 ]'
run "$setup" --rotate --from alias/x v
check "luks-setup --from with --rotate: exit 2" '[ "$rc" = 2 ]'
printf 'v /dev/null none ext4 kms-key=alias/x\n' >"$t/keys.tab"
run "$setup" --config "$t/keys.tab" --add-key 'bad key' v
check "luks-setup --add-key with a malformed key id: exit 2 before any device is read" \
	'[ "$rc" = 2 ] && grep -q "bad key" <<<"$err"'
# --grow and --freeze/--thaw: which options go together.
run "$setup" --grow --add-key alias/x v
check "luks-setup --grow with a key change: exit 2" '[ "$rc" = 2 ] && grep -q "grow takes NAME" <<<"$err"'
run "$setup" --grow --wipe v
check "luks-setup --grow --wipe: exit 2" '[ "$rc" = 2 ] && grep -q "grow takes NAME" <<<"$err"'
run "$setup" --grow --name v --kms-key alias/x /dev/null
check "luks-setup --grow from options: exit 2 (the table names the volume)" '[ "$rc" = 2 ]'
run "$mount" --freeze -a
check "luks-mount --freeze -a: exit 2 (NAMEs only)" '[ "$rc" = 2 ] && grep -q "take NAMEs" <<<"$err"'
run "$mount" --freeze --timeout 3601 v
check "luks-mount --freeze --timeout 3601: exit 2 (at most an hour)" '[ "$rc" = 2 ] && grep -q "at most 3600" <<<"$err"'
run "$mount" --thaw
check "luks-mount --thaw without a NAME: exit 2" '[ "$rc" = 2 ]'
run "$setup" --bogus
check "luks-setup unknown option: exit 2" '[ "$rc" = 2 ]'
run "$setup" --kms-key alias/x /dev/null
check "luks-setup volume options without --name: exit 2" '[ "$rc" = 2 ] && grep -q "need --name" <<<"$err"'
run "$setup" --name v /dev/null
check "luks-setup --name without a key: exit 2, says every volume needs one" \
	'[ "$rc" = 2 ] && grep -q "kms-key" <<<"$err"'
run "$setup" --name v --kms-key alias/x relative/dev
check "luks-setup: a relative device is a usage error" '[ "$rc" = 2 ] && grep -q "absolute" <<<"$err"'
run "$setup" --name v --kms-key alias/x --fstype btrfs /dev/null
check "luks-setup: fstype other than ext4/xfs refused" '[ "$rc" = 2 ] && grep -q "ext4 or xfs" <<<"$err"'
run "$setup" --name v --kms-key alias/x -o sector-size=1000 /dev/null
check "luks-setup -o sector-size=1000: refused" '[ "$rc" = 2 ]'
run "$setup" --name v --kms-key alias/x --timeout 0 /dev/null
check "luks-setup --timeout 0: exit 2" '[ "$rc" = 2 ] && grep -q "timeout" <<<"$err"'
run "$setup" --name 'bad/name' --kms-key alias/x /dev/null
check "luks-setup: a name with a slash is refused" '[ "$rc" = 2 ]'

# The table: errors name the file, the line and the word.
printf 'good /dev/null /mnt/good ext4 kms-key=alias/k\nbad /dev/null /mnt/bad ext4 kms-key=alias/k,frobnicate=1\n' >"$t/bad.tab"
run "$setup" --config "$t/bad.tab" good
check "luks-setup: a bad table line is named (file, line, word)" \
	'[ "$rc" = 1 ] && grep -q "$t/bad.tab: line 2: .frobnicate=1." <<<"$err"'
run "$mount" --config "$t/bad.tab" -a
check "luks-mount: the same table error" '[ "$rc" = 1 ] && grep -q "line 2" <<<"$err"'
printf 'good %s /mnt/good ext4 kms-key=alias/k\n' "$t/not-a-device" >"$t/good.tab"
: >"$t/not-a-device"
run "$setup" --config "$t/good.tab" nosuch
check "luks-setup: a volume missing from the table: exit 1, named" \
	'[ "$rc" = 1 ] && grep -q "find nosuch in" <<<"$err"'
run "$mount" --config "$t/good.tab" nosuch
check "luks-mount: a volume missing from the table: exit 1" '[ "$rc" = 1 ] && grep -q "nosuch" <<<"$err"'
run "$mount" --config "$t/good.tab" good
check "luks-mount: a device that is not a block device: exit 1, named" \
	'[ "$rc" = 1 ] && grep -q "not a block device" <<<"$err" && grep -q "unable to find the devices of good" <<<"$err"'

# EBS volume ids beside paths: EC2's form only, the same check for the
# table and luks-setup's arguments.
run "$setup" --name v --kms-key alias/x vol-12345
check "luks-setup: a malformed EBS volume id is a usage error" '[ "$rc" = 2 ] && grep -q "vol-12345: an EBS volume id is vol- and 8 or 17" <<<"$err"'
run "$setup" --name v --kms-key alias/x vol-0123456789ABCDEF0
check "luks-setup: an upper-case volume id is refused (EC2 writes lower case)" '[ "$rc" = 2 ]'
printf 'db vol-0123456789abcdef0,vol-1234abcdx /mnt/db ext4 kms-key=alias/k\n' >"$t/badid.tab"
run "$mount" --config "$t/badid.tab" -a
check "luks-mount: a malformed volume id in the table is named (line, word)" \
	'[ "$rc" = 1 ] && grep -q "line 1: .vol-1234abcdx.: an EBS volume id" <<<"$err"'
printf 'db vol-0123456789abcdef0,vol-1234abcd /mnt/db ext4 kms-key=alias/k,timeout=1\n' >"$t/ids.tab"
printf 'passphrase' >"$t/k"
run "$mount" --config "$t/ids.tab" --key-file "$t/k" db
check "luks-mount: a volume id not attached: waits timeout=1, then exit 75 naming it" \
	'[ "$rc" = 75 ] && grep -q "waiting for vol-0123456789abcdef0 to be attached" <<<"$err" && grep -q "vol-0123456789abcdef0 is not attached" <<<"$err"'
run "$mount" --config "$t/ids.tab" --stop db
check "luks-mount --stop names the volume ids that may be detached" \
	'[ "$rc" = 0 ] && grep -q "db: stopped; EBS volumes vol-0123456789abcdef0 vol-1234abcd may now be detached" <<<"$err$out"'

# luks-mount's own usage errors.
run "$mount"
check "luks-mount without -a or NAME: exit 2" '[ "$rc" = 2 ]'
run "$mount" -a good
check "luks-mount -a with NAMEs: exit 2" '[ "$rc" = 2 ]'
run "$mount" --key-file "$t/k" a b
check "luks-mount --key-file with two volumes: exit 2" '[ "$rc" = 2 ] && grep -q "exactly one" <<<"$err"'
run "$mount" --json good
check "luks-mount --json without --status: exit 2" '[ "$rc" = 2 ]'
run "$mount" --log-level loud -a
check "luks-mount --log-level loud: exit 2" '[ "$rc" = 2 ]'

# At boot a missing table is "installed, nothing configured": not an error.
run "$mount" --config "$t/none.tab" --boot -a
check "luks-mount -a with no table: exit 0, says nothing to do" '[ "$rc" = 0 ] && grep -q "nothing to do" <<<"$err"'
run "$mount" --config "$t/none.tab" somevol
check "luks-mount NAME with no table: exit 1" '[ "$rc" = 1 ]'
: >"$t/empty.tab"
run "$mount" --config "$t/empty.tab" --status -a
check "luks-mount --status with no volumes: exit 0" '[ "$rc" = 0 ]'

# Secrets never on the command line: no option takes one.
run "$setup" --help
check "no option takes a key or passphrase on the command line" \
	'! grep -Eiq -- "--(pass(word|phrase)?|secret|key)[ =]" <<<"$out"'
finish
