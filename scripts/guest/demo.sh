#!/bin/sh
# The demonstration `make` boots: the kernel and its memory cgroups at
# work. It grows with the series: each feature adds its scene.
set -u
cg=/sys/fs/cgroup
say() { echo "demo: $*"; }
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
	echo 8M >$cg/demo/dentries/memory.kmem.max
	mkdir -p /scratch/bomb && mount -t tmpfs tmpfs /scratch/bomb
	levels=$(sh -c "echo \$\$ >$cg/demo/dentries/cgroup.procs; cd /scratch/bomb
		n=0; while mkdir x 2>/tmp/mkdir.err && cd x; do n=\$((n + 1)); done
		echo \$n")
	say "mkdir x; cd x on tmpfs under memory.kmem.max=8M: stopped at $levels levels" \
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
	while [ -s $cg/demo/forks/cgroup.procs ] && [ $i -lt 50 ]; do
		sleep 0.2; i=$((i + 1))
	done
	say "killed: memory.kmem.current=$(cat $cg/demo/forks/memory.kmem.current)"
	rmdir $cg/demo/forks && say "removed /demo/forks"
else
	say "no memory.kmem.max: this kernel has no kmem limit"
fi
rmdir $cg/demo && say "removed /demo"
