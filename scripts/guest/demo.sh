#!/bin/sh
# The demonstration `make` boots: the kernel, its memory cgroups at work.
set -u
cg=/sys/fs/cgroup
say() { echo "demo: $*"; }

say "kernel $(uname -r), $(nproc) cpus, $(free -m | awk '/Mem:/{print $2}') MiB"
say "cgroup2 controllers: $(cat $cg/cgroup.controllers)"
echo +memory >$cg/cgroup.subtree_control
mkdir $cg/demo
echo 64M >$cg/demo/memory.max
say "created /demo with memory.max=$(cat $cg/demo/memory.max)"
sh -c "echo \$\$ >$cg/demo/cgroup.procs
	mkdir -p /scratch/demo && cd /scratch/demo &&
	i=0; while [ \$i -lt 200 ]; do mkdir d\$i; i=\$((i + 1)); done"
say "after 200 mkdirs in /demo: memory.current=$(cat $cg/demo/memory.current)"
say "  kernel memory: $(grep -E '^(kernel|slab|kernel_stack) ' $cg/demo/memory.stat | tr '\n' ' ')"
sh -c "echo \$\$ >$cg/demo/cgroup.procs; exec head -c 100M /dev/zero | tail -c 1 >/dev/null" &&
	say "a 100M pipe through tail in a 64M group survived (swap: $(cat $cg/demo/memory.swap.current))"
sh -c "echo \$\$ >$cg/demo/cgroup.procs; echo 0 >$cg/demo/memory.swap.max;
	exec tail -c 100M /dev/zero >/dev/null" ||
	say "the same without swap was OOM-killed: memory.events: $(tr '\n' ' ' <$cg/demo/memory.events)"
rm -rf /scratch/demo
rmdir $cg/demo && say "removed /demo"
