# The OOM scenario that the demo shows and the bench times, sourced by
# both: a job cgroup of 64M holds the reference handler and two jobs;
# "batch" holds 24M at the highest oom_score_adj, "web" grows by 48M over
# 20 s until the cgroup is out of memory. The handler needs 2M to act.

# run_in CGROUP COMMAND...: run COMMAND in CGROUP (a subshell's $$ would
# be this shell's).
run_in() {
	sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$@"
}

# jobs_start CGROUP RESERVE: make the job cgroup with that
# memory.oom.reserve and start the handler (output in /tmp/handler.log,
# its pid in $handler), the batch job and, 3 s later, the web job.
jobs_start() {
	mkdir "$1"
	echo 64M >"$1/memory.max"
	echo 0 >"$1/memory.swap.max"
	echo "$2" >"$1/memory.oom.reserve"
	echo +memory >"$1/cgroup.subtree_control"
	mkdir "$1/handler" "$1/batch" "$1/web"
	run_in "$1/handler" /tests/mm/oom_handler -b 2097152 -n 1 -t 30 "$1" \
		>/tmp/handler.log 2>&1 &
	# shellcheck disable=SC2034 # waited for by the caller
	handler=$!
	sleep 1
	run_in "$1/batch" sh -c \
		'echo 500 >/proc/self/oom_score_adj && exec /tests/demo/hog 24' &
	sleep 2
	run_in "$1/web" /tests/demo/hog 48 20 &
}
