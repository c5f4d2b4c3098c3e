#!/bin/bash
# make bench: boot the unpatched base and the patched kernel the same way,
# side by side, ROUNDS times for each cgroup interface, run the guest's
# bench (scripts/guest/bench.sh) in each boot, then write the report.
#   Environment: ROUNDS (default 2), TIMEOUT (per boot, default 2400).
# Each boot measures every workload and setting as the median of 3
# samples of 1 s (scripts/guest/bench.sh).
set -eu
. "$(dirname "$0")/common.sh"
S=$(dirname "$0")
ROUNDS=${ROUNDS:-2}
OUT=$BUILD/bench
mkdir -p "$OUT/raw"
rm -f "$OUT"/raw/*.log

# Guest time counts instructions (QEMU -icount): under TCG, wall-clock
# rates vary by 10-30% from boot to boot with the host's load, instruction
# counts by less than 1-2%.
export TIMEOUT=${TIMEOUT:-2400} ICOUNT=1
echo "bench: $ROUNDS rounds x (v2, v1) x (base, patched), base and patched side by side"
# With instruction counting each guest runs on one host thread and its
# clock does not see the host's load, so the two kernels boot at the same
# time, one a core.
for round in $(seq 1 "$ROUNDS"); do
	for mode in v2 v1; do
		for variant in base patched; do
			"$S/step.sh" "bench round $round: $variant, cgroup $mode" \
				"$S/run-qemu.sh" "$variant" "$mode-bench" || true &
		done
		wait
		for variant in base patched; do
			tr -d '\r' <"$LOGS/$variant-$mode-bench.tap.log" \
				>"$OUT/raw/$variant-$mode-r$round.log"
		done
	done
done
"$S/bench-report.sh"
