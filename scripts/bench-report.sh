#!/bin/bash
# Turn the bench's raw logs (build/bench/raw/VARIANT-MODE-rROUND.log) into
# a table on the terminal, build/bench/report.md and build/bench/oom.png.
# Ratios are patched/base: each round's boots of the two kernels are
# compared with each other, and the median and the range of those ratios
# are reported. Guest time counts instructions (scripts/bench.sh).
set -eu
. "$(dirname "$0")/common.sh"
OUT=$BUILD/bench
RAW=$OUT/raw
ls "$RAW"/*.log >/dev/null 2>&1 || die "no bench logs in $RAW: run 'make bench'"

# name setting -> "mode variant round value" rows, numeric results only.
awk '
	FNR == 1 { n = split(FILENAME, p, "/"); f = p[n]; sub(/\.log$/, "", f)
		split(f, q, "-"); variant = q[1]; mode = q[2]; round = substr(q[3], 2) }
	/^RESULT / && $4 != "-" { print mode, $2, $3, variant, round, $4, $5 }
' "$RAW"/*.log >"$OUT/results.txt"

# The workloads: per mode, name and setting, the median rate of each
# kernel and the patched/base ratio of each round.
awk '
	function median(a, n,   i, j, t) {
		for (i = 2; i <= n; i++)
			for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
				t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
			}
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	# "noise": the median misses the target but a round meets it.
	function verdict(m, hi, target) {
		return m >= target ? "met" : hi >= target ? "noise" : "MISSED"
	}
	$2 ~ /^(fork|mkdir|create|fault|pipe)$/ {
		k = $1 " " $2 " " $3; keys[k] = 1; unit[k] = $7
		v[k, $4, $5] = $6; rounds[$5] = 1
	}
	END {
		for (k in keys) {
			nb = np = nr = 0
			split("", b); split("", p); split("", rt)
			for (r in rounds) {
				if ((k, "base", r) in v) b[++nb] = v[k, "base", r]
				if ((k, "patched", r) in v) p[++np] = v[k, "patched", r]
				if ((k, "base", r) in v && (k, "patched", r) in v &&
				    v[k, "base", r] > 0)
					rt[++nr] = v[k, "patched", r] / v[k, "base", r]
			}
			if (!nr)
				continue
			lo = hi = rt[1]
			for (i = 2; i <= nr; i++) {
				if (rt[i] < lo) lo = rt[i]
				if (rt[i] > hi) hi = rt[i]
			}
			split(k, f, " ")
			target = f[2] == "fault" ? 0.99 : f[3] == "kmem" ? 0.97 : 0.99
			m = median(rt, nr)
			printf "%s %s %s %.0f %.0f %.3f %.3f %.3f %.2f %s %s\n", f[1], f[2],
			       f[3], median(b, nb), median(p, np), m, lo, hi,
			       target, verdict(m, hi, target), unit[k]
		}
	}
' "$OUT/results.txt" | sort -k1,1r -k2,2 -k3,3 >"$OUT/ratios.txt"

# The OOM scenarios: every value of every boot, by kernel.
oom_rows() {
	awk '/^RESULT (reap|handler-|forkbomb-)/ {
		n = split(FILENAME, p, "/"); f = p[n]; sub(/\.log$/, "", f)
		v = $4; for (i = 5; i <= NF; i++) v = v " " $i
		print $2, $3, f, v
	}' "$RAW"/*.log | sort
}

# Counts and latencies (RESULT pcw-* and lat-*): per mode, name and
# setting, the median over the rounds of each kernel, and patched - base.
medians() {
	awk -v pat="$1" '
		function median(a, n,   i, j, t) {
			for (i = 2; i <= n; i++)
				for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
					t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
				}
			return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
		}
		$2 ~ pat { k = $1 " " $2 " " $3; keys[k] = 1; unit[k] = $7
			n[k, $4]++; v[k, $4, n[k, $4]] = $6 }
		END {
			for (k in keys) {
				for (var = 0; var < 2; var++) {
					name = var ? "patched" : "base"
					split("", a)
					for (i = 1; i <= n[k, name]; i++)
						a[i] = v[k, name, i]
					m[var] = n[k, name] ? median(a, n[k, name]) : "-"
				}
				d = m[0] != "-" && m[1] != "-" ? sprintf("%+.3f", m[1] - m[0]) : "-"
				print k, m[0], m[1], d, unit[k]
			}
		}' "$OUT/results.txt" | sort -k1,1r -k2,2 -k3,3V
}

# medians_table PREFIX COLUMN2 COLUMN3 UNIT: the medians of the PREFIX-*
# results as a markdown table, UNIT after the values of each kernel.
medians_table() {
	echo "| mode | $2 | $3 | base | patched | patched - base |"
	echo "|---|---|---|---:|---:|---:|"
	medians "^$1-" | awk -v p="^$1-" -v u="$4" '{ sub(p, "", $2)
		printf "| %s | %s | %s | %s%s | %s%s | %s |\n", $1, $2, $3, $4, u, $5, u, $6 }'
}

config_hash=$(sha256sum "$BUILD/patched/obj/.config" 2>/dev/null | cut -c1-12)
qemu=$(qemu-system-x86_64 --version | head -n 1)
{
	echo "# make bench: the cost of the series and the speed of OOM resolution"
	echo
	echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "- base: $(cat "$BUILD/base/obj/include/config/kernel.release" 2>/dev/null) (unpatched), patched: the same plus the series, one config (tinyconfig + kernel/configs/memcg-qemu.config, sha256 $config_hash)"
	echo "- QEMU: $qemu, TCG with instruction counting (-accel tcg,thread=single -icount shift=0,sleep=off -cpu max), 2 vCPUs, 2 GiB, the same disk and swap for every boot"
	echo "- $(ls "$RAW"/*.log | wc -l) boots, base and patched side by side (a host core each); each workload and setting is the median of 3 samples of 1 s, on one vCPU"
	echo
	echo "Guest time is instruction time (-icount shift=0: one instruction, one"
	echo "nanosecond), so rates and milliseconds here count the guest's work, not"
	echo "the host's wall clock: boots of one kernel agree within 1-2%. TCG is no"
	echo "real CPU (no caches, no real costs of atomics or TLB misses): compare the"
	echo "kernels by the ratios of one run, not by the rates."
	echo "Ratio = patched / base, median of the rounds, [range]. Verdict: met;"
	echo "noise (the median misses the target, a round meets it: more rounds,"
	echo "ROUNDS=n, decide); MISSED (every round misses it)."
	echo
	echo "## Workloads"
	echo
	echo "| mode | workload | setting | base | patched | ratio [range] | target | |"
	echo "|---|---|---|---:|---:|---|---|---|"
	awk '{ printf "| %s | %s | %s | %s %s | %s | %.3f [%.3f-%.3f] | >= %s | %s |\n",
		$1, $2, $3, $4, $11, $5, $6, $7, $8, $9, $10 }' "$OUT/ratios.txt"
	echo
	echo "Settings: root = the root cgroup; memcg = a memory cgroup, memory limit 1G,"
	echo "no kmem limit; kmem = the same with a kmem limit of 512M, never reached"
	echo "(the base has no kmem limit on v2 and ignores it on v1)."
	echo
	echo "## Shared-counter writes"
	echo
	echo "page_counter charge and uncharge calls (all counters) per operation,"
	echo "counted with kprobes on page_counter_try_charge, page_counter_charge and"
	echo "page_counter_uncharge, in a cgroup at depth 1, 3 or 6, without and with"
	echo "(-kmem) a 512M kmem limit on it, never reached; median of the rounds."
	echo "A call writes one shared cache line per level it walks: the memory"
	echo "counter d + 1 (the root's included), the kmem counter d (patched; the"
	echo "root's kmem counter is not charged)."
	echo
	medians_table pcw workload depth ""
	echo
	echo "## Latency next to a cgroup at its kmem limit"
	echo
	echo "A task in the root cgroup creates and unlinks a file in a tmpfs"
	echo "directory for 3 s (guest instruction time) while 4 tasks of another"
	echo "cgroup create files there until that fails (hammer-kmem4M: at a 4M kmem"
	echo "limit; hammer-nolimit: at 5000 files each), unlink half and go on; idle:"
	echo "alone; forkbomb: next to the fork bomb below. The base has no kmem limit:"
	echo "its kmem4M row runs without one."
	echo
	medians_table lat percentile setting " us"
	echo
	echo "## OOM resolution"
	echo
	echo "| measurement | setting | boot | value |"
	echo "|---|---|---|---|"
	oom_rows | awk '{ v = $4; for (i = 5; i <= NF; i++) v = v " " $i
		printf "| %s | %s | %s | %s |\n", $1, $2, $3, v }'
	echo
	echo "- reap: a registered handler kills a victim of its cgroup during an OOM;"
	echo "  time until 30 of the victim's 40 MiB are back. A stuck victim is held in"
	echo "  uninterruptible sleep (test_oom_reaper.ko, patched only). Target for"
	echo "  a stuck victim: under 100 ms."
	echo "- handler-report/kill/freed: the demo's 64M job cgroup; the reference"
	echo "  handler needs 2M to act; from the OOM event to its 2M report, to its"
	echo "  kill, to the memory freed. Grace period 3 s."
	echo "- forkbomb: b() { b | b & } in a cgroup with U = 512M and, where the"
	echo "  kernel has one, K = 24M: a probe's loop rate outside the cgroup during"
	echo "  the bomb against idle, the bomb's tasks after 3 s, and whether the kmem"
	echo "  limit stopped it. Without a cpu controller the probe competes with"
	echo "  every task of the bomb: its fair share is 2 vCPUs / (tasks + 1), about"
	echo "  1% for 200 tasks; what it shows is that the guest keeps running."
	echo
	echo "![OOM timelines](oom.png)"
} >"$OUT/report.md"

# The terminal table.
printf '%-4s %-7s %-7s %12s %12s %8s %17s %s\n' mode workload setting base patched ratio range target
awk '{ printf "%-4s %-7s %-7s %12s %12s %8.3f %8.3f-%-8.3f %s %s\n", $1, $2, $3, $4, $5, $6, $7, $8, $9, $10 }' "$OUT/ratios.txt"
echo
oom_rows | awk '{ v = $4; for (i = 5; i <= NF; i++) v = v " " $i
	printf "%-20s %-12s %-18s %s\n", $1, $2, $3, v }'
echo
printf '%-4s %-12s %-16s %12s %12s %10s\n' mode count setting base patched diff
medians '^(pcw|lat)-' | awk '{ printf "%-4s %-12s %-16s %12s %12s %10s %s\n", $1, $2, $3, $4, $5, $6, $7 }'
echo "(ratios: patched/base; guest time counts instructions: 1 ns each)"

# The plot: usage over time in the handler scenario, with and without a
# reserve, and after a handler's kill of a normal and a stuck victim.
if command -v gnuplot >/dev/null; then
	first=$(ls "$RAW"/patched-v2-r*.log | head -n 1)
	for s in handler-8M handler-0 reap-normal reap-stuck; do
		awk -v s="$s" '$1 == "TIMELINE" && $2 == s { print $3, $4 / 1024 }' \
			"$first" >"$OUT/$s.dat"
	done
	base=$(ls "$RAW"/base-v1-r*.log 2>/dev/null | head -n 1)
	awk '$1 == "TIMELINE" && $2 == "reap-normal" { print $3, $4 / 1024 }' \
		${base:-/dev/null} >"$OUT/reap-normal-base.dat"
	gnuplot <<-GP
		set terminal pngcairo size 1200,500 font ",10"
		set output "$OUT/oom.png"
		set multiplot layout 1,2
		set title "OOM in a 64 MiB job cgroup: the handler needs 2 MiB (patched, v2)"
		set xlabel "ms since the hog started growing"
		set ylabel "cgroup usage, MiB"
		set key bottom right
		set xrange [0:3000]
		plot "$OUT/handler-8M.dat" with lines lw 2 title "reserve 8M: the handler kills the low-priority job", \
		     "$OUT/handler-0.dat" with lines lw 2 title "reserve 0: the handler cannot act; the kernel OOM killer does", \
		     64 with lines dt 3 lc "black" title "memory.max"
		set xrange [*:*]
		set title "A handler kills a victim during an OOM"
		set xlabel "ms since kill(2)"
		set key top right
		plot "$OUT/reap-stuck.dat" with linespoints lw 2 title "stuck victim, patched: reaped", \
		     "$OUT/reap-normal.dat" with lines lw 2 title "normal victim, patched", \
		     "$OUT/reap-normal-base.dat" with lines lw 2 dt 2 title "normal victim, base (v1)"
		unset multiplot
	GP
	echo "report: $OUT/report.md, plot: $OUT/oom.png"
else
	echo "report: $OUT/report.md (no gnuplot: no plot)"
fi
