#!/bin/bash
# Run one pipeline step, printing its name and elapsed time; the times are
# also appended to build/logs/steps.log.
#   usage: step.sh NAME COMMAND [ARGS...]
set -eu
. "$(dirname "$0")/common.sh"
name=$1
shift
echo "==> $name"
start=$(date +%s)
"$@" && rc=0 || rc=$?
secs=$(($(date +%s) - start))
echo "$(date -u +%FT%TZ) $name ${secs}s rc=$rc" >>"$LOGS/steps.log"
if [ $rc = 0 ]; then
	echo "<== $name: ${secs}s"
else
	echo "<== $name: FAILED after ${secs}s"
fi
exit $rc
