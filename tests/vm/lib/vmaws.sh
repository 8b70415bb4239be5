# vmaws.sh - guest side of the fake AWS (busybox sh): switch the fault
# proxy and the IMDS from inside a scenario step. See tests/fakes/README.md
# for the modes; tests/vm/lib/aws.sh forwards the control sockets.
# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=sh

# aws_ctl PORT WORDS...: one command line, one JSON answer line.
aws_ctl() {
	_port=$1
	shift
	# "key" takes a moment (moto, as the admin): the input stays open
	# until the answer is in, as the guestfwd channel closes on its end.
	_out=$({ echo "$*"; [ "$1" != key ] || sleep 4; } | nc -w 6 10.0.2.102 "$_port")
	case $_out in
	*'"error"'*|'') echo "aws control '$*' failed: ${_out:-no answer}" >&2; return 1 ;;
	esac
	return 0
}

aws_fault() { aws_ctl 1 "$@"; }     # aws_fault drop | pass | throttle 2 ...
# (aws_fault drop kms.us-east-1.amazonaws.com: that region only)
aws_imds() { aws_ctl 2 "$@"; }      # aws_imds drop | normal | put-blackhole ...
# aws_deny ARN / aws_allow ARN: the role loses / regains that key (by ARN
# and by key id, as clients name it).
aws_deny() { aws_ctl 1 deny "$1" "${1##*/}"; }
aws_allow() { aws_ctl 1 allow "$1" "${1##*/}"; }
# aws_key ACTION [DAYS] ARN: the key's state in moto, as the admin would
# set it (disable, enable, schedule-deletion DAYS, cancel-deletion); the
# proxy then refuses it for Decrypt as KMS does.
aws_key() { aws_ctl 1 key "$@"; }
