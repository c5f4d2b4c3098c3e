#!/bin/bash
# make check: the static checks, then one guest boot per cgroup mode that
# has tests (cgroup v2, then v1), then the summary.
#   usage: check.sh patched|base
set -eu
. "$(dirname "$0")/common.sh"
variant=$1
S=$(dirname "$0")

"$S/check-static.sh" >"$LOGS/static.txt" 2>&1 || true
cat "$LOGS/static.txt"

runs=
for mode in $(awk '!/^[[:space:]]*(#|$)/ { if (!seen[$1]++) print $1 }' "$TOP/scripts/guest-tests.list"); do
	"$S/step.sh" "boot $variant kernel, cgroup $mode tests" "$S/run-qemu.sh" "$variant" "$mode" || true
	runs="$runs $variant-$mode"
done
# shellcheck disable=SC2086
STATIC=$LOGS/static.txt "$S/summarize.sh" $runs
