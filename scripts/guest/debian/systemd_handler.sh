#!/bin/sh
# tools/mm/oom_handler as a systemd service (tools/mm/oom_handler@.service)
# handling the OOMs of a slice whose jobs are transient units: a batch job
# (OOMScoreAdjust=500), in a slice of its own below (jobs-batch.slice), as
# systemd users nest them, grows without bound past the slice's MemoryMax=
# beside an important one (OOMScoreAdjust=-100). With a grace period, the
# handler, which runs inside the slice, uses the slice's memory.oom.reserve
# to allocate its report and kills the batch job; the kernel OOM killer
# does not act; the important job and the handler stay up.
. /guest/debian/ktap.sh
cg=/sys/fs/cgroup/jobs.slice
ktap_plan 6

cleanup() {
	systemctl stop batch.service important.service oom_handler@jobs.service 2>/dev/null
	systemctl reset-failed batch.service important.service oom_handler@jobs.service 2>/dev/null
	rm -f /run/systemd/system/jobs.slice /etc/default/oom_handler-jobs
	systemctl daemon-reload
	sysctl -q vm.oom_handler_grace_ms=0
}

if ! has_series; then
	for t in registered reserve_used batch_killed important_survives \
		 no_kernel_oom_kill handler_survives; do
		skip "systemd_handler_$t" "this kernel does not have the series"
	done
	ktap_exit
fi

printf '[Slice]\nMemoryMax=160M\nMemorySwapMax=0\n' >/run/systemd/system/jobs.slice
echo 'REPORT=8388608' >/etc/default/oom_handler-jobs
systemctl daemon-reload
sysctl -q vm.oom_handler_grace_ms=3000

systemctl start oom_handler@jobs.service
registered() {
	journalctl -q -b -u oom_handler@jobs.service -o cat | grep -q 'handling OOMs'
}
if wait_for 30 registered; then
	pass systemd_handler_registered
else
	fail systemd_handler_registered "$(systemctl status --no-pager -l oom_handler@jobs.service 2>&1 | tail -n 8)"
fi
say "jobs.slice: memory.max $(cat $cg/memory.max), memory.oom.reserve $(cat $cg/memory.oom.reserve)"

systemd-run -q --unit=important --slice=jobs.slice -p OOMScoreAdjust=-100 \
	/usr/local/bin/hog 48
sleep 2
t0=$(now_ms)
systemd-run -q --unit=batch --slice=jobs-batch.slice -p OOMScoreAdjust=500 \
	/usr/local/bin/hog 1024 5
ended() {
	[ "$(systemctl show -P ActiveState batch.service)" != active ]
}
wait_for 120 ended
say "batch job ended after $(($(now_ms) - t0)) ms: result $(systemctl show -P Result batch.service), status $(systemctl show -P ExecMainStatus batch.service)"
# The handler's log reaches the journal a little after the kill.
handler_log() {
	journalctl -q -b -u oom_handler@jobs.service -o cat _COMM=oom_handler
}
killed() {
	handler_log | grep -q 'killed jobs-batch.slice/batch.service '
}
wait_for 30 killed
handler_log | sed 's/^/# /'
say "jobs.slice memory.events: $(tr '\n' ' ' <$cg/memory.events)"

reserve=$(awk '$1 == "oom_reserve" { print $2 }' $cg/memory.events)
if [ "${reserve:-0}" -gt 0 ]; then
	pass systemd_handler_reserve_used
else
	fail systemd_handler_reserve_used "no charge used jobs.slice's reserve"
fi
# The handler goes on to the next OOM once the job's memory is freed, or
# its cgroup is gone (systemd removes it): not after a 10 s time-out.
if killed && ! handler_log | grep -q 'to memory freed -1'; then
	pass systemd_handler_batch_killed
else
	fail systemd_handler_batch_killed "the handler did not kill batch.service"
fi
check systemd_handler_important_survives systemctl -q is-active important.service
kills=$(awk '$1 == "oom_kill" { print $2 }' $cg/memory.events)
if [ "${kills:-1}" = 0 ]; then
	pass systemd_handler_no_kernel_oom_kill
else
	fail systemd_handler_no_kernel_oom_kill "the kernel OOM killer killed $kills tasks"
fi
check systemd_handler_handler_survives systemctl -q is-active oom_handler@jobs.service
cleanup
ktap_exit
