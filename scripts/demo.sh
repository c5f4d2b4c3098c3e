#!/bin/bash
# Boot the kernel once in demo mode and print what the guest showed.
#   usage: demo.sh patched|base
set -eu
. "$(dirname "$0")/common.sh"
TIMEOUT=${TIMEOUT:-300} "$(dirname "$0")/run-qemu.sh" "$1" demo || rc=$?
tr -d '\r' <"$LOGS/$1-demo.tap.log" | grep -v '^=== GUEST' || true
tr -d '\r' <"$LOGS/$1-demo.tap.log" | grep -q '^=== GUEST DONE' ||
	die "the demo did not finish (rc=${rc:-0}); see $LOGS/$1-demo.console.log"
