# aws.sh - the fake AWS (tests/fakes/awsenv) for VM scenarios, host side.
# Sourced by a scenario's host part (bash); see tests/vm/README.md.
# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# Variables (top, work, scenario, scen_failed) are tests/vm/run's.
# shellcheck disable=SC2154,SC2034
#
# aws_start: starts moto (TLS, signature checks), the fake IMDSv2 and the
# fault proxy on host loopback, and makes them the guest's AWS:
#   10.0.2.100:443 -> the KMS proxy (kms.us-east-1.amazonaws.com in the
#                     guest's /etc/hosts, so TLS names verify; also
#                     kms.eu-west-1.amazonaws.com, where LB_KEY3 lives)
#   10.0.2.101:80  -> the IMDS
#   10.0.2.102:1,2 -> the proxy's and the IMDS's control sockets
#                     (/lib/vmaws.sh: aws_fault, aws_imds, aws_deny ...)
# The guest gets AWS_CA_BUNDLE and AWS_EC2_METADATA_SERVICE_ENDPOINT, and
# no credentials, region or KMS endpoint: as on EC2, the region comes from
# IMDS placement/region, the endpoint from the region's standard name
# (resolved by the guest's /etc/hosts) and credentials from the instance
# role through the IMDS. The host part can then use
# $AWSENV_* (from DIR/env) and `awsenv fault|imds|deny|allow`.
# aws_stop: stops it (call it from host_cleanup).

awsenv=$top/tests/fakes/awsenv
aws_dir=

aws_start() {
	aws_dir=$work/aws
	if ! "$awsenv" start "$aws_dir" >"$work/awsenv.log" 2>&1; then
		echo "FAIL $scenario: the fake AWS did not start"
		sed 's/^/#   awsenv: /' "$work/awsenv.log" | tail -n 15
		scen_failed=1
		return 1
	fi
	# shellcheck source=/dev/null
	. "$aws_dir/env"
	forward 10.0.2.100:443 "$AWSENV_KMS_PORT"
	forward 10.0.2.101:80 "$AWSENV_IMDS_PORT"
	# The fakes' control channels, so a guest step can switch faults.
	forward 10.0.2.102:1 "unix:$aws_dir/proxy.sock"
	forward 10.0.2.102:2 "unix:$aws_dir/imds.sock"
	guest_file /lib/vmaws.sh "$here/lib/vmaws.sh"
	printf '%s\n' "127.0.0.1 localhost" \
		"10.0.2.100 kms.us-east-1.amazonaws.com kms.eu-west-1.amazonaws.com ssm.us-east-1.amazonaws.com" \
		>"$work/hosts"
	guest_file /etc/hosts "$work/hosts"
	guest_file /etc/luksbox-test-ca.pem "$AWSENV_CA"
	guest_env AWS_CA_BUNDLE=/etc/luksbox-test-ca.pem
	guest_env AWS_EC2_METADATA_SERVICE_ENDPOINT=http://10.0.2.101:80
	guest_env "LB_KEY1=$AWSENV_KEY1_ARN"
	guest_env "LB_KEY2=$AWSENV_KEY2_ARN"
	guest_env "LB_KEY3=$AWSENV_KEY3_ARN" # in eu-west-1
}

aws_stop() {
	[ -n "$aws_dir" ] && "$awsenv" stop "$aws_dir" >/dev/null 2>&1
	aws_dir=
}

# aws_ctl fault|imds|deny|allow|key ARGS...: change the fake AWS between
# boots.
aws_ctl() {
	"$awsenv" "$1" "$aws_dir" "${@:2}" >>"$work/awsenv.log" 2>&1 ||
		{ echo "FAIL $scenario: awsenv $*: $(tail -n 1 "$work/awsenv.log")"; scen_failed=1; }
}
