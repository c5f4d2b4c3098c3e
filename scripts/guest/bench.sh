#!/bin/sh
# The guest side of `make bench`, for one boot: the workloads in three
# settings (the root cgroup; a memory cgroup without a kmem limit; one
# with a kmem limit set but not reached), then the OOM scenarios. Every
# measurement is a RESULT or TIMELINE line (scripts/guest/bench.c); the
# host compares boots of the base and the patched kernel.
#   usage: bench.sh v2-bench|v1-bench [SECTIONS]
# SECTIONS (ONLY= on the host, e.g. ONLY=36) runs only the sections of
# those numbers; the default runs all six.
set -u
mode=$1
sections=${2:-123456}
want() {
	case $sections in *$1*) say "section $1" && return 0 ;; esac
	return 1
}
B=/tests/demo/bench
case "$mode" in
v1*) cg=/sys/fs/cgroup/memory; v2=false ;;
*) cg=/sys/fs/cgroup; v2=true ;;
esac
say() { echo "# $*"; }
result() { echo "RESULT $*"; }
. /guest/jobs.sh

# Leave out what the boot itself disturbed.
sync
echo 3 >/proc/sys/vm/drop_caches
mkdir -p /scratch/tmpfs
mount -t tmpfs tmpfs /scratch/tmpfs
export SCRATCH=/scratch/tmpfs SAMPLES=${SAMPLES:-3} SECONDS=${SECONDS:-1}
say "kernel $(uname -r), mode $mode, $(nproc) cpus," \
	"$(awk '/MemTotal/ { print $2 }' /proc/meminfo) KiB"

if $v2; then
	echo +memory >$cg/cgroup.subtree_control
	limit=memory.max kmem=memory.kmem.max kmemuse=memory.kmem.current
else
	limit=memory.limit_in_bytes kmem=memory.kmem.limit_in_bytes
	kmemuse=memory.kmem.usage_in_bytes
fi

# 1. The workloads, without and with a kmem limit.
section1() {
	$B micro root
	mkdir $cg/bench
	echo 1G >$cg/bench/$limit
	run_in $cg/bench $B micro memcg
	if [ -e $cg/bench/$kmem ] && echo 512M >$cg/bench/$kmem 2>/dev/null; then
		say "kmem: $kmem = $(cat $cg/bench/$kmem)"
	else
		say "kmem: no $kmem here: the kmem setting runs without a kmem limit"
	fi
	run_in $cg/bench $B micro kmem
	rmdir $cg/bench
}

