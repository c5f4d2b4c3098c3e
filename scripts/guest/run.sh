#!/bin/sh
# Runs inside the guest's chroot: the demonstration, the bench, or every
# test listed for this boot mode in /guest/tests.list, each framed by
# BEGIN/END lines that the host parses (scripts/summarize.sh). A second
# argument runs only the test of that name; a third multiplies every
# test's time limit (the debug kernel runs several times slower).
mode=$1
only=${2:-}
slow=${3:-1}
# Tests that wait for the kernel scale their waits by it.
export MEMCG_TEST_SLOW=$slow

case "$mode" in
demo) exec /bin/sh /guest/demo.sh ;;
*-bench) exec /bin/sh /guest/bench.sh "$mode" "$only" ;;
esac

grep -v '^\s*\(#\|$\)' /guest/tests.list | while read -r m name path limit args; do
	[ "$m" = "$mode" ] || continue
	[ -z "$only" ] || [ "$name" = "$only" ] || continue
	work=/scratch/$name
	rm -rf "$work"
	mkdir -p "$work"
	cd "$work" || exit 1
	# A limit of NxT (e.g. 900x2): up to T runs while the test fails,
	# the failed runs' output kept as comments (scripts/guest-tests.list).
	tries=1
	case "$limit" in *x*) tries=${limit#*x} limit=${limit%x*} ;; esac
	echo "=== BEGIN $name"
	# shellcheck disable=SC2086
	while [ $tries -gt 1 ]; do
		timeout -s KILL $((limit * slow)) "/tests/$path" $args </dev/null >"$work.out" 2>&1
		rc=$?
		case $rc in 0 | 4) break ;; esac
		echo "# run failed (rc=$rc), running again; its output:"
		sed 's/^/# | /' "$work.out"
		tries=$((tries - 1))
	done
	if [ $tries -gt 1 ]; then
		cat "$work.out"
	else
		# shellcheck disable=SC2086
		timeout -s KILL $((limit * slow)) "/tests/$path" $args </dev/null
		rc=$?
	fi
	rm -f "$work.out"
	echo "=== END $name rc=$rc"
	cd /
	rm -rf "$work"
done

# A kernel with kmemleak (make check-debug): a scan after the tests, as a
# test of its own.
if [ -e /sys/kernel/debug/kmemleak ] && [ -z "$only" ]; then
	echo "=== BEGIN kmemleak"
	echo "TAP version 13"
	echo "1..1"
	echo scan >/sys/kernel/debug/kmemleak
	sleep 5
	echo scan >/sys/kernel/debug/kmemleak
	if grep -q '^unreferenced object' /sys/kernel/debug/kmemleak; then
		sed 's/^/# /' /sys/kernel/debug/kmemleak | head -n 200
		echo "not ok 1 kmemleak"
	else
		echo "ok 1 kmemleak"
	fi
	echo "=== END kmemleak rc=0"
fi
