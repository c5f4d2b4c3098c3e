#!/bin/bash
# Turn the guests' logs into results: one line per test, the tail of the
# output of each failure, and the closing line "N passed, N failed, N
# skipped". Exits non-zero on any failure, missing result, boot timeout or
# kernel report (BUG, WARNING, Oops, lockdep, KASAN, ...) on the console.
#   usage: summarize.sh VARIANT-MODE...   (e.g. patched-v2 patched-v1)
set -eu
. "$(dirname "$0")/common.sh"

REPORTS='BUG:|WARNING:|Oops|general protection fault|Kernel panic|possible circular locking|possible recursive locking|inconsistent lock state|suspicious RCU usage|KASAN|UBSAN|kernel BUG|soft lockup|hard LOCKUP|blocked for more than|unreferenced object|list_add corruption|list_del corruption|Bad page'

out=$LOGS/results.txt
: >"$out"
# Results of the static checks come first (check.sh).
if [ -n "${STATIC:-}" ] && [ -f "$STATIC" ]; then
	grep -E '^(PASS|FAIL|SKIP) ' "$STATIC" >>"$out" || true
fi
for run in "$@"; do
	tap=$LOGS/$run.tap.log
	console=$LOGS/$run.console.log
	[ -f "$tap" ] || { echo "FAIL $run: no log (the boot did not run)" >>"$out"; continue; }
	tr -d '\r' <"$tap" | awk -v run="$run" '
	function flush_fail(name, n,   i, s) {
		printf "FAIL %s\n", name
		s = (n > 15) ? n - 15 : 0
		for (i = s + 1; i <= n; i++)
			printf "    | %s\n", buf[i]
	}
	function result(kind, name) {
		printf "%s %s\n", kind, name
	}
	/^=== GUEST START/ { started = 1; next }
	/^=== GUEST DONE/ { done = 1; next }
	/^=== GUEST (ERROR|TIMEOUT)/ || /^=== QEMU FAILED/ { err = $0; next }
	/^=== BEGIN / { t = $3; nb = 0; nseg = 0; nres = 0; nfail = 0; plan = -1; inside = 1; split("", got); next }
	/^=== END / {
		rc = $4; sub("rc=", "", rc)
		if (plan >= 0 && nres < plan) {
			for (i = 1; i <= nseg; i++) buf[i] = seg[i]
			flush_fail(run "/" t ": " nres " of " plan " results (crashed or killed, rc=" rc ")", nseg)
		} else if (rc != 0 && rc != 4 && nfail == 0) {
			for (i = 1; i <= nb; i++) buf[i] = all[i]
			flush_fail(run "/" t ": exited with rc=" rc (rc == 137 ? " (time limit)" : ""), nb)
		} else if (nres == 0 && rc == 4) {
			result("SKIP", run "/" t)
		} else if (nres == 0 && rc == 0) {
			result("PASS", run "/" t)
		}
		inside = 0; seen[t] = 1; next
	}
	!inside { next }
	{ all[++nb] = $0; seg[++nseg] = $0 }
	/^1\.\.[0-9]+/ { plan = substr($1, 4) + 0; next }
	/^(not )?ok [0-9]+ / {
		# A child forked with results unflushed in its stdout (a file
		# here: fully buffered) prints them again as it exits: the
		# first line of each test number counts, once.
		num = ($1 == "not") ? $3 : $2
		if (num in got) { nseg = 0; next }
		got[num] = 1
		line = $0
		skip = (line ~ /# *[Ss][Kk][Ii][Pp]/)
		name = line; sub(/^(not )?ok [0-9]+ /, "", name); sub(/ *#.*/, "", name)
		nres++
		if (line ~ /^not ok/ && !skip) {
			nfail++
			for (i = 1; i <= nseg; i++) buf[i] = seg[i]
			flush_fail(run "/" t "/" name, nseg)
		} else if (skip) {
			reason = line; sub(/.*# *[Ss][Kk][Ii][Pp] */, "", reason)
			if (name == "") {
				# "ok 12 # SKIP name": kselftest puts the name after SKIP
				name = reason; reason = ""
			}
			result("SKIP", run "/" t "/" name (reason != "" ? " (" reason ")" : ""))
		} else {
			result("PASS", run "/" t "/" name)
		}
		nseg = 0
	}
	END {
		if (inside) {
			for (i = 1; i <= nb; i++) buf[i] = all[i]
			flush_fail(run "/" t ": no end (guest died or timed out)", nb)
		}
		if (err != "")
			printf "FAIL %s: %s\n", run, err
		else if (!started)
			printf "FAIL %s: the guest never started its tests\n", run
		else if (!done)
			printf "FAIL %s: the guest did not finish\n", run
	}' >>"$out"
	[ -f "$console" ] || continue
	tr -d '\r' <"$console" | grep -E "$REPORTS" | head -n 5 |
		sed "s/^/FAIL $run: kernel report: /" >>"$out" || true
	# A guest that died: the end of its console says why.
	if ! tr -d '\r' <"$tap" | grep -q '^=== GUEST DONE'; then
		echo "    console ($console), last lines:" >>"$out"
		tr -d '\r' <"$console" | tail -n 15 | sed 's/^/    | /' >>"$out"
	fi
done

# Known failures of one kind of boot (scripts/xfail.list): reported as
# skipped, with the reason, and without their output.
if [ -f "$TOP/scripts/xfail.list" ]; then
	awk 'NR == FNR {
		if ($0 ~ /^[[:space:]]*(#|$)/) next
		n++; runs[n] = $1; tests[n] = $2
		why[n] = $0; sub(/^[^[:space:]]+[[:space:]]+[^[:space:]]+[[:space:]]+/, "", why[n])
		next
	}
	/^FAIL / {
		drop = 0
		run = $2; sub(/\/.*/, "", run)
		for (i = 1; i <= n; i++) {
			if (run ~ ("^" runs[i] "$") && $2 == run "/" tests[i]) {
				printf "SKIP %s (known failure here: %s)\n", $2, why[i]
				drop = 1
				next
			}
		}
	}
	/^    \| / && drop { next }
	!/^    \| / { drop = 0 }
	{ print }' "$TOP/scripts/xfail.list" "$out" >"$out.tmp"
	mv "$out.tmp" "$out"
fi
cat "$out"
pass=$(grep -c '^PASS' "$out" || true)
fail=$(grep -c '^FAIL' "$out" || true)
skip=$(grep -c '^SKIP' "$out" || true)
if [ "$fail" -gt 0 ]; then
	echo
	echo "failed:"
	grep '^FAIL' "$out" | sed 's/^FAIL /  /'
fi
echo
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ] && [ "$pass" -gt 0 ]
