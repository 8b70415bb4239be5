# vmtest.sh - helpers for the guest side of VM scenarios (busybox sh).
# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=sh

# pass NAME / fail NAME WHY: one result line for the host.
pass() { echo "PASS $LB_SCENARIO: boot $LB_BOOT: $1"; }
fail() { echo "FAIL $LB_SCENARIO: boot $LB_BOOT: $1${2:+: $2}"; }

# uptime_cs: centiseconds since the guest booted.
uptime_cs() {
	read -r _up _ </proc/uptime
	echo "${_up%.*}${_up#*.}"
}

# check NAME 'EXPR': PASS when the shell expression succeeds, else FAIL
# with the expression's stderr. A check taking 2 s or more says so, so slow
# boots can be traced to their step.
check() {
	_t0=$(uptime_cs)
	if _err=$(eval "$2" 2>&1 >/dev/null); then
		pass "$1"
	else
		fail "$1" "$(echo "$_err" | tail -n 3 | tr '\n' ' ')"
	fi
	_dt=$(($(uptime_cs) - _t0))
	[ "$_dt" -lt 200 ] || note "slow: $1 took $((_dt / 100)).$((_dt % 100 / 10)) s"
}

# note TEXT: a comment line in the host's output.
note() { echo "# $*"; }

# State kept across boots lives on the persistent root disk.
state_dir=/root/.vmtest
mkdir -p "$state_dir"
save() { echo "$2" >"$state_dir/$1"; }
load() { cat "$state_dir/$1" 2>/dev/null; }

# A disk by its serial (the harness names disks), e.g. disk data1.
disk() {
	for d in /sys/block/*; do
		s=$({ cat "$d/serial" || tr -d ' ' <"$d/device/serial"; } 2>/dev/null)
		if [ "$s" = "$1" ]; then
			echo "/dev/${d##*/}"
			return 0
		fi
	done
	return 1
}

# Is the whole device zero? (a blank instance-store disk)
is_zero() {
	[ "$(tr -d '\000' <"$1" | head -c 1 | wc -c)" = 0 ]
}

# http_get HOST PORT PATH: the body of a plain HTTP GET (busybox nc).
http_get() {
	printf 'GET %s HTTP/1.0\r\nHost: %s\r\n\r\n' "$3" "$1" |
		nc -w 5 "$1" "$2" | sed '1,/^\r*$/d'
}

# power_cut: end this boot like a power failure: no unmount, no sync of the
# disks under test (state saved with `save` is synced first). The host
# treats the boot as finished; the next boot finds the disks as they were.
power_cut() {
	sync -f "$state_dir"
	echo "@@CRASH"
	sleep 1
	echo 1 >/proc/sys/kernel/sysrq
	echo b >/proc/sysrq-trigger
	sleep 10
}
