#!/bin/bash
# make check: the static checks (and for the patched tree check-configs.sh),
# then one guest boot per cgroup mode that has tests (cgroup v2, then v1);
# for the patched kernel, the v2 boots again on the same tree built without
# CONFIG_MEMCG_V1; then the summary.
#   usage: check.sh patched|base|debug
set -eu
. "$(dirname "$0")/common.sh"
variant=$1
S=$(dirname "$0")

"$S/check-static.sh" >"$LOGS/static.txt" 2>&1 || true
# The series' C files under Debian's own configs (a few minutes, objects
# only); their PASS and FAIL lines count with the static checks'.
if [ "$variant" = patched ]; then
	"$S/step.sh" check-configs "$S/check-configs.sh" >>"$LOGS/static.txt" 2>&1 ||
		grep -q '^FAIL configs' "$LOGS/static.txt" ||
		echo "FAIL configs: check-configs.sh stopped, see above" >>"$LOGS/static.txt"
fi
cat "$LOGS/static.txt"

runs=
for mode in $(awk '!/^[[:space:]]*(#|$)/ { if (!seen[$1]++) print $1 }' "$TOP/scripts/guest-tests.list"); do
	"$S/step.sh" "boot $variant kernel, cgroup $mode tests" "$S/run-qemu.sh" "$variant" "$mode" || true
	runs="$runs $variant-$mode"
done
# Distributions ship 6.12 without CONFIG_MEMCG_V1: the v2 boots again on
# such a kernel (not the 32-vCPU one, upstream's test_kmem alone).
if [ "$variant" = patched ]; then
	"$S/step.sh" "kernel (v2only)" "$S/build-kernel.sh" v2only || true
	for mode in $(awk '!/^[[:space:]]*(#|$)/ && $1 ~ /^v2/ && $1 !~ /cpu$/ {
		if (!seen[$1]++) print $1 }' "$TOP/scripts/guest-tests.list"); do
		"$S/step.sh" "boot v2only kernel, cgroup $mode tests" "$S/run-qemu.sh" v2only "$mode" || true
		runs="$runs v2only-$mode"
	done
fi
# shellcheck disable=SC2086
STATIC=$LOGS/static.txt "$S/summarize.sh" $runs
