#!/bin/sh
# Runs inside the guest's chroot: the demonstration, the bench, or every
# test listed for this boot mode in /guest/tests.list, each framed by
# BEGIN/END lines that the host parses (scripts/summarize.sh). A second
# argument runs only the test of that name.
mode=$1
only=${2:-}

case "$mode" in
demo) exec /bin/sh /guest/demo.sh ;;
*-bench) exec /bin/sh /guest/bench.sh "$mode" ;;
esac

grep -v '^\s*\(#\|$\)' /guest/tests.list | while read -r m name path limit args; do
	[ "$m" = "$mode" ] || continue
	[ -z "$only" ] || [ "$name" = "$only" ] || continue
	work=/scratch/$name
	rm -rf "$work"
	mkdir -p "$work"
	cd "$work" || exit 1
	echo "=== BEGIN $name"
	# shellcheck disable=SC2086
	timeout -s KILL "$limit" "/tests/$path" $args </dev/null
	echo "=== END $name rc=$?"
	cd /
	rm -rf "$work"
done
