#!/bin/bash
# make bench, second part: the series' reference handler against what
# users run instead (systemd-oomd, earlyoom) and the kernel OOM killer
# alone, on the same OOMs, in the Debian guest (scripts/guest/debian/
# oom_bench.sh), on the base and the patched kernel; then the table
# (build/bench/daemons.md) and the plot (build/bench/daemons.png).
#   Environment: REPS (default 5), TIMEOUT (per boot, default 5400),
#   CONTENDER (run those contenders only, e.g. earlyoom+handler, replacing
#   their runs in the logs).
# The boots run one after the other with 2 vCPUs each (no instruction
# counting: the daemons poll in real time).
set -eu
. "$(dirname "$0")/common.sh"
S=$(dirname "$0")
OUT=$BUILD/bench
REPS=${REPS:-5}
mkdir -p "$OUT/raw"
export TIMEOUT=${TIMEOUT:-5400}
for variant in base patched; do
	ONLY=$REPS${CONTENDER:+,$CONTENDER} "$S/step.sh" \
		"OOM bench: $variant kernel, $REPS repetitions${CONTENDER:+ of $CONTENDER}" \
		"$S/run-qemu.sh" "$variant" debian-oombench-768M || true
	raw=$OUT/raw/daemons-$variant.log
	new=$LOGS/$variant-debian-oombench-768M.tap.log
	if ! grep -q '^BENCH ' "$new" 2>/dev/null; then
		echo "OOM bench: no result from the $variant boot, see $new" >&2
	elif [ -n "${CONTENDER:-}" ] && [ -f "$raw" ]; then
		re="contender \($(echo "$CONTENDER" | sed 's/+/\\|/g')\) \|^# \($(echo "$CONTENDER" | sed 's/+/\\|/g')\): "
		{ grep -v "$re" "$raw" || true
		  grep "$re" "$new" || true
		} | tr -d '\r' >"$raw.new"
		mv "$raw.new" "$raw"
	else
		tr -d '\r' <"$new" >"$raw"
	fi
done
"$S/bench-daemons-report.sh"
