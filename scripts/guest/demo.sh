#!/bin/sh
# The demonstration `make` boots: the kernel and its memory cgroups at
# work. It grows with the series: each feature adds its scene.
set -u
cg=/sys/fs/cgroup
say() { echo "demo: $*"; }
. /guest/jobs.sh
stat_of() { awk -v k="$2" '$1 == k { print $2 }' "$cg/$1/memory.stat"; }

say "kernel $(uname -r), $(nproc) cpus, $(free -m | awk '/Mem:/ { print $2 }') MiB," \
	"swap $(free -m | awk '/Swap:/ { print $2 }') MiB"
say "cgroup2 controllers: $(cat $cg/cgroup.controllers)"
echo +memory >$cg/cgroup.subtree_control
mkdir $cg/demo
echo 64M >$cg/demo/memory.max
say "created /demo with memory.max=$(cat $cg/demo/memory.max)"

sh -c "echo \$\$ >$cg/demo/cgroup.procs
	mkdir -p /scratch/demo && cd /scratch/demo &&
	i=0; while [ \$i -lt 2000 ]; do mkdir d\$i; i=\$((i + 1)); done"
say "2000 mkdirs in /demo: memory.current=$(cat $cg/demo/memory.current)," \
	"kernel=$(stat_of demo kernel) slab=$(stat_of demo slab)"

sh -c "echo \$\$ >$cg/demo/cgroup.procs
	head -c 104857600 /dev/zero | tail -c 104857600 >/dev/null" &&
	say "100M of anonymous memory in the 64M group: reclaimed to swap" \
		"(memory.swap.peak=$(cat $cg/demo/memory.swap.peak))"
echo 0 >$cg/demo/memory.swap.max
sh -c "echo \$\$ >$cg/demo/cgroup.procs
	head -c 104857600 /dev/zero | tail -c 104857600 >/dev/null" ||
	say "the same with memory.swap.max=0: OOM-killed" \
		"(memory.events oom_kill $(awk '$1 == "oom_kill" { print $2 }' $cg/demo/memory.events))"
rm -rf /scratch/demo

# The kmem limit (cgroup v2 interface): a dentry bomb and a fork bomb.
if [ -e $cg/demo/memory.kmem.max ]; then
	echo +memory >$cg/demo/cgroup.subtree_control
	mkdir $cg/demo/dentries
	echo 4M >$cg/demo/dentries/memory.kmem.max
	mkdir -p /scratch/bomb && mount -t tmpfs tmpfs /scratch/bomb
	# Flat, not "mkdir x; cd x": the shell's path would hit PATH_MAX
	# first. tmpfs dentries and inodes cannot be reclaimed either way.
	dirs=$(sh -c "echo \$\$ >$cg/demo/dentries/cgroup.procs; cd /scratch/bomb
		n=0; while mkdir d\$n 2>/tmp/mkdir.err; do n=\$((n + 1)); done
		echo \$n")
	say "mkdir d0 d1 ... on tmpfs under memory.kmem.max=4M: stopped at $dirs directories" \
		"($(cat /tmp/mkdir.err)), memory.kmem.peak=$(cat $cg/demo/dentries/memory.kmem.peak)," \
		"events: $(tr '\n' ' ' <$cg/demo/dentries/memory.kmem.events)"
	umount /scratch/bomb
	rmdir $cg/demo/dentries

	mkdir $cg/demo/forks
	echo 16M >$cg/demo/forks/memory.kmem.max
	sh -c "echo \$\$ >$cg/demo/forks/cgroup.procs; b() { b | b & }; b" 2>/dev/null
	sleep 5
	say "fork bomb 'b() { b | b & }; b' under memory.kmem.max=16M, after 5 s:" \
		"$(wc -l <$cg/demo/forks/cgroup.procs) tasks," \
		"memory.kmem.peak=$(cat $cg/demo/forks/memory.kmem.peak)," \
		"events: $(tr '\n' ' ' <$cg/demo/forks/memory.kmem.events)"
	echo 1 >$cg/demo/forks/cgroup.kill
	i=0
	while grep -q . $cg/demo/forks/cgroup.procs && [ $i -lt 50 ]; do
		sleep 0.2; i=$((i + 1))
	done
	say "killed: memory.kmem.current=$(cat $cg/demo/forks/memory.kmem.current)"
	rmdir $cg/demo/forks && say "removed /demo/forks"
else
	say "no memory.kmem.max: this kernel has no kmem limit"
fi
rmdir $cg/demo && say "removed /demo"

# OOM handlers and their reserve: a job cgroup of 64M holds the handler
# and two jobs; "web" grows until the cgroup is out of memory. The kernel
# gives the handler 3 s (vm.oom_handler_grace_ms). With a reserve the
# handler gets the memory it needs and kills "batch", the job with the
# highest oom_score_adj; without one it cannot get its memory, and the
# kernel OOM killer acts at once rather than wait for a handler that
# cannot act.
if [ -e $cg/memory.oom.reserve ]; then
	echo 3000 >/proc/sys/vm/oom_handler_grace_ms
	for reserve in 8M 0; do
		say "jobs: memory.max=64M, memory.oom.reserve=$reserve;" \
			"the handler needs 2M to act"
		jobs_start $cg/jobs $reserve
		wait $handler
		sed 's/^/demo:   /' /tmp/handler.log
		for job in batch web; do
			if grep -q . $cg/jobs/$job/cgroup.procs; then
				state=running
			else
				state=killed
			fi
			say "  $job: $state, memory.events oom_kill" \
				"$(awk '$1 == "oom_kill" { print $2 }' $cg/jobs/$job/memory.events)"
		done
		say "  jobs: memory.peak=$(cat $cg/jobs/memory.peak)," \
			"oom_reserve events $(awk '$1 == "oom_reserve" { print $2 }' $cg/jobs/memory.events)"
		echo 1 >$cg/jobs/cgroup.kill
		i=0
		while grep -q . $cg/jobs/web/cgroup.procs $cg/jobs/batch/cgroup.procs; do
			[ $i -lt 50 ] || break
			sleep 0.2; i=$((i + 1))
		done
		wait
		rmdir $cg/jobs/handler $cg/jobs/batch $cg/jobs/web $cg/jobs
	done
	echo 0 >/proc/sys/vm/oom_handler_grace_ms
else
	say "no memory.oom.reserve: this kernel has no OOM handler reserves"
fi
