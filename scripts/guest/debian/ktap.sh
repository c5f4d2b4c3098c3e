# shellcheck shell=sh
# KTAP for the Debian guest's shell tests; sourced. Exit code as
# kselftest's: 0 all passed, 1 a failure, 4 all skipped.
ktap_n=0 ktap_fail=0 ktap_pass=0
# The debug kernel runs several times slower (run.sh): waits scale.
slow=${MEMCG_TEST_SLOW:-1}

ktap_plan() {
	echo "TAP version 13"
	echo "1..$1"
}

say() {
	echo "# $*"
}

# pass|fail NAME [REASON]; skip NAME REASON
pass() {
	ktap_n=$((ktap_n + 1)) ktap_pass=$((ktap_pass + 1))
	echo "ok $ktap_n $1"
}

fail() {
	ktap_n=$((ktap_n + 1)) ktap_fail=$((ktap_fail + 1))
	[ -z "${2:-}" ] || say "$2"
	echo "not ok $ktap_n $1"
}

skip() {
	ktap_n=$((ktap_n + 1))
	echo "ok $ktap_n $1 # SKIP $2"
}

# check NAME COMMAND...: pass if COMMAND succeeds
check() {
	name=$1
	shift
	if "$@"; then pass "$name"; else fail "$name"; fi
}

ktap_exit() {
	[ $ktap_fail = 0 ] || exit 1
	[ $ktap_pass -gt 0 ] || exit 4
	exit 0
}

# wait_for SECONDS COMMAND...: run COMMAND every 0.2 s until it succeeds,
# for up to SECONDS times the slowness factor
wait_for() {
	tries=$(($1 * 5 * slow))
	shift
	while ! "$@"; do
		tries=$((tries - 1))
		[ $tries -gt 0 ] || return 1
		sleep 0.2
	done
}

# The kernel has the series: the sysctl of its OOM handler grace period.
has_series() {
	[ -e /proc/sys/vm/oom_handler_grace_ms ]
}

now_ms() {
	echo $(($(date +%s%N) / 1000000))
}
