#!/bin/bash
# The table and the plot of the OOM bench against the daemons, from
# build/bench/raw/daemons-{base,patched}.log (scripts/bench-daemons.sh):
# build/bench/daemons.md and build/bench/daemons.png.
set -eu
. "$(dirname "$0")/common.sh"
OUT=$BUILD/bench
MD=$OUT/daemons.md

# One line per run: kernel scenario contender kill freed batch important
# stall kernel_kills killer
runs() {
	for v in base patched; do
		f=$OUT/raw/daemons-$v.log
		[ -f "$f" ] || continue
		awk -v kernel=$v '$1 == "BENCH" {
			delete kv
			for (i = 2; i < NF; i += 2) kv[$i] = $(i + 1)
			killer = kv["daemon_killed"] != "none" ? kv["daemon_killed"] : ""
			if (kv["kernel_kills"] > 0)
				killer = killer (killer != "" ? "+" : "") "kernel"
			if (killer == "")
				killer = "nobody"
			print kernel, kv["scenario"], kv["contender"], kv["kill"], kv["freed"],
			      kv["batch"], kv["important"], kv["stall"], kv["kernel_kills"], killer
		}' "$f"
	done
}

# Median and range of the values (-1: did not happen) of each group.
summary() {
	runs | sort -k2,2r -k3,3 -k1,1 | awk '
	function stats(list, n,   a, i, j, t, m, k) {
		k = 0
		for (i = 1; i <= n; i++) if (list[i] >= 0) a[++k] = list[i]
		if (k == 0) return "-"
		for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++)
			if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
		m = (k % 2) ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
		return sprintf("%d [%d-%d]%s", m, a[1], a[k], k < n ? sprintf(" (%d of %d)", k, n) : "")
	}
	function flush() {
		if (n == 0) return
		w = ""
		for (x in who) w = w (w == "" ? "" : ", ") x " " who[x]
		printf "| %s | %s | %s | %d | %s | %s | %d/%d | %d/%d | %s | %s | %s |\n",
			sc, co, ke, n, stats(kill, n), stats(freed, n), nb, n, n - ni, n,
			stats(stall, n), stats(kk, n), w
		n = 0; nb = 0; ni = 0; delete who
	}
	{
		key = $2 " " $3 " " $1
		if (key != last) { flush(); last = key; sc = $2; co = $3; ke = $1 }
		n++
		kill[n] = $4; freed[n] = $5; stall[n] = $8; kk[n] = $9
		if ($6 == "killed") nb++
		if ($7 == "killed") ni++
		who[$10]++
	}
	END { flush() }'
}

{
	echo "# OOM handling against what users run instead"
	echo
	for v in base patched; do
		f=$OUT/raw/daemons-$v.log
		[ -f "$f" ] || continue
		echo "- $v: $(sed -n 's/^# kernel/kernel/p' "$f" | head -n 1)"
	done
	f=$OUT/raw/daemons-patched.log
	[ -f "$f" ] || f=$OUT/raw/daemons-base.log
	# The settings come first; later lines with the same key are the
	# daemons' own logs.
	sed -n 's/^# \(oomd.conf\|earlyoom\):/- \1:/p' "$f" 2>/dev/null |
		awk -F: '!seen[$1]++'
	echo "- QEMU: TCG, 2 vCPUs, 768 MiB, a 128 MiB swap file; date $(date -u +%F)"
	echo
	echo "Times in ms from the first sign of the OOM (the slice's first charge at"
	echo "its limit, which starts reclaim and swap, or PSI memory stall;"
	echo "system-wide, the first PSI memory stall) to the first job killed and to"
	echo "its memory freed: median"
	echo "[min-max] over the runs. Worst stall: the longest the important job's"
	echo "10 ms loop was held up (ms). Killer: who killed, per run (daemon+kernel:"
	echo "both killed something in that run)."
	echo
	echo "| scenario | contender | kernel | runs | to kill | to freed | batch killed | important survived | worst stall | kernel kills | killer |"
	echo "|---|---|---|---|---|---|---|---|---|---|---|"
	summary
	echo
	echo "![OOM handling](daemons.png)"
} >"$MD"

# The plot: time to kill and worst stall, median and range, per row.
runs | sort -k2,2r -k3,3 -k1,1 | awk '
	{ key = $2 "/" $3 "/" $1; if (!(key in idx)) { idx[key] = ++n; name[n] = key }
	  i = idx[key]; c[i]++; k = $4 < 0 ? 150000 : $4; s = $8
	  kv[i, c[i]] = k; sv[i, c[i]] = s }
	function med(arr, i, m,   a, j, l, t) {
		for (j = 1; j <= m; j++) a[j] = arr[i, j]
		for (j = 1; j <= m; j++) for (l = j + 1; l <= m; l++) if (a[l] < a[j]) { t = a[j]; a[j] = a[l]; a[l] = t }
		lo = a[1]; hi = a[m]
		return (m % 2) ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2
	}
	END {
		for (i = 1; i <= n; i++) {
			km = med(kv, i, c[i]); klo = lo; khi = hi
			sm = med(sv, i, c[i])
			printf "%d \"%s\" %s %s %s %s %s %s\n", i - 1, name[i], km, klo, khi, sm, lo, hi
		}
	}' >"$OUT/daemons.dat"
if command -v gnuplot >/dev/null && [ -s "$OUT/daemons.dat" ]; then
	gnuplot <<EOG
set terminal pngcairo size 1400,800 font ",10"
set output "$OUT/daemons.png"
set multiplot layout 2,1
set style fill solid 0.5
set boxwidth 0.6
set offsets 0.5, 0.5, 0, 0
set logscale y
set grid ytics
set xtics rotate by -30 scale 0
set ylabel "ms (log)"
set title "From the first sign of the OOM to the first kill (median, range; 150000 = no kill)"
plot "$OUT/daemons.dat" using 1:(\$3 > 0 ? \$3 : 1):(\$4 > 0 ? \$4 : 1):5:(0.3):xtic(2) with boxerrorbars notitle
set title "Worst stall of the important job (median, range)"
plot "$OUT/daemons.dat" using 1:(\$6 > 0 ? \$6 : 1):(\$7 > 0 ? \$7 : 1):8:(0.3):xtic(2) with boxerrorbars notitle
unset multiplot
EOG
fi
cat "$MD"