# 2. Shared-counter writes: page_counter charge and uncharge calls per
# operation (kprobe hit counts; every call writes a cache line per level
# it walks), at depths 1, 3 and 6, without and with a kmem limit (512M on
# the deepest cgroup, not reached). Counted after the timed workloads:
# live kprobes cost instructions.
section2() {
	T=/sys/kernel/tracing
	mount -t tracefs nodev $T 2>/dev/null
	if echo 'p:pc_try page_counter_try_charge' >$T/kprobe_events &&
		echo 'p:pc_charge page_counter_charge' >>$T/kprobe_events &&
		echo 'p:pc_uncharge page_counter_uncharge' >>$T/kprobe_events; then
		echo 0 >$T/tracing_on
		echo 1 >$T/events/kprobes/enable
		for depth in 1 3 6; do
			leaf=$cg
			for i in $(seq 1 $depth); do
				$v2 && echo +memory >$leaf/cgroup.subtree_control
				leaf=$leaf/pc$i
				mkdir $leaf
			done
			echo 1G >$cg/pc1/$limit
			run_in $leaf $B count d$depth
			echo 512M >$leaf/$kmem 2>/dev/null
			run_in $leaf $B count d$depth-kmem
			for i in $(seq $depth -1 1); do
				rmdir $leaf
				leaf=${leaf%/*}
			done
		done
		echo 0 >$T/events/kprobes/enable
		echo >$T/kprobe_events
		echo 1 >$T/tracing_on
	else
		say "no kprobe events: no page_counter counts"
	fi
}

# 3. Contention at the kmem limit: 4 tasks of a cgroup create files in a
# shared tmpfs directory until that fails, unlink half and go on; a task
# outside times its own create + unlink there. Without a kmem limit they
# stop at 5000 files each; with K = 4M, at the limit.
section3() {
	mkdir $SCRATCH/shared
	for setting in nolimit kmem4M; do
		mkdir $cg/hammer
		echo 1G >$cg/hammer/$limit
		[ $setting = kmem4M ] && { echo 4M >$cg/hammer/$kmem; } 2>/dev/null
		for i in 1 2 3 4; do
			run_in $cg/hammer $B hammer $SCRATCH/shared &
		done
		sleep 1
		say "hammer $setting: $(ls $SCRATCH/shared 2>/dev/null | wc -l) files," \
			"kmem usage $(cat $cg/hammer/$kmemuse 2>/dev/null)"
		$B latency hammer-$setting $SCRATCH/shared 3
		say "hammer $setting: measured, killing"
		if $v2; then
			echo 1 >$cg/hammer/cgroup.kill
		else
			xargs kill -9 <$cg/hammer/cgroup.procs
		fi
		wait
		rm -f $SCRATCH/shared/*
		rmdir $cg/hammer
	done
	$B latency idle $SCRATCH/shared 3
}

# 4. A handler's kill to the victim's memory back, normal and stuck victim,
# in a 64M cgroup whose OOM killer waits: v1 oom_kill_disable, v2 a grace
# period for the bench as its handler. The patched kernel's test module
# holds the stuck victim.
section4() {
	insmod /lib/modules/$(uname -r)/kernel/lib/test_oom_reaper.ko 2>/dev/null
	oom_group() {
		mkdir $cg/oom
		echo 64M >$cg/oom/$limit
		if $v2; then
			echo 0 >$cg/oom/memory.swap.max
		else
			echo 64M >$cg/oom/memory.memsw.limit_in_bytes
			echo 1 >$cg/oom/memory.oom_control
		fi
	}
	if $v2 && [ ! -e $cg/memory.oom.handler ]; then
		result "reap normal - n/a (no OOM handlers on this kernel)"
		result "reap stuck - n/a (no OOM handlers on this kernel)"
	else
		[ -e /proc/sys/vm/oom_handler_grace_ms ] &&
			echo 10000 >/proc/sys/vm/oom_handler_grace_ms
		for victim in normal stuck; do
			oom_group
			if $v2; then
				# The shell registers; the bench it runs is the handler.
				(exec 3<>$cg/oom/memory.oom.handler && echo 1 >&3 &&
					cat <&3 >/dev/null && exec $B reap $victim $cg/oom)
			else
				$B reap $victim $cg/oom
			fi
			rmdir $cg/oom 2>/dev/null || { sleep 1; rmdir $cg/oom; }
		done
		[ -e /proc/sys/vm/oom_handler_grace_ms ] &&
			echo 0 >/proc/sys/vm/oom_handler_grace_ms
	fi
}

# 5. OOM to the handler's first action, with and without a reserve: the
# demo's job cgroup, the reference handler needing 2M to act.
section5() {
	if $v2 && [ -e $cg/memory.oom.reserve ]; then
		echo 3000 >/proc/sys/vm/oom_handler_grace_ms
		for reserve in 8M 0; do
			jobs_start $cg/jobs $reserve
			$B sample $cg/jobs handler-$reserve 8 &
			sampler=$!
			wait $handler
			wait $sampler
			sed 's/^/# /' /tmp/handler.log
			awk -v r=$reserve '
				/after the event/ { sub(/ ms.*/, ""); n = split($0, a, " "); rep = a[n] }
				/event to kill/ { kill = $(NF - 6); freed = $(NF - 1) }
				/resolved before/ { resolved = 1 }
				END {
					print "RESULT handler-report reserve-" r, rep, "ms"
					if (kill != "")
						print "RESULT handler-kill reserve-" r, kill, "ms"
					else
						print "RESULT handler-kill reserve-" r, "- never (the kernel OOM killer acted)"
					if (freed != "")
						print "RESULT handler-freed reserve-" r, freed, "ms"
				}' /tmp/handler.log
			echo 1 >$cg/jobs/cgroup.kill
			wait
			rmdir $cg/jobs/handler $cg/jobs/batch $cg/jobs/web $cg/jobs
		done
		echo 0 >/proc/sys/vm/oom_handler_grace_ms
	elif $v2; then
		result "handler-report reserve-8M - n/a (no OOM reserves on this kernel)"
	else
		result "handler-report reserve-8M - n/a (the scenario runs on cgroup v2)"
	fi
}

