# lib.sh - helpers for applet tests (sourced): run a command, check a condition.
# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# shellcheck disable=SC2016,SC2034 # check's EXPR is eval'd later; run sets out/err/rc for callers
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
LUKSBOX=${LUKSBOX:-$TOP/luksbox}
suite="applets/$(basename "$0" .sh)"
_failed=0

# The test build: luksbox with the test hooks (md-assemble --sysfs...).
LUKSBOX_TEST=${LUKSBOX_TEST:-$TOP/build/obj/test-hooks/luksbox}

if [ ! -x "$LUKSBOX" ]; then
	echo "FAIL $suite: no luksbox binary at $LUKSBOX (run make)"
	exit 1
fi

# needs_test_build: FAIL the suite unless the test build is there.
needs_test_build() {
	if [ ! -x "$LUKSBOX_TEST" ]; then
		echo "FAIL $suite: no test build at $LUKSBOX_TEST (run make test-build)"
		exit 1
	fi
}

# run CMD...: sets $out (stdout), $err (stderr), $rc.
run() {
	local e
	e=$(mktemp)
	out=$("$@" 2>"$e")
	rc=$?
	err=$(cat "$e")
	rm -f "$e"
}

# check NAME 'EXPR': PASS when the shell expression EXPR (one quoted
# string, so && and ! stay inside the check) succeeds, else FAIL.
check() {
	local name=$1
	[ $# = 2 ] || { echo "FAIL $suite: $name: check takes NAME 'EXPR'"; _failed=1; return; }
	if eval "$2"; then
		echo "PASS $suite: $name"
	else
		echo "FAIL $suite: $name (rc=$rc, stderr: ${err:0:200})"
		_failed=1
	fi
}

finish() { exit $_failed; }
