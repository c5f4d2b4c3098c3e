#!/bin/sh
# A container started by crun, with its kernel-memory limit set the way
# a container user sets it: on cgroup v2 memory.kmem.max (and
# memory.oom.reserve) in the OCI config's linux.resources.unified, on
# cgroup v1 linux.resources.memory.kernel, which crun writes to
# memory.kmem.limit_in_bytes. A fork bomb inside fails to fork once its
# kernel memory reaches the limit; systemctl keeps answering on the host
# meanwhile; the container is deleted cleanly, and (v2) no dying cgroup
# is left.
#
# The container's root is on tmpfs, written from outside it: the page
# cache of a disk root would be charged to the container and keep its
# memory cgroup offline-but-present until reclaimed, as on any kernel,
# which would hide a dying cgroup the series leaves.
. /guest/debian/ktap.sh
slow=${slow:-1}
KMEM=$((24 << 20))
B=/run/memcg-ct
ktap_plan 4

if [ -e /sys/fs/cgroup/cgroup.controllers ]; then
	v=2 mem=/sys/fs/cgroup/memcg-ct
	limit=memory.kmem.max peak=memory.kmem.peak
	resources='"memory": { "limit": 536870912 },
      "unified": { "memory.kmem.max": "24M", "memory.oom.reserve": "8M" }'
else
	v=1 mem=/sys/fs/cgroup/memory/memcg-ct
	limit=memory.kmem.limit_in_bytes peak=memory.kmem.max_usage_in_bytes
	resources='"memory": { "limit": 536870912, "kernel": 25165824 }'
fi
name=crun_v${v}
if ! has_series; then
	for t in settings fork_bomb_contained host_responds delete_clean; do
		skip "${name}_$t" "this kernel does not have the series"
	done
	ktap_exit
fi

rm -rf $B
mkdir -p $B/rootfs
cp -a /ct/rootfs/. $B/rootfs/
mkdir -p $B/rootfs/dev $B/rootfs/proc
cat >$B/config.json <<EOC
{
  "ociVersion": "1.0.0",
  "process": {
    "terminal": false,
    "user": { "uid": 0, "gid": 0 },
    "args": [ "/forkbomb", "20000", "50", "180" ],
    "env": [ "PATH=/bin" ],
    "cwd": "/",
    "noNewPrivileges": true
  },
  "root": { "path": "rootfs", "readonly": true },
  "mounts": [ { "destination": "/proc", "type": "proc", "source": "proc" } ],
  "linux": {
    "cgroupsPath": "/memcg-ct/bomb",
    "namespaces": [ { "type": "pid" }, { "type": "mount" } ],
    "resources": {
      $resources
    }
  }
}
EOC
say "crun $(crun --version | sed -n '1s/crun version //p'), cgroup v$v, linux.resources:"
sed -n '/"resources"/,/^    }/p' $B/config.json | sed 's/^/# /'

# The host side answers while the bomb goes off: the slowest systemctl.
slowest=0
cd $B || exit 1
if ! crun run -d ct >$B/out 2>&1; then
	fail ${name}_settings "crun run failed: $(cat $B/out)"
	for t in fork_bomb_contained host_responds delete_clean; do
		fail "${name}_$t" "no container"
	done
	ktap_exit
fi
bombed() {
	grep -q '^forkbomb:' $B/out
}
# "degraded" is an answer too: a unit that failed is not the question.
answers() {
	case "$(timeout $((60 * slow)) systemctl is-system-running)" in
	running | degraded) return 0 ;;
	esac
	return 1
}
unanswered=0
while ! bombed; do
	t0=$(now_ms)
	answers || unanswered=$((unanswered + 1))
	t=$(($(now_ms) - t0))
	[ $t -le $slowest ] || slowest=$t
	sleep 0.5
	[ $(($(now_ms) - ${start:=$t0})) -lt $((240000 * slow)) ] || break
done
sed 's/^/# /' $B/out

kmax=$(cat $mem/bomb/$limit)
if [ $v = 2 ]; then
	reserve=$(cat $mem/bomb/memory.oom.reserve)
	say "kernel: $limit $kmax, memory.oom.reserve $reserve"
	[ "$kmax" = $KMEM ] && [ "$reserve" = $((8 << 20)) ]
else
	say "kernel: $limit $kmax"
	[ "$kmax" = $KMEM ]
fi && pass ${name}_settings || fail ${name}_settings

kpeak=$(cat $mem/bomb/$peak)
# shellcheck disable=SC2046
set -- $(sed -n 's/^forkbomb: tasks \([0-9]*\) failures \([0-9]*\) errno \([A-Z]*\)/\1 \2 \3/p' $B/out)
say "kmem peak $((kpeak >> 10)) KiB; $1 tasks, $2 failed forks ($3)"
if [ "${2:-0}" -gt 0 ] && { [ "$3" = ENOMEM ] || [ "$3" = EAGAIN ]; } &&
   [ "$kpeak" -le $((KMEM + (256 << 10))) ]; then
	pass ${name}_fork_bomb_contained
else
	fail ${name}_fork_bomb_contained "fork() did not fail cleanly within the kmem limit"
fi

say "slowest systemctl is-system-running during the bomb: $slowest ms ($unanswered unanswered)"
if bombed && [ $unanswered = 0 ] && [ $slowest -lt $((30000 * slow)) ] && answers; then
	pass ${name}_host_responds
else
	fail ${name}_host_responds
fi

# The output file's page is charged to the container: remove it first,
# or it keeps the container's memory cgroup (offline) until reclaimed.
rm -f $B/out
cd /
crun kill -a ct KILL
gone() {
	[ "$(crun state ct 2>/dev/null | sed -n 's/.*"status": "\(.*\)".*/\1/p')" = stopped ]
}
wait_for 30 gone
ok=1
crun delete -f ct || { ok=0; say "crun delete failed"; }
[ ! -e $mem/bomb ] || { ok=0; say "$mem/bomb is still there"; }
if [ $v = 2 ]; then
	dying() {
		[ "$(awk '$1 == "nr_dying_descendants" { print $2 }' $mem/cgroup.stat)" = 0 ]
	}
	wait_for 30 dying || { ok=0; say "dying: $(tr '\n' ' ' <$mem/cgroup.stat)"; }
fi
[ $ok = 1 ] && pass ${name}_delete_clean || fail ${name}_delete_clean
for d in /sys/fs/cgroup/memcg-ct /sys/fs/cgroup/*/memcg-ct; do
	[ ! -d "$d" ] || rmdir "$d"
done
rm -rf $B
ktap_exit