# 6. A fork bomb in a group with K = 24M (where this kernel has a kmem
# limit) and U = 512M: how fast it is contained, and a probe's loop rate
# outside the group during it against idle.
section6() {
	mkdir -p $SCRATCH/shared
	mkdir $cg/bomb
	echo 512M >$cg/bomb/$limit
	{ echo 24M >$cg/bomb/$kmem; } 2>/dev/null
	if [ "$(cat $cg/bomb/$kmem 2>/dev/null)" != 25165824 ]; then
		# Unbounded, a fork bomb takes a TCG guest down for good.
		result "forkbomb-contained K=24M - n/a (no kmem limit: not run)"
		rmdir $cg/bomb
		return 0
	fi
	idle=$($B probe 2)
	run_in $cg/bomb sh -c 'b() { b | b & }; b' 2>/dev/null
	busy=$($B probe 3)
	$B latency forkbomb $SCRATCH/shared 3
	contained=
	i=0
	while [ $i -lt 50 ]; do
		if $v2; then
			f=$(awk '$1 == "fail" { print $2 }' $cg/bomb/memory.kmem.events 2>/dev/null)
		else
			f=$(cat $cg/bomb/memory.kmem.failcnt)
		fi
		if [ -n "$f" ] && [ "$f" -gt 0 ]; then
			contained=yes
			break
		fi
		sleep 0.1
		i=$((i + 1))
	done
	tasks=$(wc -l <$cg/bomb/cgroup.procs)
	result "forkbomb-probe K=24M $(awk -v b=$busy -v i=$idle 'BEGIN { printf "%.1f", 100 * b / i }') %-of-idle"
	result "forkbomb-tasks K=24M $tasks tasks"
	if [ -n "$contained" ]; then
		result "forkbomb-contained K=24M yes"
	else
		result "forkbomb-contained K=24M - no (no kmem limit failure within 8 s)"
	fi
	# Without a cpu controller the probe competes with every task of the
	# bomb: with all of them runnable its fair share is ncpus/(tasks + 1) of
	# a CPU.
	say "fork bomb: probe idle $idle/s, during $busy/s; $tasks tasks," \
		"a fair share would be $(awk -v t="$tasks" -v c="$(nproc)" \
			'BEGIN { s = 100 * c / (t + 1); printf "%.1f", (s > 100 ? 100 : s) }')% of idle"
	$v2 && echo 1 >$cg/bomb/cgroup.kill
	i=0
	while grep -q . $cg/bomb/cgroup.procs && [ $i -lt 100 ]; do
		# v1 has no cgroup.kill: kill until nothing is left to fork.
		$v2 || xargs kill -9 <$cg/bomb/cgroup.procs 2>/dev/null
		sleep 0.2
		i=$((i + 1))
	done
	rmdir $cg/bomb
}

for n in 1 2 3 4 5 6; do
	want $n && section$n
done
umount /scratch/tmpfs
say "bench done"
