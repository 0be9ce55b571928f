# shellcheck shell=bash
# TAP results for the shell tests: tap_ok DESC CMD..., tap_is DESC GOT EXPECTED.
# tap_n counts results, tap_failed the failed ones; the plan is printed last.

tap_n=0
tap_failed=0

tap_ok() {
	local desc=$1
	shift
	tap_n=$((tap_n + 1))
	if "$@"; then
		echo "ok $tap_n - $desc"
	else
		echo "not ok $tap_n - $desc"
		tap_failed=$((tap_failed + 1))
		return 1
	fi
}

tap_is() {
	local desc=$1 got=$2 expected=$3
	tap_n=$((tap_n + 1))
	if [ "$got" = "$expected" ]; then
		echo "ok $tap_n - $desc"
	else
		echo "not ok $tap_n - $desc"
		printf '#   got:      %s\n#   expected: %s\n' "'$got'" "'$expected'"
		tap_failed=$((tap_failed + 1))
		return 1
	fi
}
