#!/bin/bash
# Build the selftests the guest runs, statically, with upstream kselftest
# flags (no -O2: alloc_anon() and friends must not be optimised away),
# from the patched tree against its own UAPI headers. The same binaries
# run on the base kernel for BASE=1, so results compare like with like.
set -eu
. "$(dirname "$0")/common.sh"
variant_dirs patched
[ -d "$OBJ/usr/include" ] || die "UAPI headers missing: run 'make kernel'"

OUT=$BUILD/tests
mkdir -p "$OUT"
for dir in $(awk '!/^[[:space:]]*(#|$)/ && $3 !~ /\.sh$/ { sub("/[^/]*$", "", $3); print $3 }' \
		"$TOP/scripts/guest-tests.list" | sort -u); do
	echo "building selftests/$dir"
	mkdir -p "$OUT/$dir"
	if ! make -C "$SRC/tools/testing/selftests/$dir" OUTPUT="$OUT/$dir" \
		LDFLAGS=-static KHDR_INCLUDES="-isystem $OBJ/usr/include" \
		>"$LOGS/tests-$(echo "$dir" | tr / -).log" 2>&1; then
		grep -E 'error|warning' "$LOGS/tests-$(echo "$dir" | tr / -).log" | head -n 20 >&2
		die "building selftests/$dir failed"
	fi
done
# The reference OOM handler (tools/mm), the demo's memory hog, the
# guest side of make bench and the Debian guest's fork bomb, and the
# important job and the observer of its OOM bench.
mkdir -p "$OUT/mm" "$OUT/demo"
gcc -static -O2 -Wall -o "$OUT/mm/oom_handler" "$SRC/tools/mm/oom_handler.c" ||
	die "building tools/mm/oom_handler failed"
gcc -static -O2 -Wall -o "$OUT/demo/hog" "$TOP/scripts/guest/hog.c" ||
	die "building the demo's hog failed"
gcc -static -O2 -Wall -o "$OUT/demo/bench" "$TOP/scripts/guest/bench.c" ||
	die "building the bench failed"
for prog in forkbomb probe oomwatch; do
	gcc -static -O2 -Wall -o "$OUT/demo/$prog" "$TOP/scripts/guest/$prog.c" ||
		die "building the Debian guest's $prog failed"
done
# The Debian guest's tests are shell scripts (scripts/guest/debian).
mkdir -p "$OUT/debian"
install -m 755 "$TOP"/scripts/guest/debian/*.sh "$OUT/debian/"
# Every listed test must exist and be static.
awk '!/^[[:space:]]*(#|$)/ { print $3 }' "$TOP/scripts/guest-tests.list" |
while read -r t; do
	[ -x "$OUT/$t" ] || die "listed test $t was not built"
	case "$t" in *.sh) continue ;; esac
	file "$OUT/$t" 2>/dev/null | grep -q 'statically linked' ||
		die "$t is not statically linked"
done
