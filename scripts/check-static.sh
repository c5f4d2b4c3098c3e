#!/bin/bash
# Static checks of the series: series and patches/ agree, every patch has a
# Subject and a Signed-off-by and is checkpatch --strict clean, overlay C
# files are checkpatch clean, and no patch creates a file of the overlay.
set -eu
. "$(dirname "$0")/common.sh"
CHECKPATCH="perl $BASE_SRC/scripts/checkpatch.pl --strict --no-tree --color=never"
[ -f "$BASE_SRC/scripts/checkpatch.pl" ] || die "base tree missing: run 'make prepare'"

fail=0
bad() {
	echo "FAIL static: $*"
	fail=$((fail + 1))
}

series=$(grep -v '^\s*\(#\|$\)' "$TOP/series" | awk '{print $1}')
for p in $series; do
	[ -f "$TOP/patches/$p" ] || bad "series names patches/$p, which does not exist"
done
for f in "$TOP"/patches/*; do
	[ -e "$f" ] || continue
	p=$(basename "$f")
	echo "$series" | grep -qxF "$p" || bad "patches/$p is not in series"
done

overlay=$(overlay_files)
n=0
for p in $series; do
	f=$TOP/patches/$p
	[ -f "$f" ] || continue
	n=$((n + 1))
	grep -q '^Subject: ' "$f" || bad "$p: no Subject:"
	grep -q '^Signed-off-by: ' "$f" || bad "$p: no Signed-off-by:"
	# Files the patch creates must not be overlay files.
	awk '/^--- \/dev\/null/ { getline; sub(/^\+\+\+ b\//, ""); print }' "$f" |
	while read -r created; do
		if echo "$overlay" | grep -qxF "$created"; then
			echo "FAIL static: $p creates $created, which is in the overlay"
		fi
	done | grep . && fail=$((fail + 1))
	# From the top, on the path git tracks, as reviewers' hooks run it:
	# checkpatch then reads a tracked patch file as source as well.
	if ! out=$(cd "$TOP" && $CHECKPATCH "patches/$p" 2>&1); then
		bad "$p: checkpatch --strict:"
		echo "$out" | grep -E '^(ERROR|WARNING|CHECK)|^#' | head -n 20 | sed 's/^/    | /'
	fi
done

m=0
for f in $(echo "$overlay" | grep -E '\.[ch]$' || true); do
	m=$((m + 1))
	if ! out=$($CHECKPATCH -f "$TOP/$f" 2>&1); then
		bad "$f: checkpatch --strict:"
		echo "$out" | grep -E '^(ERROR|WARNING|CHECK)|^#' | head -n 20 | sed 's/^/    | /'
	fi
done

if [ $fail = 0 ]; then
	echo "PASS static: $n patches and $m overlay C files clean"
fi
exit $((fail > 0))
