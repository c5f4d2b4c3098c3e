#!/bin/sh
# The Debian guest's OOM bench (make bench, scripts/bench-daemons.sh): the
# same OOM, REPS times, with each contender that acts on it:
#   kernel    the kernel OOM killer alone
#   oomd      systemd-oomd, with the settings systemd documents
#             (ManagedOOMMemoryPressure=kill on the slice, its default
#             limit and duration from oomd.conf; ManagedOOMPreference=avoid
#             on the important job; ManagedOOMSwap=kill on -.slice for the
#             system-wide OOM)
#   earlyoom  Debian's earlyoom with its default settings (system-wide only)
#   handler   tools/mm/oom_handler as a service, with a reserve (kernels
#             with the series only)
# Scenarios: "slice", jobs.slice with MemoryMax=160M and MemorySwapMax=64M;
# "system", the same jobs with no limit in a guest of MEM with a 128 MiB
# swap file. In both, an important job (48 MiB, OOMScoreAdjust=-100, its
# own loop latency probed) and a batch job (OOMScoreAdjust=500) that
# grows without bound. One "BENCH" line per run (scripts/bench-daemons.sh).
#   usage: oom_bench.sh [REPS[,CONTENDER[+CONTENDER...]]]   (ONLY= on the host)
reps=${1:-5}
only=
case "$reps" in *,*) only=${reps#*,} reps=${reps%%,*} ;; esac
. /guest/debian/ktap.sh
S=/sys/fs/cgroup
J=$S/jobs.slice
series=false
has_series && series=true

say "kernel $(uname -r), $(nproc) cpus, $(awk '/MemTotal/ { print $2 }' /proc/meminfo) KiB," \
	"systemd $(systemctl --version | sed -n '1s/^systemd \([0-9]*\).*/\1/p')," \
	"earlyoom $(earlyoom -v 2>&1 | sed -n '1s/^earlyoom v*//p'), series $series"
say "oomd.conf: $(grep -v '^#' /etc/systemd/oomd.conf | tr '\n' ' ')"
say "earlyoom: $(grep -v '^#' /etc/default/earlyoom | tr '\n' ' ')"

dd if=/dev/zero of=/swapfile bs=1M count=128 status=none
chmod 600 /swapfile
mkswap /swapfile >/dev/null
swapon /swapfile

# setup SCENARIO CONTENDER: the slice, the daemon and its settings
setup() {
	mkdir -p /run/systemd/system
	{
		echo "[Slice]"
		if [ "$1" = slice ]; then
			echo "MemoryMax=160M"
			echo "MemorySwapMax=64M"
		fi
		[ "$2" != oomd ] || echo "ManagedOOMMemoryPressure=kill"
	} >/run/systemd/system/jobs.slice
	rm -rf /run/systemd/system/-.slice.d
	if [ "$2" = oomd ] && [ "$1" = system ]; then
		mkdir -p /run/systemd/system/-.slice.d
		printf '[Slice]\nManagedOOMSwap=kill\n' >/run/systemd/system/-.slice.d/oomd.conf
	fi
	systemctl daemon-reload
	case "$2" in
	oomd)
		systemctl unmask -q systemd-oomd.socket systemd-oomd.service
		systemctl start systemd-oomd.service
		;;
	earlyoom)
		# As root (mkdebian.sh), with Debian's arguments.
		systemctl unmask -q earlyoom.service
		systemctl start earlyoom.service
		;;
	handler)
		if [ "$1" = slice ]; then
			sysctl -q vm.oom_handler_grace_ms=3000
			systemctl start oom_handler@jobs.service
		else
			sysctl -q vm.oom_handler_grace_ms=1000
			sysctl -q vm.oom_handler_system_reserve_kbytes=8192
			systemd-run -q --unit=oom-root -p OOMScoreAdjust=-1000 \
				/usr/local/sbin/oom_handler -b 524288 $S
		fi
		sleep 2
		;;
	esac
	case "$2" in
	oomd | earlyoom)
		u=earlyoom.service
		[ "$2" = earlyoom ] || u=systemd-oomd.service
		systemctl -q is-active $u ||
			say "$2: $u is not running: $(systemctl status --no-pager -l $u 2>&1 | tail -n 3 | tr '\n' ' ')"
		;;
	esac
}

# log UNIT: what UNIT logged in this run
log() {
	journalctl -q -b -o cat --since=@"$since" -u "$1" 2>/dev/null
}

teardown() {
	systemctl stop batch.service important.service 2>/dev/null
	systemctl reset-failed batch.service important.service 2>/dev/null
	systemctl stop oom_handler@jobs.service oom-root.service systemd-oomd.service \
		systemd-oomd.socket earlyoom.service 2>/dev/null
	systemctl reset-failed oom_handler@jobs.service oom-root.service 2>/dev/null
	systemctl mask -q systemd-oomd.socket systemd-oomd.service earlyoom.service
	# The slice's settings (the handler's memory.oom.reserve) go with it.
	systemctl stop jobs.slice 2>/dev/null
	if $series; then
		sysctl -q vm.oom_handler_grace_ms=0
		sysctl -q vm.oom_handler_system_reserve_kbytes=0
	fi
	sync
	echo 3 >/proc/sys/vm/drop_caches
	# Every run starts with an empty swap: what the last one pushed out
	# would bring the next one's thresholds closer.
	swapoff /swapfile && swapon /swapfile
}

# run SCENARIO CONTENDER REP
run() {
	setup "$1" "$2"
	since=$(date +%s)
	rm -f /run/probe.stall
	pref=
	[ "$2" != oomd ] || pref="-p ManagedOOMPreference=avoid"
	# shellcheck disable=SC2086
	systemd-run -q --unit=important --slice=jobs.slice -p OOMScoreAdjust=-100 \
		$pref /usr/local/bin/probe 48 /run/probe.stall
	sleep 2
	scope=$J
	[ "$1" = slice ] || scope=-
	systemd-run -q --unit=batch --slice=jobs.slice -p OOMScoreAdjust=500 \
		/usr/local/bin/hog 4096 2
	line=$(/usr/local/bin/oomwatch $scope $J/batch.service $J/important.service 150)
	stall=$(cat /run/probe.stall 2>/dev/null)
	# Whether the daemon killed something, from its own log.
	killer=none
	case "$2" in
	oomd) log systemd-oomd.service | grep -q 'Killed ' && killer=oomd ;;
	earlyoom) log earlyoom.service | grep -q 'sending SIG' && killer=earlyoom ;;
	handler) log "oom_handler@jobs.service" | grep -q ': killed ' && killer=handler
		log oom-root.service | grep -q ': killed ' && killer=handler ;;
	esac
	for u in systemd-oomd.service earlyoom.service oom_handler@jobs.service oom-root.service; do
		log $u | grep -E 'Killed|sending SIG|oom [0-9]+:' | sed "s/^/# $2: /"
	done
	echo "BENCH scenario $1 contender $2 rep $3 ${line#oomwatch: } stall ${stall:-0} daemon_killed $killer"
	teardown
}

# The contenders take turns, so that none always runs on a fresher or a
# more worn system than another.
for rep in $(seq 1 "$reps"); do
	for scenario in slice system; do
		for contender in kernel oomd earlyoom handler; do
			[ "$contender" != earlyoom ] || [ $scenario = system ] || continue
			[ "$contender" != handler ] || $series || continue
			case "+$only+" in "++" | *"+$contender+"*) ;; *) continue ;; esac
			run $scenario $contender "$rep"
		done
	done
done
swapoff /swapfile
rm -f /swapfile
