#!/bin/bash
# The cover letter's text for make format-patch: what the series does,
# why, how it departs from the 2012-2016 designs, and the figures of the
# last make check and make bench, where there are any.
#   usage: cover-letter.sh
set -eu
. "$(dirname "$0")/common.sh"

cat <<'TEXT'
This series brings back and finishes three memory cgroup mechanisms on
6.12:

1. Kernel memory limits. memory.kmem.limit_in_bytes is enforced again on
   cgroup v1, and cgroup v2 gets memory.kmem.{max,current,peak,events}.
   Kernel memory is charged to the kmem counter before the memory
   counter, so with K < U the kmem limit is hit first; at the limit the
   cgroup's slab is shrunk, then the allocation fails: fork() and mkdir()
   return ENOMEM, nothing is OOM-killed. A fork bomb or a "mkdir x; cd x"
   loop in a limited cgroup stops with an error instead of taking the
   machine down.

2. Memory reserves for userspace OOM handlers (the 2014 proposal, never
   merged). A process that registers for a cgroup's OOM notification
   with the right to change its OOM controls may charge above the limit
   by memory.oom_reserve_in_bytes (v1) / memory.oom.reserve (v2), every
   ancestor held to its own limit plus reserve. Root's handlers are told
   of system OOMs and may allocate below the min watermarks by
   vm.oom_handler_system_reserve_kbytes, a quarter of each zone's min
   watermark at most. vm.oom_handler_grace_ms bounds how long the OOM
   killer waits for handlers (a system OOM 1 s at most), and it waits
   the way v1's oom_kill_disable does, never in the charge path.

3. The OOM reaper for the victims userspace handlers kill: a SIGKILL that
   a registered handler sends during an OOM it handles (kill(2) or
   cgroup.kill) is reaped at once, every other kill as before; the pages
   of the victim's robust futex lists are kept, so robust mutexes are
   still handed on; /proc/vmstat and memory.events say what the reaper
   did.

Why now, and why these answers. The kmem limit was deprecated in 5.4
(0158115f702b) because slab could not be reclaimed at the limit,
__GFP_NOFAIL could not be honoured, and ENOMEM from a page fault turned
into a premature global OOM: here the cgroup's slab is shrunk at the
limit, __GFP_NOFAIL and dying tasks are charged over it, and what user
faults allocate is charged over it once reclaim did not help, rather
than fail the fault.
The reserves were refused because a handler inside the cgroup it handles
could livelock it, and because the kernel must not wait for userspace:
here the overcharge is bounded at every level, the wait is bounded and
happens where no lock is held, a handler that cannot be served is not
waited for, and its kills are reaped at once. Each patch's message and
Documentation/admin-guide/mm/oom-handlers.rst have the details.

Deviations from the 2012-2016 designs: no EBUSY for the first kmem limit
write (6.12 always accounts, so nothing is lost by limiting late); -1
removes a kmem limit but never stops accounting; the names moved
(__GFP_KMEMCG is __GFP_ACCOUNT, res_counter is page_counter, charge and
commit are __memcg_kmem_charge_page()); a v1 listener is a handler
only if it asks ("handler" after the fds in cgroup.event_control) and
may write memory.oom_control, so that existing listeners keep what
they had; the root cgroup's OOM notification, which v1 never had,
needs CAP_SYS_ADMIN; v2 registers handlers through an open file instead
of cgroup.event_control; the system reserve is a sysctl
(vm.oom_handler_system_reserve_kbytes), which v1's root
memory.oom_reserve_in_bytes reads and writes, and is capped at a
quarter of each zone's min watermark.

Testing: new selftests under tools/testing/selftests/cgroup
(test_kmem_limit, test_memcg_v1, test_oom_reaper, test_oom_reserve and
the stress and bad-input tests), run with upstream's test_core,
test_memcontrol and test_kmem in QEMU guests on cgroup v1 and v2; every
new test fails on the unpatched kernel.
TEXT
if [ -f "$LOGS/results.txt" ]; then
	echo
	echo "Last make check: $(grep -c '^PASS' "$LOGS/results.txt") passed," \
		"$(grep -c '^FAIL' "$LOGS/results.txt") failed."
fi
if [ -f "$BUILD/bench/ratios.txt" ]; then
	echo
	echo "make bench, patched/base (TCG, medians of the rounds):"
	awk '{ printf "  %-3s %-7s %-6s %.3f\n", $1, $2, $3, $6 }' "$BUILD/bench/ratios.txt"
fi
if [ -f "$BUILD/bench/results.txt" ]; then
	echo
	echo "OOM timings of the patched kernel (guest instruction time, min-max):"
	awk '$4 == "patched" && $2 ~ /^(reap|handler-kill|handler-freed)$/ {
		k = $2 " " $3; if (!(k in lo) || $6 < lo[k]) lo[k] = $6
		if (!(k in hi) || $6 > hi[k]) hi[k] = $6; u[k] = $7
	} END { for (k in lo) printf "  %-28s %s-%s %s\n", k, lo[k], hi[k], u[k] }' \
		"$BUILD/bench/results.txt" | sort
fi
