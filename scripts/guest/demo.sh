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
rmdir $cg/demo && say "removed /demo"
